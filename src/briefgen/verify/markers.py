"""Markers: the words that negate, hedge, project or attribute what a sentence says.

Only the vocabulary lives here (word lists and the patterns built from them), with
no rule of its own: :mod:`~briefgen.verify.words` leaves these words out of a claim's
content words, :mod:`~briefgen.verify.scopes` finds what each marker governs, and
:mod:`~briefgen.verify.support` requires a claim to keep the markers its sentence has.
"""

from __future__ import annotations

import re

NEGATIONS = frozenset(["not", "no", "never", "neither", "nor", "none", "nothing", "nobody", "cannot", "without",
                       # German, Spanish, Portuguese, French, Italian: a claim the model writes in an article's
                       # own language ("Die SPD hat nicht gewonnen") must keep these too. Ambiguous forms
                       # ("non" of non-profit, "ne", "mai") are left out.
                       "nicht", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals", "nichts", "niemand",
                       "weder", "ohne", "nunca", "jamás", "ningún", "ninguno", "ninguna", "nada", "nadie", "tampoco",
                       "sin", "não", "nem", "nenhum", "nenhuma", "ninguém", "sem", "jamais", "aucun", "aucune",
                       "personne", "rien", "sans", "nessun", "nessuno", "nessuna", "niente", "nulla", "senza"])

# Markers, by category. Multi-word markers are matched on the folded text.
_FUTURE = (
    r"will|shall|'ll|would|going to|set to|is to|are to|was to|were to|plans? to|planned to|planning to|"
    r"intends? to|intended to|decided to|decides to|agreed to|agrees to|aims? to|aimed to|expects? to|expected to|"
    r"wants? to|wanted to|pledged to|promised to|vowed to|threatened to|seeks? to|sought to|hopes? to|prepares? to|"
    r"preparing to|ready to|about to|scheduled to|"
    r"wird|werden|soll|sollen|plant|planen|va a|van a|planea|vai|vão|planeja|va|vont|prévoit|intende"
)
_POSSIBLE = (
    r"may|might|could|can|possibly|possible|likely|unlikely|perhaps|potentially|potential|reportedly|allegedly|probably|"
    r"suspected|"
    # the same hedges in German, Spanish, Portuguese, French and Italian (see NEGATIONS)
    r"könnte|könnten|kann|können|möglicherweise|vielleicht|wahrscheinlich|vermutlich|angeblich|podría|podrían|puede|"
    r"pueden|posiblemente|quizás|quizá|probablemente|supuestamente|poderia|poderiam|pode|podem|possivelmente|talvez|"
    r"provavelmente|supostamente|pourrait|pourraient|peut|peuvent|probablement|peut-être|potrebbe|potrebbero|può|"
    r"possono|forse|probabilmente"
)
_ATTRIBUTION = (
    r"considers|considered|"
    r"said|says|say|saying|told|tells|according to|according|claimed|claims|claiming|reported|reports|reporting|"
    r"announced|announces|stated|alleged|alleges|quoted|quoting|cited|citing|insisted|insists|noted|"
    r"confirmed|confirms|denied|denies|warned|warns|asserted|wrote|writes|estimated|estimates|assessed|"
    r"believed|believes|accused|accuses|described|describes|called|urged|urges|argued|argues|suggested|"
    r"suggests|acknowledged|admitted|declared|declares|indicated|revealed|speculated|speculates"
)
# Reporting proper: who the sentence says the information comes from. Verbs such as
# "declared", "confirmed", "announced" are events as well as speech: "Thailand declared a
# state of emergency, AFP reported" is attributed to AFP, and a claim keeping only
# "declared" has dropped that (seen shipping in a live run).
_REPORTING = (
    r"said|says|say|saying|told|tells|according to|according|claimed|claims|claiming|reported|reports|reporting|"
    r"stated|alleged|alleges|quoted|quoting|cited|citing|insisted|insists|noted|warned|warns|asserted|wrote|"
    r"writes|estimated|estimates|believed|believes|argued|argues|suggested|suggests|acknowledged|admitted|"
    r"indicated|reportedly|allegedly|considers|considered|"
    # seeds, live run (session 19): "..., CNR speculated." shipped as a background point without "CNR speculated"
    r"speculated|speculates"
)
_REPORTING_RE = re.compile(rf"(?<![\w'])(?:{_REPORTING})(?![\w])")
_FUTURE_RE = re.compile(rf"(?<![\w'])(?:{_FUTURE})(?![\w])")
_POSSIBLE_RE = re.compile(rf"(?<![\w'])(?:{_POSSIBLE})(?![\w])")
_ATTRIBUTION_RE = re.compile(rf"(?<![\w'])(?:{_ATTRIBUTION})(?![\w])")
_MARKER_WORDS = frozenset(
    w for pattern in (_FUTURE, _POSSIBLE, _ATTRIBUTION) for alt in pattern.split("|") for w in alt.replace("?", "").split()
) | frozenset(["plan", "plans", "planned", "intend", "intends", "aim", "aims", "expect", "expects", "want", "wants",
               "seek", "seeks", "hope", "hopes", "prepare", "prepares"])
