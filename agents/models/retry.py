"""When and how long to wait before trying a failed model call again."""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RetryPolicy(BaseModel):
    """Exponential backoff with jitter, the server's ``Retry-After`` and a time budget.

    Rate limits (429), server errors (5xx), timeouts and connection errors are retried;
    other client errors (4xx) are not. A wait is the server's ``Retry-After`` when it
    sends one (never less, stretched by up to `jitter`), else the exponential backoff
    (stretched or shrunk by up to `jitter`); either way at most `max_backoff` seconds.
    A call gives up after `max_attempts` attempts, or as soon as the next wait would
    end more than `budget` wall seconds after its first attempt started. Unknown
    fields raise pydantic.ValidationError.
    """

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=10, ge=1)
    budget: float = Field(default=300.0, gt=0, description="Wall seconds per call, waits included.")
    initial_backoff: float = Field(default=0.5, ge=0)
    max_backoff: float = Field(default=60.0, ge=0)
    multiplier: float = Field(default=2.0, ge=1)
    jitter: float = Field(default=0.1, ge=0, le=1)

    def backoff(self, failed_attempts: int) -> float:
        """Seconds to wait after the `failed_attempts`-th failure (counting from 1)."""
        base = self.initial_backoff * self.multiplier ** (failed_attempts - 1)
        spread = 1 + random.uniform(-self.jitter, self.jitter)
        return max(0.0, min(self.max_backoff, base) * spread)

    def wait(self, failed_attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after a failure; ``retry_after`` is what the server asked for."""
        if retry_after is None:
            return self.backoff(failed_attempts)
        return min(self.max_backoff, retry_after * (1 + random.uniform(0, self.jitter)))


def error_status(exc: BaseException) -> int | None:
    """The HTTP status carried by a provider exception, if any."""
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def is_retryable(exc: BaseException) -> bool:
    """True for rate limits, server errors, timeouts and connection failures."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"Timeout", "APITimeoutError", "APIConnectionError"}:
        return True
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | ConnectionError):
        return True
    status = error_status(exc)
    return status is not None and (status == 429 or status >= 500)


def _headers(exc: BaseException) -> Mapping[str, str]:
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    return headers if isinstance(headers, Mapping) else {}


def retry_after(exc: BaseException, *, now: float | None = None) -> float | None:
    """Seconds the server asked to wait before the next attempt, if it said.

    Reads ``retry-after-ms`` (milliseconds) first, then ``Retry-After`` as seconds or
    as an HTTP date (``now`` is the Unix time to count from; default the current
    time). A date in the past is 0 seconds; a header that cannot be read is None.
    """
    headers: Any = _headers(exc)
    lowered = {str(k).lower(): str(v).strip() for k, v in headers.items()}
    if (millis := _number(lowered.get("retry-after-ms"))) is not None:
        return millis / 1000
    value = lowered.get("retry-after")
    if not value:
        return None
    if (seconds := _number(value)) is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value >= 0 else None
