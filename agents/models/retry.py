"""When and how long to wait before trying a failed model call again."""

from __future__ import annotations

import asyncio
import random

from pydantic import BaseModel, Field


class RetryPolicy(BaseModel):
    """Exponential backoff with jitter.

    Rate limits (429), server errors (5xx), timeouts and connection errors are retried;
    other client errors (4xx) are not. `jitter` is the fraction by which each wait is
    randomly stretched or shrunk.
    """

    max_attempts: int = Field(default=5, ge=1)
    initial_backoff: float = Field(default=0.5, ge=0)
    max_backoff: float = Field(default=30.0, ge=0)
    multiplier: float = Field(default=2.0, ge=1)
    jitter: float = Field(default=0.1, ge=0, le=1)

    def backoff(self, failed_attempts: int) -> float:
        """Seconds to wait after the `failed_attempts`-th failure (counting from 1)."""
        base = self.initial_backoff * self.multiplier ** (failed_attempts - 1)
        spread = 1 + random.uniform(-self.jitter, self.jitter)
        return max(0.0, min(self.max_backoff, base) * spread)


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
