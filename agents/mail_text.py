"""Mail text as a reader compares it: names masked, word shingles, Jaccard similarity.

One place for the rules that both the routine-mail generator (which avoids repeating
itself) and the realism check (which counts repetitions) follow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME_MASK = "<name>"
ADDRESS_MASK = "<address>"
NEAR_DUPLICATE = 0.8
"""Jaccard similarity of word shingles above which two texts are near-duplicates."""
BODY_SHINGLE = 3
SUBJECT_SHINGLE = 2
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"[\w'<>-]+")
_PLACEHOLDER = re.compile(r"(?<![{$])\{([A-Za-z_][A-Za-z0-9_.]*)\}(?!\})|\$\{[^}]*\}")
_GREETING_TO_ADDRESS = re.compile(
    r"^\s*(?:hi|hello|hey|dear|morning|good (?:morning|afternoon)|hi there)\b[ ,]*"
    r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+",
    re.IGNORECASE | re.MULTILINE,
)


class NameMask:
    """Replaces people's names and any email address with fixed tokens.

    ``names``: display names as the directory holds them; each full name, and
    each of its words of three letters or more, is masked (case-insensitive, whole
    words only).
    """

    def __init__(self, names: Iterable[str]):
        words: set[str] = set()
        for name in names:
            name = name.strip()
            if not name or "@" in name:
                continue
            words.add(name)
            words.update(w for w in name.split() if len(w) >= 3 and w[0].isupper())
        ordered = sorted(words, key=len, reverse=True)
        self._pattern = (
            re.compile(r"\b(?:" + "|".join(re.escape(w) for w in ordered) + r")\b", re.IGNORECASE)
            if ordered
            else None
        )

    def __call__(self, text: str) -> str:
        """``text`` with addresses and names masked, whitespace collapsed, lower case."""
        text = _ADDRESS.sub(ADDRESS_MASK, text)
        if self._pattern is not None:
            text = self._pattern.sub(NAME_MASK, text)
        return " ".join(text.split()).lower()


def shingles(text: str, size: int) -> frozenset[tuple[str, ...]]:
    """The set of ``size``-word shingles of ``text`` (the whole text when shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    """|a & b| / |a | b|; 0 for two empty sets."""
    if not a and not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def residue(text: str) -> list[str]:
    """Template placeholders left unfilled in ``text`` (``{name}``, ``${name}``)."""
    return [m.group(0) for m in _PLACEHOLDER.finditer(text)]


def greets_an_address(body: str) -> bool:
    """Whether a line of ``body`` greets an email address ("Hi all@example.com")."""
    return _GREETING_TO_ADDRESS.search(body) is not None
