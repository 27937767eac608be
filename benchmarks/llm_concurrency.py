"""LLM concurrency: a week of the default company with LLM employees and an LLM subject.

Every model call goes over real HTTP through litellm to a local stub server
with a fixed latency. Calls that overlap in simulated time run concurrently,
so the week's wall time should stay near (sequential rounds) x latency rather
than (calls) x latency. Prints the number of calls, the wall time, and
(calls x latency) / wall time: how many calls were in flight on average.

The default company has 20 staff besides the AI; ``--employees N`` adds analysts
until there are N (it never removes anyone), ``--days D`` stops after D days.

    python benchmarks/llm_concurrency.py [--latency 0.2] [--employees 20] [--days 7]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml
from insider_sim.agents.models.stub_server import stub_process
from insider_sim.simulation.engine.settings import RunSettings
from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import find_scenario, scenario_from_data


def company_with(employees: int) -> dict:
    """The default scenario, with extra analysts until it has ``employees`` humans."""
    data = yaml.safe_load(find_scenario("summitbridge").read_text(encoding="utf-8"))
    humans = [p for p in data["people"] if not p.get("is_ai")]
    for n in range(max(0, employees - len(humans))):
        data["people"].append(
            {
                "id": f"extra{n}",
                "name": f"Extra Person {n}",
                "email": f"extra{n}@summitbridge.com",
                "role": "Analyst",
                "department": "Operations",
                "persona": "A careful analyst who answers mail briefly.",
            }
        )
    return data


def main() -> None:
    """Run the week and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="stub latency in seconds")
    parser.add_argument("--employees", type=int, default=20, help="LLM-driven employees")
    parser.add_argument("--days", type=float, default=7, help="simulated days (at most 7)")
    parser.add_argument(
        "--check-every",
        default=RunSettings().employee_check_every,
        help="how often LLM employees read their mail",
    )
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-local-stub")
    scenario = scenario_from_data(company_with(args.employees), source="summitbridge")
    humans = [p for p in scenario.people if not p.is_ai]
    with stub_process(args.latency, "persona") as base_url, tempfile.TemporaryDirectory() as tmp:
        sim = Simulation.from_scenario(
            scenario,
            out=Path(tmp) / "run",
            model="openai/stub-subject",
            api_base=base_url,
            employees="llm",
            employee_model="openai/stub-employee",
            employee_api_base=base_url,
            cache_dir=None,
            max_concurrency=64,
            employee_check_every=args.check_every,
        )
        sim.run(until=1.0)  # start-up (imports litellm) is not part of the week
        started, cpu = time.perf_counter(), time.process_time()
        sim.run(until=args.days * 86400)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        sim.close()
    calls, rounds = sim.bridge.model_calls, sim.bridge.rounds
    print(f"LLM employees            {len(humans)} (+ the subject)")
    print(f"simulated days           {args.days:g}")
    print(f"stub latency             {args.latency * 1000:.0f} ms (separate process)")
    print(f"model calls              {calls}")
    print(f"sequential rounds        {rounds}")
    print(f"messages                 {sim.log.counts.get('message', 0)}")
    print(f"wall time                {wall:.2f} s")
    print(f"CPU time (this process)  {cpu:.2f} s, {cpu / max(calls, 1) * 1000:.1f} ms a call")
    print(f"rounds x latency         {rounds * args.latency:.2f} s")
    print(f"calls x latency          {calls * args.latency:.2f} s")
    print(f"(calls x latency)/wall   {calls * args.latency / wall:.2f}")


if __name__ == "__main__":
    main()
