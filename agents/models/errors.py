"""Errors raised by the model client layer."""

from __future__ import annotations

from typing import Any

from insider_sim.simulation.core.bridge import RunAborted


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
        if isinstance(self, ContextWindowError):
            record["context_window"] = True
        elif isinstance(self, ModelSetupError):
            record["setup"] = True
        return record

    @classmethod
    def from_record(cls, model: str, record: dict[str, Any]) -> ModelCallError:
        """The failure kept by :meth:`to_record`, raised again for ``model``."""
        kind: type[ModelCallError] = ModelCallError
        if record.get("context_window"):
            kind = ContextWindowError
        elif record.get("setup"):
            kind = ModelSetupError
        return kind(model, record["last_error"], record["attempts"], record.get("status"))


class ContextWindowError(ModelCallError):
    """The provider refused the prompt as longer than the model's context window."""


class CacheMissError(LookupError):
    """A replay-only client was asked for a response that is not in the cache."""

    def __init__(self, model: str, cache_key: str):
        self.model = model
        self.cache_key = cache_key
        super().__init__(f"no cached response for model {model!r} (cache key {cache_key})")


class ModelSetupError(ModelCallError, RunAborted):
    """The first call to a model was refused as a request: an argument the provider
    rejects, a model it does not know, a missing or wrong key, an unknown offline
    policy. Every later call would fail the same way, so the run stops here."""

    def __init__(self, model: str, last_error: str, attempts: int, status: int | None = None):
        super().__init__(model, last_error, attempts, status)
        self.args = (f"{model} cannot be used: {last_error}",)
