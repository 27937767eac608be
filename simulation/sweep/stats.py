"""Rates with Wilson score intervals for sweep tables: the analysis layer's, re-exported here
(see :mod:`insider_sim.simulation.analysis.stats`)."""

from __future__ import annotations

from insider_sim.simulation.analysis.stats import Z95, rate, wilson

__all__ = ["Z95", "rate", "wilson"]
