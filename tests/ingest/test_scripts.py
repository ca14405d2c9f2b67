"""Non-Latin articles (real pages, tests/data/scripts/SOURCES.md) and UTF-16/32 files.

Before: every Chinese, Japanese and Thai article was refused as "no article
text left after removing boilerplate" (prose was counted in space-separated
words ending in ``.!?``), Hindi sentences were never split at the danda, and a
UTF-16 file with a byte-order mark was refused as binary for its NUL bytes.
"""

from __future__ import annotations

import codecs
import py_compile
import random
import sqlite3
from pathlib import Path

import pytest

from briefgen.errors import BinaryInputError, EmptyArticleError
from briefgen.ingest import from_html, load_article
from briefgen.ingest.scripts import guess_language, word_units
from briefgen.ingest.segment import THAI_MIN_CHARS, split_sentences
from briefgen.brief import Article

DATA = Path(__file__).resolve().parents[1] / "data" / "scripts"
LANGUAGES = {
    "zh": "zh",
    "ja": "ja",
    "th": "th",
    "th2": "th",
    "ko": "ko",
    "ar": "ar",
    "hi": "hi",
    "he": "he",
    "el": "el",
    "ru": "ru",
}


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for block in text.split("\n\n"):
        spans.append((pos, pos + len(block)))
        pos += len(block) + 2
    return spans


def _check_sentences(article: Article) -> None:
    """Exact offsets, in order, each sentence inside one paragraph, none without a letter."""
    paragraphs = _paragraph_spans(article.text)
    previous_end = 0
    for sentence in article.sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text
        assert sentence.start >= previous_end
        previous_end = sentence.end
        assert any(a <= sentence.start and sentence.end <= b for a, b in paragraphs), sentence.text
        assert any(c.isalpha() for c in sentence.text), sentence.text


@pytest.mark.parametrize("stem", sorted(LANGUAGES))
def test_real_non_latin_article_loads_with_exact_sentences(stem: str) -> None:
    article = load_article(DATA / f"{stem}.txt")
    assert article.language == LANGUAGES[stem]
    assert len(article.sentences) >= 3
    _check_sentences(article)


def test_chinese_boilerplate_goes_and_sentences_end_at_the_ideographic_stop() -> None:
    article = load_article(DATA / "zh.txt")
    assert article.title == "聚焦中国 瞩目盛会——来自十九大新闻中心的观察"
    for menu in ("洛阳网首页", "新闻 | 图片", "您当前的位置", "新华社记者崔静"):
        assert menu not in article.text
    texts = [s.text for s in article.sentences]
    # "?" (NFKC of "？") ends a sentence even with no space after it
    assert "中国是如何实现如此快速发展的?" in texts
    assert "未来五年,中国的发展蓝图是什么?" in texts
    # A quoted exclamation the sentence carries on from does not end it
    first = texts[0]
    assert first.startswith("“骑起来真是很轻很方便!”在北京") and first.endswith("试骑共享单车。")
    assert not any(t.startswith("”") for t in texts)
    # a closing quote after the stop stays with its sentence
    assert any(t.endswith("印象深刻。”") for t in texts)


def test_japanese_is_told_from_chinese_and_headline_lists_go() -> None:
    article = load_article(DATA / "ja.txt")
    assert article.language == "ja"
    assert article.title == "総理や官房長官の会見で「NGリスト存在しない」 松野官房長官(2023年10月5日)"
    assert "花粉" not in article.text and "TBS NEWS DIG" not in article.text
    texts = [s.text for s in article.sentences]
    assert texts[0].endswith("と述べました。")
    # a paragraph that is one quotation closes with 」, not 。, and is kept
    assert any(t.startswith("松野官房長官:「私や総理の記者会見") and t.endswith("であります」") for t in texts)
    assert "総理官邸では岸田総理のほか、松野長官が平日に2回、定例の会見を行っています。" in texts


