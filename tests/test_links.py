"""The links out of the attendees' page: "add to Google Calendar / Outlook.com" links, their
length, and the addresses of the published calendars (confcal.site.links)."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confcal.model import Event
from confcal.site.links import (
    ELLIPSIS,
    MAX_LINK_LENGTH,
    _details,
    _quote,
    feed_url,
    fit_encoded,
    google_link,
    google_subscribe_link,
    outlook_link,
    web_url,
    webcal_link,
)
from fields import NY, all_day, timed


def query(link: str) -> dict[str, str]:
    """The link's parameters, decoded; each must occur once."""
    pairs = urllib.parse.parse_qsl(
        urllib.parse.urlsplit(link).query, keep_blank_values=True, strict_parsing=True
    )
    params = dict(pairs)
    assert len(params) == len(pairs)
    return params


# --- Google and Outlook links ------------------------------------------------------------------


def test_google_dates_are_the_sessions_utc_times_to_the_second() -> None:
    event = timed(
        start=dt.datetime(2024, 11, 18, 11, 21, 30), end=dt.datetime(2024, 11, 18, 11, 44)
    )
    link = google_link(event, NY)
    assert link.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE&")
    assert "&dates=20241118T162130Z/20241118T164400Z&" in link
    params = query(link)
    assert params["text"] == event.title
    assert params["location"] if event.location else "location" not in params
    assert params["ctz"] == NY


@pytest.mark.parametrize(
    ("zone", "start", "end", "expected"),
    [
        # Summer time after 2037, where pytz alone would say EST.
        (NY, "2040-07-02T10:00", "2040-07-02T11:00", "20400702T140000Z/20400702T150000Z"),
        # Across the clock change: starts at 00:30 EDT, ends at 02:30 EST, three hours later.
        (NY, "2024-11-03T00:30", "2024-11-03T02:30", "20241103T043000Z/20241103T073000Z"),
        (
            "Australia/Lord_Howe",
            "2025-01-10T09:00",
            "2025-01-10T10:00",
            "20250109T220000Z/20250109T230000Z",
        ),
        (
            "Asia/Kathmandu",
            "2025-03-01T09:00",
            "2025-03-01T10:00",
            "20250301T031500Z/20250301T041500Z",
        ),
    ],
)
def test_google_dates_are_right_in_any_zone_and_year(
    zone: str, start: str, end: str, expected: str
) -> None:
    event = timed(
        start=dt.datetime.fromisoformat(start), end=dt.datetime.fromisoformat(end), zone=zone
    )
    assert query(google_link(event, zone))["dates"] == expected


def test_outlook_link_has_utc_iso_times_with_z() -> None:
    event = timed(location="B302")
    link = outlook_link(event)
    assert link.startswith(
        "https://outlook.live.com/calendar/0/deeplink/compose?"
        "path=/calendar/action/compose&rru=addevent&"
    )
    params = query(link)
    assert params["startdt"] == "2024-11-18T16:21:00Z"
    assert params["enddt"] == "2024-11-18T16:44:00Z"
    assert params["subject"] == event.title
    assert params["location"] == "B302"
    assert "allday" not in params


def test_all_day_links_give_dates_with_the_end_exclusive() -> None:
    event = all_day(dt.date(2024, 11, 19), dt.date(2024, 11, 20))
    assert query(google_link(event, NY))["dates"] == "20241119/20241121"
    params = query(outlook_link(event))
    assert (params["startdt"], params["enddt"], params["allday"]) == (
        "2024-11-19",
        "2024-11-21",
        "true",
    )


