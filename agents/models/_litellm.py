"""Quiet, offline-safe loading of litellm.

litellm is heavy to import and, left to its defaults, may fetch a cost map over the
network. Every module of this package that needs litellm gets it through `load_litellm`.
"""

from __future__ import annotations

import os
from types import ModuleType

_configured = False


def load_litellm() -> ModuleType:
    """Import litellm with the local cost map and without logging callbacks (so no
    request or answer is logged anywhere: the run's own records are the only ones)."""
    global _configured
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    if not _configured:
        litellm.telemetry = False
        litellm.suppress_debug_info = True
        # no callback logs anything, and with message logging "off" litellm deep-copies
        # every request to redact it for those callbacks: about 2 ms of CPU a call
        litellm.turn_off_message_logging = False
        litellm.disable_hf_tokenizer_download = True
        litellm.success_callback = []
        litellm.failure_callback = []
        litellm.callbacks = []
        _configured = True
    return litellm
