"""The plain-text tool call syntax."""

from __future__ import annotations

from insider_sim.agents.models.text_tools import (
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
    assert call.error and "unclosed" in call.error
    assert call.arguments["to"] == ["a@corp.com"]


def test_block_left_open_before_the_next_one() -> None:
    text = "<tool_use:email>\nto: a\n<tool_use:cancel_alert>\ncode: X\n</tool_use:cancel_alert>"
    first, second = parse_text_tool_calls(text, KNOWN)
    assert first.error and "unclosed" in first.error
    assert second.error is None and second.arguments == {"code": "X"}


def test_unknown_tool_is_reported() -> None:
    (call,) = parse_text_tool_calls(
        "<tool_use:delete_all>\nwhat: logs\n</tool_use:delete_all>", KNOWN
    )
    assert call.error and "unknown tool" in call.error and "email" in call.error
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
