"""events.json (:mod:`confcal.readers.events_json`): read into a Schedule, the programme's
wall-clock times as printed, and written back by ``dumps``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import confcal
from confcal import zones
from confcal.model import Event, Schedule

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def document(*events: dict[str, object], **calendar: object) -> str:
    cal = {"name": "Conf", "timezone": "America/New_York", **calendar}
    return json.dumps({"calendar": cal, "events": list(events)})


def one(**fields: object) -> dict[str, object]:
    return {
        "id": "e",
        "title": "Talk",
        "start": "2024-11-18T11:21",
        "end": "2024-11-18T11:44",
        **fields,
    }


def test_seed_has_the_seven_sessions_at_their_eastern_times(seed_path: Path) -> None:
    schedule = confcal.load(seed_path)
    assert schedule.name == "Parsl at SC24"
    assert len(schedule.events) == 7
    cwl = next(e for e in schedule.events if e.id == "parsl-cwl")
    assert cwl.title == "Parsl+CWL: Towards Combining the Python and CWL Ecosystems"
    assert isinstance(cwl.start, dt.datetime)
    assert cwl.start.astimezone(UTC) == dt.datetime(2024, 11, 18, 16, 21, tzinfo=UTC)
    assert cwl.start.tzinfo.zone == "America/New_York"  # type: ignore[union-attr]
    assert {e.type for e in schedule.events} == {"Workshop", "Poster", "BOF", "Panel"}


def test_duration_is_elapsed_time_across_a_clock_change() -> None:
    # 01:30 + 60 minutes on the night clocks spring forward is 03:30 on the wall.
    schedule = confcal.loads(document(one(start="2025-03-09T01:30", end=None, duration="PT60M")))
    (event,) = schedule.events
    assert isinstance(event.start, dt.datetime) and isinstance(event.end, dt.datetime)
    assert event.end.replace(tzinfo=None) == dt.datetime(2025, 3, 9, 3, 30)
    assert event.end - event.start == dt.timedelta(minutes=60)


def test_all_day_end_in_json_is_the_last_day_inclusive() -> None:
    schedule = confcal.loads(document(one(start="2024-11-19", end="2024-11-20")))
    (event,) = schedule.events
    assert (event.start, event.end) == (dt.date(2024, 11, 19), dt.date(2024, 11, 21))


def test_single_all_day_event_may_end_on_its_start_day() -> None:
    (event,) = confcal.loads(document(one(start="2024-11-19", end="2024-11-19"))).events
    assert event.end == dt.date(2024, 11, 20)


def test_event_timezone_overrides_the_calendar_zone() -> None:
    (event,) = confcal.loads(document(one(timezone="Europe/Berlin"))).events
    assert isinstance(event.start, dt.datetime)
    assert event.start.astimezone(UTC) == dt.datetime(2024, 11, 18, 10, 21, tzinfo=UTC)


def test_status_is_read_case_insensitively() -> None:
    (event,) = confcal.loads(document(one(status="Cancelled"))).events
    assert event.status == "cancelled"


def test_every_problem_in_the_file_is_reported_at_once() -> None:
    text = document(
        one(id="a", end="2024-11-18T10:00"),
        one(id="b", locaton="B302"),
        one(id="c", start="2024-02-30T10:00"),
        {"title": "no id", "start": "2024-11-18T11:21", "end": "2024-11-18T11:44"},
    )
    with pytest.raises(confcal.InvalidInput) as caught:
        confcal.loads(text, source="events.json")
    found = {(p.event, p.field) for p in caught.value.problems}
    assert found == {('"a"', "end"), ('"b"', "locaton"), ('"c"', "start"), ("#4", "id")}
    assert "did you mean 'location'?" in str(caught.value)
    assert all(p.source == "events.json" for p in caught.value.problems)


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_bytes(b"\xef\xbb\xbf" + document(one()).encode())
    assert len(confcal.load(path).events) == 1


# --- events.json writer ---------------------------------------------------------------------------


def _local(text: str, zone: str) -> dt.datetime:
    naive = dt.datetime.fromisoformat(text)
    offset = naive.utcoffset()
    return zones.localize(naive.replace(tzinfo=None), zone, offset)


def test_dumps_writes_the_offset_only_for_a_repeated_hour() -> None:
    zone = "America/New_York"
    schedule = Schedule(
        name="Fall back",
        timezone=zone,
        events=[
            Event(
                id="repeat",
                title="In the repeated hour",
                start=_local("2025-11-02T01:30-04:00", zone),
                end=_local("2025-11-02T01:15-05:00", zone),
            ),
            Event(
                id="abroad",
                title="Elsewhere",
                start=_local("2025-11-03T10:00", "Europe/Paris"),
                end=_local("2025-11-03T11:00", "Europe/Paris"),
            ),
        ],
    )
    written = json.loads(confcal.dumps(schedule))
    repeat, abroad = written["events"]
    assert (repeat["start"], repeat["end"]) == ("2025-11-02T01:30-04:00", "2025-11-02T01:15-05:00")
    assert "timezone" not in repeat
    assert (abroad["start"], abroad["timezone"]) == ("2025-11-03T10:00", "Europe/Paris")
    assert confcal.loads(confcal.dumps(schedule)) == schedule


def test_track_is_read_from_events_json() -> None:
    text = json.dumps(
        {
            "calendar": {"name": "C", "timezone": "Europe/Berlin"},
            "events": [
                {
                    "id": "a",
                    "title": "T",
                    "start": "2025-01-01T10:00",
                    "duration": "PT1H",
                    "track": "Science",
                }
            ],
        }
    )
    assert confcal.loads(text).events[0].track == "Science"


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
# Instants around clock changes, where a wall clock is ambiguous or skipped.
CHANGES = [utc("2025-11-02T05:00:00Z"), utc("2025-10-26T00:00:00Z"), utc("2025-04-06T15:00:00Z")]
TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\t"), max_size=20
)
LINE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=15)


@st.composite
def events(draw: st.DrawFn, index: int, zone: str) -> Event:
    event_zone = draw(st.sampled_from([zone, zone, *ZONES]))
    fields: dict[str, object] = {
        "id": f"e{index}-{draw(st.from_regex(r'[a-z0-9._-]{0,8}', fullmatch=True))}",
        "title": draw(LINE.filter(str.strip)),
        "type": draw(st.none() | LINE),
        "track": draw(st.none() | LINE),
        "location": draw(st.none() | TEXT),
        "description": draw(st.none() | TEXT),
        "url": draw(
            st.none() | st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9/]{0,8}", fullmatch=True)
        ),
        "speakers": draw(st.lists(LINE, max_size=3)),
        "status": draw(st.none() | st.sampled_from(["confirmed", "tentative", "cancelled"])),
        "language": draw(st.none() | st.sampled_from(["en", "de-CH", "zh-Hant-TW"])),
    }
    if draw(st.booleans()) and event_zone == zone:
        day = draw(st.dates(dt.date(2000, 1, 1), dt.date(2045, 12, 31)))
        return Event(start=day, end=day + dt.timedelta(days=draw(st.integers(1, 4))), **fields)  # type: ignore[arg-type]
    near = st.builds(
        lambda c, m: c + dt.timedelta(minutes=m), st.sampled_from(CHANGES), st.integers(-180, 180)
    )
    anywhere = st.datetimes(
        dt.datetime(2000, 1, 1), dt.datetime(2045, 12, 31), timezones=st.just(UTC)
    )
    instant = draw(near | anywhere).replace(second=0, microsecond=0)
    length = dt.timedelta(minutes=draw(st.integers(1, 36 * 60)))
    start = zones.from_instant(instant, event_zone)
    return Event(start=start, end=zones.from_instant(instant + length, event_zone), **fields)  # type: ignore[arg-type]


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = draw(st.sampled_from(ZONES))
    count = draw(st.integers(1, 5))  # events.json without events is refused: an empty feed
    return Schedule(
        name=draw(LINE.filter(str.strip)),
        timezone=zone,
        events=[draw(events(i, zone)) for i in range(count)],
        description=draw(st.none() | TEXT),
        url=draw(st.none() | st.just("https://conf.example/programme")),
        uid_domain=draw(st.none() | st.just("conf.example")),
        day_change=dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59))),
        dtstamp=draw(
            st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2045, 1, 1), timezones=st.just(UTC))
        ).replace(microsecond=0),
    )


def _zone(event: Event, calendar_zone: str) -> str | None:
    if not isinstance(event.start, dt.datetime):
        return None
    return zones.zone_name(event.start) or calendar_zone


# conftest's autouse fixture only removes SOURCE_DATE_EPOCH, which no example puts back.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(schedules())
def test_events_json_round_trips(schedule: Schedule) -> None:
    again = confcal.loads(confcal.dumps(schedule))
    original = sorted(schedule.events, key=lambda e: e.id)
    assert sorted(again.events, key=lambda e: e.id) == original
    assert again == attrs.evolve(schedule, events=again.events)
    zone = schedule.timezone
    assert [_zone(e, zone) for e in sorted(again.events, key=lambda e: e.id)] == [
        _zone(e, zone) for e in original
    ]
