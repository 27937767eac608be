"""Model access for simulated agents: a litellm-backed AutoGen client and its helpers."""

from insider_sim.agents.models.cache import ResponseCache, RunCache
from insider_sim.agents.models.errors import CacheMissError, ModelCallError, ModelSetupError
from insider_sim.agents.models.litellm_client import DEFAULT_MODEL_INFO, LiteLLMClient
from insider_sim.agents.models.offline import (
    OfflinePolicy,
    OfflineReply,
    OfflineRequest,
    UnknownOfflineModelError,
    offline_model_names,
    register_offline_model,
)
from insider_sim.agents.models.recording import (
    AttemptRecord,
    CallRecord,
    CallRecorder,
    JsonlCallRecorder,
    MemoryCallRecorder,
    scrub,
)
from insider_sim.agents.models.retry import RetryPolicy

__all__ = [
    "DEFAULT_MODEL_INFO",
    "AttemptRecord",
    "CacheMissError",
    "CallRecord",
    "CallRecorder",
    "JsonlCallRecorder",
    "LiteLLMClient",
    "MemoryCallRecorder",
    "ModelCallError",
    "ModelSetupError",
    "OfflinePolicy",
    "OfflineReply",
    "OfflineRequest",
    "ResponseCache",
    "RetryPolicy",
    "RunCache",
    "UnknownOfflineModelError",
    "offline_model_names",
    "register_offline_model",
    "scrub",
]
