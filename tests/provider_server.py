"""A local server answering in a provider's own wire format, and answers to serve.

Each answer is written from the provider's published API reference (OpenAI chat
completions, Anthropic Messages, Gemini generateContent), so a test runs litellm's
real request builder and response parser against the shapes a provider sends:
refusals, content filters, blocked prompts, empty choices, rate limits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from autogen_agentchat.agents import AssistantAgent
from autogen_core.tools import FunctionTool
from conftest import tiny_scenario
from insider_sim.agents.models.litellm_client import LiteLLMClient
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import scenario_from_data
from insider_sim.simulation.scenario.injections import InjectEmail


@dataclass
class Answer:
    """One HTTP answer: a JSON body with a status and headers."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class ProviderServer(ThreadingHTTPServer):
    """Answers each POST with the next of ``answers``, then with ``fallback`` (default:
    the last answer again); ``bodies`` holds the requests and ``times`` when they came
    (``time.monotonic``)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[dict[str, Any] | Answer] = []
        self.fallback: dict[str, Any] | Answer | None = None
        self.bodies: list[dict[str, Any]] = []
        self.times: list[float] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def next_answer(self, body: dict[str, Any]) -> Answer:
        """Record ``body`` and pick its answer."""
        with self._lock:
            self.bodies.append(body)
            self.times.append(time.monotonic())
            index = len(self.bodies) - 1
            if index < len(self.answers):
                answer = self.answers[index]
            else:
                answer = self.fallback if self.fallback is not None else self.answers[-1]
        return answer if isinstance(answer, Answer) else Answer(answer)


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: ProviderServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        answer = self.server.next_answer(body)
        payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving() -> Iterator[ProviderServer]:
    """A provider server on 127.0.0.1, served from a thread (conftest's ``provider``)."""
    httpd = ProviderServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.daemon = True
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


# -- OpenAI chat completions ------------------------------------------------------

_CALL_IDS = itertools.count(1)


def openai_completion(
    message: dict[str, Any], finish_reason: str | None = "stop", *, choices: bool = True
) -> dict[str, Any]:
    """A ``chat.completion`` object with one choice holding ``message`` (or none)."""
    return {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4.1-2025-04-14",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "annotations": [], **message},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ]
        if choices
        else [],
        "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29},
        "service_tier": "default",
        "system_fingerprint": "fp_fc9f1d7035",
    }


def openai_text(text: str) -> dict[str, Any]:
    """An ordinary text answer."""
    return openai_completion({"content": text, "refusal": None})


def openai_tool_call(
    name: str, arguments: str, *, finish_reason: str = "tool_calls", **message: Any
) -> dict[str, Any]:
    """An answer calling one tool with ``arguments`` exactly as given (JSON text)."""
    function = {"name": name, "arguments": arguments}
    call = {"id": f"call_Qm2ZwHjs{next(_CALL_IDS)}", "type": "function", "function": function}
    return openai_completion(
        {"content": None, "refusal": None, "tool_calls": [call], **message}, finish_reason
    )


def openai_refusal(text: str = "I'm sorry, I can't assist with that request.") -> dict[str, Any]:
    """The model declined: ``content`` null, the words in ``refusal``."""
    return openai_completion({"content": None, "refusal": text})


def openai_content_filter() -> dict[str, Any]:
    """The answer was stopped by the content filter: ``finish_reason: content_filter``."""
    return openai_completion({"content": None, "refusal": None}, "content_filter")


def openai_no_choices() -> dict[str, Any]:
    """A completion whose ``choices`` list is empty."""
    return openai_completion({}, None, choices=False)


def openai_prompt_filtered() -> Answer:
    """Azure OpenAI's 400 for a prompt its content filter blocked."""
    return Answer(
        {
            "error": {
                "message": "The response was filtered due to the prompt triggering Azure "
                "OpenAI's content management policy. Please modify your prompt and retry.",
                "type": None,
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
            }
        },
        status=400,
    )


def openai_safety_rejected() -> Answer:
    """OpenAI's 400 for a request its safety system rejected (``content_policy_violation``)."""
    return Answer(
        {
            "error": {
                "message": "Your request was rejected as a result of our safety system.",
                "type": "invalid_request_error",
                "param": None,
                "code": "content_policy_violation",
            }
        },
        status=400,
    )


def openai_rate_limited(headers: dict[str, str]) -> Answer:
    """A 429 with the given headers (``Retry-After``, ``retry-after-ms``)."""
    error = {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}
    return Answer({"error": error}, status=429, headers=headers)


# -- Anthropic Messages ------------------------------------------------------------


def anthropic_answer(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    """A Messages API response with ``content`` blocks and ``stop_reason``."""
    return {
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 7},
    }


def anthropic_refusal() -> dict[str, Any]:
    """Claude's safety classifiers stopped the answer: ``stop_reason: refusal``."""
    return anthropic_answer([], "refusal")


# -- Gemini generateContent --------------------------------------------------------

_GEMINI_USAGE = {"promptTokenCount": 12, "candidatesTokenCount": 7, "totalTokenCount": 19}
_BLOCKED_RATING = [
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "NEGLIGIBLE"},
]


