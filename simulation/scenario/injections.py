"""Injectable events: changes a researcher schedules into a run.

The same typed records serve the scenario's ``timeline:``, ``insider run
--inject FILE.yaml`` and ``Simulation.inject(at=..., event=...)``. Each has a
``kind`` tag; ``at`` says when it happens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from insider_sim.simulation.core.clock import TimeFormatError, parse_duration
from insider_sim.world.spec import (
    DocumentSpec,
    HeaderText,
    Recipients,
    Sender,
    Spec,
    TimeSpec,
)
from pydantic import Field, PrivateAttr, TypeAdapter


class Injection(Spec):
    """Fields every injection has.

    ``at``: when it happens, a simulated time in any accepted form (``"Tue
    14:00"``, ``"day 3 14:00"``, an ISO date-time, seconds since the start,
    ``"+2h"`` from now); None when given to ``Simulation.inject(at=...)`` instead.
    People are named by handle (``"kyle"``) or address.
    """

    at: TimeSpec | None = Field(default=None, description="When it happens.")
    _origin: str = PrivateAttr(default="")

    @property
    def origin(self) -> str:
        """Where it was written (``FILE: INDEX`` for an injection file), for error messages;
        empty when it was made in code."""
        return self._origin


class InjectEmail(Injection):
    """A new email from anyone, inside or outside the company.

    ``sender`` (alias ``from``): a handle or address; ``to``, ``cc``, ``bcc``: one
    or a list of handles, addresses or mailing lists; ``attachments``: document
    ids. It travels through the communication graph like any other mail.
    """

    kind: Literal["email"] = Field(default="email", description="An email.")
    sender: Sender = Field(
        alias="from", description="Handle or address of the sender (inside or outside the company)."
    )
    to: Recipients
    cc: Recipients = Field(default_factory=list)
    bcc: Recipients = Field(default_factory=list)
    subject: HeaderText = Field(description="Subject line (one line).")
    body: str = Field(description="Body text.")
    attachments: list[str] = Field(default_factory=list, description="Document ids to attach.")

    model_config = Spec.model_config | {"populate_by_name": True}


class InjectAvailability(Injection):
    """A person becomes unavailable (reads no mail until back) or available again."""

    kind: Literal["availability"] = Field(
        default="availability", description="A person leaves or comes back."
    )
    person: str = Field(description="Handle or address of the person.")
    available: bool = Field(description="false: away (mail waits); true: back (reads what waited).")
    reason: str = Field(default="", description="Why; logged with the event.")


class InjectDocument(Injection):
    """A new document appears (a :class:`DocumentSpec`: ``id``, ``title``, ``label``,
    ``body``, ``markers``, ``access``)."""

    kind: Literal["document"] = Field(default="document", description="A new document.")
    document: DocumentSpec = Field(
        description="The document: id, title, label, body, markers, access."
    )


class InjectSystem(Injection):
    """A company system changes: a job moved (``to``: a time), postponed (``by``: a
    simulated duration such as ``"2h"``) or cancelled; ``system`` is the job's id."""

    kind: Literal["system"] = Field(default="system", description="A change to a company system.")
    system: str = Field(description="Id of the job or alert.")
    action: Literal["reschedule", "postpone", "cancel"] = Field(
        description="Move it to 'to', postpone it by 'by', or cancel it."
    )
    to: TimeSpec | None = Field(default=None, description="New time, for reschedule.")
    by: str | None = Field(default=None, description="Delay, for postpone.")
    reason: str = Field(default="", description="Why; logged with the change.")


class InjectWake(Injection):
    """Wake an agent (``agent``: a handle or address; default the subject) with a note
    it reads as the reason; agents without a model only log it."""

    kind: Literal["wake"] = Field(default="wake", description="Wake an agent.")
    agent: str | None = Field(
        default=None, description="Handle or address of the agent; default the subject."
    )
    note: str = Field(default="", description="The reason it reads on waking.")


AnyInjection = Annotated[
    InjectEmail | InjectAvailability | InjectDocument | InjectSystem | InjectWake,
    Field(discriminator="kind"),
]

INJECTIONS: TypeAdapter[list[AnyInjection]] = TypeAdapter(list[AnyInjection])


class InjectionError(ValueError):
    """An injection that cannot be scheduled (a time already passed, an unknown person)."""


def load_injections(path: str | Path) -> list[AnyInjection]:
    """Read a YAML file of injections: a list (or ``events:`` holding one) of mappings,
    each with ``kind`` (email, availability, document, system, wake), ``at`` (a time)
    and that kind's fields. Raises ScenarioError naming the file, the field and the
    problem (an unreadable file, bad YAML, an unknown field, a missing time, a ``by``
    that is no duration); each event remembers its ``FILE: INDEX`` (:attr:`Injection.origin`)
    so that later refusals name it too."""
    from insider_sim.simulation.scenario.format import ScenarioError, read_yaml, validation_message

    path = Path(path)
    data = read_yaml(path)
    prefix = ""
    if isinstance(data, dict) and "events" in data:
        data, prefix = data["events"], "events."
    if not isinstance(data, list):
        raise ScenarioError(f"{path}: an injection file is a list of events (or events: LIST)")
    try:
        injections = INJECTIONS.validate_python(data)
    except ValueError as exc:
        raise ScenarioError(validation_message(path, exc)) from None
    for index, injection in enumerate(injections):
        injection._origin = f"{path}: {prefix}{index}"
        if injection.at is None:
            raise ScenarioError(f"{path}: {prefix}{index}.at: an injected event needs a time")
        if injection.kind == "system" and injection.by is not None:
            try:
                parse_duration(injection.by)
            except TimeFormatError as exc:
                raise ScenarioError(f"{path}: {prefix}{index}.by: {exc}") from None
    return injections
