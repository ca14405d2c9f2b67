"""Repeats across languages (briefgen.events.repeats_across): the live runs german-election-2025@10 and
iberian-blackout-2025@9, read by hand. Every sentence is copied from the cluster's files."""

from __future__ import annotations

from briefgen.brief import Article
from briefgen.events import near, outcomes, repeats_across
from briefgen.ingest import load_article
from briefgen.merge import VerifiedClaim, group_claims
from briefgen.ranking import select_points
from briefgen.verify import locate_quote

from .conftest import ROOT


def _article(cluster: str, prefix: str) -> Article:
    [path] = (ROOT / "eval" / "clusters" / cluster).glob(f"{prefix}_*.txt")
    return load_article(path)


def _claim(cluster: str, prefix: str, text: str, rank: int = 0, quote: str = "") -> VerifiedClaim:
    """The claim ``text`` at ``quote`` (by default its own words: a picked sentence of another language)."""
    article = _article(cluster, prefix)
    match = locate_quote(quote or text, article)
    assert match is not None, text
    return VerifiedClaim.at(article, text, match, rank)


def _german(prefix: str, text: str, rank: int = 0) -> VerifiedClaim:
    return _claim("german-election-2025", prefix, text, rank)


UNION_286 = "Die Union hat die Bundestagswahl 2025 mit 28,6 Prozent der Stimmen gewonnen."
CDU_CSU_285 = ("Die CDU/CSU unter Friedrich Merz hat die vorgezogene Bundestagswahl am Sonntag mit 28,5% der Stimmen "
               "gewonnen, gemäß den vorläufigen Ergebnissen der Bundeswahlleiterin.")
SIEG = "Die Bundestagswahl 2025 endete mit einem Sieg für die Union (CDU/CSU)."
AFD_SPD = ("Die AfD lag mit 20,8% auf dem zweiten Platz, vor der SPD von Bundeskanzler Olaf Scholz auf dem dritten "
           "Platz mit 16,4%.")
SPD_WORST = ("Deutliche Verluste verzeichnet die SPD, die mit nur 16,4 Prozent ihr bislang schlechtestes Wahlergebnis "
             "erzielt und auf Platz drei landet.")
CONSERVATIVES = "German conservatives won the national election with 28.5% of the vote."


def _conservatives(rank: int = 0) -> VerifiedClaim:
    # the live claim, shortened from "German conservatives, led by Friedrich Merz, won the national election ..."
    return _claim("german-election-2025", "004", CONSERVATIVES, rank, quote="won the national election with 28.5% of")


def test_figures_within_rounding_are_near_and_others_are_not() -> None:
    # 28.5 (count) / 28.6 / 29 (first projection) are one share; the AfD's 20.8 / 20.5 / 20 are a conflict,
    # and 4.97 beside the 5 % threshold is the very point of the sentence
    assert near(28.5, 28.6) and near(28.6, 29) and near(16.4, 16.4)
    assert not near(20.8, 20.5) and not near(20.8, 20) and not near(4.97, 5) and not near(6, 10)


def test_outcome_words_are_read_in_each_language() -> None:
    assert outcomes(UNION_286) == outcomes(CONSERVATIVES) == outcomes(SIEG) == {"win"}
    assert outcomes("Un apagón masivo dejó sin electricidad a amplias zonas de España y Portugal") == {"blackout"}
    assert outcomes(SPD_WORST) == frozenset()


def test_a_german_sentence_with_the_english_points_share_and_outcome_repeats_it_and_the_english_one_is_kept() -> None:
    # german@10: the English brief's point 1 and the German point 3 say the Union won with 28.5 / 28.6 %
    union = _german("000", UNION_286)
    conservatives = _conservatives(rank=1)
    assert union.article.language != conservatives.article.language
    assert repeats_across(union, conservatives) and repeats_across(conservatives, union)
    # the German page ranks first (the model listed it first); the brief keeps its own language's sentence
    points, [repeat] = select_points(group_claims([union, conservatives]), {}, limit=10, foreign={union.article.id})
    assert [p.text for p in points] == [CONSERVATIVES] and points[0].articles == [conservatives.article.id]
    assert (repeat.stage, repeat.claim, repeat.article_id) == ("merge", UNION_286, union.article.id)
    assert repeat.reason.startswith('repeats point "German conservatives won')


