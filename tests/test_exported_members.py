"""The public surface of ``briefgen``: a name added to or dropped from ``__all__`` is a decision, made here.

(httpx's tests/test_exported_members.py does the same.)
"""

from __future__ import annotations

import briefgen

PUBLIC = [
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


def test_all_is_pinned() -> None:
    assert sorted(briefgen.__all__) == sorted(PUBLIC)


def test_every_exported_name_exists_and_says_where_it_lives() -> None:
    for name in briefgen.__all__:
        member = getattr(briefgen, name)
        if name != "__version__":
            assert member.__module__.startswith("briefgen."), name


def test_the_version_lives_in_its_own_module() -> None:
    from briefgen._version import __version__

    assert briefgen.__version__ == __version__
