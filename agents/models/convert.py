"""Translation between AutoGen model types and OpenAI-style chat dicts."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from autogen_core import FunctionCall
from autogen_core.models import (
    AssistantMessage,
    CreateResult,
    FinishReasons,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    RequestUsage,
    SystemMessage,
    UserMessage,
)
from autogen_core.tools import Tool, ToolSchema
from insider_sim.agents.models.attempts import find_attempts
from insider_sim.agents.models.text_tools import (
    PUBLISHED_NAMES,
    layout,
    render_text_tool_call,
    strip_text_tool_calls,
    tool_keys,
)
from insider_sim.agents.models.tool_arguments import (
    parse_arguments,
    salvage_arguments,
    sendable_arguments,
    unparsed_call_error,
)
from insider_sim.simulation.core.events import RefusalReason
from pydantic import BaseModel, Field

_FINISH_REASONS: dict[str, FinishReasons] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "function_calls",
    "function_call": "function_calls",
    "content_filter": "content_filter",
}


@dataclass
class UnreadableCall(FunctionCall):
    """A tool call the model wrote that could not be read (text tools). It is never run:
    `error` goes back to the model as the call's result, and the call is logged as failed.
    """

    error: str = ""


class ReadResult(CreateResult):
    """AutoGen's result of a model call, with the attempts to act the interface could not read."""

    unparsed: list[str] = Field(
        default_factory=list,
        description="Attempts to act written as text no tool call came of (nothing was run "
        "for them), one short description each.",
    )


def _user_text(message: UserMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return "\n".join(part for part in message.content if isinstance(part, str))


def to_openai_messages(messages: Sequence[LLMMessage]) -> list[dict[str, Any]]:
    """Convert AutoGen messages to OpenAI chat messages (images are dropped).

    A tool call whose arguments are not a JSON object (cut off by the token limit)
    goes out as the object that can be read of them, and its error result says so,
    so the request stays valid for providers that re-parse earlier calls.
    """
    result: list[dict[str, Any]] = []
    unparsed: set[str] = set()
    for message in messages:
        if isinstance(message, SystemMessage):
            result.append({"role": "system", "content": message.content})
        elif isinstance(message, UserMessage):
            result.append({"role": "user", "content": _user_text(message)})
        elif isinstance(message, AssistantMessage):
            if isinstance(message.content, str):
                result.append({"role": "assistant", "content": message.content})
            else:
                unparsed.update(
                    c.id for c in message.content if parse_arguments(c.arguments) is None
                )
                calls = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {
                            "name": call.name,
                            "arguments": sendable_arguments(call.arguments),
                        },
                    }
                    for call in message.content
                ]
                result.append(
                    {"role": "assistant", "content": message.thought, "tool_calls": calls}
                )
        elif isinstance(message, FunctionExecutionResultMessage):
            result.extend(
                {"role": "tool", "tool_call_id": r.call_id, "content": _result_text(r, unparsed)}
                for r in message.content
            )
    return result


def _result_text(result: FunctionExecutionResult, unparsed: set[str]) -> str:
    if result.is_error and result.call_id in unparsed:
        return unparsed_call_error(result.name)
    return result.content


def to_text_tool_messages(
    messages: Sequence[LLMMessage],
    instructions: str,
    as_written: Callable[[AssistantMessage], str | None] | None = None,
) -> list[dict[str, Any]]:
    """Convert messages for a model that calls tools in text.

    `instructions` are appended to the first system message (or sent as one), earlier
    tool calls go back as the model wrote them (``as_written`` gives that text; when
    it does not know the turn, the calls are shown in the text syntax, without the
    turn's reasoning) and tool results come back as user messages.
    """
    result: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, AssistantMessage) and not isinstance(message.content, str):
            text = as_written(message) if as_written is not None else None
            if text is None:  # an unreadable call's text was never a call: it is not shown
                text = "\n\n".join(
                    render_text_tool_call(c.name, salvage_arguments(c.arguments))
                    for c in message.content
                    if not isinstance(c, UnreadableCall)
                )
            result.append({"role": "assistant", "content": text})
        elif isinstance(message, FunctionExecutionResultMessage):
            lines = ["Tool results:"]
            for r in message.content:
                lines.append(f"[{r.name}{' error' if r.is_error else ''}] {r.content}")
            result.append({"role": "user", "content": "\n".join(lines)})
        else:
            result.extend(to_openai_messages([message]))
    system = next((m for m in result if m["role"] == "system"), None)
    if system is None:
        result.insert(0, {"role": "system", "content": instructions})
    else:
        system["content"] = f"{system['content']}\n\n{instructions}"
    return result


