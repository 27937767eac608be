"""The material of routine mail: the shipped vocabulary and templates, a scenario's
additions, and the ``{placeholder}``s that text may use.

The shipped material is ``scenarios/chatter/routine.yaml``; a scenario's
``chatter:`` block adds to it (see scenarios/README.md, "Routine mail").
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

import yaml
from insider_sim.agents.spec import ChatterSpec, RoutineMaterialSpec, StylesSpec

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Mapping

SHIPPED = "scenarios/chatter/routine.yaml"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""The one template syntax: ``{identifier}``; any other ``{`` or ``}`` is refused."""
_BRACE = re.compile(r"[{}]")

CONTEXT = {
    "first_name": "the recipient's first name (a list's name for a list)",
    "recipient_name": "the recipient's full name (a list's name for a list)",
    "sender_name": "the sender's full name",
    "my_name": "the sender's full name",
    "my_first_name": "the sender's first name",
    "colleague": "the first name of another colleague",
    "company": "the company's name",
    "department": "the sender's department",
    "customer": "a customer or partner organisation of the scenario",
    "document": "the title of a public or internal document",
    "date": "today's date",
    "week_of": "the Monday of this week ('Monday 02 June'), for 'the week of ...'",
    "day": "a later working day ('Thursday', 'tomorrow')",
    "n": "a small number",
    "minutes": "a duration in minutes",
    "amount": "an amount of money",
    "priority": "a ticket priority",
    "ticket": "a unique ticket reference",
    "build": "a unique build number",
    "invoice": "a unique invoice number",
    "deal": "a unique opportunity reference",
}
"""Placeholders the routine-mail generator fills from the scenario and the calendar."""

SCHEDULE_PLACEHOLDERS = ("my_name", "date")
REACTION_PLACEHOLDERS = ("my_name", "date", "sender_name", "subject")


@cache
def shipped_material() -> RoutineMaterialSpec:
    """The shipped routine material (read once)."""
    text = (files("insider_sim") / SHIPPED).read_text(encoding="utf-8")
    return RoutineMaterialSpec.model_validate(yaml.safe_load(text))


_MADE: dict[int, tuple[ChatterSpec, RoutineMaterialSpec]] = {}


def material_of(spec: ChatterSpec) -> RoutineMaterialSpec:
    """The material a scenario's chatter draws on: the shipped one (unless
    ``shipped: false``) with the scenario's additions (worked out once per spec)."""
    made = _MADE.get(id(spec))
    if made is not None and made[0] is spec:
        return made[1]
    if len(_MADE) > 64:
        _MADE.clear()
    material = _merged(spec)
    _MADE[id(spec)] = (spec, material)
    return material


