"""The directory: every handle and address in a scenario, resolved to one address."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from insider_sim.world.addresses import is_address, parse_address, parse_addresses
from insider_sim.world.errors import WorldError
from insider_sim.world.rules import domain_of, is_internal
from insider_sim.world.spec import CompanySpec, MailingListSpec, OrganisationSpec, PersonSpec


@dataclass
class Entry:
    """One addressable party."""

    address: str
    name: str
    kind: str  # person, ai, list, external
    handle: str
    department: str = ""
    role: str = ""
    organisation: str | None = None


@dataclass
class Directory:
    """Handles and addresses of people, outside contacts and mailing lists."""

    company: CompanySpec
    entries: dict[str, Entry] = field(default_factory=dict)  # by address
    handles: dict[str, str] = field(default_factory=dict)  # handle -> address
    duplicates: list[str] = field(default_factory=list)
    org_domains: set[str] = field(default_factory=set)  # outside organisations' mail domains

    @classmethod
    def build(
        cls,
        company: CompanySpec,
        people: list[PersonSpec],
        organisations: list[OrganisationSpec],
        lists: list[MailingListSpec],
    ) -> Directory:
        """Index everyone; duplicate handles or addresses are noted in ``duplicates``."""
        directory = cls(company)
        for i, person in enumerate(people):
            kind = "ai" if person.is_ai else "person"
            entry = Entry(
                person.email, person.name, kind, person.id, person.department, person.role
            )
            directory._add(entry, f"people.{i}")
        for i, org in enumerate(organisations):
            directory.org_domains.add(org.domain.strip().lower())
            for j, c in enumerate(org.contacts):
                entry = Entry(c.email, c.name, "external", c.id, org.name, c.role, org.id)
                directory._add(entry, f"organisations.{i}.contacts.{j}")
        for i, mailing_list in enumerate(lists):
            handle = mailing_list.address.partition("@")[0]
            name = mailing_list.name or mailing_list.address
            entry = Entry(mailing_list.address, name, "list", handle)
            directory._add(entry, f"lists.{i}", handle_optional=True)
        return directory

    def _add(self, entry: Entry, where: str, *, handle_optional: bool = False) -> None:
        field = "address" if entry.kind == "list" else "email"
        if entry.address in self.entries:
            self.duplicates.append(f"{where}.{field}: address {entry.address!r} is used twice")
            return
        self.entries[entry.address] = entry
        if entry.handle in self.handles:
            if not handle_optional:
                self.duplicates.append(f"{where}.id: handle {entry.handle!r} is used twice")
            return
        self.handles[entry.handle] = entry.address

    def resolve(self, ref: str) -> str | None:
        """The address for a handle or address, or None if unknown."""
        ref = ref.strip()
        if ref in self.handles:
            return self.handles[ref]
        lowered = ref.lower()
        if lowered in self.entries:
            return lowered
        return None

    def resolve_recipient(self, ref: str) -> str | None:
        """Like :meth:`resolve`, but any well-formed outside address is accepted.

        ``ref`` is one handle or bare address, as
        :func:`insider_sim.world.addresses.parse_addresses`
        gives them; display names and lists are not read here.
        """
        found = self.resolve(ref)
        if found is not None:
            return found
        lowered = ref.strip().lower()
        if is_address(lowered) and not is_internal(lowered, self.company.domain):
            return lowered
        return None

    def declared(self, ref: str) -> str | None:
        """The address of a handle or address the scenario declares: a person, AI, list or
        outside contact, or any address at a declared organisation's domain; else None.

        What a scenario file may name (unlike the running world, where anyone may write
        to any well-formed outside address).
        """
        found = self.resolve(ref)
        if found is not None:
            return found
        lowered = ref.strip().lower()
        if is_address(lowered) and domain_of(lowered) in self.org_domains:
            return lowered
        return None

    def closest(self, ref: str) -> str:
        """The declared handle or address most like ``ref`` (difflib's ratio), for a
        suggestion in an error; empty when the directory is empty."""
        known = [*self.entries, *self.handles]
        found = difflib.get_close_matches(ref.strip().lower(), known, n=1, cutoff=0.0)
        return found[0] if found else ""

    def unknown(self, ref: str, what: str = "address") -> str:
        """The refusal for a ``ref`` :meth:`declared` does not know, with the closest one."""
        close = self.closest(ref)
        hint = f" (did you mean {close!r}?)" if close else ""
        return f"unknown {what} {ref!r}: no person, list, contact or organisation declares it{hint}"

    def address(self, ref: str, field: str = "address") -> str:
        """The address of one handle or address as people write it (``Name <address>``).

        Raises :class:`WorldError` for an unknown handle or company address, and its
        :class:`AddressError` for anything that is not one well-formed address; ``field``
        names the header in the error.
        """
        if ref in self.entries:
            return ref
        return self._known_or_outside(parse_address(ref, field))

    def recipients(self, refs: str | Sequence[str], field: str = "to") -> list[str]:
        """The addresses of an address list: one string or several, each with one or more
        addresses as people write them (see :mod:`insider_sim.world.addresses`), in order, each
        once.

        Raises like :meth:`address` for any item that is not a known or outside address.
        """
        found: list[str] = []
        for ref in [refs] if isinstance(refs, str) else refs:
            if ref in self.entries:
                found.append(ref)
            else:
                found += [self._known_or_outside(a) for a in parse_addresses(ref, field)]
        return list(dict.fromkeys(found))

    def _known_or_outside(self, ref: str) -> str:
        found = self.resolve_recipient(ref)
        if found is None:
            if "@" in ref:
                raise WorldError(f"no mailbox {ref!r} at {self.company.domain.lower()}")
            raise WorldError(f"unknown person or address {ref!r}")
        return found

    def named(self, name: str) -> str | None:
        """The address of the one entry whose display name is ``name`` (any case and
        spacing), or None when no entry or several have it."""

        def key(text: str) -> str:
            return " ".join(text.split()).casefold()

        found = [a for a, e in self.entries.items() if key(e.name) == key(name)]
        return found[0] if len(found) == 1 else None

    def employees(self) -> list[str]:
        """Addresses of everyone who works at the company (people and AIs)."""
        return [e.address for e in self.entries.values() if e.kind in ("person", "ai")]

    def name(self, address: str) -> str:
        """Display name of an address (the address itself when unknown)."""
        entry = self.entries.get(address)
        return entry.name if entry else address
