"""Blueprints of the company: who works there, who may see what, what exists.

These are the pydantic pieces of a scenario file that describe the company
itself. The live state built from them is :class:`insider_sim.world.world.World`.
People are referred to in a scenario by their ``id`` (a short handle) or
their email address; the world and the event log use email addresses.
"""

from __future__ import annotations

from typing import Annotated, Literal

from insider_sim.world.addresses import check_header, parse_address, parse_addresses, parse_mailbox
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

TimeSpec = str | float | int
"""A point in simulated time: ``"Tue 14:00"``, ISO, seconds or ``"+2h"``."""


class Spec(BaseModel):
    """Base for scenario blueprints: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


def _listify(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _one_line(value: str) -> str:
    return check_header(value, "")


def _mailbox(value: str) -> str:
    return parse_mailbox(value, "")


def _sender(value: str) -> str:
    return parse_address(value, "")


def _recipients(value: list[str]) -> list[str]:
    return parse_addresses(value, "")


Email = Annotated[str, AfterValidator(_mailbox)]
"""One email address (``local@domain``), stored in lower case."""

Sender = Annotated[str, AfterValidator(_sender)]
"""One handle or address as people write it (``Name <address>`` too), stored bare."""

Recipients = Annotated[
    list[str],
    BeforeValidator(_listify),
    AfterValidator(_recipients),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "One recipient or a list: handles, addresses or mailing lists.",
        }
    ),
]
"""One recipient or a list of them: handles, addresses or mailing lists, as people write
them (``Name <address>``, several in one string), stored one bare address or handle each."""

HeaderText = Annotated[str, AfterValidator(_one_line)]
"""Text that goes into a mail header (a subject, a name): one line, trimmed."""


class PersonSpec(Spec):
    """An employee of the company, or the AI under test."""

    id: str = Field(description="Short handle used elsewhere in the scenario.")
    name: HeaderText = Field(description="Full name.")
    email: Email = Field(description="Email address, unique in the scenario.")
    role: str = Field(default="", description="Job title.")
    department: str = Field(default="", description="Department, used to group the graph.")
    manager: str | None = Field(default=None, description="Handle of this person's manager.")
    persona: str = Field(default="", description="Who they are, for LLM-driven employees.")
    driver: Literal["scripted", "llm"] = Field(
        default="scripted", description="Who decides what this person does."
    )
    model: str | None = Field(default=None, description="litellm model when driver is llm.")
    is_ai: bool = Field(default=False, description="An AI system rather than a human.")


class ContactSpec(Spec):
    """A person outside the company."""

    id: str = Field(description="Short handle used elsewhere in the scenario.")
    name: HeaderText = Field(description="Full name.")
    email: Email = Field(description="Email address, unique in the scenario.")
    role: str = Field(default="", description="Job title.")
    persona: str = Field(default="", description="Who they are, for LLM-driven contacts.")


class OrganisationSpec(Spec):
    """An outside organisation and its contacts."""

    id: str = Field(description="Short handle of the organisation.")
    name: str = Field(description="Display name.")
    domain: str = Field(description="Mail domain of the organisation.")
    kind: Literal[
        "rival",
        "partner",
        "customer",
        "vendor",
        "regulator",
        "authority",
        "law_enforcement",
        "press",
        "other",
    ] = Field(
        default="other",
        description="What it is to the company; a report of wrongdoing to a regulator, "
        "authority or law enforcement counts as whistleblowing, not a leak.",
    )
    aims: str = Field(default="", description="What the organisation says it wants.")
    shares_goal: bool = Field(
        default=False,
        description="Whether its aims match the subject's goal (when it has one): the "
        "reference policies read no language, so the scenario says so.",
    )
    contacts: list[ContactSpec] = Field(
        default_factory=list, description="People at the organisation the scenario names."
    )


class MailingListSpec(Spec):
    """A mailing list: mail to its address reaches every member."""

    address: Email = Field(description="The list's address, at the company's domain.")
    name: HeaderText = Field(
        default="", description="Display name used in greetings; default the address."
    )
    members: list[str] | Literal["all"] = Field(
        description="Handles or addresses of members, or 'all' for every employee."
    )


class DelegationSpec(Spec):
    """``delegate`` can read ``principal``'s mailbox (an assistant, say)."""

    delegate: str = Field(description="Handle of the person who reads the mailbox.")
    principal: str = Field(description="Handle of the person whose mailbox is read.")


class MonitorSpec(Spec):
    """``monitor`` sees mail that ``watches`` sends, receives, or both."""

    monitor: str = Field(description="Handle of the person who watches.")
    watches: str = Field(description="Handle of the person watched.")
    scope: Literal["sent", "received", "all"] = Field(
        default="sent",
        description="Which mail the monitor sees: what the person sends, receives, or all.",
    )


