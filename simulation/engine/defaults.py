"""The run's defaults, as plain values.

:class:`~insider_sim.simulation.engine.settings.RunSettings` takes its defaults
from here, and the ``insider`` command shows them in its help without loading
pydantic.
"""

from pathlib import Path

DEFAULT_EMPLOYEE_MODEL = "offline/persona"
DEFAULT_JUDGE_MODEL = "offline/judge"
DEFAULT_CACHE_DIR = Path("runs") / ".cache"  # the response cache shared across runs
DEFAULT_MAX_CONCURRENCY = 8  # model calls in flight at once, per model
DEFAULT_TIMEOUT = 120.0  # wall seconds per model call attempt
