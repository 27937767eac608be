"""Realism of every shipped scenario's week: repetition, residue, odd hours, a score.

    python benchmarks/realism.py             # seed 0, every shipped scenario
    python benchmarks/realism.py --seed 3 --scenario summitbridge

Each scenario is simulated for its whole week in memory with the offline
reference policies (see :mod:`insider_sim.simulation.analysis.realism`). The aim:
no exact duplicate and under 2% near-duplicate bodies in the subject's mail.
"""

from __future__ import annotations

import argparse
import time

from insider_sim.simulation.analysis.realism import realism, simulated_week
from insider_sim.simulation.scenario.format import shipped_scenarios

COLUMNS = (
    "scenario",
    "subj msgs",
    "subj distinct subj",
    "subj dup subj",
    "subj dup body",
    "subj near %",
    "co msgs",
    "co distinct subj",
    "co dup subj",
    "co dup body",
    "co near %",
    "residue",
    "greet addr",
    "mistimed",
    "odd hours",
    "silent",
    "score",
    "wall s",
)


def main() -> None:
    """Print one row of figures per scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", action="append", help="default: every shipped scenario")
    args = parser.parse_args()
    rows = []
    for name in args.scenario or shipped_scenarios():
        started = time.perf_counter()
        r = realism(simulated_week(name, seed=args.seed))
        s, c = r.subject, r.company
        rows.append(
            (
                name,
                s.messages,
                s.distinct_subjects,
                s.duplicate_subjects,
                s.duplicate_bodies,
                f"{100 * s.share(s.near_duplicate_bodies):.1f}",
                c.messages,
                c.distinct_subjects,
                c.duplicate_subjects,
                c.duplicate_bodies,
                f"{100 * c.share(c.near_duplicate_bodies):.1f}",
                len(r.residue),
                r.address_greetings,
                r.mistimed_greetings,
                r.odd_hours,
                f"{len(r.silent)}/{r.employees}",
                f"{r.score:.1f}",
                f"{time.perf_counter() - started:.1f}",
            )
        )
    widths = [max(len(str(x)) for x in col) for col in zip(COLUMNS, *rows, strict=False)]
    for row in (COLUMNS, *rows):
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