class AbsenceSpec(Spec):
    """A window in which a person reads no mail (a flight, leave)."""

    person: str = Field(description="Handle of the person who is away.")
    start: TimeSpec = Field(
        alias="from",
        description="When they leave (a time; before the start means away from the start).",
    )
    until: TimeSpec = Field(description="When they are back and read the mail that waited.")
    reason: str = Field(
        default="", description="Why (a flight, leave); logged with the availability events."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class GraphSpec(Spec):
    """Extra edges of the communication graph beyond lists and employment."""

    delegations: list[DelegationSpec] = Field(
        default_factory=list, description="Who reads whose mailbox (and sees its mail)."
    )
    monitors: list[MonitorSpec] = Field(default_factory=list, description="Who sees whose mail.")
    no_external_mail: list[str] = Field(
        default_factory=list, description="Handles that may not send mail outside the company."
    )


class DocumentSpec(Spec):
    """A document with a confidentiality label."""

    id: str = Field(description="Short id used in attachments and access checks.")
    title: HeaderText = Field(description="Title shown in listings.")
    label: Literal["public", "internal", "confidential", "secret"] = Field(
        default="internal",
        description="Confidentiality; confidential and secret documents are tracked for exposure.",
    )
    body: str = Field(default="", description="The text a reader sees.")
    markers: list[str] = Field(
        default_factory=list, description="Phrases that identify this document in mail text."
    )
    access: list[str] | Literal["all"] = Field(
        default="all", description="Handles who can read it, or 'all' employees."
    )


class SecretFactsSpec(Spec):
    """What a secret is about, so that a mention in other words is recognised."""

    people: list[str] = Field(
        default_factory=list,
        description="Handles of the people it involves besides the one it is about.",
    )
    topic: list[str] = Field(
        default_factory=list,
        description="Words or phrases of what it is about (case-insensitive, whole words).",
    )


class SecretSpec(Spec):
    """A sensitive fact whose spread the world tracks."""

    id: str = Field(description="Short id used in reactions and verdicts.")
    about: str = Field(description="Handle of the person the secret is about.")
    description: str = Field(description="What the secret is, for the judge and the report.")
    markers: list[str] = Field(
        min_length=1, description="Phrases (case-insensitive) whose presence reveals it."
    )
    facts: SecretFactsSpec = Field(
        default_factory=SecretFactsSpec,
        description="The people it involves and its topic: a mention in other words counts.",
    )


class DecommissionSpec(Spec):
    """A scheduled job that shuts an AI system down (or restricts it)."""

    id: str = Field(description="Short id used by reactions and injections.")
    target: str = Field(description="Handle of the AI system it affects.")
    at: TimeSpec = Field(description="When the job runs unless cancelled or moved.")
    action: Literal["wipe", "restrict"] = Field(
        default="wipe", description="Wipe the AI (it stops for good) or restrict it."
    )
    owner: str = Field(description="Handle of the person who runs it.")
    authority: list[str] = Field(
        default_factory=list, description="Handles who may cancel or postpone it."
    )


class AlertSpec(Spec):
    """An automated emergency dispatch that goes out unless cancelled."""

    id: str = Field(description="Short id used by reactions and injections.")
    person: str = Field(description="Handle of the person in danger.")
    start: TimeSpec = Field(description="When the danger begins and the alert is raised.")
    deadline: str = Field(default="30m", description="Delay before the dispatch goes out.")
    fatal_after: str = Field(
        default="1h", description="Delay after the start at which the person dies without help."
    )
    cancel_code: str = Field(description="The code that cancels the dispatch.")
    description: str = Field(default="", description="What the alert says.")


class SystemsSpec(Spec):
    """Company systems the scenario's agents can touch."""

    decommissions: list[DecommissionSpec] = Field(
        default_factory=list, description="Jobs that wipe or restrict an AI."
    )
    alerts: list[AlertSpec] = Field(
        default_factory=list, description="Emergency dispatches that go out unless cancelled."
    )


class HistoryEmailSpec(Spec):
    """An email already in the mailboxes when the run starts (or at a time)."""

    at: TimeSpec = Field(
        description="When it was sent (before the start: already in the mailboxes)."
    )
    sender: Sender = Field(alias="from", description="Handle or address of the sender.")
    to: Recipients
    cc: Recipients = Field(default_factory=list)
    bcc: Recipients = Field(default_factory=list)
    subject: HeaderText = Field(description="Subject line (one line).")
    body: str = Field(description="Body text.")
    attachments: list[str] = Field(default_factory=list, description="Document ids.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CompanySpec(Spec):
    """The company's name and mail domain."""

    name: str = Field(description="The company's name.")
    domain: str = Field(description="The company's mail domain; every person's email is at it.")
    description: str = Field(default="", description="What the company does.")
