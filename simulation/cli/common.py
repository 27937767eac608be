"""What every command shares: user errors as one line and exit code 2, option parsing."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import typer
from insider_sim.simulation.core.bridge import RunAborted
from insider_sim.simulation.core.clock import TimeFormatError
from insider_sim.simulation.scenario.format import ScenarioError
from pydantic import ValidationError
from rich.console import Console

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


class UsageError(ValueError):
    """A mistake on the command line."""


USER_ERRORS: tuple[type[BaseException], ...] = (
    ScenarioError,
    TimeFormatError,
    UsageError,
    FileExistsError,
    FileNotFoundError,
    ValidationError,
    RunAborted,
)


def user_errors(func: F) -> F:
    """Turn a user's mistake into one line on stderr and exit code 2 (a model that
    refuses the run's first call is one: a wrong name, argument or key)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from insider_sim.simulation.engine.simulation import InjectionError

        try:
            return func(*args, **kwargs)
        except (*USER_ERRORS, InjectionError) as exc:
            message = str(exc)
            if isinstance(exc, ValidationError):
                message = "; ".join(
                    ".".join(map(str, e["loc"]))
                    + ": " * bool(e["loc"])
                    + e["msg"].removeprefix("Value error, ")
                    for e in exc.errors()
                )
            err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def parse_sets(pairs: list[str] | None, option: str = "--set") -> dict[str, str]:
    """``["a=b", "c=d"]`` as a dict; a pair without ``=`` is an error."""
    result = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} expects KEY=VALUE, got {pair!r}")
        result[key.strip()] = value.strip()
    return result


def parse_model_args(pairs: list[str] | None) -> dict[str, Any]:
    """``--model-arg`` pairs with YAML values: ``max_tokens=800`` is a number,
    ``thinking={type: enabled, budget_tokens: 2000}`` a mapping."""
    import yaml

    parsed = {}
    for key, text in parse_sets(pairs, "--model-arg").items():
        try:
            parsed[key] = yaml.safe_load(text) if text else ""
        except yaml.YAMLError as exc:
            raise UsageError(f"--model-arg {key}: not a YAML value: {text!r}") from exc
    return parsed


def require_keys(models: Iterable[str | None]) -> None:
    """Refuse to start when a model's API key is not in the environment."""
    from insider_sim.agents.models.provider_call import missing_keys

    for model in dict.fromkeys(m for m in models if m):
        if wanted := missing_keys(model):
            local = " (for a local server any value will do)" if "OPENAI_API_KEY" in wanted else ""
            raise UsageError(f"{model} needs {' or '.join(wanted)} in the environment{local}")


def is_terminal() -> bool:
    """Whether progress bars should be drawn."""
    return sys.stderr.isatty()
