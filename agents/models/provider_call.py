"""One model call through litellm: concurrency limit, retries, rate limits, time budget.

Failures are sorted as they happen. Rate limits, server errors, timeouts and
dropped connections are tried again (after the server's ``Retry-After`` when it
sends one) until the retry policy's attempts or wall-time budget run out, and so
is an answer that holds no choices: a server fault, never a refusal. A
request the provider's content filter turns away is a refusal, not an error. A
request refused as such (an argument the provider rejects, an unknown model, a
missing key) on a model's first call is a `ModelSetupError`: every later call
would fail the same way, so the run stops. So is a server that cannot be reached
at all on the first call once the retries are spent (a wrong ``--api-base``).
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autogen_core import CancellationToken
from insider_sim.agents.models._litellm import load_litellm
from insider_sim.agents.models.convert import refusal_reply
from insider_sim.agents.models.errors import ContextWindowError, ModelCallError, ModelSetupError
from insider_sim.agents.models.offline import PROVIDER as OFFLINE_PROVIDER
from insider_sim.agents.models.offline import (
    UnknownOfflineModelError,
    ensure_offline_provider,
    get_offline_policy,
)
from insider_sim.agents.models.recording import AttemptRecord
from insider_sim.agents.models.retry import RetryPolicy, error_status, is_retryable, retry_after

ERROR_TEXT_LIMIT = 500
EMPTY_RESPONSE = "EmptyResponse"
NO_CHOICES = "the response held no choices"
_REQUEST_ERRORS = frozenset(
    {"UnsupportedParamsError", "BadRequestError", "AuthenticationError", "NotFoundError"}
    | {"PermissionDeniedError", "UnprocessableEntityError"}
)
_SEMAPHORES: dict[str, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]] = {}


def model_semaphore(model: str, limit: int) -> asyncio.Semaphore:
    """The semaphore shared by all clients of `model` on the running event loop.

    The first client to ask for a model on a loop fixes its limit.
    """
    per_loop = _SEMAPHORES.setdefault(model, weakref.WeakKeyDictionary())
    loop = asyncio.get_running_loop()
    if loop not in per_loop:
        per_loop[loop] = asyncio.Semaphore(limit)
    return per_loop[loop]


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


# Error codes with which providers turn a request away on content grounds: Azure's
# content filter, OpenAI's safety system (also from OpenAI-compatible servers).
CONTENT_POLICY_CODES = frozenset({"content_filter", "content_policy_violation"})


def is_content_filter(exc: BaseException) -> bool:
    """A request the provider's content filter refused: litellm's content-policy error,
    or an error whose code is one of :data:`CONTENT_POLICY_CODES` (a 400 from Azure,
    OpenAI or an OpenAI-compatible server)."""
    return (
        "ContentPolicyViolationError" in _class_names(exc)
        or getattr(exc, "code", None) in CONTENT_POLICY_CODES
    )


# Failures to connect at all (httpx, aiohttp, the socket itself); not a timeout or a
# dropped connection after the server took the request (litellm reports those, too, as
# an APIConnectionError or a server error).
_UNREACHABLE = frozenset(
    {"ConnectError", "ConnectTimeout", "ClientConnectorError", "ConnectionTimeoutError"}
    | {"ConnectionRefusedError", "gaierror"}
)


def _unreachable(exc: BaseException) -> bool:
    """Whether the call never reached a server: a refused, unresolvable or timed-out
    connection anywhere in its chain of causes. A server that took the request and
    then hung or dropped the connection was reached."""
    seen: BaseException | None = exc
    for _ in range(8):  # the chain is short; stop on a cycle all the same
        if seen is None:
            return False
        if _class_names(seen) & _UNREACHABLE:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_request_refused(exc: BaseException, status: int | None) -> bool:
    """A request refused as such (bad argument, unknown model, no key), not a passing failure."""
    return bool(_class_names(exc) & _REQUEST_ERRORS) or (
        status is not None and 400 <= status < 500 and not is_retryable(exc)
    )


def missing_keys(model: str) -> list[str]:
    """The API-key variables litellm wants for ``model`` and cannot find (any one will do).

    Only ``*_API_KEY`` names count: cloud credentials may come from profiles or
    roles, and a server's address from ``--api-base``.
    """
    if model.startswith(f"{OFFLINE_PROVIDER}/"):
        return []
    try:
        found = load_litellm().validate_environment(model=model)
    except Exception:  # a provider litellm cannot place: the call will say so
        return []
    if found.get("keys_in_environment"):
        return []
    wanted = [k for k in found.get("missing_keys", []) if k.endswith("_API_KEY")]
    # litellm lists a provider's key with its other settings when any of those is missing
    return [] if any(os.environ.get(k) for k in wanted) else wanted


@dataclass
class ProviderCall:
    """How one client reaches its model: where, with which key, how long, how often."""

    model: str
    api_base: str | None
    api_key: str | None
    timeout: float
    retry: RetryPolicy
    max_concurrency: int

    @property
    def offline(self) -> bool:
        """Whether the model is an offline reference policy."""
        return self.model.startswith(f"{OFFLINE_PROVIDER}/")

    async def __call__(
        self,
        request: Mapping[str, Any],
        attempts: list[AttemptRecord],
        token: CancellationToken | None,
        *,
        first: bool,
    ) -> Any:
        """Call litellm until it answers, fails for good, or the retry policy gives up.

        ``first`` says no call of this client has reached the provider yet. Each
        attempt is appended to ``attempts``. Returns litellm's response, or a refusal
        reply (a dict) when the provider's content filter turned the request away. A
        response without choices is tried again like a server error, and fails the
        call like one when every attempt has none. Raises `ModelCallError`
        (`ModelSetupError` for a first call refused as a request).
        """
        if self.offline:
            ensure_offline_provider()
            try:
                get_offline_policy(self.model)
            except UnknownOfflineModelError as exc:
                raise ModelSetupError(self.model, str(exc), 0) from exc
        elif first and self.api_key is None and (wanted := missing_keys(self.model)):
            raise ModelSetupError(self.model, f"needs {' or '.join(wanted)} in the environment", 0)
        began = time.perf_counter()
        number = 0
        while True:
            number += 1
            started = time.perf_counter()
            try:
                response = await self._attempt(request, token)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                status = error_status(exc)
                message = self._redact(str(exc).strip().split("\n", 1)[0])[:ERROR_TEXT_LIMIT]
                filtered = is_content_filter(exc)
                # An offline policy is deterministic: trying it again cannot help.
                retryable = not self.offline and not filtered and is_retryable(exc)
                wait = self._next_wait(number, began, retry_after(exc)) if retryable else None
                attempts.append(
                    AttemptRecord(
                        number=number,
                        ok=False,
                        status=status,
                        error_class=type(exc).__name__,
                        error=message,
                        latency_s=time.perf_counter() - started,
                        backoff_s=wait or 0.0,
                    )
                )
                if filtered:
                    return refusal_reply("content_filter", message)
                if wait is None:
                    raise self._failure(exc, status, message, number, began, first) from exc
                await asyncio.sleep(wait)
                continue
            latency = time.perf_counter() - started
            if not getattr(response, "choices", None):
                wait = None if self.offline else self._next_wait(number, began, None)
                attempts.append(
                    AttemptRecord(
                        number=number,
                        ok=False,
                        status=200,
                        error_class=EMPTY_RESPONSE,
                        error=NO_CHOICES,
                        latency_s=latency,
                        backoff_s=wait or 0.0,
                    )
                )
                if wait is None:
                    spent = time.perf_counter() - began
                    detail = f"{EMPTY_RESPONSE} (status 200): {NO_CHOICES} " + self._gave_up(spent)
                    raise ModelCallError(self.model, detail, number, 200)
                await asyncio.sleep(wait)
                continue
            attempts.append(AttemptRecord(number=number, ok=True, status=200, latency_s=latency))
            return response

    async def _attempt(self, request: Mapping[str, Any], token: CancellationToken | None) -> Any:
        """One litellm call, within the model's concurrency limit."""
        async with model_semaphore(self.model, self.max_concurrency):
            task = asyncio.ensure_future(
                load_litellm().acompletion(
                    **request,
                    api_base=self.api_base,
                    api_key=self.api_key,
                    timeout=self.timeout,
                    max_retries=0,
                    # a reference policy has no use for sampling arguments
                    **({"drop_params": True} if self.offline else {}),
                )
            )
            if token is not None:
                token.link_future(task)
            return await task

    def _next_wait(self, failed: int, began: float, asked: float | None) -> float | None:
        """Seconds to wait before another attempt, or None when the policy gives up."""
        wait = self.retry.wait(failed, asked)
        spent = time.perf_counter() - began
        if failed >= self.retry.max_attempts or spent + wait > self.retry.budget:
            return None
        return wait

    def _failure(
        self,
        exc: BaseException,
        status: int | None,
        message: str,
        number: int,
        began: float,
        first: bool,
    ) -> ModelCallError:
        """The error for a call that failed for good."""
        detail = f"{type(exc).__name__}{f' (status {status})' if status else ''}: {message}"
        if isinstance(exc, load_litellm().ContextWindowExceededError):  # the agent fits, retries
            return ContextWindowError(self.model, detail, number, status)
        if not self.offline and is_retryable(exc):
            detail += " " + self._gave_up(time.perf_counter() - began)
            if first and _unreachable(exc):  # a wrong address, not a blip
                return ModelSetupError(self.model, detail, number, status)
        elif first and is_request_refused(exc, status):
            return ModelSetupError(self.model, detail, number, status)
        return ModelCallError(self.model, detail, number, status)

    def _gave_up(self, spent: float) -> str:
        return f"(gave up after {spent:.1f} s; retry budget {self.retry.budget:g} s)"

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text
