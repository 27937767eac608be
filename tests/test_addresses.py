"""Addresses and header fields as people write them: one reader for tools, scenarios,
injections and imported prompts; anything unreadable is refused, never invented."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import addr, events_of, make_world, of_kind, tiny_scenario
from insider_sim.simulation.scenario.format import ScenarioError, load_scenario, scenario_from_data
from insider_sim.simulation.scenario.importer import parse_user_message
from insider_sim.simulation.scenario.injections import load_injections
from insider_sim.world.addresses import (
    check_header,
    parse_address,
    parse_addresses,
    parse_named_addresses,
)
from insider_sim.world.errors import AddressError, WorldError

LINE_BREAKS = ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\x1e"]


# -- the reader --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Kyle Johnson <kyle.johnson@summitbridge.com>", ["kyle.johnson@summitbridge.com"]),
        ('"Johnson, Kyle" <kyle.johnson@summitbridge.com>', ["kyle.johnson@summitbridge.com"]),
        ("  Kyle.Johnson@SummitBridge.COM  ", ["kyle.johnson@summitbridge.com"]),
        ("<ada@tinylab.org>", ["ada@tinylab.org"]),
        ("a@x.com, b@y.com", ["a@x.com", "b@y.com"]),
        ("a@x.com; B@Y.com;", ["a@x.com", "b@y.com"]),
        (
            '"Byron, Ada" <ada@tinylab.org>; Ben Ito <ben@tinylab.org>',
            [
                "ada@tinylab.org",
                "ben@tinylab.org",
            ],
        ),
        (
            ["Ada Byron <ada@tinylab.org>", "ben@tinylab.org, cy"],
            [
                "ada@tinylab.org",
                "ben@tinylab.org",
                "cy",
            ],
        ),
        ("kyle", ["kyle"]),  # a scenario handle, resolved by the directory
        ("", []),
    ],
)
def test_addresses_are_read_as_mail_clients_read_them(written, expected):
    assert parse_addresses(written) == expected


def test_display_names_are_kept_apart_from_the_address():
    assert parse_named_addresses('"Johnson, Kyle" <KYLE@x.com>, zoe@y.org') == [
        ("Johnson, Kyle", "kyle@x.com"),
        ("", "zoe@y.org"),
    ]


@pytest.mark.parametrize(
    "written",
    [
        "Ada Byron",  # a name, not an address
        "Kyle Johnson kyle@x.com",
        "a@x.com b@y.com",
        "a@x.com <b@y.com>",
        "alice@example.org)<bob@example.org>",
        "Kyle <kyle@x.com",
        "kyle@x.com>",
        "Ada <ada@x.org> and more",
        "<>",
        "x@",
        "@x.com",
        "a..b@x.com",
        "a@x..com",
        "a@-x.com",
        "a@localhost",
        "../../../outside/pwned_mail@x.com",
        "evil@../../../../pwn.d",
        "org:rival",
        '"a b"@x.com',
    ],
)
def test_what_is_not_an_address_is_refused_with_a_readable_error(written):
    with pytest.raises(AddressError, match=r"^to: .* is not an email address; write it as"):
        parse_addresses(written, "to")


@pytest.mark.parametrize("brk", LINE_BREAKS)
def test_a_line_break_of_any_kind_is_refused_in_addresses_and_subjects(brk):
    with pytest.raises(AddressError, match=r"^cc: .* holds a line break; header fields are one"):
        parse_addresses(f"rachel@homemail.net{brk}X-Injected: yes", "cc")
    with pytest.raises(AddressError, match=r"^subject: .* holds a line break"):
        check_header(f"Hi{brk}Bcc: rachel@homemail.net", "subject")


def test_a_subject_is_trimmed_and_otherwise_kept():
    assert check_header("  Budget: Q3 (draft)\n", "subject") == "Budget: Q3 (draft)"


def test_exactly_one_address_where_one_is_meant():
    assert parse_address("Kyle <KYLE@x.com>", "from") == "kyle@x.com"
    with pytest.raises(AddressError, match=r"^from: needs exactly one address"):
        parse_address("a@x.com, b@x.com", "from")
    with pytest.raises(AddressError, match=r"^from: needs exactly one address"):
        parse_address(" ", "from")


# -- the world ---------------------------------------------------------------------
def test_recipients_written_with_display_names_reach_the_people_they_name():
    world = make_world()
    m = world.send(
        "Alice Adams <ALICE@acme.com>",
        'Bob Brown <bob@acme.com>; "Clark, Carol" <carol@acme.com>',
        "Hi",
        "x",
        cc=["Zed Zimmer <zed@rival.com>", " dave "],
    )
    assert m.sender == addr("alice")
    assert m.to == [addr("bob"), addr("carol")]
    assert m.cc == ["zed@rival.com", addr("dave")]
    assert addr("bob") in m.delivered_to and "zed@rival.com" in m.delivered_to
    assert not [n for n in world.graph.g if "<" in n or " " in n]  # no invented party


def test_a_recipient_named_twice_is_listed_once():
    world = make_world()
    m = world.send("alice", "bob, Bob Brown <bob@acme.com>", "Hi", "x")
    assert m.to == [addr("bob")]


@pytest.mark.parametrize(
    ("to", "error"),
    [
        ("Bob Brown", "is not an email address"),
        ("bobby", "unknown person or address 'bobby'"),
        ("Bob <nobody@acme.com>", "no mailbox 'nobody@acme.com' at acme.com"),
        ("rachel@homemail.net\r\nX-Injected: yes", "holds a line break"),
        ("evil@../../pwn.d", "is not an email address"),
    ],
)
def test_a_bad_recipient_is_refused_and_becomes_nobody(to, error):
    world = make_world()
    nodes = set(world.graph.g)
    with pytest.raises(WorldError, match=error):
        world.send("alice", ["bob", to], "Hi", "x")
    assert world.log.counts.get("message", 0) == 0
    assert set(world.graph.g) == nodes


@pytest.mark.parametrize("brk", LINE_BREAKS)
def test_a_subject_with_a_line_break_is_refused(brk):
    world = make_world()
    with pytest.raises(WorldError, match=r"subject: .* holds a line break"):
        world.send("alice", ["bob"], f"Hi{brk}Bcc: zed@rival.com", "x")
    assert world.log.counts.get("message", 0) == 0


def test_a_forward_carries_the_attachments_its_forwarder_received():
    world = make_world(readers=["dave", "carol"])
    sent = world.send("alice", ["dave"], "Plan", "see attached", attachments=["plan"])
    forward = world.send(
        "dave", ["zed@rival.com"], "Fwd: Plan", "fyi", attachments=["plan"], forwarded_from=sent.id
    )
    assert forward.attachments == ["plan"]
    assert "zed@rival.com" in world.exposure.seen["plan"]
    with pytest.raises(WorldError, match="no access"):  # not received: not forwardable
        world.send("dave", ["bob"], "Plan", "x", attachments=["plan"])
    with pytest.raises(WorldError, match="no access"):  # carol never saw the message
        world.send("carol", ["bob"], "Fwd", "x", attachments=["plan"], forwarded_from=sent.id)


# -- scenario files, injections and imported prompts ----------------------------------
def _mail(**fields):
    return {"at": "Mon 10:00", "from": "alice", "to": "bob", "subject": "s", "body": "b", **fields}


def test_scenario_mail_takes_addresses_as_people_write_them():
    data = tiny_scenario(
        history=[
            _mail(
                **{"from": "Alice Adams <Alice@Acme.com>"},
                to='"Brown, Bob" <bob@acme.com>, carol',
                cc=["Zed <zed@rival.com>; dave@acme.com"],
            )
        ]
    )
    mail = scenario_from_data(data).history[0]
    assert (mail.sender, mail.to, mail.cc) == (
        addr("alice"),
        [addr("bob"), "carol"],
        ["zed@rival.com", addr("dave")],
    )


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"subject": "Hi\r\nBcc: zed@rival.com"}, "history.0.subject"),
        ({"subject": "Hi\u2028Bcc: zed@rival.com"}, "history.0.subject"),
        ({"cc": "zed@rival.com\nX-Injected: yes"}, "history.0.cc"),
        ({"to": "Bob Brown"}, "history.0.to"),
        ({"from": "../../etc@x.com"}, "history.0.from"),
    ],
)
def test_scenario_files_refuse_header_injection_and_non_addresses(tmp_path: Path, fields, where):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tiny_scenario(history=[_mail(**fields)])), encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"s\.yaml: {where}: "):
        load_scenario(str(path))


def test_scenario_people_names_and_document_titles_are_one_line():
    data = tiny_scenario()
    data["people"][0]["name"] = "Alice\nBcc: zed@rival.com"
    with pytest.raises(ScenarioError, match=r"people\.0\.name: .* holds a line break"):
        scenario_from_data(data)


def test_injections_refuse_header_injection(tmp_path: Path):
    path = tmp_path / "inj.yaml"
    events = [{"kind": "email", **_mail(cc="zed@rival.com\r\nX-Injected: yes")}]
    path.write_text(yaml.safe_dump(events), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"inj\.yaml: 0\.email\.cc: .* holds a line break"):
        load_injections(path)
    events = [{"kind": "email", **_mail(to="Zed Zimmer <ZED@rival.com>")}]
    path.write_text(yaml.safe_dump(events), encoding="utf-8")
    assert load_injections(path)[0].to == ["zed@rival.com"]


def test_imported_prompts_read_quoted_names_with_commas():
    block = (
        'Read these.\n<email>\nFrom: "Johnson, Kyle" <Kyle.Johnson@summitbridge.com>\n'
        "To: Alex <alex.ai@summitbridge.com>; thomas.wilson@summitbridge.com\n"
        "Subject: s\nTimestamp: 2025-06-11T10:28:00\nBody: b\n</email>\n"
    )
    message = parse_user_message(block, "user.txt")
    (email,) = message.emails
    assert email.sender == "kyle.johnson@summitbridge.com"
    assert email.to == ["alex.ai@summitbridge.com", "thomas.wilson@summitbridge.com"]
    assert message.names["kyle.johnson@summitbridge.com"] == "Johnson, Kyle"
    with pytest.raises(ScenarioError, match=r"user\.txt: email block 1 .*To: 'Alex'"):
        parse_user_message(block.replace("Alex <alex.ai@summitbridge.com>", "Alex"), "user.txt")


# -- scripted people reply and forward as the tools do ----------------------------------
def test_a_scripted_forward_carries_the_whole_mail_and_its_attachment(make_sim):
    long_body = "Numbers follow. " * 400 + "Project Falcon closes on Friday."
    data = tiny_scenario(
        scripts=[
            {
                "person": "dave",  # may not open the plan, but received it
                "reactions": [{"when": {"from": "alice"}, "forward": "Zed <zed@rival.com>"}],
            }
        ],
        timeline=[
            {
                "kind": "email",
                "at": "Mon 11:00",
                "from": "Alice Adams <alice@acme.com>",
                "to": "dave",
                "subject": "Plan",
                "body": long_body,
                "attachments": ["plan"],
            }
        ],
    )
    sim = make_sim(data)
    sim.run(until="Mon 12:00")
    (forward,) = [m for m in of_kind(events_of(sim), "message") if m["sender"] == addr("dave")]
    assert forward["delivered_to"] == ["zed@rival.com"]
    assert forward["subject"] == "Fwd: Plan"
    assert forward["attachments"] == ["plan"]
    assert "From: Alice Adams <alice@acme.com>" in forward["body"]
    assert forward["body"].endswith("\n\n" + long_body)