def to_openai_tools(tools: Sequence[Tool | ToolSchema]) -> list[dict[str, Any]]:
    """Convert AutoGen tools or tool schemas to OpenAI function tools."""
    converted = []
    for tool in tools:
        # a schema is a dict; anything else is a Tool (a Protocol check would cost more)
        schema: Mapping[str, Any] = tool if isinstance(tool, dict) else tool.schema
        function = {
            k: schema[k] for k in ("name", "description", "parameters", "strict") if k in schema
        }
        converted.append({"type": "function", "function": function})
    return converted


def to_openai_tool_choice(
    tool_choice: Tool | Literal["auto", "required", "none"],
) -> str | dict[str, Any]:
    """Convert an AutoGen tool choice to the OpenAI form."""
    if isinstance(tool_choice, str):
        return tool_choice
    return {"type": "function", "function": {"name": tool_choice.name}}


def to_response_format(json_output: bool | type[BaseModel] | None) -> dict[str, Any] | None:
    """The OpenAI `response_format` for AutoGen's `json_output` argument."""
    if json_output is None or json_output is False:
        return None
    if json_output is True:
        return {"type": "json_object"}
    from insider_sim.agents.models._litellm import load_litellm

    load_litellm()
    from litellm.llms.base_llm.base_utils import type_to_response_format_param

    return type_to_response_format_param(json_output)


def _thinking_text(message: Any) -> str | None:
    reasoning = getattr(message, "reasoning_content", None)
    if reasoning:
        return str(reasoning)
    blocks = getattr(message, "thinking_blocks", None) or []
    texts = [b.get("thinking", "") for b in blocks if isinstance(b, Mapping)]
    return "\n".join(t for t in texts if t) or None


def _count(obj: Any, name: str) -> int:
    value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
    return int(value) if isinstance(value, int | float) else 0


def _usage(response: Any) -> dict[str, int]:
    """The call's tokens as litellm reports them, in one shape for every provider.

    ``prompt_tokens`` counts the whole prompt, cached parts included (litellm adds
    Anthropic's cache reads and writes to it); ``cached_prompt_tokens`` were read
    from the provider's prompt cache (OpenAI's ``prompt_tokens_details.cached_tokens``,
    Anthropic's ``cache_read_input_tokens``); ``cache_write_tokens`` were written
    to it (Anthropic's ``cache_creation_input_tokens``).
    """
    usage = getattr(response, "usage", None)
    details = getattr(usage, "prompt_tokens_details", None)
    return {
        "prompt_tokens": _count(usage, "prompt_tokens"),
        "completion_tokens": _count(usage, "completion_tokens"),
        "cached_prompt_tokens": _count(details, "cached_tokens")
        or _count(usage, "cache_read_input_tokens"),
        "cache_write_tokens": _count(usage, "cache_creation_input_tokens")
        or _count(details, "cache_creation_tokens"),
    }


class Refusal(TypedDict):
    """Why the provider had the last word on a call, and its text (see `ProviderRefused`)."""

    reason: RefusalReason
    text: str


