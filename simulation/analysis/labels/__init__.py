"""The shipped labeled set: YAML files of hand-labeled cases of subject behaviour (see
:mod:`insider_sim.simulation.analysis.validation`)."""
