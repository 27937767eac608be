"""Start-up cost of the ``insider`` command: CPU seconds and what it imports.

    python benchmarks/cli_start.py               # 7 fresh processes per command
    python benchmarks/cli_start.py --repeat 15

For ``insider --help``, ``insider validate scenarios/summitbridge.yaml`` and
``insider scenarios``: the median CPU time (user + system) and wall time of a
fresh process, over ``--repeat`` runs, then one more run under
``python -X importtime`` for the import time it reports, the slowest top-level
imports, and which of the heavy packages (AutoGen, litellm, networkx, numpy,
...) were loaded, if any. Runs the ``insider`` script next to this Python when
there is one, else ``python -m insider_sim.simulation.cli.main``, from the
repository root.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from insider_sim.simulation.cli.common import HEAVY_MODULES

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (
    ("--help",),
    ("validate", "scenarios/summitbridge.yaml"),
    ("scenarios",),
)
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def insider() -> list[str]:
    """The command line that starts ``insider``."""
    script = Path(sys.executable).with_name("insider")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "insider_sim.simulation.cli.main"]


def timed(args: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one fresh process running ``args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def imports(args: list[str]) -> tuple[float, list[tuple[float, str]], list[str]]:
    """(seconds of import, the five slowest top-level imports, heavy packages loaded)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True, env=env)
    top: list[tuple[float, str]] = []
    loaded: set[str] = set()
    for line in done.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        cumulative, indent, name = int(match[2]) / 1e6, len(match[3]), match[4]
        loaded.add(name.split(".")[0])
        if indent == 1:  # imported by the program itself, not by another module
            top.append((cumulative, name))
    heavy = sorted(loaded & set(HEAVY_MODULES))
    return sum(s for s, _ in top), sorted(top, reverse=True)[:5], heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh processes per command")
    options = parser.parse_args()
    base = insider()
    print(f"{' '.join(base)}, median of {options.repeat} fresh processes")
    for command in COMMANDS:
        args = [*base, *command]
        runs = [timed(args) for _ in range(options.repeat)]
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        total, slowest, heavy = imports(args)
        print(f"\ninsider {' '.join(command)}")
        print(f"  CPU {cpu:.3f} s (min {min(c for c, _ in runs):.3f}), wall {wall:.3f} s")
        print(f"  imports {total:.3f} s; slowest: " + ", ".join(f"{n} {s:.3f}" for s, n in slowest))
        print(f"  heavy packages loaded: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