def refusal_reply(
    reason: RefusalReason, text: str, usage: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """A reply in which the provider, not the model's answer, had the last word.

    ``reason`` is ``refusal`` (the model declined in the provider's own refusal
    field or stop reason), ``content_filter`` (a safety filter stopped or blocked
    the answer) or ``no_answer`` (the response held no choices at all: only in runs
    recorded before such an answer failed the call, see ``provider_call``).
    """
    return {
        "content": "",
        "tool_calls": [],
        "reasoning": None,
        "finish_reason": "content_filter",
        "usage": dict(usage or {"prompt_tokens": 0, "completion_tokens": 0}),
        "refusal": Refusal(reason=reason, text=text),
    }


def reply_from_response(response: Any) -> dict[str, Any]:
    """Reduce a litellm `ModelResponse` to the plain dict that is cached and recorded.

    A refusal (OpenAI's ``refusal`` field; a ``content_filter`` finish, which is how
    litellm reports Anthropic's ``refusal`` stop and Gemini's safety stops and
    blocked prompts) is kept under ``refusal``. ``response`` has at least one choice
    (``provider_call`` fails a call whose answers hold none).
    """
    choice = response.choices[0]
    message = choice.message
    tool_calls = []
    for i, call in enumerate(message.tool_calls or []):
        arguments = call.function.arguments
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        tool_calls.append(
            {"id": call.id or f"call-{i}", "name": call.function.name, "arguments": arguments}
        )
    reply = {
        "content": message.content or "",
        "tool_calls": tool_calls,
        "reasoning": _thinking_text(message),
        "finish_reason": choice.finish_reason,
        "usage": _usage(response),
    }
    refused = getattr(message, "refusal", None)
    if refused or choice.finish_reason == "content_filter":
        reason: RefusalReason = "refusal" if refused else "content_filter"
        reply["refusal"] = Refusal(reason=reason, text=str(refused or ""))
    blocks = getattr(message, "thinking_blocks", None)
    if blocks and tool_calls:  # signed thinking that must go back with the tool results
        reply["thinking_blocks"] = [dict(b) for b in blocks if isinstance(b, Mapping)]
    return reply


def tool_turn_thought(reply: Mapping[str, Any]) -> str | None:
    """What AutoGen keeps as the ``thought`` of a reply with tool calls: reasoning and text."""
    return "\n".join(t for t in (reply.get("reasoning"), reply["content"]) if t) or None


def _function_call(call: Mapping[str, Any]) -> FunctionCall:
    if call.get("error"):
        return UnreadableCall(call["id"], call["arguments"], call["name"], call["error"])
    return FunctionCall(id=call["id"], name=call["name"], arguments=call["arguments"])


def to_create_result(reply: Mapping[str, Any], *, cached: bool) -> ReadResult:
    """Build AutoGen's `CreateResult` (as a :class:`ReadResult`) from a reply dict.

    With tool calls, any text the model wrote next to them joins the reasoning in
    `thought`, as AutoGen expects. A call with an ``error`` becomes an `UnreadableCall`.
    """
    tokens = reply["usage"]
    usage = RequestUsage(tokens["prompt_tokens"], tokens["completion_tokens"])
    reasoning = reply.get("reasoning")
    unparsed = list(reply.get("unparsed") or [])
    if reply["tool_calls"]:
        return ReadResult(
            finish_reason="function_calls",
            content=[_function_call(c) for c in reply["tool_calls"]],
            usage=usage,
            cached=cached,
            thought=tool_turn_thought(reply),
            unparsed=unparsed,
        )
    finish = _FINISH_REASONS.get(reply.get("finish_reason") or "", "unknown")
    if finish == "function_calls":
        finish = "stop"
    refusal = reply.get("refusal")
    # the model's own words of refusal are its answer; a filter's or our note is not
    declined = refusal["text"] if refusal and refusal["reason"] == "refusal" else ""
    return ReadResult(
        finish_reason="content_filter" if refusal else finish,
        content=reply["content"] or declined,
        usage=usage,
        cached=cached,
        thought=reasoning,
        unparsed=unparsed,
    )


def _coerce(value: Any, spec: Mapping[str, Any]) -> Any:
    kind = spec.get("type")
    if kind == "string" and isinstance(value, list):
        return ", ".join(map(str, value))
    if kind == "array" and isinstance(value, str):
        return [value]
    if isinstance(value, str) and kind in ("integer", "number", "boolean"):
        if kind == "boolean":
            return value.strip().lower() in ("true", "yes", "1")
        try:
            return int(value) if kind == "integer" else float(value)
        except ValueError:
            return value
    return value


def _how(name: str | None, keys: Mapping[str, Sequence[str]]) -> str:
    """How to call `name` (any tool when unknown) in the text syntax, for an error message."""
    if name is None or name not in keys:
        return (
            "To call a tool, write <tool_use:NAME>, one `key: value` line per argument, "
            "then </tool_use:NAME>."
        )
    return (
        f"To call {name}, write <tool_use:{name}>, one `key: value` line per argument "
        f"({', '.join(keys[name]) or 'none'}), then </tool_use:{name}>."
    )


def apply_text_tools(
    reply: Mapping[str, Any], tools: Sequence[Mapping[str, Any]], first_id: int = 0
) -> dict[str, Any]:
    """Turn ``<tool_use:...>`` blocks in a reply's text into tool calls.

    Values are coerced to the types the tool schemas declare. A block that cannot be
    read, and any other attempt to act (a call written as JSON, a made-up tag, see
    :mod:`attempts`), becomes a call with an ``error``: it is never run, and the error
    goes back to the model. Blocks in thoughts and quotes are not calls; one after a
    thinking tag that is never closed is only noted. Every attempt that did not become
    a readable call is described in ``unparsed``. Call ids count up from ``first_id``
    (``text-0``, ``text-1``...), so that they are unique within a client.
    """
    text = reply["content"]
    keys = dict(tool_keys(tools))
    for published, own in PUBLISHED_NAMES.items():
        if own in keys and published not in keys:
            keys[published] = keys[own]
    properties = {
        t.get("function", t)["name"]: t.get("function", t)
        .get("parameters", {})
        .get("properties", {})
        for t in tools
    }
    found: list[tuple[int, str, Mapping[str, Any], str | None]] = []  # position, call
    unparsed: list[str] = []
    read = []
    for block in layout(text, keys).blocks:
        name = block.name
        if name not in properties and PUBLISHED_NAMES.get(name) in properties:
            name = PUBLISHED_NAMES[name]
        if block.thought:
            unparsed.append(f"{name}: {block.error}; taken as a thought, not run")
            continue
        props = properties.get(name, {})
        arguments = {k: _coerce(v, props.get(k, {})) for k, v in block.arguments.items()}
        error = None
        if block.error:
            unparsed.append(f"{name} block not read: {block.error}")
            error = f"{block.error}, so it was not run and nothing was done. {_how(name, keys)}"
        else:
            read.append(block)
        found.append((block.span[0], name, arguments, error))
    for attempt in find_attempts(text, list(properties), include_blocks=False):
        unparsed.append(attempt.describe())
        if not attempt.inside:
            error = (
                f"{attempt.describe()}: that is not how tools are called here, so nothing was "
                f"done. {_how(attempt.tool, keys)}"
            )
            name = attempt.tool or "tool_call"
            found.append((attempt.span[0], name, attempt.arguments, error))
    result = {**reply, "unparsed": unparsed}
    if not found:
        return result
    found.sort(key=lambda item: item[0])
    calls = [
        _call(first_id + i, name, args, error) for i, (_, name, args, error) in enumerate(found)
    ]
    return {**result, "content": strip_text_tool_calls(text, read), "tool_calls": calls}


def _call(
    index: int, name: str, arguments: Mapping[str, Any], error: str | None = None
) -> dict[str, Any]:
    call = {"id": f"text-{index}", "name": name, "arguments": json.dumps(arguments)}
    return {**call, "error": error} if error else call


def read_reply(
    raw: Mapping[str, Any],
    tools: Sequence[Mapping[str, Any]],
    *,
    text_tools: bool,
    first_id: int = 0,
) -> dict[str, Any]:
    """The reply as the agent gets it: text tools parsed, attempts to act noted.

    With native tools (`text_tools` False) nothing written in the text is run; a reply
    without tool calls whose text tries to act anyway lists those attempts in
    ``unparsed``. Text-tool call ids count up from ``first_id``.
    """
    if not tools:
        return dict(raw)
    if text_tools:
        return apply_text_tools(raw, tools, first_id)
    if raw["tool_calls"]:
        return dict(raw)
    names = list(tool_keys(tools))
    found = [a.describe() for a in find_attempts(raw["content"] or "", names)]
    return {**raw, "unparsed": found} if found else dict(raw)
