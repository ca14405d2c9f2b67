"""Problem: why a claim is not what its sentences say.

Its own module because every check returns it (support, doers, number roles) and
:mod:`~briefgen.verify.support` composes those checks: kept apart, none of them
imports another to name its result.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Why a claim is not what its sentences say, worded for the model's re-ask."""

    kind: str  # "words", "negation", "modality", "attribution", "agent", "role"
    message: str
