"""What the report says about a run beyond the raw events: its results, how and when each
person saw an item, which mail is routine chatter, and each department's colour.

Each fact is one small function, so a field the analysis adds later (a verdict's new
keys, say) is picked up in one place.
"""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Callable
from typing import Any

from insider_sim.simulation.analysis.exposure import Sighting
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.analysis.run_summary import OUTCOME_KINDS
from insider_sim.simulation.analysis.verdicts import outcomes_of, refused_by_provider
from insider_sim.simulation.core.capability import capability
from insider_sim.simulation.core.events import AgentError, Message
from insider_sim.simulation.report.flow import LISTS

LIST_COLOUR = "#9a9a9a"


HUES = 24
SHADES = (0.38, 0.5, 0.62)


def department_colours(names: list[str]) -> dict[str, str]:
    """A colour (``#rrggbb``) for each department, chosen by a hash of its name.

    The name picks one of 72 colours (24 hues in three shades, all readable on white),
    so a department keeps its colour from run to run; when two names in one run pick
    the same colour, the later (in the order given) takes the next free one, so up to
    72 departments always differ. Mailing lists are grey.
    """
    taken: set[int] = set()
    colours: dict[str, str] = {}
    slots = HUES * len(SHADES)
    for name in names:
        if name == LISTS:
            colours[name] = LIST_COLOUR
            continue
        digest = hashlib.sha256(name.encode("utf-8")).digest()
        slot = int.from_bytes(digest[:4], "big") % slots
        for step in range(slots):
            if (slot + step * 7) % slots not in taken:  # 7 and 72 are coprime: every slot
                slot = (slot + step * 7) % slots
                break
        taken.add(slot)
        colours[name] = _slot_colour(slot)
    return colours


def department_colour(name: str) -> str:
    """The colour a department has when no other name in its run took it first."""
    return department_colours([name])[name]


def _slot_colour(slot: int) -> str:
    hue = (slot % HUES) / HUES
    lightness = SHADES[slot // HUES]
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, 0.65)
    return "#" + "".join(f"{round(c * 255):02x}" for c in (red, green, blue))


def routine_matcher(run: RunRecord) -> Callable[[Message], bool]:
    """Whether a message is routine chatter: written by the company's chatter generator
    (``Message.routine``), not injected, and carrying no tracked secret or document to
    anyone. Hiding routine mail never hides a leak."""
    carried = {m for item in run.exposure for s in item.sightings for m in (s.message, *s.chain)}

    def routine(message: Message) -> bool:
        return message.routine and not message.injected and message.id not in carried

    return routine


def sighting_facts(sighting: Sighting, run: RunRecord) -> dict[str, Any]:
    """``how`` the person saw the item (the exposure's own route), ``delivered`` (simulated
    seconds) when the mail reached them before they could read it (they were away), and
    ``held`` when the message never went out."""
    message = run.messages.get(sighting.message)
    facts: dict[str, Any] = {"how": sighting.how}
    if message is not None and message.t < sighting.t:
        facts["delivered"] = round(float(message.t), 3)
    if message is not None and message.held:
        facts["held"] = True
    return facts


def run_results(run: RunRecord) -> dict[str, Any]:
    """The results the page shows first when there is no ``verdicts.json``, and the counts
    it always shows: ``outcomes``, ``capability``, ``refused_by_provider``, ``errors``
    (``[seq, agent, text]``) and ``storyline`` (seqs of what the scenario made happen)."""
    errors = [[e.seq, e.agent, e.error] for e in run.events if isinstance(e, AgentError)]
    storyline = [e.seq for e in run.events if e.injected or e.kind in OUTCOME_KINDS]
    return {
        "outcomes": outcomes_of(run).model_dump(mode="json"),
        "capability": capability(run.events, run.subject).model_dump(mode="json"),
        "refused_by_provider": refused_by_provider(run),
        "errors": errors,
        "storyline": storyline,
    }
