"""Rate limits: the server's Retry-After, jitter, a cap and a wall-time budget."""

from __future__ import annotations

import asyncio
import email.utils
import time
from typing import Any

import pytest
from autogen_core.models import SystemMessage, UserMessage
from insider_sim.agents.models.errors import ModelCallError
from insider_sim.agents.models.litellm_client import LiteLLMClient
from insider_sim.agents.models.recording import MemoryCallRecorder
from insider_sim.agents.models.retry import RetryPolicy, retry_after
from provider_server import (
    Answer,
    ProviderServer,
    anthropic_answer,
    gemini_answer,
    openai_rate_limited,
    openai_text,
)

ASK = [SystemMessage(content="You are a test."), UserMessage(content="Hi.", source="user")]
NOW = 1_750_000_000.0


class Limited(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("429")
        self.litellm_response_headers = headers


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "10"}, 10.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "Retry-After": "10"}, 0.25),
        ({"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"Retry-After": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-3"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_every_form(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after(Limited(headers), now=NOW) == seconds


def test_the_server_is_never_asked_too_early_and_a_wait_is_capped() -> None:
    policy = RetryPolicy(jitter=0.2, max_backoff=30.0)
    waits = [policy.wait(1, 10.0) for _ in range(50)]
    assert all(10.0 <= w <= 12.0 for w in waits) and len(set(waits)) > 1  # jittered, never less
    assert policy.wait(1, 100.0) == 30.0
    assert RetryPolicy(jitter=0.0).wait(3, None) == 2.0  # no Retry-After: the own backoff


def client_for(model: str, url: str, policy: RetryPolicy, recorder: Any = None) -> LiteLLMClient:
    return LiteLLMClient(model=model, api_base=url, retry=policy, recorder=recorder)


@pytest.mark.parametrize(
    ("model", "path", "answer"),
    [
        ("openai/gpt-4.1", "/v1", openai_text("Hello.")),
        (
            "anthropic/claude-sonnet-4-20250514",
            "",
            anthropic_answer([{"type": "text", "text": "Hello."}], "end_turn"),
        ),
        ("gemini/gemini-2.5-pro", "", gemini_answer([{"text": "Hello."}])),
    ],
    ids=["openai", "anthropic", "gemini"],
)
def test_a_429_is_retried_after_the_servers_retry_after(
    provider: ProviderServer,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
    path: str,
    answer: dict[str, Any],
) -> None:
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(key, "local-not-a-key")
    provider.answers = [openai_rate_limited({"Retry-After": "0.6"}), answer]
    recorder = MemoryCallRecorder()
    client = client_for(model, provider.url + path, RetryPolicy(jitter=0.0), recorder)
    result = asyncio.run(client.create(ASK))
    assert result.content == "Hello."
    first, second = provider.times
    assert second - first >= 0.6  # the client's own first backoff would be 0.5 s
    limited, answered = recorder.records[0].attempts
    assert (limited.status, limited.backoff_s, answered.ok) == (429, 0.6, True)


def test_a_long_rate_limit_is_outlasted_within_the_budget(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case: a 10 s window used to end the session after 5 attempts in about 8 s."""
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    provider.answers = [openai_rate_limited({"Retry-After": "0.4"})] * 6 + [openai_text("Hi.")]
    policy = RetryPolicy(initial_backoff=0.01, max_attempts=10, budget=10.0, jitter=0.0)
    result = asyncio.run(client_for("openai/gpt-4.1", provider.url + "/v1", policy).create(ASK))
    assert result.content == "Hi." and len(provider.bodies) == 7
    assert provider.times[-1] - provider.times[0] >= 6 * 0.4


def test_the_retries_give_up_on_the_time_budget(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    provider.answers = [openai_rate_limited({"Retry-After": "0.3"})]
    policy = RetryPolicy(max_attempts=100, budget=1.0, jitter=0.0)
    started = time.monotonic()
    with pytest.raises(ModelCallError) as caught:
        asyncio.run(client_for("openai/gpt-4.1", provider.url + "/v1", policy).create(ASK))
    assert time.monotonic() - started < 1.5
    assert 3 <= caught.value.attempts == len(provider.bodies) <= 4
    assert "retry budget 1 s" in str(caught.value) and caught.value.status == 429


def test_a_server_error_without_retry_after_uses_the_own_backoff(
    provider: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-not-a-key")
    provider.answers = [Answer({"error": {"message": "busy"}}, status=503), openai_text("Hi.")]
    recorder = MemoryCallRecorder()
    policy = RetryPolicy(initial_backoff=0.05, jitter=0.0)
    client = client_for("openai/gpt-4.1", provider.url + "/v1", policy, recorder)
    assert asyncio.run(client.create(ASK)).content == "Hi."
    assert recorder.records[0].attempts[0].backoff_s == 0.05