def test_a_sentence_naming_a_party_the_point_lacks_is_no_repeat_across_languages() -> None:
    # "CDU/CSU unter Friedrich Merz": names the English point does not give; the other way round it is a repeat
    cdu = _german("002", CDU_CSU_285)
    conservatives = _conservatives()
    assert not repeats_across(cdu, conservatives) and repeats_across(conservatives, cdu)


def test_a_sentence_without_figures_repeats_one_of_its_language_with_the_outcome_and_the_party_in_brackets() -> None:
    # german@10 points 4 and 5: "... mit einem Sieg für die Union (CDU/CSU)" beside "Die CDU/CSU ... gewonnen"
    sieg, cdu = _german("001", SIEG), _german("002", CDU_CSU_285)
    assert repeats_across(sieg, cdu) and repeats_across(sieg, _german("000", UNION_286))
    assert not repeats_across(cdu, sieg)  # the 28.5 and Friedrich Merz are not in it


def test_other_parties_and_other_outcomes_are_not_one_fact() -> None:
    # the AfD's 20.8 beside the CDU's 28.5; the SPD's worst result beside the AfD second and SPD third (both
    # 16.4: no outcome said); a quote "Die Wahl hat die Union gewonnen" credited to names the point lacks
    afd, worst = _german("002", AFD_SPD), _german("000", SPD_WORST)
    conservatives = _conservatives()
    assert not repeats_across(afd, conservatives) and not repeats_across(conservatives, afd)
    assert not repeats_across(worst, afd) and not repeats_across(afd, worst)
    quote = _german("001", "Wie rbb24 meldete, erklärte CDU-Generalsekretär Carsten Linnemann in der ARD: \"Die Wahl "
                    "hat die Union gewonnen.")
    assert not repeats_across(quote, _german("000", UNION_286))


def test_the_same_hours_spelled_out_in_spanish_and_in_digits_in_portuguese_are_one_fact() -> None:
    # iberian@9 points 8 and 10: Red Eléctrica's six to ten hours; the Portuguese one names no one the Spanish lacks
    spanish = _claim("iberian-blackout-2025", "003", "El distribuidor de energía español Red Eléctrica advirtió que el "
                     "restablecimiento completo del suministro podría demorar entre seis y diez horas.")
    portuguese = _claim("iberian-blackout-2025", "005", "O restabelecimento de energia na Espanha, segundo a empresa, "
                        "pode levar de 6 horas a 10 horas.", rank=1)
    assert repeats_across(portuguese, spanish) and not repeats_across(spanish, portuguese)
    points, [repeat] = select_points(group_claims([spanish, portuguese]), {}, limit=10,
                                     foreign={spanish.article.id, portuguese.article.id})
    assert [p.articles for p in points] == [[spanish.article.id]] and repeat.article_id == portuguese.article.id


def test_a_sentence_in_another_language_with_no_figure_is_no_figure_repeat_of_an_english_one() -> None:
    # iberian@9: without a figure repeats_across does not tie them; both open on the blackout, so the lead
    # rule does (briefgen.events.event_repeats_across, session 20: tests/test_repeats.py)
    portuguese = _claim("iberian-blackout-2025", "004", "Um apagão massivo afetou grandes áreas de Portugal e Espanha na "
                        "tarde desta segunda-feira, com falhas no fornecimento de energia atribuídas a um fenômeno "
                        "atmosférico raro.")
    english = _claim("iberian-blackout-2025", "001", "A massive blackout, the cause of which is still unknown, left "
                     "Spain, Portugal, and parts of southern France without power on Monday, disrupting public "
                     "services such as railways and metro lines, as well as businesses and individuals.")
    assert not repeats_across(portuguese, english) and not repeats_across(english, portuguese)


def test_a_sentence_saying_power_is_being_restored_is_not_the_blackout_it_follows() -> None:
    # iberian@9, Portuguese points 6 and 7: both name Portugal and Espanha and say "apagão", no figure; one
    # says power is partly restored, which the other does not ("restaurada": an outcome of its own)
    blackout = _claim("iberian-blackout-2025", "004", "Um apagão massivo afetou grandes áreas de Portugal e Espanha na "
                      "tarde desta segunda-feira, com falhas no fornecimento de energia atribuídas a um fenômeno "
                      "atmosférico raro.")
    restored = _claim("iberian-blackout-2025", "005", "A energia elétrica está sendo parcialmente restaurada em algumas "
                      "cidades de Portugal e Espanha, após o apagão geral que afetou alguns países da Europa.")
    assert outcomes(restored.text) == {"blackout", "restore"}
    assert not repeats_across(restored, blackout) and not repeats_across(blackout, restored)
