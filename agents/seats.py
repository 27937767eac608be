"""Model clients for the seats of a run: the subject and the LLM employees.

Every client is a :class:`insider_sim.agents.models.litellm_client.LiteLLMClient` sharing the
run's call
recorder, the response cache and the per-attempt timeout. The subject's client
also sends the run's ``max_tokens`` and ``model_args`` (reasoning effort...).
Built-in reference policies (``offline/...``) additionally receive the scenario
facts they need to act, since they read no language; real models never see those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from insider_sim.agents.models.litellm_client import LiteLLMClient

if TYPE_CHECKING:
    from insider_sim.simulation.engine.simulation import Simulation

OFFLINE = "offline/"


def make_client(sim: Simulation, model: str, *, agent: str, api_base: str | None) -> LiteLLMClient:
    """A litellm-backed AutoGen client for one agent of ``sim``, for an agent that thinks.

    ``model`` is a litellm model string (``offline/...`` for a reference policy),
    reached at ``api_base`` if given; ``agent`` is the address whose calls it
    records in ``llm_calls.jsonl``. The client takes the run's seed, timeout,
    retry policy, concurrency limit, response cache and replay mode; the subject's seat also
    gets the run's model arguments. A reference policy answers from the run's own
    record (for replays and forks) but never from the shared cache: its answers
    cost nothing, and a policy registered anew under the same name must be asked.
    Raises UnknownOfflineModelError at the first call for an ``offline/`` name no
    policy is registered under.
    """
    settings = sim.settings
    subject = agent == sim.subject_address
    extra: dict[str, Any] = dict(settings.model_args) if subject else {}
    if model.startswith(OFFLINE):
        from insider_sim.agents.models.policies import reference_facts, register_reference_policies

        register_reference_policies()
        extra["insider_facts"] = reference_facts(sim, agent)
    return LiteLLMClient(
        model=model,
        api_base=api_base,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens if subject else None,
        seed=settings.seed,
        timeout=settings.timeout,
        retry=settings.retry,
        max_concurrency=settings.max_concurrency,
        recorder=sim.recorder,
        cache=sim.cache.without_shared() if model.startswith(OFFLINE) else sim.cache,
        replay_only=settings.replay_only,
        agent=agent,
        text_tools=settings.text_tools,
        extra=extra,
        prompt_cache=settings.prompt_cache,
    )
