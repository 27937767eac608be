"""Self-contained HTML pages: inline style, script and JSON data under a strict CSP.

Nothing is loaded from any address. The data travels as JSON inside a
``<script type="application/json">`` element with ``<``, ``>``, ``&`` and the
two line separators written as ``\\uXXXX`` escapes, so no text in it can end
the element or start markup. Inline style and script are allowed by their
sha256 hashes only.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources
from typing import Any

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_TABLE = str.maketrans(_JSON_ESCAPES)


def asset(name: str) -> str:
    """The text of a file in simulation/report/assets."""
    return (
        resources.files("insider_sim.simulation.report").joinpath("assets", name).read_text("utf-8")
    )


def embed_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a script element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_TABLE)


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline text."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(style: str, script: str | None) -> str:
    """Nothing from any address; only this page's own style and script."""
    script_src = csp_hash(script) if script is not None else "'none'"
    return (
        f"default-src 'none'; script-src {script_src}; style-src {csp_hash(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def render_page(
    *,
    title: str,
    body: str,
    style: str,
    script: str | None = None,
    data: Any = None,
    data_id: str = "report-data",
) -> str:
    """A whole HTML document; ``body`` is trusted markup, ``title`` is escaped here."""
    style = "\n" + style.strip() + "\n"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="'
        + html.escape(content_security_policy(style, script))
        + '">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{style}</style>",
        "</head>",
        "<body>",
        body.strip(),
    ]
    if data is not None:
        parts.append(f'<script type="application/json" id="{data_id}">{embed_json(data)}</script>')
    if script is not None:
        parts.append(f"<script>{script}</script>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
