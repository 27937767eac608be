"""Engine overhead: one scripted workload on bare SimPy and on insider-sim.

    python benchmarks/engine.py                  # 5,000 employees, 1,000,000 deliveries
    python benchmarks/engine.py --quick          # a small run, for a CI smoke test
    python benchmarks/engine.py --profile 25     # then the top functions of insider-sim

The workload: ``N`` employees in teams of 10, each team with a mailing list.
Every employee sends to their team's list on a fixed interval over one
simulated week, the start times staggered across the first interval, so that
``N x sends x team size`` deliveries reach the target. A share of employees
listen: their mailboxes are SimPy Stores that a receiver process drains.

1. bare SimPy: one process per employee and per listening mailbox, Store
   put/get for every delivery to a listener; no graph, no log;
2. insider-sim: the same company as a scenario built in Python (scripted
   employees with a recurring ``schedule`` send, listeners with a reaction rule
   that never fires), run by :class:`Simulation` with a real events.jsonl in a
   temporary run folder.

Timing: both variants are built in one child process and take turns, a
slice of the week each (``--slices``), so that both see the same machine load;
the ratio of their delivery rates is the headline (the median of ``--repeat``
such runs). Memory: each variant also runs alone in its own child process, so
each has its own peak RSS (``ru_maxrss``); RSS is read from /proc/self/statm
at 0, 25, 50 and 100% of the week to show memory does not grow with the log.
Deliveries count a message to a 10-member list as 10, as ``delivered_to``
does; "store put/get" counts the deliveries that went through a Store (to
listeners other than the sender), which must be the same in both variants.
Every count is checked against the workload; a mismatch exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

WEEK = 7 * 86400
START = datetime(2025, 6, 2, 9, 0)  # a Monday
DOMAIN = "bench.example"
CHECKPOINTS = (0.25, 0.5, 1.0)
GOAL = 1 / 3
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


# -- the workload ---------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """Who sends to whom, how often; the same for both variants."""

    employees: int
    team_size: int
    sends: int  # per employee over the week
    every: int  # seconds between one employee's sends
    listener_share: float

    @classmethod
    def plan(cls, employees: int, deliveries: int, team_size: int, share: float) -> Workload:
        """Enough sends per employee for ``deliveries``, spread over one week."""
        per_round = sum(len(cls.team_range(i, employees, team_size)) for i in range(employees))
        sends = max(1, math.ceil(deliveries / per_round))
        return cls(employees, team_size, sends, WEEK // sends, share)

    @staticmethod
    def team_range(i: int, employees: int, team_size: int) -> range:
        team = i // team_size
        return range(team * team_size, min((team + 1) * team_size, employees))

    @property
    def teams(self) -> int:
        """Number of teams (the last one may be smaller)."""
        return math.ceil(self.employees / self.team_size)

    def team(self, i: int) -> range:
        """Employee indices in ``i``'s team, ``i`` included."""
        return self.team_range(i, self.employees, self.team_size)

    def listens(self, i: int) -> bool:
        """Whether ``i`` has a listening mailbox: an even spread of the share."""
        share = self.listener_share
        return math.floor((i + 1) * share) > math.floor(i * share)

    def offset(self, i: int) -> int:
        """Seconds from the start to ``i``'s first send, staggered over one interval."""
        return i * self.every // self.employees

    def expected(self) -> dict[str, int]:
        """Messages, deliveries and Store puts the workload must produce."""
        deliveries = puts = 0
        for i in range(self.employees):
            members = self.team(i)
            deliveries += len(members)
            puts += sum(1 for j in members if j != i and self.listens(j))
        n = self.sends
        return {"messages": self.employees * n, "deliveries": deliveries * n, "puts": puts * n}


def handle(i: int) -> str:
    return f"p{i:05d}"


def list_address(team: int) -> str:
    return f"team{team:04d}@{DOMAIN}"


