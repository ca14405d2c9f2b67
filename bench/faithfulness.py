"""Build and score the labelled faithfulness set from LIVE runs of the model.

Two steps, so the labels never see the verifier's verdict:

1. ``collect``: brief each cluster live (the configured provider; by default the
   bundled local model), recording every HTTP exchange into
   ``bench/results/live/<cluster>@<n>.yaml`` and the brief into ``<cluster>@<n>.json``
   (n counts the runs; every run is kept).
2. ``pairs``: read those recordings and write every (claim, cited sentence)
   pair the model proposed, in every attempt, re-asks included, as JSONL
   *without* any verdict: ``{"id", "cluster", "article", "claim", "sentence"}``.
   A person labels each line ``supported`` true/false with a one-line
   ``reason``; labelled lines go to ``tests/data/faithfulness.jsonl``, which
   ``tests/verify/test_faithfulness_set.py`` scores (precision >= 0.98).
3. ``score``: the verifier's precision and recall on the labelled set, printed
   and written to ``bench/results/faithfulness.json``.

Usage::

    .venv/bin/python bench/faithfulness.py collect seeds eval/clusters/*    # one model job at a time
    .venv/bin/python bench/faithfulness.py pairs > /tmp/unlabelled.jsonl
    .venv/bin/python bench/faithfulness.py score
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import cluster_folder

ROOT = Path(__file__).resolve().parents[1]
LIVE = ROOT / "bench" / "results" / "live"
LABELLED = ROOT / "tests" / "data" / "faithfulness.jsonl"


def collect(clusters: list[Path]) -> int:
    import vcr

    from briefgen.api import summarize
    from briefgen.cli.inputs import folder_articles

    LIVE.mkdir(parents=True, exist_ok=True)
    recorder = vcr.VCR(record_mode="all", filter_headers=["authorization"], decode_compressed_response=True)
    for cluster in clusters:
        # every run is kept: <cluster>@<n>.yaml/.json, n counting up, so the set grows run by run
        n = 1 + max((int(p.stem.rsplit("@", 1)[1]) for p in LIVE.glob(f"{cluster.name}@*.yaml")), default=0)
        name = f"{cluster.name}@{n}"
        cassette = LIVE / f"{name}.yaml"
        started = time.perf_counter()
        with recorder.use_cassette(str(cassette)):
            brief = summarize(folder_articles(cluster))
        elapsed = time.perf_counter() - started
        (LIVE / f"{name}.json").write_text(brief.model_dump_json(indent=2) + "\n", encoding="utf-8")
        print(f"{name}: {elapsed:.0f}s, {brief.usage.total_tokens:,} tokens, {len(brief.points)} points, "
              f"{len(brief.rejected)} rejected", file=sys.stderr)
    return 0


def _proposals(cassette: Path) -> Iterator[tuple[str, str, str]]:
    """(article id, claim, quote) for every claim of every extraction answer in a recording."""
    import yaml

    data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    for interaction in data.get("interactions", []):
        try:
            request = json.loads(interaction["request"]["body"])
            answer = json.loads(interaction["response"]["body"]["string"])
            arguments = answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
            claims = json.loads(arguments).get("claims", [])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        user = next((m["content"] for m in request["messages"] if m["role"] == "user"), "")
        article = user.split("(", 1)[0].removeprefix("Article ").strip()
        for claim in claims:
            if isinstance(claim, dict) and claim.get("claim") and claim.get("quote"):
                yield article, str(claim["claim"]), str(claim["quote"])


def pairs() -> int:
    from briefgen.cli.inputs import folder_articles
    from briefgen.ingest import load_article
    from briefgen.verify import complete_attribution, locate_quote, sentence_span

    seen: set[str] = set()
    for cassette in sorted(LIVE.glob("*.yaml")):
        cluster = cassette.stem.split("@", 1)[0]
        folder = cluster_folder(cluster)
        articles = {a.id: a for a in (load_article(p) for p in folder_articles(folder))}
        for article_id, claim, quote in _proposals(cassette):
            article = articles.get(article_id)
            match = locate_quote(quote, article) if article is not None else None
            if article is None or match is None:
                continue  # no sentence to judge against: the quote check rejects these anyway
            span = sentence_span(article, match)
            sentence = article.text[span.start : span.end]
            # the sentences that define abbreviations ("Christian Democratic Union (CDU)") travel
            # with the pair, so scoring it needs no article files
            defining = " ".join(s.text for s in article.sentences if "(" in s.text)
            language = article.language or "en"
            # A claim the verifier completes with its sentence's attribution ships in that form:
            # it is judged as a pair of its own.
            completed = complete_attribution(claim, sentence, language=language, article_text=defining)
            for text in filter(None, (claim, completed)):
                key = hashlib.sha256(f"{text}\x00{sentence}".encode()).hexdigest()[:12]
                if key in seen:
                    continue
                seen.add(key)
                print(json.dumps({"id": key, "cluster": cluster, "article": article_id, "claim": text,
                                  "sentence": sentence, "span_problem": span.problem,
                                  "language": language, "article_text": defining}, ensure_ascii=False))
    return 0


def verdict(item: dict[str, Any]) -> bool:
    """Would the verifier ship this claim against this sentence? (the rule resolve_claim applies)"""
    from briefgen.verify import claim_problems

    if item.get("span_problem"):
        return False
    return not claim_problems(item["claim"], item["sentence"], language=item.get("language", "en"),
                              article_text=item.get("article_text", ""))


def score(path: Path = LABELLED) -> dict[str, Any]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    shipped = [i for i in items if verdict(i)]
    supported = [i for i in items if i["supported"]]
    true_ships = [i for i in shipped if i["supported"]]
    result = {
        "pairs": len(items),
        "labelled_supported": len(supported),
        "shipped": len(shipped),
        "precision": round(len(true_ships) / len(shipped), 4) if shipped else 1.0,
        "recall": round(len(true_ships) / len(supported), 4) if supported else 0.0,
        "false_ships": [{"id": i["id"], "claim": i["claim"], "reason": i["reason"]} for i in shipped if not i["supported"]],
    }
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/faithfulness.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="brief clusters live and record them")
    c.add_argument("clusters", nargs="+", type=Path)
    sub.add_parser("pairs", help="print every proposed (claim, sentence) pair, unlabelled")
    sub.add_parser("score", help="the verifier's precision and recall on the labelled set")
    args = ap.parse_args(argv)
    if args.command == "collect":
        return collect(args.clusters)
    if args.command == "pairs":
        return pairs()
    result = score()
    out = ROOT / "bench" / "results" / "faithfulness.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "false_ships"}), file=sys.stderr)
    for item in result["false_ships"]:
        print(f"false ship {item['id']}: {item['claim']} ({item['reason']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
