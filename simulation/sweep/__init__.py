"""Sweeps: a grid of scenario families x conditions x models x seeds, run concurrently.

- :mod:`~simulation.sweep.grid`: the grid file;
- :mod:`~simulation.sweep.families`: the scenario families, parsed once per process;
- :mod:`~simulation.sweep.trial`: a trial's identity and the function that runs it;
- :mod:`~simulation.sweep.runner`: resumable runs, one line per trial in ``trials.jsonl``;
- :mod:`~simulation.sweep.local` and :mod:`~simulation.sweep.ray_backend`: where trials run;
- :mod:`~simulation.sweep.summary` and :mod:`~simulation.sweep.stats`: rates per cell with
  Wilson intervals;
- :mod:`~simulation.sweep.page`: the sweep's report.html.
"""

from insider_sim.simulation.sweep.grid import Grid, ModelSpec, load_grid
from insider_sim.simulation.sweep.ledger import Ledger, read_trials
from insider_sim.simulation.sweep.local import LocalBackend
from insider_sim.simulation.sweep.page import write_sweep_report
from insider_sim.simulation.sweep.runner import Backend, Sweep, SweepError, Tally, run_sweep
from insider_sim.simulation.sweep.stats import rate, wilson
from insider_sim.simulation.sweep.summary import summarize, write_summary
from insider_sim.simulation.sweep.trial import Trial, TrialJob, run_trial

__all__ = [
    "Backend",
    "Grid",
    "Ledger",
    "LocalBackend",
    "ModelSpec",
    "Sweep",
    "SweepError",
    "Tally",
    "Trial",
    "TrialJob",
    "load_grid",
    "rate",
    "read_trials",
    "run_sweep",
    "run_trial",
    "summarize",
    "wilson",
    "write_summary",
    "write_sweep_report",
]
