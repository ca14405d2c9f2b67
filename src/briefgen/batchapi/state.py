"""What the batch path keeps on disk, so a run killed at any point picks up where it was.

``STATE/state.json`` (written atomically, before any wait) records:

* ``batches`` — every submitted batch: its id, round, input file and the
  ``custom_id`` of each request in it, and whether its results were collected.
  A request whose id is in an uncollected batch is polled, never resubmitted;
* ``submitting`` — a batch about to be created (its file uploaded, its ids
  listed). A kill between the create call and the record leaves this entry;
  the next run finds the batch by its metadata (``briefgen_part``) and adopts
  it, so even that window never pays twice;
* ``rounds`` — how many rounds were submitted (file names count them);
* ``exported`` / ``export_dir`` — the ids written by ``--export-jsonl`` and
  where, so a re-run neither writes them twice nor forgets them.

``STATE/results/*.jsonl`` hold every answer, in the Batch API output format:
a collected batch's output and error lines (written atomically, once), an
imported file's lines, the local runner's lines (appended as they come).
Answers are what a re-run replays, at no cost. Finished stories are recorded
where ``briefgen batch`` always kept them: ``OUT/briefs.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefgen._files import describe_os_error, write_atomic
from briefgen.batchapi.jsonl import Outcome, output_line, read_output
from briefgen.errors import BatchStateError

STATE_DIR = ".briefgen-batch"
STATE_FILE = "state.json"
VERSION = 1
TERMINAL = ("completed", "failed", "expired", "cancelled")
"""Batch statuses after which nothing more will run."""


@dataclass
class BatchState:
    """The state folder: the state file, the request files and the results store (see module docs)."""

    folder: Path
    data: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Outcome] = field(default_factory=dict)
    read_only: bool = False
    _owner: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, folder: Path, *, read_only: bool = False) -> BatchState:
        """Load the state and every stored answer; a missing folder is a fresh job."""
        folder = Path(folder)
        state = cls(folder, {"version": VERSION, "rounds": 0, "batches": {}, "submitting": {}, "exported": {}},
                    read_only=read_only)
        path = folder / STATE_FILE
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise BatchStateError(f"{path}: unreadable ({exc.__class__.__name__}); move the folder away to "
                                      "start over (batches already submitted would then be paid again)") from None
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise BatchStateError(f"{path}: not a briefgen batch state of version {VERSION}; "
                                      "move the folder away to start over")
            state.data.update(data)
        for name, batch in state.batches.items():
            for cid in batch.get("custom_ids", []):
                state._owner[cid] = name
        results = folder / "results"
        if results.is_dir():
            for file in sorted(results.glob("*.jsonl")):
                state.results.update(read_output(file, lenient=True))
        return state

    # --- the state file ----------------------------------------------------------------

    @property
    def batches(self) -> dict[str, dict[str, Any]]:
        return self.data["batches"]  # type: ignore[no-any-return]

    @property
    def submitting(self) -> dict[str, dict[str, Any]]:
        return self.data["submitting"]  # type: ignore[no-any-return]

    @property
    def exported(self) -> dict[str, str]:
        return self.data["exported"]  # type: ignore[no-any-return]

    def save(self) -> None:
        if self.read_only:
            return
        self._mkdir(self.folder)
        write_atomic(self.folder / STATE_FILE, json.dumps(self.data, indent=1) + "\n")

    def next_round(self) -> int:
        self.data["rounds"] = int(self.data.get("rounds", 0)) + 1
        return int(self.data["rounds"])

    def batch_of(self, cid: str) -> str | None:
        """The uncollected batch ``cid`` was submitted in (None: in none, or its batch is done)."""
        name = self._owner.get(cid)
        if name is None or self.batches.get(name, {}).get("collected"):
            return None
        return name

    def add_batch(self, batch_id: str, *, round_: int, ids: list[str], file_id: str, input_path: str,
                  part_key: str) -> None:
        """Record a created batch and drop its ``submitting`` entry, in one atomic write."""
        self.batches[batch_id] = {"round": round_, "file_id": file_id, "input": input_path, "status": "validating",
                                  "collected": False, "submitted_at": int(time.time()), "custom_ids": ids}
        self.submitting.pop(part_key, None)
        for cid in ids:
            self._owner[cid] = batch_id
        self.save()

    # --- the results store --------------------------------------------------------------

    def store_results(self, name: str, outcomes: dict[str, Outcome]) -> None:
        """Write a source's answers as one results file (atomically), then use them."""
        data = b"".join(output_line(cid, outcome) for cid, outcome in outcomes.items())
        self._mkdir(self.folder / "results")
        write_atomic(self.folder / "results" / f"{name}.jsonl", data)
        self.results.update(outcomes)

    def results_path(self, name: str) -> Path:
        self._mkdir(self.folder / "results")
        return self.folder / "results" / f"{name}.jsonl"

    def request_path(self, name: str) -> Path:
        self._mkdir(self.folder / "requests")
        return self.folder / "requests" / name

    def _mkdir(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchStateError(f"cannot create {folder}: {describe_os_error(exc)}") from exc


def part_key(ids: list[str]) -> str:
    """One batch's identity, from the ids it holds: the same requests give the same key on a re-run."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]
