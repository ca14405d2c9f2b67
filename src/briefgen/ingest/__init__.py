"""Ingest: load → clean → date → segment. No model involved."""

from briefgen.ingest.loader import (
    ArticleInput,
    LoadOptions,
    from_html,
    from_text,
    load_article,
    load_file,
    load_url,
)

__all__ = ["ArticleInput", "LoadOptions", "from_html", "from_text", "load_article", "load_file", "load_url"]
