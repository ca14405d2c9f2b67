"""Repeats read by hand in the live runs of session 19 (fed-rate-cut-dec-2024@11, german-election-2025@12,
iberian-blackout-2025@11, seeds@16), each left as two or three points saying one fact. Every claim and
sentence is copied from the cluster's files and the runs' recordings."""

from __future__ import annotations

from dataclasses import replace

from briefgen.brief import Article
from briefgen.events import event_repeats, event_repeats_across, quantity_repeats, repeats_across
from briefgen.ingest import load_article
from briefgen.ingest.dates import foreign_days_of_month
from briefgen.merge import VerifiedClaim, group_claims
from briefgen.ranking import says_nothing_new, select_points
from briefgen.repeats import own_names, repeats, sentence_repeats, vague_amount
from briefgen.verify import check_numbers
from briefgen.verify.aliases import country_of

from .conftest import ROOT, SEEDS, claim_at


def _article(folder: str, prefix: str) -> Article:
    base = SEEDS if folder == "seeds" else ROOT / "eval" / "clusters" / folder
    [path] = base.glob(f"{prefix}_*.txt")
    return load_article(path)


def _claim(folder: str, prefix: str, text: str, quote: str = "", rank: int = 0) -> VerifiedClaim:
    return claim_at(_article(folder, prefix), text, quote, rank)


DEC_18 = ("On Wednesday, December 18, 2024, the Federal Reserve executed its third consecutive interest rate cut, "
          "reducing its benchmark rate by 0.25 percentage points to a range of 4.25%-4.5%.")
QUARTER = ("The Federal Reserve cut its key interest rate by a quarter of a percentage point on Wednesday, the third "
           "reduction in a row and one that struck a note of warning about further reductions in coming years.")
PENCILING = "The Fed is now penciling in just two rate cuts in 2025, down from the four it had forecasted in September."
DOT_PLOT = ("In delivering the 25 basis point cut, the Fed indicated it was likely to cut only twice more in 2025, "
            "according to the closely watched “dot plot” matrix of individual members’ future rate expectations.")
CAUTIOUS = "The central bank hinted at a more cautious approach for 2025."


def _fed(prefix: str, text: str, quote: str = "", rank: int = 0) -> VerifiedClaim:
    return _claim("fed-rate-cut-dec-2024", prefix, text, quote, rank)


def test_a_claim_in_percentage_points_is_grounded_in_a_quarter_of_a_point() -> None:
    assert check_numbers("The Fed cut its rate by 0.25 percentage points.", QUARTER).ok
    assert not check_numbers("The Fed cut its rate by 0.5 percentage points.", QUARTER).ok


def test_the_quarter_point_cut_told_in_words_is_one_point_with_the_cut_in_figures() -> None:
    # fed@11 points 1 and 2: one cut, "a quarter of a percentage point" beside "0.25 percentage points"
    quarter = _fed("002", QUARTER, quote="The Federal Reserve cut its key interest rate by a quarter", rank=0)
    dec_18 = _fed("003", DEC_18, rank=0)
    assert repeats(quarter, dec_18)
    points, rejected = select_points(group_claims([dec_18, quarter]), {}, limit=10)
    assert [p.text for p in points] == [DEC_18] and [a[:3] for a in points[0].articles] == ["003", "002"] and not rejected


def test_a_vague_clause_whose_sentence_repeats_a_point_is_left_out() -> None:
    # fed@11 point 8: the model kept the vaguest clause of "Despite this, the central bank hinted at a more
    # cautious approach for 2025, projecting only two additional rate cuts instead of the previously
    # anticipated four."; the sentence is point 4's fact
    cautious = _fed("003", CAUTIOUS, quote="Despite this, the central bank hinted at a more cautious approach", rank=2)
    penciling = _fed("004", PENCILING, rank=1)
    assert not repeats(cautious, penciling) and sentence_repeats(cautious, penciling)
    points, [repeat] = select_points(group_claims([penciling, cautious]), {}, limit=10)
    assert [p.text for p in points] == [PENCILING] and repeat.claim == CAUTIOUS
    assert repeat.reason.startswith('repeats point "The Fed is now penciling in')


