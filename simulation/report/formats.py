"""What the graph export writes, the error for what it cannot, and XML-safe text.

Kept apart from :mod:`~insider_sim.simulation.report.export` so that the
``insider`` command's help can name the formats without loading networkx.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("graphml", "gexf", "json", "png", "svg")

# Characters XML 1.0 cannot hold at all: C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ReportError(ValueError):
    """A graph or report that cannot be made as asked; the text says why."""


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold shown as a visible escape.

    A BEL character becomes the four characters backslash, ``x``, ``0``, ``7``
    (``\\u`` and four hex digits above U+00FF). Everything else is kept as it is.
    """
    return _XML_INVALID.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def xml_safe_graph(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` whose node ids and string attributes are :func:`xml_safe`.

    The graph's type (directed, multi) is kept; other attribute values are unchanged.
    """
    safe = graph.__class__()
    safe.graph.update({k: _safe_value(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        safe.add_node(_safe_value(node), **{k: _safe_value(v) for k, v in data.items()})
    multi: Any = graph  # the keyed edge view exists on multigraphs only
    edges = multi.edges(keys=True, data=True) if graph.is_multigraph() else graph.edges(data=True)
    for source, target, *rest in edges:
        attrs = {k: _safe_value(v) for k, v in rest[-1].items()}
        keyed = {"key": rest[0]} if len(rest) == 2 else {}
        safe.add_edge(_safe_value(source), _safe_value(target), **keyed, **attrs)
    return safe


def _safe_value(value: Any) -> Any:
    return xml_safe(value) if isinstance(value, str) else value
