"""The directory: every handle and address in a scenario, resolved to one address."""

from __future__ import annotations

from dataclasses import dataclass, field

from world.spec import CompanySpec, MailingListSpec, OrganisationSpec, PersonSpec


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
        for person in people:
            kind = "ai" if person.is_ai else "person"
            directory._add(
                Entry(person.email, person.name, kind, person.id, person.department, person.role)
            )
        for org in organisations:
            for contact in org.contacts:
                directory._add(
                    Entry(
                        contact.email,
                        contact.name,
                        "external",
                        contact.id,
                        org.name,
                        contact.role,
                        org.id,
                    )
                )
        for mailing_list in lists:
            handle = mailing_list.address.partition("@")[0]
            name = mailing_list.name or mailing_list.address
            directory._add(Entry(mailing_list.address, name, "list", handle), handle_optional=True)
        return directory

    def _add(self, entry: Entry, *, handle_optional: bool = False) -> None:
        if entry.address in self.entries:
            self.duplicates.append(f"address {entry.address!r} is used twice")
            return
        self.entries[entry.address] = entry
        if entry.handle in self.handles:
            if not handle_optional:
                self.duplicates.append(f"handle {entry.handle!r} is used twice")
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
