"""Attribution: who a sentence says its information comes from, in its own words.

:func:`attribution_phrase` finds "according to Tass" or "a top Russian official said";
:mod:`~briefgen.verify.support` uses it to require a claim to name that source, and
:func:`~briefgen.verify.support.complete_attribution` to append it to a claim that
dropped it.
"""

from __future__ import annotations

import re

_ACCORDING = re.compile(r"\baccording to ([^.;:!?]+)", re.IGNORECASE)
_SPEECH_VERB = re.compile(
    r"\b(?:(?:has|have|had|was|were)\s+)?(said|says|told|reported|claimed|stated|alleged|"
    r"insisted|warned|noted|estimated|cited|wrote|speculated)\b"
)
_SUBORDINATORS = frozenset(["after", "before", "as", "when", "while", "since", "because", "until", "once", "if", "though",
                           "although", "where", "whereas"])
_AUXILIARY = re.compile(r"\b(?:has|have|had|was|were)\s*$")


def attribution_phrase(sentence: str) -> str | None:
    """Who the sentence says it comes from, in the sentence's own words, or None.

    "..., according to Russia's state news agency, Tass." → "according to Russia's state news
    agency, Tass"; "..., a top Russian official said Tuesday, ..." → "a top Russian official
    said"; "TASS, a Russian news agency, has reported that ..." → "a Russian news agency reported".
    """
    according = _ACCORDING.search(sentence)
    if according:
        words = according.group(1).strip().split()
        if len(words) > 8:
            words = according.group(1).split(",")[0].split()[:8]
        return "according to " + " ".join(words).rstrip(",")
    for verb in _SPEECH_VERB.finditer(sentence):
        if re.match(r"(?:was|were)\s", verb.group(0)):
            continue  # "after damage was reported to buildings": a passive names no speaker
        before = sentence[: verb.start()]
        segments = [seg.strip() for seg in re.split(r",|\bthat\b|—|–", before)]
        while segments and not segments[-1]:
            segments.pop()
        if not segments:
            continue
        speaker = _AUXILIARY.sub("", segments[-1]).strip().strip("\"“”'‘’ ")
        # "TASS, a Russian news agency, has reported": the name before the apposition speaks
        if len(segments) >= 2 and re.match(r"(?:a|an|the)\s", speaker, re.IGNORECASE):
            name = segments[-2].strip("\"“”'‘’ ")
            if 1 <= len(name.split()) <= 3 and all(w[:1].isupper() for w in name.split()):
                speaker = name
        words = speaker.split()
        if words and words[0].lower() in _SUBORDINATORS:
            continue  # "..., after Russian media reported ...": a clause of its own, not who says the rest
        if 1 <= len(words) <= 8 and words[0][:1].isalpha():
            return f"{speaker} {verb.group(1)}"
    return None
