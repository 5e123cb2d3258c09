"""events.json into a Schedule: the programme's wall-clock times, as printed."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

import confcal

UTC = dt.UTC


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
    assert isinstance(event.end, dt.datetime)
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
    assert event.start.astimezone(UTC) == dt.datetime(2024, 11, 18, 10, 21, tzinfo=UTC)  # type: ignore[union-attr]


def test_status_is_read_case_insensitively() -> None:
    (event,) = confcal.loads(document(one(status="Cancelled"))).events
    assert event.status == "cancelled"


def test_dtstamp_comes_from_source_date_epoch_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one(), updated="2024-11-14T00:00:00Z"), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert confcal.load(path).dtstamp == dt.datetime.fromtimestamp(1700000000, UTC)


def test_loads_never_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    stamp = dt.datetime(2024, 1, 2, tzinfo=UTC)
    assert confcal.loads(document(one())).dtstamp == dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert confcal.loads(document(one()), dtstamp=stamp).dtstamp == stamp
    updated = document(one(), updated="2024-11-14T00:00:00Z")
    assert confcal.loads(updated, dtstamp=stamp).dtstamp == dt.datetime(2024, 11, 14, tzinfo=UTC)


def test_load_with_a_dtstamp_reads_neither_the_environment_nor_the_file_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert confcal.load(path, dtstamp=epoch).dtstamp == epoch


def test_dtstamp_comes_from_calendar_updated_without_source_date_epoch() -> None:
    schedule = confcal.loads(document(one(), updated="2024-11-14T09:00:00+01:00"))
    assert schedule.dtstamp == dt.datetime(2024, 11, 14, 8, 0, tzinfo=UTC)


def test_dtstamp_comes_from_the_file_modification_time_last(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    os.utime(path, (1600000000, 1600000000))
    assert confcal.load(path).dtstamp == dt.datetime.fromtimestamp(1600000000, UTC)


def test_dtstamp_never_comes_from_the_clock() -> None:
    assert confcal.loads(document(one())).dtstamp == dt.datetime(1970, 1, 1, tzinfo=UTC)


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
