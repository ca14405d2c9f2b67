"""Benchmark: the Batch API path survives kill -9 anywhere, and costs half of live.

Part 1 — resume. ``--stories`` stories (default 1,000; two articles each) go
through ``briefgen batch --via batch-api`` against a loopback
:class:`~briefgen.testing.FakeOpenAIServer` whose batches move validating →
in_progress → completed. A calibration run (not killed) measures the full run
time T; then each of ``--trials`` trials (default 10) starts a fresh run,
kills it with SIGKILL at a uniformly random moment in [0.02 T, 0.98 T], and
re-runs the same command until it exits 0. Counted per trial, from
``OUT/briefs.jsonl`` and the fake server's ledger:

* lost — stories without an ``ok`` record at the end;
* duplicated — stories with more than one ``ok`` record;
* paid twice — ``custom_id`` answered more than once by the fake Batch API
  (each answer is a billed request);
* extra batches — batches created beyond the calibration run's count.

Targets: lost = duplicated = 0 in all trials.

Part 2 — cost. ``--cost-stories`` stories (default 100) are briefed live and
through the batch path in-process against the same crafted server, with the
recorded price table (``PRICES`` in briefgen.config) for ``gpt-4.1-mini``;
the ratio of the summed ``usage.cost_usd`` is reported. Target <= 0.5.

Answers are crafted (``crafted_answer``: each article's own sentences), not
recordings: the benchmark is about the machinery, not the model.

Usage: python bench/batch_resume.py [--stories 1000] [--trials 10] [--cost-stories 100] [--seed 12]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, write_result

from briefgen import summarize_batch
from briefgen.batchapi import BatchOptions, run_batch
from briefgen.brief import Brief
from briefgen.config import Settings
from briefgen.testing import FakeOpenAIServer, crafted_answer

MODEL = "gpt-4.1-mini"
TEXT = ("The {name} committee approved a plan for {n} new buses on Monday. "
        "The plan for {name} will cost {n} million euros over three years, officials said. "
        "Critics in {name} said the money should go to trains instead of buses.")
POLL = "0.05"


def make_stories(root: Path, count: int) -> None:
    for i in range(count):
        folder = root / f"story{i:04d}"
        folder.mkdir(parents=True)
        (folder / "one.txt").write_text(TEXT.format(name=f"town{i}", n=10 + i), encoding="utf-8")
        (folder / "two.txt").write_text(TEXT.format(name=f"city{i}", n=20 + i), encoding="utf-8")


def command(url: str, stories: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "briefgen", "batch", str(stories), "--out", str(out), "--base-url", url,
            "--model", MODEL, "--api-key", "bench", "--via", "batch-api", "--poll-interval", POLL, "-q"]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFGEN_", "OPENAI_"))}
    env["BRIEFGEN_TRANSPORT_RETRIES"] = "0"
    return env


def run_to_end(url: str, stories: Path, out: Path, limit: int = 20) -> int:
    """Re-run the same command until it exits 0; returns how many runs it took."""
    for attempt in range(1, limit + 1):
        done = subprocess.run(command(url, stories, out), check=False, cwd=ROOT, env=environment(), capture_output=True, text=True)
        if done.returncode == 0:
            return attempt
    raise SystemExit(f"the batch did not finish in {limit} runs: {done.stderr[-2000:]}")


def count_records(out: Path, count: int) -> dict[str, int]:
    ok: Counter[str] = Counter()
    torn = 0
    for line in (out / "briefs.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            torn += 1
            continue
        if record.get("status") == "ok":
            ok[record["story"]] += 1
    names = [f"story{i:04d}" for i in range(count)]
    return {"lost": sum(ok[n] == 0 for n in names), "duplicated": sum(ok[n] > 1 for n in names),
            "torn_lines": torn}


def resume_trials(count: int, trials: int, seed: int, work: Path) -> dict[str, Any]:
    rng = random.Random(seed)
    stories = work / "stories"
    make_stories(stories, count)
    results: list[dict[str, Any]] = []
    with FakeOpenAIServer(fallback=crafted_answer, model_id=MODEL) as fake:
        started = time.perf_counter()
        run_to_end(fake.base_url, stories, work / "calibration")
        full = time.perf_counter() - started
        batches_per_run = len(fake.batch_api.batches)
        calibration = count_records(work / "calibration", count)
        print(f"calibration: {full:.1f}s, {batches_per_run} batches, {calibration}", flush=True)
        for trial in range(trials):
            out = work / f"trial{trial}"
            fake.batch_api.answered.clear()
            before = len(fake.batch_api.batches)
            kill_at = rng.uniform(0.02, 0.98) * full
            proc = subprocess.Popen(command(fake.base_url, stories, out), cwd=ROOT, env=environment(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                proc.wait(timeout=kill_at)
                killed = False  # it finished before the kill came
            except subprocess.TimeoutExpired:
                proc.kill()  # SIGKILL
                proc.wait()
                killed = True
            state = _state(out)
            at = {"seconds": round(kill_at, 2), "batches_recorded": len(state.get("batches", {})),
                  "briefs_recorded": _lines(out / "briefs.jsonl")}
            runs = run_to_end(fake.base_url, stories, out)
            counts = count_records(out, count)
            paid_twice = sum(n > 1 for n in fake.batch_api.answered.values())
            row = {"trial": trial, "killed": killed, "killed_at": at, "reruns": runs, **counts,
                   "requests_paid_twice": paid_twice,
                   "extra_batches": len(fake.batch_api.batches) - before - batches_per_run}
            print(row, flush=True)
            results.append(row)
            shutil.rmtree(out, ignore_errors=True)
    return {"stories": count, "articles_per_story": 2, "full_run_s": round(full, 1),
            "batches_per_run": batches_per_run, "calibration": calibration, "trials": results,
            "lost_total": sum(r["lost"] for r in results), "duplicated_total": sum(r["duplicated"] for r in results),
            "paid_twice_total": sum(r["requests_paid_twice"] for r in results),
            "extra_batches_total": sum(r["extra_batches"] for r in results)}


def _state(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / ".briefgen-batch" / "state.json").read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


def _lines(path: Path) -> int:
    try:
        return len(path.read_text(encoding="utf-8").splitlines())
    except OSError:
        return 0


def cost_ratio(count: int, work: Path) -> dict[str, Any]:
    items = [[TEXT.format(name=f"town{i}", n=10 + i), TEXT.format(name=f"city{i}", n=20 + i)] for i in range(count)]
    with FakeOpenAIServer(fallback=crafted_answer, model_id=MODEL) as fake:
        settings = Settings.resolve(env={}, base_url=fake.base_url, model=MODEL, api_key="bench", transport_retries=0)
        live = summarize_batch(items, settings=settings)
        batch = asyncio.run(run_batch(items, settings, via="batch-api",
                                      options=BatchOptions(state_dir=work / "cost-state", poll_interval=0.01)))
    live_briefs = [r for r in live if isinstance(r, Brief)]
    batch_briefs = [r for r in batch.results if isinstance(r, Brief)]
    live_cost = sum(b.usage.cost_usd or 0.0 for b in live_briefs)
    batch_cost = sum(b.usage.cost_usd or 0.0 for b in batch_briefs)
    return {"stories": count, "model": MODEL, "price_per_1m": list(settings.price or ()) or "PRICES[model]",
            "live_briefs": len(live_briefs), "batch_briefs": len(batch_briefs),
            "live_tokens": sum(b.usage.total_tokens for b in live_briefs),
            "batch_tokens": sum(b.usage.total_tokens for b in batch_briefs),
            "live_cost_usd": round(live_cost, 6), "batch_cost_usd": round(batch_cost, 6),
            "batch_vs_live": round(batch_cost / live_cost, 4) if live_cost else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--cost-stories", type=int, default=100)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, default=None, help="result file (default bench/results/batch_resume.json)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefgen-bench-batch-") as scratch:
        work = Path(scratch)
        cost = cost_ratio(args.cost_stories, work)
        print("cost:", cost, flush=True)
        resume = resume_trials(args.stories, args.trials, args.seed, work)
    path = write_result("batch_resume", {
        "command": "python bench/batch_resume.py " + " ".join(sys.argv[1:]),
        "answers": "crafted",
        "resume": resume,
        "cost": cost,
        "targets": {"lost_or_duplicated": 0, "batch_vs_live_cost": 0.5},
        "met": {"lost_or_duplicated": resume["lost_total"] == 0 and resume["duplicated_total"] == 0,
                "batch_vs_live_cost": cost["batch_vs_live"] is not None and cost["batch_vs_live"] <= 0.5},
    }, args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
