"""Minimal command line (the full CLI is built on top of this)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from briefgen.api import summarize
from briefgen.errors import BriefgenError
from briefgen.render import FORMATS, render


def _expand(inputs: list[str]) -> list[str]:
    out: list[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            out += [str(p) for p in sorted(path.iterdir()) if p.is_file() and p.suffix.lower() in {".txt", ".html", ".htm", ".md"} and p.name.upper() != "FACTS.MD"]
        else:
            out.append(item)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="briefgen", description="Cited news briefs from articles.")
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--format", "-f", choices=FORMATS, default="md")
    parser.add_argument("--model")
    parser.add_argument("--base-url")
    args = parser.parse_args(argv)
    try:
        brief = summarize(_expand(args.inputs), model=args.model, base_url=args.base_url)
    except BriefgenError as exc:
        print(f"briefgen: error: {exc}", file=sys.stderr)
        return 1
    print(render(brief, args.format))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
