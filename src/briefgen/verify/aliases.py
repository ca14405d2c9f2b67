"""Aliases: which different words count as the same one.

Three kinds, each kept narrow because every one widens what a claim may say: the short
table :data:`ALIASES` ("US" = "United States"), the abbreviations an article defines
("Christian Democratic Union (CDU)", :func:`defined_aliases`), and the stem classes of
:data:`SYNONYMS` ("dead" = "died"). :func:`_matches` is the one place a claim's stem is
matched against its sentences' stems, demonyms ("Korean" ~ "Korea") included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from briefgen.verify.words import content_words, stem, tokens

ALIASES: dict[str, tuple[str, ...]] = {
    "us": ("u.s.", "united states", "america", "american", "americans", "washington"),
    "u.s.": ("us", "united states", "america", "american", "washington"),
    "america": ("us", "u.s.", "united states"),
    "american": ("us", "u.s.", "united states"),
    "un": ("u.n.", "united nations"),
    "u.n.": ("un", "united nations"),
    "uk": ("u.k.", "britain", "british", "united kingdom"),
    "u.k.": ("uk", "britain", "british", "united kingdom"),
    "britain": ("uk", "u.k.", "united kingdom", "british"),
    "eu": ("european union",),
    "fed": ("federal reserve",),
    "dprk": ("north korea", "democratic people's republic of korea"),
    "rok": ("south korea", "republic of korea"),
    "china": ("chinese", "beijing"),
    "chinese": ("china",),
    # capitals standing for their governments, as news reports write them
    "pyongyang": ("north korea",),
    "moscow": ("russia",),
    "kyiv": ("ukraine",),
    "kiev": ("ukraine",),
    "seoul": ("south korea",),
    "tokyo": ("japan",),
    "berlin": ("germany",),
    "tehran": ("iran",),
    "naypyidaw": ("myanmar",),
}
"""Names that sources spell several ways; each side counts as the other. Kept short on
purpose: any other name in a claim must occur in its cited sentences."""


COUNTRY_LANGUAGES = ("es", "pt", "de", "fr", "it")
"""The languages, besides English, whose country names :func:`country_of` reads."""


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    # ISO 3166 names in each language, from pycountry's gettext catalogs (in its wheel, read once: 30 ms)
    import gettext

    import pycountry

    names: dict[str, str] = {}
    catalogs = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[code], fallback=True)
                for code in COUNTRY_LANGUAGES]
    for country in pycountry.countries:
        english = [n for n in (getattr(country, "common_name", None), country.name,
                               getattr(country, "official_name", None)) if n]
        for name in english:
            for form in (name, *(catalog.gettext(name) for catalog in catalogs)):
                names.setdefault(form.lower(), english[0])
    return names


def country_of(name: str) -> str | None:
    """The country ``name`` names in English, Spanish, Portuguese, German, French or Italian ("España",
    "Espanha", "Spanien" → "Spain"; "Birmania" → "Myanmar"), or None. For telling that two reports in two
    languages are about one place (:mod:`briefgen.events`); the verifier keeps :data:`ALIASES`, as a claim
    must still use its own sentence's words."""
    return _country_names().get(name.strip().lower())


