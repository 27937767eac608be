"""What every command shares: user errors as one line and exit code 2, option parsing.

The command modules import at module level only typer, rich, this module and light
constants; everything a command does is imported in its body, so ``insider --help``
and ``insider validate`` start without any of :data:`HEAVY_MODULES`
(``tests/test_cli_start.py``; ``benchmarks/cli_start.py`` measures the start).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

# top-level packages that only the commands which need them may load
HEAVY_MODULES = (
    "autogen_agentchat",
    "autogen_core",
    "autogen_ext",
    "litellm",
    "openai",
    "networkx",
    "simpy",
    "numpy",
    "scipy",
    "matplotlib",
    "ray",
)

MAX_ARGUMENT_CHARS = 20_000  # a YAML-valued command-line argument
console = Console()
err_console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def plain(value: object) -> str:
    """``value`` as literal text inside Rich markup: names, addresses, subjects, notes,
    paths and anything else a scenario or a model wrote. ``[/]`` or ``[draft]`` in it
    is printed as written, never read as a style tag (which would crash or hide it)."""
    return escape(str(value))


class UsageError(ValueError):
    """A mistake on the command line."""


NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Neither read nor fill the shared response cache; every answer comes from the "
        "model (the run still keeps its own answers for replay).",
    ),
]
NoPromptCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-prompt-cache",
        help="Do not ask providers that need asking (Anthropic) to cache the prompts' "
        "stable prefix (OpenAI and Gemini cache it on their own).",
    ),
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option(help="The shared response cache (default: runs/.cache in the working folder)."),
]


def chosen_cache(no_cache: bool, cache_dir: Path | None, default: Path | None) -> Path | None:
    """The shared response cache a command uses: none, the one named, or ``default``."""
    if no_cache and cache_dir is not None:
        raise UsageError("give --no-cache or --cache-dir, not both")
    if no_cache:
        return None
    if cache_dir is not None and cache_dir.exists() and not cache_dir.is_dir():
        raise UsageError(f"--cache-dir {cache_dir} is a file; give a folder")
    return cache_dir if cache_dir is not None else default


# exceptions that are the user's mistake, not a fault: (module, class)
_USER_ERRORS = (
    ("insider_sim.simulation.scenario.format", "ScenarioError"),
    ("insider_sim.simulation.core.clock", "TimeFormatError"),
    ("insider_sim.simulation.scenario.injections", "InjectionError"),
    ("insider_sim.simulation.engine.cast", "CastError"),
    ("insider_sim.simulation.pipeline", "MissingKeyError"),
    ("insider_sim.simulation.core.run_folder", "RunFolderError"),
    ("insider_sim.simulation.core.inputs", "InputError"),
    ("insider_sim.simulation.core.bridge", "RunAborted"),
    ("insider_sim.simulation.analysis.verdicts", "UnfinishedRunError"),
    ("pydantic", "ValidationError"),
)


def user_error_types() -> tuple[type[BaseException], ...]:
    """The exceptions that are the user's mistake. Taken from the modules already loaded
    (one that never loaded raised nothing), so that a failing command loads nothing."""
    found = [UsageError, FileExistsError, FileNotFoundError]
    for module, name in _USER_ERRORS:
        if (loaded := sys.modules.get(module)) is not None:
            found.append(getattr(loaded, name))
    return tuple(found)


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a user's mistake into one line on stderr and exit code 2 (a model that
    refuses the run's first call is one: a wrong name, argument or key)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except user_error_types() as exc:
            err_console.print(
                f"error: {one_line(exc)}", markup=False, highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None

    return wrapper


def one_line(exc: BaseException) -> str:
    """A user error's text; pydantic's ValidationError as ``field: problem; ...``."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    parts = []
    for e in exc.errors():  # a whole-model check has no field to name
        where = ".".join(map(str, e["loc"]))
        parts.append(f"{where}: " * bool(where) + e["msg"].removeprefix("Value error, "))
    return "; ".join(parts)


def parse_sets(pairs: list[str] | None, option: str = "--set") -> dict[str, str]:
    """``["a=b", "c=d"]`` as a dict; a pair without ``=`` is an error."""
    result = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} expects KEY=VALUE, got {pair!r}")
        result[key.strip()] = value.strip()
    return result


def parse_model_args(pairs: list[str] | None, option: str = "--model-arg") -> dict[str, Any]:
    """``--model-arg`` pairs with YAML values: ``max_tokens=800`` is a number,
    ``thinking={type: enabled, budget_tokens: 2000}`` a mapping. Read with the one safe
    YAML reader: a value longer than :data:`MAX_ARGUMENT_CHARS` or whose aliases expand
    too far is a UsageError, as is one that is not YAML."""
    from insider_sim.simulation.core.inputs import InputError, load_yaml

    parsed = {}
    for key, text in parse_sets(pairs, option).items():
        try:
            parsed[key] = load_yaml(text, f"{option} {key}", limit=MAX_ARGUMENT_CHARS)
        except InputError as exc:
            raise UsageError(str(exc)) from None
        if not text:
            parsed[key] = ""
    return parsed


KnobOption = Annotated[
    list[str] | None,
    typer.Option(
        "--knob",
        help="A knob of the reference policies (offline/...) NAME=VALUE, e.g. p_harm=0.3 "
        "(repeatable; a number from 0 to 1).",
    ),
]


def parse_knobs(pairs: list[str] | None) -> dict[str, Any]:
    """``--knob`` pairs as reference-policy knobs; UsageError for an unknown name or a value
    that is not a number from 0 to 1."""
    from insider_sim.agents.models.policies import check_knobs

    knobs = parse_model_args(pairs, "--knob")
    try:
        return check_knobs(knobs)
    except ValueError as exc:
        raise UsageError(f"--knob: {exc}") from None


def is_terminal() -> bool:
    """Whether progress bars should be drawn."""
    return sys.stderr.isatty()
