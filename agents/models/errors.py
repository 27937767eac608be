"""Errors raised by the model client layer."""

from __future__ import annotations

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