def _both_ways(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(p for a, b in pairs for p in ((a, b), (b, a)))


TABLE_PAIRS = _both_ways((k, v) for k, vs in ALIASES.items() for v in vs)
"""Every (form, other form) of :data:`ALIASES`, in both directions."""

SYNONYMS: tuple[frozenset[str], ...] = (
    frozenset({"die", "dead", "death", "kill", "fatal"}),
    frozenset({"injur", "injuri", "wound", "hurt"}),
    frozenset({"earthquak", "quak", "tremor"}),
    frozenset({"hit", "struck", "strike"}),
)
"""Stems news reports use for one thing ("144 dead" = "144 people died" = "killed 144").
Each class counts as one word; kept to these because every added class widens what a
claim may say. A number still keeps its role: "dead" and "injured" are different classes."""

_SYNONYM_OF: dict[str, frozenset[str]] = {stem: group for group in SYNONYMS for stem in group}


DEFINITION = re.compile(
    r"((?:[A-Z][\w’'-]*)(?:[ -](?:of|and|for|the|de|der|des|du|la|le|[A-Z][\w’'-]*))*)\s*\(\s*([A-Z][A-Za-z/&.-]{1,11})\s*\)"
)
"""A long name and the abbreviation it is given in brackets: "Christian Democratic Union (CDU)"."""


# --- aliases the article defines ----------------------------------------------------


@lru_cache(maxsize=256)
def defined_aliases(article_text: str) -> tuple[tuple[str, str], ...]:
    """(abbreviation, long form) pairs the article defines: "Christian Democratic Union (CDU)".

    Only where the abbreviation's letters are the initials of the long form (or the
    long form's capitalised words contain them in order), so "Merz (CDU)" defines nothing.
    """
    pairs: list[tuple[str, str]] = []
    for match in DEFINITION.finditer(article_text):
        long_form, abbr = match.group(1).strip(), match.group(2).strip()
        letters = [c.lower() for c in abbr if c.isalpha()]
        words = [w for w in re.split(r"[ -]+", long_form) if w]
        initials = "".join(w[0].lower() for w in words if w[0].isupper())
        # keep the shortest tail of the long form whose initials spell the abbreviation
        for i in range(len(words)):
            tail = words[i:]
            tail_initials = "".join(w[0].lower() for w in tail if w[0].isupper())
            if tail_initials and _subsequence("".join(letters), tail_initials) and tail_initials[0] == letters[0]:
                pairs.append((abbr.lower(), " ".join(tail).lower()))
                break
        else:
            if initials and _subsequence("".join(letters), initials):
                pairs.append((abbr.lower(), long_form.lower()))
    return tuple(dict.fromkeys(pairs))


def _subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(c in it for c in needle) and len(needle) >= 2


def expanded_words(text: str, language: str = "en", extra_aliases: Iterable[tuple[str, str]] = ()) -> frozenset[str]:
    """Content words of ``text`` plus the words of every alias of a name it contains."""
    return _expanded_words(text, language, tuple((name, alias) for name, alias in extra_aliases))


@lru_cache(maxsize=8192)
def _expanded_words(text: str, language: str, extra_aliases: tuple[tuple[str, str], ...]) -> frozenset[str]:
    # cached: a sentence's words are expanded once, not again for each claim that cites it
    words = set(content_words(text, language))
    folded = " " + " ".join(tokens(text)) + " "
    for name, alias in TABLE_PAIRS + _both_ways(extra_aliases):
        if f" {name} " in folded:
            words |= content_words(alias, language) | ({stem(alias, language)} if " " not in alias else set())
    return frozenset(words)


def _matches(word: str, available: frozenset[str] | set[str]) -> bool:
    if word in available or (word in _SYNONYM_OF and _SYNONYM_OF[word] & available):
        return True
    # A demonym and its country share a long stem (korean/korea, ukrainian/ukrain): accept a
    # common prefix of at least five letters that covers all but the last three of both.
    if len(word) >= 5:
        for other in available:
            common = len(_common_prefix(word, other))
            if common >= 5 and common >= max(len(word), len(other)) - 3:
                return True
    return False


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


# --- alias forms made one -----------------------------------------------------------


@lru_cache(maxsize=256)
def _alias_pairs(article_text: str) -> tuple[tuple[str, str], ...]:
    """The table's aliases and the abbreviations ``article_text`` defines, both ways."""
    return TABLE_PAIRS + (_both_ways(defined_aliases(article_text)) if article_text else ())


@lru_cache(maxsize=256)
def _alias_groups(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Each alias form → the one form that stands for its connected group (the shortest)."""
    group: dict[str, str] = {}
    for a, b in pairs:
        ra, rb = group.get(a, a), group.get(b, b)
        root = min(ra, rb, key=lambda x: (len(x), x))
        for form, r in list(group.items()):
            if r in (ra, rb):
                group[form] = root
        group[a] = group[b] = root
    return group


def _canonical(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """Folded tokens of ``text`` with every alias form replaced by one form per alias group."""
    group = _alias_groups(pairs)
    folded = " " + " ".join(tokens(text)) + " "
    for form in sorted(group, key=len, reverse=True):
        if " " in form or "." in form or form in ALIASES:
            folded = folded.replace(f" {form} ", f" {group[form].replace(' ', '_')} ")
    return folded