def test_thai_splits_at_spaces_but_not_into_fragments() -> None:
    article = load_article(DATA / "th2.txt")
    texts = [s.text for s in article.sentences]
    # the prime minister's name has a space in it: it is never cut off alone
    assert any("พล.อ.ประยุทธ์ จันทร์โอชา นายกรัฐมนตรี" in t for t in texts)
    paragraphs = [p for p in article.text.split("\n\n")]
    for sentence in article.sentences:
        paragraph = next(p for p in paragraphs if sentence.text in p)
        assert len(sentence.text) >= THAI_MIN_CHARS or len(paragraph) < 2 * THAI_MIN_CHARS
    # more sentences than paragraphs: the rule did split
    assert len(texts) > len(paragraphs)

    headline = load_article(DATA / "th.txt")
    assert headline.title == "สื่อทำเนียบฯ ตั้งฉายา ปี 67 “รัฐบาล(พ่อ)เลี้ยง”"
    assert "ฉายารัฐบาลปี67" not in headline.text.split("\n\n")  # the one-line sub-head is not prose


def test_hindi_splits_at_the_danda_and_keeps_the_closing_quote() -> None:
    article = load_article(DATA / "hi.txt")
    texts = [s.text for s in article.sentences]
    assert "सरकार ने अपनी गति पकड़ी है।" in texts
    assert texts[0].startswith("संचार एवं सूचना प्रौद्योगिकी मंत्री रेखा शर्मा")  # a 20-word line ending in "।" is prose
    assert any(t.endswith('महान काम है।"') for t in texts)
    assert '"' not in texts


def test_arabic_byline_and_time_go() -> None:
    article = load_article(DATA / "ar.txt")
    assert "كتب : أحمد العش" not in article.text
    assert "07:38" not in article.text
    assert len(article.text.split("\n\n")) == 4


def test_language_codes_from_html_metadata_are_normalised() -> None:
    text = "中共十九大召开在即。中国是如何实现如此快速发展的?未来五年,中国的发展蓝图是什么?"
    assert [s.text for s in split_sentences(text, language="zh-CN")] == [
        "中共十九大召开在即。",
        "中国是如何实现如此快速发展的?",
        "未来五年,中国的发展蓝图是什么?",
    ]
    hindi = "सरकार ने अपनी गति पकड़ी है। कई काम किए गए हैं।"
    assert len(split_sentences(hindi, language="hi_IN")) == 2


def test_cjk_sentence_ends_with_quotes() -> None:
    def texts(t: str) -> list[str]:
        return [s.text for s in split_sentences(t, language="ja")]

    # a stop inside 「」 that the sentence carries on from does not end it
    assert texts("彼は「もう終わりだ。」と述べた。会見は続いた。") == ["彼は「もう終わりだ。」と述べた。", "会見は続いた。"]
    # two quotations in a row, and stacked marks
    assert texts("“我们希望如此。”“这很重要！”真的吗？！是的。") == [
        "“我们希望如此。”",
        "“这很重要！”真的吗？！",
        "是的。",
    ]
    # decimals and dates are not stops
    assert texts("增长19.6%,日期2017.10.17。") == ["增长19.6%,日期2017.10.17。"]


