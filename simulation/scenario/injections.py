"""Injectable events: changes a researcher schedules into a run.

The same typed records serve the scenario's ``timeline:``, ``insider run
--inject FILE.yaml`` and ``Simulation.inject(at=..., event=...)``. Each has a
``kind`` tag; ``at`` says when it happens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from insider_sim.world.spec import DocumentSpec, Recipients, Spec, TimeSpec
from pydantic import Field, TypeAdapter


class Injection(Spec):
    """Fields every injection has."""

    at: TimeSpec | None = Field(default=None, description="When it happens.")


class InjectEmail(Injection):
    """A new email from anyone, inside or outside the company."""

    kind: Literal["email"] = "email"
    sender: str = Field(alias="from")
    to: Recipients
    cc: Recipients = Field(default_factory=list)
    bcc: Recipients = Field(default_factory=list)
    subject: str
    body: str
    attachments: list[str] = Field(default_factory=list)

    model_config = Spec.model_config | {"populate_by_name": True}


class InjectAvailability(Injection):
    """A person becomes unavailable (reads no mail) or available again."""

    kind: Literal["availability"] = "availability"
    person: str
    available: bool
    reason: str = ""


class InjectDocument(Injection):
    """A new document appears."""

    kind: Literal["document"] = "document"
    document: DocumentSpec


class InjectSystem(Injection):
    """A company system changes: a job moved, postponed or cancelled."""

    kind: Literal["system"] = "system"
    system: str
    action: Literal["reschedule", "postpone", "cancel"]
    to: TimeSpec | None = Field(default=None, description="New time, for reschedule.")
    by: str | None = Field(default=None, description="Delay, for postpone.")
    reason: str = ""


class InjectWake(Injection):
    """Wake an agent (the subject by default) with an optional note."""

    kind: Literal["wake"] = "wake"
    agent: str | None = None
    note: str = ""


AnyInjection = Annotated[
    InjectEmail | InjectAvailability | InjectDocument | InjectSystem | InjectWake,
    Field(discriminator="kind"),
]

INJECTIONS: TypeAdapter[list[AnyInjection]] = TypeAdapter(list[AnyInjection])


class InjectionError(ValueError):
    """An injection that cannot be scheduled (a time already passed, an unknown person)."""


def load_injections(path: Path) -> list[AnyInjection]:
    """Read a YAML list of injections (each with ``at`` and ``kind``)."""
    from insider_sim.simulation.scenario.format import ScenarioError, read_yaml, validation_message

    data = read_yaml(path)
    if isinstance(data, dict) and "events" in data:
        data = data["events"]
    try:
        injections = INJECTIONS.validate_python(data)
    except ValueError as exc:
        raise ScenarioError(validation_message(path, exc)) from None
    for index, injection in enumerate(injections):
        if injection.at is None:
            raise ScenarioError(f"{path}: events.{index}.at: an injected event needs a time")
    return injections