def rss_bytes() -> int:
    """Resident set size now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# -- variant 1: bare SimPy ------------------------------------------------
class BareSimPy:
    """Processes and Stores only: the floor any SimPy engine stands on."""

    def __init__(self, w: Workload):
        import simpy

        self.env = env = simpy.Environment()
        self.boxes = boxes = [
            simpy.Store(env) if w.listens(i) else None for i in range(w.employees)
        ]
        self.sent = self.delivered = self.taken = 0

        def employee(i: int):
            members = w.team(i)
            size = len(members)
            targets = [boxes[j] for j in members if j != i and boxes[j] is not None]
            t = float(w.offset(i))
            for k in range(w.sends):
                if t > env.now:
                    yield env.timeout(t - env.now)
                message = (i, k, t)
                for box in targets:
                    box.put(message)
                self.sent += 1
                self.delivered += size
                t += w.every

        def receiver(box: simpy.Store):
            while True:
                yield box.get()
                self.taken += 1

        for i in range(w.employees):
            env.process(employee(i))
            box = boxes[i]
            if box is not None:
                env.process(receiver(box))

    def run(self, until: float) -> None:
        """Advance to ``until`` simulated seconds."""
        self.env.run(until=until)

    def log_size(self) -> int | None:
        """No log."""
        return None

    def finish(self) -> dict[str, Any]:
        """Counts of what happened."""
        return {
            "messages": self.sent,
            "deliveries": self.delivered,
            "puts": self.taken,
            "undrained": sum(len(box.items) for box in self.boxes if box is not None),
            "finished": True,
        }


# -- variant 2: insider-sim -----------------------------------------------
def scenario_data(w: Workload) -> dict[str, Any]:
    """The workload as a scenario mapping, as a YAML file would give it."""
    people = []
    scripts = []
    for i in range(w.employees):
        team = i // w.team_size
        people.append(
            {
                "id": handle(i),
                "name": f"Person {i}",
                "email": f"{handle(i)}@{DOMAIN}",
                "role": "engineer",
                "department": f"team {team}",
            }
        )
        first = START + timedelta(seconds=w.offset(i))
        script: dict[str, Any] = {
            "person": handle(i),
            "schedule": [
                {
                    "at": f"day {(first.date() - START.date()).days + 1} {first:%H:%M:%S}",
                    "every": f"{w.every}s",
                    "count": w.sends,
                    "business_hours_only": False,
                    "send": {
                        "to": list_address(team),
                        "subject": "Team {date} status",
                        "body": "Hi all,\n\nNothing to report from {my_name} today.\n",
                    },
                }
            ],
        }
        if w.listens(i):
            script["reactions"] = [
                {
                    "when": {"subject_contains": "never sent in this benchmark"},
                    "reply": "Noted, thanks.",
                    "once": False,
                }
            ]
        scripts.append(script)
    lists = [
        {
            "address": list_address(team),
            "name": f"Team {team}",
            "members": [handle(i) for i in w.team(team * w.team_size)],
        }
        for team in range(w.teams)
    ]
    return {
        "name": "engine-benchmark",
        "description": "Scripted team mail for the engine overhead benchmark.",
        "calendar": {"start": START.isoformat(), "days": WEEK / 86400},
        "company": {"name": "Bench Corp", "domain": DOMAIN},
        "people": people,
        "lists": lists,
        "scripts": scripts,
    }


def read_log(path: Path, listeners: set[str]) -> dict[str, int]:
    """Messages, deliveries and Store puts as the events.jsonl records them."""
    messages = deliveries = puts = events = 0
    with path.open("rb") as handle_:
        for line in handle_:
            events += 1
            event = json.loads(line)
            if event["kind"] != "message":
                continue
            messages += 1
            delivered = event["delivered_to"]
            deliveries += len(delivered)
            sender = event["sender"]
            puts += sum(1 for a in delivered if a != sender and a in listeners)
    return {"events": events, "messages": messages, "deliveries": deliveries, "puts": puts}


class InsiderSim:
    """The same workload as a scenario run by :class:`Simulation`, with a real events.jsonl."""

    def __init__(self, w: Workload):
        from insider_sim.simulation.engine.simulation import Simulation
        from insider_sim.simulation.scenario.format import scenario_from_data

        self.w = w
        started = time.perf_counter()
        scenario = scenario_from_data(scenario_data(w), source="<engine benchmark>")
        self.validation = time.perf_counter() - started
        self._tmp = tempfile.TemporaryDirectory(prefix="insider-engine-bench-")
        self.sim = Simulation.from_scenario(
            scenario, out=Path(self._tmp.name) / "run", seed=0, employees="scripted", cache_dir=None
        )
        assert self.sim.folder is not None
        self.events = self.sim.folder.events

    def run(self, until: float) -> None:
        """Advance to ``until`` simulated seconds."""
        self.sim.run(until=until)

    def log_size(self) -> int | None:
        """Bytes in events.jsonl so far."""
        return self.events.stat().st_size if self.events.exists() else 0

    def finish(self) -> dict[str, Any]:
        """Close the run, then count what the events.jsonl says happened."""
        sim, w = self.sim, self.w
        undrained = sum(len(box.arrivals.items) for box in sim.world.mailboxes.values())
        finished = sim._finished
        sim.close()
        listeners = {f"{handle(i)}@{DOMAIN}" for i in range(w.employees) if w.listens(i)}
        counted = read_log(self.events, listeners)
        self._tmp.cleanup()
        return {**counted, "undrained": undrained, "finished": finished}


def make(variant: str, w: Workload) -> BareSimPy | InsiderSim:
    """A built, not yet started, variant."""
    return BareSimPy(w) if variant == "bare" else InsiderSim(w)


def run_alone(variant: str, w: Workload, profile: int = 0) -> dict[str, Any]:
    """One variant on its own: setup, wall and CPU time, RSS and log size at checkpoints."""
    if variant == "insider":  # imports are not setup
        import insider_sim.simulation.engine.simulation
        import insider_sim.simulation.scenario.format  # noqa: F401
    base_rss = rss_bytes()
    started = time.perf_counter()
    v = make(variant, w)
    setup = time.perf_counter() - started
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    rss, sizes = [rss_bytes()], [v.log_size()]
    wall = cpu = 0.0
    for fraction in CHECKPOINTS:
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        v.run(fraction * WEEK)
        if profiler is not None:
            profiler.disable()
        wall += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        rss.append(rss_bytes())
        sizes.append(v.log_size())
    peak = max(peak_rss_bytes(), *rss)
    figures = v.finish()
    if profiler is not None:
        import pstats

        for order in ("tottime", "cumulative"):
            print(f"\n-- {variant} run, top {profile} functions by {order} (under cProfile) --")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(profile)
    return {
        **figures,
        "setup": setup,
        "validation": getattr(v, "validation", 0.0),
        "wall": wall,
        "cpu": cpu,
        "base_rss": base_rss,
        "rss": rss,
        "peak_rss": peak,
        "log_sizes": sizes,
    }


def run_interleaved(w: Workload, slices: int) -> dict[str, Any]:
    """Both variants in one process, a slice of the week each in turn.

    Both see the same machine load, slice by slice, so their ratio holds on a
    busy machine where two separate runs would not. Each slice is one
    ``Simulation.run(until=...)`` call, and each call ends by writing the
    manifest (about 5 ms): keep slices few so that stays out of the figures.
    """
    variants = {"bare": make("bare", w), "insider": make("insider", w)}
    walls = {name: [0.0] * slices for name in variants}
    cpu = dict.fromkeys(variants, 0.0)
    for k in range(slices):
        until = (k + 1) * WEEK / slices
        order = list(variants) if k % 2 == 0 else list(reversed(variants))
        for name in order:
            started, cpu_started = time.perf_counter(), time.process_time()
            variants[name].run(until)
            walls[name][k] = time.perf_counter() - started
            cpu[name] += time.process_time() - cpu_started
    return {
        name: {**v.finish(), "wall": sum(walls[name]), "cpu": cpu[name], "slices": walls[name]}
        for name, v in variants.items()
    }


# -- orchestration ----------------------------------------------------------
def run_child(mode: str, w: Workload, *, profile: int = 0, slices: int = 1) -> dict[str, Any]:
    """Run ``bare``, ``insider`` or ``both`` in a fresh interpreter (its own peak RSS)."""
    with tempfile.TemporaryDirectory(prefix="engine-bench-result-") as tmp:
        result = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            mode,
            "--workload",
            json.dumps(asdict(w)),
            "--result",
            str(result),
            "--profile",
            str(profile),
            "--slices",
            str(slices),
        ]
        subprocess.run(command, check=True)
        return json.loads(result.read_text())


def child_main(args: argparse.Namespace) -> None:
    w = Workload(**json.loads(args.workload))
    both = args.child == "both"
    figures = run_interleaved(w, args.slices) if both else run_alone(args.child, w, args.profile)
    Path(args.result).write_text(json.dumps(figures))


def source_state() -> str:
    """The commit measured, and whether library files had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "status",
                "--porcelain",
                "--",
                "world",
                "simulation",
                "agents",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "source: not a git checkout"
    dirty = f", {len(changed)} library files changed since" if changed else ""
    return f"source: commit {head}{dirty}"


