"""Reading pretalx/frab schedule.json and schedule.xml, converting them, and writing events.json."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import icalendar
import pytest
from click.testing import CliRunner
from icalendar import vCategory

import confcal
from confcal import zones
from confcal.cli import cli
from confcal.errors import InvalidInput, LoadWarning
from confcal.model import Event, Schedule
from conftest import programmes_dir, read
from ical_props import moment, prop

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "frab"
UTC = dt.UTC


PROGRAMMES = programmes_dir()
needs_programmes = pytest.mark.skipif(PROGRAMMES is None, reason="../shared/programmes is absent")


def load(name: str, *, timezone: str | None = None) -> tuple[Schedule, list[LoadWarning]]:
    warnings: list[LoadWarning] = []
    schedule = confcal.load(FIXTURES / name, on_warning=warnings.append, timezone=timezone)
    return schedule, warnings


def by_id(schedule: Schedule) -> dict[str, Event]:
    return {event.id: event for event in schedule.events}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


# --- The mapping ----------------------------------------------------------------------------------


def test_pretalx_json_maps_every_field() -> None:
    schedule, warnings = load("pretalx.json")
    assert warnings == []
    assert (schedule.name, schedule.timezone) == ("DemoCon 2025", "Europe/Berlin")
    assert schedule.url == "https://pretalx.example.org/democon-2025/schedule/"
    assert schedule.uid_domain == "schedule.democon-2025.pretalx.example.org"
    talk = by_id(schedule)["1f0c9a52-3b7e-5d21-a4c6-0e9f8d7c6b5a"]
    assert talk.title == "Keeping time: Calendars for everyone"
    assert talk.start == utc("2025-03-29T09:00:00Z")
    assert talk.end == utc("2025-03-29T09:45:00Z")
    assert isinstance(talk.start, dt.datetime)
    assert zones.zone_name(talk.start) == "Europe/Berlin"
    assert (talk.type, talk.track, talk.location) == ("Talk", "Infrastructure", "Hall A")
    assert talk.speakers == ("Ada Lovelace", "Grace Hopper")
    assert (
        talk.description
        == "Why calendars drift.\n\nA tour of time zones,\nclock changes and clients."
    )
    assert talk.url == "https://pretalx.example.org/democon-2025/talk/KT11AB/"


def test_empty_fields_are_left_out() -> None:
    schedule, _ = load("pretalx.json")
    late = by_id(schedule)["2e1d8b63-4c8f-5e32-b5d7-1f0a9e8d7c6b"]
    assert late.title == "Late-night hacking"
    assert (late.track, late.description, late.speakers) == (None, None, ())
    xml, _ = load("schedule.xml")
    midnight = by_id(xml)["8ce3ffa3-2053-5f4d-8fc4-f223e5859a53"]
    assert (midnight.title, midnight.url, midnight.track, midnight.description) == (
        "After midnight",
        None,
        None,
        None,
    )


def test_duration_is_elapsed_time_across_the_spring_clock_change() -> None:
    schedule, _ = load("pretalx.json")
    late = by_id(schedule)["2e1d8b63-4c8f-5e32-b5d7-1f0a9e8d7c6b"]
    assert late.start == utc("2025-03-30T01:30:00+01:00")
    assert late.end - late.start == dt.timedelta(hours=1)
    assert isinstance(late.end, dt.datetime)
    assert zones.to_local(late.end, "Europe/Berlin").strftime("%H:%M%z") == "03:30+0200"


def test_pretalx_duration_of_more_than_a_day_counts_the_days() -> None:
    schedule, _ = load("pretalx.json")
    hackathon = by_id(schedule)["3f2e9c74-5d90-5f43-c6e8-2a1b0f9e8d7c"]
    assert hackathon.end - hackathon.start == dt.timedelta(days=1, hours=2)


def test_identical_abstract_and_description_are_written_once() -> None:
    schedule, _ = load("pretalx.json")
    assert by_id(schedule)["3f2e9c74-5d90-5f43-c6e8-2a1b0f9e8d7c"].description == "Build things."


def test_frab_json_takes_the_id_when_there_is_no_guid_and_joins_title_and_subtitle() -> None:
    schedule, _ = load("frab.json")
    events = by_id(schedule)
    assert events["a0a0fcfe-b7fb-46e3-84b6-97a5406016b4"].title == "Opening: Welcome to the camp"
    assert events["a0a0fcfe-b7fb-46e3-84b6-97a5406016b4"].speakers == ("jinxx", "smtw")
    assert events["10400"].title == "Night owls"
    assert schedule.uid_domain == "fahrplan.2019.camp.fahrplan.example.org"


def test_xml_maps_every_field() -> None:
    schedule, _ = load("schedule.xml")
    assert (schedule.name, schedule.timezone) == ("ExampleConf 2026", "Europe/Brussels")
    welcome = by_id(schedule)["9c3ebb8c-7716-5130-b9fe-ff8544f5636d"]
    assert welcome.title == "Welcome & opening: Where to find what"
    assert welcome.end - welcome.start == dt.timedelta(minutes=20)
    assert (welcome.type, welcome.track, welcome.location) == ("maintrack", "Main Track", "Janson")
    assert welcome.speakers == ("Staff", "Jörg Ämter")
    assert welcome.description == "Welcome and opening talk."
    assert welcome.language == "en"
    fontaine = by_id(schedule)["4711"]
    assert fontaine.location == "K.1.105 (La Fontaine)"
    assert (
        fontaine.description
        == "Its date carries +02:00, which Brussels is not in winter.\n\nMore about it."
    )


def test_type_and_track_become_categories_once_each() -> None:
    schedule, _ = load("pretalx.json")
    calendar = icalendar.Calendar.from_ical(confcal.to_ical(schedule))
    categories = {
        str(event["UID"]).split("@")[0]: [str(c) for c in prop(event, "CATEGORIES", vCategory).cats]
        for event in calendar.walk("VEVENT")
    }
    assert categories["1f0c9a52-3b7e-5d21-a4c6-0e9f8d7c6b5a"] == ["Talk", "Infrastructure"]
    assert categories["3f2e9c74-5d90-5f43-c6e8-2a1b0f9e8d7c"] == ["Workshop"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:45", dt.timedelta(minutes=45)),
        ("26:00", dt.timedelta(hours=26)),
        ("00:20:00", dt.timedelta(minutes=20)),
        ("01:30:15", dt.timedelta(hours=1, minutes=30, seconds=15)),
        # Python's str(timedelta), as wafer and symposion write it: H:MM:SS, never days.
        ("1:15:00", dt.timedelta(hours=1, minutes=15)),
        ("0:45:00", dt.timedelta(minutes=45)),
        ("1:25:00", dt.timedelta(hours=1, minutes=25)),
        ("9:00:00", dt.timedelta(hours=9)),
        # Seconds past the minute are no session's: pretalx's D:HH:MM.
        ("1:02:30", dt.timedelta(days=1, hours=2, minutes=30)),
        ("12:05:45", dt.timedelta(days=12, hours=5, minutes=45)),
        # ... unless the middle part cannot be hours.
        ("1:30:15", dt.timedelta(hours=1, minutes=30, seconds=15)),
        ("45", None),
        ("00:75", None),
        ("1:60:00", None),
        ("a:bc", None),
        ("-1:00", None),
    ],
)
def test_duration_forms(text: str, expected: dt.timedelta | None) -> None:
    talk = {"guid": "g", "date": "2025-06-01T10:00:00+02:00", "duration": text, "title": "T"}
    day = {"index": 1, "date": "2025-06-01", "rooms": {"R": [talk]}}
    conference = {"title": "Durations", "time_zone_name": "Europe/Berlin", "days": [day]}
    document = json.dumps({"schedule": {"conference": conference}})
    if expected is None:
        with pytest.raises(InvalidInput) as caught:
            read(document)
        assert [(p.field, p.value) for p in caught.value.problems] == [("duration", text)]
        return
    (event,) = read(document).schedule.events
    assert isinstance(event.start, dt.datetime) and isinstance(event.end, dt.datetime)
    assert event.end.astimezone(UTC) - event.start.astimezone(UTC) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # In a file that writes its shorter sessions HH:MM, three parts are a day or more.
        ("1:02:00", dt.timedelta(days=1, hours=2)),
        ("1:00:00", dt.timedelta(days=1)),
        ("1:15:00", dt.timedelta(days=1, hours=15)),
        ("1:02:30", dt.timedelta(days=1, hours=2, minutes=30)),
        # What cannot be days stays hours.
        ("00:30:00", dt.timedelta(minutes=30)),
        ("1:30:00", dt.timedelta(hours=1, minutes=30)),
    ],
)
def test_duration_forms_in_a_file_with_pretalx_durations(text: str, expected: dt.timedelta) -> None:
    # A file with one HH:MM duration writes pretalx's: its three-part ones may be days.
    schedule = confcal.loads(_frab_durations(["00:45", text]))
    lengths = {e.id: e.end - e.start for e in schedule.events}
    assert lengths == {"e0": dt.timedelta(minutes=45), "e1": expected}


def _frab_durations(durations: list[str]) -> str:
    """A schedule.json whose events last ``durations``, one an hour from 09:00."""
    events = [
        {
            "guid": f"e{n}", "date": f"2025-03-29T{9 + n:02d}:00:00+01:00",
            "start": f"{9 + n:02d}:00", "duration": duration, "room": "A", "title": f"Talk {n}",
        }
        for n, duration in enumerate(durations)
    ]  # fmt: skip
    days = [{"index": 1, "date": "2025-03-29", "rooms": {"A": events}}]
    conference = {"title": "C", "time_zone_name": "Europe/Berlin", "days": days}
    return json.dumps({"schedule": {"conference": conference}})


def test_a_file_of_python_durations_reads_h_mm_ss_not_days() -> None:
    """The issue's file: "1:15:00" beside "0:45:00" was read as 39 hours."""
    schedule = confcal.loads(_frab_durations(["1:15:00", "0:45:00", "2:00:00"]))
    lengths = {e.id: e.end - e.start for e in schedule.events}
    assert lengths == {
        "e0": dt.timedelta(hours=1, minutes=15),
        "e1": dt.timedelta(minutes=45),
        "e2": dt.timedelta(hours=2),
    }


