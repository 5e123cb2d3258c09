"""What confcal repairs in a pretalx/frab programme's text: HTML, indentation, subtitle, language.

Each case is a small file written here; the real programmes (FOSDEM's HTML, 38C3's indentation
and languages) are checked at the end where ../shared/programmes is present.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import confcal
from confcal.errors import LoadWarning
from confcal.model import Event, Schedule
from confcal.readers._frab_text import description, language, title
from confcal.readers._html import is_html, to_text
from confcal.site import build_site
from conftest import programmes_dir

PROGRAMMES = programmes_dir()
needs_programmes = pytest.mark.skipif(PROGRAMMES is None, reason="../shared/programmes is absent")
BERLIN = "Europe/Berlin"


# --- Telling HTML from plain text -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<p>One.</p>",
        "line<br>next",
        "line<br/>next",
        "line<BR />next",
        'see <a href="https://example.org">this</a>',
        "<ul><li>one</li></ul>",
        "very <em>much</em> so",
        "<P>Upper case</P>",
    ],
)
def test_text_with_markup_tags_is_html(text: str) -> None:
    assert is_html(text)


@pytest.mark.parametrize(
    "text",
    [
        "a < b and b > c",
        "I <3 this",
        "x<y",
        "Welcome to the House of Tea! <3",
        "run it with --interpro <version>",
        "Tom &amp; Jerry",
        "<<<>>>",
        "",
    ],
)
def test_plain_text_with_a_stray_less_than_is_not_html(text: str) -> None:
    assert not is_html(text)
    assert description(text or None, None) == (text or None)


# --- HTML as plain text ---------------------------------------------------------------------------


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    html = "<p>One\n   two.</p>\n\n\n<p>Three.</p><p></p><p>Four.</p>"
    assert to_text(html) == "One two.\n\nThree.\n\nFour."


def test_list_items_are_lines_with_bullets_nested_ones_indented() -> None:
    html = (
        "<p>I'll cover:</p><ul><li>one</li><li>two<ul><li>inner</li></ul></li><li>three</li></ul>"
        "<p>Steps:</p><ol><li>first</li><li>second</li></ol>"
    )
    assert to_text(html) == (
        "I'll cover:\n\n• one\n• two\n  ◦ inner\n• three\n\nSteps:\n\n1. first\n2. second"
    )


def test_links_keep_their_url_after_the_text_when_it_differs() -> None:
    html = (
        '<p>The <a href="https://citybik.es">CityBikes project</a> and '
        '<a href="https://github.com/zulip/">https://github.com/zulip</a> and '
        '<a href="https://www.example.org/">example.org</a>, '
        '<a href="mailto:info@example.org">info@example.org</a>, '
        '<a href="/2026/schedule/">the schedule</a>.</p>'
    )
    assert to_text(html) == (
        "The CityBikes project (https://citybik.es) and https://github.com/zulip and "
        "example.org, info@example.org, the schedule."
    )


def test_entities_are_decoded_and_no_tag_is_left() -> None:
    html = "<p>Office &amp; data &lt;structures&gt; &#8212; caf&eacute; &quot;x&quot;</p><hr/>"
    text = to_text(html)
    assert text == 'Office & data <structures> \N{EM DASH} café "x"'


def test_a_less_than_that_begins_no_tag_stays_in_the_text() -> None:
    """FOSDEM's InterProScan abstract: ``--interpro <version>`` inside <p> (a browser hides it)."""
    html = "<p>Choose it (via '--interpro <version>'), and a < b, I <3 it.</p>"
    assert to_text(html) == "Choose it (via '--interpro <version>'), and a < b, I <3 it."


def test_preformatted_code_keeps_its_lines() -> None:
    html = "<p>Questions:</p>\n<pre><code>• one?\n• two?\n</code></pre>"
    assert to_text(html) == "Questions:\n\n• one?\n• two?"


def test_line_breaks_emphasis_headings_and_scripts() -> None:
    html = (
        "<h3>About</h3><p>first<br>second <strong>bold</strong> <em>it</em></p>"
        "<script>alert(1)</script><style>p{}</style>"
    )
    assert to_text(html) == "About\n\nfirst\nsecond bold it"


def test_white_space_is_normalized_and_lines_never_end_in_spaces() -> None:
    html = "<p>  lots   of\t\tspace  </p>\n\n   <p>\n  and more  </p>  "
    text = to_text(html)
    assert text == "lots of space\n\nand more"


def test_markup_with_no_text_is_no_description() -> None:
    assert description("<p></p><br>", None) is None


