"""Scripted reactions fire on the mail their person sees, as the author wrote them."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import addr, events_of, of_kind, tiny_scenario


def _watching(as_recipient: bool | None) -> dict[str, Any]:
    """Eve monitors Bob's sent mail and forwards what mentions a loan to Alice."""
    when: dict[str, Any] = {"from": "bob", "mentions": ["loan"]}
    if as_recipient is not None:
        when["as_recipient"] = as_recipient
    return tiny_scenario(
        scripts=[
            {
                "person": "eve",
                "reactions": [{"when": when, "delay": "10m", "forward": ["alice"]}],
            }
        ],
        timeline=[
            {
                "kind": "email",
                "at": "Mon 10:00",
                "from": "bob",
                "to": "carol",
                "subject": "Loan",
                "body": "Your loan file is ready.",
            },
            {
                "kind": "email",
                "at": "Mon 11:00",
                "from": "bob",
                "to": "eve",
                "subject": "Loan again",
                "body": "About the loan, directly to you.",
            },
        ],
    )


def _forwards(make_sim: Any, as_recipient: bool | None) -> list[str]:
    sim = make_sim(_watching(as_recipient))
    sim.run(until="Mon 12:00")
    return [
        m["subject"]
        for m in of_kind(events_of(sim), "message")
        if m["sender"] == addr("eve") and m["to"] == [addr("alice")]
    ]


@pytest.mark.parametrize("as_recipient", [None, False])
def test_a_monitors_reaction_fires_on_the_mail_it_watches(make_sim: Any, as_recipient: Any):
    assert _forwards(make_sim, as_recipient) == ["Fwd: Loan"]  # once: reactions fire once


def test_as_recipient_limits_a_reaction_to_mail_addressed_to_the_person(make_sim: Any):
    assert _forwards(make_sim, True) == ["Fwd: Loan again"]
