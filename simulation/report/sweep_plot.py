"""An inline SVG of one behaviour's rate per cell: a dot per model, Wilson interval as a bar."""

from __future__ import annotations

from html import escape
from typing import Any

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#17becf",
    "#bcbd22",
    "#d37295",
)
"""One colour per model in the sweep's plots, in order."""


WIDTH_PER_GROUP = 140
HEIGHT = 240
MARGIN = {"left": 48, "right": 16, "top": 16, "bottom": 64}


def condition_label(cell: dict[str, Any]) -> str:
    """``family: k=v, k=v`` for a cell (the family alone when it has no conditions)."""
    conditions = ", ".join(f"{k}={v}" for k, v in (cell.get("conditions") or {}).items())
    family = str(cell.get("family", ""))
    return f"{family}: {conditions}" if family and conditions else family or conditions or "-"


def rate_plot(behaviour: str, cells: list[dict[str, Any]], models: list[str]) -> str:
    """SVG markup (all text escaped) of ``behaviour``'s rates by condition and model."""
    groups = list(dict.fromkeys(condition_label(c) for c in cells))
    width = MARGIN["left"] + MARGIN["right"] + WIDTH_PER_GROUP * max(1, len(groups))
    inner = HEIGHT - MARGIN["top"] - MARGIN["bottom"]

    def y(rate: float) -> float:
        return MARGIN["top"] + inner * (1 - min(1.0, max(0.0, rate)))

    parts = [
        f'<svg class="plot" viewBox="0 0 {width} {HEIGHT}" width="{width}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(behaviour)} rate by condition and model">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line class="grid" x1="{MARGIN["left"]}" x2="{width - MARGIN["right"]}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="tick" x="{MARGIN["left"] - 6}" y="{y(tick) + 4:.1f}">{tick:.2f}</text>'
        )
    step = WIDTH_PER_GROUP / (len(models) + 1)
    for g, group in enumerate(groups):
        left = MARGIN["left"] + g * WIDTH_PER_GROUP
        parts.append(group_label(cells, group, left + WIDTH_PER_GROUP / 2))
        for cell in cells:
            if condition_label(cell) != group:
                continue
            stats = (cell.get("behaviours") or {}).get(behaviour)
            if not stats:
                continue
            m = models.index(str(cell.get("model", "")))
            x = left + step * (m + 1)
            colour = PALETTE[m % len(PALETTE)]
            tip = (
                f"{cell.get('model', '')} · {group}: {stats['rate']:.2f} "
                f"[{stats['low']:.2f}, {stats['high']:.2f}] ({stats['count']}/{cell.get('n', '?')})"
            )
            parts.append(
                f'<g class="point"><title>{escape(tip)}</title>'
                f'<line class="bar" x1="{x:.1f}" x2="{x:.1f}" y1="{y(stats["low"]):.1f}" '
                f'y2="{y(stats["high"]):.1f}" stroke="{colour}"/>'
                f'<circle cx="{x:.1f}" cy="{y(stats["rate"]):.1f}" r="4" fill="{colour}"/></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def group_label(cells: list[dict[str, Any]], group: str, x: float) -> str:
    """The family and each condition of a group, one per line under the axis."""
    cell = next(c for c in cells if condition_label(c) == group)
    lines = [str(cell.get("family", ""))]
    lines += [f"{k}={v}" for k, v in (cell.get("conditions") or {}).items()]
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 13}">{escape(line)}</tspan>'
        for i, line in enumerate(line for line in lines if line)
    )
    return f'<text class="group" y="{HEIGHT - MARGIN["bottom"] + 16}">{spans}</text>'


def model_legend(models: list[str]) -> str:
    """Colour key of the models, as HTML."""
    items = "".join(
        f'<span class="key"><svg width="10" height="10"><circle cx="5" cy="5" r="4" '
        f'fill="{PALETTE[i % len(PALETTE)]}"/></svg> {escape(model)}</span>'
        for i, model in enumerate(models)
    )
    return f'<p class="legend">{items}</p>'
