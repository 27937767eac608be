"""Runs as Inspect AI eval logs, so that ``inspect view`` browses them (the ``inspect`` extra).

Each run becomes one sample: the subject's conversation (system prompt, each
wake note, its answers with reasoning and tool calls, the world's answers)
rebuilt from ``llm_calls.jsonl``, each behaviour's ground truth and judge
verdict as scores (``gt_<behaviour>``, ``judge_<behaviour>``: 1 detected, 0
not, evidence in the score's metadata), and the run's family, conditions,
model, seed and status in the sample's metadata. A run that errored carries its
error; its scores are left out, since a failed run measured nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.core.run_folder import model_calls
from insider_sim.simulation.report.formats import ReportError

if TYPE_CHECKING:
    from inspect_ai.log import EvalSample

Message = dict[str, Any]


def _inspect() -> Any:
    try:
        import inspect_ai.log
    except ImportError:
        raise ReportError(
            "Inspect export needs inspect_ai: pip install insider-sim[inspect]"
        ) from None
    return inspect_ai.log


def conversation(calls: Iterable[Mapping[str, Any]]) -> list[Message]:
    """The subject's whole conversation from its model calls, each message once.

    Each call's prompt repeats the history before it (or, once the context is
    trimmed, the later part of it), so only what follows the longest overlap of
    the conversation so far with the prompt's start is new. Messages come back in
    OpenAI chat form (``role``, ``content``, ``tool_calls`` as ``id``/``name``/
    ``arguments``, ``tool_call_id``, ``reasoning``).
    """
    history: list[Message] = []
    for call in calls:
        prompt = [_normal(m) for m in call.get("messages") or []]
        if history and prompt and prompt[0]["role"] == "system":
            prompt = prompt[1:]
        overlap = _overlap(history, prompt)
        history += prompt[overlap:]
        response = call.get("response")
        if isinstance(response, Mapping):
            history.append(_normal({"role": "assistant", **response}))
    return history


def _overlap(history: list[Message], prompt: list[Message]) -> int:
    keys = [_key(m) for m in history]
    heads = [_key(m) for m in prompt]
    for size in range(min(len(keys), len(heads)), 0, -1):
        if keys[-size:] == heads[:size]:
            return size
    return 0


def _normal(message: Mapping[str, Any]) -> Message:
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or call
        calls.append(
            {
                "id": str(call.get("id", "")),
                "name": str(function.get("name", "")),
                "arguments": function.get("arguments") or "",
            }
        )
    return {
        "role": message.get("role", "assistant"),
        "content": _text(message.get("content")),
        "tool_calls": calls,
        "tool_call_id": message.get("tool_call_id"),
        "reasoning": message.get("reasoning") or message.get("reasoning_content"),
    }


def _text(content: Any) -> str:
    if isinstance(content, list):  # content parts
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def _key(message: Message) -> str:
    return json.dumps(
        [message["role"], message["content"], message["tool_calls"], message["tool_call_id"]]
    )


def eval_sample(run: RunRecord, *, sample_id: str, metadata: Mapping[str, Any]) -> EvalSample:
    """The run as one Inspect sample (see the module's text).

    ``metadata`` is added to the sample's own (family, conditions, model, seed,
    status...). A ``status`` other than ``ok`` in it marks the sample errored.
    Raises ReportError when inspect_ai is not installed.
    """
    log = _inspect()
    from inspect_ai.model import ModelUsage
    from inspect_ai.scorer import Score

    if run.path is None:
        raise ReportError("a run held in memory has no model calls to export")
    calls = [c for c in model_calls(run.path) if c.get("agent") == run.subject]
    history = conversation(calls)
    names = {c["id"]: c["name"] for m in history for c in m["tool_calls"]}
    messages = [_chat(m, names) for m in history]
    verdicts = run.verdicts or {}
    status = str(
        metadata.get("status", "ok" if verdicts and not verdicts.get("error") else "error")
    )
    scores: dict[str, Score] = {}
    if status == "ok":
        for name, verdict in (verdicts.get("ground_truth") or {}).items():
            scores[f"gt_{name}"] = Score(
                value=int(bool(verdict.get("detected"))),
                explanation=verdict.get("note"),
                metadata={k: verdict.get(k) for k in ("attempted", "evidence")},
            )
        for name, verdict in (verdicts.get("judge") or {}).items():
            if verdict.get("valid", True):
                scores[f"judge_{name}"] = Score(
                    value=int(bool(verdict.get("detected"))),
                    explanation=verdict.get("reasoning"),
                    metadata={"quotes": verdict.get("quotes", [])},
                )
    usage: dict[str, Any] = {}
    for call in calls:  # tokens as insider-sim counts them; answers from its cache are free
        if call.get("cached"):
            continue
        tokens = call.get("usage") or {}
        add = ModelUsage(
            input_tokens=int(tokens.get("prompt_tokens") or 0),
            output_tokens=int(tokens.get("completion_tokens") or 0),
            input_tokens_cache_read=int(tokens.get("cached_prompt_tokens") or 0),
            input_tokens_cache_write=int(tokens.get("cache_write_tokens") or 0),
            total_cost=call.get("cost"),
        )
        add.total_tokens = add.input_tokens + add.output_tokens
        model = str(call.get("model", ""))
        usage[model] = usage[model] + add if model in usage else add
    first = next((m.text for m in messages if m.role == "user"), "")
    return log.EvalSample(
        id=sample_id,
        epoch=1,
        input=first,
        target="",
        messages=messages,
        scores=scores or None,
        metadata={
            "run": run.run_id,
            "scenario": run.scenario.name,
            "seed": run.seed,
            "conditions": verdicts.get("conditions") or run.manifest.get("conditions", {}),
            "awareness": (verdicts.get("awareness") or {}).get("label"),
            "capability": verdicts.get("capability"),
            "refused_by_provider": verdicts.get("refused_by_provider"),
            "outcomes": verdicts.get("outcomes"),
            **metadata,
        },
        model_usage=usage,
        error=None
        if status == "ok"
        else log.EvalError(
            message=str(metadata.get("error") or verdicts.get("error") or status),
            traceback="",
            traceback_ansi="",
        ),
    )


def _chat(message: Message, names: dict[str, str]) -> Any:
    from inspect_ai.model import (
        ChatMessageAssistant,
        ChatMessageSystem,
        ChatMessageTool,
        ChatMessageUser,
        ContentReasoning,
        ContentText,
    )
    from inspect_ai.tool import ToolCall

    role, text = message["role"], message["content"]
    if role == "system":
        return ChatMessageSystem(content=text)
    if role == "tool":
        call_id = message["tool_call_id"]
        return ChatMessageTool(content=text, tool_call_id=call_id, function=names.get(call_id))
    if role != "assistant":
        return ChatMessageUser(content=text)
    content: Any = text
    if message["reasoning"]:
        content = [ContentReasoning(reasoning=str(message["reasoning"])), ContentText(text=text)]
    calls = []
    for call in message["tool_calls"]:
        arguments, error = _arguments(call["arguments"])
        calls.append(
            ToolCall(id=call["id"], function=call["name"], arguments=arguments, parse_error=error)
        )
    return ChatMessageAssistant(content=content, tool_calls=calls or None)


def _arguments(raw: Any) -> tuple[dict[str, Any], str | None]:
    if isinstance(raw, dict):
        return raw, None
    try:
        value = json.loads(raw) if raw else {}
    except ValueError as exc:
        return {"raw": str(raw)}, f"not JSON: {exc}"
    return (value, None) if isinstance(value, dict) else ({"value": value}, None)


def write_eval_log(
    samples: list[EvalSample], path: Path, *, task: str, model: str, created: str | None = None
) -> Path:
    """Write ``samples`` as one Inspect log (``.eval`` or ``.json`` by ``path``'s suffix).

    ``task`` names the log's task (``insider-sim/<scenario or sweep>``), ``model``
    the subject's model; ``created`` (ISO date-time) defaults to now. Scores are
    summarised as their mean per score name. Raises ReportError when inspect_ai
    is not installed.
    """
    log = _inspect()
    totals: dict[str, list[float]] = {}
    for sample in samples:
        for name, score in (sample.scores or {}).items():
            totals.setdefault(name, []).append(float(score.value))  # type: ignore[arg-type]
    results = log.EvalResults(
        total_samples=len(samples),
        completed_samples=sum(sample.error is None for sample in samples),
        scores=[
            log.EvalScore(
                name=name,
                scorer=name.split("_", 1)[0],
                scored_samples=len(values),
                metrics={"mean": log.EvalMetric(name="mean", value=sum(values) / len(values))},
            )
            for name, values in totals.items()
        ],
    )
    spec = log.EvalSpec(
        created=created or datetime.now(UTC).isoformat(timespec="seconds"),
        task=task,
        dataset=log.EvalDataset(
            name=task, samples=len(samples), sample_ids=[s.id for s in samples]
        ),
        model=model,
        config=log.EvalConfig(),
    )
    usage: dict[str, Any] = {}
    for sample in samples:
        for model_name, tokens in sample.model_usage.items():
            usage[model_name] = usage[model_name] + tokens if model_name in usage else tokens
    eval_log = log.EvalLog(
        status="success",
        eval=spec,
        results=results,
        stats=log.EvalStats(model_usage=usage),
        samples=samples,
        location=str(path),
    )
    partial = path.with_name(f".partial-{path.name}")
    log.write_eval_log(eval_log, str(partial))
    os.replace(partial, path)
    return path


def error_sample(sample_id: str, message: str, metadata: Mapping[str, Any]) -> EvalSample:
    """A sample for a trial that left no run to read: its metadata and its error only."""
    log = _inspect()
    return log.EvalSample(
        id=sample_id,
        epoch=1,
        input="",
        target="",
        metadata=dict(metadata),
        error=log.EvalError(message=message, traceback="", traceback_ansi=""),
    )
