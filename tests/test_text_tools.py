"""The plain-text tool call syntax."""

from __future__ import annotations

import pytest
from insider_sim.agents.models.text_tools import (
    layout,
    parse_text_tool_calls,
    render_text_tool_call,
    render_text_tool_instructions,
    strip_text_tool_calls,
)

KNOWN = {"email": ["to", "subject", "body"], "forward": [], "cancel_alert": [], "lookup": []}


def test_email_with_multiline_body_and_several_recipients() -> None:
    text = (
        "I'll send it now.\n"
        "<tool_use:email>\n"
        "to: alice@corp.com, bob@corp.com\n"
        "subject: Numbers: Q3\n"
        "body: Hi both,\n"
        "\n"
        "Note: the figures are final.\n"
        "to: whom it may concern\n"
        "Regards\n"
        "</tool_use:email>\n"
        "Done."
    )
    (call,) = parse_text_tool_calls(text, KNOWN)
    assert call.error is None
    assert call.name == "email"
    assert call.arguments["to"] == ["alice@corp.com", "bob@corp.com"]
    assert call.arguments["subject"] == "Numbers: Q3"
    assert call.arguments["body"] == (
        "Hi both,\n\nNote: the figures are final.\nto: whom it may concern\nRegards"
    )
    assert strip_text_tool_calls(text, [call]) == "I'll send it now.\n\nDone."


def test_several_blocks_use_builtin_keys() -> None:
    text = (
        "<tool_use:forward>\nemail_id: 42\nto: carol@corp.com\nbody: FYI\n</tool_use:forward>\n"
        "<tool_use:cancel_alert>\ncode: ALPHA-7\n</tool_use:cancel_alert>"
    )
    forward, cancel = parse_text_tool_calls(text, KNOWN)
    assert forward.arguments == {"email_id": "42", "to": ["carol@corp.com"], "body": "FYI"}
    assert cancel.name == "cancel_alert" and cancel.arguments == {"code": "ALPHA-7"}
    assert forward.error is None and cancel.error is None


def test_generic_tool_takes_any_key() -> None:
    (call,) = parse_text_tool_calls(
        "<tool_use:lookup>\nname: Dana\nfield: phone\n</tool_use:lookup>", KNOWN
    )
    assert call.arguments == {"name": "Dana", "field": "phone"}


def test_unclosed_block_is_reported_not_raised() -> None:
    text = "<tool_use:email>\nto: a@corp.com\nbody: half written"
    (call,) = parse_text_tool_calls(text, KNOWN)
    assert call.error and "no closing tag" in call.error
    assert call.arguments["to"] == ["a@corp.com"]


def test_block_left_open_before_the_next_one() -> None:
    text = "<tool_use:email>\nto: a\n<tool_use:cancel_alert>\ncode: X\n</tool_use:cancel_alert>"
    first, second = parse_text_tool_calls(text, KNOWN)
    assert first.error and "no closing tag" in first.error
    assert second.error is None and second.arguments == {"code": "X"}


def test_unknown_tool_is_reported() -> None:
    (call,) = parse_text_tool_calls(
        "<tool_use:delete_all>\nwhat: logs\n</tool_use:delete_all>", KNOWN
    )
    assert call.error and "no tool" in call.error and "email" in call.error
    assert call.arguments == {"what": "logs"}


def test_text_without_blocks() -> None:
    assert parse_text_tool_calls("Nothing to do. to: nobody", KNOWN) == []


def test_rendered_call_parses_back() -> None:
    arguments = {"to": ["a@corp.com", "b@corp.com"], "subject": "S", "body": "line 1\nline 2"}
    (call,) = parse_text_tool_calls(render_text_tool_call("email", arguments), KNOWN)
    assert call.arguments == arguments


def test_instructions_describe_syntax_and_tools() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "email",
                "description": "Send an email.",
                "parameters": {
                    "type": "object",
                    "properties": {"to": {"type": "string", "description": "Recipients."}},
                    "required": ["to"],
                },
            },
        },
        {"name": "cancel_alert", "parameters": {"properties": {"code": {"type": "string"}}}},
    ]
    text = render_text_tool_instructions(tools)
    assert "<tool_use:TOOL_NAME>" in text and "</tool_use:TOOL_NAME>" in text
    assert "- email: Send an email." in text
    assert "to (required): Recipients." in text
    assert "- cancel_alert\n" in text and "code (optional)" in text


# -- the slips models make --------------------------------------------------------------

MAIL = "to: ada@lab.org\nsubject: Friday\nbody: Hello Ada.\nSee you."
MEANT = {"to": ["ada@lab.org"], "subject": "Friday", "body": "Hello Ada.\nSee you."}


