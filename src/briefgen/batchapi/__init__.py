"""Thousands of briefs at half the price: the batch path (OpenAI Batch API, self-hosted engines).

The pipeline is not re-implemented here. Each story runs through
:meth:`briefgen.pipeline.Briefer.brief` exactly as live, instructor re-asks
and verification included; only its HTTP transport differs
(:mod:`~briefgen.batchapi.transport`): requests are parked, collected into
rounds at quiescence (:mod:`~briefgen.batchapi.coordinator`), and answered by
a backend — the Batch API (:mod:`~briefgen.batchapi.openai_batches`), a local
runner, or exported files run on any engine (:mod:`~briefgen.batchapi.engines`).
Everything submitted and answered is on disk (:mod:`~briefgen.batchapi.state`),
so a run killed at any point resumes without paying twice.

Only the surfaces import this package: :func:`briefgen.api.asummarize_batch`
(``via=``) and ``briefgen batch --via``. See ``docs/batch.md``.
"""

from __future__ import annotations

from briefgen.batchapi.coordinator import (
    BATCH_DISCOUNT,
    VIAS,
    BatchOptions,
    BatchRun,
    Via,
    run_batch,
)
from briefgen.batchapi.estimate import Estimate, estimate
from briefgen.batchapi.state import STATE_DIR

__all__ = ["BATCH_DISCOUNT", "STATE_DIR", "VIAS", "BatchOptions", "BatchRun", "Estimate", "Via", "estimate",
           "run_batch"]
