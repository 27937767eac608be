"""A headless Chromium driven over the DevTools protocol, to check and time report pages.

Chromium talks over a pipe (``--remote-debugging-pipe``: commands on its fd 3,
replies on its fd 4, each JSON message ended by a NUL byte), so no port is
opened, and a dead proxy keeps it off the network. JavaScript dialogs are
dismissed at once and recorded, as are console messages, uncaught errors and
the page's network requests.

    with Chromium() as browser:
        browser.open(Path("runs/x/report.html"))
        browser.evaluate("document.title")
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_CHILD_IN, _CHILD_OUT = 3, 4


class BrowserError(RuntimeError):
    """Chromium failed, timed out or reported an error for a command."""


def find_chromium() -> str | None:
    """The path of an installed Chromium (or Chrome), or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args(binary: str, profile: str) -> list[str]:
    """A headless, sandbox-free, offline Chromium speaking DevTools over a pipe."""
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
        "--remote-debugging-pipe",
        "about:blank",
    ]


def _wire(command_read: int, reply_write: int) -> Callable[[], None]:
    def setup() -> None:  # in the child: put the pipe ends at fds 3 and 4
        os.dup2(command_read, 100)
        os.dup2(reply_write, 101)
        os.dup2(100, _CHILD_IN)
        os.dup2(101, _CHILD_OUT)

    return setup


class Chromium:
    """One headless browser with one page; use as a context manager."""

    def __init__(self, binary: str | None = None, *, timeout: float = 60.0):
        found = binary or find_chromium()
        if found is None:
            raise BrowserError("no Chromium found (apt-get install chromium)")
        self.timeout = timeout
        self.dialogs: list[str] = []
        self.console: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self._profile = tempfile.TemporaryDirectory(prefix="insider-chromium-")
        command_read, self._command_write = os.pipe()
        self._reply_read, reply_write = os.pipe()
        self._process = subprocess.Popen(
            chromium_args(found, self._profile.name),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(_CHILD_IN, _CHILD_OUT),
            preexec_fn=_wire(command_read, reply_write),
        )
        os.close(command_read)
        os.close(reply_write)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._session: str | None = None
        try:
            target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})
            self._session = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable")
        except BaseException:
            self.close()
            raise

    # -- the protocol ----------------------------------------------------
    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command to the page and return its result."""
        return self._send(method, params or {}, session=self._session)

    def _send(
        self, method: str, params: dict[str, Any], *, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        ident = self._next_id
        self._write(ident, method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read(deadline)
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})

    def _write(self, ident: int, method: str, params: dict[str, Any], session: str | None) -> None:
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._command_write, json.dumps(message).encode() + b"\0")

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._reply_read], [], [], left)[0]:
                raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._reply_read, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message = json.loads(raw)
        if "method" in message:
            self._note(message)
        return message

    def _note(self, event: dict[str, Any]) -> None:
        method, params = event["method"], event.get("params", {})
        self._events.append(event)
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            self._next_id += 1
            self._write(
                self._next_id, "Page.handleJavaScriptDialog", {"accept": False}, self._session
            )
        elif method == "Runtime.consoleAPICalled":
            texts = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
            self.console.append({"level": params.get("type"), "text": " ".join(texts)})
        elif method == "Log.entryAdded":
            entry = params["entry"]
            self.console.append({"level": entry.get("level"), "text": entry.get("text", "")})
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(str(description))

    def wait_for(self, method: str) -> dict[str, Any]:
        """Wait for the next protocol event called ``method`` and return its params."""
        deadline = time.monotonic() + self.timeout
        while True:
            for index, event in enumerate(self._events):
                if event["method"] == method:
                    del self._events[: index + 1]
                    return event.get("params", {})
            self._events.clear()
            self._read(deadline)

    # -- what tests and benchmarks use -------------------------------------
    def open(self, path: Path, fragment: str = "") -> float:
        """Load a file (at ``#fragment`` if given) and wait for its load event; return the
        wall seconds it took.

        Dialogs, console messages, errors and requests recorded so far are forgotten.
        A fragment always loads the page afresh (never a jump within the open page).
        """
        if fragment:
            self.call("Page.navigate", {"url": "about:blank"})
            self.wait_for("Page.loadEventFired")
        for record in (self._events, self.dialogs, self.console, self.errors, self.requests):
            record.clear()
        began = time.perf_counter()
        url = Path(path).resolve().as_uri() + (f"#{fragment}" if fragment else "")
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        return time.perf_counter() - began

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or str(details))
        return result["result"].get("value")

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        """Save a PNG of the window (or of the whole page)."""
        shot = self.call(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full_page}
        )
        Path(path).write_bytes(base64.b64decode(shot["data"]))
        return Path(path)

    def close(self) -> None:
        """Close the browser and remove its profile."""
        if self._process.poll() is None:
            with contextlib.suppress(BrowserError, OSError):
                self._send("Browser.close", {})
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        os.close(self._command_write)
        os.close(self._reply_read)
        self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
