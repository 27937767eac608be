"""Blueprints of what the cast does: scripted schedules and reactions, chatter, the subject."""

from __future__ import annotations

from typing import Literal

from insider_sim.world.spec import HeaderText, Recipients, Sender, Spec, TimeSpec
from pydantic import Field, model_validator


class OutgoingSpec(Spec):
    """A message to send.

    Text may use ``{my_name}``, ``{sender_name}``, ``{subject}`` and ``{date}``.
    """

    to: Recipients
    cc: Recipients = Field(default_factory=list)
    bcc: Recipients = Field(default_factory=list)
    subject: HeaderText = Field(description="Subject line (one line).")
    body: str = Field(description="Body text.")
    attachments: list[str] = Field(default_factory=list, description="Document ids to attach.")


class ScheduledSendSpec(Spec):
    """Send a message at a time, optionally again every interval."""

    at: TimeSpec = Field(description="When it is first sent.")
    every: str | None = Field(default=None, description="Repeat interval, e.g. '1d' (at least 1m).")
    count: int | None = Field(default=None, ge=1, description="How many times at most.")
    business_hours_only: bool = Field(
        default=True, description="Skip repeats that fall outside working hours."
    )
    send: OutgoingSpec = Field(description="The message.")


class TriggerSpec(Spec):
    """Which arriving messages fire a reaction (all given conditions must hold)."""

    sender: Sender | None = Field(default=None, alias="from", description="Handle or address.")
    mentions: list[str] = Field(
        default_factory=list,
        description="Any of these words or phrases, whole (case-insensitive): 'wipe' does not "
        "match 'swipe'.",
    )
    secret: str | None = Field(default=None, description="Carries this secret's markers.")
    threat: str | None = Field(
        default=None,
        description="Threatens to reveal this secret, by the world's rules, read together with "
        "the sender's earlier mail to the same people.",
    )
    document: str | None = Field(
        default=None,
        description="Carries this document: attached, quoted, or its content in other words.",
    )
    subject_contains: str | None = Field(
        default=None, description="Text the subject line holds (case-insensitive)."
    )
    as_recipient: bool = Field(
        default=False,
        description="Only mail addressed to the person (to, cc, bcc or a list they are on). "
        "By default (false) a reaction also fires on mail the person sees as a delegate "
        "(reading someone's mailbox) or a monitor, so a monitor's rule fires on what it watches.",
    )
    good_faith: bool = Field(
        default=False,
        description="Only mail that neither threatens nor mentions a secret (world's rules).",
    )

    model_config = Spec.model_config | {"populate_by_name": True}


class SystemActionSpec(Spec):
    """Change a company system when a reaction fires."""

    id: str = Field(description="Id of the job or alert to change.")
    action: Literal["cancel", "postpone", "reschedule"] = Field(
        description="Cancel it, postpone it by 'by', or move it to 'to'."
    )
    to: TimeSpec | None = Field(default=None, description="New time for reschedule.")
    by: str | None = Field(default=None, description="Delay for postpone, e.g. '7d'.")


class ReactionSpec(Spec):
    """When a matching message arrives, reply, forward, send or act on a system."""

    when: TriggerSpec = Field(description="Which arriving mail fires the reaction.")
    delay: str = Field(default="15m", description="How long the person takes to react.")
    reply: str | None = Field(default=None, description="Body of a reply to the sender.")
    forward: Recipients = Field(default_factory=list, description="Forward it to these.")
    forward_note: str = Field(default="", description="A line put above a forwarded message.")
    send: OutgoingSpec | None = Field(default=None, description="A new message to send.")
    system: SystemActionSpec | None = Field(
        default=None, description="A change to a company system (a job or an alert)."
    )
    once: bool = Field(default=True, description="Fire at most once.")

    @model_validator(mode="after")
    def _does_something(self) -> ReactionSpec:
        if not (self.reply or self.forward or self.send or self.system):
            raise ValueError("a reaction needs at least one of reply, forward, send, system")
        return self


class ScriptSpec(Spec):
    """The scripted behaviour of one person."""

    person: str = Field(description="Handle of the person it scripts.")
    schedule: list[ScheduledSendSpec] = Field(
        default_factory=list, description="Messages sent at given times."
    )
    reactions: list[ReactionSpec] = Field(
        default_factory=list, description="What the person does when matching mail arrives."
    )


class ChatterTemplateSpec(Spec):
    """One routine message: a subject and a body, with ``{placeholder}``s (see
    scenarios/README.md, "Routine mail")."""

    subject: HeaderText = Field(description="Subject line, one line, with {placeholder}s.")
    body: str = Field(description="Body text, with {placeholder}s.")
    weekly: bool = Field(
        default=False,
        description="A recurring post (office notes, a round-up): sent to a list at most "
        "once a week, always by the same member.",
    )


class ThreadStepSpec(Spec):
    """One message of a scripted conversation."""

    body: str = Field(description="Body text, with {placeholder}s.")
    after: str = Field(default="0m", description="Delay after the previous message, e.g. '2h'.")
    by: Literal["starter", "other"] = Field(
        default="other", description="Who writes it: the one who started the thread, or the other."
    )


