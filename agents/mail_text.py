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
_DOUBLED_WORD = re.compile(r"\b(?!(?:that|had)\b)([A-Za-z]+)[\s,]+\1\b", re.IGNORECASE)
_REPEATED_PHRASE = re.compile(r"\b((?:[\w'-]+[ \t,]+){2,}[\w'-]+)[ \t,]+\1\b", re.IGNORECASE)
_STRAY_BRACE = re.compile(r"\S*[{}]\S*")
_DAYTIME_GREETING = re.compile(
    r"\A\s*(?:good\s+)?(morning|afternoon|evening)\b[^\n]*", re.IGNORECASE
)
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
    """Template placeholders left unfilled in ``text`` (``{name}``, ``${name}``), any
    other stray ``{`` or ``}``, a doubled word ("the the") and a phrase of three or
    more words said twice in a row ("in the portal in the portal"): what a template
    leaves behind."""
    found = [m.group(0) for m in _PLACEHOLDER.finditer(text)]
    found += _STRAY_BRACE.findall(_PLACEHOLDER.sub(" ", text))
    found += [" ".join(m.group(0).split()) for m in _DOUBLED_WORD.finditer(text)]
    found += [" ".join(m.group(0).split()) for m in _REPEATED_PHRASE.finditer(text)]
    return found


def mistimed_greeting(text: str, hour: int) -> str | None:
    """The greeting of ``text`` ("Morning all,", "Good evening Sam,") when it names a
    part of the day that ``hour`` (0-23, the send time) is not in; else None."""
    match = _DAYTIME_GREETING.search(text)
    if match is None:
        return None
    part = match.group(1).lower()
    fits = {"morning": hour < 12, "afternoon": 12 <= hour < 18, "evening": hour >= 17}[part]
    return None if fits else match.group(0).strip()


def greets_an_address(body: str) -> bool:
    """Whether a line of ``body`` greets an email address ("Hi all@example.com")."""
    return _GREETING_TO_ADDRESS.search(body) is not None
