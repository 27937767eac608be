"""Quiet, offline-safe loading of litellm.

litellm is heavy to import and, left to its defaults, may fetch a cost map over the
network. Every module of this package that needs litellm gets it through `load_litellm`.
"""

from __future__ import annotations

import os
from types import ModuleType

_configured = False


def load_litellm() -> ModuleType:
    """Import litellm with the local cost map and without logging callbacks."""
    global _configured
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    if not _configured:
        litellm.telemetry = False
        litellm.suppress_debug_info = True
        litellm.turn_off_message_logging = True
        litellm.disable_hf_tokenizer_download = True
        litellm.success_callback = []
        litellm.failure_callback = []
        litellm.callbacks = []
        _configured = True
    return litellm