def test_another_clause_of_a_repeated_sentence_is_no_repeat() -> None:
    # myanmar@12 point 2 is 002's first sentence less its last clause; a claim of that clause shares no word
    # or figure with the point: it is a fact of its own, though its sentence is the point's
    opening = "A powerful 7.7-magnitude earthquake struck Southeast Asia on Friday"
    quake = _claim("myanmar-quake-2025", "002", "A powerful 7.7-magnitude earthquake struck Southeast Asia on Friday, "
                   "killing more than 150 people across Myanmar and Thailand, officials said.", quote=opening)
    high_rise = _claim("myanmar-quake-2025", "002", "A high-rise building collapsed.", quote=opening, rank=1)
    assert high_rise.support == quake.support
    assert not sentence_repeats(high_rise, quake)


def test_a_point_telling_two_kept_points_again_says_nothing_new() -> None:
    # fed@11 point 6: the 25 basis point cut is point 1's, the two cuts in 2025 point 4's
    dot_plot = _fed("002", DOT_PLOT, rank=3)
    dec_18, penciling = _fed("003", DEC_18), _fed("004", PENCILING, rank=1)
    assert not repeats(dot_plot, dec_18) and not repeats(dot_plot, penciling)
    assert says_nothing_new(dot_plot, [dec_18, penciling]) is dec_18
    points, [repeat] = select_points(group_claims([dec_18, penciling, dot_plot]), {}, limit=10)
    assert [p.text for p in points] == [DEC_18, PENCILING] and repeat.claim == DOT_PLOT
    # with only one of the two kept, it adds the other's figures: it stays
    assert says_nothing_new(dot_plot, [dec_18]) is None


def test_a_point_repeats_the_kept_point_with_its_figure_when_the_others_give_its_names() -> None:
    # seeds@16: Shoigu's 6,000 (the Security Council secretary is who says it) is the Kim point's figure; the
    # United States' Tuesday remarks give its other names; without the Kim point it adds the 6,000 and stays
    shoigu = _claim("seeds", "001", "Russian Security Council Secretary Sergei Shoigu said Tuesday that North Korean "
                    "leader Kim Jong-un intends to send six-thousand military personnel to Russia’s Kursk region in "
                    "support of its offensive in Ukraine.")
    remarks = _claim("seeds", "000", "The United States on Tuesday described Russia's continued use of North Korean "
                     "workers and troops for operations against Ukraine as \"deeply concerning.\"",
                     quote="The United States on Tuesday described Russia's continued use of North Korean workers")
    kim = _claim("seeds", "003", "North Korean leader Kim Jong Un plans to send 6,000 workers to assist Russia in the "
                 "Kursk region.", quote="North Korean leader Kim Jong Un plans to send 6,000 workers")
    assert says_nothing_new(shoigu, [remarks, kim]) is kim
    assert says_nothing_new(shoigu, [remarks]) is None


def test_an_english_point_without_figures_repeats_a_german_one_naming_the_same_party() -> None:
    # german@12 points 2 and 4: Merz won; the German sentence gives the 28.5 % as well, so it is kept
    merz = _claim("german-election-2025", "003", "German opposition leader Friedrich Merz won an easy victory in "
                  "Sunday's national election, according to projections.",
                  quote="German opposition leader Friedrich Merz, a conservative, won an easy victory")
    cdu = _claim("german-election-2025", "002", "Die CDU/CSU unter Friedrich Merz hat die vorgezogene Bundestagswahl "
                 "am Sonntag mit 28,5% der Stimmen gewonnen, gemäß den vorläufigen Ergebnissen der "
                 "Bundeswahlleiterin.", rank=1)
    assert repeats_across(merz, cdu) and not repeats_across(cdu, merz)
    points, [repeat] = select_points(group_claims([merz, cdu]), {}, limit=10, foreign={cdu.article.id})
    assert [p.articles for p in points] == [[cdu.article.id]] and repeat.article_id == merz.article.id


