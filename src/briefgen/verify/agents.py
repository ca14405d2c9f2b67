"""Who does what: a name doing a verb in a headline or lede must do it in the points.

Every word of "Russia will send 1,000 sappers" can occur in a sentence saying Kim Jong
Un will send them, according to Russia's news agency; :func:`agent_problems` reads
"Name [will/has decided to] verb" pairs (:func:`_doers`) from both sides and compares
the doers, and catches a doer given to a verb the sentences use only in the passive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from briefgen.verify.aliases import _matches, defined_aliases, expanded_words
from briefgen.verify.markers import NEGATIONS
from briefgen.verify.problem import Problem
from briefgen.verify.scopes import _CLAUSE
from briefgen.verify.words import DATE_NAMES, STOPWORDS, stem

# Words that may stand between a doer and its verb: "Kim Jong Un *has decided to* send".
_BETWEEN = frozenset(
    ["will", "would", "shall", "may", "might", "could", "can", "has", "have", "had", "is", "are", "was", "were", "be", "been", "to", "not", "also", "already", "reportedly", "plans", "plan", "planned", "intends", "intended", "decided", "decides", "agreed", "agrees", "aims", "aimed", "expects", "expected", "wants", "wanted", "pledged", "promised", "vowed", "threatened", "seeks", "sought", "hopes", "set", "going", "about", "ready", "now", "still", "just", "then", "soon", "again", "later", "only", "even", "jointly", "officially", "formally", "finally"]
)
# Titles inside a name: "North Korean *leader* Kim Jong Un" is one doer.
_TITLES = ("leader", "president", "secretary", "minister", "chancellor", "spokesman", "spokeswoman",
           "spokesperson", "chief", "general", "head", "prime", "premier", "governor", "mayor", "king", "queen")
_NAME_WORD = re.compile(r"^[A-Z][\w'’.-]*$|^(?:[A-Z]\.){2,}$")


def _doers(text: str, language: str,
           aliases: Iterable[tuple[str, str]] = ()) -> tuple[tuple[str, frozenset[str], str], ...]:
    """(verb stem, the name that does it) for each "Name [will/has decided to] verb" in ``text``.

    Names are runs of capitalised words (with "of"/"the" inside) right before the verb,
    within a clause; the words of the name are folded like content words, aliases added.
    """
    return _doers_in(text, language, tuple((name, alias) for name, alias in aliases))


@lru_cache(maxsize=8192)
def _doers_in(text: str, language: str, aliases: tuple[tuple[str, str], ...]) -> tuple[tuple[str, frozenset[str], str], ...]:
    # cached: the points' support text is read for the headline and again for the lede
    out: list[tuple[str, frozenset[str], str]] = []
    for clause in _CLAUSE.split(re.sub(r"\bUS\b", "U.S.", text)):
        words = re.findall(r"[\w$][\w'’.-]*", clause)
        words = [w.rstrip(".") if not re.fullmatch(r"(?:[A-Z]\.){2,}", w) else w for w in words]
        for i, word in enumerate(words):
            if i == 0 or _NAME_WORD.match(word) or not word.isalpha() or word.lower() in _BETWEEN \
                    or word.lower() in STOPWORDS or word.lower() in NEGATIONS:
                continue  # "Russia *and* North Korea": a function word is no verb
            j = i - 1
            while j >= 0 and words[j].lower() in _BETWEEN:
                j -= 1
            name: list[str] = []
            while j >= 0 and (_NAME_WORD.match(words[j])
                              or (name and words[j].lower() in ("of", "the", *_TITLES))):
                name.insert(0, words[j])
                j -= 1
            while name and name[0].lower() in ("of", "the", *_TITLES):
                name.pop(0)
            # "The United States on *Tuesday* described": a day or month is when, not who
            name = [w for w in name if w.lower() not in DATE_NAMES]
            if not name:
                continue
            doer = expanded_words(" ".join(name), language, aliases)
            if doer:  # "A state ...", "The group ...": a capitalised article is no one
                out.append((stem(word.lower(), language), doer, " ".join(name)))
    return tuple(out)


def agent_problems(summary: str, support: str, *, language: str = "en", article_text: str = "") -> list[Problem]:
    """A headline or lede must not give a verb to someone the points do not.

    Seeds, live run: the headline "Russia will send 1,000 sappers..." passed the word
    check against points saying "Kim Jong Un will send ..., according to Russia's state
    news agency": every word was there, the doer was not. For each "Name verb" in the
    summary, when the points name who does that verb, one of them must be that name
    (or share a word or an alias with it).
    """
    words = summary.split()
    if words and sum(1 for w in words if w[:1].isupper()) > 0.6 * len(words):
        return []  # Title Case: every word looks like a name, no doer can be told apart
    aliases = defined_aliases(article_text) if article_text else ()
    known: dict[str, list[frozenset[str]]] = {}
    for verb, doer, _ in _doers(support, language, aliases):
        known.setdefault(verb, []).append(doer)
    problems: list[Problem] = []
    passive = _agentless_passives(support, language)
    for verb, doer, name in _doers(summary, language, aliases):
        doers = known.get(verb)
        if not doers and verb in passive:
            problems.append(Problem(
                "agent",
                f"it says {name} did \"{verb}…\", but the source says only that it was done, "
                "not by whom; keep it passive or name no one.",
            ))
            continue
        if not doers or any(doer & other or _near(doer, other) for other in doers):
            continue
        problems.append(Problem(
            "agent",
            f"it has {name} do \"{verb}…\", but in the sources someone else does; "
            "keep who does what as the points say.",
        ))
    return problems


_BE = frozenset(["was", "were", "is", "are", "been", "be", "being"])


@lru_cache(maxsize=8192)
def _agentless_passives(text: str, language: str) -> frozenset[str]:
    """Stems of verbs the text uses only in the passive with no "by ...": "a state of emergency
    *was declared* in six regions" says nothing about who declared it."""
    found: set[str] = set()
    for clause in _CLAUSE.split(text):
        words = [w.lower() for w in re.findall(r"[\w'’-]+", clause)]
        for i, word in enumerate(words):
            if i == 0 or not word.endswith(("ed", "en")) or word in _BE:
                continue
            before = [w for w in words[max(0, i - 3) : i] if w not in ("also", "not", "reportedly", "already", "now")]
            if before and before[-1] in _BE and "by" not in words[i + 1 : i + 4]:
                found.add(stem(word, language))
    return frozenset(found)


def _near(a: frozenset[str], b: frozenset[str]) -> bool:
    return any(_matches(word, b) for word in a)
