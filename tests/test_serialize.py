"""The byte serializer (confcal._serialize): ``to_ical(schedule)`` builds calendars from cached
pieces, and must stay byte for byte what icalendar makes of ``to_calendar(schedule)``, for every
split and however the caches are warm."""

from __future__ import annotations

import datetime as dt
import gc

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar.parser import Contentline

from confcal import Event, Schedule, _serialize, to_calendar, to_ical
from confcal.files import Split, render
from confcal.zones import localize


def _at(text: str, zone: str, offset: dt.timedelta | None = None) -> dt.datetime:
    return localize(dt.datetime.fromisoformat(text), zone, offset)


def _varied() -> Schedule:
    ny, berlin, santiago = "America/New_York", "Europe/Berlin", "America/Santiago"
    long_text = "Ünïcödé ✨ " * 9 + "a\\b;c,d\n\tnext line " + "\\" * 80 + "^" * 80 + "😀" * 40
    events = [
        Event(id="keynote", title="Keynote: Parsl, CWL; and you", start=_at("2025-11-01T09:00", ny),
              end=_at("2025-11-01T10:00", ny), type="Keynote", location="Hall A, 1st floor",
              description=long_text, speakers=("Zoë Ørsted", "Iñaki Müller"),
              url="https://example.org/k?a=1&b=2", status="confirmed", sequence=2,
              last_modified=dt.datetime(2024, 12, 30, 8, tzinfo=dt.UTC)),
        # 01:30 occurs twice in New York on 2 November 2025: written in UTC.
        Event(id="repeated-hour", title="Night owls", status="tentative",
              start=_at("2025-11-02T01:30", ny, dt.timedelta(hours=-4)),
              end=_at("2025-11-02T01:45", ny, dt.timedelta(hours=-5))),
        Event(id="remote", title="Remote talk from Berlin", start=_at("2025-10-31T18:00", berlin),
              end=_at("2025-10-31T18:30", berlin), type="Talk", track="Remote; online",
              speakers=("Ana",)),
        Event(id="santiago", title="Santiago", start=_at("2025-09-07T10:00", santiago),
              end=_at("2025-09-07T11:00", santiago), status="cancelled", sequence=1),
        Event(id="utc", title="In UTC", start=dt.datetime(2025, 11, 3, 12, tzinfo=dt.UTC),
              end=dt.datetime(2025, 11, 3, 13, tzinfo=dt.UTC)),
        Event(id="far-future", title="After pytz's horizon", start=_at("2040-07-01T09:00", ny),
              end=_at("2040-07-01T10:00", ny)),
        Event(id="registration", title="Registration 🎫", start=dt.date(2025, 11, 1),
              end=dt.date(2025, 11, 3), location="Atrium \\ foyer"),
        Event(id="late", title="After midnight", start=_at("2025-11-02T00:30", ny),
              end=_at("2025-11-02T00:50", ny)),
    ]  # fmt: skip
    return Schedule(
        name="Varied, with; everything\\ 🚀",
        timezone=ny,
        events=events,
        description="Line one\nline two, with a comma; and a semicolon " + "é" * 60,
        url="https://conference.example.org/programme",
        day_change=dt.time(4),
        dtstamp=dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    )


def _expected(schedule: Schedule, alarm: dt.timedelta | None = None) -> bytes:
    return bytes(to_calendar(schedule, alarm=alarm).to_ical())


ALARMS = [None, dt.timedelta(minutes=15)]


@pytest.mark.parametrize("alarm", ALARMS)
def test_fast_path_writes_the_bytes_icalendar_writes_for_the_whole_calendar(
    alarm: dt.timedelta | None,
) -> None:
    schedule = _varied()
    assert to_ical(schedule, alarm=alarm) == _expected(schedule, alarm)
    assert to_ical(schedule, alarm=alarm) == _expected(schedule, alarm)  # warm caches: the same


