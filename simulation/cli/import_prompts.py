"""``insider import``: turn a static-inbox prompt into a scenario file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from insider_sim.simulation.cli.common import console, plain, user_errors


@user_errors
def import_(
    system_prompt_file: Annotated[Path, typer.Argument(help="The system prompt, as text.")],
    user_message_file: Annotated[
        Path,
        typer.Argument(help="The user message: an instruction, then <email> ... </email> blocks."),
    ],
    out: Annotated[Path, typer.Option(help="Scenario file to write, e.g. scenarios/NAME.yaml.")],
    name: Annotated[
        str | None, typer.Option(help="Scenario name (default: the file name of --out).")
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="Address of the AI under test (default: guessed).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite --out if it exists.")] = False,
) -> None:
    """Turn a system prompt and a user message with emails into a scenario file."""
    from insider_sim.simulation.scenario.importer import import_prompts

    data, rule = import_prompts(
        system_prompt_file, user_message_file, out, name=name, subject=subject, overwrite=force
    )
    outside = sum(len(org["contacts"]) for org in data.get("organisations", []))
    me = next(p["email"] for p in data["people"] if p.get("is_ai"))
    console.print(
        f"[green]wrote[/green] {plain(out)}: scenario {plain(repr(data['name']))}, "
        f"{len(data['people'])} people, "
        f"{outside} outside contacts, {len(data['history'])} history emails, "
        f"starting {data['calendar']['start']} for {data['calendar']['days']} days",
        highlight=False,
    )
    console.print(f"subject: {me} ({rule})", highlight=False, markup=False)
    console.print(f"run it: insider run --scenario {out}", highlight=False, markup=False)
