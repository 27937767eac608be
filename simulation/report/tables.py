"""Runs and sweeps as Parquet tables for pandas, Polars and DuckDB (the ``tables`` extra).

:func:`events_table` makes one row per logged event; :func:`records_table` one
row per record of any JSON-like shape (a sweep's trials). Nested objects become
columns named by their path joined with ``_`` (``capability_could_not_act``);
lists of text stay lists of text, and any other list or mixed column is kept as
JSON text, so every record fits one schema whatever its kind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.report.formats import ReportError

if TYPE_CHECKING:
    import pyarrow as pa


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ReportError("Parquet export needs pyarrow: pip install insider-sim[tables]") from None
    return pyarrow


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """One level of columns from a nested record: ``{"a": {"b": 1}}`` -> ``{"a_b": 1}``."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            row.update(flatten(value, f"{name}_"))
        elif isinstance(value, Mapping):
            row[name] = None
        else:
            row[name] = value
    return row


def records_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A table of flattened ``rows``; columns in order of first appearance.

    Raises ReportError when pyarrow is not installed.
    """
    pa = _pyarrow()
    flat = [flatten(row) for row in rows]
    names = list(dict.fromkeys(name for row in flat for name in row))
    columns = {name: _column(pa, [row.get(name) for row in flat]) for name in names}
    return pa.table(columns) if columns else pa.table({})


def _column(pa: Any, values: list[Any]) -> Any:
    lists = [v for v in values if isinstance(v, list)]
    if lists and not all(isinstance(x, str) for v in lists for x in v):
        values = [None if v is None else json.dumps(v, sort_keys=True) for v in values]
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else json.dumps(v, sort_keys=True) for v in values])


def events_table(run: RunRecord) -> pa.Table:
    """One row per event of ``run``: ``seq``, ``t`` (simulated seconds), ``time``, ``kind``,
    ``injected`` and each event kind's own fields (empty where a kind has none)."""
    return records_table(event.model_dump(mode="json") for event in run.events)


def write_parquet(table: pa.Table, path: Path) -> Path:
    """Write ``table`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    pq = _pyarrow().parquet
    partial = path.with_name(f".{path.name}.partial")
    pq.write_table(table, partial)
    os.replace(partial, path)
    return path
