"""The litellm custom provider that serves registered offline policies."""

from __future__ import annotations

import json
from typing import Any

from insider_sim.agents.models._litellm import load_litellm
from insider_sim.agents.models.offline import OfflineReply, OfflineRequest, get_offline_policy

load_litellm()  # the local cost map and quiet logging, set before litellm's first import
from litellm import CustomLLM, ModelResponse  # noqa: E402

_SAMPLING_KEYS = ("temperature", "max_tokens", "seed", "top_p", "stop", "insider_facts")


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def _build_response(model: str, request: OfflineRequest, reply: OfflineReply) -> Any:
    tool_calls = [
        {
            "id": f"call_offline_{i}",
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
        }
        for i, call in enumerate(reply.tool_calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    prompt_tokens = _estimate_tokens(json.dumps(request.messages) + json.dumps(request.tools))
    completion_tokens = _estimate_tokens(reply.content + json.dumps(reply.tool_calls))
    return ModelResponse(
        model=f"offline/{model}",
        choices=[
            {
                "index": 0,
                "finish_reason": "tool_calls" if tool_calls else "stop",
                "message": message,
            }
        ],
        usage={
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    )


class OfflineProvider(CustomLLM):
    """Answers ``offline/<name>`` requests by calling the policy registered as `name`."""

    def _answer(self, model: str, messages: list, optional_params: dict) -> Any:
        policy = get_offline_policy(model)
        request = OfflineRequest(
            messages=[dict(m) for m in messages],
            tools=list(optional_params.get("tools") or []),
            params={k: optional_params[k] for k in _SAMPLING_KEYS if k in optional_params},
        )
        return _build_response(model, request, policy(request))

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
        """Synchronous completion."""
        return self._answer(model, messages, kwargs.get("optional_params") or {})

    async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
        """Asynchronous completion."""
        return self._answer(model, messages, kwargs.get("optional_params") or {})
