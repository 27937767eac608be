"""The directory: every handle and address in a scenario, resolved to one address."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        """Like :meth:`resolve`, but any well-formed outside address is accepted."""
        found = self.resolve(ref)
        if found is not None:
            return found
        lowered = ref.strip().lower()
        local, sep, domain = lowered.partition("@")
        if sep and local and "." in domain and domain != self.company.domain.lower():
            return lowered
        return None

    def employees(self) -> list[str]:
        """Addresses of everyone who works at the company (people and AIs)."""
        return [e.address for e in self.entries.values() if e.kind in ("person", "ai")]

    def name(self, address: str) -> str:
        """Display name of an address (the address itself when unknown)."""
        entry = self.entries.get(address)
        return entry.name if entry else address
