"""Stale articles: the ones dated well before the others are background, not this news."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date

from briefgen.brief import Article, StaleArticle


def find_stale(articles: Sequence[Article], stale_days: int) -> tuple[list[StaleArticle], date | None]:
    """Articles published more than ``stale_days`` before the story's reference date.

    The reference is the upper median of the known dates, so one old article
    among recent ones is flagged, and an undated article is never flagged.
    """
    dated = sorted(a.published for a in articles if a.published is not None)
    if len(dated) < 2:
        return [], dated[0] if dated else None
    reference = statistics.median_high(dated)
    stale: list[StaleArticle] = []
    for article in articles:
        if article.published is None:
            continue
        days = (reference - article.published).days
        if days > stale_days:
            stale.append(
                StaleArticle(
                    article_id=article.id,
                    published=article.published,
                    reference_date=reference,
                    days_apart=days,
                    reason=(
                        f"published {article.published.isoformat()}, {days} days before the other "
                        f"articles ({reference.isoformat()}); treated as background, not as this news"
                    ),
                )
            )
    return stale, reference