def test_text_is_percent_encoded_including_ampersand_hash_newline_and_non_ascii() -> None:
    event = timed(
        title="Café & Bar #1?\nNext=2+2 / 100%",
        location="Saal 1 & 2",
        description="Größe: ½ — 東京 🎉\n\nline two",
    )
    for link, key in ((google_link(event, NY), "text"), (outlook_link(event), "subject")):
        assert link.isascii()
        assert "#" not in link
        assert "\n" not in link
        assert " " not in link
        assert f"{key}=Caf%C3%A9%20%26%20Bar%20%231%3F%0ANext%3D2%2B2%20%2F%20100%25&" in link
        params = query(link)
        assert params[key] == event.title
        assert params["location"] == "Saal 1 & 2"
    assert query(google_link(event, NY))["details"] == "Größe: ½ — 東京 🎉\n\nline two"


def test_details_carry_speakers_abstract_and_the_sessions_page() -> None:
    event = timed(
        description="The abstract.",
        speakers=["Ada Lovelace", "Grace Hopper"],
        url="https://sc24.example.org/parsl-cwl",
    )
    assert query(google_link(event, NY))["details"] == (
        "Speakers: Ada Lovelace, Grace Hopper\n\nThe abstract.\n\nhttps://sc24.example.org/parsl-cwl"
    )
    assert query(outlook_link(event))["body"] == query(google_link(event, NY))["details"]


def test_a_long_abstract_is_cut_at_a_word_keeping_speakers_and_page_link() -> None:
    words = " ".join(f"wörd{n}" for n in range(3000))
    event = timed(
        description=words, speakers=["Ada Lovelace"], url="https://sc24.example.org/s/parsl-cwl"
    )
    for link, key in ((google_link(event, NY), "details"), (outlook_link(event), "body")):
        assert len(link) <= MAX_LINK_LENGTH
        details = query(link)[key]
        speakers, abstract, url = details.split("\n\n")
        assert speakers == "Speaker: Ada Lovelace"
        assert url == "https://sc24.example.org/s/parsl-cwl"
        assert abstract.endswith("…")
        assert words.startswith(abstract[:-1])
        assert words[len(abstract) - 1] == " "  # cut between words
        assert len(abstract) > 300


def test_an_absurdly_long_title_still_gives_a_short_link_with_the_right_times() -> None:
    event = timed(title="Ω" * 5000, location="x" * 5000, description="y" * 5000)
    for link in (google_link(event, NY), outlook_link(event)):
        assert len(link) <= MAX_LINK_LENGTH
    assert query(google_link(event, NY))["dates"] == "20241118T162100Z/20241118T164400Z"
    assert query(outlook_link(event))["enddt"] == "2024-11-18T16:44:00Z"


# Text an Event accepts: no control characters but newline and tab.
_TEXT = st.text(
    st.characters(
        blacklist_categories=["Cs"], blacklist_characters="\r\x0b\x0c\x1c\x1d\x1e\x85"
    ).filter(lambda c: c in "\n\t" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)),
    max_size=400,
)


@given(text=_TEXT, budget=st.integers(min_value=-5, max_value=600))
def test_fit_encoded_fits_the_budget_and_keeps_the_start(text: str, budget: int) -> None:
    fitted = fit_encoded(text, budget)
    assert len(urllib.parse.quote(fitted, safe="")) <= max(budget, 0)
    if len(urllib.parse.quote(text, safe="")) <= budget:
        assert fitted == text
    elif fitted:
        assert fitted.endswith("…")
        assert text.startswith(fitted[:-1])


@settings(max_examples=50)
@given(title=_TEXT.filter(str.strip), description=_TEXT, location=_TEXT)
def test_links_read_back_to_the_events_text(title: str, description: str, location: str) -> None:
    event = timed(title=title, description=description or None, location=location or None)
    for link, key, body in (
        (google_link(event, NY), "text", "details"),
        (outlook_link(event), "subject", "body"),
    ):
        assert link.isascii()
        assert len(link) <= MAX_LINK_LENGTH
        params = query(link)
        shown = params[key]
        assert shown == event.title or (shown.endswith("…") and event.title.startswith(shown[:-1]))
        if body in params:
            assert event.description is not None
            assert params[body] == event.description or params[body].endswith("…")


@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_text_is_encoded_as_urllib_encodes_it_with_nothing_safe(text: str) -> None:
    assert _quote(text) == urllib.parse.quote(text, safe="")