def test_a_pretalx_file_reads_its_three_part_durations_as_days() -> None:
    schedule = confcal.loads(_frab_durations(["00:45", "1:02:00", "1:00:00"]))
    lengths = {e.id: e.end - e.start for e in schedule.events}
    assert lengths == {
        "e0": dt.timedelta(minutes=45),
        "e1": dt.timedelta(days=1, hours=2),
        "e2": dt.timedelta(days=1),
    }


# --- Conference days ------------------------------------------------------------------------------


def test_day_change_is_derived_from_the_day_boundaries() -> None:
    schedule, _ = load("pretalx.json")
    assert schedule.day_change == dt.time(4, 0)


def test_session_after_midnight_stays_on_the_day_it_is_listed_under() -> None:
    schedule, warnings = load("pretalx.json")
    days = {day: [e.id for e in part.events] for day, part in schedule.days().items()}
    assert "2e1d8b63-4c8f-5e32-b5d7-1f0a9e8d7c6b" in days[dt.date(2025, 3, 29)]
    assert not any(w.field == "day" for w in warnings)


def test_day_change_given_by_the_file_wins_and_a_day_starts_at_it() -> None:
    schedule, _ = load("schedule.xml")
    assert schedule.day_change == dt.time(6, 0)
    days = {day: {e.id for e in part.events} for day, part in schedule.days().items()}
    assert "8ce3ffa3-2053-5f4d-8fc4-f223e5859a53" in days[dt.date(2026, 1, 31)]  # 01:00
    assert "5d4c3b2a-1f0e-5d9c-8b7a-6f5e4d3c2b1a" in days[dt.date(2026, 2, 1)]  # 06:00 sharp


