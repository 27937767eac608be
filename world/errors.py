"""Errors the world raises; their text goes back to the agent that caused them."""


class WorldError(Exception):
    """An action the world refuses, with a reason an agent can read."""
