"""Names: who and what a text names, and whether a name occurs whole in the sentences.

A claim may not join words its sentence has apart into a name of its own
(:func:`multiword_names`, :func:`_phrase_in`, aliases made one), and the names in an
attribution say which source a claim must keep (:func:`named_parties`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from briefgen.verify.aliases import _alias_pairs, _canonical, _matches
from briefgen.verify.words import STOPWORDS, _is_content, stem, tokens

_SENTENCE_END = re.compile(r"(?<=[a-z]{3}\.)\s+")
_MULTI_NAME = re.compile(r"(?:[A-Z][\w’'.-]*|U\.S\.)(?:\s+(?:of|the|for|and|de|del|la|von)?\s*[A-Z][\w’'.-]*)+")


def multiword_names(text: str) -> list[str]:
    """Runs of two or more capitalised words ("Federal Reserve", "Kim Jong Un") in ``text``.

    The first word of a sentence is capitalised anyway; a run starting there counts only
    from its second word when the first is a function word ("The Federal Reserve").
    """
    return list(_multiword_names(text))


@lru_cache(maxsize=8192)
def _multiword_names(text: str) -> tuple[str, ...]:
    # cached, like the other per-text reads: merging and the checks ask it of the same claims again
    out: list[str] = []
    for match in _MULTI_NAME.finditer(re.sub(r"\bUS\b", "U.S.", text)):
        # "Russia and North Korea" is two names, not one: live seeds lede refused for naming
        # "Russia and North Korea" beside points naming each. A word of three or more small
        # letters before a full stop ends a sentence ("U.S.", "Mrs." do not): live ledes were
        # refused for naming "Andalusia. More" and "Monday. The Spanish".
        parts = [p for chunk in _SENTENCE_END.split(match.group(0)) for p in re.split(r"\s+and\s+", chunk)]
        for part in parts:
            words = [re.sub(r"['’]s$", "", w) for w in part.split()]
            while words and words[0].lower() in STOPWORDS:
                words.pop(0)
            if len([w for w in words if w[:1].isupper()]) >= 2:
                out.append(" ".join(words))
    return tuple(out)


@lru_cache(maxsize=8192)
def _phrase_in(name: str, support: str, language: str, article_text: str = "") -> bool:
    """``name`` occurs in ``support`` as consecutive words: as written (stems, demonyms: "North
    Korea" in "North Korean leader"), or with alias forms made one ("U.S." = "United States")."""
    pairs = _alias_pairs(article_text)
    for name_text, support_text in ((" ".join(tokens(name)), " ".join(tokens(support))),
                                    (_canonical(name, pairs), _canonical(support, pairs))):
        wanted = [stem(w, language) for w in name_text.split() if w not in STOPWORDS]
        if not wanted:
            return True
        haystack = [stem(w, language) for w in support_text.split() if w not in STOPWORDS]
        for i in range(len(haystack) - len(wanted) + 1):
            if all(_matches(w, {h}) for w, h in zip(wanted, haystack[i : i + len(wanted)], strict=False)):
                return True
    return False


def common_opening(text: str, article_text: str) -> str | None:
    """The first word of ``text`` when ``article_text`` (its page) never writes it capitalised inside a
    sentence: a common word a sentence opens with ("Despite this, the central bank ...", "Already in
    custody, he faces ..."), not a name ("Mandalay is Myanmar's second-largest city": the page writes
    "in Mandalay")."""
    first = re.match(r"\W*([\w'’-]+)", text)
    if first is None or not article_text or re.search(rf"[\w,;:] {re.escape(first.group(1))}\b", article_text):
        return None
    return first.group(1)


def named_parties(text: str) -> list[str]:
    """Capitalised names in ``text`` (not its function words or markers): who and where it is about."""
    return list(_named_parties(text))


@lru_cache(maxsize=8192)
def _named_parties(text: str) -> tuple[str, ...]:
    # cached: conflicts compare every pair of claims by the names each one gives
    words = re.findall(r"(?:[A-Z]\.){2,}|[A-Z][\w'’-]*", re.sub(r"\bUS\b", "U.S.", text))
    return tuple(dict.fromkeys(w for w in words if _is_content(re.sub(r"['’]s$", "", w).lower())))


def sentence_case(text: str, support: str) -> str:
    """A Title Case headline read as the sentence it is: a capitalised word that the support never
    capitalises inside a sentence is lowered, so it is not taken for a name.

    Live seeds run: "North Korea Plans to Send Thousands of Workers to Russia's Kursk Region" was
    refused for naming "North Korea Plans" and "Send Thousands of Workers", which no point names;
    later runs for "North Korea Sends" (the points have "send", never "sends") and "Major Power"
    (Iberian cluster: "Major" only opens a sentence there). Names the support capitalises inside a
    sentence (North Korea, Kursk) stay as they are.
    """
    words = text.split(" ")
    capitals = sum(1 for w in words if w[:1].isupper())
    if capitals < 0.6 * len(words):
        return text
    out = []
    for i, word in enumerate(words):
        bare = word.strip(".,;:!?\"'“”‘’()")
        # the first word is capitalised anyway: lowered only when the support has it in small letters
        # (Iberian cluster: "Major Power Outages Hit Spain" was read as "Major" doing something)
        lower_ok = i > 0 or re.search(rf"\b{re.escape(bare.lower())}\b", support) is not None
        if bare[:1].isupper() and not bare.isupper() and lower_ok and not _capitalised_inside(bare, support):
            word = word.replace(bare, bare.lower(), 1)
        out.append(word)
    return " ".join(out)


def _capitalised_inside(word: str, support: str) -> bool:
    """Whether ``support`` writes ``word`` capitalised other than as the first word of a sentence or line."""
    return any(not re.search(r"(?:^|[.!?:]['\"”’)]*\s+|\n\s*|[\"“‘(]\s*)$", support[: m.start()])
               for m in re.finditer(rf"\b{re.escape(word)}\b", support))


_WORD = re.compile(r"[A-ZÀ-ÖØ-Þ][\w’'.-]*")


def names_someone(text: str, article_text: str) -> bool:
    """Whether ``text`` names someone or something: a capitalised word inside the sentence, or its
    opening word when ``article_text`` capitalises that word inside a sentence too ("Paiporta is the
    epicenter ...", not "Causes of the incidents ..."). Used to tell a point that states something a
    reader can check from filler (:func:`briefgen.ranking.states_something`)."""
    text = text.strip()  # offsets below are into the stripped text
    words = list(_WORD.finditer(text))
    if not words:
        return False
    opening = words[0].start() == 0
    inside = words[1:] if opening else words
    if any(not re.search(r"[.!?][\"”’)]*\s+$", text[: m.start()]) for m in inside):
        return True
    first = words[0].group(0).rstrip(".’'")
    # "The federal funds rate is ...": an opening "The" the page also writes inside a sentence names no one
    return opening and first.lower() not in STOPWORDS and _capitalised_inside(first, article_text)
