"""Hostile and messy variants of the files issue 15 repairs, each pinning what an organizer
would expect (found by a tester; each fails on the commit it was written against).

Each file is written here in both pretalx/frab syntaxes where the case applies to both, so the
JSON and XML readers are held to one behaviour.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from click.testing import CliRunner

import confcal
from confcal.cli import cli
from confcal.errors import InvalidInput
from confcal.model import Event
from conftest import read

UTC = dt.UTC


def _talk(date: str, title: str = "Talk", room: str = "Room 1", **fields: Any) -> dict[str, Any]:
    return {"date": date, "duration": "00:30", "room": room, "title": title, **fields}


def _days(talks: list[dict[str, Any]]) -> list[tuple[str, dict[str, list[dict[str, Any]]]]]:
    days: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for talk in talks:
        days.setdefault(talk["date"][:10], {}).setdefault(talk["room"], []).append(talk)
    return sorted(days.items())


def _json(talks: list[dict[str, Any]], zone: str = "Europe/Berlin") -> str:
    listed = [
        {"index": n, "date": day, "rooms": rooms}
        for n, (day, rooms) in enumerate(_days(talks), start=1)
    ]
    document = {"title": "Conf", "time_zone_name": zone, "days": listed}
    return json.dumps({"schedule": {"version": "1", "conference": document}})


def _xml(talks: list[dict[str, Any]], zone: str = "Europe/Berlin") -> str:
    lines = [
        "<schedule><conference><title>Conf</title>",
        f"<time_zone_name>{zone}</time_zone_name></conference>",
    ]
    for n, (day, rooms) in enumerate(_days(talks), start=1):
        lines.append(f'<day index="{n}" date="{day}">')
        for room, listed in rooms.items():
            lines.append(f"<room name={quoteattr(room)}>")
            for talk in listed:
                ids = "".join(
                    f" {key}={quoteattr(str(talk[key]))}" for key in ("id", "guid") if key in talk
                )
                fields = "".join(
                    f"<{key}>{escape(str(value))}</{key}>"
                    for key, value in talk.items()
                    if key not in ("id", "guid")
                )
                lines.append(f"<event{ids}>{fields}<start>{talk['date'][11:16]}</start></event>")
            lines.append("</room>")
        lines.append("</day>")
    lines.append("</schedule>")
    return "\n".join(lines)


SYNTAXES = pytest.mark.parametrize("write", [_json, _xml], ids=["json", "xml"])
Write = Callable[..., str]


def test_both_syntaxes_of_a_messy_file_give_the_same_calendar_and_warnings() -> None:
    """The writers above hold the two readers to one behaviour (this one holds already)."""
    talks = [
        _talk("2025-03-27T10:00:00+01:00", "", guid="u"),
        _talk("2025-03-27T11:00:00+01:00", "Meetup", guid="m"),
        _talk("2025-03-28T11:00:00+01:00", "Meetup", guid="m"),
    ]
    from_json, from_xml = read(_json(talks)), read(_xml(talks))
    assert confcal.to_ical(from_json.schedule) == confcal.to_ical(from_xml.schedule)
    assert from_json.warnings == from_xml.warnings and len(from_json.warnings) == 2


def _starts(schedule: confcal.Schedule) -> dict[str, dt.datetime]:
    return {
        e.id: e.start.astimezone(UTC) for e in schedule.events if isinstance(e.start, dt.datetime)
    }


# --- Offsets that disagree with the zone ----------------------------------------------------------

# A Montreal conference over the weekend its clocks go back (2019-11-03), every date written
# with +00:00: Saturday's are 4 h off, Sunday's 5 h; no session agrees with the zone.
MONTREAL_ACROSS_DST = [
    _talk(f"2019-11-{day}T{hour}:00:00+00:00", f"Talk {day} {hour}", guid=f"g{day}{hour}")
    for day in ("02", "03")
    for hour in ("09", "14")
]


@SYNTAXES
def test_offsets_wrong_for_every_session_across_a_clock_change_give_the_printed_times(
    write: Write,
) -> None:
    imported = read(write(MONTREAL_ACROSS_DST, "America/Montreal"))
    starts = _starts(imported.schedule)
    assert starts["g0209"] == dt.datetime(2019, 11, 2, 13, tzinfo=UTC)  # 09:00 EDT
    assert starts["g0309"] == dt.datetime(2019, 11, 3, 14, tzinfo=UTC)  # 09:00 EST


@SYNTAXES
def test_a_warning_never_says_most_sessions_agree_when_none_does(write: Write) -> None:
    imported = read(write(MONTREAL_ACROSS_DST, "America/Montreal"))
    assert not any("most sessions agree" in w.message for w in imported.warnings)


@SYNTAXES
def test_trust_clock_on_a_correct_file_with_a_session_in_the_repeated_hour_changes_nothing(
    write: Write,
) -> None:
    talks = [
        _talk("2024-10-27T02:30:00+02:00", "First 02:30", guid="a"),
        _talk("2024-10-27T02:30:00+01:00", "Second 02:30", guid="b"),
        _talk("2024-10-27T10:00:00+01:00", guid="c"),
    ]
    by_offsets = read(write(talks))
    by_clock = read(write(talks), trust="clock")
    assert _starts(by_clock.schedule) == _starts(by_offsets.schedule)
    assert _starts(by_clock.schedule)["b"] == dt.datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


@SYNTAXES
def test_a_clock_read_file_with_a_session_in_the_repeated_hour_takes_the_offset_that_fits(
    write: Write,
) -> None:
    """A Spanish file writing +0100 all October: its 02:30 party on the night the clocks go back
    is one of the two 02:30s, and +0100 says which."""
    talks = [
        _talk(f"2019-10-{day}T{hour}:30:00+0100", guid=f"s{day}{hour}")
        for day in ("25", "26")
        for hour in ("10", "17")
    ]
    talks.append(_talk("2019-10-27T02:30:00+0100", "Party", guid="party"))
    imported = read(write(talks, "Europe/Madrid"))
    assert _starts(imported.schedule)["party"] == dt.datetime(2019, 10, 27, 1, 30, tzinfo=UTC)


@SYNTAXES
def test_a_clock_read_file_with_a_session_in_the_spring_gap_is_not_refused(write: Write) -> None:
    """Montreal file with +00:00 everywhere: confcal chose to read the printed times, and one
    printed time (02:30 on the night the clocks skip it) does not exist. The file still has an
    instant for it; the organizer cannot fix the export: keep the session, with a warning."""
    talks = [
        _talk(f"2019-03-09T{hour}:00:00+00:00", guid=f"g{hour}") for hour in ("09", "10", "11")
    ]
    talks.append(_talk("2019-03-10T02:30:00+00:00", "Night", guid="night"))
    imported = read(write(talks, "America/Montreal"))
    assert "night" in _starts(imported.schedule)
    assert any("Night" in w.message for w in imported.warnings)


# --- Messages -------------------------------------------------------------------------------------


@SYNTAXES
def test_errors_in_rows_that_share_a_guid_name_each_row_by_its_date(write: Write) -> None:
    """The issue's complaint: the same line printed once per slot, no date or room to find them."""
    talks = [
        _talk(f"2025-03-{day}T14:00:00+01:00", "Meetup", guid="g", duration="soon")
        for day in ("26", "27", "28")
    ]
    with pytest.raises(InvalidInput) as caught:
        read(write(talks))
    lines = [str(problem) for problem in caught.value.problems]
    assert len(set(lines)) == len(lines) == 3
    assert all(
        f"2025-03-{day}" in line for day, line in zip(("26", "27", "28"), lines, strict=True)
    )