def test_abstract_and_description_in_html_are_both_kept_once_each() -> None:
    assert description("<p>Short.</p>", "<p>Short.</p><p>Long.</p>") == "Short.\n\nLong."
    assert description("<p>Same.</p>", "Same.") == "Same."


# --- Indentation from pretty-printed XML ----------------------------------------------------------


def test_indentation_of_continuation_lines_is_removed() -> None:
    text = "First line.\n\n                    Second paragraph.\n                    Third."
    assert description(text, None) == "First line.\n\nSecond paragraph.\nThird."


def test_only_the_common_indentation_is_removed() -> None:
    text = "\n      Intro:\n        - one\n        - two\n      Outro.\n    "
    assert description(text, None) == "Intro:\n  - one\n  - two\nOutro."


def test_crlf_and_tabs_indentation() -> None:
    assert description("A\r\n\tB\r\n\tC", None) == "A\nB\nC"


def test_a_text_of_one_line_is_only_stripped() -> None:
    assert description("   just this  ", None) == "just this"


# --- Subtitles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("main", "subtitle", "expected"),
    [
        ("CryptoParty", "CryptoParty", "CryptoParty"),
        ("CryptoParty", "cryptoparty ", "CryptoParty"),
        ("Crypto-Party!", "crypto party", "Crypto-Party!"),
        ("Rockets löten: Workshop", "Rockets   Löten", "Rockets löten: Workshop"),
        ("Opening", "-", "Opening"),
        ("Opening", "Welcome to the camp", "Opening: Welcome to the camp"),
        ("CryptoParty", "Party", "CryptoParty: Party"),
        ("Why?", "Because", "Why? Because"),
        ("\n  Welcome\n  ", "Where to find what", "Welcome: Where to find what"),
        ("Title", None, "Title"),
    ],
)
def test_a_subtitle_is_appended_only_when_it_adds_words(
    main: str, subtitle: str | None, expected: str
) -> None:
    assert title(main, subtitle) == expected


# --- Language -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en", "en"),
        (" de ", "de"),
        ("de-CH", "de-CH"),
        ("de, en", None),
        ("en/de", None),
        ("de en", None),
        ("Deutsch (German)", "Deutsch (German)"),  # no list: the model's rule refuses it
    ],
)
def test_one_language_is_kept_a_list_names_none(value: str, expected: str | None) -> None:
    assert language(value) == expected


# --- The readers ----------------------------------------------------------------------------------


def _xml(abstract: str, *, subtitle: str = "", lang: str = "de") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<schedule>
  <conference><title>Konferenz</title><time_zone_name>{BERLIN}</time_zone_name></conference>
  <day index="1" date="2025-03-29">
    <room name="Saal 1">
      <event guid="talk">
        <date>2025-03-29T10:00:00+01:00</date>
        <start>10:00</start>
        <duration>01:00</duration>
        <room>Saal 1</room>
        <title>CryptoParty</title>
        <subtitle>{subtitle}</subtitle>
        <language>{lang}</language>
        <abstract>{abstract}</abstract>
      </event>
    </room>
  </day>
