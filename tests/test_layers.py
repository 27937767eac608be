"""The package's layers: every run-time import points down (or sideways), never up.

Layers, lowest first (a module may import its own layer and the ones below it)::

    core      simulation/core/            typed events, event log, clock, bridge, run folder
    world     world/                      the company and its rules
    models    agents/models/              litellm client, offline policies, stub server
    agents    agents/                     subject, employees, chatter, the Agent protocol
    scenario  simulation/scenario/, scenarios/   the scenario format and shipped files
    engine    simulation/engine/          Simulation, cast, settings, replay and fork
    analysis  simulation/analysis/        run record, detectors, judge, verdicts, exposure
    report    simulation/report/          HTML pages and graph exports
    pipeline  simulation/pipeline.py      run -> verdicts -> report
    sweep     simulation/sweep/           grids of trials, backends, rates
    cli       simulation/cli/             the ``insider`` command

An import inside a function counts like one at module level (it runs too);
imports under ``if TYPE_CHECKING:`` are type-only and allowed. A package's
``__init__.py`` runs whenever anything under it is imported, so it sits on the
lowest layer of its subtree (``agents/__init__.py`` on ``models``,
``simulation/__init__.py`` on ``core``). The root ``__init__.py`` is the public
API facade: it names everything lazily and is not checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "insider_sim"

LAYERS = (
    "core",
    "world",
    "models",
    "agents",
    "scenario",
    "engine",
    "analysis",
    "report",
    "pipeline",
    "sweep",
    "cli",
)

# source path prefix (relative to the repository root, "/" separated) -> layer;
# the longest matching prefix wins
LAYER_OF_PATH: dict[str, str] = {
    "simulation/core/": "core",
    "world/": "world",
    "agents/models/": "models",
    "agents/": "agents",
    "simulation/scenario/": "scenario",
    "scenarios/": "scenario",
    "simulation/engine/": "engine",
    "simulation/analysis/": "analysis",
    "simulation/report/": "report",
    "simulation/pipeline.py": "pipeline",
    "simulation/sweep/": "sweep",
    "simulation/cli/": "cli",
}


@dataclass(frozen=True)
class Violation:
    """One import that breaks the layering: where it is and which layers it joins."""

    path: str
    line: int
    target: str
    layer: str
    target_layer: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.layer} imports {self.target} "
            f"({self.target_layer}), a layer above it"
        )


def package_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package: dotted name -> file.

    Folders are packages when they hold an ``__init__.py`` (tests/, benchmarks/ and
    runs/ do not, and are not part of the package).
    """
    modules: dict[str, Path] = {}

    def walk(folder: Path, dotted: str) -> None:
        for path in sorted(folder.iterdir()):
            if path.is_dir() and (path / "__init__.py").is_file():
                walk(path, f"{dotted}.{path.name}")
            elif path.suffix == ".py":
                name = dotted if path.name == "__init__.py" else f"{dotted}.{path.stem}"
                modules[name] = path

    walk(root, PACKAGE)
    return modules


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _layer_by_prefix(rel: str) -> str | None:
    matches = [prefix for prefix in LAYER_OF_PATH if rel.startswith(prefix)]
    return LAYER_OF_PATH[max(matches, key=len)] if matches else None


