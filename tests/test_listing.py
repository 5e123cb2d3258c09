"""``confcal list`` and confcal.listing: the programme as a table, by day, in any zone."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import confcal
from confcal.cli import cli
from confcal.listing import programme, table

DATA = Path(__file__).parent / "data" / "workflow.json"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def times(schedule: confcal.Schedule, zone: str | None = None) -> dict[str, str]:
    """Each event as ``day start`` (``day all-day``) for each day the listing shows it on."""
    shown: dict[str, list[str]] = {}
    for day in programme(schedule, zone):
        for row in day.rows:
            when = "all-day" if row.start is None else f"{row.start:%H:%M}"
            shown.setdefault(row.event.id, []).append(f"{day.date} {when}")
    return {event_id: ", ".join(days) for event_id, days in shown.items()}


def test_days_are_conference_days_in_the_conference_zone() -> None:
    shown = times(confcal.load(DATA))
    assert shown["opening"] == "2025-03-27 09:00"
    # Days change at 04:00: the 01:00 party is on the 27th's programme.
    assert shown["late-party"] == "2025-03-27 01:00"
    assert shown["exhibition"] == "2025-03-27 all-day, 2025-03-28 all-day, 2025-03-29 all-day"


def test_another_zone_groups_by_its_own_dates() -> None:
    shown = times(confcal.load(DATA), "America/Los_Angeles")
    # 09:00 CET on the 27th is 01:00 PDT (the US is on summer time already, Europe not yet).
    assert shown["opening"] == "2025-03-27 01:00"
    assert shown["late-party"] == "2025-03-27 17:00"
    assert shown["closing"] == "2025-03-29 08:00"  # 16:00 CET
    assert shown["exhibition"].startswith("2025-03-27 all-day")


def test_rows_are_in_programme_order_within_a_day() -> None:
    (first, *_) = programme(confcal.load(DATA))
    assert [r.event.id for r in first.rows] == [
        "exhibition", "opening", "talk-a", "talk-b", "late-party",
    ]  # fmt: skip


def test_times_are_right_after_2037(tmp_path: Path) -> None:
    # pytz stops knowing DST after 2037; the listing converts through zoneinfo.
    path = tmp_path / "events.json"
    path.write_text(
        json.dumps(
            {
                "calendar": {"name": "Future", "timezone": "America/New_York"},
                "events": [
                    {"id": "a", "title": "A", "start": "2040-07-04T10:00", "duration": "PT1H"}
                ],
            }
        )
    )
    (day,) = programme(confcal.load(path), "Europe/Berlin")
    (row,) = day.rows
    assert row.start is not None
    assert (row.start.hour, row.start.utcoffset()) == (16, dt.timedelta(hours=2))


@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.undo()
    time.tzset()


def test_list_prints_days_times_rooms_types_and_titles(
    monkeypatch: pytest.MonkeyPatch, machine_zone: None
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # the machine's zone plays no part
    time.tzset()
    result = run("list", DATA)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Workflow Conf 2025 (times in Europe/Berlin)",
        "",
        "Thu 2025-03-27",
        "  all day          Foyer   Exhibition  Exhibition",
        "  09:00-09:30      Hall A  Keynote     Opening",
        "  10:00-10:45      Room 1  Talk        Talk A",
        "  10:00-10:45      Room 2  talk        Talk B",
        "  Fri 01:00-03:00  Club    Social      Late party",
        "",
        "Fri 2025-03-28",
        "  all day          Foyer   Exhibition  Exhibition",
        "  14:00-17:00      Room 1  Workshop    [cancelled] Workshop X",
        "  18:00-19:00      Room 2  BOF         [tentative] BoF Y",
        "",
        "Sat 2025-03-29",
        "  all day          Foyer   Exhibition  Exhibition",
        "  16:00-17:00      Hall A  Keynote     Closing",
    ]


def test_list_in_the_attendees_zone_marks_sessions_that_end_the_next_day() -> None:
    result = run("list", DATA, "--tz", "Asia/Tokyo", "--type", "social", "--type", "bof")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Workflow Conf 2025 (times in Asia/Tokyo)",
        "",
        "Fri 2025-03-28",
        "  09:00-11:00  Club    Social  Late party",
        "",
        "Sat 2025-03-29",
        "  02:00-03:00  Room 2  BOF     [tentative] BoF Y",
    ]


@pytest.mark.parametrize(
    ("zone", "line"),
    [
        ("Europe/Lisbon", "Fri 2025-03-28\n  00:00-02:00  Club  Social  Late party\n"),
        ("Atlantic/Azores", "Thu 2025-03-27\n  23:00-01:00+1  Club  Social  Late party\n"),
    ],
)
def test_list_marks_a_session_that_ends_on_the_next_date(zone: str, line: str) -> None:
    result = run("list", DATA, "--tz", zone, "--id", "late-party")
    assert result.stdout.endswith(line)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "CET ", "../etc/passwd", ""])
def test_an_unknown_zone_is_a_usage_error_naming_it(zone: str) -> None:
    result = run("list", DATA, "--tz", zone)
    assert result.exit_code == 2
    assert f"unknown time zone {zone!r}" in result.stderr


def test_list_with_a_filter_that_matches_nothing_is_an_error() -> None:
    result = run("list", DATA, "--day", "2025-03-26")
    assert result.exit_code == 1
    assert "--day: 2025-03-26 is not a day of the programme" in result.stderr
    assert result.stdout == ""


def test_list_of_a_bad_programme_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text('{"calendar": {"name": "X", "timezone": "Europe/Berlin"}, "events": [{}]}')
    result = run("list", path)
    assert result.exit_code == 1
    assert f"error: {path}: event #1: id: is required" in result.stderr


@pytest.mark.parametrize("zone", [None, "Asia/Tokyo"])
def test_the_table_is_what_confcal_list_prints(zone: str | None) -> None:
    """The command only prints it: a library caller gets the same table."""
    options = ["--tz", zone] if zone else []
    printed = run("list", DATA, *options).output
    assert printed == table(confcal.load(DATA), zone)
    assert printed.startswith(f"Workflow Conf 2025 (times in {zone or 'Europe/Berlin'})\n")
