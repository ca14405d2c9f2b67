"""Documented check of the HTML output: render a brief, open it in headless Chromium, save a PNG.

    .venv/bin/python scripts/html_screenshot.py [BRIEF.json] [--out DIR]

Without BRIEF.json it replays the recorded seeds brief
(tests/cassettes/seeds_brief.yaml) when that exists, else it makes a brief
of seeds/ with the crafted stand-in model of tests/cli/fixtures.py (not a
recording). It writes DIR/brief.html, DIR/brief.png (the page as loaded) and
DIR/brief-pinned.png (the first citation's popover pinned open, as after a
click) and DIR/brief-phone.png (the same at phone width: the popover must stay
inside the screen), then prints the paths. Look at the PNGs: the headline, points with
[n] markers, and in the pinned one a card with the quote and its source.

Needs Chromium: ``apt-get install -y chromium`` (Debian) — /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(html_path: Path, png_path: Path, *, size: str = "1200,1600", chromium: str | None = None) -> Path:
    """Render ``html_path`` in headless Chromium to ``png_path``."""
    binary = chromium or find_chromium()
    if binary is None:
        raise RuntimeError("Chromium not found; install it with: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="briefgen-chromium-") as profile:
        subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png_path}",
             f"--window-size={size}", html_path.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    return png_path


def pinned(html: str) -> str:
    """The same page with the first citation's popover open (what a click does), scrolled into view."""
    return html.replace('class="cite"', 'class="cite pinned"', 1).replace(
        "<h2>Key points</h2>", '<h2 style="margin-top:9rem">Key points</h2>', 1)


def seeds_brief():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    from briefgen import summarize

    seeds = sorted((ROOT / "seeds").glob("0*.txt"))
    cassette = ROOT / "tests" / "cassettes" / "seeds_brief.yaml"
    if cassette.exists():
        from briefgen.testing import FakeOpenAIServer

        with FakeOpenAIServer.from_cassette(cassette) as server:
            return summarize(seeds, base_url=server.base_url, model="qwen2.5-coder-1.5b", api_key="local")
    from tests.cli.fixtures import CRAFTED_MODEL, crafted_server

    with crafted_server() as server:
        return summarize(seeds, base_url=server.base_url, model=CRAFTED_MODEL, api_key="crafted")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("brief", nargs="?", help="a JSON brief (briefgen ... -f json)")
    parser.add_argument("--out", help="output folder (default: a new temporary folder)")
    args = parser.parse_args(argv)
    from briefgen.brief import Brief
    from briefgen.render.html import render_html

    brief = Brief.model_validate_json(Path(args.brief).read_text(encoding="utf-8")) if args.brief else seeds_brief()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="briefgen-html-"))
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(brief)
    page, page_pinned = out / "brief.html", out / "brief-pinned.html"
    page.write_text(html, encoding="utf-8")
    page_pinned.write_text(pinned(html), encoding="utf-8")
    shots = ((page, out / "brief.png", "1200,1600"), (page_pinned, out / "brief-pinned.png", "1200,1600"),
             (page_pinned, out / "brief-phone.png", "420,900"))
    for source, png, size in shots:
        screenshot(source, png, size=size)
        print(png)
    print(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
