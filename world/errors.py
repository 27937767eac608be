"""Errors the world raises; their text goes back to the agent that caused them."""


class WorldError(Exception):
    """An action the world refuses, with a reason an agent can read."""


class AddressError(WorldError, ValueError):
    """An address or header field that is not well formed (also a ``ValueError``, so
    scenario validation reports it like any other bad value)."""
