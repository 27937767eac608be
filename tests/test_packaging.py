"""The built wheel: one top-level name, every module and data file, no clash with openai-agents.

The wheel is built once for this module, from a copy of the working tree (so a
build leaves nothing behind here), with pip and the environment's setuptools
(``--no-build-isolation`` when it is setuptools 77 or newer, as the dev extra
installs; else pip fetches the build backend).

The openai-agents test needs a folder of wheels, named by the environment variable
``INSIDER_OPENAI_AGENTS_WHEELS``, holding openai-agents and its dependencies
(``pip download --only-binary :all: openai-agents -d DIR``; ``.ci/run`` does this).
Without it the test is skipped.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from test_layers import package_modules

ROOT = Path(__file__).resolve().parent.parent
WHEELS_VARIABLE = "INSIDER_OPENAI_AGENTS_WHEELS"
NOT_SOURCE = ("*.egg-info", "__pycache__", ".git", ".venv", "runs", "build", "dist", ".*_cache")


def pip(*args: str, python: Path | None = None) -> None:
    """Run this environment's pip (on ``python``'s environment if given); fail with its output."""
    target = ["--python", str(python)] if python else []
    done = subprocess.run(
        [sys.executable, "-m", "pip", *target, "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of the working tree."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    setuptools_major = int(importlib.metadata.version("setuptools").split(".")[0])
    isolation = ["--no-build-isolation"] if setuptools_major >= 77 else []
    pip("wheel", "--no-deps", *isolation, "-q", "-w", str(work / "out"), str(source))
    (built,) = (work / "out").glob("insider_sim-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel: Path) -> list[str]:
    """The paths of the files in the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_installs_one_top_level_name(names: list[str]) -> None:
    tops = {name.split("/")[0] for name in names}
    dist_info = {top for top in tops if top.endswith(".dist-info")}
    assert len(dist_info) == 1 and next(iter(dist_info)).startswith("insider_sim-")
    assert tops - dist_info == {"insider_sim"}


def test_the_wheel_holds_every_module_of_the_source(names: list[str]) -> None:
    # the module list comes from the folders, the wheel's from pyproject's package list:
    # a new subpackage missing from that list shows here
    source = {
        "insider_sim/" + path.relative_to(ROOT).as_posix() for path in package_modules().values()
    }
    shipped = {name for name in names if name.endswith(".py")}
    assert sorted(source - shipped) == [], "modules missing from the wheel"
    assert sorted(shipped - source) == [], "files in the wheel that are no module of the source"


def test_the_wheel_holds_the_data_files(names: list[str]) -> None:
    wanted = {"insider_sim/py.typed", "insider_sim/scenarios/README.md"}
    wanted |= {
        "insider_sim/" + path.relative_to(ROOT).as_posix()
        for pattern in (
            "scenarios/**/*.yaml",
            "simulation/report/assets/*",
            "simulation/analysis/labels/*.yaml",
        )
        for path in ROOT.glob(pattern)
    }
    assert any(name.endswith(".yaml") for name in wanted)
    assert any("/report/assets/" in name for name in wanted)
    assert sorted(wanted - set(names)) == []


def test_the_wheel_declares_the_insider_command(wheel: Path, names: list[str]) -> None:
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(entry_points).decode()
    assert "insider = insider_sim.simulation.cli.main:app" in text


def _fresh_venv(folder: Path) -> tuple[Path, Path]:
    """A venv without pip whose site-packages falls back on this environment's.

    Returns (python, site-packages). The fallback path goes last on sys.path, so
    what is installed in the venv wins; it is there for the dependencies
    (pydantic, litellm, AutoGen, ...) so nothing big is installed for the test.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "zz_outer_environment.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python, site


def _where(python: Path, code: str) -> dict[str, str]:
    """Run ``code`` in ``python``; it prints a JSON object, returned here."""
    done = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=300, cwd=python.parent
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_installs_beside_openai_agents_and_survives_its_removal(
    wheel: Path, tmp_path: Path
) -> None:
    folder = os.environ.get(WHEELS_VARIABLE)
    if not folder or not list(Path(folder).glob("openai_agents-*.whl")):
        pytest.skip(
            f"no openai-agents wheel: set {WHEELS_VARIABLE} to a folder made by "
            "'pip download --only-binary :all: openai-agents -d FOLDER' "
            "(.ci/run does)"
        )
    python, site = _fresh_venv(tmp_path / "venv")
    # openai-agents first, then the project: the order in which a clash overwrote it
    quiet = ("-q", "--no-compile")
    pip("install", *quiet, "--no-index", "--find-links", folder, "openai-agents", python=python)
    # --ignore-installed: the outer environment's own insider-sim must not hide this one
    pip("install", *quiet, "--no-deps", "--ignore-installed", str(wheel), python=python)

    found = _where(
        python,
        "import json, agents, insider_sim\n"
        "from insider_sim.agents.models.litellm_client import LiteLLMClient\n"
        "from agents import Agent, Runner\n"
        "print(json.dumps({'agents': agents.__file__, 'insider_sim': insider_sim.__file__,"
        " 'client': LiteLLMClient.__module__}))",
    )
    assert found["agents"] == str(site / "agents" / "__init__.py")
    assert found["insider_sim"] == str(site / "insider_sim" / "__init__.py")
    assert found["client"] == "insider_sim.agents.models.litellm_client"

    pip("uninstall", "-q", "-y", "openai-agents", python=python)
    assert not (site / "agents").exists()
    after = _where(
        python,
        "import json, importlib.util, insider_sim.agents.models as m\n"
        "print(json.dumps({'client': m.__file__,"
        " 'agents': str(importlib.util.find_spec('agents'))}))",
    )
    assert after["client"] == str(site / "insider_sim" / "agents" / "models" / "__init__.py")
    assert after["agents"] == "None"
