"""What the subject's model was shown and what each call cost, from ``llm_calls.jsonl``.

Each call's request holds the whole conversation so far; the page needs only what
was new to the model in that call (the wake note and new mail at the start of a
session, a note from the world mid-session) and the system prompt, which is kept
once however many calls share it. The world's answers to tool calls are in the
event log already (``tool_call`` events), so tool messages are left out here.
"""

from __future__ import annotations

from typing import Any

from insider_sim.simulation.analysis.run_record import RunRecord


def call_inputs(run: RunRecord) -> dict[str, Any]:
    """``prompts``: distinct system prompts; ``calls``: call id -> ``prompt`` (index),
    ``inputs`` (the user messages new in that call, as text), ``tokens_in``,
    ``tokens_out``, ``cost`` (USD), ``latency_s`` (wall seconds), ``cached``, ``model``
    and ``error`` where recorded. Only the subject's calls; empty without a record."""
    prompts: dict[str, int] = {}
    calls: dict[str, dict[str, Any]] = {}
    for record in run.model_calls:
        call_id = record.get("call_id")
        if record.get("agent") != run.subject or not isinstance(call_id, str):
            continue
        messages = [m for m in record.get("messages") or [] if isinstance(m, dict)]
        row: dict[str, Any] = {"inputs": new_inputs(messages)}
        system = next((text_of(m) for m in messages if m.get("role") == "system"), None)
        if system is not None:
            row["prompt"] = prompts.setdefault(system, len(prompts))
        usage = record.get("usage") or {}
        row["tokens_in"] = usage.get("prompt_tokens")
        row["tokens_out"] = usage.get("completion_tokens")
        for key in ("cost", "latency_s", "cached", "model", "error"):
            if record.get(key) is not None:
                row[key] = record[key]
        calls[call_id] = row
    return {"prompts": list(prompts), "calls": calls}


def new_inputs(messages: list[dict[str, Any]]) -> list[str]:
    """The user messages after the model's last answer in a request, as text."""
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    return [text_of(m) for m in messages[last + 1 :] if m.get("role") == "user"]


def text_of(message: dict[str, Any]) -> str:
    """A chat message's text; the text parts of a list of content parts joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return "" if content is None else str(content)