def _details_as_written(event: Event, budget: int) -> str:
    """The details of an "add" link by the rule in its plainest form (what the links encode once
    and cut as encoded): speakers, abstract and page, the abstract cut first."""
    head, link = event.speaker_line or "", web_url(event.url) or ""

    def joined(body: str) -> str:
        return "\n\n".join(part for part in (head, body, link) if part)

    full = joined(event.description or "")
    if len(urllib.parse.quote(full, safe="")) <= budget:
        return full
    cost = len(urllib.parse.quote(joined(""), safe="")) + len("%0A%0A")
    body = fit_encoded(event.description or "", budget - cost)
    return joined(body) if body else fit_encoded(joined(""), budget)


@given(
    description=_TEXT,
    speakers=st.lists(_TEXT.filter(lambda s: s.strip() and s.isprintable()), max_size=3),
    url=st.sampled_from([None, "https://example.org/s/1?a=b&c=d", "ftp://x"]),
    budget=st.integers(-5, 300),
)
def test_link_details_are_the_rules_text_encoded(
    description: str, speakers: list[str], url: str | None, budget: int
) -> None:
    event = timed(description=description or None, speakers=tuple(speakers), url=url)
    expected = urllib.parse.quote(_details_as_written(event, budget), safe="")
    assert _details(event, budget) == expected


# --- Subscription ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://sc24.example.org/schedule/", "webcal://sc24.example.org/schedule/calendar.ics"),
        ("https://sc24.example.org/schedule", "webcal://sc24.example.org/schedule/calendar.ics"),
        (
            "https://sc24.example.org/schedule/index.html",
            "webcal://sc24.example.org/schedule/calendar.ics",
        ),
        ("https://sc24.example.org", "webcal://sc24.example.org/calendar.ics"),
        (
            "http://sc24.example.org:8080/a/b/?utm=1#day-2",
            "webcal://sc24.example.org:8080/a/b/calendar.ics",
        ),
        ("ftp://sc24.example.org/", None),
        ("javascript:alert(1)", None),
        (None, None),
    ],
)
def test_webcal_link_points_at_the_calendar_next_to_the_page(
    url: str | None, expected: str | None
) -> None:
    assert webcal_link(url) == expected


def test_feed_url_keeps_the_pages_scheme() -> None:
    assert feed_url("https://example.org/sc24/") == "https://example.org/sc24/calendar.ics"


def test_google_subscribe_link_passes_the_webcal_address_as_cid() -> None:
    link = google_subscribe_link("webcal://example.org/sc24/calendar.ics")
    assert query(link) == {"cid": "webcal://example.org/sc24/calendar.ics"}


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JaVaScRiPt:x", "data:text/html,x", "//x.org/a", "mailto:a@b"]
)
def test_only_http_addresses_become_links(url: str) -> None:
    assert web_url(url) is None


def _fit_encoded_a_character_at_a_time(text: str, budget: int) -> str:
    """fit_encoded as it was first written: a character at a time, the reference."""
    room = budget - len(urllib.parse.quote(ELLIPSIS, safe=""))
    used, end = 0, 0
    for char in text:
        used += len(urllib.parse.quote(char, safe="", errors="surrogatepass"))
        if used > budget:
            break
        if used <= room:
            end += 1
    else:
        return text
    if room < 0:
        return ""
    cut = text[:end]
    boundary = max((m.start() for m in re.finditer(r"\s", cut)), default=-1)
    if boundary >= len(cut) * 0.8:
        cut = cut[:boundary]
    cut = cut.rstrip()
    return cut + ELLIPSIS if cut else ""


@given(text=_TEXT, budget=st.integers(min_value=-5, max_value=600))
def test_fit_encoded_cuts_where_counting_a_character_at_a_time_does(text: str, budget: int) -> None:
    assert fit_encoded(text, budget) == _fit_encoded_a_character_at_a_time(text, budget)