def test_chinese_html_page_end_to_end() -> None:
    paragraphs = [
        line.strip()
        for line in (DATA / "zh.txt").read_text(encoding="utf-8").splitlines()
        if line.strip().endswith(("。", "。”"))
    ]
    html = (
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>聚焦中国 瞩目盛会</title></head><body>'
        "<nav>洛阳网首页 新闻 县区 百姓呼声 电子报</nav><article><h1>聚焦中国 瞩目盛会</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    article = from_html(html, source="<zh.html>")
    assert (article.language or "").lower().startswith("zh")
    assert "中国是如何实现如此快速发展的?" in [s.text for s in article.sentences]
    _check_sentences(article)


def test_guess_language_and_word_units() -> None:
    assert guess_language("松野官房長官は「私や総理大臣の会見でリストは存在しない」と述べました。") == "ja"
    assert guess_language("中共十九大召开在即,五年一次的盛会成为世界观察中国的最佳窗口。") == "zh"
    assert guess_language("ผู้สื่อข่าวรายงานจากทำเนียบรัฐบาลว่า") == "th"
    assert guess_language("The minister said the bridge will reopen.") == "en"
    assert word_units("The minister said the bridge will reopen.") == 7
    assert word_units("中国是如何实现如此快速发展的?") == pytest.approx(7.25)


# --- byte-order marks -----------------------------------------------------------

_ENCODINGS = {
    "utf-16": lambda t: t.encode("utf-16"),  # native order (LE here) with its mark
    "utf-16-le": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-32": lambda t: t.encode("utf-32"),
    "utf-32-be": lambda t: codecs.BOM_UTF32_BE + t.encode("utf-32-be"),
}


@pytest.mark.parametrize("encoding", sorted(_ENCODINGS))
@pytest.mark.parametrize("stem", ["zh", "ru"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_decoded(tmp_path: Path, encoding: str, stem: str) -> None:
    text = (DATA / f"{stem}.txt").read_text(encoding="utf-8")
    path = tmp_path / f"{stem}.txt"
    path.write_bytes(_ENCODINGS[encoding](text))
    assert b"\x00" in path.read_bytes()  # what used to be refused as binary
    article = load_article(path)
    assert article.text == load_article(DATA / f"{stem}.txt").text
    assert not article.text.startswith("\ufeff")
    _check_sentences(article)


def test_utf16_html_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Bridge reopens</title></head><body><article><h1>Bridge reopens</h1>"
        "<p>Officials said on Monday that the bridge will reopen next week after two months of repairs "
        "costing 4 million dollars.</p><p>Traffic had been diverted through the city centre since the flood "
        "damaged its pillars in March, the transport ministry said.</p></article></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("utf-16"))
    article = load_article(path)
    assert "4 million dollars" in article.text and "<p>" not in article.text


def test_byte_order_mark_with_nothing_after_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "bom-only.txt"
    path.write_bytes(codecs.BOM_UTF16_LE)
    with pytest.raises(EmptyArticleError, match="empty"):
        load_article(path)


def test_byte_order_mark_on_a_binary_is_still_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_bytes(codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate
    with pytest.raises(BinaryInputError, match=r"UTF-16 \(little-endian\) byte-order mark but is not valid"):
        load_article(broken)
    noise = tmp_path / "noise.txt"
    for seed in range(5):  # random bytes after the mark: invalid surrogates, or decoded noise
        noise.write_bytes(codecs.BOM_UTF16_LE + random.Random(seed).randbytes(4000))
        with pytest.raises(BinaryInputError, match="byte-order mark"):
            load_article(noise)
    # decodable but noise: every code unit a private-use character
    noise.write_bytes(codecs.BOM_UTF16_BE + "\ue000\ue123\uf8ff".encode("utf-16-be") * 500)
    with pytest.raises(BinaryInputError, match="not text .*looks binary"):
        load_article(noise)


def test_real_binaries_with_nul_bytes_and_no_mark_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"  # a SQLite database (not in the magic-number table) named like text
    with sqlite3.connect(db) as connection:
        connection.execute("create table notes (body text)")
        connection.execute("insert into notes values ('The minister said the bridge will reopen.')")
    connection.close()
    with pytest.raises(BinaryInputError, match="NUL bytes"):
        load_article(db)
    source = tmp_path / "module.py"
    source.write_text("ANSWER = 42\n")
    compiled = tmp_path / "module.txt"
    py_compile.compile(str(source), cfile=str(compiled))  # CPython bytecode
    with pytest.raises(BinaryInputError, match="binary"):
        load_article(compiled)


def test_latin_script_pages_are_told_apart_by_language() -> None:
    """German cluster, live run: every German page was read as English, so German claims were stemmed
    and negation-checked with English rules. The dev clusters' real pages, by their language."""
    from briefgen.ingest import load_article

    clusters = Path(__file__).resolve().parents[2] / "eval" / "clusters"
    expected = {
        "german-election-2025/000_otv.txt": "de", "german-election-2025/002_bloomberg-de.txt": "de",
        "german-election-2025/003_fosterinstantnews.txt": "en", "valencia-floods-2024/000_huffingtonpost-es.txt": "es",
        "iberian-blackout-2025/004_aquinoticias.txt": "pt", "myanmar-quake-2025/004_actualidad-uy.txt": "es",
        "fed-rate-cut-dec-2024/000_newsweek.txt": "en",
    }
    assert {name: load_article(clusters / name).language for name in expected} == expected
