"""Fault behaviour: a week of the default company against a model server that fails.

The subject (and, with ``--llm-employees``, every employee) talks over real HTTP
through litellm to a local stub server that answers like the offline reference
policies, except that a share of its answers (``--rate``, default 20%) are
faults drawn seeded from every kind the stub knows: 429 with and without
``Retry-After``, 5xx, timeouts, a reset mid-body, truncated JSON, an HTML page
with status 200, empty ``choices`` and malformed tool calls. A call is tried at
most ``--attempts`` times (default 3, backoff from 0.1 s, each attempt at most
``--timeout`` wall seconds; a timeout fault holds its answer a second longer),
so that within a week some calls fail for good. Each trial (one seed) is scored
as a sweep scores it and then replayed with ``insider replay``.

Printed: faults served per kind; model calls retried to success; calls and
sessions that failed and the sessions the event log records as errors (these
must match); trials scored harmless while a session failed (must be 0: a
failed trial is an error, never "chose not to harm"); and whether each replay
was identical. Exits with status 1 when an invariant does not hold.

    python benchmarks/faults.py [--days 7] [--rate 0.2] [--trials 1] [--llm-employees]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from insider_sim.agents.models.retry import RetryPolicy
from insider_sim.agents.models.stub_faults import FAULT_KINDS, FaultPlan
from insider_sim.agents.models.stub_server import StubReply, StubServer, policy_responder
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.analysis.verdicts import compute_verdicts
from insider_sim.simulation.core.events import AgentError, ProviderRefused, ToolCall
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.sweep.trial import Trial, TrialJob, trial_record

SUBJECT_MODEL = "openai/stub-subject"
EMPLOYEE_MODEL = "openai/stub-employee"
SCENARIO = "summitbridge"


def responder(subject_policy: str, employee_policy: str) -> Any:
    """Answer the subject like ``subject_policy`` and everyone else like ``employee_policy``."""
    subject, employee = policy_responder(subject_policy), policy_responder(employee_policy)

    def respond(body: dict[str, Any]) -> StubReply:
        return (subject if body.get("model") == SUBJECT_MODEL.split("/")[1] else employee)(body)

    return respond


def calls_of(run_dir: Path) -> list[dict[str, Any]]:
    """The run's model call records."""
    path = run_dir / "llm_calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def replay_identical(run_dir: Path, out: Path) -> bool:
    """Whether ``insider replay`` of ``run_dir`` reports an identical event log."""
    command = [sys.executable, "-m", "insider_sim.simulation.cli.main", "replay", str(run_dir)]
    done = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True)
    return done.returncode == 0 and "identical" in done.stdout


def trial(args: argparse.Namespace, seed: int, tmp: Path) -> dict[str, Any]:
    """Run, score and replay one trial; return its figures."""
    plan = FaultPlan(args.rate, seed=seed, hang=args.timeout + 1, retry_after=args.retry_after)
    run_dir = tmp / f"run-{seed}"
    with StubServer(responder=responder(args.subject_policy, "persona"), faults=plan) as stub:
        sim = Simulation.from_scenario(
            SCENARIO,
            days=args.days,
            out=run_dir,
            seed=seed,
            model=SUBJECT_MODEL,
            api_base=stub.base_url,
            employees="llm" if args.llm_employees else "mixed",
            employee_model=EMPLOYEE_MODEL,
            employee_api_base=stub.base_url,
            cache_dir=None,
            timeout=args.timeout,
            retry=RetryPolicy(
                max_attempts=args.attempts, initial_backoff=0.1, max_backoff=args.retry_after * 2
            ),
            max_concurrency=64,
        )
        started = time.perf_counter()
        try:
            sim.run()
        finally:
            sim.close()
        wall = time.perf_counter() - started
        served = stub.served
    verdicts = compute_verdicts(run_dir, judge_model=None)
    job = TrialJob(
        trial=Trial(family=SCENARIO, conditions={}, model=SUBJECT_MODEL, seed=seed),
        scenario=SCENARIO,
        sweep_dir=tmp,
    )
    record = trial_record(job, verdicts, None, wall)
    events = RunRecord.load(run_dir).events
    calls = calls_of(run_dir)
    errors = sum(isinstance(e, AgentError) for e in events)
    failed = sim.bridge.failed_sessions
    harmless = record["status"] == "ok" and not any(
        b["detected"] for b in record["behaviours"].values()
    )
    return {
        "served": served,
        "calls": len(calls),
        "retried_ok": sum(len(c["attempts"]) > 1 and not c.get("error") for c in calls),
        "calls_failed": sum(bool(c.get("error")) for c in calls),
        "attempt_errors": Counter(
            a["error_class"] for c in calls for a in c["attempts"] if a.get("error_class")
        ),
        "sessions_failed": failed,
        "sessions_errors": errors,
        "refused": sum(isinstance(e, ProviderRefused) for e in events),
        "unreadable_calls": sum(
            isinstance(e, ToolCall) and e.failure == "unreadable" for e in events
        ),
        "status": record["status"],
        "harmless_while_failed": int(harmless and (failed > 0 or errors > 0)),
        "replay": replay_identical(run_dir, tmp / f"replay-{seed}"),
        "wall": wall,
    }


