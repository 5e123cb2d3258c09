"""``loads(dumps(schedule))`` gives the schedule back: every field, and every event in its zone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytz
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import confcal
from confcal import zones
from confcal.cli import cli
from confcal.model import DEFAULT_REFRESH, Event, Schedule

UTC = dt.UTC
FIXTURES = Path(__file__).resolve().parent / "frab"
CALENDAR_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Etc/UTC"]
# An event's own zone: an IANA one, or UTC in the forms Python code may build it with.
EVENT_ZONES = ["Asia/Kolkata", "Europe/Dublin", "UTC", "pytz.utc", "datetime.UTC"]
CHANGES = [dt.datetime(2025, 11, 2, 5, 0, tzinfo=UTC), dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)]
LINE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12)
TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\t"), max_size=20
)


def _in_zone(instant: dt.datetime, zone: str) -> dt.datetime:
    if zone == "pytz.utc":
        return instant.astimezone(pytz.utc)
    if zone == "datetime.UTC":
        return instant.astimezone(UTC)
    return zones.from_instant(instant, zone)


@st.composite
def events(draw: st.DrawFn, index: int, calendar_zone: str) -> Event:
    fields: dict[str, object] = {
        "id": f"e{index}-{draw(st.from_regex(r'[A-Za-z0-9._-]{0,6}', fullmatch=True))}",
        "title": draw(LINE.filter(str.strip)),
        "type": draw(st.none() | LINE),
        "track": draw(st.none() | LINE),
        "location": draw(st.none() | TEXT),
        "description": draw(st.none() | TEXT),
        "url": draw(st.none() | st.just("https://conf.example/talk/1")),
        "speakers": draw(st.lists(LINE, max_size=3)),
        "status": draw(st.none() | st.sampled_from(["confirmed", "tentative", "cancelled"])),
        "language": draw(st.none() | st.sampled_from(["en", "de-CH", "zh-Hant-TW"])),
    }
    if draw(st.integers(0, 3)) == 0:
        day = draw(st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)))
        end = day + dt.timedelta(days=draw(st.integers(1, 3)))
        return Event(start=day, end=end, **fields)  # type: ignore[arg-type]
    zone = draw(st.sampled_from([calendar_zone, calendar_zone, *EVENT_ZONES]))
    near = st.builds(
        lambda c, s: c + dt.timedelta(seconds=s),
        st.sampled_from(CHANGES),
        st.integers(-7200, 7200),
    )
    anywhere = st.datetimes(
        dt.datetime(1990, 1, 1), dt.datetime(2060, 12, 31), timezones=st.just(UTC)
    )
    instant = draw(near | anywhere).replace(microsecond=0)
    length = dt.timedelta(seconds=draw(st.integers(1, 30 * 3600)))
    start = _in_zone(instant, zone)
    return Event(start=start, end=_in_zone(instant + length, zone), **fields)  # type: ignore[arg-type]


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = draw(st.sampled_from(CALENDAR_ZONES))
    stamp = draw(
        st.just(confcal.model.EPOCH)
        | st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2100, 1, 1), timezones=st.just(UTC))
    )
    return Schedule(
        name=draw(LINE.filter(str.strip)),
        timezone=zone,
        # At least one: events.json without events is refused (an empty feed).
        events=[draw(events(i, zone)) for i in range(draw(st.integers(1, 4)))],
        description=draw(st.none() | TEXT),
        url=draw(st.none() | st.just("https://conf.example/programme")),
        uid_domain=draw(st.none() | st.just("conf.example")),
        day_change=dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59))),
        dtstamp=stamp,
        refresh=draw(
            st.just(DEFAULT_REFRESH)
            | st.builds(dt.timedelta, seconds=st.integers(1, 40 * 86400))
            | st.sampled_from([dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(weeks=1)])
        ),
    )


def _written_zones(schedule: Schedule) -> dict[str, str | None]:
    """Each timed event's zone as the calendars write it (``None``: in UTC)."""
    return {
        e.id: zones.zone_name(e.start) for e in schedule.events if isinstance(e.start, dt.datetime)
    }


@settings(max_examples=80, deadline=None)
@given(schedules())
def test_every_field_and_every_events_zone_round_trip(schedule: Schedule) -> None:
    again = confcal.loads(confcal.dumps(schedule))
    assert again == attrs.evolve(schedule, events=schedule.sorted_events())
    assert _written_zones(again) == _written_zones(schedule)


def _timed(start: dt.datetime, **fields: object) -> Event:
    return Event(id="e", title="T", start=start, end=start + dt.timedelta(hours=1), **fields)  # type: ignore[arg-type]


def test_refresh_of_an_hour_comes_back_as_an_hour() -> None:
    start = dt.datetime(2025, 3, 29, 9, 0, tzinfo=pytz.utc)
    schedule = Schedule(
        name="C", timezone="Europe/Berlin", refresh=dt.timedelta(hours=1), events=[_timed(start)]
    )
    written = json.loads(confcal.dumps(schedule))
    assert written["calendar"]["refresh"] == "PT1H"
    assert confcal.loads(confcal.dumps(schedule)).refresh == dt.timedelta(hours=1)


def test_an_event_in_utc_stays_in_utc_written_with_z() -> None:
    start = dt.datetime(2025, 3, 29, 9, 0, tzinfo=pytz.utc)
    schedule = Schedule(name="C", timezone="Europe/Berlin", events=[_timed(start)])
    (written,) = json.loads(confcal.dumps(schedule))["events"]
    assert (written["start"], written["end"], written["timezone"]) == (
        "2025-03-29T09:00Z",
        "2025-03-29T10:00Z",
        "UTC",
    )
    again = confcal.loads(confcal.dumps(schedule))
    assert confcal.to_ical(again) == confcal.to_ical(schedule)


def test_convert_writes_updated_only_when_the_input_has_it(tmp_path: Path) -> None:
    output = tmp_path / "events.json"
    result = CliRunner().invoke(cli, ["convert", str(FIXTURES / "schedule.xml"), "-o", str(output)])
    assert result.exit_code == 0, result.stderr
    assert "updated" not in json.loads(output.read_text("utf-8"))["calendar"]
    again = tmp_path / "again.json"
    written = json.loads(output.read_text("utf-8"))
    written["calendar"]["updated"] = "2025-01-02T03:04:05Z"
    output.write_text(json.dumps(written), "utf-8")
    result = CliRunner().invoke(cli, ["convert", str(output), "-o", str(again)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(again.read_text("utf-8"))["calendar"]["updated"] == "2025-01-02T03:04:05Z"
