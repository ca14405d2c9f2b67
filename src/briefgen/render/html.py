"""HTML: one self-contained page (inline CSS and a few lines of JS, no external requests).

Each point carries numbered citation markers. Hovering or focusing a marker
shows the quoted sentence and its source in a popover; clicking pins it open
(Escape or a click elsewhere closes it). Without JavaScript a click jumps to
the numbered note at the foot of the page, which carries the same quote — so
the page also reads correctly when printed or opened in a text browser.
Every string from the brief is escaped: article text is data, never markup.
"""

from __future__ import annotations

from html import escape

from briefgen.brief import Brief, Citation, Conflict, Point, Source
from briefgen.render.notes import CitationNumbers, source_label, sources_by_id


class _Notes(CitationNumbers):
    """Citation markers with a popover, numbered by :class:`CitationNumbers`."""

    def __init__(self, brief: Brief) -> None:
        super().__init__()
        self.sources = sources_by_id(brief)
        self.markers_made = 0

    def label(self, article_id: str) -> str:
        return source_label(self.sources.get(article_id), article_id)

    def marker(self, citation: Citation) -> str:
        n = self.number(citation)
        self.markers_made += 1
        pop_id = f"pop-{self.markers_made}"
        source = self.sources.get(citation.article_id)
        title = f"<span class=\"pop-title\">{escape(source.title)}</span>" if source and source.title else ""
        return (
            f'<a class="cite" href="#note-{n}" aria-describedby="{pop_id}">[{n}]'
            f'<span class="pop" role="tooltip" id="{pop_id}">'
            f"<q>{escape(citation.quote)}</q>"
            f'<span class="pop-source">{escape(self.label(citation.article_id))}</span>{title}'
            f'<span class="pop-where">{escape(citation.article_id)} · chars {citation.start}–{citation.end}'
            f" · {escape(citation.match)} match</span></span></a>"
        )

    def markers(self, citations: list[Citation]) -> str:
        return "".join(self.marker(c) for c in citations)


def _point(point: Point, notes: _Notes) -> str:
    support = f' <span class="support">{point.outlets} outlets</span>' if point.outlets > 1 else ""
    return f"<li>{escape(point.text)}{notes.markers(point.citations)}{support}</li>"


def _conflict(conflict: Conflict, notes: _Notes) -> str:
    if conflict.kind == "disputed":
        side = conflict.sides[0]
        return (f'<li><span class="tag">Caveat</span> {escape(side.label)}: '
                f"<q>{escape(conflict.topic)}</q>{notes.markers(side.citations)}</li>")
    kind = "Credited differently" if conflict.kind == "attribution" else "Numbers differ"
    sides = "; ".join(f"{escape(s.label)}{notes.markers(s.citations)}" for s in conflict.sides)
    return f'<li><span class="tag">{kind}</span> {escape(conflict.topic)} — {sides}</li>'


def _source(source: Source) -> str:
    date = source.published.isoformat() if source.published else "undated"
    title = f" — {escape(source.title)}" if source.title else ""
    outlet = escape(source.outlet or "unknown outlet")
    if source.url:
        outlet = f'<a href="{escape(source.url, quote=True)}" rel="noreferrer noopener">{outlet}</a>'
    stale = ' <span class="tag">stale</span>' if source.stale else ""
    return (f'<li id="src-{escape(source.id, quote=True)}"><code>{escape(source.id)}</code> '
            f"{outlet}, {date}{title}{stale}</li>")


_CSS = """
:root{--fg:#1d232b;--muted:#5d6773;--bg:#fbfaf7;--card:#fff;--accent:#1f5fbf;--line:#e3e0d8;--tag:#f3e7c9}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e3;--muted:#a3abb5;--bg:#15181c;--card:#1e2228;--accent:#7fb0ff;--line:#333a44;--tag:#4a3f22}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:17px/1.6 Georgia,'Iowan Old Style',serif}
main{max-width:46rem;margin:0 auto;padding:2.5rem 1.25rem 4rem}
h1{font-size:2rem;line-height:1.2;margin:0 0 .75rem}
h2{font:600 .8rem/1.2 system-ui,sans-serif;letter-spacing:.08em;text-transform:uppercase;color:var(--muted);
   border-top:1px solid var(--line);padding-top:1rem;margin:2rem 0 .75rem}
.lede{font-size:1.15rem;color:var(--fg)}
.banner{font:.9rem system-ui,sans-serif;background:var(--tag);padding:.5rem .75rem;border-radius:6px}
ul{padding-left:1.2rem}li{margin:.45rem 0}
.support,.tag{font:600 .72rem system-ui,sans-serif;color:var(--muted);white-space:nowrap}
.tag{background:var(--tag);color:var(--fg);padding:.05rem .4rem;border-radius:4px}
.cite{position:relative;font:600 .72rem system-ui,sans-serif;color:var(--accent);text-decoration:none;
      vertical-align:super;margin-left:.1rem;cursor:pointer;border-radius:3px}
.cite:focus-visible{outline:2px solid var(--accent)}
.pop{display:none;position:absolute;z-index:10;left:50%;bottom:1.6em;transform:translateX(-50%);width:22rem;
     max-width:80vw;background:var(--card);color:var(--fg);border:1px solid var(--line);border-radius:8px;
     box-shadow:0 6px 24px rgba(0,0,0,.18);padding:.7rem .85rem;font:400 .9rem/1.45 system-ui,sans-serif;
     text-align:left;white-space:normal;vertical-align:baseline}
.cite:hover .pop,.cite:focus .pop,.cite.pinned .pop{display:block}
.pop q{display:block;font-style:italic;margin-bottom:.4rem}
.pop-source{display:block;font-weight:600}.pop-title{display:block;color:var(--muted)}
.pop-where{display:block;color:var(--muted);font-size:.75rem;margin-top:.25rem}
.notes{font-size:.85rem;color:var(--muted)}.notes li:target{background:var(--tag)}
.notes q{color:var(--fg)}
footer{margin-top:2.5rem;font:.78rem system-ui,sans-serif;color:var(--muted)}
code{font-size:.8em}
a{color:var(--accent)}
"""

