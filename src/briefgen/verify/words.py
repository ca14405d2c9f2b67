"""Words: the folded tokens, stems and content words every support check compares.

A claim's content words must come from its cited sentences; this module says what a
word is (tokens, with contractions opened and "US" kept apart from "us"), which words
count (no function words, numbers or markers: :data:`STOPWORDS`,
:mod:`~briefgen.verify.markers`) and how they are stemmed in the article's language
(Snowball; :func:`language_code` reads "en" or "English").
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from briefgen.verify.markers import _MARKER_WORDS, NEGATIONS
from briefgen.verify.numbers import extract_numbers
from briefgen.verify.text import normalize_with_map

# Function words: never required to occur in the sentence. Quantity words that change a
# fact ("more", "only", "nearly", "least") are deliberately *not* here.
STOPWORDS = frozenset(
    ["a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "but", "by", "with", "from", "as", "into", "onto", "upon", "over", "under", "about", "around", "after", "before", "since", "until", "during", "between", "among", "against", "within", "without", "via", "per", "than", "then", "so", "that", "this", "these", "those", "there", "here", "which", "who", "whom", "whose", "what", "when", "where", "while", "why", "how", "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "having", "do", "does", "did", "done", "it", "its", "it's", "their", "theirs", "them", "they", "he", "him", "his", "she", "her", "hers", "we", "our", "us", "you", "your", "i", "me", "my", "also", "too", "very", "just", "both", "each", "other", "another", "such", "same", "own", "any", "some", "all", "if", "because", "though", "although", "however", "whether", "yet", "one's", "itself", "themselves", "himself", "herself", "people", "person", "persons"]
)
WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
DATE_NAMES = WEEKDAYS | frozenset(["january", "february", "march", "april", "may", "june", "july", "august",
                                   "september", "october", "november", "december"])
"""Capitalised words that say when, not who or where: no party a claim names, no subject of a figure."""

# Not stop words: "occurred", "happened". Tried (they cost the Myanmar cluster several claims), and the
# labelled set then shipped "An earthquake occurred in Mandalay." for a quake that struck *near* it.


_WORD = re.compile(r"(?:[a-z]\.){2,}|\$?\d[\d,.]*\d%?|[\w$][\w'’-]*")


@lru_cache(maxsize=32)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    try:
        return snowballstemmer.stemmer(language)
    except KeyError:
        return snowballstemmer.stemmer("english")


_LANGUAGES = {
    "en": "english", "de": "german", "fr": "french", "es": "spanish", "pt": "portuguese", "it": "italian",
    "nl": "dutch", "ru": "russian", "sv": "swedish", "da": "danish", "no": "norwegian", "fi": "finnish",
}


def language_code(language: str) -> str:
    """"en" for "en", "English" or "english"; an unknown name is returned folded."""
    folded = language.strip().lower()
    return next((code for code, name in _LANGUAGES.items() if name == folded), folded)


@lru_cache(maxsize=8192)
def _prepare(text: str) -> str:
    """Folded text with contractions opened ("didn't" → "did not") so negations are words.

    "US" in capitals is the country; folded to "u.s." before case folding makes it
    indistinguishable from the pronoun "us".
    """
    # normalize_with_map, not normalize: the latter strips a final "." and "U.S." would lose its own
    folded = normalize_with_map(re.sub(r"\bUS\b", "U.S.", text))[0]
    folded = re.sub(r"\bcan't\b", "can not", folded)
    folded = re.sub(r"\bwon't\b", "will not", folded)
    return re.sub(r"(\w)n't\b", r"\1 not", folded)


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """Folded word tokens, with possessive 's dropped and edge punctuation stripped.

    Cached: one claim check reads its sentence's tokens a dozen times (words, each marker,
    doers, names), and merging re-checks the same sentences.
    """
    out = []
    for raw in _WORD.findall(_prepare(text)):
        word = re.sub(r"['’]s$", "", raw).strip("'’-.") if not re.fullmatch(r"(?:[a-z]\.){2,}", raw) else raw
        if word:
            out.append(word)
    return tuple(out)


@lru_cache(maxsize=65536)
def _is_number(word: str) -> bool:
    return bool(re.fullmatch(r"[$]?[\d][\d,.]*(?:st|nd|rd|th|s|bn|m|k)?", word)) or bool(extract_numbers(word))


# Past forms of English irregular verbs, as their base form. Snowball already makes "sends",
# "sending" and "cut" one stem and "lowered" "lower", but leaves "won"/"win" and "sent"/"send" apart,
# so the word rule refused a headline saying "win" beside points saying "won" (German cluster, live
# run). These are forms of one word, not synonyms; tense and modality stay checked by their own rule
# ("will send" is never "sent").
IRREGULAR_PAST: dict[str, str] = {
    "won": "win", "sent": "send", "took": "take", "taken": "take", "gave": "give", "given": "give",
    "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "lost": "lose", "held": "hold",
    "met": "meet", "began": "begin", "begun": "begin", "became": "become", "came": "come", "went": "go",
    "gone": "go", "made": "make", "sought": "seek", "bought": "buy", "brought": "bring", "told": "tell",
    "found": "find", "kept": "keep", "ran": "run", "fought": "fight", "fled": "flee", "shot": "shoot",
    "spent": "spend", "built": "build", "drove": "drive", "driven": "drive", "wrote": "write",
    "written": "write", "spoke": "speak", "spoken": "speak", "broke": "break", "broken": "break",
    "chose": "choose", "chosen": "choose", "froze": "freeze", "frozen": "freeze", "stole": "steal",
    "stolen": "steal", "struck": "strike", "swore": "swear", "sworn": "swear", "led": "lead",
    "paid": "pay", "sold": "sell", "stood": "stand", "understood": "understand",
    "withdrew": "withdraw", "withdrawn": "withdraw", "overtook": "overtake", "grew": "grow",
    "grown": "grow", "knew": "know", "known": "know", "threw": "throw", "thrown": "throw",
    "shook": "shake", "shaken": "shake", "forbade": "forbid", "forbidden": "forbid", "sank": "sink",
    "sunk": "sink", "slid": "slide", "bore": "bear", "borne": "bear", "wore": "wear", "worn": "wear",
}


@lru_cache(maxsize=8192)
def stem(word: str, language: str = "en") -> str:
    # a code ("de") or a name ("German", as Settings.language gives it); unknown → English rules
    code = _LANGUAGES.get(language, language.lower())
    if code == "english":
        word = IRREGULAR_PAST.get(word, word)
    return _stemmer(code).stemWord(word)


@lru_cache(maxsize=65536)
def _is_content(word: str) -> bool:
    # Cached, like _is_number: the scope, doer and word checks ask it of every word of every
    # sentence again for each claim (it was ~40 % of a brief's verification time).
    return (word not in STOPWORDS and word not in NEGATIONS and word not in _MARKER_WORDS
            and not _is_number(word) and len(word) > 1)


@lru_cache(maxsize=4096)
def content_words(text: str, language: str = "en") -> frozenset[str]:
    """Stems of the content words of ``text``: no function words, no numbers, no markers.

    A hyphenated word counts whole and by its parts ("Russian-occupied" supports
    "occupied"). Cached: merging compares every pair of claims.
    """
    out: set[str] = set()
    for word in tokens(text):
        if not _is_content(word):
            continue
        out.add(stem(word, language))
        if "-" in word:
            out.update(stem(part, language) for part in word.split("-") if _is_content(part))
    return frozenset(out)
