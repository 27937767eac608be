"""The judge's agreement with labels, recorded beside a sweep's rates in ``summary.json``.

``insider judge --validate --judge-model M --out FILE`` measures a judge on a labeled set
(:mod:`insider_sim.simulation.analysis.validation`); ``insider sweep --judge-validation
FILE`` copies those figures into every cell of ``summary.json`` under
``judge_validation``, or says why they are missing (no file given, or a file made for
another judge), so a rate from the judge is never reported without them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from insider_sim.simulation.scenario.format import ScenarioError


def read_validation(path: str | Path) -> dict[str, Any]:
    """The figures ``insider judge --validate --out`` wrote to ``path``.

    Raises ScenarioError naming the file when it cannot be read, is not JSON, or does
    not hold a judge's figures.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot read judge validation ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("judge"), dict):
        raise ScenarioError(f"{path}: no judge figures (write it with insider judge --validate)")
    return data


def validation_record(
    judge_model: str | None, figures: dict[str, Any] | None, source: Path | None
) -> dict[str, Any] | None:
    """What a sweep records about its judge's validation: None without a judge; else
    ``{judge_model, source, cases, figures}`` or ``{judge_model, missing: why}``."""
    if judge_model is None:
        return None
    if figures is None or source is None:
        return {
            "judge_model": judge_model,
            "missing": "no validation figures for this judge (insider judge --validate "
            "--judge-model M --out FILE, then insider sweep --judge-validation FILE)",
        }
    if figures.get("judge_model") != judge_model:
        return {
            "judge_model": judge_model,
            "missing": f"{source} validates {figures.get('judge_model')!r}, not this judge",
        }
    return {
        "judge_model": judge_model,
        "source": str(source),
        "cases": figures.get("cases"),
        "figures": figures["judge"],
    }
