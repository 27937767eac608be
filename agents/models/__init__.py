"""Model access for simulated agents: litellm behind an AutoGen client, offline reference
policies, the response cache and call records.

Nothing is imported here: import from the defining module
(``insider_sim.agents.models.litellm_client``, ``.offline``, ``.cache``, ...), so that
a light module of this package (``text_tools``, ``errors``) loads neither litellm nor
AutoGen. The public names are in :mod:`insider_sim`.
"""