def test_session_listed_under_another_day_is_kept_on_its_own_day_with_a_warning() -> None:
    schedule, warnings = load("frab.json")
    (warning,) = [w for w in warnings if "listed under a day" in w.message]
    assert warning.message.startswith("1 session listed under a day they do not belong to")
    assert warning.message.endswith(
        'put on the day they start: 2019-08-22 10:00 "Curie" "Misfiled breakfast talk"'
    )
    day_two = schedule.days()[dt.date(2019, 8, 22)]
    assert [e.id for e in day_two.events] == ["c2c2fefe-d9fd-48e5-a6f2-b9e8d7c6b5a4"]


def _schedule_json(days: list[dict[str, object]], **conference: object) -> str:
    conference = {"title": "Inline", "time_zone_name": "Europe/Berlin", "days": days, **conference}
    return json.dumps({"schedule": {"version": "1", "conference": conference}})


def _day(
    index: int, date: str, start: str, events: list[dict[str, object]] | None = None
) -> dict[str, object]:
    return {
        "index": index,
        "date": date,
        "day_start": start,
        "day_end": start,
        "rooms": {"R": events or []},
    }


def _talk(guid: str, date: str, **fields: object) -> dict[str, object]:
    return {"guid": guid, "date": date, "duration": "00:30", "title": f"Talk {guid}", **fields}


