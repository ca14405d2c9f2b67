"""The model path: the client that calls it (:mod:`.client`), the schemas it fills
(:mod:`.schemas`, with the validators that re-ask it), and what its answers say (:mod:`.answers`).

Kept apart from :mod:`briefgen.brief` (the public data a brief is made of) and from
:mod:`briefgen.local.weights` (the packaged model files), so "model" names one thing per module.
"""

from briefgen.llm.client import CallResult, ModelClient, TokenMeter, raw_json
from briefgen.llm.transport import build_openai_client

__all__ = ["CallResult", "ModelClient", "TokenMeter", "build_openai_client", "raw_json"]
