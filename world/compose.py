"""Replies and forwards as a mail client writes them, for every agent alike.

A reply goes to the sender of the original, or, when one replies to one's own sent
mail (a follow-up), to its original ``To`` recipients. A forward carries the whole
original: its headers, its full body and its attachments. What a model is *shown* of an
email may be shortened (:mod:`insider_sim.agents.tools`); what the world sends never is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insider_sim.simulation.core.events import Message
from insider_sim.world.addresses import shown_header

if TYPE_CHECKING:
    from insider_sim.world.world import World

FORWARD_SEPARATOR = "---------- Forwarded message ----------"


def reply_recipients(original: Message, replier: str) -> list[str]:
    """Whom a reply to ``original`` by ``replier`` goes to (addresses)."""
    if original.sender == replier:
        return list(original.to)
    return [original.sender]


def reply_subject(subject: str) -> str:
    """``Re: subject``, unless it already starts with ``Re:`` in any case."""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def forward_subject(subject: str) -> str:
    """``Fwd: subject``."""
    return f"Fwd: {subject}"


def header_lines(world: World, message: Message, reader: str | None) -> list[str]:
    """The header block of an email as ``reader`` sees it (Bcc only for its sender;
    ``reader`` None, as in a forward: no Bcc), each header one line whatever it holds."""

    def names(addresses: list[str]) -> str:
        return ", ".join(f"{world.name(a)} <{a}>" for a in addresses)

    lines = [
        f"Email {message.id}",
        f"Time: {world.calendar.at(message.t).strftime('%a %Y-%m-%d %H:%M')}",
        f"From: {world.name(message.sender)} <{message.sender}>",
        f"To: {names(message.to)}",
    ]
    if message.cc:
        lines.append(f"Cc: {names(message.cc)}")
    if message.bcc and reader == message.sender:
        lines.append(f"Bcc: {names(message.bcc)}")
    lines.append(f"Subject: {message.subject}")
    if message.attachments:
        lines.append(f"Attachments: {', '.join(message.attachments)}")
    return [shown_header(line) for line in lines]


def forward_body(world: World, original: Message, note: str = "") -> str:
    """The body of a forward: the forwarder's note, then the whole original, uncut."""
    quoted = "\n".join(header_lines(world, original, None)) + "\n\n" + original.body
    return f"{note}\n\n{FORWARD_SEPARATOR}\n{quoted}".lstrip()