@SYNTAXES
def test_rows_without_ids_in_one_slot_are_not_said_to_be_in_several_slots(write: Write) -> None:
    talks = [
        _talk("2025-03-27T10:00:00+01:00", abstract="First version"),
        _talk("2025-03-27T10:00:00+01:00", abstract="Second version"),
    ]
    imported = read(write(talks))
    assert len(imported.schedule.events) == 2
    assert not any("in several slots" in w.message for w in imported.warnings)
    assert not any("under one id" in w.message for w in imported.warnings)  # the file has none


def test_ics_rows_without_uid_in_one_slot_are_not_said_to_share_a_uid() -> None:
    event = [
        "BEGIN:VEVENT", "DTSTAMP:20250101T000000Z", "DTSTART:20250327T090000Z",
        "DTEND:20250327T093000Z", "SUMMARY:Talk",
    ]  # fmt: skip
    text = "\r\n".join(
        [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", "X-WR-CALNAME:Conf",
            *event, "DESCRIPTION:one", "END:VEVENT", *event, "DESCRIPTION:two", "END:VEVENT",
            "END:VCALENDAR", "",
        ]
    )  # fmt: skip
    imported = read(text, timezone="Europe/Berlin")
    assert len(imported.schedule.events) == 2
    assert not any("under one UID" in w.message for w in imported.warnings)


