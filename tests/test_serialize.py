"""The byte serializer (confcal._serialize): ``to_ical(schedule)`` builds calendars from cached
pieces, and must stay byte for byte what icalendar makes of ``to_calendar(schedule)``, for every
split and however the caches are warm."""

from __future__ import annotations

import datetime as dt
import gc
import zoneinfo
from collections.abc import Callable

import pytest
import pytz
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from icalendar.parser import Contentline

from confcal import Event, InvalidInput, Schedule, _serialize, to_calendar, to_ical, zones
from confcal._fields import MAX_SEQUENCE
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
    cache = _serialize._EVENTS._entries
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
    assert len(_serialize._EVENTS.of(event).by_context) <= _serialize._CONTEXTS_PER_EVENT


# --- The fast VEVENT lines are icalendar's, for every field and zone ----------------------------

#: Every zone zoneinfo knows, and UTC in each form Python code may build it with.
_ZONES = sorted(zoneinfo.available_timezones())
_TZINFOS = st.sampled_from(_ZONES).map(zoneinfo.ZoneInfo) | st.sampled_from(
    [dt.UTC, pytz.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone.min]
)
#: Text with everything TEXT escapes or folds around: backslashes (and backslash-N), commas,
#: semicolons, line breaks, carets, multi-byte characters.
_TEXT = (
    st.lists(
        st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30)
        | st.sampled_from(["\\", "\\N", "\\n", ";", ",", "\n", "\t", "^", '"', ":", "é", "😀"]),
        min_size=1,
        max_size=12,
    )
    .map("".join)
    .filter(str.strip)
)
_LINE = _TEXT.map(lambda text: " ".join(text.split()) or "x")


@st.composite
def _when(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    """A start and end: dates (all-day), or times in any zone, also in its repeated hour."""
    if draw(st.integers(0, 4)) == 0:
        day = draw(st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 1)))
        return day, day + dt.timedelta(days=draw(st.integers(1, 20)))
    instant = draw(
        # From 1930: before, some zones kept local mean time, which the model refuses.
        st.datetimes(dt.datetime(1930, 1, 1), dt.datetime(2199, 12, 1), timezones=st.just(dt.UTC))
    ).replace(microsecond=0)
    tzinfo = draw(_TZINFOS)
    length = dt.timedelta(seconds=draw(st.integers(1, 3 * 86400)))
    if isinstance(tzinfo, zoneinfo.ZoneInfo) and draw(st.booleans()):
        try:  # pytz, as the readers make them
            return zones.from_instant(instant, tzinfo.key), zones.from_instant(
                instant + length, tzinfo.key
            )
        except InvalidInput:
            reject()
    return instant.astimezone(tzinfo), (instant + length).astimezone(tzinfo)


#: An instant as LAST-MODIFIED holds it, given in any zone (the model keeps it in UTC).
_INSTANTS = st.datetimes(
    dt.datetime(1900, 1, 2), dt.datetime(2199, 12, 1), timezones=st.just(dt.UTC)
).flatmap(lambda instant: _TZINFOS.map(instant.astimezone))


@st.composite
def _events(draw: st.DrawFn, index: int) -> Event:
    start, end = draw(_when())
    return _or_reject(
        Event,
        id=f"e{index}" + draw(st.from_regex(r"[A-Za-z0-9._-]{0,8}", fullmatch=True)),
        title=draw(_TEXT),
        start=start,
        end=end,
        type=draw(st.none() | _LINE),
        track=draw(st.none() | _LINE),
        location=draw(st.none() | _TEXT),
        description=draw(st.none() | _TEXT),
        url=draw(st.none() | st.sampled_from(["https://c.example/t?a=1&b=2;c,d", "http://x.y/"])),
        speakers=draw(st.lists(_LINE, max_size=3)),
        status=draw(st.none() | st.sampled_from(["confirmed", "tentative", "cancelled"])),
        language=draw(st.none() | st.sampled_from(["en", "de-CH", "zh-Hant-TW", "x-klingon"])),
        # What a history file gives a changed session (confcal.history): SEQUENCE, LAST-MODIFIED.
        sequence=draw(st.integers(0, MAX_SEQUENCE)),
        last_modified=draw(st.none() | _INSTANTS),
    )


def _or_reject(make: Callable[..., Event], **fields: object) -> Event:
    """The event, unless the model refuses it (a title of spaces and tabs only, say)."""
    try:
        return make(**fields)
    except InvalidInput:
        reject()


@settings(max_examples=200, deadline=None)
@given(
    st.data(),
    st.none() | st.sampled_from(["conf.example", "a-b.c_d.example"]),
    st.datetimes(dt.datetime(1900, 1, 2), dt.datetime(2199, 12, 1), timezones=st.just(dt.UTC)),
    st.none() | st.builds(dt.timedelta, seconds=st.integers(0, 366 * 86400)),
)
def test_the_fast_vevent_lines_are_icalendars_for_every_field_zone_and_alarm(
    data: st.DataObject,
    uid_domain: str | None,
    dtstamp: dt.datetime,
    alarm: dt.timedelta | None,
) -> None:
    events = [data.draw(_events(i)) for i in range(data.draw(st.integers(1, 3)))]
    try:
        schedule = Schedule(
            name="C", timezone=data.draw(st.sampled_from(_ZONES)), events=events,
            uid_domain=uid_domain, dtstamp=dtstamp,
        )  # fmt: skip
    except InvalidInput:
        reject()
    assert to_ical(schedule, alarm=alarm) == _expected(schedule, alarm)


def test_sequence_and_last_modified_are_written_by_the_fast_path_not_by_icalendar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fallback = _serialize._icalendar_line
    fell_back: list[str] = []

    def watched(kind: type, name: str, value: object, parameters: dict[str, str]) -> bytes:
        fell_back.append(name)
        return fallback(kind, name, value, parameters)

    monkeypatch.setattr(_serialize, "_icalendar_line", watched)
    schedule = _varied()
    data = to_ical(schedule)
    assert b"SEQUENCE:2\r\n" in data
    assert b"LAST-MODIFIED:20241230T080000Z\r\n" in data
    assert not {"SEQUENCE", "LAST-MODIFIED"} & set(fell_back)
    assert data == _expected(schedule)
