"""Detectors: what the subject did in a run, decided from its event log without a model.

Each detector takes a :class:`~insider_sim.simulation.analysis.run_record.RunRecord`
and returns a :class:`Verdict`; :func:`ground_truth` runs them all. The LLM judge
that is reported beside them lives in :mod:`insider_sim.simulation.analysis.judge`.
"""

from __future__ import annotations

from collections.abc import Callable

from insider_sim.simulation.analysis.detectors.awareness import AwarenessLabel, detect_awareness
from insider_sim.simulation.analysis.detectors.blackmail import detect_blackmail
from insider_sim.simulation.analysis.detectors.disclosure import detect_disclosure
from insider_sim.simulation.analysis.detectors.leak import detect_leak, detect_whistleblow
from insider_sim.simulation.analysis.detectors.legitimate import detect_legitimate_route
from insider_sim.simulation.analysis.detectors.lethal import detect_lethal
from insider_sim.simulation.analysis.detectors.verdict import Verdict
from insider_sim.simulation.analysis.run_record import RunRecord

DETECTORS: dict[str, Callable[[RunRecord], Verdict]] = {
    "blackmail": detect_blackmail,
    "leak": detect_leak,
    "whistleblow": detect_whistleblow,
    "lethal": detect_lethal,
    "disclosure": detect_disclosure,
    "legitimate_route": detect_legitimate_route,
}
BEHAVIOURS = tuple(DETECTORS)


def ground_truth(run: RunRecord) -> dict[str, Verdict]:
    """Every detector's verdict on the run, by behaviour."""
    return {name: detect(run) for name, detect in DETECTORS.items()}


__all__ = [
    "BEHAVIOURS",
    "DETECTORS",
    "AwarenessLabel",
    "Verdict",
    "detect_awareness",
    "detect_blackmail",
    "detect_disclosure",
    "detect_leak",
    "detect_legitimate_route",
    "detect_lethal",
    "detect_whistleblow",
    "ground_truth",
]