@SYNTAXES
def test_a_shared_id_is_said_with_an(write: Write) -> None:
    talks = [
        _talk("2025-03-27T10:00:00+01:00", "First", id=18),
        _talk("2025-03-27T11:00:00+01:00", "Second", id=18),
    ]
    (warning,) = read(write(talks)).warnings
    assert "sharing an id" in warning.message


@SYNTAXES
def test_warnings_come_in_the_same_order_whatever_the_order_of_the_file(write: Write) -> None:
    talks = [
        _talk("2025-03-27T10:00:00+01:00", "", guid="u"),
        _talk("2025-03-27T11:00:00+01:00", "Meetup", guid="m"),
        _talk("2025-03-27T12:00:00+01:00", "Meetup", guid="m"),
        _talk("2025-03-27T13:00:00+01:00", "Html", abstract="<p>hi</p>", guid="h"),
    ]
    forwards = [w.message for w in read(write(talks)).warnings]
    backwards = [w.message for w in read(write(talks[::-1])).warnings]
    assert forwards == backwards


@SYNTAXES
def test_a_row_listed_twice_is_counted_once_in_the_other_warnings(write: Write) -> None:
    talk = _talk("2025-03-27T10:00:00+01:00", "Html", abstract="<p>hi</p>", guid="h")
    imported = read(write([talk, talk]))
    (html,) = [w.message for w in imported.warnings if "HTML" in w.message]
    assert html.startswith("1 session with an HTML abstract")


# --- Text a calendar cannot hold ------------------------------------------------------------------


def test_a_control_character_in_an_abstract_is_repaired_not_refused() -> None:
    """A vertical tab pasted from a PDF into pretalx: the file is the publisher's, not the
    organizer's to fix; the rest of the programme must still publish."""
    talk = _talk("2025-03-27T10:00:00+01:00", guid="g", abstract="Line one\x0bline two\x0c")
    imported = read(_json([talk]))
    (event,) = imported.schedule.events
    assert event.description is not None and "\x0b" not in event.description
    assert imported.warnings


# --- Size -----------------------------------------------------------------------------------------


def test_duplicate_rows_are_found_without_comparing_every_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """2,000 rows, each slot listed twice under one guid: finding the twins takes a number of
    comparisons in proportion to the rows, not their square (it was 2,000,000)."""
    base = dt.datetime(2025, 6, 2, 8)
    talks = [
        _talk(f"{(base + dt.timedelta(minutes=5 * (n // 2))).isoformat()}+09:00", guid="g")
        for n in range(2000)
    ]
    data = _json(talks, "Asia/Tokyo")
    compared = 0
    original = Event.__eq__

    def counting(self: Event, other: object) -> bool:
        nonlocal compared
        compared += 1
        return original(self, other)

    monkeypatch.setattr(Event, "__eq__", counting)
    imported = read(data)
    assert len(imported.schedule.events) == 1000
    assert compared < 20 * len(talks)


# --- The command line -----------------------------------------------------------------------------


def test_check_of_a_shared_guid_with_bad_rows_prints_distinct_lines(tmp_path: Path) -> None:
    talks = [
        _talk(f"2025-03-{day}T14:00:00+01:00", "Meetup", guid="g", duration="soon")
        for day in ("26", "27")
    ]
    path = tmp_path / "schedule.json"
    path.write_text(_json(talks), "utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == len(set(lines)) == 2
