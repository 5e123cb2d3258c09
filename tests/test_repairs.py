"""What confcal repairs in a pretalx/frab file someone else published, and how it says so.

Each case is a small file written here in the shape a real export had (pretalx's one guid in
several slots, a wafer export without guids, a Montreal file whose every date says +00:00, a
Spanish one writing +0100 in October). The rule they pin: nothing the organizer cannot fix is
refused, every repair is the same on every run and in any order of the file, and each kind is
said in one warning line.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import confcal
from confcal.cli import cli
from confcal.errors import InvalidInput
from conftest import read

UTC = dt.UTC


def _talk(date: str, title: str = "Talk", room: str = "Room 1", **fields: Any) -> dict[str, Any]:
    return {"date": date, "duration": "00:30", "room": room, "title": title, **fields}


def _pretalx(talks: list[dict[str, Any]], zone: str = "Europe/Berlin", **conference: Any) -> str:
    """A pretalx schedule.json with ``talks``, each in its room, under the day of its date."""
    days: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for talk in talks:
        days.setdefault(talk["date"][:10], {}).setdefault(talk["room"], []).append(talk)
    listed = [
        {"index": n, "date": day, "rooms": rooms}
        for n, (day, rooms) in enumerate(sorted(days.items()), start=1)
    ]
    document = {"title": "Conf", "time_zone_name": zone, "days": listed, **conference}
    return json.dumps({"schedule": {"version": "1", "conference": document}})


def _starts(schedule: confcal.Schedule) -> dict[str, dt.datetime]:
    return {
        e.id: e.start.astimezone(UTC) for e in schedule.events if isinstance(e.start, dt.datetime)
    }


# --- One guid, several sessions -------------------------------------------------------------------


MEETUP = [
    _talk(f"2025-03-{day}T14:00:00+01:00", "Meetup", guid="meetup-guid", id=7)
    for day in ("26", "27", "28", "29")
]


def test_one_guid_in_four_slots_gives_four_sessions_numbered_in_time_order() -> None:
    shuffled = [MEETUP[2], MEETUP[0], MEETUP[3], MEETUP[1]]
    imported = read(_pretalx([*shuffled, _talk("2025-03-27T10:00:00+01:00", guid="other")]))
    starts = _starts(imported.schedule)
    assert [starts[i].isoformat() for i in ("meetup-guid", "meetup-guid-2", "meetup-guid-3")] == [
        "2025-03-26T13:00:00+00:00",
        "2025-03-27T13:00:00+00:00",
        "2025-03-28T13:00:00+00:00",
    ]
    assert starts["meetup-guid-4"].day == 29
    (warning,) = imported.warnings
    assert warning.message == (
        "3 sessions scheduled in several slots under one guid, each kept, the later ones with the "
        'id suffixed -2, -3... by start: 2025-03-27 14:00 "Room 1" "Meetup" as "meetup-guid-2"; '
        '2025-03-28 14:00 "Room 1" "Meetup" as "meetup-guid-3"; '
        '2025-03-29 14:00 "Room 1" "Meetup" as "meetup-guid-4"'
    )


def test_rows_with_one_id_and_different_content_are_both_kept_with_distinct_ids() -> None:
    talks = [
        _talk("2025-03-27T11:00:00+01:00", "Second talk", id=18),
        _talk("2025-03-27T10:00:00+01:00", "First talk", id=18),
    ]
    imported = read(_pretalx(talks))
    assert {e.id: e.title for e in imported.schedule.events} == {
        "18": "First talk",
        "18-2": "Second talk",
    }
    # A file without guids names its ids as the file does: "id", not "guid".
    (warning,) = imported.warnings
    assert warning.message.startswith("1 session sharing an id with other sessions that differ")


def test_an_exact_duplicate_row_is_kept_once() -> None:
    talk = _talk("2025-03-27T10:00:00+01:00", guid="g")
    imported = read(_pretalx([talk, talk, talk]))
    assert [e.id for e in imported.schedule.events] == ["g"]
    assert [w.message.partition(":")[0] for w in imported.warnings] == [
        "1 session listed more than once, the same in every field, kept once"
    ]


# --- No guid, no id, no title ---------------------------------------------------------------------


def test_sessions_without_guid_or_id_get_stable_ids_from_title_date_and_room() -> None:
    talks = [
        _talk("2025-03-27T10:00:00+01:00", "Opening"),
        _talk("2025-03-27T10:00:00+01:00", "Opening", room="Room 2"),
        _talk("2025-03-27T11:00:00+01:00", "Keynote"),
    ]
    first = read(_pretalx(talks))
    again = read(_pretalx(list(reversed(talks))))
    assert sorted(e.id for e in first.schedule.events) == sorted(
        e.id for e in again.schedule.events
    )
    ids = {e.location: e.id for e in first.schedule.events if e.title == "Opening"}
    assert ids["Room 1"] != ids["Room 2"] and ids["Room 1"].startswith("opening-")
    (warning,) = first.warnings
    assert warning.message.startswith(
        "3 sessions with neither a guid nor an id, given an id made of their title, date and room"
    )


def test_convert_takes_a_file_without_guids_over_to_an_events_json(tmp_path: Path) -> None:
    source = tmp_path / "schedule.json"
    source.write_text(_pretalx([_talk("2025-03-27T10:00:00+01:00", "Opening")]), "utf-8")
    result = CliRunner().invoke(cli, ["convert", str(source), "-o", str(tmp_path / "events.json")])
    assert result.exit_code == 0, result.output
    assert "with neither a guid nor an id" in result.stderr
    converted = confcal.load(tmp_path / "events.json")
    assert [e.title for e in converted.events] == ["Opening"]


def test_an_untitled_row_is_kept_with_its_room_and_time_and_a_placeholder_title() -> None:
    imported = read(_pretalx([_talk("2025-03-27T10:00:00+01:00", "", guid="g")]))
    (event,) = imported.schedule.events
    assert (event.title, event.location) == ("Untitled session", "Room 1")
    assert [w.message for w in imported.warnings] == [
        "1 session without a title, titled 'Untitled session': 2025-03-27 10:00 \"Room 1\""
    ]


# --- UTC offsets that disagree with the zone ------------------------------------------------------

MONTREAL = [
    _talk(f"2019-06-{day}T{hour}:00:00+00:00", f"Talk {day} {hour}", guid=f"g{day}{hour}")
    for day in ("12", "13")
    for hour in ("09", "10", "14")
]


def test_offsets_wrong_for_every_session_give_the_printed_local_times() -> None:
    imported = read(_pretalx(MONTREAL, "America/Montreal"))
    starts = _starts(imported.schedule)
    assert starts["g1209"] == dt.datetime(2019, 6, 12, 13, tzinfo=UTC)  # 09:00 EDT
    assert starts["g1314"] == dt.datetime(2019, 6, 13, 18, tzinfo=UTC)
    (warning,) = imported.warnings
    assert warning.message.startswith(
        "6 sessions whose date's UTC offset is not that of America/Montreal at the time it "
        "prints (the offset moves them 4 h earlier): published at the printed time in "
        "America/Montreal, as most sessions disagree by that much; --trust offsets keeps the "
        "offsets' instants: 2019-06-12 09:00"
    )


def test_trust_offsets_keeps_the_files_instants() -> None:
    imported = read(_pretalx(MONTREAL, "America/Montreal"), trust="offsets")
    assert _starts(imported.schedule)["g1209"] == dt.datetime(2019, 6, 12, 9, tzinfo=UTC)
    (warning,) = imported.warnings
    assert "published at the offset's instant, as asked (--trust offsets)" in warning.message


def test_a_spanish_file_writing_winter_offsets_in_october_publishes_the_printed_times() -> None:
    talks = [
        _talk(f"2019-10-{day}T{hour}:30:00+0100", guid=f"s{day}{hour}")
        for day in ("17", "18", "19")
        for hour in ("10", "12", "17")
    ]
    imported = read(_pretalx(talks, "Europe/Madrid"))
    assert _starts(imported.schedule)["s1710"] == dt.datetime(2019, 10, 17, 8, 30, tzinfo=UTC)
    (warning,) = imported.warnings
    assert "(the offset moves them 1 h later): published at the printed time" in warning.message


def test_one_online_talk_from_new_york_keeps_its_instant() -> None:
    talks = [
        _talk("2025-02-01T10:00:00+01:00", guid="a"),
        _talk("2025-02-01T11:00:00+01:00", guid="b"),
        _talk("2025-02-01T12:00:00-05:00", "Remote", guid="remote"),
    ]
    imported = read(_pretalx(talks, "Europe/Brussels"))
    assert _starts(imported.schedule)["remote"] == dt.datetime(2025, 2, 1, 17, tzinfo=UTC)
    (warning,) = imported.warnings
    assert "(the offset moves them 6 h later): published at the offset's instant" in (
        warning.message
    )
    assert "--trust clock publishes the printed times" in warning.message
    clock = read(_pretalx(talks, "Europe/Brussels"), trust="clock")
    assert _starts(clock.schedule)["remote"] == dt.datetime(2025, 2, 1, 11, tzinfo=UTC)


def test_a_zone_given_with_timezone_reads_the_printed_times() -> None:
    imported = read(_pretalx(MONTREAL[:1], "UTC"), timezone="America/Montreal")
    assert _starts(imported.schedule)["g1209"] == dt.datetime(2019, 6, 12, 13, tzinfo=UTC)
    assert any("as the zone was given with --timezone" in w.message for w in imported.warnings)


def test_a_file_named_utc_with_local_offsets_keeps_the_offsets() -> None:
    talks = [_talk(f"2020-12-14T{h}:00:00+01:00", guid=f"u{h}") for h in ("09", "10")]
    imported = read(_pretalx(talks, "UTC"))
    assert _starts(imported.schedule)["u09"] == dt.datetime(2020, 12, 14, 8, tzinfo=UTC)
    (warning,) = imported.warnings
    assert "as UTC has no offsets of its own" in warning.message


def test_the_day_change_is_read_like_the_sessions() -> None:
    """Day boundaries written with the same wrong offset begin at the printed time too."""
    day = {
        "index": 2, "date": "2019-06-13", "day_start": "2019-06-13T08:00:00+00:00",
        "rooms": {"Room 1": [_talk("2019-06-13T09:00:00+00:00", guid="x")]},
    }  # fmt: skip
    first = {"index": 1, "date": "2019-06-12", "rooms": {"Room 1": MONTREAL[:3]}}
    conference = {"title": "C", "time_zone_name": "America/Montreal", "days": [first, day]}
    imported = read(json.dumps({"schedule": {"conference": conference}}))
    assert imported.schedule.day_change == dt.time(8, 0)


# --- Messages -------------------------------------------------------------------------------------


def test_a_title_with_line_breaks_names_its_event_on_one_line() -> None:
    talk = _talk("2025-03-27T10:00:00+01:00", "Two\r\nlines", duration="soon")
    with pytest.raises(InvalidInput) as caught:
        read(_pretalx([talk]))
    (problem,) = caught.value.problems
    assert problem.event == '2025-03-27 10:00 "Room 1" "Two\\r\\nlines"'
    assert "\n" not in str(problem) and "\r" not in str(problem)


def test_an_event_with_an_id_is_named_by_it_not_by_its_position() -> None:
    talk = _talk("2025-03-27T10:00:00+01:00", duration="soon", id=18)
    with pytest.raises(InvalidInput) as caught:
        read(_pretalx([talk]))
    assert caught.value.problems[0].event == '"18"'


# --- The command line: --strict, -q, --trust -----------------------------------------------------


@pytest.fixture
def meetup(tmp_path: Path) -> Path:
    path = tmp_path / "schedule.json"
    path.write_text(_pretalx(MEETUP), "utf-8")
    return path


def test_strict_refuses_a_file_that_needs_repairs_and_writes_nothing(
    meetup: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.ics"
    result = CliRunner().invoke(cli, ["export", str(meetup), "--strict", "-o", str(output)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "scheduled in several slots under one guid" in result.stderr
    assert not output.exists()


def test_quiet_silences_warnings_and_nothing_else(meetup: Path) -> None:
    loud = CliRunner().invoke(cli, ["check", str(meetup)])
    quiet = CliRunner().invoke(cli, ["check", str(meetup), "-q"])
    assert loud.stderr.count("\n") == 1 and loud.stderr.startswith("warning: ")
    assert (quiet.exit_code, quiet.stderr, quiet.stdout) == (0, "", loud.stdout)


def test_trust_is_said_to_be_ignored_for_events_json(seed_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(seed_path), "--trust", "clock"])
    assert result.exit_code == 0
    assert "ignored --trust clock" in result.stderr


def test_the_library_refuses_an_unknown_trust() -> None:
    with pytest.raises(InvalidInput, match="trust"):
        confcal.loads(_pretalx(MEETUP), trust="printed")  # type: ignore[arg-type]


# --- The same file in any order -------------------------------------------------------------------

MESSY = [
    *MEETUP,
    _talk("2025-03-27T10:00:00+01:00", "Opening"),
    _talk("2025-03-27T10:00:00+01:00", "Opening"),
    _talk("2025-03-27T10:00:00+01:00", "Opening", room="Room 2"),
    _talk("2025-03-28T10:00:00+01:00", "", guid="untitled"),
    _talk("2025-03-28T11:00:00+01:00", "Lightning", id=5),
    _talk("2025-03-28T12:00:00+01:00", "More lightning", id=5),
    _talk("2025-03-28T13:00:00+01:00", "Café", guid="café"),
]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_any_order_of_a_messy_file_gives_the_same_calendar_and_warnings(seed: int) -> None:
    shuffled = list(MESSY)
    random.Random(seed).shuffle(shuffled)
    reference, again = read(_pretalx(MESSY)), read(_pretalx(shuffled))
    assert confcal.to_ical(again.schedule) == confcal.to_ical(reference.schedule)
    assert sorted(w.message for w in again.warnings) == sorted(
        w.message for w in reference.warnings
    )
