"""A ChatCompletionClient that answers in simulated time, through the bridge."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from typing import Any

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
from insider_sim.agents.context import (
    CHARS_PER_TOKEN,
    MIN_BUDGET,
    ContextBudget,
    estimate_tokens,
    fit,
)
from insider_sim.agents.models.errors import ContextWindowError
from insider_sim.simulation.core.bridge import Bridge
from pydantic import BaseModel

OutputHook = Callable[[CreateResult], Awaitable[None]]


class ClockedClient(ChatCompletionClient):
    """Wraps a real client: each call starts at once and returns after the thinking time.

    ``budget`` is the agent's context budget, lowered when the provider refuses a
    prompt as too long (None: such a refusal fails the call).
    """

    def __init__(
        self,
        inner: ChatCompletionClient,
        bridge: Bridge,
        thinking_time: float,
        on_output: OutputHook | None = None,
        budget: ContextBudget | None = None,
    ):
        self.inner = inner
        self.budget = budget
        self.bridge = bridge
        self.thinking_time = thinking_time
        self.on_output = on_output

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: Tool | str = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        """Ask the inner client; the answer arrives ``thinking_time`` later in simulated time.

        A prompt the provider refuses as too long for the model's window lowers the
        agent's budget and is sent once more, fitted to it (see ``insider_sim.agents.context``).
        """
        options: dict[str, Any] = {
            "tools": tools,
            "tool_choice": tool_choice,
            "json_output": json_output,
            "extra_create_args": extra_create_args,
            "cancellation_token": cancellation_token,
        }
        request = self._fitted(list(messages), options)
        result = await self.bridge.model_call(request, self.thinking_time)
        if self.on_output is not None:
            await self.on_output(result)
        return result

    async def _fitted(self, messages: list[LLMMessage], options: dict[str, Any]) -> CreateResult:
        try:
            return await self.inner.create(messages, **options)
        except ContextWindowError as error:
            if self.budget is None:
                raise
            tools = [t if isinstance(t, dict) else t.schema for t in options["tools"]]
            extra = len(json.dumps(tools)) // CHARS_PER_TOKEN
            self.budget.exceeded(str(error), estimate_tokens(messages) + extra)
            fitted = fit(messages, max(MIN_BUDGET // 2, self.budget.tokens - extra))
            return await self.inner.create(fitted, **options)

    def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: Tool | str = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> AsyncGenerator[str | CreateResult, None]:
        """Streaming is not clocked piece by piece: the whole answer arrives at once."""

        async def single() -> AsyncGenerator[str | CreateResult, None]:
            yield await self.create(
                messages,
                tools=tools,
                tool_choice=tool_choice,
                json_output=json_output,
                extra_create_args=extra_create_args,
                cancellation_token=cancellation_token,
            )

        return single()

    async def close(self) -> None:
        """Close the inner client."""
        await self.inner.close()

    def actual_usage(self) -> RequestUsage:
        """Usage of the inner client."""
        return self.inner.actual_usage()

    def total_usage(self) -> RequestUsage:
        """Usage of the inner client."""
        return self.inner.total_usage()

    def count_tokens(self, messages: Sequence[LLMMessage], *, tools: Sequence[Any] = ()) -> int:
        """Token count from the inner client."""
        return self.inner.count_tokens(messages, tools=tools)

    def remaining_tokens(self, messages: Sequence[LLMMessage], *, tools: Sequence[Any] = ()) -> int:
        """Remaining tokens from the inner client."""
        return self.inner.remaining_tokens(messages, tools=tools)

    @property
    def capabilities(self) -> ModelCapabilities:
        """Capabilities of the inner client."""
        return self.inner.capabilities

    @property
    def model_info(self) -> ModelInfo:
        """Model info of the inner client."""
        return self.inner.model_info