_JS = """
function place(c){
  var p=c.querySelector('.pop');if(!p)return;
  p.style.transform='translateX(-50%)';p.style.top='';p.style.bottom='';
  var r=p.getBoundingClientRect(),dx=0,w=document.documentElement.clientWidth;
  if(r.right>w-8)dx=w-8-r.right;if(r.left+dx<8)dx=8-r.left;
  if(dx)p.style.transform='translateX(calc(-50% + '+dx+'px))';
  if(r.top<4){p.style.bottom='auto';p.style.top='1.6em';}
}
function near(e){return e.target.closest?e.target.closest('.cite'):null}
document.addEventListener('mouseover',function(e){var c=near(e);if(c)place(c)});
document.addEventListener('focusin',function(e){var c=near(e);if(c)place(c)});
document.addEventListener('click',function(e){
  var c=near(e);
  document.querySelectorAll('.cite.pinned').forEach(function(p){if(p!==c)p.classList.remove('pinned')});
  if(c){e.preventDefault();c.classList.toggle('pinned');place(c);}
});
function placePinned(){document.querySelectorAll('.cite.pinned').forEach(place)}
placePinned();window.addEventListener('resize',placePinned);
document.addEventListener('keydown',function(e){
  if(e.key==='Escape')document.querySelectorAll('.cite.pinned').forEach(function(p){p.classList.remove('pinned')});
});
"""


def render_html(brief: Brief) -> str:
    """The brief as one self-contained HTML page (see module docs)."""
    notes = _Notes(brief)
    body: list[str] = [f"<h1>{escape(brief.headline)}</h1>", f'<p class="lede">{escape(brief.lede)}</p>']
    if brief.single_source:
        body.append('<p class="banner">Single source: every point rests on one article.</p>')
    body.append("<h2>Key points</h2><ul class=\"points\">")
    body += [_point(p, notes) for p in brief.points] or ["<li>No claim could be verified.</li>"]
    body.append("</ul>")
    if brief.conflicts:
        body.append("<h2>Conflicts and caveats</h2><ul>")
        body += [_conflict(c, notes) for c in brief.conflicts]
        body.append("</ul>")
    if brief.background:
        body.append("<h2>Background (older reporting, not part of this news)</h2><ul>")
        body += [f"<li><em>{escape(notes.label(s.article_id))}</em>: {escape(s.reason)}.</li>" for s in brief.stale]
        body += [_point(p, notes) for p in brief.background]
        body.append("</ul>")
    body.append("<h2>Sources</h2><ul>")
    body += [_source(s) for s in brief.sources]
    body.append("</ul>")
    if brief.unverified:
        body.append(f"<p class=\"notes\">{len(brief.unverified)} claim(s) failed citation verification and were "
                    "left out (see the JSON output's <code>rejected</code>).</p>")
    if brief.repeats:
        body.append(f"<p class=\"notes\">{len(brief.repeats)} verified claim(s) repeated a point in other words and "
                    "were left out (see the JSON output's <code>rejected</code>, stage <code>merge</code>).</p>")
    if notes.order:
        body.append('<h2>Quotes</h2><ol class="notes">')
        for n, citation in enumerate(notes.order, 1):
            body.append(f'<li id="note-{n}">{escape(notes.label(citation.article_id))}: '
                        f"<q>{escape(citation.quote)}</q> <code>{escape(citation.article_id)}, "
                        f"chars {citation.start}–{citation.end}</code></li>")
        body.append("</ol>")
    usage, prov = brief.usage, brief.provenance
    cost = f" · ${usage.cost_usd:.4f}" if usage.cost_usd else ""
    body.append(
        f"<footer>{escape(prov.model)} · {usage.total_tokens:,} tokens{cost} · {usage.wall_time_s:.1f}s · "
        f"prompts {escape(prov.prompt_version)} · briefgen {escape(prov.briefgen_version)} · "
        f"{prov.created_at:%Y-%m-%d %H:%M} UTC. Every quote was checked against its article's text.</footer>"
    )
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(brief.headline)}</title><style>{_CSS}</style></head>\n<body><main>\n"
        + "\n".join(body)
        + f"\n</main><script>{_JS}</script></body></html>\n"
    )