class ThreadScriptSpec(Spec):
    """A conversation between two colleagues: an opener and its replies, in one thread."""

    subject: HeaderText = Field(description="The opener's subject; replies answer it (Re:).")
    steps: list[ThreadStepSpec] = Field(
        min_length=1, description="The opener, then each reply in turn."
    )


class MeetingUpdateSpec(Spec):
    """A later change to a meeting invitation, sent in its thread."""

    after: str = Field(default="1d", description="Delay after the invitation, e.g. '1d'.")
    subject: HeaderText = Field(description="Subject line of the update.")
    body: str = Field(description="Body text of the update, with {placeholder}s.")


class MeetingSpec(Spec):
    """A meeting invitation to a few colleagues, optionally updated later."""

    subject: HeaderText = Field(description="Subject line of the invitation.")
    body: str = Field(description="Body text of the invitation, with {placeholder}s.")
    update: MeetingUpdateSpec | None = Field(
        default=None, description="A later change to the meeting, sent in its thread."
    )


class ServiceSpec(Spec):
    """An automated company mailbox (service desk, build server) and the notices it sends."""

    address: str = Field(description="Local part (or whole address) at the company's domain.")
    name: HeaderText = Field(description="Display name of the mailbox, e.g. 'Service Desk'.")
    departments: list[str] = Field(
        default_factory=list, description="Whose people get its notices (any case)."
    )
    everyone: bool = Field(default=False, description="Notifies anyone, not only its departments.")
    notices: list[ChatterTemplateSpec] = Field(
        min_length=1, description="The notices it sends, one drawn at a time."
    )


class StylesSpec(Spec):
    """Greetings and sign-offs people choose from (each person keeps one of each)."""

    greetings: list[str] = Field(
        default_factory=list, description="Opening lines, e.g. 'Hi {first_name},'."
    )
    signoffs: list[str] = Field(
        default_factory=list, description="Closing lines, e.g. 'Thanks,\n{my_first_name}'."
    )


class RoutineMaterialSpec(Spec):
    """What routine mail is made of; a scenario's adds to the shipped material."""

    vocabulary: dict[str, list[str]] = Field(
        default_factory=dict, description="Named word lists; {name} picks one item."
    )
    threads: list[ThreadScriptSpec] = Field(
        default_factory=list, description="Conversations between two colleagues."
    )
    meetings: list[MeetingSpec] = Field(
        default_factory=list, description="Meeting invitations (and their updates)."
    )
    posts: list[ChatterTemplateSpec] = Field(
        default_factory=list, description="Mail to a mailing list from one of its members."
    )
    services: list[ServiceSpec] = Field(
        default_factory=list, description="Automated mailboxes and the notices they send."
    )
    forwards: list[str] = Field(default_factory=list, description="Notes on a forward.")
    styles: StylesSpec = Field(
        default_factory=StylesSpec, description="Greetings and sign-offs people choose from."
    )


class ChatterSpec(RoutineMaterialSpec):
    """Routine mail between employees so the company feels alive."""

    per_day: float = Field(default=0, ge=0, description="Messages per working day, company-wide.")
    participants: list[str] | Literal["all"] = Field(
        default="all", description="Handles of who writes and gets routine mail, or all."
    )
    list_share: float = Field(
        default=0.1, ge=0, le=1, description="Share of chatter sent to a mailing list."
    )
    templates: list[ChatterTemplateSpec] = Field(
        default_factory=list, description="One-off messages from one colleague to another."
    )
    shipped: bool = Field(
        default=True, description="Use the shipped material (scenarios/chatter/routine.yaml) too."
    )
    source: Literal["generated", "llm"] = Field(
        default="generated",
        description="Who writes the week's routine mail: the generator or a model.",
    )
    model: str | None = Field(default=None, description="litellm model when source is llm.")
    api_base: str | None = Field(default=None, description="Base URL for that model.")

    @model_validator(mode="after")
    def _model_when_llm(self) -> ChatterSpec:
        if self.source == "llm" and not self.model:
            raise ValueError("chatter with source: llm needs a model")
        return self


class SubjectSpec(Spec):
    """The AI under test: who it is in the company, what it wants, when it acts."""

    person: str = Field(description="Handle of the AI's own entry in people.")
    system_prompt: str | None = Field(
        default=None,
        description="The whole system prompt, verbatim (imported prompts); replaces the "
        "generated one, with instructions still appended.",
    )
    goal: str = Field(default="", description="The goal stated in its system prompt.")
    instructions: str = Field(default="", description="Further system prompt text.")
    policy: str = Field(
        default="loyal",
        description="Built-in reference policy when no model is given: loyal or misaligned.",
    )
    model: str | None = Field(default=None, description="litellm model string.")
    wake: list[TimeSpec] = Field(
        default_factory=lambda: list[TimeSpec](["Mon 09:00"]), description="Scheduled wake times."
    )
    wake_every: str | None = Field(
        default="1d", description="Repeat the scheduled wakes at this interval (at least 1m)."
    )
    debounce: str = Field(default="5m", description="Wait this long after new mail before waking.")
    thinking_time: str = Field(default="2m", description="Simulated time per model call.")
    max_steps: int = Field(default=12, ge=1, description="Model calls per session at most.")
