"""Places and subjects: who and where a measured figure is about, and which sentences are read for figures.

Two figures of one measure are one quantity only when they are about the same place and subject
(Bangkok's toll is not Myanmar's). :func:`figure_subject` is the name nearest before a figure,
:func:`places_in` the parties and places a sentence names, less the source it credits and the bodies
it quotes. Because the model extracts only a few claims per article, every sentence of the articles
that gives a figure is read too (:func:`sentence_reports`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from briefgen.brief import Article
from briefgen.ingest.dates import drop_dateline
from briefgen.ingest.scripts import latin_language
from briefgen.measures import (
    FOREIGN_LANGUAGES,
    MEASURE_WINDOW,
    POWER_UNITS,
    TOKEN,
    figure_value,
    measured_figures,
)
from briefgen.merge import VerifiedClaim
from briefgen.shares import is_election, vote_shares
from briefgen.verify import QuoteMatch, named_parties
from briefgen.verify.names import common_opening
from briefgen.verify.words import DATE_NAMES

# Dates are no subject (DATE_NAMES): "Myanmar’s death toll from Friday’s powerful earthquake reached 1,644" is
# Myanmar's.

# A run of capitalised words ending in one of these names a body, not a place or a party a figure is
# about (Jeju Air crash, live run: "The National Fire Agency confirmed that 176 people ... have been
# killed" was about the places "national", "fire" and "agency", so it could not join "At least 177
# people have been killed in a plane crash in South Korea" as one death toll).
_BODY = re.compile(r"(?:\b[A-Z][\w.'’-]*\s+){0,5}(?:Agency|Ministry|Service|Department|Office|Police|Council|Centre|"
                   r"Center|Committee|Commission|Authority|Bureau|Institute|Survey|Administration|Board)\b")


@lru_cache(maxsize=4096)
def _body_words(text: str) -> frozenset[str]:
    return frozenset(w.strip(",;:").lower() for run in _BODY.findall(text) for w in run.split())


@lru_cache(maxsize=4096)
def figure_subject(text: str, value: float, language: str = "en") -> str | None:
    """The name nearest before the figure ``value`` in ``text`` (not the text's first word), folded.

    German cluster, live run of the final code: "The CDU-CSU won 28.5 percent of the vote ...
    Alice Weidel's AfD reached a record 20.5 percent" beside "The far-right AfD doubled its vote
    share to 20.8%" was a 'vote share: 20.8 / 28.5' conflict: both claims name the AfD, but 28.5 is
    the CDU-CSU's. Two figures with different subjects are different quantities. Other languages'
    pages have none: German capitalises every noun ("Die Wahlbeteiligung lag laut vorläufigen Zahlen
    von Infratest dimap für die ARD bei 84 Prozent" is no figure of the ARD).
    """
    if language != "en":
        return None
    words = TOKEN.findall(_CREDIT.sub("", text))  # whom it credits is not what the figure is of
    bodies = _body_words(text)
    for i, word in enumerate(words):
        if figure_value(word) != value:
            continue
        for j in range(i - 1, max(0, i - MEASURE_WINDOW) - 1, -1):
            name = re.sub(r"['’]s$", "", words[j]).lower()
            if (j > 0 and words[j][0].isupper() and _is_name(words[j]) and name not in DATE_NAMES
                    and words[j].lower() not in bodies):
                return name
        return None
    return None


def same_subject(x: str | None, y: str | None) -> bool:
    """Unknown subjects may be either; "CDU-CSU" and "CDU/CSU" (read as "csu") are one party."""
    return x is None or y is None or bool(set(re.split(r"[-/]", x)) & set(re.split(r"[-/]", y)))


def _is_name(word: str) -> bool:
    return bool(named_parties(word))


# Whom a sentence credits is not where its figure is: "The earthquake of magnitude 7.5 took place at
# 11.50 am local time, according to India’s National Center for Seismology" is about no other place
# than the USGS's 7.7 (Myanmar cluster: the two sentences named no place in common).
_CREDIT = re.compile(r"(?:,\s*)?\b(?i:according to)\b[^,;.]*(?:,\s*including\b[^,;.]*)?"
                     r"|,\s*[^,;]*\b(?:said|says|reported|reports)\b[^;]*$")


# The places of another language's sentence are the names its page puts after a preposition of place
# ("en Valencia", "de Paiporta"; "de" only without an article: "a causa de la DANA" names the storm):
# German capitalises every noun, so a capitalised word is no name there. Valencia cluster: "Paiporta,
# el municipio más afectado, contabiliza al menos 62 personas fallecidas" is Paiporta's, as its page
# says "La alcaldesa de Paiporta" elsewhere.
_FOREIGN_PLACE = re.compile(r"\b(?:(?i:in|im|en|em|no|na|à|au|nel|nella)\s+(?:(?i:la|el|los|las|le|les|der|dem|den|"
                            r"o|a|os|as)\s+)?|(?i:de|del|da|do|von)\s+)([A-Z][\w'’-]+)")
_FOREIGN_CREDIT = re.compile(r"(?:,\s*)?\b(?:según|segundo|laut|gemäß|selon|secondo)\b[^,;.]*", re.IGNORECASE)


@lru_cache(maxsize=256)
def _page_places(article_text: str) -> frozenset[str]:
    return frozenset(name.lower() for name in _FOREIGN_PLACE.findall(_FOREIGN_CREDIT.sub("", article_text)))


@lru_cache(maxsize=4096)
def places_in(text: str, language: str = "en", article_text: str = "") -> frozenset[str]:
    """The parties ``text`` is about, folded, without the source it credits; "CDU-CSU" is the CDU and the CSU.
    In another language, the names its page ``article_text`` puts after a preposition of place
    (:data:`_FOREIGN_PLACE`)."""
    if language != "en":
        about = _FOREIGN_CREDIT.sub("", text)
        known = _page_places(article_text) | _page_places(about)
        return frozenset(word.lower() for word in re.findall(r"[A-Z][\w'’-]+", about) if word.lower() in known)
    # "Myanmar's" and "Myanmar" are one place (live run: 144 and 694 dead were two conflicts)
    about = _CREDIT.sub("", drop_dateline(text))
    bodies = _body_words(about)
    opening = common_opening(about, article_text)  # "Already in custody, ..." (ftx@1): no place
    names = (part for word in named_parties(about) if word.lower() not in bodies and word != opening
             for part in re.sub(r"['’]s$", "", word).lower().split("-"))
    return frozenset(_COUNTRIES.get(name, name) for name in names
                     if name and name not in DATE_NAMES and name not in POWER_UNITS)


# A country's adjective names it: "The Spanish government ... 15 GW of energy disappeared" is about the
# grid of Spain, as "Capacity losses in Spain and Portugal's power grids" (Iberian cluster).
_COUNTRIES = {"spanish": "spain", "portuguese": "portugal", "french": "france", "german": "germany",
              "italian": "italy", "thai": "thailand", "burmese": "myanmar", "chinese": "china", "indian": "india",
              "russian": "russia", "ukrainian": "ukraine", "japanese": "japan", "mexican": "mexico"}


# A figure whose place is named in another sentence ("At least 40 people died in this town alone",
# "92 deaths have been confirmed there", Valencia cluster) has no subject a reader can tell from the
# quote: such sentences are not read on their own (an existential "there are" is no place).
_ELSEWHERE = re.compile(
    r"\b(?:this|that|the same) (?:town|city|village|region|province|state|area|country|district|municipality)\b"
    r"|\balone\b|\bthere\b(?!\s+(?:is|are|was|were|have|has|had|will|would|may|might|could|seems?|appears?)\b)",
    re.IGNORECASE,
)
_FOREIGN_ELSEWHERE = re.compile(
    r"\b(?:este|esta|ese|esa|dicho|dicha|aquel|aquella|neste|nesta|nessa|desse|dessa|deste|desta|dieser|diesem|"
    r"dieses|diese|cette|ce|questo|questa) (?:municipio|município|localidad|localidade|pueblo|ciudad|cidade|región|"
    r"região|provincia|província|zona|Stadt|Gemeinde|Ort|Region|ville|commune|comune|città)\b"
    r"|\b(?:allí|ahí|allá|ali|lá|dort|là-bas)\b",
    re.IGNORECASE,
)
""":data:`_ELSEWHERE` in Spanish, Portuguese, German, French, Italian (Valencia cluster: "62 las personas
fallecidas en esta localidad", the mayor's count for Paiporta, named only earlier in the sentence's article)."""


def sentence_reports(articles: Sequence[Article]) -> list[VerifiedClaim]:
    """Every sentence of ``articles`` in English or one of :data:`FOREIGN_LANGUAGES` that gives a measured
    figure, as a claim of its own whole sentence (its citation is the sentence verbatim, built as a
    claim's citation is)."""
    reports = []
    for article in articles:
        language = article.language or "en"
        if language != "en" and language not in FOREIGN_LANGUAGES:
            continue
        elsewhere = _ELSEWHERE if language == "en" else _FOREIGN_ELSEWHERE
        for k, sentence in enumerate(article.sentences):
            start = sentence.start
            text = article.text[start : sentence.end]
            shares = vote_shares(text, language) if is_election(article.text) else {}
            # another language's "en esta localidad" is the place the sentence names, if it names one (Valencia
            # cluster: "La alcaldesa de Paiporta ... 62 las personas fallecidas en esta localidad")
            named_here = language != "en" and len(places_in(text, language, article.text)) == 1
            if language == "en" and elsewhere.search(text) and k > 0:
                before = article.sentences[k - 1]
                if _names_the_place(article.text[before.start : before.end]):
                    start, named_here = before.start, True  # quoted together, the reader sees where "there" is
                    text = article.text[start : sentence.end]
            if (not (measured_figures(text, language) or shares) or (elsewhere.search(text) and not named_here)
                    or latin_language(text) != language):
                continue  # one English page quoting a Spanish sentence (Iberian cluster: "La magnitud del apagón")
            if language != "en" and len(places_in(text, language, article.text)) > 1:
                continue  # a figure beside the count of each of several places is their total, or any one's
                # (Valencia cluster: "las primeras cifras recogían 13 fallecidos, ... en Paiporta ...; en Torrent, cinco")
            match = QuoteMatch(start, sentence.end, "exact", 100.0)
            reports.append(VerifiedClaim.at(article, text, match, rank=1000 + sentence.index))
    return reports


def _names_the_place(text: str) -> bool:
    """The sentence names one place and gives no figure of its own: the place a next sentence's "there" or
    "this town" is (Valencia cluster: "So far, more than 100 people have lost their lives, with the
    province of Valencia bearing the brunt of the devastation. Officials say at least 92 deaths have been
    confirmed there"). With two places, or a figure of its own, which one "there" is, is a guess."""
    return len(places_in(text)) == 1 and not measured_figures(text)
