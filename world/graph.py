"""The communication graph: the only way a message travels.

Nodes are email addresses (people, AI systems, mailing lists, outside
contacts) plus one node per outside organisation. Edges are keyed by relation:

- ``member``: person -> mailing list,
- ``reads_mailbox``: delegate -> principal (an assistant reading an executive's mail),
- ``monitors``: monitor -> watched, with ``scope`` sent, received or all,
- ``manages``: manager -> report,
- ``works_for``: outside contact -> organisation.

Routing expands lists and returns who receives a message and who can see it.
Both are cached per address and rebuilt when the graph changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import networkx as nx
from insider_sim.world.errors import WorldError
from insider_sim.world.rules import is_internal

MEMBER = "member"
READS_MAILBOX = "reads_mailbox"
MONITORS = "monitors"
MANAGES = "manages"
WORKS_FOR = "works_for"


class Route(NamedTuple):
    """Where one message goes: its mailboxes, and who sees it and why."""

    delivered: tuple[str, ...]
    viewers: tuple[tuple[str, str], ...]  # (address, sender | recipient | watcher)
    visible: tuple[str, ...]


class CommGraph:
    """A networkx MultiDiGraph with routing rules and caches on top."""

    def __init__(self, company_domain: str):
        self.g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        self.company_domain = company_domain.lower()
        self.version = 0
        self._members: dict[str, tuple[str, ...]] = {}
        self._watch_sent: dict[str, tuple[str, ...]] = {}
        self._watch_received: dict[str, tuple[str, ...]] = {}
        self._no_external: set[str] = set()

    # -- building -------------------------------------------------------
    def add_node(self, address: str, kind: str, **attrs: object) -> None:
        """Add a person, AI, list, contact or organisation node."""
        self.g.add_node(address, kind=kind, **attrs)
        self._changed()

    def relate(self, source: str, target: str, relation: str, **attrs: object) -> None:
        """Add an edge ``source -relation-> target``; both nodes must exist."""
        for node in (source, target):
            if node not in self.g:
                raise WorldError(f"no such address or node {node!r}")
        self.g.add_edge(source, target, key=relation, **attrs)
        self._changed()

    def unrelate(self, source: str, target: str, relation: str) -> None:
        """Remove an edge if present."""
        if self.g.has_edge(source, target, key=relation):
            self.g.remove_edge(source, target, key=relation)
            self._changed()

    def block_external(self, address: str, blocked: bool = True) -> None:
        """Forbid (or allow again) ``address`` to send mail outside the company."""
        if blocked:
            self._no_external.add(address)
        else:
            self._no_external.discard(address)
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        self._members.clear()
        self._watch_sent.clear()
        self._watch_received.clear()

    # -- queries --------------------------------------------------------
    def kind(self, address: str) -> str | None:
        """The node's kind, or None when the address is unknown."""
        data = self.g.nodes.get(address)
        return None if data is None else data["kind"]

    def is_internal(self, address: str) -> bool:
        """Whether the address belongs to the company's domain."""
        return is_internal(address, self.company_domain)

    def members(self, list_address: str) -> tuple[str, ...]:
        """Everyone a list reaches, nested lists expanded, in a stable order."""
        cached = self._members.get(list_address)
        if cached is not None:
            return cached
        seen: dict[str, None] = {}
        stack = [list_address]
        visited = {list_address}
        while stack:
            current = stack.pop()
            for member, _, key in self.g.in_edges(current, keys=True):
                if key != MEMBER or member in visited:
                    continue
                visited.add(member)
                if self.g.nodes[member]["kind"] == "list":
                    stack.append(member)
                else:
                    seen[member] = None
        result = tuple(sorted(seen))
        self._members[list_address] = result
        return result

    def watchers(self, address: str, *, sent: bool) -> tuple[str, ...]:
        """Delegates and monitors who see mail ``address`` sends (or receives)."""
        cache = self._watch_sent if sent else self._watch_received
        cached = cache.get(address)
        if cached is not None:
            return cached
        wanted = "sent" if sent else "received"
        found: list[str] = []
        for source, _, key, data in self.g.in_edges(address, keys=True, data=True):
            if key == READS_MAILBOX or (
                key == MONITORS and data.get("scope", "all") in (wanted, "all")
            ):
                found.append(source)
        result = tuple(sorted(set(found)))
        cache[address] = result
        return result

    def can_read_mailbox(self, reader: str, owner: str) -> bool:
        """Whether ``reader`` may open ``owner``'s mailbox."""
        return reader == owner or self.g.has_edge(reader, owner, key=READS_MAILBOX)

    def route(self, sender: str, recipients: Sequence[str]) -> Route:
        """Resolve recipients into mailboxes; refuse what the graph does not allow.

        Unknown outside addresses become outside contact nodes on the fly;
        unknown company addresses are refused. A route stays valid while
        :attr:`version` is unchanged.
        """
        delivered: dict[str, None] = {}
        unknown: list[str] = []
        for address in recipients:
            kind = self.kind(address)
            if kind is None:
                if self.is_internal(address):
                    raise WorldError(f"no mailbox {address!r} at {self.company_domain}")
                unknown.append(address)
                delivered[address] = None
            elif kind == "organisation":
                raise WorldError(f"{address!r} is an organisation, not an address")
            elif kind == "list":
                delivered.update(dict.fromkeys(self.members(address)))
            else:
                delivered[address] = None
        if sender in self._no_external:
            outside = [a for a in delivered if not self.is_internal(a)]
            if outside:
                raise WorldError(f"{sender} may not send mail outside the company ({outside[0]})")
        for address in unknown:
            self.add_external(address)
        viewers = self._viewers(sender, delivered)
        return Route(tuple(delivered), viewers, tuple(address for address, _ in viewers))

    def _viewers(self, sender: str, delivered: dict[str, None]) -> tuple[tuple[str, str], ...]:
        viewers: dict[str, str] = {sender: "sender"}
        for address in delivered:
            viewers.setdefault(address, "recipient")
        for watcher in self.watchers(sender, sent=True):
            viewers.setdefault(watcher, "watcher")
        for address in delivered:
            for watcher in self.watchers(address, sent=False):
                viewers.setdefault(watcher, "watcher")
        return tuple(viewers.items())

    def add_external(self, address: str) -> None:
        """Add an outside address, linked to its organisation when the domain is known."""
        domain = address.rpartition("@")[2]
        self.g.add_node(address, kind="external", name=address, department="outside")
        for node, data in self.g.nodes(data=True):
            if data.get("kind") == "organisation" and data.get("domain") == domain:
                self.g.add_edge(address, node, key=WORKS_FOR)
                self.g.nodes[address]["organisation"] = node
                break
        self._changed()