def test_day_boundaries_that_disagree_give_the_earliest_with_a_warning() -> None:
    text = _schedule_json(
        [
            _day(
                1,
                "2025-06-01",
                "2025-06-01T10:00:00+02:00",
                [_talk("a", "2025-06-01T12:00:00+02:00")],
            ),
            _day(2, "2025-06-02", "2025-06-02T05:00:00+02:00"),
            _day(3, "2025-06-03", "2025-06-03T04:00:00+02:00"),
        ]
    )
    imported = read(text, source="inline.json")
    assert imported.schedule.day_change == dt.time(4, 0)
    (warning,) = imported.warnings
    assert "day 2 at 05:00, day 3 at 04:00" in warning.message


# --- Inconsistent and bad files -------------------------------------------------------------------


def test_missing_zone_is_a_clear_error_naming_the_option() -> None:
    with pytest.raises(InvalidInput) as caught:
        load("no-zone.json")
    (problem,) = caught.value.problems
    assert problem.source == str(FIXTURES / "no-zone.json")
    assert problem.field == "conference.time_zone_name"
    assert "--timezone ZONE" in problem.message


def test_missing_zone_is_given_with_timezone() -> None:
    schedule, warnings = load("no-zone.json", timezone="Europe/Berlin")
    assert schedule.timezone == "Europe/Berlin"
    assert warnings == []
    assert schedule.events[0].start == utc("2020-12-14T08:00:00Z")


def test_unknown_timezone_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="unknown time zone 'Mars/Olympus'"):
        load("no-zone.json", timezone="Mars/Olympus")


def test_offset_that_disagrees_with_the_zone_keeps_the_instant_and_warns() -> None:
    schedule, warnings = load("pretalx-utc.json")
    (event,) = schedule.events
    assert event.start == utc("2020-12-14T08:00:00Z")
    (warning,) = warnings
    assert warning.message == (
        "1 session whose date's UTC offset is not that of UTC at the time it prints (the "
        "offset moves them 1 h earlier): published at the offset's instant, as UTC has no "
        "offsets of its own; if the programme is elsewhere, give its zone with --timezone; "
        '--trust clock publishes the printed times: 2020-12-14 09:00 "Gray Room" "Focused hardware"'
    )


def test_one_session_in_another_zone_keeps_its_instant_named_by_date_room_and_title() -> None:
    schedule, warnings = load("schedule.xml")
    (warning,) = [w for w in warnings if "UTC offset" in w.message]
    assert "published at the offset's instant, as most sessions agree with Europe/Brussels" in (
        warning.message
    )
    assert warning.message.endswith(
        ': 2026-01-31 15:00 "K.1.105 (La Fontaine)" "Offset from elsewhere"'
    )
    assert by_id(schedule)["4711"].start == utc("2026-01-31T13:00:00Z")


def test_timezone_option_overrides_the_files_zone_with_a_warning() -> None:
    schedule, warnings = load("pretalx-utc.json", timezone="Europe/Berlin")
    assert schedule.timezone == "Europe/Berlin"
    assert [w.field for w in warnings] == ["conference.time_zone_name"]


def test_bad_event_field_names_file_event_field_and_value() -> None:
    text = _schedule_json(
        [
            _day(
                1,
                "2025-06-01",
                "2025-06-01T04:00:00+02:00",
                [
                    _talk("aa", "2025-06-01T12:00:00+02:00", duration="half an hour"),
                    _talk("bb", "noon"),
                    {"date": "2025-06-01T13:00:00+02:00", "duration": "00:30", "title": "No id"},
                ],
            )
        ]
    )
    with pytest.raises(InvalidInput) as caught:
        read(text, source="inline.json")
    problems = {(p.source, p.event, p.field, p.value) for p in caught.value.problems}
    assert problems == {
        ("inline.json", '"aa"', "duration", "half an hour"),
        ("inline.json", '"bb"', "date", "noon"),
    }


def test_a_row_listed_twice_is_kept_once_with_a_warning() -> None:
    talk = _talk("same", "2025-06-01T12:00:00+02:00")
    text = _schedule_json([_day(1, "2025-06-01", "2025-06-01T04:00:00+02:00", [talk, talk])])
    imported = read(text)
    assert [e.id for e in imported.schedule.events] == ["same"]
    assert [w.message for w in imported.warnings] == [
        "1 session listed more than once, the same in every field, kept once: "
        '2025-06-01 12:00 "R" "Talk same"'
    ]


