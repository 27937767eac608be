"""Sweeps: a grid of scenario families x conditions x models x seeds, run concurrently.

- :mod:`~insider_sim.simulation.sweep.grid`: the grid file;
- :mod:`~insider_sim.simulation.sweep.families`: the scenario families, parsed once per process;
- :mod:`~insider_sim.simulation.sweep.trial`: a trial's identity and the function that runs it;
- :mod:`~insider_sim.simulation.sweep.runner`: resumable runs, one line per trial in
  ``trials.jsonl``;
- :mod:`~insider_sim.simulation.sweep.local` and :mod:`~insider_sim.simulation.sweep.ray_backend`:
  where trials run;
- :mod:`~insider_sim.simulation.sweep.summary` and :mod:`~insider_sim.simulation.sweep.stats`:
  rates per cell with Wilson intervals;
- :mod:`~insider_sim.simulation.sweep.page`: the sweep's report.html.
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