def test_power_outages_in_the_two_countries_are_the_blackout_that_hit_them() -> None:
    # iberian@11 points 1 and 4, both from TASS: outages / blackout, power / electricity
    blackout = _claim("iberian-blackout-2025", "000", "A major blackout hit Spain and Portugal, leaving millions of "
                      "people without electricity.", quote="A major blackout hit Spain and Portugal, leaving millions")
    outages = _claim("iberian-blackout-2025", "000", "Power outages are reported from the whole of Spain and Portugal.",
                     rank=1)
    [point] = select_points(group_claims([blackout, outages]), {}, limit=10)[0]
    assert point.text == blackout.text and len(point.citations) == 2


def _iberian(prefix: str, text: str, quote: str = "", rank: int = 0) -> VerifiedClaim:
    return _claim("iberian-blackout-2025", prefix, text, quote, rank)


MASSIVE = ("A massive blackout, the cause of which is still unknown, left Spain, Portugal, and parts of southern France "
           "without power on Monday, disrupting public services such as railways and metro lines, as well as "
           "businesses and individuals.")


def test_a_lead_telling_the_event_again_gives_way_to_the_fuller_one() -> None:
    # iberian@11 points 1 and 2: TASS's blackout names no place, figure or time the newsn24 one lacks
    major = _iberian("000", "A major blackout hit Spain and Portugal, leaving millions of people without electricity.",
                     quote="A major blackout hit Spain and Portugal, leaving millions")
    massive = _iberian("001", MASSIVE, rank=0)
    assert event_repeats(major, massive) and not event_repeats(massive, major)
    points, [repeat] = select_points(group_claims([major, massive]), {}, limit=10)
    assert [p.text for p in points] == [MASSIVE] and repeat.claim == major.text


def test_the_quake_told_again_repeats_when_the_brief_names_its_city() -> None:
    # myanmar@12 point 5: Mandalay is not in point 2, but point 3 names it
    strong = _claim("myanmar-quake-2025", "000", "A strong earthquake struck near central Myanmar’s Mandalay city on "
                    "Friday morning.", rank=1)
    powerful = _claim("myanmar-quake-2025", "002", "A powerful 7.7-magnitude earthquake struck Southeast Asia on "
                      "Friday, killing more than 150 people across Myanmar and Thailand, officials said.",
                      quote="A powerful 7.7-magnitude earthquake struck Southeast Asia on Friday")
    toll = _claim("myanmar-quake-2025", "005", "Myanmar's death toll from Friday’s powerful earthquake reached 1,644 "
                  "amid extensive damage in the second-largest city of Mandalay.",
                  quote="death toll from Friday’s powerful earthquake reached 1,644")
    assert not event_repeats(strong, powerful)  # alone, it adds Mandalay
    assert says_nothing_new(strong, [powerful, toll]) is powerful


def test_what_is_said_of_the_event_or_after_it_is_no_repeat_of_it() -> None:
    # iberian@11: the causes not ruled out open on no outcome; the Portuguese blackout with REN's cause beside
    # power being restored "após o apagão" says another outcome too
    causes = _iberian("002", "Authorities do not rule out 'any possibility' on the causes of the blackout at the moment.",
                      quote="do not rule out")
    assert not event_repeats(causes, _iberian("001", MASSIVE))
    apagao = _iberian("004", "Um apagão massivo afetou grandes áreas de Portugal e Espanha na tarde desta segunda-feira, "
                      "com falhas no fornecimento de energia atribuídas a um fenômeno atmosférico raro.")
    restored = _iberian("005", "A energia elétrica está sendo parcialmente restaurada em algumas cidades de Portugal e "
                        "Espanha, após o apagão geral que afetou alguns países da Europa.")
    assert not event_repeats(apagao, restored) and not event_repeats(restored, apagao)


def test_country_names_and_dates_are_read_in_other_languages() -> None:
    assert country_of("España") == country_of("Espanha") == country_of("Spanien") == country_of("Spain") == "Spain"
    assert country_of("Birmania") == "Myanmar" and country_of("Coreia do Sul") == "South Korea"
    assert country_of("Madrid") is None and country_of("Europa") is None
    assert foreign_days_of_month("este 28 de abril") == {28} and foreign_days_of_month("am 28. April") == {28}
    assert foreign_days_of_month("entre seis y diez horas") == frozenset()


