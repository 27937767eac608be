"""Reports of runs and sweeps: self-contained HTML pages and graph exports.

- :func:`~insider_sim.simulation.report.run_page.write_report` writes a run's
  ``report.html`` (graph with time slider, exposure, timeline, transcript, verdicts);
- :mod:`~insider_sim.simulation.report.sweep` renders a sweep's page (rates with
  Wilson intervals, a plot, links to each trial's report), which
  :func:`insider_sim.simulation.sweep.page.write_sweep_report` writes;
- :func:`~insider_sim.simulation.report.export.export_graph` writes the
  message-flow graph as GraphML, GEXF, node-link JSON or PNG.

Nothing is imported here: this package's modules load networkx, and a package's
``__init__`` runs whenever any of its modules is imported.
"""