</schedule>
"""


def _json(abstract: str, *, subtitle: str = "", lang: str | None = "de") -> str:
    event = {
        "guid": "talk", "date": "2025-03-29T10:00:00+01:00", "start": "10:00",
        "duration": "01:00", "room": "Saal 1", "title": "CryptoParty", "subtitle": subtitle,
        "language": lang, "abstract": abstract,
    }  # fmt: skip
    days = [{"index": 1, "date": "2025-03-29", "rooms": {"Saal 1": [event]}}]
    return json.dumps(
        {"schedule": {"conference": {"title": "Konferenz", "time_zone_name": BERLIN, "days": days}}}
    )


def _read(text: str) -> tuple[Event, list[LoadWarning]]:
    warnings: list[LoadWarning] = []
    schedule = confcal.loads(text, on_warning=warnings.append)
    return schedule.events[0], warnings


HTML = (
    '<p>Bring a laptop &amp; <a href="https://example.org/k">a key</a>.</p>\n<ul><li>Tor</li></ul>'
)


@pytest.mark.parametrize("form", ["xml", "json"])
def test_the_readers_repair_html_subtitle_and_keep_the_language(form: str) -> None:
    if form == "xml":
        text = _xml(HTML.replace("&", "&amp;").replace("<", "&lt;"), subtitle="CryptoParty")
    else:
        text = _json(HTML, subtitle="CryptoParty")
    event, warnings = _read(text)
    assert [w.message for w in warnings] == [
        f'1 session with {words}: 2025-03-29 10:00 "Saal 1" "CryptoParty"'
        for words in (
            "a subtitle that repeats the title, left out",
            "an HTML abstract or description, converted to plain text",
        )
    ]
    assert event.title == "CryptoParty"
    assert event.description == "Bring a laptop & a key (https://example.org/k).\n\n• Tor"
    assert event.language == "de"


def test_xml_indentation_is_removed_from_a_plain_abstract() -> None:
    abstract = "Erste Zeile.\n\n                    Zweite Zeile.\n                    Dritte."
    event, _ = _read(_xml(abstract))
    assert event.description == "Erste Zeile.\n\nZweite Zeile.\nDritte."


def test_a_plain_abstract_with_a_less_than_stays_as_written() -> None:
    event, _ = _read(_json("a < b, and <3"))
    assert event.description == "a < b, and <3"


def test_a_list_of_languages_is_no_language_and_no_warning() -> None:
    event, warnings = _read(_xml("x", lang="de, en"))
    assert (event.language, warnings) == (None, [])


def test_a_language_that_is_no_tag_is_left_out_with_a_warning() -> None:
    event, warnings = _read(_json("x", lang="Deutsch (German)"))
    assert event.language is None
    assert [w.message for w in warnings] == [
        "1 session with a language that is not a language tag (such as en or pt-BR), kept "
        'without one: 2025-03-29 10:00 "Saal 1" "CryptoParty"'
    ]


def test_no_language_is_none() -> None:
    event, _ = _read(_json("x", lang=None))
    assert event.language is None


def test_events_json_keeps_html_as_the_organizer_wrote_it() -> None:
    document = {
        "calendar": {"name": "K", "timezone": BERLIN},
        "events": [
            {
                "id": "talk", "title": "CryptoParty", "start": "2025-03-29T10:00",
                "duration": "PT1H", "description": "<p>As written.</p>\n      indented",
                "language": "de-CH",
            }
        ],
    }  # fmt: skip
    schedule = confcal.loads(json.dumps(document))
    event = schedule.events[0]
    assert (event.description, event.language) == ("<p>As written.</p>\n      indented", "de-CH")
    assert json.loads(confcal.dumps(schedule))["events"][0]["language"] == "de-CH"
    assert confcal.loads(confcal.dumps(schedule)) == schedule


def test_the_page_of_an_imported_html_abstract_shows_no_tags(tmp_path: Path) -> None:
    event, _ = _read(_json(HTML))
    build_site(Schedule(name="Konferenz", timezone=BERLIN, events=[event]), tmp_path)
    (day,) = tmp_path.glob("days/*.html")  # the list where the abstract is shown
    html = day.read_text("utf-8")

    class Texts(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.texts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.texts.append(data)

    parser = Texts()
    parser.feed(html)
    shown = "".join(parser.texts)
    assert "Bring a laptop & a key (https://example.org/k)." in shown
    assert "<p>" not in shown and "&lt;" not in html.split("<main", 1)[1]


# --- The real programmes --------------------------------------------------------------------------


@needs_programmes
def test_fosdem_descriptions_are_plain_text_in_english() -> None:
    assert PROGRAMMES is not None
    schedule = confcal.load(PROGRAMMES / "fosdem2026" / "source-schedule.xml")
    described = [e for e in schedule.events if e.description]
    assert len(described) == len(schedule.events) == 883
    tag = re.compile(r"</?(p|a|ul|ol|li|em|strong|code|br|h\d)\b[^>]*>", re.IGNORECASE)
    assert not [e.id for e in described if tag.search(e.description or "")]
    assert not [
        e.id for e in described if re.search(r"&(amp|lt|gt|quot|#\d+);", e.description or "")
    ]
    assert {e.language for e in schedule.events} == {"en"}


@needs_programmes
def test_38c3_loses_its_xml_indentation_and_keeps_its_languages() -> None:
    assert PROGRAMMES is not None
    schedule = confcal.load(PROGRAMMES / "38c3" / "source-schedule.xml")
    indented = [e.id for e in schedule.events if re.search(r"\n {20}", e.description or "")]
    assert indented == []
    languages = {e.language for e in schedule.events}
    assert languages == {"de", "en", None}
    assert sum(e.language == "de" for e in schedule.events) == 460
    assert sum(e.language == "en" for e in schedule.events) == 329


def test_text_with_inline_markup_only_keeps_its_own_lines() -> None:
    """38C3's hub descriptions: plain paragraphs with an <a href> or <strong> here and there."""
    text = (
        "Intro line.\n                    Next line, <strong>important</strong>.\n\n"
        '                    Readings: <a href="https://example.org/r">https://example.org/r</a>'
    )
    assert description(text, None) == (
        "Intro line.\nNext line, important.\n\nReadings: https://example.org/r"
    )