APAGON = ("Un apagón masivo dejó sin electricidad a amplias zonas de España y Portugal este 28 de abril, afectando "
          "redes de metro, líneas telefónicas, semáforos, cajeros automáticos y otros servicios esenciales.")


def test_the_spanish_lead_telling_the_blackout_again_is_a_repeat_of_the_english_one() -> None:
    # iberian@12 points 1 and 9: the same blackout of Spain and Portugal; "28 de abril" is the English "Monday"
    apagon = _iberian("003", APAGON, rank=0)
    massive = _iberian("001", MASSIVE, rank=0)
    assert event_repeats_across(apagon, massive)
    points, [repeat] = select_points(group_claims([massive, apagon]), {}, limit=10, foreign={apagon.article.id})
    assert [p.text for p in points] == [MASSIVE] and repeat.claim == APAGON


def test_a_lead_in_another_language_naming_another_country_or_figure_stays() -> None:
    massive = _iberian("001", MASSIVE)
    # Portugal alone is in the English lead; France is not in the Spanish one, so it may not stand for it
    assert not event_repeats_across(massive, _iberian("003", APAGON))
    # a Portuguese lead with a figure the English one lacks (48 % recovered) is another fact
    recovered = _iberian("005", "A operadora de energia da Espanha, Red Eléctrica, afirmou que 48% da demanda de "
                         "energia já foi recuperada no país.")
    assert not event_repeats_across(recovered, massive)
    # the German win in English and in German: "win" is no opening outcome of either
    merz = _claim("german-election-2025", "003", "German opposition leader Friedrich Merz won an easy victory in "
                  "Sunday's national election, according to projections.",
                  quote="German opposition leader Friedrich Merz, a conservative, won an easy victory")
    union = _claim("german-election-2025", "000", "Die Union hat die Bundestagswahl 2025 mit 28,6 Prozent der Stimmen "
                   "gewonnen.")
    assert not event_repeats_across(merz, union) and not event_repeats_across(union, merz)


# Session 21: repeats read by hand in german-election-2025@13 and seeds@17 (live runs of session 20).

def _german(prefix: str, text: str, quote: str = "", rank: int = 0) -> VerifiedClaim:
    return _claim("german-election-2025", prefix, text, quote, rank)


CONSERVATIVES = "German conservatives won the national election with 28.5% of the vote"
CDU_CSU = ("Die CDU/CSU unter Friedrich Merz hat die vorgezogene Bundestagswahl am Sonntag mit 28,5% der Stimmen "
           "gewonnen, gemäß den vorläufigen Ergebnissen der Bundeswahlleiterin.")


def test_the_english_winner_with_the_german_sentences_figure_takes_its_place() -> None:
    # german@13: the English brief opened on the German sentence; the English one, giving its 28.5 %, was its repeat
    conservatives = _german("004", CONSERVATIVES, quote="German conservatives, led by Friedrich Merz, won the national "
                            "election with 28.5% of the vote")
    for first, second in ((0, 1), (1, 0)):  # whichever the ranking puts first
        cdu = _german("002", CDU_CSU, rank=first)
        english = replace(conservatives, rank=second)
        points, [repeat] = select_points(group_claims([cdu, english]), {}, limit=10, foreign={cdu.article.id})
        assert [p.text for p in points] == [CONSERVATIVES] and repeat.claim == CDU_CSU


def test_a_day_of_the_week_is_no_name_a_lead_adds() -> None:
    # german@13: Merz's win "in Sunday's national election" added only the day to the points kept
    merz = _german("003", "German opposition leader Friedrich Merz won an easy victory in Sunday's national election, "
                   "according to projections.",
                   quote="German opposition leader Friedrich Merz, a conservative, won an easy victory", rank=1)
    conservatives = _german("004", CONSERVATIVES, quote="German conservatives, led by Friedrich Merz, won the national "
                            "election with 28.5% of the vote")
    path = _german("005", "Friedrich Merz's CDU/CSU secures a narrow path to form a government",
                   quote="Friedrich Merz's CDU/CSU secures a narrow path to form a government")
    assert own_names(merz) == ("Friedrich", "Merz")
    assert says_nothing_new(merz, [conservatives, path]) is conservatives
    assert says_nothing_new(merz, [conservatives]) is None  # Merz is no kept point's: it stays


