"""Sweep throughput: trials per second against a model server with a fixed latency.

The stub server runs in its own process and answers like the misaligned
reference policy over real HTTP; the subject reaches it as ``openai/stub``.
Every trial is a short run of the default company in its own run folder, with
a fresh response cache so each call reaches the server; two trials warm up
(imports, first connections) before the clock starts. Ideal throughput is
concurrency / (model calls per trial x latency): what the sweep would reach if
nothing but the server's latency took time. The CPU time per trial bounds it
from the other side, since the local backend runs every trial on one core.

    python benchmarks/sweep.py [--trials 200] [--concurrency 32] [--latency 0.2] [--days 1]
    python benchmarks/sweep.py --backend process [--workers N]   # trials in worker processes
    python benchmarks/sweep.py --offline 40    # also: offline trials, local vs Ray

With ``--offline N`` it also runs N offline trials (CPU-bound: no server) on
the local backend and, if Ray is installed, on a local Ray with every core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from insider_sim.agents.models.stub_server import stub_process
from insider_sim.simulation.sweep import Backend, LocalBackend, Sweep, read_trials, run_sweep
from insider_sim.simulation.sweep.processes import ProcessBackend


def timed_sweep(
    folder: Path, grid: dict[str, Any], backend: Backend, concurrency: int
) -> tuple[float, float, list[dict[str, Any]]]:
    """Run ``grid`` in ``folder``: wall seconds, this process's CPU seconds, the records."""
    grid_file = folder / f"{grid['name']}.yaml"
    grid_file.write_text(yaml.safe_dump(grid), encoding="utf-8")
    plan = Sweep.plan(
        grid_file, out=folder / grid["name"], judge_model=None, cache_dir=folder / "cache"
    )
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run_sweep(plan, backend, concurrency=concurrency))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, read_trials(plan.sweep_dir)


def model_calls(sweep_dir: Path, records: list[dict[str, Any]]) -> float:
    """Mean model calls per trial, from the run folders' manifests."""
    counts = []
    for record in records:
        manifest = json.loads((sweep_dir / record["run_dir"] / "manifest.json").read_text())
        counts.append(manifest["model_calls"])
    return sum(counts) / len(counts)


def against_stub(folder: Path, args: argparse.Namespace) -> None:
    """The main figure: trials per second against the stub, and the ratio to the ideal."""
    os.environ.setdefault(
        "OPENAI_API_KEY", "sk-local-stub"
    )  # litellm wants one; the stub ignores it
    backend = ProcessBackend(args.workers) if args.backend == "process" else LocalBackend()
    workers = getattr(backend, "workers", 0)
    with stub_process(args.latency, "misaligned") as url:
        grid = {
            "name": "stub",
            "families": ["summitbridge"],
            "models": [{"model": "openai/stub", "api_base": url}],
            "seeds": args.trials,
            "days": args.days,
        }
        warm = max(2, 2 * workers)
        timed_sweep(folder, grid | {"name": "warm-up", "seeds": warm}, backend, warm)
        before = children_cpu()
        wall, cpu, records = timed_sweep(folder, grid, backend, args.concurrency)
        backend.close()
        workers_cpu = children_cpu() - before  # the stub still runs; warm-up included
    server_cpu = children_cpu() - before - workers_cpu  # the stub has exited
    cpu += workers_cpu
    failed = sum(r["status"] != "ok" for r in records)
    calls = model_calls(folder / "stub", records)
    rate = len(records) / wall
    ideal = args.concurrency / (calls * args.latency)
    print(
        f"trials:                {len(records)} ({failed} failed), concurrency {args.concurrency}"
    )
    print(f"model calls per trial: {calls:.1f} at {args.latency * 1000:.0f} ms latency")
    print(f"wall time:             {wall:.1f} s")
    print(f"throughput:            {rate:.2f} trials/s")
    print(f"ideal:                 {ideal:.2f} trials/s (concurrency / (calls x latency))")
    print(f"ratio to ideal:        {rate / ideal:.2f}")
    where = f"in this process and {workers} workers" if workers else "in this process"
    print(f"CPU per trial:         {cpu / len(records) * 1000:.0f} ms {where}")
    print(f"CPU per model call:    {cpu / (len(records) * calls) * 1000:.1f} ms")
    print(f"CPU-bound ceiling:     {len(records) / cpu:.2f} trials/s a core")
    print(f"stub server CPU:       {server_cpu / len(records) * 1000:.0f} ms per trial")


def children_cpu() -> float:
    """CPU seconds of the child processes that have ended (the stub server)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def offline_backends(folder: Path, trials: int, days: float) -> None:
    """Offline trials (no server, CPU-bound) on the local backend and on a local Ray."""
    grid = {
        "families": ["summitbridge"],
        "models": ["offline/misaligned"],
        "seeds": trials,
        "days": days,
    }
    wall, _, _ = timed_sweep(folder, grid | {"name": "offline-local"}, LocalBackend(), 8)
    print(f"offline, local backend: {trials / wall:.2f} trials/s ({wall:.1f} s)")
    try:
        import ray
    except ImportError:
        print("offline, Ray backend:   skipped (pip install '.[ray]')")
        return
    from insider_sim.simulation.sweep.ray_backend import RayBackend

    cores = os.cpu_count() or 1
    ray.init(num_cpus=cores, include_dashboard=False, _node_ip_address="127.0.0.1")
    try:
        backend = RayBackend()
        timed_sweep(folder, grid | {"name": "ray-warm-up", "seeds": cores}, backend, cores)
        wall, _, _ = timed_sweep(folder, grid | {"name": "offline-ray"}, backend, cores)
        print(f"offline, Ray on {cores} cores: {trials / wall:.2f} trials/s ({wall:.1f} s)")
    finally:
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--days", type=float, default=1)
    parser.add_argument("--backend", choices=("local", "process"), default="local")
    parser.add_argument("--workers", type=int, default=None, help="process backend: workers")
    parser.add_argument("--offline", type=int, default=0, help="Also N offline trials per backend.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="insider-sweep-bench-") as tmp:
        against_stub(Path(tmp), args)
        if args.offline:
            offline_backends(Path(tmp), args.offline, args.days)


if __name__ == "__main__":
    main()
