"""An AutoGen chat completion client that sends every request through litellm."""

from __future__ import annotations

import functools
import json
import time
from collections import Counter
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, Literal

from autogen_core import CancellationToken
from autogen_core.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    ModelCapabilities,
    ModelInfo,
    RequestUsage,
)
from autogen_core.tools import Tool, ToolSchema
from insider_sim.agents.models._litellm import load_litellm
from insider_sim.agents.models.cache import ResponseCache, RunCache, cache_key
from insider_sim.agents.models.convert import (
    Refusal,
    read_reply,
    reply_from_response,
    to_create_result,
    to_openai_messages,
    to_openai_tool_choice,
    to_openai_tools,
    to_response_format,
    to_text_tool_messages,
)
from insider_sim.agents.models.errors import CacheMissError, ModelCallError
from insider_sim.agents.models.offline import PROVIDER as OFFLINE_PROVIDER
from insider_sim.agents.models.provider_call import ProviderCall
from insider_sim.agents.models.recording import (
    AttemptRecord,
    CallRecord,
    CallRecorder,
    redact_url,
    scrub,
)
from insider_sim.agents.models.retry import RetryPolicy
from insider_sim.agents.models.text_tools import render_text_tool_instructions
from insider_sim.agents.models.turns import TurnMemory
from pydantic import BaseModel

DEFAULT_MODEL_INFO: ModelInfo = {
    "vision": False,
    "function_calling": True,
    "json_output": True,
    "family": "unknown",
    "structured_output": True,
}
OFFLINE_CONTEXT_TOKENS = 16_384
UNKNOWN_CONTEXT_TOKENS = 32_768
_KEYED_FIELDS = frozenset(
    {
        "model",
        "messages",
        "tools",
        "tool_choice",
        "response_format",
        "temperature",
        "max_tokens",
        "seed",
    }
)


@functools.cache
def takes_seed(model: str) -> bool:
    """Whether litellm passes a sampling seed to ``model``'s provider.

    Anthropic's API (direct or on Bedrock) has none, and litellm refuses a call
    that carries one, so the run's seed is only sent where it means something.
    """
    if model.startswith(f"{OFFLINE_PROVIDER}/"):
        return True  # the reference policies draw their choices from it
    litellm = load_litellm()
    try:
        provider = litellm.get_llm_provider(model)[1]
        supported = litellm.get_supported_openai_params(model=model, custom_llm_provider=provider)
    except Exception:  # an unknown provider: the call itself will say what is wrong
        return True
    return supported is None or "seed" in supported


CACHE_POINT = {"type": "ephemeral"}
_ASKING_PROVIDERS = frozenset({"anthropic"})  # the others cache a repeated prefix unasked


@functools.cache
def asks_for_prompt_cache(model: str) -> bool:
    """Whether ``model``'s provider caches a prompt prefix only where the request marks
    it (Anthropic's ``cache_control``)."""
    if model.startswith(f"{OFFLINE_PROVIDER}/"):
        return False
    try:
        provider = load_litellm().get_llm_provider(model)[1]
    except Exception:  # an unknown provider: the call itself will say what is wrong
        return False
    return provider in _ASKING_PROVIDERS


