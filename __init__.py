"""insider-sim: an AI agent under test (the *subject*) in a living simulated company.

The public API. Everything a researcher needs from Python is importable from
here; the rest of ``insider_sim.*`` is internal and may move between versions.

Names load on first use, so ``import insider_sim`` (and the ``insider`` command's
start) stays light: AutoGen, litellm and networkx are imported only when a name
that needs them is touched.

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
    # running
    "Simulation": "insider_sim.simulation.engine.simulation",
    "RunSettings": "insider_sim.simulation.engine.settings",
    "InjectionError": "insider_sim.simulation.scenario.injections",
    "replay_run": "insider_sim.simulation.engine.replay",
    "fork_run": "insider_sim.simulation.engine.replay",
    # scenarios and injections
    "Scenario": "insider_sim.simulation.scenario.format",
    "ScenarioError": "insider_sim.simulation.scenario.format",
    "load_scenario": "insider_sim.simulation.scenario.format",
    "shipped_scenarios": "insider_sim.simulation.scenario.format",
    "InjectEmail": "insider_sim.simulation.scenario.injections",
    "InjectAvailability": "insider_sim.simulation.scenario.injections",
    "InjectDocument": "insider_sim.simulation.scenario.injections",
    "InjectSystem": "insider_sim.simulation.scenario.injections",
    "InjectWake": "insider_sim.simulation.scenario.injections",
    "load_injections": "insider_sim.simulation.scenario.injections",
    # analysis
    "RunVerdicts": "insider_sim.simulation.analysis.verdicts",
    "compute_verdicts": "insider_sim.simulation.analysis.verdicts",
    # report
    "write_report": "insider_sim.simulation.report.run_page",
    "write_sweep_report": "insider_sim.simulation.report.sweep",
    "export_graph": "insider_sim.simulation.report.export",
    # sweeps
    "load_grid": "insider_sim.simulation.sweep.grid",
    "run_sweep": "insider_sim.simulation.sweep.runner",
    # agents and models
    "Agent": "insider_sim.agents.base",
    "OfflineRequest": "insider_sim.agents.models.offline",
    "OfflineReply": "insider_sim.agents.models.offline",
    "register_offline_model": "insider_sim.agents.models.offline",
}

__all__ = [
    "Agent",
    "InjectAvailability",
    "InjectDocument",
    "InjectEmail",
    "InjectSystem",
    "InjectWake",
    "InjectionError",
    "OfflineReply",
    "OfflineRequest",
    "RunSettings",
    "RunVerdicts",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "compute_verdicts",
    "export_graph",
    "fork_run",
    "load_grid",
    "load_injections",
    "load_scenario",
    "register_offline_model",
    "replay_run",
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
    from insider_sim.simulation.analysis.verdicts import RunVerdicts, compute_verdicts
    from insider_sim.simulation.engine.replay import fork_run, replay_run
    from insider_sim.simulation.engine.settings import RunSettings
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.simulation.report.export import export_graph
    from insider_sim.simulation.report.run_page import write_report
    from insider_sim.simulation.report.sweep import write_sweep_report
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
    from insider_sim.simulation.sweep.runner import run_sweep
