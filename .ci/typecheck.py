"""Type-check the package `insider_sim` with mypy, under its real module names.

The repository root is the package (pyproject: package-dir {"insider_sim": "."}), and the
default editable install reaches it through an import hook that mypy cannot follow; nor can
mypy name a file `insider_sim.world.rules` from the path `world/rules.py`, because it takes
package names from folder names. So this script gives mypy the module-to-file map itself,
read from pyproject's [tool.setuptools] `packages` and `package-dir` (the same map the wheel
is built from). Errors name the repository's own files (`world/rules.py:12`), new modules
are checked without a reinstall, and the settings come from pyproject's [tool.mypy].

Usage, from anywhere: `.venv/bin/python .ci/typecheck.py [extra mypy options]`.
Exit status: 0 clean, 1 type errors, 2 blocking errors (e.g. a syntax error).
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

from mypy import build, util
from mypy.errors import CompileError
from mypy.fscache import FileSystemCache
from mypy.main import process_options
from mypy.modulefinder import BuildSource

ROOT = Path(__file__).resolve().parent.parent


def package_sources(root: Path) -> list[BuildSource]:
    """One BuildSource per .py/.pyi file of every package pyproject lists.

    Paths are relative to `root`; each package's folder comes from the longest
    matching `package-dir` entry (a package without one lives at its dotted path).
    """
    with open(root / "pyproject.toml", "rb") as f:
        setuptools = tomllib.load(f)["tool"]["setuptools"]
    package_dir: dict[str, str] = setuptools.get("package-dir", {})
    sources = []
    for package in setuptools["packages"]:
        parts = package.split(".")
        for cut in range(len(parts), -1, -1):
            base = ".".join(parts[:cut])
            if base in package_dir:
                folder = Path(package_dir[base], *parts[cut:])
                break
        else:
            folder = Path(*parts)
        for path in sorted((root / folder).iterdir()):
            if path.suffix not in (".py", ".pyi"):
                continue
            module = package if path.stem == "__init__" else f"{package}.{path.stem}"
            sources.append(BuildSource(str(path.relative_to(root)), module))
    return sources


def main(argv: list[str], root: Path = ROOT) -> int:
    """Check the packages of the project at ``root`` with its own settings.

    Prints mypy's messages (paths relative to ``root``) and a summary; returns the exit
    status. ``argv`` holds extra mypy options. Works in ``root`` (chdir), where mypy also
    finds its configuration and keeps its cache.
    """
    os.chdir(root)
    fscache = FileSystemCache()
    _, options = process_options(argv, require_targets=False, fscache=fscache)
    sources = package_sources(root)
    blockers = False
    try:
        messages = build.build(sources, options, fscache=fscache).errors
    except CompileError as e:
        messages, blockers = e.messages, True
    formatter = util.FancyFormatter(sys.stdout, sys.stderr, options.hide_error_codes)
    for line in messages:
        print(formatter.colorize(line) if options.color_output else line)
    n_errors, _, n_files = util.count_stats(messages)
    if n_errors or blockers:
        print(
            formatter.format_error(
                n_errors, n_files, len(sources), blockers=blockers, use_color=options.color_output
            )
        )
        return 2 if blockers else 1
    print(formatter.format_success(len(sources), options.color_output))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
