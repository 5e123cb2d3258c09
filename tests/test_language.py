"""An event's language: a BCP 47 tag in the model and events.json, LANGUAGE on the calendar's
texts, ``lang`` on the page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest

import confcal
from confcal.errors import InvalidInput
from confcal.model import Event, Schedule
from confcal.site import build_site, page
from confcal.zones import localize

BERLIN = "Europe/Berlin"


# --- The model and events.json --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["en", "de-CH", "zh-Hant-TW", "gsw", "EN", "sr-Latn-RS"])
def test_the_model_takes_a_language_tag(value: str) -> None:
    assert _event(language=value).language == value


#: "english", "abcd": the shape of RFC 5646's reserved and registered-only primary subtags, none a
#: language a browser or axe-core knows; "x-klingon": private use, meaning nothing to them.
NO_TAGS = ["de, en", "en_US", "-en", "en-", "en--US", "Deutsch (German)", "abcdefghi", ""]
NO_TAGS += ["english", "abcd", "e", "x-klingon"]


@pytest.mark.parametrize("value", NO_TAGS)
def test_the_model_refuses_what_is_no_language_tag(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _event(language=value)
    assert caught.value.problems[0].field == "language"
    assert "is not a language tag such as 'en' or 'de-CH'" in str(caught.value)


def test_a_language_tag_longer_than_35_characters_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at most 35 characters"):
        _event(language="en-" + "-".join(["abcdefgh"] * 4))


def _event(**fields: str | None) -> Event:
    start = localize(dt.datetime(2025, 3, 29, 10, 0), BERLIN)
    return Event(
        id="talk",
        title="Vortrag",
        start=start,
        end=start + dt.timedelta(hours=1),
        **fields,  # type: ignore[arg-type]
    )


def _schedule(*events: Event) -> Schedule:
    return Schedule(name="Konferenz", timezone=BERLIN, events=events)


def test_events_json_reads_and_writes_the_language() -> None:
    event = {
        "id": "talk", "title": "T", "start": "2025-03-29T10:00", "duration": "PT1H",
        "language": "de-CH",
    }  # fmt: skip
    document = {"calendar": {"name": "K", "timezone": BERLIN}, "events": [event]}
    schedule = confcal.loads(json.dumps(document))
    assert schedule.events[0].language == "de-CH"
    assert json.loads(confcal.dumps(schedule))["events"][0]["language"] == "de-CH"
    assert confcal.loads(confcal.dumps(schedule)) == schedule
    event.pop("language")
    assert "language" not in confcal.dumps(confcal.loads(json.dumps(document)))


def test_events_json_refuses_a_language_that_is_no_tag_naming_event_and_field() -> None:
    document = {
        "calendar": {"name": "K", "timezone": BERLIN},
        "events": [
            {"id": "talk", "title": "T", "start": "2025-03-29T10:00", "duration": "PT1H",
             "language": "de, en"}
        ],
    }  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        confcal.loads(json.dumps(document), source="events.json")
    assert str(caught.value).startswith("events.json: event \"talk\": language: 'de, en' is not")


# --- Where the language is written ----------------------------------------------------------------


def _vevent(event: Event) -> icalendar.cal.component.Component:
    data = confcal.to_ical(_schedule(event))
    assert data == confcal.to_calendar(_schedule(event)).to_ical()
    found = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert len(found) == 1
    return found[0]


def test_the_calendar_marks_title_and_abstract_with_the_language() -> None:
    event = _event(language="de", description="Über Uhren.")
    data = confcal.to_ical(_schedule(event), alarm=dt.timedelta(minutes=5))
    assert b"SUMMARY;LANGUAGE=de:Vortrag\r\n" in data
    assert "DESCRIPTION;LANGUAGE=de:Über Uhren.\r\n".encode() in data
    assert b"DESCRIPTION;LANGUAGE=de:Vortrag\r\n" in data  # the alarm shows the title
    vevent = _vevent(event)
    assert vevent["SUMMARY"].params["LANGUAGE"] == "de"
    assert str(vevent["SUMMARY"]) == "Vortrag"


def test_speakers_alone_are_not_marked_with_the_sessions_language() -> None:
    """Without an abstract, DESCRIPTION is confcal's English "Speaker: ..." line."""
    plain = _event(language="de")
    event = Event(
        id=plain.id, title=plain.title, start=plain.start, end=plain.end,
        speakers=["Ada"], language="de",
    )  # fmt: skip
    data = confcal.to_ical(_schedule(event))
    assert b"\r\nDESCRIPTION:Speaker: Ada\r\n" in data


def test_an_event_without_language_is_written_as_before() -> None:
    data = confcal.to_ical(_schedule(_event(description="Text")))
    assert b"LANGUAGE" not in data
    assert b"\r\nSUMMARY:Vortrag\r\n" in data


def _day_page(schedule: Schedule, folder: Path) -> str:
    build_site(schedule, folder)
    return (folder / "days" / "2025-03-29.html").read_text("utf-8")


def test_the_page_marks_title_and_abstract_with_lang(tmp_path: Path) -> None:
    html = _day_page(_schedule(_event(language="de", description="Über Uhren.")), tmp_path / "a")
    assert '<span class="title" lang="de">Vortrag</span>' in html
    assert '<details class="abstract" lang="de">' in html
    html = _day_page(_schedule(_event(description="x")), tmp_path / "b")
    assert html.count(' lang="') == 1  # <html lang="en">
    assert page(_schedule(_event())).count(' lang="') == 1


def test_events_json_reads_and_writes_the_programmes_language() -> None:
    calendar = {"name": "K", "timezone": BERLIN, "language": "de"}
    talk = {"id": "t", "title": "T", "start": "2025-03-01T10:00", "end": "2025-03-01T11:00"}
    document = {"calendar": calendar, "events": [talk]}
    schedule = confcal.loads(json.dumps(document))
    assert schedule.language == "de"
    assert json.loads(confcal.dumps(schedule))["calendar"]["language"] == "de"
    assert confcal.loads(confcal.dumps(schedule)) == schedule
    calendar["language"] = "Deutsch (German)"
    with pytest.raises(InvalidInput) as caught:
        confcal.loads(json.dumps(document))
    assert "calendar.language" in str(caught.value)
    assert "'Deutsch (German)' is not a language tag" in str(caught.value)
