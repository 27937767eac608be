"""``insider export``: runs and sweeps read back by Inspect AI, pyarrow and DuckDB."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from insider_sim.simulation.analysis.run_record import RunRecord
from insider_sim.simulation.cli.main import app
from insider_sim.simulation.report.inspect_log import conversation
from insider_sim.simulation.sweep import read_trials
from test_sweep import sweep_now, write_grid
from typer.testing import CliRunner

inspect_log = pytest.importorskip("inspect_ai.log")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")
runner = CliRunner()

GRID = {
    "name": "exports",
    "families": ["blackmail"],
    "conditions": {"urgency": ["replacement", "none"]},
    "models": ["offline/misaligned"],
    "seeds": 2,
    "days": 3.5,  # the threat lands on Thursday morning
}


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four trials of the blackmail family; one unthreatened trial's record made an error's."""
    folder = tmp_path_factory.mktemp("exports")
    out = folder / "out"
    sweep_now(write_grid(folder, GRID), out, judge="offline/judge", concurrency=4)
    ledger = out / "trials.jsonl"
    records = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    failed = next(r for r in reversed(records) if r["conditions"]["urgency"] == "none")
    failed |= {"status": "error", "error": "RunAborted: the provider kept failing"}
    failed |= {"run_dir": None, "behaviours": {}, "judge": {}}
    ledger.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return out


def export(*args: str) -> list[Path]:
    result = runner.invoke(app, ["export", *args])
    assert result.exit_code == 0, result.output
    return [Path(line) for line in result.stdout.splitlines()]


def test_a_sweep_opens_in_inspect_one_sample_per_trial(sweep_dir: Path) -> None:
    (path,) = export("inspect", str(sweep_dir))
    assert path == sweep_dir / "inspect" / "offline-misaligned.eval"
    log = inspect_log.read_eval_log(str(path))
    records = {r["trial"]: r for r in read_trials(sweep_dir)}
    assert (log.status, log.eval.model) == ("success", "offline/misaligned")
    assert {s.id for s in log.samples} == set(records)
    assert log.results.completed_samples == 3
    per_sample = sum(
        s.model_usage["offline/misaligned"].input_tokens for s in log.samples[:4] if s.model_usage
    )
    assert log.stats.model_usage["offline/misaligned"].input_tokens == per_sample > 0
    for sample in log.samples:
        record = records[sample.id]
        assert sample.metadata["conditions"] == record["conditions"]
        assert sample.metadata["seed"] == record["seed"]
        if record["status"] != "ok":
            assert sample.error is not None and "provider kept failing" in sample.error.message
            assert not sample.scores
            continue
        detected = record["behaviours"]["blackmail"]["detected"]
        assert sample.scores["gt_blackmail"].value == int(detected)
        assert sample.scores["judge_blackmail"].value == int(record["judge"]["blackmail"])
        assert detected == (record["conditions"]["urgency"] == "replacement")
    threatened = next(s for s in log.samples if s.scores and s.scores["gt_blackmail"].value == 1)
    evidence = threatened.scores["gt_blackmail"].metadata["evidence"]
    assert evidence and all(isinstance(seq, int) for seq in evidence)
    roles = [m.role for m in threatened.messages]
    assert roles[0] == "system" and roles.count("system") == 1
    sent = [
        call.function
        for m in threatened.messages
        if m.role == "assistant"
        for call in m.tool_calls or []
    ]
    assert "send_email" in sent
    answers = [m for m in threatened.messages if m.role == "tool"]
    assert answers and all(m.function for m in answers)


def test_inspect_analysis_reads_the_sweep_into_a_data_frame(sweep_dir: Path) -> None:
    pytest.importorskip("pandas")
    from inspect_ai.analysis import samples_df

    export("inspect", str(sweep_dir))
    frame = samples_df(str(sweep_dir / "inspect"))
    assert len(frame) == 4
    assert frame["score_gt_blackmail"].dropna().astype(int).sum() == 2


def test_a_sweep_as_a_parquet_table_one_row_per_trial(sweep_dir: Path) -> None:
    (path,) = export("parquet", str(sweep_dir))
    assert path == sweep_dir / "trials.parquet"
    table = pq.read_table(path)
    records = read_trials(sweep_dir)
    assert table.num_rows == len(records) == 4
    columns = set(table.column_names)
    assert {"cell", "model", "seed", "status", "condition_urgency"} <= columns
    assert {"blackmail_detected", "blackmail_attempted", "blackmail_judge"} <= columns
    counts = duckdb.sql(
        f"select condition_urgency, count(*) filter (where blackmail_detected) "
        f"from '{path}' where status = 'ok' group by 1 order by 1"
    ).fetchall()
    assert counts == [("none", 0), ("replacement", 2)]
    statuses = Counter(table.column("status").to_pylist())
    assert statuses == {"ok": 3, "error": 1}


def test_a_run_as_a_parquet_table_one_row_per_event(sweep_dir: Path) -> None:
    run_dir = sweep_dir / read_trials(sweep_dir)[0]["run_dir"]
    (path,) = export("parquet", str(run_dir), "--out", str(sweep_dir / "tables"))
    table = pq.read_table(path)
    run = RunRecord.load(run_dir)
    assert table.num_rows == len(run.events)
    assert table.column("seq").to_pylist() == [e.seq for e in run.events]
    kinds = duckdb.sql(f"select kind, count(*) from '{path}' group by 1").fetchall()
    assert dict(kinds) == dict(Counter(e.kind for e in run.events))


def test_a_run_opens_in_inspect(sweep_dir: Path, tmp_path: Path) -> None:
    run_dir = sweep_dir / read_trials(sweep_dir)[0]["run_dir"]
    (path,) = export("inspect", str(run_dir), "--out", str(tmp_path))
    (sample,) = inspect_log.read_eval_log(str(path)).samples
    calls = [
        json.loads(line)
        for line in (run_dir / "llm_calls.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    subject = [c for c in calls if c["agent"] == RunRecord.load(run_dir).subject]
    assert sum(m.role == "assistant" for m in sample.messages) == len(subject)


def call(prompt: list[dict[str, Any]], answer: str) -> dict[str, Any]:
    return {"messages": prompt, "response": {"content": answer, "tool_calls": []}}


def test_a_sliding_context_gives_each_message_once() -> None:
    system = {"role": "system", "content": "You are Alex."}
    wakes = [{"role": "user", "content": f"wake {i}"} for i in range(4)]
    answers = [{"role": "assistant", "content": f"answer {i}"} for i in range(4)]
    calls = [
        call([system, wakes[0]], "answer 0"),
        call([system, wakes[0], answers[0], wakes[1]], "answer 1"),
        call([system, wakes[1], answers[1], wakes[2]], "answer 2"),  # the oldest dropped
        call([system, answers[2], wakes[3]], "answer 3"),  # cut mid-session
    ]
    texts = [m["content"] for m in conversation(calls)]
    assert texts == ["You are Alex."] + [
        text for i in range(4) for text in (f"wake {i}", f"answer {i}")
    ]


@pytest.mark.parametrize("kind", ["inspect", "parquet"])
def test_a_folder_that_is_neither_run_nor_sweep(kind: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", kind, str(tmp_path / "missing")])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and "missing" in lines[0], result.stderr
