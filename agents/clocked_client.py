"""A ChatCompletionClient that answers in simulated time, through the bridge."""

from __future__ import annotations

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
from insider_sim.simulation.core.bridge import Bridge
from pydantic import BaseModel

OutputHook = Callable[[CreateResult], Awaitable[None]]


class ClockedClient(ChatCompletionClient):
    """Wraps a real client: each call starts at once and returns after the thinking time."""

    def __init__(
        self,
        inner: ChatCompletionClient,
        bridge: Bridge,
        thinking_time: float,
        on_output: OutputHook | None = None,
    ):
        self.inner = inner
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
        """Ask the inner client; the answer arrives ``thinking_time`` later in simulated time."""
        request = self.inner.create(
            messages,
            tools=tools,
            tool_choice=tool_choice,
            json_output=json_output,
            extra_create_args=extra_create_args,
            cancellation_token=cancellation_token,
        )
        result = await self.bridge.model_call(request, self.thinking_time)
        if self.on_output is not None:
            await self.on_output(result)
        return result

    def create_stream(  # type: ignore[override]
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
    def capabilities(self) -> ModelCapabilities:  # type: ignore[override]
        """Capabilities of the inner client."""
        return self.inner.capabilities

    @property
    def model_info(self) -> ModelInfo:
        """Model info of the inner client."""
        return self.inner.model_info
