"""Tokens and cost of model calls, added up per agent and per run.

One call record (a line of ``llm_calls.jsonl``) counts once: ``calls`` counts every
call, ``cached_calls`` those answered from the response cache (they reached no
provider, so their tokens and cost are not added: a trial costs the same whether
or not another run filled the cache first). The token counts are those of the
calls that reached a provider: ``prompt_tokens`` (the whole prompt, cached parts
included), ``cached_prompt_tokens`` (read from the provider's prompt cache),
``cache_write_tokens`` (written to it, Anthropic) and ``completion_tokens``;
``cost`` is USD as litellm priced those calls, None when none had a price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

TOKEN_FIELDS = ("prompt_tokens", "cached_prompt_tokens", "cache_write_tokens", "completion_tokens")


def empty_usage() -> dict[str, Any]:
    """A zero tally: the keys of :data:`TOKEN_FIELDS`, ``calls``, ``cached_calls``, ``cost``."""
    return {"calls": 0, "cached_calls": 0, **dict.fromkeys(TOKEN_FIELDS, 0), "cost": None}


def add_usage(tally: dict[str, Any], other: Mapping[str, Any]) -> None:
    """Add the tally ``other`` to ``tally`` (missing keys count as zero; a cost of None
    adds nothing, and ``tally`` keeps None only while neither had a price)."""
    for name in ("calls", "cached_calls", *TOKEN_FIELDS):
        tally[name] += int(other.get(name) or 0)
    cost = other.get("cost")
    if isinstance(cost, int | float):
        tally["cost"] = round((tally["cost"] or 0.0) + float(cost), 8)


def call_usage(call: Mapping[str, Any]) -> dict[str, Any]:
    """The tally of one call record (``usage``, ``cost`` and ``cached`` as recorded)."""
    tally = empty_usage()
    tally["calls"] = 1
    if call.get("cached"):
        tally["cached_calls"] = 1
        return tally
    usage = call.get("usage") or {}
    for name in TOKEN_FIELDS:
        value = usage.get(name)
        tally[name] = int(value) if isinstance(value, int | float) else 0
    cost = call.get("cost")
    tally["cost"] = float(cost) if isinstance(cost, int | float) else None
    return tally


class UsageTally:
    """Running totals of call records: the whole run and each agent.

    :meth:`to_json` gives ``{"total": tally, "agents": {address: tally}}`` with the
    tallies of :func:`empty_usage`; agents in order of their first call.
    """

    def __init__(self, calls: Iterable[Mapping[str, Any]] = ()) -> None:
        self.total = empty_usage()
        self.agents: dict[str, dict[str, Any]] = {}
        for call in calls:
            self.add(call)

    def add(self, call: Mapping[str, Any]) -> None:
        """Count one call record."""
        one = call_usage(call)
        add_usage(self.total, one)
        add_usage(self.agents.setdefault(str(call.get("agent") or ""), empty_usage()), one)

    def to_json(self) -> dict[str, Any]:
        """The totals as plain data (copies)."""
        return {
            "total": dict(self.total),
            "agents": {agent: dict(tally) for agent, tally in self.agents.items()},
        }


def usage_line(tally: Mapping[str, Any]) -> str:
    """A tally's tokens in words, e.g. ``"9,100 prompt (8,000 cached, 300 written to the
    cache), 420 completion"``; empty when no call reached a provider."""
    if not tally.get("prompt_tokens") and not tally.get("completion_tokens"):
        return ""
    cache = []
    if tally.get("cached_prompt_tokens"):
        cache.append(f"{tally['cached_prompt_tokens']:,} cached")
    if tally.get("cache_write_tokens"):
        cache.append(f"{tally['cache_write_tokens']:,} written to the cache")
    prompt = f"{tally['prompt_tokens']:,} prompt" + (f" ({', '.join(cache)})" if cache else "")
    return f"{prompt}, {tally['completion_tokens']:,} completion"
