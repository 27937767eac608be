"""The AutoGen assistant of an LLM-driven agent, with every failed tool call logged.

AutoGen answers a tool call it cannot run (arguments that are not JSON, an unknown
tool name, arguments the tool's schema rejects) with an error for the model, but the
world never hears of it. Here such a call is checked before it runs: the model gets a
readable error, and the run a ``tool_call`` event with ``ok: false`` and its
``failure`` (``unreadable`` or ``invalid``). An :class:`UnreadableCall` (a text tool
block with a slip, or an attempt to act written as text) is never run: its error goes
back the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from autogen_agentchat.agents import AssistantAgent
from autogen_core import CancellationToken, FunctionCall
from autogen_core.models import FunctionExecutionResult
from autogen_core.tools import BaseTool, StaticStreamWorkbench, Workbench
from insider_sim.agents.models.convert import UnreadableCall
from insider_sim.agents.models.tool_arguments import (
    parse_arguments,
    salvage_arguments,
    unparsed_call_error,
)
from insider_sim.agents.tools import WorldTool, WorldTools
from insider_sim.simulation.core.events import ToolFailure
from pydantic import ValidationError

_SHOWN = 200  # characters of broken arguments kept in an error


def argument_problems(tool: BaseTool[Any, Any], arguments: Mapping[str, Any]) -> list[str]:
    """What is wrong with `arguments` for `tool` by its JSON schema (empty: nothing).

    Missing required arguments, arguments the schema does not have (it allows no
    others) and values of the wrong type, one short phrase each.
    """
    parameters: Mapping[str, Any] = tool.schema.get("parameters") or {}
    properties = parameters.get("properties") or {}
    required = parameters.get("required", [])
    problems = [f"missing argument {k!r}" for k in required if k not in arguments]
    problems += [f"unexpected argument {k!r}" for k in arguments if k not in properties]
    try:
        tool.args_type().model_validate(dict(arguments))
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] != "missing":
                where = ".".join(str(part) for part in error["loc"])
                problems.append(f"argument {where!r}: {error['msg'].lower()}")
    return problems


def _signature(tool: BaseTool[Any, Any]) -> str:
    parameters: Mapping[str, Any] = tool.schema.get("parameters") or {}
    required = set(parameters.get("required", []))
    keys = [f"{k} (required)" if k in required else k for k in parameters.get("properties", {})]
    return ", ".join(keys) or "none"


class WorldWorkbench(StaticStreamWorkbench):
    """The agent's world tools, and the check of each call before it runs."""

    def __init__(self, tools: WorldTools, functions: Sequence[WorldTool]):
        super().__init__(list(functions))
        self.world_tools = tools
        self._by_name = {tool.name: tool for tool in functions}

    def refuse(self, call: FunctionCall) -> str | None:
        """The error for a call that cannot run, logged as a failed ``tool_call``; else None."""
        found = self._problem(call)
        if found is None:
            return None
        failure, arguments, problem = found
        error = f"Error: {problem}"
        self.world_tools.log(call.name, arguments, ok=False, result=error, failure=failure)
        return error

    def _problem(self, call: FunctionCall) -> tuple[ToolFailure, dict[str, Any], str] | None:
        if isinstance(call, UnreadableCall):
            return "unreadable", _as_object(call.arguments), call.error
        not_run = f"{call.name} was not run:"
        arguments = parse_arguments(call.arguments)
        if arguments is None:  # cut off by the token limit, say: what can be read is kept
            problem = unparsed_call_error(call.name).removeprefix("Error: ")
            return "unreadable", salvage_arguments(call.arguments), problem
        tool = self._by_name.get(call.name)
        if tool is None:
            available = ", ".join(self._by_name) or "none"
            return "unreadable", arguments, f"there is no tool {call.name!r}; tools: {available}."
        problems = argument_problems(tool, arguments)
        if problems:
            detail = f"{'; '.join(problems)}. Its arguments: {_signature(tool)}."
            return "invalid", arguments, f"{not_run} {detail}"
        return None


def _as_object(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return {"arguments": arguments[:_SHOWN]}
    return value if isinstance(value, dict) else {"arguments": value}


class WorldAssistant(AssistantAgent):
    """An AssistantAgent whose tool calls go through :meth:`WorldWorkbench.refuse` first.

    It overrides AutoGen's per-call step (``_execute_tool_call``, autogen-agentchat
    0.7), the one place every call passes, including those no workbench would see.
    """

    @staticmethod
    async def _execute_tool_call(
        tool_call: FunctionCall,
        workbench: Sequence[Workbench],
        handoff_tools: list[BaseTool[Any, Any]],
        agent_name: str,
        cancellation_token: CancellationToken,
        stream: Any,
    ) -> tuple[FunctionCall, FunctionExecutionResult]:
        """Run one call, unless the world's workbench refuses it with an error."""
        for bench in workbench:
            if isinstance(bench, WorldWorkbench) and (error := bench.refuse(tool_call)):
                result = FunctionExecutionResult(
                    content=error, call_id=tool_call.id, is_error=True, name=tool_call.name
                )
                return tool_call, result
        return await AssistantAgent._execute_tool_call(
            tool_call, workbench, handoff_tools, agent_name, cancellation_token, stream
        )
