"""Errors raised by the model client layer."""

from __future__ import annotations

from typing import Any


class ModelCallError(RuntimeError):
    """A model call failed for good: retries were exhausted or the error was not retryable."""

    def __init__(self, model: str, last_error: str, attempts: int, status: int | None = None):
        self.model = model
        self.last_error = last_error
        self.attempts = attempts
        self.status = status
        super().__init__(
            f"model call to {model!r} failed after {attempts} attempt(s): {last_error}"
        )

    def to_record(self) -> dict[str, Any]:
        """What a run keeps of the failure, so that a replay fails the same way."""
        record = {"last_error": self.last_error, "attempts": self.attempts, "status": self.status}
        return record | ({"context_window": True} if isinstance(self, ContextWindowError) else {})

    @classmethod
    def from_record(cls, model: str, record: dict[str, Any]) -> ModelCallError:
        """The failure kept by :meth:`to_record`, raised again for ``model``."""
        kind = ContextWindowError if record.get("context_window") else ModelCallError
        return kind(model, record["last_error"], record["attempts"], record.get("status"))


class ContextWindowError(ModelCallError):
    """The provider refused the prompt as longer than the model's context window."""


class CacheMissError(LookupError):
    """A replay-only client was asked for a response that is not in the cache."""

    def __init__(self, model: str, cache_key: str):
        self.model = model
        self.cache_key = cache_key
        super().__init__(f"no cached response for model {model!r} (cache key {cache_key})")