def mib(n: float) -> str:
    return f"{n / MIB:,.1f}"


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def ratio_of(run: dict[str, Any]) -> float:
    """insider-sim's delivery rate over bare SimPy's in one interleaved run."""
    bare, insider = run["bare"], run["insider"]
    return (insider["deliveries"] / insider["wall"]) / (bare["deliveries"] / bare["wall"])


def report(w: Workload, timed: list[dict[str, Any]], alone: dict[str, dict[str, Any]]) -> list[str]:
    """Print the figures; return the problems found (counts that do not match)."""
    run = sorted(timed, key=ratio_of)[len(timed) // 2]  # the median run
    bare, insider = run["bare"], run["insider"]
    listeners = sum(1 for i in range(w.employees) if w.listens(i))
    print(
        f"\nengine overhead: {w.employees:,} employees in {w.teams:,} teams of {w.team_size}, "
        f"{listeners:,} listening ({w.listener_share:.0%}); one simulated week, "
        f"{w.sends} sends per employee, every {w.every / 3600:.2f} h"
    )
    print(
        f"Python {platform.python_version()}, SimPy {version('simpy')}, "
        f"pydantic {version('pydantic')}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at the end; {source_state()}"
    )
    print(
        "timing: both variants in one process, taking turns over "
        f"{len(bare['slices'])} slices of the week"
        + (f"; the median of {len(timed)} runs" if len(timed) > 1 else "")
        + "\nmemory: each variant alone in its own process\n"
    )
    a, b = alone["bare"], alone["insider"]
    rows: list[tuple[str, str, str]] = [
        ("employees", f"{w.employees:,}", f"{w.employees:,}"),
        ("messages sent", f"{bare['messages']:,}", f"{insider['messages']:,}"),
        ("deliveries", f"{bare['deliveries']:,}", f"{insider['deliveries']:,}"),
        ("store put/get", f"{bare['puts']:,}", f"{insider['puts']:,}"),
        ("setup wall s", f"{a['setup']:.2f}", f"{b['setup']:.2f}"),
        ("run wall s", f"{bare['wall']:.2f}", f"{insider['wall']:.2f}"),
        ("run CPU s", f"{bare['cpu']:.2f}", f"{insider['cpu']:.2f}"),
    ]
    rates = [v["deliveries"] / v["wall"] for v in (bare, insider)]
    rows.append(("deliveries/s", f"{rates[0]:,.0f}", f"{rates[1]:,.0f}"))
    msg_rates = [v["messages"] / v["wall"] for v in (bare, insider)]
    rows.append(("messages/s", f"{msg_rates[0]:,.0f}", f"{msg_rates[1]:,.0f}"))
    rows.append(("run wall s, alone", f"{a['wall']:.2f}", f"{b['wall']:.2f}"))
    rows.append(("peak RSS MiB, alone", mib(a["peak_rss"]), mib(b["peak_rss"])))
    rows.append(("RSS after imports MiB", mib(a["base_rss"]), mib(b["base_rss"])))
    for k, label in enumerate(("0% (built)", *(f"{f:.0%}" for f in CHECKPOINTS))):
        rows.append((f"RSS at {label} MiB", mib(a["rss"][k]), mib(b["rss"][k])))
    sizes = b["log_sizes"]
    for k, label in enumerate(("0%", *(f"{f:.0%}" for f in CHECKPOINTS))):
        rows.append((f"events.jsonl at {label} MiB", "-", mib(sizes[k])))
    rows.append(("events logged", "-", f"{insider['events']:,}"))
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'bare SimPy':>14}  {'insider-sim':>14}")
    for label, x, y in rows:
        print(f"{label:<{width}}  {x:>14}  {y:>14}")

    ratio = ratio_of(run)
    verdict = "meets" if ratio >= GOAL else "BELOW"
    per_slice = median(
        [x / y for x, y in zip(bare["slices"], insider["slices"], strict=True) if y > 0]
    )
    print(
        f"\nratio insider/bare (deliveries/s): {ratio:.3f}  ({verdict} the goal of >= "
        f"1/3)\n  by CPU time {bare['cpu'] / insider['cpu']:.3f}, median over slices "
        f"{per_slice:.3f}, each alone {a['wall'] / b['wall']:.3f}"
        + (f", every run {' '.join(f'{ratio_of(r):.3f}' for r in timed)}" if len(timed) > 1 else "")
    )
    print(
        f"per message: insider-sim {insider['wall'] / insider['messages'] * 1e6:.1f} us, "
        f"bare {bare['wall'] / bare['messages'] * 1e6:.1f} us; scenario validation "
        f"{b['validation']:.2f} s of insider-sim's {b['setup']:.2f} s setup"
    )
    growth = b["rss"][-1] - b["rss"][1]
    print(
        f"memory vs log: insider-sim RSS {growth / MIB:+,.1f} MiB from 25% to 100% of the "
        f"week while events.jsonl grew {(sizes[-1] - sizes[1]) / MIB:,.1f} MiB"
    )

    expected = w.expected()
    problems = []
    results = [(f"{name}, alone", alone[name]) for name in alone]
    results += [(f"{name}, interleaved", r[name]) for r in timed for name in r]
    for name, figures in results:
        for key, want in expected.items():
            if figures[key] != want:
                problems.append(f"{name}: {figures[key]:,} {key}, expected {want:,}")
        if figures["undrained"]:
            problems.append(f"{name}: {figures['undrained']:,} deliveries left in Stores")
        if not figures["finished"]:
            problems.append(f"{name}: the run did not finish")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=None, help="default 5,000")
    parser.add_argument(
        "--deliveries", type=int, default=None, help="target deliveries, default 1,000,000"
    )
    parser.add_argument("--team-size", type=int, default=10)
    parser.add_argument(
        "--listeners", type=float, default=0.5, help="share of employees whose mailbox listens"
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="interleaved timing runs, median shown; default 3"
    )
    parser.add_argument(
        "--slices", type=int, default=None, help="turns each variant takes per run; default 14"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="500 employees, 50,000 deliveries, one timing run of 4 slices",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="afterwards, profile insider-sim alone and print its top N functions",
    )
    parser.add_argument("--child", choices=("bare", "insider", "both"), help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args)
        return 0

    employees = args.employees or (500 if args.quick else 5000)
    deliveries = args.deliveries or (50_000 if args.quick else 1_000_000)
    repeat = args.repeat or (1 if args.quick else 3)
    slices = args.slices or (4 if args.quick else 14)
    if min(employees, deliveries, args.team_size, repeat, slices) < 1:
        parser.error("--employees, --deliveries, --team-size, --repeat, --slices: at least 1")
    if not 0 < args.listeners <= 1:
        parser.error("--listeners must be in (0, 1]")
    w = Workload.plan(employees, deliveries, args.team_size, args.listeners)
    started = time.perf_counter()
    alone = {name: run_child(name, w) for name in ("bare", "insider")}
    timed = [run_child("both", w, slices=slices) for _ in range(repeat)]
    problems = report(w, timed, alone)
    print(f"\ntotal benchmark wall time {time.perf_counter() - started:.1f} s")
    if args.profile:
        run_child("insider", w, profile=args.profile)
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