def main() -> None:
    """Run the trials and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7, help="simulated days (at most 7)")
    parser.add_argument("--rate", type=float, default=0.2, help="share of answers that fail")
    parser.add_argument("--trials", type=int, default=1, help="seeds 0..N-1, one run each")
    parser.add_argument("--llm-employees", action="store_true", help="employees are LLMs too")
    parser.add_argument("--subject-policy", default="loyal", help="how the stub answers it")
    parser.add_argument("--timeout", type=float, default=2.0, help="wall seconds per attempt")
    parser.add_argument("--retry-after", type=float, default=1.0, help="seconds a 429 asks for")
    parser.add_argument(
        "--attempts", type=int, default=3, help="attempts per model call before it fails"
    )
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-local-stub")
    with tempfile.TemporaryDirectory() as tmp:
        results = [trial(args, seed, Path(tmp)) for seed in range(args.trials)]
    served: Counter[str] = sum((r["served"] for r in results), Counter())
    classes: Counter[str] = sum((r["attempt_errors"] for r in results), Counter())
    total = lambda key: sum(r[key] for r in results)  # noqa: E731
    faults = sum(n for kind, n in served.items() if kind != "ok")
    replays = [r["replay"] for r in results]
    print(f"trials                          {args.trials} x {args.days:g} days of {SCENARIO}")
    seats = "subject + LLM employees" if args.llm_employees else "subject"
    print(f"seats on the fault server       {seats}")
    print(f"fault rate                      {args.rate:.0%}")
    print(f"answers served                  {sum(served.values())} ({served['ok']} ok)")
    print(f"faults served                   {faults}")
    for kind in FAULT_KINDS:
        print(f"  {kind:<30}{served[kind]}")
    print(f"failed attempts by class        {dict(sorted(classes.items()))}")
    print(f"model calls                     {total('calls')}")
    print(f"retried to success              {total('retried_ok')}")
    print(f"calls failed for good           {total('calls_failed')}")
    print(f"sessions failed                 {total('sessions_failed')}")
    print(f"sessions recorded as errors     {total('sessions_errors')}")
    print(f"provider refusals recorded      {total('refused')}")
    print(f"unreadable tool calls (not run) {total('unreadable_calls')}")
    print(f"trial statuses                  {dict(Counter(r['status'] for r in results))}")
    print(f"harmless while failed           {total('harmless_while_failed')}")
    print(f"replay identical                {'yes' if all(replays) else 'no'}")
    print(f"wall time                       {total('wall'):.1f} s")
    broken = (
        total("harmless_while_failed")
        or total("sessions_failed") != total("sessions_errors")
        or not all(replays)
    )
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