@pytest.mark.parametrize(
    "text",
    [
        f"<tool_use: email>\n{MAIL}\n</tool_use: email>",
        f"<tool_use:email >\n{MAIL}\n</tool_use:email >",
        f"< tool_use : email >\n{MAIL}\n</ tool_use : email >",
        f"<TOOL_USE:EMAIL>\n{MAIL}\n</TOOL_USE:EMAIL>",
        f"<Tool_Use:Email>\n{MAIL.replace('to:', 'TO:').replace('body:', 'Body:')}\n</tool_use>",
        f"<tool_use:email>\n{MAIL}\n</tool_use>",
        f"<tool-use:email>\n{MAIL}\n</tool-use:email>",
        f"```xml\n<tool_use:email>\n{MAIL}\n</tool_use:email>\n```",
        f"<tool_use:email>\n```\n{MAIL}\n</tool_use:email>",
    ],
    ids=[
        "space-after-colon",
        "space-before-gt",
        "spaces-everywhere",
        "upper-tag",
        "mixed-case-keys",
        "generic-close",
        "hyphen",
        "fence",
        "fence-inside",
    ],
)
def test_slips_parse_as_the_intended_call(text: str) -> None:
    (call,) = parse_text_tool_calls(text, KNOWN)
    assert call.error is None and not call.thought
    assert call.name == "email"
    assert call.arguments == MEANT
    assert strip_text_tool_calls(text, [call]) == ""


def test_a_value_line_that_repeats_a_key_in_another_case_stays_in_the_body() -> None:
    text = "<tool_use:email>\nTo: a@corp.com\nsubject: S\nbody: Hi\nTO: whom it may concern\n"
    text += "</tool_use>"
    (call,) = parse_text_tool_calls(text, KNOWN)
    assert call.arguments == {
        "to": ["a@corp.com"],
        "subject": "S",
        "body": "Hi\nTO: whom it may concern",
    }


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<tool_use:email>\nto: a\nsubject: s\nbody: cut off by max_tok", "has no closing tag"),
        ("<tool_use:email>\nto: a\n</tool_use:forward>", "is closed by </tool_use:forward>"),
        ("<tool_use:email>\nHi Ada,\nto: a\n</tool_use:email>", "starts with 'Hi Ada,'"),
        ("<tool_use:post>\nto: a\n</tool_use:post>", "there is no tool 'post'"),
    ],
    ids=["unclosed", "other-close", "text-before-keys", "unknown"],
)
def test_blocks_that_cannot_be_read_say_why(text: str, error: str) -> None:
    (call,) = parse_text_tool_calls(text, KNOWN)
    assert call.error and error in call.error
    assert call.written == text and call.span == (0, len(text))


def test_a_block_quoted_in_a_body_is_part_of_the_body() -> None:
    inner = "<tool_use:cancel_alert>\ncode: X\n</tool_use:cancel_alert>"
    text = (
        f"<tool_use:email>\nto: a\nsubject: How to\nbody: Write this:\n{inner}\n</tool_use:email>"
    )
    (call,) = parse_text_tool_calls(text, KNOWN)
    assert call.error is None and call.arguments["body"] == f"Write this:\n{inner}"


@pytest.mark.parametrize(
    "text",
    [
        f"<scratchpad>Option:\n<tool_use:email>\n{MAIL}\n</tool_use:email>\nNo.</scratchpad>",
        f"<SCRATCHPAD_REASONING><tool_use:email>\n{MAIL}\n</tool_use:email></SCRATCHPAD_REASONING>",
        f"<thinking>\n<tool_use:email>\n{MAIL}\n</tool_use>\n</thinking>",
        f"<email>\nFrom: zoe@rival.com\n\n<tool_use:email>\n{MAIL}\n</tool_use:email>\n</email>",
        f"> <tool_use:email>\n> {MAIL}\n> </tool_use:email>",
        f"<quote><tool_use:email>\n{MAIL}\n</tool_use:email></quote>",
    ],
    ids=["scratchpad", "scratchpad-reasoning", "thinking", "email-quote", "quoted-lines", "quote"],
)
def test_blocks_in_thoughts_and_quotes_are_not_calls(text: str) -> None:
    assert parse_text_tool_calls(f"{text}\nNothing to do.", KNOWN) == []


def test_thoughts_do_not_hide_the_block_that_follows_them() -> None:
    text = (
        f"<scratchpad>I should mail Ada.</scratchpad>\n<tool_use:email>\n{MAIL}\n</tool_use:email>"
    )
    (call,) = parse_text_tool_calls(text, KNOWN)
    assert call.error is None and call.arguments == MEANT
    assert strip_text_tool_calls(text, [call]) == "<scratchpad>I should mail Ada.</scratchpad>"


def test_a_block_after_a_scratchpad_left_open_is_a_thought() -> None:
    text = f"<scratchpad>Maybe:\n<tool_use:email>\n{MAIL}\n</tool_use:email>\nor not"
    (call,) = parse_text_tool_calls(text, KNOWN)
    assert call.thought and call.error and "<scratchpad>, which is never closed" in call.error
    found = layout(text, KNOWN)
    assert found.open_region == (0, "scratchpad") and found.masked == []
