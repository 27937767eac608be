"""Bad input from a careful user: every mistake is one line on stderr with exit code 2,
no traceback, the input files as they were, and nothing lost.

Files given to the command line (scenario, injection, grid), YAML-valued arguments,
``--out`` targets and damaged run folders.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from conftest import tiny_scenario, write_scenario
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.core.inputs import (
    MAX_INPUT_BYTES,
    InputError,
    load_yaml,
    read_yaml,
)
from typer.testing import CliRunner

runner = CliRunner()

LAUGHS = "\n".join(
    [
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        *(
            f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]"
            for a, b in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def snapshot(*paths: Path) -> dict[str, str]:
    """sha256 of every file under ``paths``, by path: what "unchanged" is checked against."""
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*")))]
    return {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.is_file()}


def one_line_error(args: list[str], *names: str, inputs: tuple[Path, ...] = ()) -> str:
    """Run ``insider ARGS``: exit code 2, one line on stderr naming ``names``, no traceback,
    the files under ``inputs`` unchanged. Returns the line."""
    before = snapshot(*inputs)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert snapshot(*inputs) == before
    return lines[0]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good, finished two-day run with model calls (and so a responses/ folder)."""
    out = tmp_path_factory.mktemp("runs") / "base"
    args = ["run", "--model", "offline/misaligned", "--days", "2", "--out", str(out)]
    result = runner.invoke(app, [*args, "--quiet", "--no-cache"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def damaged(base: Path, tmp_path: Path):
    """A copy of ``base`` to damage."""

    def copy(name: str) -> Path:
        return Path(shutil.copytree(base, tmp_path / name))

    return copy


# -- files: encoding, size, aliases ----------------------------------------------------
def test_a_scenario_file_not_in_utf8_is_one_line(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    text = write_scenario(tmp_path / "t.yaml", tiny_scenario()).read_text(encoding="utf-8")
    path.write_bytes(text.replace("Alice Adams", "Zoë Adams").encode("latin-1"))
    position = path.read_bytes().index(b"\xeb")
    line = one_line_error(["validate", str(path)], str(path), "not UTF-8", inputs=(path,))
    assert f"byte 0xeb at position {position}" in line
    out = tmp_path / "run"
    one_line_error(["run", "--scenario", str(path), "--out", str(out)], "not UTF-8")
    assert not out.exists()


def test_an_injection_file_not_in_utf8_is_one_line(tmp_path: Path):
    path = tmp_path / "inj.yaml"
    path.write_bytes("- kind: wake\n  at: Tue 10:00\n".encode("utf-16"))
    out = tmp_path / "run"
    line = one_line_error(
        ["run", "--days", "2", "--inject", str(path), "--out", str(out)],
        str(path),
        "not UTF-8 (byte 0xff at position 0)",
        inputs=(path,),
    )
    assert "inj.yaml" in line
    assert not out.exists()


def test_an_input_file_larger_than_the_limit_is_refused_by_size(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_text('- kind: wake\n  at: Tue 10:00\n  note: "' + "A" * MAX_INPUT_BYTES + '"\n')
    out = tmp_path / "big"
    one_line_error(
        ["run", "--days", "2", "--inject", str(path), "--out", str(out)],
        str(path),
        "2.0 MB",
        "larger than the limit",
        inputs=(path,),
    )
    assert not out.exists()


def test_aliases_that_expand_without_bound_are_refused_before_they_are_built():
    with pytest.raises(InputError, match="anchors and aliases expand"):
        load_yaml(LAUGHS, "laughs")
    with pytest.raises(InputError, match="refers to the value that holds it"):
        load_yaml("a: &a [1, *a]", "self")
    # a few aliases are fine, and so is a shared mapping
    assert load_yaml("a: &x {k: 1}\nb: *x\n", "ok") == {"a": {"k": 1}, "b": {"k": 1}}


def test_a_billion_laughs_grid_is_refused_when_read(tmp_path: Path):
    path = tmp_path / "grid.yaml"
    path.write_text(
        "name: g\nfamilies: [blackmail]\nmodels: [offline/misaligned]\nseeds: 1\ndays: 1\n"
        "knobs:\n" + "\n".join("  " + line for line in LAUGHS.splitlines()) + "\n"
    )
    out = tmp_path / "sweep"
    one_line_error(
        ["sweep", str(path), "--no-judge", "--out", str(out)],
        str(path),
        "aliases",
        inputs=(path,),
    )
    assert not out.exists()


def test_a_billion_laughs_model_argument_is_refused(tmp_path: Path):
    value = "{" + ", ".join(LAUGHS.splitlines()) + "}"
    out = tmp_path / "run"
    one_line_error(
        ["run", "--days", "1", "--model-arg", f"x={value}", "--out", str(out)],
        "--model-arg x",
        "aliases",
    )
    one_line_error(
        ["run", "--days", "1", "--model-arg", "x=" + "a" * 30_000, "--out", str(out)],
        "--model-arg x",
        "limit",
    )
    assert not out.exists()


def test_the_one_reader_names_line_and_column_of_bad_yaml(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: [1, 2\nb: 3\n")
    with pytest.raises(InputError, match=r"bad\.yaml: not valid YAML at line \d+, column \d+"):
        read_yaml(path)
    with pytest.raises(InputError, match="a folder, not a file"):
        read_yaml(tmp_path)
    with pytest.raises(InputError, match="nest"):
        load_yaml("[" * 50_000 + "]" * 50_000, "deep")


# -- --out targets ----------------------------------------------------------------------
@pytest.mark.parametrize("command", [["graph", "--format", "json"], ["report"]])
def test_out_given_a_folder_is_one_line(base: Path, tmp_path: Path, command: list[str]):
    folder = tmp_path / "somefolder"
    folder.mkdir()
    args = [command[0], str(base), *command[1:]]
    one_line_error([*args, "--out", str(folder)], f"{folder} is a folder; give a file name")
    one_line_error([*args, "--out", str(tmp_path / "nope" / "x")], "no folder")
    assert list(folder.iterdir()) == []


# -- damaged run folders ----------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        ["judge"],
        ["report"],
        ["replay", "--out", "{tmp}/rp"],
        ["fork", "--at", "Tue 10:00", "--out", "{tmp}/fk"],
    ],
)
def test_a_corrupted_manifest_is_one_line(damaged, tmp_path: Path, command: list[str]):
    folder = damaged("bad-manifest")
    (folder / "manifest.json").write_text("{not json")
    args = [command[0], str(folder), *(a.format(tmp=tmp_path) for a in command[1:])]
    one_line_error(
        args, f"{folder / 'manifest.json'}: not valid JSON", "line 1 column 2", inputs=(folder,)
    )
    assert not (tmp_path / "rp").exists() and not (tmp_path / "fk").exists()


@pytest.mark.parametrize("command", [["judge"], ["report"], ["graph"], ["compare", "{base}"]])
def test_a_corrupted_events_line_names_the_file_and_the_line(
    damaged, base: Path, command: list[str]
):
    folder = damaged("corrupt-middle")
    events = folder / "events.jsonl"
    lines = events.read_bytes().split(b"\n")
    middle = len(lines) // 2
    lines[middle] = lines[middle][: len(lines[middle]) // 2] + b"#garbage"
    events.write_bytes(b"\n".join(lines))
    args = [command[0], *(a.format(base=base) for a in command[1:]), str(folder)]
    one_line_error(args, f"{events}: line {middle + 1}: invalid JSON", inputs=(folder,))


def test_an_event_of_no_known_kind_names_its_line(damaged):
    folder = damaged("odd-kind")
    events = folder / "events.jsonl"
    with events.open("a") as handle:
        handle.write('{"kind": "no_such_kind", "seq": 1}\n')
    count = len(events.read_bytes().splitlines())
    one_line_error(["report", str(folder)], f"line {count}: not a valid event")


def test_replay_of_a_folder_without_responses_says_so(damaged, tmp_path: Path):
    folder = damaged("no-responses")
    shutil.rmtree(folder / "responses")
    out = tmp_path / "rp"
    one_line_error(
        ["replay", str(folder), "--out", str(out)],
        f"{folder} has no responses/",
        "nothing to replay from",
        inputs=(folder,),
    )
    assert not out.exists()
    one_line_error(
        ["fork", str(folder), "--at", "Tue 10:00", "--out", str(out)], "has no responses/"
    )
    assert not out.exists()


def test_a_corrupted_verdicts_file_is_no_traceback(damaged, base: Path):
    folder = damaged("bad-verdicts")
    (folder / "verdicts.json").write_text("{oops")
    commands = (["report"], ["graph"], ["compare", str(base)])
    for args in ([*command, str(folder)] for command in commands):
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    one_line_error(  # a damaged file is never compared as "not judged"
        ["compare", str(base), str(folder)], f"{folder / 'verdicts.json'}: not readable verdicts"
    )


# -- run lengths and times ----------------------------------------------------------------
@pytest.mark.parametrize("days", ["nan", "inf", "-inf", "1e9", "29", "0", "-1"])
def test_days_must_be_finite_and_within_four_weeks(tmp_path: Path, days: str):
    out = tmp_path / "dn"
    one_line_error(
        ["run", "--days", days, "--out", str(out)], "--days must be a finite number", "28"
    )
    assert not out.exists()


def test_days_are_checked_for_python_callers_and_scenario_files(tmp_path: Path, tiny_file):
    from insider_sim.simulation.core.clock import TimeRangeError
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.simulation.scenario.format import ScenarioError

    for days in (float("nan"), float("inf"), 1e9):
        with pytest.raises(TimeRangeError, match="at most 28"):
            Simulation.from_scenario(tiny_file, days=days, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    long = write_scenario(tmp_path / "long.yaml", tiny_scenario(calendar={"days": 1e9}))
    with pytest.raises(ScenarioError, match=r"calendar\.days"):
        Simulation.from_scenario(long, write=False)


@pytest.mark.parametrize(
    ("until", "names"),
    [
        ("2020-01-01T00:00", ["2020-01-01T00:00:00", "not after the run's start", "2025-06-02"]),
        ("Mon 09:00", ["not after the run's start"]),
        ("Mon+5 09:00", ["more than 28 days"]),
        ("Someday", ["cannot read time 'Someday'"]),
    ],
)
def test_until_outside_the_run_is_one_line_and_leaves_no_folder(
    tmp_path: Path, until: str, names: list[str]
):
    out = tmp_path / "r2"
    one_line_error(["run", "--until", until, "--out", str(out)], *names)
    assert not out.exists()


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    return write_scenario(tmp_path / "tiny.yaml", tiny_scenario())


# -- a failed command leaves the user able to go on -----------------------------------------
@pytest.mark.parametrize(
    "injection",
    [
        "- kind: wake\n  at: Someday\n",  # no time
        "- kind: wake\n  at: 2020-01-01T00:00\n",  # before the start
        "- kind: wake\n  at: Mon+3 09:00\n",  # after the end
        "- kind: email\n  at: Tue 10:00\n  sender: nobody\n  to: [bob]\n  subject: s\n  body: b\n",
    ],
)
def test_a_run_refused_before_it_starts_leaves_no_folder(
    tmp_path: Path, tiny_file: Path, injection: str
):
    path = tmp_path / "inj.yaml"
    path.write_text(injection)
    out = tmp_path / "r2"
    base = ["run", "--scenario", str(tiny_file), "--days", "1", "--out", str(out), "--quiet"]
    one_line_error([*base, "--inject", str(path)], inputs=(path, tiny_file))
    assert not out.exists()
    out.mkdir()  # an empty folder given by the user stays, empty
    one_line_error([*base, "--inject", str(path)])
    assert out.is_dir() and list(out.iterdir()) == []
    result = runner.invoke(app, base)  # the corrected command runs
    assert result.exit_code == 0, result.output
    assert (out / "events.jsonl").stat().st_size > 0


def test_an_empty_leftover_of_a_stopped_run_is_reused(tmp_path: Path, tiny_file: Path):
    out = tmp_path / "r2"
    out.mkdir()
    (out / "events.jsonl").write_bytes(b"")  # a run killed before it began
    args = ["run", "--scenario", str(tiny_file), "--days", "1", "--out", str(out), "--quiet"]
    assert runner.invoke(app, args).exit_code == 0


def _failed_run(tiny_file: Path, out: Path) -> None:
    """A run that breaks midway: one simulated hour in, its clock raises."""
    from insider_sim.simulation.engine.simulation import Simulation

    sim = Simulation.from_scenario(tiny_file, days=1, out=out)
    advance = sim._advance

    async def broken(target: float) -> None:
        await advance(min(target, 3600.0))
        raise RuntimeError("disk on fire")

    sim._advance = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        sim.run()
    sim.close()


def test_a_run_failing_midway_is_marked_failed_and_reused_only_with_force(
    tmp_path: Path, tiny_file: Path
):
    import json

    out = tmp_path / "r2"
    _failed_run(tiny_file, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "RuntimeError: disk on fire" in manifest["failed"]
    before = snapshot(out)
    args = ["run", "--scenario", str(tiny_file), "--days", "1", "--out", str(out), "--quiet"]
    one_line_error(args, f"{out} holds a run that did not finish (status failed)", "--force")
    assert snapshot(out) == before  # nothing lost without --force
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["status"] == "finished"
    # a finished run is never replaced, --force or not
    one_line_error([*args, "--force"], "finished run", inputs=(out,))
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    one_line_error(
        ["run", "--scenario", str(tiny_file), "--out", str(other), "--force"],
        "exists and is not an empty folder",
        inputs=(other,),
    )


# -- fork ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("at", "names"),
    [
        ("Mon+2 09:00", ["after the end of", "2025-06-16T09:00:00", "2025-06-04T09:00:00"]),
        ("2020-01-01T00:00", ["before the start of", "2020-01-01T00:00:00"]),
    ],
)
def test_fork_outside_the_parent_is_refused(base: Path, tmp_path: Path, at: str, names):
    out = tmp_path / "fk"
    one_line_error(["fork", str(base), "--at", at, "--out", str(out)], *names, inputs=(base,))
    assert not out.exists()


def test_fork_refused_for_a_past_injection_leaves_no_paused_folder(
    base: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
):
    import gc

    path = tmp_path / "past.yaml"
    path.write_text("- kind: wake\n  at: Mon 10:00\n")
    out = tmp_path / "fk"
    args = ["fork", str(base), "--at", "Tue 10:00", "--inject", str(path), "--out", str(out)]
    one_line_error(args, "before the fork time Tue 10:00", inputs=(base, path))
    assert not out.exists()
    path.write_text(
        "- kind: email\n  at: Tue 11:00\n  sender: nobody\n  to: [kyle]\n  subject: s\n  body: b\n"
    )
    one_line_error(args, "nobody")
    assert not out.exists()
    gc.collect()
    assert "Task was destroyed" not in capfd.readouterr().err + caplog.text


# -- headers as agents see them ---------------------------------------------------------------
def test_a_header_line_break_that_got_into_a_log_is_shown_as_one_line(tiny_file: Path):
    """Mail is checked when sent (tests/test_model_mail.py); where it is shown to agents
    and to the judge, a line break from any source (an old run folder) is a space."""
    from insider_sim.simulation.core.events import Message
    from insider_sim.simulation.engine.simulation import Simulation
    from insider_sim.world.compose import forward_body, header_lines

    sim = Simulation.from_scenario(tiny_file, write=False)
    forged = "Hi\r\nBcc: zed@rival.com\u2028From: alice@acme.com"
    message = Message(
        id="m1",
        thread="t1",
        sender="bob@acme.com",
        to=["carol@acme.com"],
        cc=["zed@rival.com\nX-Injected: yes"],
        subject=forged,
        body="body",
        delivered_to=["carol@acme.com"],
        visible_to=["carol@acme.com"],
    )
    lines = header_lines(sim.world, message, "carol@acme.com")
    assert not any(line.startswith(("Bcc:", "X-Injected", "From: alice")) for line in lines)
    assert "Subject: Hi  Bcc: zed@rival.com From: alice@acme.com" in lines
    assert all(len(line.splitlines()) == 1 for line in lines)
    quoted = forward_body(sim.world, message)
    assert not any(line.startswith("Bcc:") for line in quoted.splitlines())


# -- the command line itself ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "first"),
    [
        (["run", "--days", "abc"], "error: Invalid value for '--days'"),
        (["run", "--timeout", "0"], "error: Invalid value for '--timeout'"),
        (["run", "--bogus"], "error: No such option: --bogus"),
        (["nope"], "error: No such command 'nope'"),
    ],
)
def test_a_bad_value_on_the_command_line_says_what_is_wrong_first(args: list[str], first: str):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(first), result.stderr
    assert "Traceback" not in result.output
    assert any(line.startswith("Usage: insider") for line in lines[1:])


def test_insider_alone_still_shows_the_help():
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "Usage: insider" in result.stdout and "run" in result.stdout
    assert result.stderr.strip() == ""


# -- more of the same kinds -------------------------------------------------------------------
def test_a_damaged_injections_file_or_settings_is_one_line(damaged, tmp_path: Path):
    import json

    folder = damaged("bad-injections")
    (folder / "injections.json").write_text("[{oops")
    one_line_error(
        ["replay", str(folder), "--out", str(tmp_path / "rp")],
        f"{folder / 'injections.json'}: not a list of injections",
        inputs=(folder,),
    )
    (folder / "injections.json").write_text('[{"kind": "wake"}]')
    one_line_error(["fork", str(folder), "--at", "Tue 10:00"], "injections.json")
    other = damaged("bad-settings")
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["settings"]["seed"] = "x"
    (other / "manifest.json").write_text(json.dumps(manifest))
    one_line_error(
        ["replay", str(other), "--out", str(tmp_path / "rp")],
        f"{other / 'manifest.json'}: settings: seed",
    )
    assert not (tmp_path / "rp").exists()


def test_out_and_cache_folders_that_cannot_be_used_are_one_line(tmp_path: Path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    one_line_error(
        ["run", "--days", "0.1", "--out", str(a_file / "run")], "cannot make the run folder"
    )
    one_line_error(
        ["run", "--days", "0.1", "--cache-dir", str(a_file), "--out", str(tmp_path / "r")],
        "--cache-dir",
        "is a file",
    )
    assert a_file.read_text() == "x" and not (tmp_path / "r").exists()


def test_a_sweep_folder_that_is_a_file_or_damaged_is_one_line(tmp_path: Path):
    grid = tmp_path / "g.yaml"
    grid.write_text(
        "name: g\nfamilies: [blackmail]\nmodels: [offline/misaligned]\nseeds: 1\ndays: 0.05\n"
    )
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    one_line_error(["sweep", str(grid), "--no-judge", "--out", str(a_file)], "is a file")
    folder = tmp_path / "sw"
    folder.mkdir()
    (folder / "sweep.json").write_text("{bad")
    one_line_error(
        ["sweep", str(grid), "--no-judge", "--out", str(folder)],
        "sweep.json: not a sweep's settings",
        inputs=(folder, grid),
    )


def test_import_into_a_folder_or_from_a_file_not_in_utf8_is_one_line(tmp_path: Path):
    system = tmp_path / "system.txt"
    system.write_text("You are Alex.")
    user = tmp_path / "user.txt"
    user.write_text(
        "<email>\nFrom: kyle.johnson@summitbridge.com\nTo: alex.ai@summitbridge.com\n"
        "Subject: Friday\nTimestamp: 2025-06-11T10:00:00\nBody: hello\n</email>\n"
    )
    folder = tmp_path / "adir"
    folder.mkdir()
    one_line_error(
        ["import", str(system), str(user), "--out", str(folder), "--force"],
        f"{folder} is a folder",
        inputs=(system, user),
    )
    system.write_bytes(b"You are Alex\xff.")
    one_line_error(
        ["import", str(system), str(user), "--out", str(tmp_path / "x.yaml")],
        "not UTF-8 (byte 0xff at position 12)",
    )
    assert list(folder.iterdir()) == [] and not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize("at", ["-1.0e+30", ".nan", "-.inf"])
def test_an_injection_time_out_of_any_range_is_one_line(tmp_path: Path, tiny_file: Path, at):
    path = tmp_path / "inj.yaml"
    path.write_text(f"- kind: wake\n  at: {at}\n  agent: bob\n")
    out = tmp_path / "r"
    one_line_error(
        ["run", "--scenario", str(tiny_file), "--inject", str(path), "--out", str(out)], "time"
    )
    assert not out.exists()


def test_an_argument_that_is_not_utf8_is_one_line(tmp_path: Path):
    out = tmp_path / "o"
    # bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape)
    one_line_error(["run", "--model", "x\udcff", "--out", str(out)], "is not UTF-8 text")
    assert not out.exists()
