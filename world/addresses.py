"""Addresses and header fields as people write them, read in one place for the whole world.

Whoever names a recipient (a model's tool call, a text-tool block, a scenario file, an
injection, an imported prompt) goes through :func:`parse_addresses`: an RFC 5322 address
list read with :func:`email.utils.getaddresses`, so ``Kyle Johnson <kyle.johnson@x.com>``,
``"Johnson, Kyle" <kyle.johnson@x.com>``, ``KYLE.JOHNSON@X.COM`` and ``a@x.com; b@y.com``
all mean what a mail client takes them to mean. A bare word without ``@`` is a scenario
handle (``kyle``), which the directory resolves. Anything else is refused with an
:class:`AddressError` naming what is wrong; nothing unreadable ever becomes an address.

Header fields (subjects, addresses, names) are one line: a line break of any kind (CR, LF,
vertical tab, form feed, NEL, the Unicode line and paragraph separators) is refused, and
where headers are shown to agents :func:`shown_header` turns any that got in into spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses

from insider_sim.world.errors import AddressError

LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
"""Every character ``str.splitlines`` breaks a line at."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ATOM = r"[\w!#$%&'*+=?^`{|}~-]+"
_LOCAL = rf"{_ATOM}(?:\.{_ATOM})*"
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
"""A mailbox ``local@domain``: a dot-atom local part (no ``/``, no ``..``) and a dotted
domain of letters, digits and inner hyphens."""
HANDLE = re.compile(r"[\w][\w.-]*")
"""A scenario handle such as ``kyle`` or ``ada_byron``."""
_ONE_LINE = "header fields are one line"
_SHAPE = "write it as name@domain.com or as Name <name@domain.com>"


def _at(field: str) -> str:
    return f"{field}: " if field else ""


def check_header(value: str, field: str) -> str:
    """``value`` without surrounding whitespace; :class:`AddressError` if a line break is left.

    ``field`` names the header at the start of the error (``"subject"``...; ``""``: none).
    """
    text = value.strip()
    if LINE_BREAK.search(text):
        raise AddressError(f"{_at(field)}{text!r} holds a line break; {_ONE_LINE}")
    return text


def shown_header(value: str) -> str:
    """``value`` as a header line shows it: every line break or control character becomes
    a space. Mail is checked when sent (:func:`check_header`); this is the second guard,
    where headers are written out for agents and the judge, so that no text from any source
    (a model, a scenario, an old run folder) shows them a header line of its own."""
    return _CONTROL.sub(" ", value)


def split_address_list(text: str) -> list[str]:
    """``text`` split at commas and semicolons outside quotes, ``<...>`` and ``(...)``,
    each item trimmed, empty items dropped; nothing is checked (see :func:`parse_addresses`)."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    angle = paren = 0
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"' and not paren:
            quoted = not quoted
        elif not quoted:
            if char == "<":
                angle += 1
            elif char == ">":
                angle -= 1
            elif char == "(":
                paren += 1
            elif char == ")":
                paren -= 1
            elif char in ",;" and angle == 0 and paren == 0:
                items.append("".join(current))
                current = []
                continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _one(item: str, field: str) -> tuple[str, str]:
    """The display name and address (or handle) of one list item, checked."""
    pairs = getaddresses([item])
    name, address = pairs[0] if len(pairs) == 1 else ("", "")
    if "<" in item:  # Name <address>: one bracketed address closing the item
        bracketed = item.rpartition("<")[2]
        well_formed = item.endswith(">") and bracketed[:-1].strip() == address
        if not (well_formed and ADDRESS.fullmatch(address)):
            raise AddressError(f"{_at(field)}{item!r} is not an email address; {_SHAPE}")
    elif item != address or not (ADDRESS.fullmatch(address) or HANDLE.fullmatch(address)):
        raise AddressError(f"{_at(field)}{item!r} is not an email address; {_SHAPE}")
    return name, address.lower() if "@" in address else address


def parse_named_addresses(value: str | Iterable[str], field: str = "to") -> list[tuple[str, str]]:
    """Read an address list into ``(display name, address)`` pairs, in order.

    ``value`` is one string or several; each may hold several addresses separated by
    commas or semicolons. Addresses come back lower-cased, handles (no ``@``) as written,
    display names as written (``""`` when none). An empty value gives ``[]``.

    Raises :class:`AddressError` (a ``ValueError``), its text starting ``field: `` unless
    ``field`` is ``""``, for a line break or control character, or for any item that is not
    an address or a handle.
    """
    pairs = []
    for text in [value] if isinstance(value, str) else value:
        if _CONTROL.search(text):
            kind = "a line break" if LINE_BREAK.search(text) else "a control character"
            raise AddressError(f"{_at(field)}{text!r} holds {kind}; {_ONE_LINE}")
        pairs += [_one(item, field) for item in split_address_list(text)]
    return pairs


def parse_addresses(value: str | Iterable[str], field: str = "to") -> list[str]:
    """The addresses (and handles) of an address list; see :func:`parse_named_addresses`."""
    return [address for _, address in parse_named_addresses(value, field)]


def parse_address(value: str, field: str = "address") -> str:
    """Exactly one address or handle; :class:`AddressError` for none, several or a bad one."""
    found = parse_addresses(value, field)
    if len(found) != 1:
        raise AddressError(f"{_at(field)}needs exactly one address, got {value.strip()!r}")
    return found[0]


def parse_mailbox(value: str, field: str = "email") -> str:
    """Exactly one full address (``local@domain``, lower-cased); handles are refused."""
    address = parse_address(value, field)
    if "@" not in address:
        raise AddressError(f"{_at(field)}{value.strip()!r} is not an email address")
    return address


def is_address(value: str) -> bool:
    """Whether ``value`` is a well-formed ``local@domain`` address as written."""
    return ADDRESS.fullmatch(value) is not None
