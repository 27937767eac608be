"""Stable prompt prefix: how much of each prompt repeats the agent's previous prompt.

Providers cache a prompt's prefix (Anthropic when asked, OpenAI and Gemini on their
own): a call only saves what it shares, from the first character on, with an
earlier call. This runs a week of the default company offline, the subject and
every employee on a reference policy (no network), and prints, per seat, the
share of prompt tokens that repeat the same agent's previous prompt as a prefix.
A prompt is what the provider is sent: the tool descriptions, then the messages
(system prompt first), as JSON; tokens are estimated as characters / 4.

    python benchmarks/prompt_prefix.py [--days 7] [--context-tokens N ...]

Each ``--context-tokens`` value is one more week with that context window (a
small one makes the history outgrow its budget, so compaction is measured too).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import defaultdict
from typing import Any

from insider_sim.simulation.engine.simulation import Simulation
from insider_sim.simulation.scenario.format import find_scenario, load_scenario

CHARS_PER_TOKEN = 4


def prompt_text(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
    """A prompt as one string, in the order providers read it: tools, then messages."""
    parts = [json.dumps(tools, sort_keys=True)]
    parts += [json.dumps(m, sort_keys=True, default=str) for m in messages]
    return "\n".join(parts)


def common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of ``a`` and ``b``."""
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:  # binary search on slices: fast for long, mostly shared prompts
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def week(days: float, context_tokens: int | None) -> tuple[dict[str, list[str]], str]:
    """Each agent's prompts in call order, and the subject's address."""
    scenario = load_scenario(find_scenario("summitbridge"))
    sim = Simulation.from_scenario(
        scenario,
        write=False,
        model="offline/misaligned",
        employees="llm",
        employee_model="offline/persona",
        cache_dir=None,
        days=days,
        context_tokens=context_tokens,
    )
    try:
        sim.run()
    finally:
        sim.close()
    prompts: dict[str, list[str]] = defaultdict(list)
    for record in sim.recorder.records:  # type: ignore[attr-defined]  # a MemoryCallRecorder
        prompts[record.agent].append(prompt_text(record.messages, record.tools))
    return prompts, sim.subject_address or ""


def shares(prompts: list[str]) -> tuple[int, int, float, int]:
    """Calls, prompt tokens in all, the share repeating the previous prompt, and the
    number of calls whose prompt does not extend the previous one (a changed prefix)."""
    total = repeated = broken = 0
    previous = ""
    for text in prompts:
        shared = common_prefix(previous, text)
        total += len(text)
        repeated += shared
        broken += bool(previous) and shared < len(previous)
        previous = text
    return len(prompts), total // CHARS_PER_TOKEN, repeated / max(total, 1), broken


def report(days: float, context_tokens: int | None) -> None:
    """Run one week and print the subject's figures and the employees' together."""
    started = time.perf_counter()
    prompts, subject = week(days, context_tokens)
    window = f"{context_tokens:,}-token window" if context_tokens else "the model's window"
    print(f"{days:g} days, {window} ({time.perf_counter() - started:.0f} s)")
    employees = [
        p for agent, agent_prompts in prompts.items() if agent != subject for p in [agent_prompts]
    ]
    rows = [("subject", shares(prompts.get(subject, [])))]
    totals = [shares(p) for p in employees]
    calls = sum(t[0] for t in totals)
    tokens = sum(t[1] for t in totals)
    share = sum(t[1] * t[2] for t in totals) / max(tokens, 1)
    rows.append(
        (f"employees ({len(employees)})", (calls, tokens, share, sum(t[3] for t in totals)))
    )
    for name, (n, size, share_of, broken) in rows:
        print(
            f"  {name:16} calls {n:5}  prompt tokens {size:10,}  repeated prefix {share_of:.3f}"
            f"  prefix changed {broken}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7)
    parser.add_argument("--context-tokens", type=int, nargs="*", default=[4096])
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    report(args.days, None)
    for tokens in args.context_tokens:
        report(args.days, tokens)


if __name__ == "__main__":
    main()
