"""briefgen: short news briefs whose every claim cites, and is checked against, its sources.

The pipeline has five seams, one module each: ``ingest`` (load, clean,
segment), ``prompts`` (versioned templates), ``llm`` (one OpenAI-protocol
client via instructor), ``verify``/``merge`` (citations, numbers, grouping,
conflicts) and ``render`` (Markdown, JSON, HTML, Slack).
"""

from __future__ import annotations

from briefgen._version import __version__
from briefgen.api import asummarize, asummarize_batch, summarize, summarize_batch
from briefgen.config import Settings
from briefgen.errors import BriefgenError
from briefgen.ingest import load_article
from briefgen.brief import Article, Brief, Citation, Conflict, Point
from briefgen.pipeline import Briefer

__all__ = [
    "Article",
    "Brief",
    "Briefer",
    "BriefgenError",
    "Citation",
    "Conflict",
    "Point",
    "Settings",
    "__version__",
    "asummarize",
    "asummarize_batch",
    "load_article",
    "summarize",
    "summarize_batch",
]
