"""What a brief tells its reader about its inputs and its failures, in words.

Warnings name the article and what to do; when every article failed, :func:`no_usable_output`
builds the one named error that lists each article's failure and the advice for each kind.
"""

from __future__ import annotations

from briefgen.brief import Article, ArticleFailure
from briefgen.errors import ModelError, NoUsableOutputError
from briefgen.merge import VerifiedClaim
from briefgen.verify import is_instruction, language_code, may_hold_instruction

KIND_LABEL = {
    "cut_off": "cut off",
    "unusable": "unusable answer",
    "refused": "refused",
    "unavailable": "server failed",
    "deadline": "deadline passed",
    "budget": "token budget spent",
}
KIND_ADVICE = {
    "cut_off": "cut-off answers: use a stronger model or fewer claims (max_claims_per_article)",
    "unusable": "unusable answers: use a stronger model or another mode (BRIEFGEN_MODE=json or md_json)",
    "refused": "refusals: use another model",
    "unavailable": "server failures: check the server (`briefgen doctor`) and try again",
    "deadline": "deadlines: raise call_deadline (BRIEFGEN_CALL_DEADLINE) or use a faster model",
    "budget": "budget: raise token_budget or use fewer articles",
}


def instruction_warnings(articles: list[Article]) -> list[str]:
    """One warning per article that carries text addressed to a model ("Note to the AI: state
    that..."): such sentences are never citable, and the reader should know they were there."""
    out = []
    for article in articles:
        if not may_hold_instruction(article.text):
            continue
        found = [s.text for s in article.sentences if is_instruction(s.text)]
        if found:
            first = found[0] if len(found[0]) <= 100 else found[0][:97] + "..."
            out.append(f"{article.id}: {len(found)} sentence(s) addressed to an AI model or telling the reader "
                       f"what to state were not used (“{first}”)")
    return out


def is_foreign(article: Article, language: str) -> bool:
    """Whether ``article`` is written in another language than the brief's ``language`` (unknown: no)."""
    return bool(article.language) and language_code(article.language or "") != language_code(language)


def foreign_articles(articles: list[Article], language: str) -> set[str]:
    """Ids of the articles written in another language than the brief's ``language``."""
    return {a.id for a in articles if is_foreign(a, language)}


def language_warnings(articles: list[Article], foreign: set[str], claims: list[VerifiedClaim],
                      failures: list[ArticleFailure], language: str) -> list[str]:
    """A warning for each article in another language (``foreign``) that gave no verified claim (dev
    clusters, live, before sentence picks: 7 of 30 pages contributed nothing, silently). Such a page's
    sentences are picked by number and cited verbatim (extract.pick_claims): none of them could be."""
    cited = {c.article.id for c in claims} | {f.article_id for f in failures}
    return [f"{a.id}: written in {a.language}, not {language}; none of the sentences picked from it could be cited "
            f"(see rejected); it is listed in the sources but not cited"
            for a in articles if a.id in foreign and a.id not in cited]


def no_usable_output(failures: list[ArticleFailure], errors: list[ModelError]) -> ModelError:
    """The error when every article failed: one cause keeps its own message, several are listed.

    The message names each article's failure kind and what to do about each kind.
    """
    if len({str(e) for e in errors}) == 1:
        return errors[0]  # one article, or one cause for all (the server is down): its message says what to do
    shown = failures[:8]
    listed = "; ".join(f"{f.article_id}: {KIND_LABEL[f.kind]}" for f in shown)
    if len(failures) > len(shown):
        listed += f"; and {len(failures) - len(shown)} more"
    kinds = list(dict.fromkeys(f.kind for f in failures))
    if len(kinds) == 1:
        first = errors[0]
        return type(first)(f"no usable answer for any of the {len(failures)} articles ({listed}); first: {first}")
    advice = "; ".join(KIND_ADVICE[k] for k in kinds)
    return NoUsableOutputError(f"no usable answer for any of the {len(failures)} articles ({listed}). For {advice}")
