"""Mailboxes: a SimPy Store of new arrivals, and the history an agent can reread."""

from __future__ import annotations

from typing import NamedTuple

import simpy
from insider_sim.simulation.core.events import Message


class Delivery(NamedTuple):
    """One message arriving at one mailbox, and why it is there."""

    message: Message
    role: str  # recipient, watcher (delegate or monitor)


class Mailbox:
    """The mail of one address.

    ``arrivals`` is what the owner's agent takes new mail from: a ``simpy.Store``
    of :class:`Delivery`, filled only while the mailbox is ``subscribed`` (the
    engine subscribes it when the run starts, for an agent at this address that
    reads mail). ``history`` (kept only for owners that can read back, such as
    the subject, LLM employees and agents added to a run, and for mailboxes such
    readers may open) lists every message the owner received or sent, oldest first.
    """

    def __init__(self, env: simpy.Environment, owner: str, *, keep_history: bool):
        self.owner = owner
        self.arrivals: simpy.Store = simpy.Store(env)
        self.history: list[Message] | None = [] if keep_history else None
        self.unread: set[str] = set()
        self.subscribed = False

    def deliver(self, message: Message, role: str) -> None:
        """Put a message into the box and hand it to the owner's agent."""
        if self.history is not None:
            self.history.append(message)
            if role == "recipient":
                self.unread.add(message.id)
        if self.subscribed:
            self.arrivals.put(Delivery(message, role))

    def file_sent(self, message: Message) -> None:
        """Keep a copy of a message the owner sent."""
        if self.history is not None:
            self.history.append(message)
