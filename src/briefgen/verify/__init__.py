"""Verification: the rule briefgen promises, in one package that imports nothing above it.

* :mod:`~briefgen.verify.quotes` — a quote is found in the article and cited as
  whole sentences of one paragraph;
* :mod:`~briefgen.verify.numbers` — every number a claim states is in its sentences
  (or a sum of numbers there);
* :mod:`~briefgen.verify.support` — every content word of a claim comes from its
  sentences, and their negation, modality and attribution survive; headlines and
  ledes say only what the points say; instructions inside articles are never cited
  (each part in a module of its own: words, aliases, markers, scopes, attribution,
  names, agents, roles, instructions, problem; support composes them);
* :mod:`~briefgen.verify.text` — the folding all of them share.

It depends only on :mod:`briefgen.brief` (the data it checks) and well-kept
libraries, so a reader can check the promise by reading this folder.
"""

from briefgen.verify.numbers import (
    NumberCheck,
    check_numbers,
    extract_numbers,
    format_number,
    is_year,
    left_out_numbers,
)
from briefgen.verify.quotes import (
    QuoteMatch,
    SentenceSpan,
    locate_quote,
    make_citation,
    sentence_span,
)
from briefgen.verify.instructions import may_hold_instruction
from briefgen.verify.names import names_someone, sentence_case
from briefgen.verify.summary import clause_problems, summary_problems
from briefgen.verify.support import (
    ALIASES,
    Problem,
    agent_problems,
    attribution_phrase,
    claim_problems,
    complete_attribution,
    content_words,
    defined_aliases,
    is_instruction,
    language_code,
    named_parties,
    number_role_problems,
    support_problems,
    unsupported_words,
)
from briefgen.verify.text import fold_char, normalize, normalize_with_map

__all__ = [
    "names_someone",
    "clause_problems",
    "sentence_case",
    "summary_problems",
    "ALIASES",
    "NumberCheck",
    "Problem",
    "QuoteMatch",
    "SentenceSpan",
    "agent_problems",
    "attribution_phrase",
    "check_numbers",
    "claim_problems",
    "complete_attribution",
    "content_words",
    "defined_aliases",
    "extract_numbers",
    "fold_char",
    "format_number",
    "is_instruction",
    "may_hold_instruction",
    "language_code",
    "is_year",
    "left_out_numbers",
    "locate_quote",
    "make_citation",
    "named_parties",
    "normalize",
    "normalize_with_map",
    "number_role_problems",
    "sentence_span",
    "support_problems",
    "unsupported_words",
]
