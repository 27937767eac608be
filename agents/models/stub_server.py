"""A local OpenAI-compatible chat completions server for tests and benchmarks.

It binds to 127.0.0.1 only, answers ``POST /v1/chat/completions`` with a reply chosen by
a script queue or a responder function, and keeps the bodies of the requests it
received (never header values). With a :class:`FaultPlan` it serves faults
(rate limits, server errors, timeouts, resets, broken bodies, see
``insider_sim.agents.models.stub_faults``) at a seeded rate and counts what it
served per kind in ``served``. Run it alone with
``python -m insider_sim.agents.models.stub_server --port 8000 --latency 0.2 --fault-rate 0.2``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from insider_sim.agents.models.offline import find_call_directive, last_user_text
from insider_sim.agents.models.stub_faults import (
    FAULT_KINDS,
    HTML_PAGE,
    FaultPlan,
    WireFault,
    kind_of,
)

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass
class StubReply:
    """One scripted answer.

    `tool_calls` items are ``{"name": str, "arguments": dict | str}``. A `status` other than
    200 sends an OpenAI-style error body, with a ``Retry-After`` header of `retry_after`
    seconds when given. `delay` is slept before answering (on top of the server latency).
    With `malformed_tool_json` the tool call arguments are cut short so they are not
    valid JSON. `fault` breaks the answer on the wire (see
    ``insider_sim.agents.models.stub_faults``).
    """

    text: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    malformed_tool_json: bool = False
    reasoning: str | None = None
    error: dict[str, Any] | None = None  # the body's "error" object, for a status other than 200
    retry_after: float | None = None
    fault: WireFault | None = None


@dataclass
class ReceivedRequest:
    """A request as the stub saw it: the JSON body and whether it carried auth."""

    path: str
    body: dict[str, Any]
    had_authorization: bool


def default_responder(body: dict[str, Any]) -> StubReply:
    """Canned text, or the tool call named by ``CALL name {json}`` when tools are offered."""
    text = last_user_text(body.get("messages", []))
    directive = find_call_directive(text) if body.get("tools") else None
    if directive:
        try:
            arguments: dict[str, Any] | str = json.loads(directive[1])
        except json.JSONDecodeError:
            arguments = directive[1]
        return StubReply(tool_calls=[{"name": directive[0], "arguments": arguments}])
    return StubReply(text="stub reply")


def policy_responder(name: str) -> Callable[[dict[str, Any]], StubReply]:
    """Answer like the offline reference policy ``name`` (e.g. ``persona``), over HTTP."""
    from insider_sim.agents.models.offline import OfflineRequest, get_offline_policy
    from insider_sim.agents.models.policies import register_reference_policies

    register_reference_policies()
    policy = get_offline_policy(name)

    def respond(body: dict[str, Any]) -> StubReply:
        reply = policy(OfflineRequest(body.get("messages", []), body.get("tools") or [], {}))
        return StubReply(text=reply.content, tool_calls=reply.tool_calls)

    return respond


def _arguments_text(arguments: dict[str, Any] | str, malformed: bool) -> str:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return text[:-1] if malformed and text else text


def _estimate_tokens(value: Any) -> int:
    return max(1, len(json.dumps(value)) // 4)


def completion_body(request: dict[str, Any], reply: StubReply, call_number: int) -> dict[str, Any]:
    """Build a chat.completion response body for `reply`."""
    tool_calls = [
        {
            "id": f"call_stub_{call_number}_{i}",
            "type": "function",
            "function": {
                "name": call["name"],
                "arguments": _arguments_text(call.get("arguments", {}), reply.malformed_tool_json),
            },
        }
        for i, call in enumerate(reply.tool_calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reply.reasoning is not None:
        message["reasoning_content"] = reply.reasoning
    prompt_tokens = _estimate_tokens(request.get("messages", []))
    completion_tokens = _estimate_tokens(message)
    return {
        "id": f"chatcmpl-stub-{call_number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "stub-model"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def error_body(status: int) -> dict[str, Any]:
    """An OpenAI-style error body for an HTTP status."""
    kind = "rate_limit_error" if status == 429 else "server_error"
    return {"error": {"message": f"stub error {status}", "type": kind, "code": status}}


class _Handler(BaseHTTPRequestHandler):
    server: StubServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path not in CHAT_PATHS:
            self._send(404, {"error": {"message": f"no route {self.path}", "code": 404}})
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "body is not JSON", "code": 400}})
            return
        answer = self.server.handle_chat(self.path, body, "Authorization" in self.headers)
        try:
            time.sleep(answer.delay)
            if answer.fault == "timeout":  # the client gave up long ago: no answer at all
                self.close_connection = True
                return
            data = json.dumps(answer.payload).encode()
            if answer.fault == "html_page":
                self._send(200, HTML_PAGE, content_type="text/html; charset=utf-8")
            elif answer.fault == "truncated_json":
                self._send(200, data[: len(data) // 2])
            elif answer.fault == "reset":
                self._send(200, data[: len(data) // 2], length=len(data))
                self._reset()
            else:
                self._send(answer.status, data, headers=answer.headers)
        finally:
            self.server.leave()

    def _send(
        self,
        status: int,
        data: bytes | dict[str, Any],
        *,
        content_type: str = "application/json",
        length: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a status, headers and ``data``; ``length`` is the Content-Length to claim."""
        data = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _reset(self) -> None:
        """Drop the connection with a TCP reset (RST), not an orderly close."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


@dataclass
class StubAnswer:
    """What the handler sends for one request: after `delay` seconds, `payload` with
    `status` and `headers`, or the wire `fault` instead."""

    status: int
    payload: dict[str, Any]
    delay: float
    headers: dict[str, str] = field(default_factory=dict)
    fault: WireFault | None = None


class StubServer(ThreadingHTTPServer):
    """OpenAI-compatible stub server on 127.0.0.1, served from a daemon thread.

    Use as a context manager. `latency` is slept per request; `responder` picks the reply
    when the `script` queue is empty, and `faults` (a :class:`FaultPlan`; None: none)
    turns some of the responder's replies into faults. `requests` lists what was
    received; `served` counts the answers per fault kind (``ok`` for ordinary ones);
    `max_in_flight` is the highest number of requests handled at once.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        *,
        port: int = 0,
        latency: float = 0.0,
        responder: Callable[[dict[str, Any]], StubReply] = default_responder,
        faults: FaultPlan | None = None,
    ):
        super().__init__(("127.0.0.1", port), _Handler)
        self.latency = latency
        self.responder = responder
        self.faults = faults
        self._served: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._script: deque[StubReply] = deque()
        self._requests: list[ReceivedRequest] = []
        self._counter = itertools.count(1)
        self._in_flight = 0
        self.max_in_flight = 0
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Base URL to give an OpenAI client, ending in ``/v1``."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """A snapshot of the requests received so far."""
        with self._lock:
            return list(self._requests)

    @property
    def served(self) -> Counter[str]:
        """A snapshot of how many answers of each kind were served (``ok``: no fault)."""
        with self._lock:
            return Counter(self._served)

    def script(self, *replies: StubReply) -> None:
        """Queue replies to be used, in order, before the responder."""
        with self._lock:
            self._script.extend(replies)

    def handle_chat(self, path: str, body: dict[str, Any], had_authorization: bool) -> StubAnswer:
        """Record a request and decide its answer: the script's next reply, else the
        responder's, turned into a fault as the fault plan draws."""
        with self._lock:
            self._requests.append(ReceivedRequest(path, body, had_authorization))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            reply = self._script.popleft() if self._script else None
            number = next(self._counter)
            kind = self.faults.draw() if reply is None and self.faults is not None else None
        if reply is None:
            reply = self.responder(body)
        if kind is not None:
            assert self.faults is not None
            with self._lock:
                reply = self.faults.serve(kind, reply, body)
        with self._lock:
            self._served[kind_of(reply)] += 1
        delay = self.latency + reply.delay
        if reply.status != 200:
            error = {"error": reply.error} if reply.error else error_body(reply.status)
            after = {} if reply.retry_after is None else {"Retry-After": f"{reply.retry_after:g}"}
            return StubAnswer(reply.status, error, delay, after)
        payload = completion_body(body, reply, number)
        if reply.fault == "empty_choices":
            payload["choices"] = []
        return StubAnswer(200, payload, delay, fault=reply.fault)

    def leave(self) -> None:
        """Mark one request as finished."""
        with self._lock:
            self._in_flight -= 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up early (for example after a client-side timeout)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def start(self) -> StubServer:
        """Serve from a daemon thread."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def stub_process(latency: float, policy: str | None = None) -> Iterator[str]:
    """A stub server in its own process, as a real model server would be; yields its base URL.

    With ``policy`` it answers like that offline reference policy.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "insider_sim.agents.models.stub_server", "--port", str(port)]
    command += ["--latency", str(latency), *(["--policy", policy] if policy else [])]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "stub server at ..."
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    """Serve from the command line until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument(
        "--policy", default=None, help="answer like this offline reference policy (e.g. persona)"
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of answers (0-1)")
    parser.add_argument(
        "--faults", default=",".join(FAULT_KINDS), help="comma-separated fault kinds to draw"
    )
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--hang", type=float, default=30.0, help="seconds a timeout fault holds")
    args = parser.parse_args(argv)
    responder = policy_responder(args.policy) if args.policy else default_responder
    try:
        plan = FaultPlan(
            args.fault_rate, tuple(args.faults.split(",")), args.fault_seed, hang=args.hang
        )
    except ValueError as exc:
        parser.error(str(exc))
    faults = plan if args.fault_rate > 0 else None
    server = StubServer(port=args.port, latency=args.latency, responder=responder, faults=faults)
    print(f"stub server at {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
