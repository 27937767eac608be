"""Node positions for the flow graph, stable for a given seed.

Departments start in their own sector of a circle, so colleagues sit near each
other; networkx's spring layout then pulls together whoever writes to whom.
Parties that exchanged no mail stay at their department's spot, so they do not
drift to the edge and shrink everyone else. Without numpy (networkx needs it
for layouts) or, past 500 nodes, scipy, the department sectors themselves are
the layout.
"""

from __future__ import annotations

import math
import random

import networkx as nx

Position = tuple[float, float]


def layout(graph: nx.DiGraph, seed: int) -> dict[str, Position]:
    """Positions in [-1, 1] for every node of ``graph``."""
    start = department_sectors(graph, seed)
    undirected: nx.Graph[str] = nx.Graph()
    for source, target, data in graph.edges(data=True):
        strength = 1.0 + math.log(data.get("weight", 1))
        if undirected.has_edge(source, target):
            undirected.edges[source, target]["strength"] += strength
        else:
            undirected.add_edge(source, target, strength=strength)
    try:
        springs = nx.spring_layout(undirected, pos=start, seed=seed, weight="strength")
        found = {n: (float(xy[0]), float(xy[1])) for n, xy in springs.items()}
    except ImportError:
        found = start
    spread = fill_square({n: found[n] for n in undirected})
    return {node: spread[node] if node in spread else _rounded(start[node]) for node in graph}


def fill_square(positions: dict[str, Position]) -> dict[str, Position]:
    """Stretch each axis so the middle 90% of nodes spans [-0.85, 0.85]; clamp the rest to ±1.

    A few far-flung nodes then sit on the border instead of shrinking everyone else.
    """
    if not positions:
        return {}
    scales = []
    for axis in (0, 1):
        values = sorted(p[axis] for p in positions.values())
        low, high = values[len(values) // 20], values[-1 - len(values) // 20]
        scales.append(((low + high) / 2, (high - low) / 1.7 or 1.0))

    def place(value: float, axis: int) -> float:
        centre, half = scales[axis]
        return max(-1.0, min(1.0, (value - centre) / half))

    return {node: _rounded((place(x, 0), place(y, 1))) for node, (x, y) in positions.items()}


def _rounded(position: Position) -> Position:
    return (round(position[0], 4), round(position[1], 4))


def department_sectors(graph: nx.DiGraph, seed: int) -> dict[str, Position]:
    """Each department around its own point of a circle, members scattered near it."""
    rng = random.Random(seed)
    groups: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        groups.setdefault(data.get("department", ""), []).append(node)
    positions: dict[str, Position] = {}
    for index, department in enumerate(sorted(groups)):
        angle = 2 * math.pi * index / len(groups)
        centre = (0.7 * math.cos(angle), 0.7 * math.sin(angle))
        spread = min(0.25, 0.1 + 0.02 * math.sqrt(len(groups[department])))
        for node in groups[department]:
            positions[node] = (
                centre[0] + rng.uniform(-spread, spread),
                centre[1] + rng.uniform(-spread, spread),
            )
    return positions