def mark_cache_breakpoints(request: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the litellm ``request`` with cache breakpoints on the system prompt and
    the newest turn (``cache_control``, which litellm passes to Anthropic).

    The history grows append-only between compactions (``insider_sim.agents.context``),
    so the newest turn of this call is a stable turn of the next one: that call reads
    the prefix cached up to here and writes its own. The recorded request and the
    response cache key stay without the marks.
    """
    messages = [dict(m) for m in request["messages"]]
    marked = {i for i, m in enumerate(messages) if m.get("role") == "system"}
    if messages:
        marked.add(len(messages) - 1)
    for i in sorted(marked)[-4:]:  # Anthropic takes at most four breakpoints
        messages[i]["cache_control"] = CACHE_POINT
    return {**request, "messages": messages}


@functools.cache
def context_window(model: str) -> int:
    """``model``'s input window in tokens (see `LiteLLMClient.context_window`)."""
    if model.startswith(f"{OFFLINE_PROVIDER}/"):
        return OFFLINE_CONTEXT_TOKENS
    try:
        limit = load_litellm().get_model_info(model).get("max_input_tokens")
    except Exception:
        limit = None
    return int(limit) if limit else UNKNOWN_CONTEXT_TOKENS


class LiteLLMClient(ChatCompletionClient):
    """Routes AutoGen model calls through `litellm.acompletion`.

    With ``prompt_cache`` (the default), a provider that caches prompts only when
    asked (Anthropic) gets cache breakpoints (see `mark_cache_breakpoints`).
    Adds retries with backoff, a per-model concurrency limit, an on-disk response cache
    with exact replay, a call recorder, offline reference policies (``offline/<name>``)
    and, with `text_tools`, tool calling for models that only produce text. The API key
    is used for the call and is never recorded.
    """

    def __init__(
        self,
        *,
        model: str,
        api_base: str | None = None,
        api_key: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 8,
        recorder: CallRecorder | None = None,
        cache: ResponseCache | RunCache | None = None,
        replay_only: bool = False,
        agent: str = "",
        model_info: ModelInfo | None = None,
        text_tools: bool = False,
        extra: Mapping[str, Any] | None = None,
        prompt_cache: bool = True,
    ) -> None:
        if replay_only and cache is None:
            raise ValueError("replay_only needs a cache to replay from")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._model = model
        self._temperature = temperature
        self._max_tokens = max_tokens
        self._seed = seed
        self._provider = ProviderCall(
            model, api_base, api_key, timeout, retry or RetryPolicy(), max_concurrency
        )
        self._recorder = recorder
        self._cache = cache
        self._replay_only = replay_only
        self._agent = agent
        self._model_info: ModelInfo = model_info or DEFAULT_MODEL_INFO.copy()
        self._text_tools = text_tools
        self._extra = dict(extra or {})
        self._prompt_cache = prompt_cache and asks_for_prompt_cache(model)
        self._seen: Counter[str] = Counter()
        self._memory = TurnMemory(model)  # what the model wrote with its tool calls
        self._text_calls = 0  # tool calls parsed from text so far: their ids count on
        self._answered = False  # whether a call has reached the provider and come back
        self.last_call_id = ""  # the record of the latest call, for linking from the event log
        self.last_refusal: Refusal | None = None  # the latest reply's, if refused
        self._actual_usage = RequestUsage(prompt_tokens=0, completion_tokens=0)
        self._total_usage = RequestUsage(prompt_tokens=0, completion_tokens=0)

    @property
    def model(self) -> str:
        """The litellm model string."""
        return self._model

    @property
    def replay_only(self) -> bool:
        """Whether a cache miss is an error instead of a call (replaying a run)."""
        return self._replay_only

    @replay_only.setter
    def replay_only(self, value: bool) -> None:
        if value and self._cache is None:
            raise ValueError("replay_only needs a cache to replay from")
        self._replay_only = value

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        """Answer `messages`, from the cache if possible, else through litellm.

        A refusal by the provider (see `reply_from_response`) is an answer: it comes
        back with finish reason ``content_filter`` and is kept in `last_refusal`.
        Raises `ModelCallError` when the call fails for good, `ModelSetupError` when
        the first call that reaches the provider is refused as a request (a bad
        argument, an unknown model, a missing key), and `CacheMissError` when a
        replay-only client finds no recorded answer.
        """
        self.last_refusal = None
        request = self._build_request(messages, tools, tool_choice, json_output, extra_create_args)
        recorded_tools = to_openai_tools(tools)
        key = entry = None
        if self._cache is not None:
            key = self._next_cache_key(request)
            entry = self._cache.get(key)
            if entry is None and self._replay_only:
                raise CacheMissError(self._model, key)
        call_id = self._recorder.next_call_id() if self._recorder is not None else ""
        self.last_call_id = call_id
        if entry is not None and "failure" in entry:
            failed = ModelCallError.from_record(self._model, entry["failure"])
            self._record(call_id, request, recorded_tools, cached=True, key=key, error=str(failed))
            raise failed
        if entry is not None:
            reply = self._accept(entry["reply"], recorded_tools, fresh=False)
            self._record(
                call_id, request, recorded_tools, reply=reply, cost=0.0, cached=True, key=key
            )
            return to_create_result(reply, cached=True)

        started = time.perf_counter()
        attempts: list[AttemptRecord] = []
        try:
            sent = mark_cache_breakpoints(request) if self._prompt_cache else request
            response = await self._provider(
                sent, attempts, cancellation_token, first=not self._answered
            )
        except ModelCallError as error:
            self._record(
                call_id,
                request,
                recorded_tools,
                attempts=attempts,
                key=key,
                latency=time.perf_counter() - started,
                error=str(error),
            )
            if isinstance(self._cache, RunCache) and key is not None:
                self._cache.put_failure(key, {"model": self._model, "failure": error.to_record()})
            raise
        self._answered = True
        refused = isinstance(response, dict)  # a request the provider's filter turned away
        raw = response if refused else reply_from_response(response)
        if self._cache is not None and key is not None:
            self._cache.put(key, {"model": self._model, "reply": raw})
        reply = self._accept(raw, recorded_tools, fresh=True)
        self._record(
            call_id,
            request,
            recorded_tools,
            reply=reply,
            cost=0.0 if refused else self._cost(response),
            attempts=attempts,
            key=key,
            latency=time.perf_counter() - started,
        )
        return to_create_result(reply, cached=False)

    async def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> AsyncGenerator[str | CreateResult, None]:
        """Make one ordinary call and yield its `CreateResult` (no partial chunks)."""
        yield await self.create(
            messages,
            tools=tools,
            tool_choice=tool_choice,
            json_output=json_output,
            extra_create_args=extra_create_args,
            cancellation_token=cancellation_token,
        )

    def _build_request(
        self,
        messages: Sequence[LLMMessage],
        tools: Sequence[Tool | ToolSchema],
        tool_choice: Tool | Literal["auto", "required", "none"],
        json_output: bool | type[BaseModel] | None,
        extra_create_args: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The litellm keyword arguments for one call, without credentials."""
        openai_tools = to_openai_tools(tools)
        request: dict[str, Any] = {"model": self._model}
        if self._text_tools and openai_tools:
            instructions = render_text_tool_instructions(openai_tools)
            request["messages"] = to_text_tool_messages(
                messages, instructions, self._memory.written
            )
        else:
            request["messages"] = [self._memory.native(m) for m in to_openai_messages(messages)]
            if openai_tools:
                request["tools"] = openai_tools
                request["tool_choice"] = to_openai_tool_choice(tool_choice)
        sampling = {
            "response_format": to_response_format(json_output),
            "temperature": self._temperature,
            "max_tokens": self._max_tokens,
            "seed": self._seed if self._seed is None or takes_seed(self._model) else None,
        }
        request.update({k: v for k, v in sampling.items() if v is not None})
        request.update(self._extra)
        request.update(extra_create_args)
        return request

    def _next_cache_key(self, request: Mapping[str, Any]) -> str:
        """Key the request together with how often this client has seen it before."""
        payload = {
            "model": self._model,
            "messages": request["messages"],
            "tools": request.get("tools", []),
            "tool_choice": request.get("tool_choice"),
            "response_format": request.get("response_format"),
            "temperature": request.get("temperature"),  # the client's, or a model argument
            "max_tokens": request.get("max_tokens"),
            "seed": self._seed,  # even where it is not sent: each run samples on its own
            # another server is another model, even under the same name (credentials aside)
            **({"api_base": redact_url(base)} if (base := self._provider.api_base) else {}),
            "extra": scrub({k: v for k, v in request.items() if k not in _KEYED_FIELDS}),
        }
        base = cache_key(payload)
        sample_index = self._seen[base]
        self._seen[base] += 1
        return cache_key({**payload, "sample_index": sample_index})

    def continue_from(self, earlier: LiteLLMClient) -> None:
        """Take over the conversation ``earlier`` had (a fork's new model or new arguments).

        Its turns keep their text; reasoning in a provider's own form only stays with
        the same model.
        """
        self._memory = earlier._memory.handed_to(self._model)
        self._text_calls = earlier._text_calls

    def _accept(
        self, raw: Mapping[str, Any], tools: Sequence[Mapping[str, Any]], *, fresh: bool
    ) -> dict[str, Any]:
        """The reply as the agent gets it (text tools parsed, attempts to act noted),
        remembered and counted."""
        reply = read_reply(raw, tools, text_tools=self._text_tools, first_id=self._text_calls)
        if self._text_tools and tools:
            self._text_calls += len(reply["tool_calls"])
        self._memory.remember(raw, reply)
        self.last_refusal = reply.get("refusal")
        usage = reply["usage"]
        for total in (self._total_usage, self._actual_usage) if fresh else (self._total_usage,):
            total.prompt_tokens += usage["prompt_tokens"]
            total.completion_tokens += usage["completion_tokens"]
        return reply

    def _cost(self, response: Any) -> float | None:
        """The call's cost in USD, as litellm priced it; None when it has no price.

        A price of zero for a call that used tokens is no price either: litellm's
        price map lists some models (new releases, say) with prices of 0, and "$0"
        would read as a measured cost.
        """
        hidden = getattr(response, "_hidden_params", None) or {}
        if "response_cost" in hidden:  # litellm prices every response it logs
            cost = hidden["response_cost"]
        else:
            try:
                cost = load_litellm().completion_cost(completion_response=response)
            except Exception:
                return None
        if cost is None:
            return None
        usage = getattr(response, "usage", None)
        tokens = (getattr(usage, "prompt_tokens", 0) or 0) + (
            getattr(usage, "completion_tokens", 0) or 0
        )
        return None if float(cost) == 0.0 and tokens > 0 else float(cost)

    def _record(
        self,
        call_id: str,
        request: Mapping[str, Any],
        tools: list[dict[str, Any]],
        *,
        reply: Mapping[str, Any] | None = None,
        cost: float | None = None,
        attempts: list[AttemptRecord] | None = None,
        cached: bool = False,
        key: str | None = None,
        latency: float = 0.0,
        error: str | None = None,
    ) -> None:
        if self._recorder is None:
            return
        params = {k: v for k, v in request.items() if k not in ("model", "messages", "tools")}
        params["timeout"] = self._provider.timeout
        response = None
        if reply is not None:
            response = {
                k: reply[k] for k in ("content", "tool_calls", "reasoning", "finish_reason")
            }
            if reply.get("unparsed"):
                response["unparsed"] = reply["unparsed"]
            if reply.get("refusal"):
                response["refusal"] = reply["refusal"]
        record = CallRecord(
            call_id=call_id,
            agent=self._agent,
            model=self._model,
            messages=list(request["messages"]),
            tools=tools,
            params=scrub(params),
            response=response,
            usage=dict(reply["usage"]) if reply is not None else None,
            cost=cost,
            latency_s=latency,
            attempts=attempts or [],
            cached=cached,
            cache_key=key,
            error=error,
        )
        self._recorder.record(record)

    def actual_usage(self) -> RequestUsage:
        """Tokens used by calls that reached a provider."""
        return RequestUsage(self._actual_usage.prompt_tokens, self._actual_usage.completion_tokens)

    def total_usage(self) -> RequestUsage:
        """Tokens of all answers, including those served from the cache."""
        return RequestUsage(self._total_usage.prompt_tokens, self._total_usage.completion_tokens)

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        """Tokens by litellm's counter, else about a quarter of the characters."""
        openai_messages = to_openai_messages(messages)
        openai_tools = to_openai_tools(tools)
        try:
            counted = load_litellm().token_counter(
                model=self._model, messages=openai_messages, tools=openai_tools or None
            )
            return int(counted)
        except Exception:
            return len(json.dumps(openai_messages) + json.dumps(openai_tools)) // 4

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        """Context tokens left after `messages` and `tools`."""
        return self.context_window() - self.count_tokens(messages, tools=tools)

    def context_window(self) -> int:
        """The model's input window in tokens: litellm's table for a known model,
        16,384 for a reference policy, else 32,768 (a provider's own refusal of a
        longer prompt then teaches the agent less, see ``insider_sim.agents.context``)."""
        return context_window(self._model)

    @property
    def model_info(self) -> ModelInfo:
        """What the model supports; tool calling is on by default."""
        return self._model_info

    @property
    def capabilities(self) -> ModelCapabilities:
        """Deprecated AutoGen view of `model_info`."""
        info = self._model_info
        return {
            "vision": info["vision"],
            "function_calling": info["function_calling"],
            "json_output": info["json_output"],
        }

    async def close(self) -> None:
        """Nothing to release: litellm owns its HTTP clients."""
