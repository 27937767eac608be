"""``insider replay RUN_DIR``: run a finished run again from its recorded answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from insider_sim.simulation.cli.common import console, plain, user_errors


@user_errors
def replay(
    run_dir: Annotated[Path, typer.Argument(help="A finished run folder.")],
    out: Annotated[
        Path | None, typer.Option(help="Folder for the replay (default: a new one under runs/).")
    ] = None,
) -> None:
    """Re-run RUN_DIR with zero model calls; its events.jsonl comes out byte-identical."""
    from insider_sim.simulation.engine.replay import replay_run

    sim = replay_run(run_dir, out=out)
    assert sim.folder is not None
    same = sim.folder.events.read_bytes() == (run_dir / "events.jsonl").read_bytes()
    verdict = "[green]identical[/green]" if same else "[red]DIFFERENT[/red]"
    console.print(
        f"Replayed {plain(run_dir)} into {plain(sim.folder.path)}: {sim.log.next_seq} events, "
        f"{sim.bridge.model_calls} model calls answered from the record; events.jsonl {verdict}",
        highlight=False,
    )
    if not same:
        raise typer.Exit(1)
