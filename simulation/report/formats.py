"""What the graph export writes, and the error for what it cannot.

Kept apart from :mod:`~insider_sim.simulation.report.export` so that the
``insider`` command's help can name the formats without loading networkx.
"""

FORMATS = ("graphml", "gexf", "json", "png")


class ReportError(ValueError):
    """A graph or report that cannot be made as asked; the text says why."""
