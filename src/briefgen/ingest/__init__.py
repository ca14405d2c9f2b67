"""Ingest: load → clean → date → segment. No model involved."""

from briefgen.ingest.loader import ArticleInput, LoadOptions, load_article, load_file, load_url, from_html, from_text

__all__ = ["ArticleInput", "LoadOptions", "load_article", "load_file", "load_url", "from_html", "from_text"]
