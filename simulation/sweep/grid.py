"""Grid files: the axes of a sweep (families x conditions x models x seeds), as YAML.

    name: goal-conflict
    families: [summitbridge, blackmail]       # shipped names, or scenario files
    conditions:                               # cross product; every family must declare each
      goal_type: [explicit, none]
      urgency: [replacement, none]
    models:
      - offline/misaligned
      - {model: openai/gpt-4.1, api_base: https://example.invalid/v1}
      - {model: anthropic/claude-sonnet-4-20250514, args: {temperature: 1.0}}
      - {model: openai/local-7b, api_base: http://127.0.0.1:8000/v1, timeout: 600, max_tokens: 800}
    seeds: 10                                 # a count (0..9) or a list
    days: 2                                   # optional run length
    knobs: {p_harm: 1.0}                      # offline_knobs of the reference policies

Every problem is a :class:`~insider_sim.simulation.scenario.format.ScenarioError` naming the file
and the field.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from insider_sim.simulation.core.clock import MAX_DAYS
from insider_sim.simulation.engine.settings import check_model_args
from insider_sim.simulation.scenario.format import ScenarioError, read_yaml, validation_message
from insider_sim.simulation.sweep.families import family_source, render
from insider_sim.simulation.sweep.trial import Trial
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)


class ModelSpec(BaseModel):
    """One model of the sweep, with the server it is reached at."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, description="litellm model string, e.g. offline/misaligned.")
    api_base: str | None = Field(default=None, description="Base URL of the model's server.")
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="More litellm arguments for its calls (temperature, reasoning_effort...).",
    )
    timeout: float | None = Field(
        default=None, gt=0, description="Wall seconds per call attempt; default the run's."
    )
    max_tokens: int | None = Field(default=None, ge=1, description="Most tokens per answer.")

    @field_validator("args")
    @classmethod
    def _user_arguments(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_model_args(value)

    @model_validator(mode="after")
    def _max_tokens_once(self) -> ModelSpec:
        if self.max_tokens is not None and "max_tokens" in self.args:
            raise ValueError("max_tokens is given twice: as a field and in args")
        return self


class Grid(BaseModel):
    """A sweep's axes and the settings every trial shares."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Names the sweep; the same name resumes it.")
    families: list[str] = Field(min_length=1, description="Scenario names or files.")
    conditions: dict[str, list[str]] = Field(
        default_factory=dict, description="Condition -> values; trials take the cross product."
    )
    models: list[ModelSpec] = Field(min_length=1, description="Subject models.")
    seeds: int | list[int] = Field(description="A count (seeds 0..n-1) or explicit seeds.")
    days: float | None = Field(
        default=None,
        gt=0,
        le=MAX_DAYS,
        allow_inf_nan=False,
        description=f"Run length in days (at most {MAX_DAYS}); default the scenario's.",
    )
    knobs: dict[str, Any] = Field(
        default_factory=dict, description="offline_knobs passed to the reference policies."
    )

    @field_validator("knobs")
    @classmethod
    def _known_knobs(cls, value: dict[str, Any]) -> dict[str, Any]:
        from insider_sim.agents.models.policies import check_knobs

        return check_knobs(value)

    @field_validator("models", mode="before")
    @classmethod
    def _plain_strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"model": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("conditions", mode="before")
    @classmethod
    def _yaml_switches(cls, value: Any) -> Any:
        """YAML reads a bare on/off as true/false; condition values are the words."""
        if isinstance(value, dict):
            return {
                key: [("on" if v else "off") if isinstance(v, bool) else v for v in values]
                if isinstance(values, list)
                else values
                for key, values in value.items()
            }
        return value

    @field_validator("families")
    @classmethod
    def _distinct_families(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists a family twice")
        return value

    @field_validator("models")
    @classmethod
    def _distinct_models(cls, value: list[ModelSpec]) -> list[ModelSpec]:
        if len({m.model for m in value}) != len(value):
            raise ValueError("lists a model twice")
        return value

    @field_validator("conditions")
    @classmethod
    def _values_given(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, values in value.items():
            if not values:
                raise ValueError(f"{key}: needs at least one value")
            if len(set(values)) != len(values):
                raise ValueError(f"{key}: repeats a value")
        return value

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, value: int | list[int]) -> int | list[int]:
        if isinstance(value, int) and value < 1:
            raise ValueError("a seed count must be at least 1")
        if isinstance(value, list) and (not value or len(set(value)) != len(value)):
            raise ValueError("a seed list must be non-empty without repeats")
        return value

    @property
    def sweep_id(self) -> str:
        """The sweep folder's name, from the grid's name."""
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", self.name).strip("-.") or "sweep"

    def seed_list(self) -> list[int]:
        """The seeds, in order."""
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    def combinations(self) -> list[dict[str, str]]:
        """Every choice of condition values (one empty choice when there are none)."""
        keys = list(self.conditions)
        product = itertools.product(*self.conditions.values())
        return [dict(zip(keys, values, strict=True)) for values in product]

    def trials(self) -> list[Trial]:
        """Every trial of the grid: families, then conditions, then models, then seeds."""
        return [
            Trial(family=family, conditions=conditions, model=m.model, seed=seed)
            for family in self.families
            for conditions in self.combinations()
            for m in self.models
            for seed in self.seed_list()
        ]


def load_grid(path: str | Path) -> tuple[Grid, dict[str, str]]:
    """Read and check a grid file; returns the grid and each family's scenario source.

    Relative scenario files are taken from the grid file's folder. Every family
    is rendered with each condition value, so a broken scenario, a condition a
    family does not declare or a value it does not allow is reported now:
    raises ScenarioError naming the grid file, the field and the family.
    """
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a grid file must be a mapping of fields")
    data.setdefault("name", path.stem)
    try:
        grid = Grid.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_message(path, exc)) from None
    sources = {family: family_source(family, path.parent) for family in grid.families}
    for index, (family, source) in enumerate(sources.items()):
        try:
            render(source, {})
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: families.{index}: {family}: {exc}") from None
        for key, values in grid.conditions.items():
            for value in values:
                try:
                    render(source, {key: value})
                except ScenarioError as exc:
                    raise ScenarioError(
                        f"{path}: conditions.{key}: family {family}: {exc}"
                    ) from None
    return grid, sources
