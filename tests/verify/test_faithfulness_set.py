"""The verifier against a hand-labelled set of (claim, cited sentence) pairs from live runs.

Every pair in ``tests/data/faithfulness.jsonl`` was proposed by the bundled model in
a live run (``bench/faithfulness.py collect``, then ``pairs``) and labelled by hand,
without the verifier's verdict in view: ``supported`` true when the sentence states
everything the claim says, with a one-line ``reason``. Precision is what the
product promises (a claim the verifier ships is labelled supported); recall is
what it costs (supported claims it still refuses), reported, not asserted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "tests" / "data" / "faithfulness.jsonl"
sys.path.insert(0, str(ROOT / "bench"))

from faithfulness import score  # noqa: E402  (bench/ is a folder of scripts, not a package)


def test_labelled_set_is_large_enough_and_well_formed() -> None:
    items = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) >= 150
    for item in items:
        assert isinstance(item["supported"], bool) and item["reason"].strip(), item["id"]
        assert item["claim"].strip() and item["sentence"].strip(), item["id"]
    assert len({i["id"] for i in items}) == len(items)


def test_verifier_precision_on_the_labelled_set() -> None:
    result = score(SET)
    print(f"\nfaithfulness set: {result['pairs']} pairs, shipped {result['shipped']}, "
          f"precision {result['precision']:.3f}, recall {result['recall']:.3f}")
    assert result["precision"] >= 0.98, result["false_ships"]