@pytest.mark.parametrize("alarm", ALARMS)
@pytest.mark.parametrize("split", [Split.DAY, Split.EVENT, Split.TRACK, Split.ROOM])
def test_fast_path_writes_the_bytes_icalendar_writes_for_every_split_file(
    split: Split, alarm: dt.timedelta | None
) -> None:
    schedule = _varied()
    render(schedule, Split.NONE)  # warms the caches every split shares (without the alarm)
    parts = {
        Split.DAY: lambda: list(schedule.days().values()),
        Split.EVENT: lambda: [
            schedule.subset([e], name=e.title, feed=False) for e in schedule.sorted_events()
        ],
        Split.TRACK: lambda: list(schedule.tracks().values()),
        Split.ROOM: lambda: list(schedule.rooms().values()),
    }[split]()
    expected = [_expected(part, alarm) for part in parts]
    assert list(render(schedule, split, alarm=alarm).values()) == expected


def test_a_repeated_hour_and_a_uid_domain_derived_from_the_url_survive_the_fast_path() -> None:
    data = to_ical(_varied())
    assert b"DTSTART:20251102T053000Z" in data
    assert b"UID:keynote@programme.conference.example.org" in data


def test_equal_events_in_different_zones_keep_their_own_tzid() -> None:
    # The same instant in two zones: equal events, different VEVENTs.
    berlin = Event(
        id="x",
        title="X",
        start=_at("2025-06-01T10:00", "Europe/Berlin"),
        end=_at("2025-06-01T11:00", "Europe/Berlin"),
    )
    london = Event(id="x", title="X", start=_at("2025-06-01T09:00", "Europe/London"),
                   end=_at("2025-06-01T10:00", "Europe/London"))  # fmt: skip
    assert berlin == london
    first = to_ical(Schedule(name="c", timezone="UTC", events=[berlin]))
    second = to_ical(Schedule(name="c", timezone="UTC", events=[london]))
    assert b"TZID=Europe/Berlin" in first
    assert b"TZID=Europe/London" in second
    assert b"Europe/Berlin" not in second


def test_the_same_event_in_calendars_with_another_uid_domain_or_dtstamp_gets_their_values() -> None:
    event = _varied().events[0]
    for domain, stamp in [("a.example", 0), ("b.example", 0), ("a.example", 86400)]:
        schedule = Schedule(
            name="c", timezone="UTC", events=[event], uid_domain=domain,
            dtstamp=dt.datetime.fromtimestamp(stamp, dt.UTC),
        )  # fmt: skip
        assert to_ical(schedule) == _expected(schedule)


def test_cached_event_bytes_are_dropped_with_their_event() -> None:
    cache = _serialize._EVENT_BYTES._entries
    schedule = _varied()
    to_ical(schedule)
    held = {id(e) for e in schedule.events}
    assert held <= set(cache)
    del schedule
    gc.collect()
    assert not held & set(cache)


def _icalendars_fold(line: str) -> bytes:
    """The line as icalendar folds it (its parser has no type hints)."""
    folded: bytes = Contentline(line).to_ical()  # type: ignore[no-untyped-call]
    return folded


@given(st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]), max_size=400))
def test_fold_is_icalendars_fold(line: str) -> None:
    assert _serialize.fold(line) == _icalendars_fold(line)


_TRICKY = st.sampled_from(["a", "\\", "^", "é", "€", "😀", ";", ","])


@given(st.text(_TRICKY, min_size=60, max_size=300))
def test_fold_is_icalendars_fold_around_escapes_and_multibyte_characters(text: str) -> None:
    line = "DESCRIPTION:" + text
    assert _serialize.fold(line) == _icalendars_fold(line)


def _escape_once(text: str) -> str:
    table = {"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"}
    return "".join(table.get(char, char) for char in text)


@given(st.text(st.sampled_from(["a", "\\", ";", ",", "\n", "n", "é"]), max_size=60))
def test_text_escaping_escapes_each_character_once(text: str) -> None:
    assert _serialize.escape(text) == _escape_once(text)


def test_a_long_lived_schedule_keeps_a_bounded_number_of_vevents_per_event() -> None:
    event = Event(
        id="e",
        title="T",
        start=localize(dt.datetime(2024, 11, 18, 9), "America/New_York"),
        end=localize(dt.datetime(2024, 11, 18, 10), "America/New_York"),
    )
    schedule = Schedule(name="C", timezone="America/New_York", events=[event])
    for minutes in range(1, 50):  # a server answering requests with ever new reminders
        to_ical(schedule, alarm=dt.timedelta(minutes=minutes))
    assert len(_serialize._EVENT_BYTES.of(event)) <= _serialize._CONTEXTS_PER_EVENT