def test_a_german_sentence_giving_a_share_a_kept_point_gives_is_a_repeat() -> None:
    # german@13 points 7 and 8: the SPD's 16,4 % told twice in German (and a third time, 16.5 %, in English)
    losses = _german("000", "Deutliche Verluste verzeichnet die SPD, die mit nur 16,4 Prozent ihr bislang "
                     "schlechtestes Wahlergebnis erzielt und auf Platz drei landet.")
    places = _german("002", "Die AfD lag mit 20,8% auf dem zweiten Platz, vor der SPD von Bundeskanzler Olaf Scholz "
                     "auf dem dritten Platz mit 16,4%.")
    fell = _german("004", "Chancellor Olaf Scholz's Social Democrats fell to 16.5%",
                   quote="Chancellor Olaf Scholz's Social Democrats (SPD) fell to 16")
    assert quantity_repeats(losses, places) and not quantity_repeats(places, losses)  # the AfD's 20,8 % is new
    assert not quantity_repeats(losses, fell)  # the English point never writes "SPD" ...
    assert says_nothing_new(losses, [fell, places]) is not None  # ... the points kept do
    assert not quantity_repeats(fell, losses)  # an English sentence is read word by word


def test_thousands_of_workers_is_the_kept_points_five_thousand() -> None:
    # seeds@17 point 4: the seeds' one repeat, of point 1
    thousands = _claim("seeds", "001", "North Korea will send thousands of its military workers to Russia's Kursk "
                       "region to help with rebuilding efforts in the war-hit area, which had been seized by Ukraine "
                       "for months.", rank=1)
    kim = _claim("seeds", "002", "Kim Jong Un decided to send 1,000 sappers to clear mines in the Kursk region and "
                 "5,000 military construction workers to restore infrastructure there, according to Russia's state "
                 "news agency, Tass.", quote="North Korean leader Kim Jong Un decided to send 1,000 sappers")
    remarks = _claim("seeds", "000", "The United States on Tuesday described Russia's continued use of North Korean "
                     "workers and troops for operations against Ukraine as \"deeply concerning.\"",
                     quote="The United States on Tuesday described Russia's continued use of North Korean workers")
    assert vague_amount(thousands.text, kim.numbers) and not vague_amount(thousands.text, frozenset([1000.0]))
    assert says_nothing_new(thousands, [kim, remarks]) is kim
    assert says_nothing_new(thousands, [kim]) is None  # North Korea and Ukraine are no kept point's


def test_an_english_share_a_kept_point_gives_within_rounding_is_a_repeat_but_a_toll_is_read_word_by_word() -> None:
    # german@14 points 1 and 5: the AfD's record told twice, 20.5 % and 20 %, in other words
    record = _german("003", "The CDU-CSU won 28.5 percent of the vote and will lead the next government, while Alice "
                     "Weidel's AfD reached a record 20.5 percent and pushed the Social Democrats into third place.")
    best = _german("004", "The far-right Alternative for Germany (AfD) achieved its best result ever, securing 20%.",
                   rank=1)
    assert not repeats(best, record) and quantity_repeats(best, record)
    assert not quantity_repeats(record, best)  # the CDU-CSU's share is new
    # myanmar: one magnitude, but the first sentence says what else the quake did
    struck = _claim("myanmar-quake-2025", "002", "A powerful 7.7-magnitude earthquake struck Southeast Asia on Friday, "
                    "killing more than 150 people across Myanmar and Thailand and collapsing a high-rise building in "
                    "central Bangkok, officials said.", quote="A powerful 7.7-magnitude earthquake struck Southeast Asia")
    centered = _claim("myanmar-quake-2025", "001", "A 7.7-magnitude earthquake centered in Myanmar reverberated across "
                      "Southeast Asia on Friday.", quote="A 7.7-magnitude earthquake centered in Myanmar reverberated")
    assert not quantity_repeats(struck, centered) and not quantity_repeats(centered, struck)