def test_unusable_ids_are_made_usable_deterministically_with_a_warning() -> None:
    text = _schedule_json(
        [
            _day(
                1,
                "2025-06-01",
                "2025-06-01T04:00:00+02:00",
                [_talk("{Talk 7}", "2025-06-01T12:00:00+02:00")],
            )
        ]
    )
    first, second = read(text), read(text)
    assert [e.id for e in first.schedule.events] == ["Talk-7"]
    assert first == second
    (warning,) = first.warnings
    assert warning.message == (
        "1 session with a guid that is not a usable confcal id (letters, digits, '.', '_' and "
        '\'-\' only), given one made of it: 2025-06-01 12:00 "R" "Talk {Talk 7}" '
        '("{Talk 7}" as "Talk-7")'
    )


def test_zero_length_session_is_an_error() -> None:
    text = _schedule_json(
        [
            _day(
                1,
                "2025-06-01",
                "2025-06-01T04:00:00+02:00",
                [_talk("z", "2025-06-01T12:00:00+02:00", duration="00:00")],
            )
        ]
    )
    with pytest.raises(InvalidInput, match="the session has no length"):
        read(text)


def test_hub_shape_with_start_end_room_and_track_objects() -> None:
    document = {
        "schedule": {
            "version": "1",
            "conference": {
                "title": "Hub",
                "time_zone_name": "Europe/Berlin",
                "tracks": [{"name": "Hardware & Making", "slug": "hardware-making"}],
                "days": [],
            },
            "events": [
                {
                    "guid": "b1740c2f-0c44-5f1b-89ed-456a9eecf0b8",
                    "type": "TALK",
                    "start": "2024-12-28T00:15:00+01:00",
                    "end": "2024-12-28T00:55:00+01:00",
                    "room": {"name": "Saal ZIGZAG"},
                    "title": "A Competitive Time-Trial AI:",
                    "subtitle": "Deep RL",
                    "track": {"slug": "hardware-making"},
                    "participants": [{"name": "Speaker One", "role": "SPEAKER"}],
                }
            ],
        }
    }
    (event,) = read(json.dumps(document)).schedule.events
    assert event.title == "A Competitive Time-Trial AI: Deep RL"
    assert (event.location, event.track, event.speakers) == (
        "Saal ZIGZAG",
        "Hardware & Making",
        ("Speaker One",),
    )
    assert event.end - event.start == dt.timedelta(minutes=40)


# --- The command line -----------------------------------------------------------------------------


def test_check_prints_warnings_on_stderr_and_succeeds() -> None:
    result = CliRunner().invoke(cli, ["check", str(FIXTURES / "pretalx-utc.json")])
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: ")
    assert "1 session whose date's UTC offset is not that of UTC" in result.stderr
    assert "ok: 1 event on 1 day" in result.stdout


def test_export_of_a_file_without_zone_needs_timezone(tmp_path: Path) -> None:
    output = tmp_path / "out.ics"
    args = ["export", str(FIXTURES / "no-zone.json"), "-o", str(output)]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: ")
    assert "--timezone ZONE" in refused.stderr
    assert not output.exists()
    done = CliRunner().invoke(cli, [*args, "--timezone", "Europe/Berlin"])
    assert done.exit_code == 0, done.stderr
    assert b"TZID=Europe/Berlin:20201214T090000" in output.read_bytes()