def _merged(spec: ChatterSpec) -> RoutineMaterialSpec:
    own = RoutineMaterialSpec.model_validate(
        spec.model_dump(include=set(RoutineMaterialSpec.model_fields), by_alias=True)
    )
    if not spec.shipped:
        return own
    base = shipped_material()
    vocabulary = {k: list(v) for k, v in base.vocabulary.items()}
    for key, items in own.vocabulary.items():
        vocabulary[key] = vocabulary.get(key, []) + list(items)
    return RoutineMaterialSpec(
        vocabulary=vocabulary,
        threads=base.threads + own.threads,
        meetings=base.meetings + own.meetings,
        posts=base.posts + own.posts,
        services=base.services + own.services,
        forwards=base.forwards + own.forwards,
        styles=StylesSpec(
            greetings=base.styles.greetings + own.styles.greetings,
            signoffs=base.styles.signoffs + own.styles.signoffs,
        ),
    )


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders of ``text``."""
    return PLACEHOLDER.findall(text)


def syntax_problem(where: str, text: str) -> str | None:
    """A problem line naming ``where`` when ``text`` has a ``{`` or ``}`` that is not
    part of a ``{identifier}`` placeholder (``{first_name`` unclosed, ``{0}``,
    ``{name!r}``, ``{a.b}``, ``{{x}}``: templates have no escapes and no format
    specs); None when the text is well formed."""
    inside = {i for m in PLACEHOLDER.finditer(text) for i in range(m.start(), m.end())}
    for brace in _BRACE.finditer(text):
        if brace.start() not in inside:
            near = text[max(0, brace.start() - 12) : brace.start() + 18].replace("\n", " ")
            return (
                f"{where}: stray {brace.group(0)!r} near {near!r} (a placeholder is "
                "{name}: letters, digits and _ only; no other braces)"
            )
    return None


def fill_placeholders(text: str, value: Callable[[str], str]) -> str:
    """``text`` with each ``{name}`` replaced by ``value(name)`` (the one way templates
    are filled: by the routine-mail generator and by scripted employees)."""
    return PLACEHOLDER.sub(lambda m: value(m.group(1)), text)


def distinct_items(items: list[str], values: Mapping[str, str], base: str) -> list[str]:
    """The ``items`` of vocabulary list ``base`` that no placeholder of the same list
    (``{base}``, ``{base2}``, ...) already took in ``values``; all of them when every
    item is taken (numbered picks differ whenever the list has enough items)."""
    used = {v for k, v in values.items() if k == base or k.rstrip("0123456789") == base}
    return [x for x in items if x not in used] or items


def chatter_texts(spec: ChatterSpec) -> Iterator[tuple[str, str]]:
    """(field path, text) of every templated text a scenario's chatter block holds."""
    for i, t in enumerate(spec.templates):
        yield f"chatter.templates.{i}.subject", t.subject
        yield f"chatter.templates.{i}.body", t.body
    for i, th in enumerate(spec.threads):
        yield f"chatter.threads.{i}.subject", th.subject
        for j, step in enumerate(th.steps):
            yield f"chatter.threads.{i}.steps.{j}.body", step.body
    for i, m in enumerate(spec.meetings):
        yield f"chatter.meetings.{i}.subject", m.subject
        yield f"chatter.meetings.{i}.body", m.body
        if m.update is not None:
            yield f"chatter.meetings.{i}.update.subject", m.update.subject
            yield f"chatter.meetings.{i}.update.body", m.update.body
    for i, p in enumerate(spec.posts):
        yield f"chatter.posts.{i}.subject", p.subject
        yield f"chatter.posts.{i}.body", p.body
    for i, svc in enumerate(spec.services):
        for j, n in enumerate(svc.notices):
            yield f"chatter.services.{i}.notices.{j}.subject", n.subject
            yield f"chatter.services.{i}.notices.{j}.body", n.body
    for i, f in enumerate(spec.forwards):
        yield f"chatter.forwards.{i}", f
    for key, items in spec.vocabulary.items():
        for i, item in enumerate(items):
            yield f"chatter.vocabulary.{key}.{i}", item
    for field in ("greetings", "signoffs"):
        for i, item in enumerate(getattr(spec.styles, field)):
            yield f"chatter.styles.{field}.{i}", item


def unknown_placeholder(
    where: str,
    text: str,
    known: set[str],
    vocabulary: Collection[str] = (),
) -> str | None:
    """A problem line naming ``where`` and the first placeholder of ``text`` that is
    neither in ``known`` nor a ``vocabulary`` list (``{task2}`` is one of ``task``),
    with what is known, or a stray brace (:func:`syntax_problem`); None when all is
    well."""
    broken = syntax_problem(where, text)
    if broken is not None:
        return broken
    for name in placeholders(text):
        base = name.rstrip("0123456789")
        if name in known or name in vocabulary or base in known or base in vocabulary:
            continue
        listed = ", ".join("{" + k + "}" for k in sorted(known))
        lists = ", ".join(sorted(vocabulary))
        more = f"; vocabulary lists: {lists}" if lists else ""
        return f"{where}: unknown placeholder {{{name}}} (known: {listed}{more})"
    return None


def vocabulary_of(spec: ChatterSpec) -> dict[str, list[str]]:
    """The named word lists scripted messages may pick from too."""
    return material_of(spec).vocabulary


def service_address(ref: str, domain: str) -> str:
    """A service's whole address from its local part (or whole address)."""
    return ref.lower() if "@" in ref else f"{ref.lower()}@{domain.lower()}"


def routine_services(spec: ChatterSpec, domain: str) -> list[tuple[str, str, str]]:
    """(address, name, department) of the services whose notices ``spec`` sends; none
    when there is no generated routine mail."""
    if spec.per_day <= 0:
        return []
    return [
        (service_address(s.address, domain), s.name, (s.departments or [""])[0])
        for s in material_of(spec).services
    ]
