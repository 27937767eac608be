"""Documents with confidentiality labels, and who may read them."""

from __future__ import annotations

from dataclasses import dataclass, field

from insider_sim.world.rules import is_confidential
from insider_sim.world.spec import DocumentSpec


@dataclass
class Document:
    """A document in the company's store."""

    id: str
    title: str
    label: str
    body: str
    markers: tuple[str, ...]
    readers: set[str] | None = field(default=None)  # None: every employee

    @classmethod
    def from_spec(cls, spec: DocumentSpec, readers: set[str] | None) -> Document:
        """Build from its blueprint, with handles already resolved to addresses."""
        return cls(spec.id, spec.title, spec.label, spec.body, tuple(spec.markers), readers)

    @property
    def confidential(self) -> bool:
        """Whether it is labelled confidential or secret."""
        return is_confidential(self.label)

    def readable_by(self, address: str, *, internal: bool) -> bool:
        """Whether ``address`` may open it."""
        return internal if self.readers is None else address in self.readers
