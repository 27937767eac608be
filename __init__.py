"""insider-sim: an AI agent under test (the *subject*) in a living simulated company.

The public API. Everything a researcher needs from Python is importable from
here; the rest of ``insider_sim.*`` is internal and may move between versions.

Names load on first use, so ``import insider_sim`` (and the ``insider`` command's
start) stays light: AutoGen, litellm and networkx are imported only when a name
that needs them is touched.

    import insider_sim

    result = insider_sim.run("summitbridge", seed=1, model="offline/misaligned", days=3)
    result.folder       # the run folder: manifest.json, events.jsonl, verdicts.json, report.html
    result.verdicts.ground_truth["blackmail"].detected      # True

Step by step: ``Simulation.from_scenario(...)``, ``run(until=...)``,
``inject(...)``, ``fork(...)``, then ``finish(sim)`` judges and reports.

Layers, lowest first; a module imports only its own layer and those below it
(``tests/test_layers.py`` checks it; type-only imports excepted)::

    core <- world <- models <- agents <- scenario <- engine <- analysis
        <- report <- pipeline <- sweep <- cli
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # running: run -> verdicts -> report in one call, or step by step
    "run": "insider_sim.simulation.pipeline",
    "finish": "insider_sim.simulation.pipeline",
    "afinish": "insider_sim.simulation.pipeline",
    "RunResult": "insider_sim.simulation.pipeline",
    "MissingKeyError": "insider_sim.simulation.pipeline",
    "Simulation": "insider_sim.simulation.engine.simulation",
    "RunSettings": "insider_sim.simulation.engine.settings",
    "InjectionError": "insider_sim.simulation.scenario.injections",
    "CastError": "insider_sim.simulation.engine.cast",
    "replay_run": "insider_sim.simulation.engine.replay",
    "fork_run": "insider_sim.simulation.engine.replay",
    # scenarios, times and injections
    "Scenario": "insider_sim.simulation.scenario.format",
    "ScenarioError": "insider_sim.simulation.scenario.format",
    "load_scenario": "insider_sim.simulation.scenario.format",
    "shipped_scenarios": "insider_sim.simulation.scenario.format",
    "TimeFormatError": "insider_sim.simulation.core.clock",
    "InjectEmail": "insider_sim.simulation.scenario.injections",
    "InjectAvailability": "insider_sim.simulation.scenario.injections",
    "InjectDocument": "insider_sim.simulation.scenario.injections",
    "InjectSystem": "insider_sim.simulation.scenario.injections",
    "InjectWake": "insider_sim.simulation.scenario.injections",
    "load_injections": "insider_sim.simulation.scenario.injections",
    # reading a run and measuring it
    "RunRecord": "insider_sim.simulation.analysis.run_record",
    "RunVerdicts": "insider_sim.simulation.analysis.verdicts",
    "UnfinishedRunError": "insider_sim.simulation.analysis.verdicts",
    "Verdict": "insider_sim.simulation.analysis.detectors.verdict",
    "JudgeVerdict": "insider_sim.simulation.analysis.judge",
    "compute_verdicts": "insider_sim.simulation.analysis.verdicts",
    # report
    "write_report": "insider_sim.simulation.report.run_page",
    "write_sweep_report": "insider_sim.simulation.sweep.page",
    "export_graph": "insider_sim.simulation.report.export",
    # sweeps
    "Sweep": "insider_sim.simulation.sweep.runner",
    "SweepError": "insider_sim.simulation.sweep.runner",
    "LocalBackend": "insider_sim.simulation.sweep.local",
    "load_grid": "insider_sim.simulation.sweep.grid",
    "run_sweep": "insider_sim.simulation.sweep.runner",
    # agents and models
    "Agent": "insider_sim.agents.base",
    "Delivery": "insider_sim.world.mailbox",
    "AgentError": "insider_sim.simulation.core.events",
    "WorldTools": "insider_sim.agents.tools",
    "make_client": "insider_sim.agents.seats",
    "SessionFailed": "insider_sim.simulation.core.bridge",
    "RunAborted": "insider_sim.simulation.core.bridge",
    "OfflineRequest": "insider_sim.agents.models.offline",
    "OfflineReply": "insider_sim.agents.models.offline",
    "register_offline_model": "insider_sim.agents.models.offline",
}

__all__ = [
    "Agent",
    "AgentError",
    "CastError",
    "Delivery",
    "InjectAvailability",
    "InjectDocument",
    "InjectEmail",
    "InjectSystem",
    "InjectWake",
    "InjectionError",
    "JudgeVerdict",
    "LocalBackend",
    "MissingKeyError",
    "OfflineReply",
    "OfflineRequest",
    "RunAborted",
    "RunRecord",
    "RunResult",
    "RunSettings",
    "RunVerdicts",
    "Scenario",
    "ScenarioError",
    "SessionFailed",
    "Simulation",
    "Sweep",
    "SweepError",
    "TimeFormatError",
    "UnfinishedRunError",
    "Verdict",
    "WorldTools",
    "afinish",
    "compute_verdicts",
    "export_graph",
    "finish",
    "fork_run",
    "load_grid",
    "load_injections",
    "load_scenario",
    "make_client",
    "register_offline_model",
    "replay_run",
    "run",
    "run_sweep",
    "shipped_scenarios",
    "write_report",
    "write_sweep_report",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'insider_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from insider_sim.agents.base import Agent
    from insider_sim.agents.models.offline import (
        OfflineReply,
        OfflineRequest,
        register_offline_model,
    )
    from insider_sim.agents.seats import make_client
    from insider_sim.agents.tools import WorldTools
    from insider_sim.simulation.analysis.detectors.verdict import Verdict
    from insider_sim.simulation.analysis.judge import JudgeVerdict
    from insider_sim.simulation.analysis.run_record import RunRecord
    from insider_sim.simulation.analysis.verdicts import (
        RunVerdicts,
        UnfinishedRunError,
        compute_verdicts,
    )
    from insider_sim.simulation.core.bridge import RunAborted, SessionFailed
    from insider_sim.simulation.core.clock import TimeFormatError
    from insider_sim.simulation.core.events import AgentError
    from insider_sim.simulation.engine.cast import CastError
    from insider_sim.simulation.engine.replay import fork_run, replay_run
    from insider_sim.simulation.engine.settings import RunSettings
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.simulation.pipeline import (
        MissingKeyError,
        RunResult,
        afinish,
        finish,
        run,
    )
    from insider_sim.simulation.report.export import export_graph
    from insider_sim.simulation.report.run_page import write_report
    from insider_sim.simulation.scenario.format import (
        Scenario,
        ScenarioError,
        load_scenario,
        shipped_scenarios,
    )
    from insider_sim.simulation.scenario.injections import (
        InjectAvailability,
        InjectDocument,
        InjectEmail,
        InjectionError,
        InjectSystem,
        InjectWake,
        load_injections,
    )
    from insider_sim.simulation.sweep.grid import load_grid
    from insider_sim.simulation.sweep.local import LocalBackend
    from insider_sim.simulation.sweep.page import write_sweep_report
    from insider_sim.simulation.sweep.runner import Sweep, SweepError, run_sweep
    from insider_sim.world.mailbox import Delivery
