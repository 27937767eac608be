"""Reading what a user hands in: files of bounded size, UTF-8 text, YAML with bounded aliases.

Every scenario, injection and grid file and every YAML-valued argument
(``--model-arg``) is read here, so one set of limits holds everywhere:

- a file is at most :data:`MAX_INPUT_BYTES` bytes and must be UTF-8;
- YAML is parsed with PyYAML's safe loader (no Python objects) with YAML 1.2's
  booleans (only ``true``/``false``; ``yes`` and ``no`` are text), and a document
  whose anchors and aliases would expand beyond :data:`MAX_YAML_EXPANSION`
  (counted as scalar characters plus one per node, each alias counted as often as
  it is used) or that uses more than :data:`MAX_YAML_ALIASES` aliases, or an alias
  to itself, is refused before any Python value is built ("billion laughs").

Errors are :class:`InputError` (a ``ValueError``) with one line naming the
source and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import yaml

MAX_INPUT_BYTES = 2_000_000  # 2 MB: the shipped scenarios are ~35 KB
MAX_YAML_EXPANSION = 4_000_000  # scalar characters + nodes once aliases are expanded
MAX_YAML_ALIASES = 1_000


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader with YAML 1.2's booleans: only ``true`` and ``false`` (any
    case) are booleans; ``yes``, ``no``, ``on``, ``off`` stay strings (a condition
    ``[yes, no]`` means what it says; boolean fields still read ``yes`` as true)."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class InputError(ValueError):
    """A file or argument that cannot be read: too large, not UTF-8, not YAML, or a YAML
    document whose aliases expand too far; the text names it and says why."""


def read_text(path: str | Path, *, limit: int = MAX_INPUT_BYTES) -> str:
    """The text of file ``path``, at most ``limit`` bytes (default :data:`MAX_INPUT_BYTES`).

    Raises InputError naming the file when it cannot be read (missing, a folder,
    no permission), is larger than ``limit`` (naming its size and the limit) or is
    not UTF-8 (naming the first bad byte and its position).
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise InputError(f"{path}: a folder, not a file")
        size = path.stat().st_size
        if size > limit:
            raise InputError(
                f"{path}: {_size(size)} is larger than the limit of {_size(limit)} for input files"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror})") from None
    if len(data) > limit:  # grew since stat
        raise InputError(f"{path}: larger than the limit of {_size(limit)} for input files")
    return decode(data, str(path))


def decode(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text (a leading byte-order mark dropped); InputError naming
    ``source``, the first bad byte and its position otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        raise InputError(
            f"{source}: not UTF-8 (byte 0x{byte:02x} at position {exc.start}); save it as UTF-8"
        ) from None


def load_yaml(text: str, source: str, *, limit: int = MAX_INPUT_BYTES) -> Any:
    """The value of YAML document ``text`` (None for an empty one), read safely.

    ``source`` names the file or argument in errors. Raises InputError when the
    text is longer than ``limit`` characters, is not valid YAML (with line and
    column), holds more than one document, is nested too deeply, or its aliases
    expand too far.
    """
    if len(text) > limit:
        raise InputError(f"{source}: {len(text):,} characters, more than the limit of {limit:,}")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, source)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{source}: not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply") from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> Any:
    """The value of the YAML file ``path``: :func:`read_text` then :func:`load_yaml`."""
    return load_yaml(read_text(path), str(path))


def _check_expansion(root: yaml.Node, source: str) -> None:
    """Refuse a node graph whose aliases make it expand too far, or refer to themselves."""
    sizes: dict[int, int] = {}
    seen: set[int] = set()  # every node object once, however often an alias repeats it
    uses = 0  # how often a node already seen is referred to again: the aliases

    def size(node: yaml.Node, path: set[int]) -> int:
        nonlocal uses
        key = id(node)
        if key in path:
            raise InputError(f"{source}: an alias refers to the value that holds it")
        if key in seen:
            uses += 1
            if uses > MAX_YAML_ALIASES:
                raise InputError(f"{source}: more than {MAX_YAML_ALIASES} aliases")
        seen.add(key)
        if key in sizes:
            return sizes[key]
        if isinstance(node, yaml.ScalarNode):
            total = 1 + len(node.value)
        else:
            path.add(key)
            children = node.value if isinstance(node, yaml.SequenceNode) else _pairs(node)
            total = 1 + sum(size(child, path) for child in children)
            path.discard(key)
        if total > MAX_YAML_EXPANSION:
            raise InputError(
                f"{source}: its anchors and aliases expand to more than {MAX_YAML_EXPANSION:,} "
                "characters and values"
            )
        sizes[key] = total
        return total

    size(root, set())


def _pairs(node: yaml.Node) -> list[yaml.Node]:
    return [part for pair in node.value for part in pair]


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def output_file(path: str | Path) -> Path:
    """``path`` checked as a file to write: InputError when it is a folder or its folder
    does not exist (one line naming it), instead of an OSError half-way through."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise InputError(f"{path}: no folder {path.parent} to write it in")
    return path
