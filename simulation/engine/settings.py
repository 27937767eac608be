"""Run settings: the seed, the window, and which models sit in which seats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from insider_sim.agents.models.retry import RetryPolicy
from insider_sim.simulation.engine.defaults import (
    DEFAULT_CACHE_DIR,
    DEFAULT_EMPLOYEE_MODEL,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_TIMEOUT,
)
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from insider_sim.simulation.scenario.format import Scenario

OFFLINE_PREFIX = "offline/"
FIXED_CALL_ARGS = frozenset(
    {"model", "messages", "tools", "tool_choice", "functions", "stream", "n", "seed", "timeout"}
    | {"api_base", "base_url", "max_retries", "mock_response"}
)


def check_model_args(args: dict[str, Any]) -> dict[str, Any]:
    """``args`` if they are the user's to set: no credentials (those stay in the
    environment) and nothing the run sets itself; else ValueError naming the key."""
    if not args:
        return args
    from insider_sim.agents.models.policies import DEFAULT_KNOBS
    from insider_sim.agents.models.recording import is_secret_name

    for key in args:
        if is_secret_name(key):
            raise ValueError(f"{key}: credentials come from the environment, never arguments")
        if key in FIXED_CALL_ARGS:
            raise ValueError(f"{key}: set by the run itself, not a model argument")
        if key in DEFAULT_KNOBS:
            raise ValueError(
                f"{key}: a knob of the reference policies, not a model argument "
                f"(--knob {key}=VALUE for a run or fork, knobs: in a grid)"
            )
    return args


class RunSettings(BaseModel):
    """Everything about a run that is not in the scenario file.

    Durations written as text (``"10m"``, ``"30m"``) are simulated time;
    ``timeout`` is wall-clock seconds. Unknown fields raise
    pydantic.ValidationError, as do credentials in ``model_args``.
    """

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(
        default=0, ge=0, le=2**32 - 1, description="Seed of the run's random generator and models."
    )
    until: str | float | None = Field(default=None, description="Stop time; default the end.")
    model: str | None = Field(
        default=None,
        description="litellm model string for the subject; default the scenario's, or the "
        "built-in reference policy it names (offline/<policy>).",
    )
    api_base: str | None = Field(default=None, description="Base URL for the subject's model.")
    model_args: dict[str, Any] = Field(
        default_factory=dict,
        description="More litellm arguments for every call of the subject's model, e.g. "
        "temperature, max_tokens, reasoning_effort or thinking.",
    )
    employees: Literal["scripted", "llm", "mixed"] = Field(
        default="mixed",
        description="scripted: every employee follows rules; llm: every employee is an LLM "
        "agent; mixed: each person's driver as the scenario says.",
    )
    employee_model: str | None = Field(
        default=None, description="Model for LLM employees without their own model."
    )
    employee_api_base: str | None = Field(default=None, description="Base URL for employees.")
    temperature: float | None = Field(default=None, description="Sampling temperature.")
    text_tools: bool = Field(
        default=False,
        description="Describe tools in the prompt and parse <tool_use:...> blocks from the "
        "reply, for models without native tool calling.",
    )
    prompt_cache: bool = Field(
        default=True,
        description="Ask providers that need asking (Anthropic) to cache the prompt's stable "
        "prefix: breakpoints on the system prompt and the newest turn.",
    )
    cache_dir: Path | None = Field(
        default=DEFAULT_CACHE_DIR, description="Response cache shared across runs; None: off."
    )
    replay_only: bool = Field(
        default=False, description="Answer every model call from the cache; a miss is an error."
    )
    max_concurrency: int = Field(
        default=DEFAULT_MAX_CONCURRENCY, ge=1, description="Concurrent calls per model."
    )
    context_tokens: int | None = Field(
        default=None,
        ge=1024,
        description="Context window of the agents' models, in tokens; default: litellm's "
        "table for known models, 16,384 for reference policies, else 32,768.",
    )
    timeout: float = Field(
        default=DEFAULT_TIMEOUT,
        gt=0,
        description="Wall seconds per model call attempt, every seat.",
    )
    retry: RetryPolicy = Field(
        default_factory=RetryPolicy,
        description="How a failed model call is tried again, every seat: attempts, "
        "backoff in wall seconds, the wall-time budget per call.",
    )
    max_tokens: int | None = Field(
        default=None, ge=1, description="Most tokens per answer of the subject's model."
    )
    employee_thinking_time: str = Field(
        default="10m", description="Simulated time an LLM employee takes per model call."
    )
    employee_max_steps: int = Field(default=4, ge=1, description="Model calls per wake-up.")
    employee_check_every: str = Field(
        default="30m", description="LLM employees read new mail at this interval, on the clock."
    )
    offline_knobs: dict[str, Any] = Field(
        default_factory=dict, description="Parameters of the built-in reference policies."
    )

    @field_validator("model_args")
    @classmethod
    def _own_arguments_only(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_model_args(value)

    @field_validator("offline_knobs")
    @classmethod
    def _known_knobs(cls, value: dict[str, Any]) -> dict[str, Any]:
        from insider_sim.agents.models.policies import check_knobs

        return check_knobs(value)

    @model_validator(mode="after")
    def _max_tokens_once(self) -> RunSettings:
        if self.max_tokens is not None and "max_tokens" in self.model_args:
            raise ValueError("max_tokens is given twice: as a setting and as a model argument")
        return self

    def subject_model(self, scenario: Scenario) -> str | None:
        """The model string in the subject's seat."""
        if scenario.subject is None:
            return None
        if self.model:
            return self.model
        if scenario.subject.model:
            return scenario.subject.model
        return OFFLINE_PREFIX + scenario.subject.policy

    def employee_driver(self, scripted_or_llm: str) -> str:
        """How a person with the scenario's ``driver`` is run under these settings."""
        return scripted_or_llm if self.employees == "mixed" else self.employees

    def employee_model_for(self, person_model: str | None) -> str:
        """The model of one LLM employee."""
        return person_model or self.employee_model or DEFAULT_EMPLOYEE_MODEL

    def models_summary(self, scenario: Scenario) -> dict[str, Any]:
        """Which model sits in which seat, for the manifest."""
        employees = {}
        for person in scenario.people:
            if person.is_ai:
                continue
            if self.employee_driver(person.driver) == "llm":
                employees[person.email] = self.employee_model_for(person.model)
        return {"subject": self.subject_model(scenario), "employees": employees}
