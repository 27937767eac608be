"""Reports of runs and sweeps: self-contained HTML pages and graph exports.

- :func:`write_report` writes a run's ``report.html`` (graph with time slider,
  exposure, timeline, transcript, verdicts);
- :mod:`~insider_sim.simulation.report.sweep` renders a sweep's page (rates with
  Wilson intervals, a plot, links to each trial's report), which
  :func:`insider_sim.simulation.sweep.page.write_sweep_report` writes;
- :func:`export_graph` writes the message-flow graph as GraphML, GEXF,
  node-link JSON or PNG.
"""

from insider_sim.simulation.report.export import export_graph
from insider_sim.simulation.report.run_page import write_report

__all__ = ["export_graph", "write_report"]
