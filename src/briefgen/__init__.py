"""briefgen: short news briefs whose every claim cites, and is checked against, its sources.

The pipeline has five seams, one module each: ``ingest`` (load, clean,
segment), ``prompts`` (versioned templates), ``llm`` (one OpenAI-protocol
client via instructor), ``verify``/``merge`` (citations, numbers, grouping,
conflicts) and ``render`` (Markdown, JSON, HTML, Slack).
"""

from __future__ import annotations

__version__ = "0.1.0"

from briefgen.api import asummarize, asummarize_batch, summarize, summarize_batch  # noqa: E402
from briefgen.config import Settings  # noqa: E402
from briefgen.errors import BriefgenError  # noqa: E402
from briefgen.ingest import load_article  # noqa: E402
from briefgen.models import Article, Brief, Citation, Conflict, Point  # noqa: E402
from briefgen.pipeline import Briefer  # noqa: E402

__all__ = [
    "__version__",
    "Article",
    "Brief",
    "Briefer",
    "BriefgenError",
    "Citation",
    "Conflict",
    "Point",
    "Settings",
    "asummarize",
    "asummarize_batch",
    "load_article",
    "summarize",
    "summarize_batch",
]
