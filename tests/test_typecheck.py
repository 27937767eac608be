"""The type check (.ci/typecheck.py) sees the package under its real module names."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _typecheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("typecheck", ROOT / ".ci" / "typecheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_module_is_checked_from_the_file_python_imports() -> None:
    sources = _typecheck().package_sources(ROOT)
    found = {s.module: s.path for s in sources}
    assert found["insider_sim"] == "__init__.py"
    assert found["insider_sim.world.rules"] == "world/rules.py"
    assert found["insider_sim.simulation.core.events"] == "simulation/core/events.py"
    for module, path in found.items():
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, module
        assert Path(spec.origin).resolve() == (ROOT / path).resolve(), module


def test_errors_name_the_project_file_and_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a project laid out like this one: its root folder is the package `demo`
    (tmp_path / "pyproject.toml").write_text(
        '[tool.setuptools]\npackage-dir = { "demo" = "." }\npackages = ["demo", "demo.sub"]\n'
    )
    (tmp_path / "__init__.py").write_text(
        "from demo.sub.mod import count\n\nlabel: str = count\n"  # resolved by its real name
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "__init__.py").write_text("")
    (tmp_path / "sub" / "mod.py").write_text("count: int = 3\nname: int = 'x'\n")
    (tmp_path / "tests").mkdir()  # not a listed package: not checked
    (tmp_path / "tests" / "test_x.py").write_text("broken: int = 'x'\n")
    monkeypatch.chdir(tmp_path)
    status = _typecheck().main(["--cache-dir", str(tmp_path / "cache")], root=tmp_path)
    out = capsys.readouterr().out
    assert status == 1
    assert '__init__.py:3: error: Incompatible types in assignment (expression has type "int"' in (
        out
    )
    assert "sub/mod.py:2: error: Incompatible types in assignment" in out
    assert "test_x" not in out
    assert "Found 2 errors in 2 files (checked 3 source files)" in out

    (tmp_path / "__init__.py").write_text("from demo.sub.mod import count\n\ntotal: int = count\n")
    (tmp_path / "sub" / "mod.py").write_text("count: int = 3\n")
    status = _typecheck().main(["--cache-dir", str(tmp_path / "cache")], root=tmp_path)
    assert status == 0
    assert "Success: no issues found in 3 source files" in capsys.readouterr().out
