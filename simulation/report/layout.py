"""Node positions for the flow graph, grouped by department and stable for a given seed.

Each department gets its own disc, the discs set around a circle (the company's
departments first, then outside parties, then mailing lists) with an area in
proportion to their members. Inside a disc, networkx's spring layout pulls
together colleagues who write to each other; without numpy (networkx needs it
for layouts) members sit on a sunflower spiral, the busiest in the middle. The
page draws a department as one node at its disc's centre when it is folded.
"""

from __future__ import annotations

import math
import random

import networkx as nx

Position = tuple[float, float]
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def layout(graph: nx.DiGraph, seed: int) -> dict[str, Position]:
    """Positions in [-1, 1] for every node of ``graph``, departments grouped."""
    groups = department_groups(graph)
    if not groups:
        return {}
    total = sum(len(members) for members in groups.values())
    turn = random.Random(seed).uniform(0, 2 * math.pi / len(groups))
    radii = {d: 0.95 * math.sqrt(len(m) / total) for d, m in groups.items()}
    widest = max(radii.values())
    ring = 0.0 if len(groups) == 1 else max(0.3, 0.98 - 0.85 * widest)
    positions: dict[str, Position] = {}
    for index, (department, members) in enumerate(groups.items()):
        angle = turn + 2 * math.pi * index / len(groups)
        centre = (ring * math.cos(angle), ring * math.sin(angle))
        chord = 2 * ring * math.sin(math.pi / len(groups)) if len(groups) > 1 else 2.0
        spread = min(radii[department], 0.5 * chord)  # discs never overlap
        for node, (x, y) in _within(graph, members, seed).items():
            positions[node] = _rounded(
                (_clamp(centre[0] + x * spread * 0.85), _clamp(centre[1] + y * spread * 0.85))
            )
    return positions


def department_groups(graph: nx.DiGraph) -> dict[str, list[str]]:
    """Members of each department, in drawing order: the company's own departments
    first (by name), then outside parties, then mailing lists."""
    groups: dict[str, list[str]] = {}
    inside: dict[str, bool] = {}
    lists: set[str] = set()
    for node, data in graph.nodes(data=True):
        department = data.get("department", "")
        groups.setdefault(department, []).append(node)
        inside[department] = inside.get(department, False) or bool(data.get("inside"))
        if data.get("kind") == "list":
            lists.add(department)
    order = sorted(groups, key=lambda d: (d in lists, not inside[d], d.lower()))
    return {d: groups[d] for d in order}


def _within(graph: nx.DiGraph, members: list[str], seed: int) -> dict[str, Position]:
    """Members' positions in the unit disc."""
    busy = sorted(members, key=lambda n: (-graph.degree(n, weight="weight"), n))
    if len(members) > 2:
        undirected: nx.Graph[str] = nx.Graph()
        undirected.add_nodes_from(busy)
        for source, target, data in graph.subgraph(members).edges(data=True):
            strength = 1.0 + math.log(data.get("weight", 1))
            if undirected.has_edge(source, target):
                undirected.edges[source, target]["strength"] += strength
            else:
                undirected.add_edge(source, target, strength=strength)
        start = _sunflower(busy)
        try:
            found = nx.spring_layout(undirected, pos=start, seed=seed, weight="strength")
        except ImportError:
            return start
        return _into_disc({n: (float(xy[0]), float(xy[1])) for n, xy in found.items()})
    return _sunflower(busy)


def _sunflower(nodes: list[str]) -> dict[str, Position]:
    """Points on a sunflower spiral filling the unit disc, the first at the centre."""
    count = len(nodes)
    if count == 1:
        return {nodes[0]: (0.0, 0.0)}
    return {
        node: (
            math.sqrt((k + 0.5) / count) * math.cos(k * GOLDEN_ANGLE),
            math.sqrt((k + 0.5) / count) * math.sin(k * GOLDEN_ANGLE),
        )
        for k, node in enumerate(nodes)
    }


def _into_disc(positions: dict[str, Position]) -> dict[str, Position]:
    """Centre the points and scale them so the farthest lies on the unit circle."""
    cx = sum(p[0] for p in positions.values()) / len(positions)
    cy = sum(p[1] for p in positions.values()) / len(positions)
    far = max(math.hypot(x - cx, y - cy) for x, y in positions.values()) or 1.0
    return {n: ((x - cx) / far, (y - cy) / far) for n, (x, y) in positions.items()}


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))


def _rounded(position: Position) -> Position:
    return (round(position[0], 4), round(position[1], 4))