def module_layers(modules: dict[str, Path], root: Path = ROOT) -> dict[str, str | None]:
    """Each module's layer (None when unmapped); the root facade is left out.

    A package ``__init__`` takes the lowest layer found in its subtree.
    """
    layers: dict[str, str | None] = {}
    for name, path in modules.items():
        if name != PACKAGE and path.name != "__init__.py":
            layers[name] = _layer_by_prefix(_relative(path, root))
    for name, path in modules.items():
        if name == PACKAGE or path.name != "__init__.py":
            continue
        below = [
            layer
            for other, layer in layers.items()
            if layer is not None and other.startswith(name + ".")
        ]
        own = _layer_by_prefix(_relative(path, root))
        candidates = [*below, *([own] if own else [])]
        layers[name] = min(candidates, key=LAYERS.index) if candidates else None
    return layers


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, dotted target) of every import that runs, TYPE_CHECKING blocks skipped.

    ``from a.b import c`` yields ``a.b.c`` (the caller falls back to ``a.b`` when
    ``c`` is a name, not a module); ``importlib.import_module("a.b")`` with a
    literal counts too.
    """
    found: list[tuple[int, str]] = []
    base = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                source = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            found.extend((node.lineno, f"{source}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _resolve(target: str, layers: dict[str, str | None]) -> str | None:
    """The package module an import target lands in (itself or its nearest parent)."""
    parts = target.split(".")
    while parts:
        name = ".".join(parts)
        if name in layers or name == PACKAGE:
            return name
        parts.pop()
    return None


def find_violations(root: Path = ROOT) -> tuple[list[Violation], list[str]]:
    """(upward imports, unmapped module files) over the package under ``root``."""
    modules = package_modules(root)
    layers = module_layers(modules, root)
    unmapped = sorted(_relative(modules[m], root) for m, layer in layers.items() if not layer)
    violations: list[Violation] = []
    for name, layer in layers.items():
        if layer is None:
            continue
        path = modules[name]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in _runtime_imports(tree, name, path.name == "__init__.py"):
            if not target.startswith(PACKAGE):
                continue
            landed = _resolve(target, layers)
            if landed is None:
                continue
            landed_layer = "public API facade" if landed == PACKAGE else layers[landed]
            if landed == PACKAGE or (
                landed_layer is not None and LAYERS.index(landed_layer) > LAYERS.index(layer)
            ):
                violations.append(
                    Violation(_relative(path, root), line, landed, layer, str(landed_layer))
                )
    return violations, unmapped


def bare_imports(root: Path = ROOT) -> list[str]:
    """``path:line: name`` of every import of a package folder by its bare name.

    ``import world`` or ``from agents.base import Agent`` resolve only while the
    repository root is on sys.path (``python -m pytest`` puts it there) and, once
    installed, reach nothing or another distribution's ``agents``. Package modules,
    tests and benchmarks are all checked, type-only imports too.
    """
    modules = package_modules(root)
    folders = {name.split(".")[1] for name in modules if name.count(".") >= 1}
    files = [
        *modules.values(),
        *sorted(root.glob("tests/*.py")),
        *sorted(root.glob("benchmarks/*.py")),
    ]
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                targets = [node.module]
            else:
                continue
            found += [
                f"{_relative(path, root)}:{node.lineno}: {target}"
                for target in targets
                if target.split(".")[0] in folders
            ]
    return found


def test_every_module_has_a_layer() -> None:
    _, unmapped = find_violations()
    assert not unmapped, f"modules on no layer (add them to LAYER_OF_PATH): {unmapped}"


def test_imports_point_down_only() -> None:
    violations, _ = find_violations()
    assert not violations, "upward imports:\n" + "\n".join(map(str, violations))


def test_nothing_imports_a_package_folder_by_its_bare_name() -> None:
    assert bare_imports() == [], "use insider_sim.<folder>"


def test_the_layer_list_is_the_same_in_readme_and_the_public_api() -> None:
    arrow = " <- ".join(LAYERS)
    assert arrow in (ROOT / "README.md").read_text(encoding="utf-8")
    init_doc = ast.get_docstring(ast.parse((ROOT / "__init__.py").read_text(encoding="utf-8")))
    assert init_doc is not None and arrow in " ".join(init_doc.split())


def _write(root: Path, rel: str, text: str = "") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A miniature package tree with one module per layer folder, no imports yet."""
    for rel in (
        "__init__.py",
        "simulation/__init__.py",
        "simulation/core/__init__.py",
        "simulation/core/events.py",
        "world/__init__.py",
        "world/rules.py",
        "agents/__init__.py",
        "agents/base.py",
        "agents/models/__init__.py",
        "agents/models/offline.py",
        "simulation/engine/__init__.py",
        "simulation/engine/simulation.py",
        "simulation/cli/__init__.py",
        "simulation/cli/main.py",
    ):
        _write(tmp_path, rel)
    return tmp_path


def test_the_check_names_file_line_and_both_layers_of_an_upward_import(toy: Path) -> None:
    _write(
        toy,
        "world/rules.py",
        "import json\n\ndef f():\n    from insider_sim.simulation.engine import simulation\n",
    )
    violations, unmapped = find_violations(toy)
    assert unmapped == []
    assert [str(v) for v in violations] == [
        "world/rules.py:4: world imports insider_sim.simulation.engine.simulation (engine), "
        "a layer above it"
    ]


def test_the_check_allows_downward_and_type_checking_imports(toy: Path) -> None:
    _write(
        toy,
        "simulation/engine/simulation.py",
        "from typing import TYPE_CHECKING\n"
        "from insider_sim.world.rules import x\n"
        "from ...agents.models import offline\n"
        "if TYPE_CHECKING:\n"
        "    from insider_sim.simulation.cli.main import app\n",
    )
    assert find_violations(toy) == ([], [])


def test_the_check_sees_relative_dynamic_and_package_init_imports(toy: Path) -> None:
    _write(toy, "simulation/core/events.py", "from ..engine import simulation\n")
    _write(
        toy,
        "agents/__init__.py",  # runs on every import of agents.models: it sits on `models`
        "from insider_sim.agents.base import Agent\n",
    )
    _write(
        toy,
        "world/rules.py",
        "import importlib\nimportlib.import_module('insider_sim.simulation.cli.main')\n",
    )
    violations, _ = find_violations(toy)
    assert sorted((v.path, v.line, v.layer, v.target_layer) for v in violations) == [
        ("agents/__init__.py", 1, "models", "agents"),
        ("simulation/core/events.py", 1, "core", "engine"),
        ("world/rules.py", 2, "world", "cli"),
    ]


def test_the_check_refuses_the_facade_and_unmapped_modules(toy: Path) -> None:
    _write(toy, "world/rules.py", "from insider_sim import Simulation\n")
    _write(toy, "misc/__init__.py")
    _write(toy, "misc/tool.py")
    violations, unmapped = find_violations(toy)
    assert [(v.path, v.target_layer) for v in violations] == [
        ("world/rules.py", "public API facade")
    ]
    assert unmapped == ["misc/__init__.py", "misc/tool.py"]


def test_the_check_finds_bare_folder_imports(toy: Path) -> None:
    _write(toy, "world/rules.py", "import json\nfrom agents.base import Agent\n")
    _write(toy, "tests/test_x.py", "import world.rules\nfrom conftest import addr\n")
    assert bare_imports(toy) == ["world/rules.py:2: agents.base", "tests/test_x.py:1: world.rules"]
