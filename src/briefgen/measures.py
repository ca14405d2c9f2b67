"""Measured figures: which quantity each figure of a text measures.

The reader behind number conflicts (:mod:`briefgen.conflicts`): a figure is paired with its nearest
measure word ("694 ... dead", "a 6.4-magnitude aftershock"). Who and where a figure is about, and
which sentences of the articles are read too, is :mod:`briefgen.places`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from briefgen.verify import extract_numbers, is_year
from briefgen.verify.numbers import SPELLED_NUMBERS
from briefgen.verify.words import stem

# Words that name a measured quantity, folded to one form per quantity ("died", "killed", "death
# toll" are one). Myanmar cluster, live run: death tolls 144 / 694 / 1,644, injured 730 / 1,670 and an
# aftershock of 6.4 / 6.7 were separate points and no conflict. Stems, as content_words gives them.
MEASURES: dict[str, str] = {
    "die": "dead", "dead": "dead", "death": "dead", "kill": "dead", "fatal": "dead", "toll": "dead",
    "injur": "injured", "injuri": "injured", "wound": "injured", "hurt": "injured",
    "miss": "missing", "magnitud": "magnitude", "aftershock": "aftershock", "turnout": "turnout",
    "vote": "vote share", "share": "vote share", "seat": "seats", "evacu": "evacuated",
    "displac": "displaced", "arrest": "arrested",
}
SCALES = frozenset(["magnitude", "aftershock"])
"""Measures read on a scale, not counted: a figure of one is written in digits and is at most 10
(Myanmar cluster: "at least 14 aftershocks", "Two significant aftershocks" are counts)."""
_SPELLED = SPELLED_NUMBERS - {"zero"}  # "a 'zero' has occurred in the ... electrical system" is no count
# A figure followed by one of these counts a group within a total ("Eighty-four of the confirmed deaths, 56
# adults and 28 children, ...": Texas floods, live run, read as 56 dead), never the measure word before it.
_GROUPS = frozenset(["adults", "adult", "children", "child", "kids", "minors", "men", "women", "girls", "boys"])
# A figure followed by one of these measures the unit, never a nearby measure word (Myanmar
# cluster: "followed 11 minutes later by a 6.4-magnitude aftershock" read as an aftershock of 11).
_UNITS = frozenset(stem(w) for w in [
    "second", "minute", "hour", "day", "week", "month", "year", "km", "kilometre", "kilometer", "mile", "metre",
    "meter", "inhabitant", "resident", "am", "pm", "gmt", "utc"])
# Units that are a measure themselves, for the figure right before them only (Myanmar cluster: the
# collapsed Bangkok tower had "33-story" in one outlet, "30-storey" in another).
_UNIT_MEASURES = {stem(w): "storeys" for w in ["storey", "story", "floor"]}

# The measure words of the other languages news pages of one story come in, whole words folded to
# lower case (no English stemming: German "Die" is no "died"). Myanmar cluster: the Spanish page's
# "694 muertos y 1.670 heridos"; Valencia cluster: "al menos hay 34 fallecidos" (Paiporta's mayor)
# against "al menos 62 personas fallecidas"; German cluster: "Die Wahlbeteiligung ... 84 Prozent".
FOREIGN_MEASURES: dict[str, str] = {
    **dict.fromkeys(["muerto", "muertos", "muertas", "fallecido", "fallecidos", "fallecidas", "mortales", "mortos",
                     "mortas", "mortes", "mortais", "fatales", "óbitos", "tote", "toten", "todesopfer", "morts", "décès", "tués",
                     "morti", "muerte", "muertes", "morte"], "dead"),
    **dict.fromkeys(["herido", "heridos", "heridas", "feridos", "feridas", "verletzte", "verletzten", "blessés",
                     "feriti"], "injured"),
    **dict.fromkeys(["desaparecidos", "desaparecidas", "vermisste", "vermissten", "disparus", "dispersi"], "missing"),
    **dict.fromkeys(["wahlbeteiligung", "participación", "participação", "affluenza"], "turnout"),
}
FOREIGN_LANGUAGES = frozenset(["es", "pt", "de", "fr", "it"])
"""Languages whose sentences are read with :data:`FOREIGN_MEASURES` (the dev clusters' pages are
English, Spanish, Portuguese and German)."""
_FOREIGN_UNITS = frozenset(["km", "kilómetros", "quilómetros", "quilômetros", "kilometer", "kilomètres", "uhr",
                            "horas", "hora", "stunden", "heures", "minutos", "minuten", "años", "anos", "jahre",
                            "habitantes", "einwohner", "millas", "meilen", "metros", "meter"])
# Power figures: GW, or MW read as GW, so outlets writing either compare. Only an amount lost is one
# quantity ("a total of 15 GW of energy disappeared" vs "Capacity losses ... exceeded 10 GW", Iberian
# cluster); a level ("consumption ... plummeted to 12,425 megawatts"), a demand or a link's capacity
# ("up to 950 megawatts") is another and gives no figure.
POWER_UNITS: dict[str, int] = {  # the unit's size in GW, inverted: 12,425 MW / 1000 is 12.425 exactly
    **dict.fromkeys(["gw", "gigawatt", "gigawatts", "gigavatios", "gigavátios"], 1),
    **dict.fromkeys(["mw", "megawatt", "megawatts", "megavatios", "megavátios", "mégawatts"], 1000),
}
POWER_LOST = "GW lost"
_LOSS = re.compile(r"los[est]|loss(?:es)?|losing|disappear\w*|vanish\w*|p[ée]rdidas?|perd(?:ió|ieron|eu|eram|u|us|ita|ite)|"
                   r"perdas?|desaparec\w+|verlust\w*|verloren|pertes?|disparu\w*", re.IGNORECASE)
_LEVEL = frozenset(["to", "from", "hasta", "até", "auf", "jusqu'à", "fino"])
"""Words before a power figure that make it a level, not an amount lost ("fell to 12 GW", "up to 950 MW")."""
_FOREIGN_FORECAST = re.compile(r"(?:podr\w+|pode\w*|poder\w*|könnte\w*|pourrait|potrebbe|estim\w+|prev\w+|"
                               r"schätz\w*|prognos\w+)", re.IGNORECASE)
_FOREIGN_JOINS = frozenset(["y", "e", "o", "ou", "und", "oder", "bis", "et", "a"])
_ACROSS_WINDOW = 4
"""A figure with "across" this close after it is a total over places, no figure of any one of them
(Myanmar cluster: "killing more than 150 people across Myanmar and Thailand" beside Myanmar's 694 dead)."""
MEASURE_WINDOW = 12
"""Words between a figure and its measure word at most ("has surged to 694" after "The death toll")."""

# Forecasts are measures of their own: "the USGS projected deaths could exceed 10,000" beside "144 dead"
# is no disagreement (Myanmar cluster, live run: it was one side of a 'death toll' conflict), but two
# forecasts can disagree (a red alert of 10,000 deaths vs an orange one of 100 to 1,000).
_FORECAST = re.compile(r"\b(?:project\w*|forecast\w*|estimat\w*|predict\w*|could|may|might|expected|likely)\b",
                       re.IGNORECASE)
TOKEN = re.compile(r"\d[\d,.]*\d%?|\d%?|[^\W\d_][\w'’-]*")
_JOINS = frozenset(["and", "or", "to", "-", "–"])

# An aside between spaced dashes or in brackets counts parts or gives units; it is no figure of the
# sentence's measure and keeps the head figure from its measure word (Jeju Air crash, live run: "176
# people – 83 women, 82 men and 12 others whose genders weren't immediately identifiable – have been
# killed" read as 12 dead).
_ASIDE = re.compile(r"\s[–—]\s[^–—]{1,200}?\s[–—]\s|\([^()]{0,200}\)")

FORECAST_WINDOW = 8
"""A figure with a forecast word this many words before it is a forecast ("could surpass 10,000")."""


def measured_figures(text: str, language: str = "en") -> dict[str, float]:
    """Each measure the text gives a figure for: every figure (not a year) is paired with the nearest
    measure word, nearest pairs first, each used once ("7.7-magnitude ... death toll ... 694, with
    1,670 injured" → magnitude 7.7, dead 694, injured 1,670); a forecast figure ("could surpass
    10,000") measures "forecast dead"; a magnitude next to "aftershock" is the aftershock's. A
    page in one of :data:`FOREIGN_LANGUAGES` is read with :data:`FOREIGN_MEASURES`."""
    return dict(_measured_figures(text, language if language in FOREIGN_LANGUAGES else "en"))


def _foreign_value(word: str) -> float | None:
    """The figure one token of a Spanish, Portuguese, German, French or Italian page states, or None.

    A dot before three digits groups thousands there (Myanmar cluster, Spanish page: "1.670
    heridos", read as 1.67 by the English rules) and a comma is the decimal mark ("28,6 Prozent").
    A comma before exactly three digits is either ("4,972 Prozent" in Germany, "1,644" where pages
    group thousands with commas, as Mexico's do): no figure then, rather than a wrong one.
    """
    bare = word.rstrip("%")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", bare):
        return float(bare.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d+,\d{3}", bare):
        return None
    if re.fullmatch(r"\d+(?:[,.]\d+)?", bare):
        return float(bare.replace(",", "."))
    return None


def figure_value(word: str, language: str = "en") -> float | None:
    """The figure one token states, or None.

    "7,7" is a decimal comma (Spanish page, live run: "magnitude: 7 / 7.7"); "three" is a figure
    too, or its measure goes to the next number ("three people were killed and at least 80 people
    remain trapped" read as 80 dead, Myanmar cluster, live run).
    """
    if language != "en":
        return _foreign_value(word) if word[0].isdigit() else None
    if not (word[0].isdigit() or all(part in _SPELLED for part in word.lower().split("-"))):
        return None  # "three", "Eighty-four" (Texas floods: the county's toll, spelled out to open a sentence)
    values = extract_numbers(word.rstrip("%"))  # "7,7" too: extract_numbers reads a decimal comma
    return next(iter(values)) if len(values) == 1 else None


def _joined(words: list[str], i: int, language: str = "en") -> bool:
    """The figure at ``i`` is one end of a range or list ("between magnitudes 3 and 5", "measuring
    4.9 and 6.7", "100 to 1,000"): no single figure of its measure (Myanmar cluster: two
    aftershocks of 4.9 and 6.7 read as an aftershock of 4.9 against the USGS's 6.4)."""
    joins = _JOINS if language == "en" else _JOINS | _FOREIGN_JOINS  # "entre 100 y 1.000" (Myanmar, Spanish page)
    after = (i + 2 < len(words) and words[i + 1].lower() in joins
             and figure_value(words[i + 2], language) is not None)
    before = i >= 2 and words[i - 1].lower() in joins and figure_value(words[i - 2], language) is not None
    return after or before


@lru_cache(maxsize=4096)
def _measured_figures(text: str, language: str = "en") -> tuple[tuple[str, float], ...]:
    # cached: number_conflicts compares every pair of claims, and reads each claim's figures again per measure
    words = TOKEN.findall(_ASIDE.sub(" ", text))
    english = language == "en"
    forecast_word = _FORECAST if english else _FOREIGN_FORECAST
    figures_at = []
    measures_at = []
    for i, word in enumerate(words):
        value = figure_value(word, language)
        following = words[i + 1].lower() if i + 1 < len(words) else ""
        after = stem(following.split("-")[0]) if english else following
        if value is not None and not is_year(value) and not (english and following in _GROUPS):
            if english and after in _UNIT_MEASURES and not _joined(words, i):
                measures_at.append((i + 1, _UNIT_MEASURES[after]))  # nearest of all: it is the next word
            prison = english and after == _YEAR and _prison_term(words, i)
            if prison:
                measures_at.append((i + 1, PRISON_YEARS))  # nearest of all, as a storey count's
            wind = wind_speed(words, i) if word[0].isdigit() else None
            if wind is not None:
                measures_at.append((i + 1, wind))  # nearest of all, as a storey count's
            power = POWER_UNITS.get(following)
            lost = power is not None and _power_lost(words, i, language)
            if power is not None:
                value = value / power
                if lost:
                    measures_at.append((i + 1, POWER_LOST))
            forecast = any(forecast_word.fullmatch(w) for w in words[max(0, i - FORECAST_WINDOW) : i])
            spread = "across" in (w.lower() for w in words[i + 1 : i + 1 + _ACROSS_WINDOW])
            unit = wind is None and ((after in _UNITS and not prison if english else after in _FOREIGN_UNITS) or (
                power is not None and not lost))  # a level's figure is no count of anything
            figures_at.append((i, value, forecast, unit or spread or _joined(words, i, language), word[0].isdigit()))
        for part in word.lower().split("-"):
            measure = MEASURES.get(stem(part)) if english else FOREIGN_MEASURES.get(part)
            if measure is not None:
                measures_at.append((i, measure))
    aftershock_at = [j for j, measure in measures_at if measure == "aftershock"]
    pairs = []
    for i, value, forecast, skipped, digits in figures_at:
        for j, measure in measures_at:
            if abs(i - j) > MEASURE_WINDOW or (j < i and "and" in (w.lower() for w in words[j + 1 : i])):
                # a figure after "and" begins an item of its own: "176 people ... have been killed, and two
                # people have been rescued" (Jeju Air crash, live run) read as 2 dead
                continue
            if measure == "magnitude" and any(abs(k - j) <= 4 for k in aftershock_at):
                measure = "aftershock"  # "a 6.4-magnitude aftershock", "the strongest aftershock was a magnitude 6.7"
            if measure in SCALES and not (digits and value <= 10):
                continue
            pairs.append((abs(i - j), i, j, value, f"forecast {measure}" if forecast and measure != PRISON_YEARS else measure, skipped))
    found: dict[str, float] = {}
    used: set[int] = set()
    for _distance, i, j, value, measure, skipped in sorted(pairs):
        if i in used or j in used or measure in found:
            continue
        used.update((i, j))
        if not skipped:  # a unit's figure or a range's end takes its measure word away, but states no figure of it
            found[measure] = value
    return tuple(found.items())


WIND = "wind"
GUSTS = "gusts"
_KM = r"(?:km|kms|kilom[eè]t(?:er|re)s?|kil[oó]metros|quil[oóô]metros)"
_SPEED = re.compile(rf"(?:{_KM} (?:h|hr|heure|hora|stunde|per hour|por hora|pro stunde|a la hora|à l'heure|[àa] l heure)|"
                    r"kmh|kph|km/h|(?P<miles>mph|miles (?:per|an) hour))\b", re.IGNORECASE)
_WINDS = re.compile(r"winds?|gusts?|gale|sustained|vents?|viento|vientos|vento|ventos|r[áa]fagas?|rafales?|rajadas?|"
                    r"böen|windgeschwindigkeit", re.IGNORECASE)
_GUSTS = re.compile(r"gusts?|r[áa]fagas?|rafales?|rajadas?|böen", re.IGNORECASE)


def wind_speed(words: list[str], i: int) -> str | None:
    """The wind's measure ("wind km/h", "gusts mph") when the figure at ``i`` is followed by a unit of speed and a
    word of wind comes before it: "winds reaching up to 200 kilometers per hour", "le vent soufflait à plus
    de 220km/heure", "Las ráfagas de al menos 226 kilómetros por hora" (a fresh cluster,
    cyclone-chido-mayotte-2024: no conflict was read between 200 and 220). Gusts are another measure
    than the wind ("el viento ... alcanzó hasta los 220 ..., ráfagas de 226"); a speed no wind word
    precedes (a train's, a car's) is none. Miles an hour are a measure of their own: a conversion rounds
    ("120 mph (195 km/h)" is 193.1), and two roundings of one speed are no conflict."""
    unit = _SPEED.match(" ".join(words[i + 1 : i + 5]))
    before = words[max(0, i - MEASURE_WINDOW) : i]
    if unit is None or not any(_WINDS.fullmatch(w) for w in before):
        return None
    gust = next((w for w in reversed(before) if _WINDS.fullmatch(w)), "")
    return f"{GUSTS if _GUSTS.fullmatch(gust) else WIND} {'mph' if unit.group('miles') else 'km/h'}"


PRISON_YEARS = "prison years"
"""A term of years in prison, the measure of a sentence (a fresh cluster, ftx-bankman-fried-verdict-2023@1:
"faces up to 115 years in prison" beside the Times' "could face up to 110 years in prison"). A term still
to be set is no forecast of another quantity: "could face" and "faces" give one measure."""
_YEAR = stem("year")
_SENTENCE = stem("sentence")


def _prison_term(words: list[str], i: int) -> bool:
    """The figure at ``i``, followed by "years", is a prison term: "in prison" or "in jail" follows, or a
    sentence is named just before ("a maximum sentence of 115 years")."""
    after = {w.lower() for w in words[i + 2 : i + 5]}
    before = {stem(w.lower()) for w in words[max(0, i - 4) : i]}
    return bool(after & {"prison", "jail"}) or _SENTENCE in before


def _power_lost(words: list[str], i: int, language: str) -> bool:
    """The power figure at ``i`` is an amount lost: a loss word within :data:`MEASURE_WINDOW`, no level word
    right before it, no range."""
    near = words[max(0, i - MEASURE_WINDOW) : i + 2 + MEASURE_WINDOW]
    return (any(_LOSS.fullmatch(w) for w in near) and not (i > 0 and words[i - 1].lower() in _LEVEL)
            and not _joined(words, i, language))