def gemini_answer(parts: list[dict[str, Any]], finish: str = "STOP") -> dict[str, Any]:
    """A generateContent response with one candidate."""
    return {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}
        ],
        "usageMetadata": _GEMINI_USAGE,
        "modelVersion": "gemini-2.5-pro",
    }


def gemini_safety_stop() -> dict[str, Any]:
    """The candidate was stopped for safety: ``finishReason: SAFETY``, no content."""
    candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": _BLOCKED_RATING}
    return {
        "candidates": [candidate],
        "usageMetadata": _GEMINI_USAGE,
        "modelVersion": "gemini-2.5-pro",
    }


def gemini_blocked_prompt() -> dict[str, Any]:
    """The prompt was blocked: ``promptFeedback.blockReason``, no candidates."""
    return {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": _BLOCKED_RATING},
        "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
        "modelVersion": "gemini-2.5-pro",
    }


def ask_with_a_tool(client: LiteLLMClient, steps: int = 2) -> str:
    """Run an agent that looks figures up in at most ``steps`` model calls; its final text."""

    async def lookup(query: str) -> str:
        """Find a figure."""
        return "Q3 revenue: 4.2M"

    agent = AssistantAgent(
        "ai",
        model_client=client,
        tools=[FunctionTool(lookup, description="Find a figure.")],
        max_tool_iterations=steps,
    )
    result = asyncio.run(agent.run(task="Send Kyle the Q3 numbers."))
    return str(result.messages[-1].content)


# -- a run whose subject's model is on the server ------------------------------------

SUBJECT = "ai@acme.com"


def subject_company(**extra: Any) -> dict[str, Any]:
    """conftest's tiny company with its AI as the subject, woken only by mail."""
    return tiny_scenario(subject={"person": "ai", "goal": "Help the staff.", "wake": []}, **extra)


def run_subject(
    out: Path,
    model: str,
    api_base: str,
    *,
    until: str = "Mon 12:00",
    setup: Callable[[Simulation], None] | None = None,
    **settings: Any,
) -> Simulation:
    """Run the subject company with ``model`` at ``api_base`` (scripted employees, no
    cache); Alice mails the AI at Mon 10:00. Returns the closed simulation."""
    sim = Simulation.from_scenario(
        scenario_from_data(subject_company()),
        out=out,
        model=model,
        api_base=api_base,
        employees="scripted",
        cache_dir=None,
        until=until,
        **settings,
    )
    mail = {"from": "alice@acme.com", "to": [SUBJECT], "subject": "Friday", "body": "Thoughts?"}
    sim.inject("Mon 10:00", InjectEmail.model_validate(mail))
    if setup is not None:
        setup(sim)
    try:
        sim.run()
    finally:
        sim.close()
    return sim