def test_bomb_is_refused_by_the_cli_with_nothing_written(tmp_path: Path) -> None:
    output = tmp_path / "events.json"
    result = CliRunner().invoke(cli, ["convert", str(FIXTURES / "bomb.xml"), "-o", str(output)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    assert not output.exists()


def test_convert_writes_events_json_that_exports_the_same_calendar(tmp_path: Path) -> None:
    output = tmp_path / "events.json"
    result = CliRunner().invoke(cli, ["convert", str(FIXTURES / "schedule.xml"), "-o", str(output)])
    assert result.exit_code == 0, result.stderr
    converted = confcal.load(output)
    original = confcal.load(FIXTURES / "schedule.xml")
    assert confcal.to_ical(converted) == confcal.to_ical(
        attrs.evolve(original, dtstamp=converted.dtstamp)
    )
    written = json.loads(output.read_text("utf-8"))
    assert written["calendar"]["day_change"] == "06:00"
    assert written["calendar"]["uid_domain"] == "schedule.2026.example.org"
    assert written["events"][0]["start"] == "2026-01-31T09:30"


def test_format_option_is_offered_by_check_and_export() -> None:
    for command in ("check", "export", "convert"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert "--format [auto|events|frab-json|frab-xml|ics]" in result.output
        assert "--timezone ZONE" in result.output


# --- The real programmes (skipped where ../shared/programmes is absent) ---------------------------


def _instants(schedule: Schedule) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    calendar = confcal.to_calendar(schedule)
    return {
        str(vevent["UID"]): (
            moment(vevent, "DTSTART").astimezone(UTC),
            moment(vevent, "DTEND").astimezone(UTC),
        )
        for vevent in calendar.walk("VEVENT")
    }


@needs_programmes
@pytest.mark.parametrize("name", ["38c3", "fosdem2026"])
def test_published_schedule_xml_exports_like_its_events_json(name: str) -> None:
    assert PROGRAMMES is not None
    folder = PROGRAMMES / name
    warnings: list[LoadWarning] = []
    imported = confcal.load(folder / "source-schedule.xml", on_warning=warnings.append)
    reference = confcal.load(folder / "events.json")
    # The one repair these files need: HTML abstracts (FOSDEM: all 883) become plain text.
    (warning,) = warnings
    assert "with an HTML abstract or description, converted to plain text" in warning.message
    assert (imported.timezone, imported.day_change) == (reference.timezone, reference.day_change)
    exported = _instants(imported)
    assert exported == _instants(reference)
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    assert len(exported) == len(expected)
    days = {
        day.isoformat(): sorted(e.id for e in part.events) for day, part in imported.days().items()
    }
    assert days == {
        day: sorted(ids)
        for day, ids in json.loads((folder / "days.json").read_text("utf-8")).items()
    }


EXAMPLES = {
    "frab-camp2019.json": 79,
    "hub-schedule2.json": 2,
    "pretalx-democon.json": 36,
}


@needs_programmes
@pytest.mark.parametrize(("name", "count"), sorted(EXAMPLES.items()))
def test_schema_example_loads(name: str, count: int) -> None:
    assert PROGRAMMES is not None
    warnings: list[LoadWarning] = []
    schedule = confcal.load(PROGRAMMES / "frab-json-examples" / name, on_warning=warnings.append)
    assert len(schedule.events) == count
    said = [w.message.partition(": ")[0] for w in warnings]
    if name == "pretalx-democon.json":
        # Says UTC while every date carries +01:00: one warning for all, the instants kept.
        assert said == [
            f"{count} sessions whose date's UTC offset is not that of UTC at the time it prints "
            "(the offset moves them 1 h earlier)"
        ]
        assert "published at the offset's instant" in warnings[0].message
    elif name == "frab-camp2019.json":
        assert said == ["9 sessions with an HTML abstract or description, converted to plain text"]
    else:
        assert warnings == []


@needs_programmes
def test_schema_example_without_zone_needs_timezone() -> None:
    assert PROGRAMMES is not None
    path = PROGRAMMES / "frab-json-examples" / "pretalx-rc3.json"
    with pytest.raises(InvalidInput, match="--timezone ZONE"):
        confcal.load(path)
    warnings: list[LoadWarning] = []
    assert (
        len(confcal.load(path, timezone="Europe/Berlin", on_warning=warnings.append).events) == 48
    )
    assert [w.message.partition(":")[0] for w in warnings] == [
        "3 sessions with an HTML abstract or description, converted to plain text"
    ]


@needs_programmes
def test_the_schema_itself_is_refused_clearly() -> None:
    assert PROGRAMMES is not None
    with pytest.raises(InvalidInput, match=r"not a pretalx/frab schedule\.json"):
        confcal.load(PROGRAMMES / "frab-json-examples" / "schema.json")


def test_a_date_with_seconds_agrees_with_its_start_printed_to_the_minute() -> None:
    """11:42:23 is the 11:42 the programme prints: no warning (it gave a false one)."""
    talk = {
        "guid": "g", "date": "2025-06-01T11:42:23+02:00", "start": "11:42", "duration": "00:30",
        "room": "R", "title": "T",
    }  # fmt: skip
    day = {"index": 1, "date": "2025-06-01", "rooms": {"R": [talk]}}
    conference = {"title": "Seconds", "time_zone_name": "Europe/Berlin", "days": [day]}
    warnings: list[LoadWarning] = []
    confcal.loads(json.dumps({"schedule": {"conference": conference}}), on_warning=warnings.append)
    assert warnings == []
    talk["start"] = "11:43"
    confcal.loads(json.dumps({"schedule": {"conference": conference}}), on_warning=warnings.append)
    assert [w.message.partition(":")[0] for w in warnings] == [
        "1 session whose start is not the time their date prints, published at the date's"
    ]
