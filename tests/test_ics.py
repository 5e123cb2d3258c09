"""The .ics reader (:mod:`confcal.readers.ics`): calendars as Google, Outlook, Indico, Sessionize
and confcal itself write them, read as programmes; what is repaired, warned and refused."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import confcal
from confcal import readers
from confcal.cli import cli
from confcal.errors import InvalidInput
from confcal.model import EPOCH, Event, Schedule
from confcal.readers import detect, ics
from confcal.readers._ics_recurrence import MAX_OCCURRENCES
from conftest import REPO, programmes_dir, read

UTC = dt.UTC
PROGRAMMES = programmes_dir()


def calendar(*events: str, head: str = "", zones: str = "") -> str:
    """A VCALENDAR around ``events`` (each the inside of a VEVENT), with CRLF line ends."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//test//EN"]
    lines += [line for line in head.strip().splitlines() if line]
    lines += [line for line in zones.strip().splitlines() if line]
    for event in events:
        lines += ["BEGIN:VEVENT", *[line for line in event.strip().splitlines() if line]]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def event(uid: str, start: str, end: str = "", title: str = "Talk", extra: str = "") -> str:
    parts = [f"UID:{uid}", f"DTSTART{start}"]
    if end:
        parts.append(f"DTEND{end}")
    if title:
        parts.append(f"SUMMARY:{title}")
    return "\n".join([*parts, *extra.strip().splitlines()])


def utc(event: Event) -> tuple[dt.datetime, dt.datetime]:
    assert isinstance(event.start, dt.datetime) and isinstance(event.end, dt.datetime)
    return event.start.astimezone(UTC), event.end.astimezone(UTC)


def by_id(schedule: Schedule) -> dict[str, Event]:
    return {e.id: e for e in schedule.events}


def problems(text: str, **options: object) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        readers.loads(text, source="p.ics", **options)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


# --- Recognising an .ics -------------------------------------------------------------------------

MINIMAL = calendar(
    event("a@x", ";TZID=Europe/Berlin:20250301T100000", ";TZID=Europe/Berlin:20250301T110000"),
    head="X-WR-CALNAME:Conf",
)


@pytest.mark.parametrize(
    "data",
    [
        MINIMAL.encode(),
        b"\xef\xbb\xbf" + MINIMAL.encode(),
        b"\r\n  " + MINIMAL.encode(),
        MINIMAL.replace("BEGIN:VCALENDAR", "begin:vcalendar").encode(),
        MINIMAL,
        "\ufeff" + MINIMAL,
    ],
)
def test_an_ics_is_recognised_by_content(data: str | bytes) -> None:
    assert detect(data) == "ics"
    assert readers.loads(data).name == "Conf"


def test_format_ics_forces_the_reader_and_is_a_cli_choice(tmp_path: Path) -> None:
    assert "ics" in readers.FORMATS
    path = tmp_path / "programme.txt"
    path.write_text(MINIMAL, "utf-8")
    assert confcal.load(path, format="ics").events[0].id == "a"
    result = CliRunner().invoke(cli, ["check", str(path), "--format", "ics"])
    assert result.exit_code == 0, result.output
    wrong = CliRunner().invoke(cli, ["check", str(REPO / "events.json"), "--format", "ics"])
    assert wrong.exit_code == 1 and "not a valid iCalendar file" in wrong.output


def test_every_command_takes_an_ics(tmp_path: Path) -> None:
    path = tmp_path / "programme.ics"
    path.write_bytes(confcal.to_ical(confcal.load(REPO / "events.json")))
    run = CliRunner().invoke
    assert run(cli, ["check", str(path)]).exit_code == 0
    assert "Parsl" in run(cli, ["list", str(path)]).output
    assert (
        run(cli, ["export", str(path), "--split", "day", "-o", str(tmp_path / "d")]).exit_code == 0
    )
    assert run(cli, ["site", str(path), "-o", str(tmp_path / "site")]).exit_code == 0
    assert (tmp_path / "site" / "index.html").is_file()
    result = run(cli, ["convert", str(path), "-o", str(tmp_path / "events.json")])
    assert result.exit_code == 0, result.output
    converted = confcal.load(tmp_path / "events.json")
    original = confcal.load(REPO / "events.json")
    assert [(e.id, utc(e)) for e in converted.sorted_events()] == [
        (e.id, utc(e)) for e in original.sorted_events()
    ]
    written = json.loads((tmp_path / "events.json").read_text("utf-8"))
    assert written["calendar"]["timezone"] == "America/New_York"


# --- A calendar confcal exported reads back ------------------------------------------------------


def assert_round_trip(original: Schedule) -> None:
    data = confcal.to_ical(original)
    back = readers.loads(data, source="x.ics", dtstamp=EPOCH)
    assert back.name == original.name and back.timezone == original.timezone
    assert back.uid_host == original.uid_host  # so the same UIDs
    assert back.description == original.description and back.url == original.url
    old, new = by_id(original), by_id(back)
    assert set(old) == set(new)
    for key, event in old.items():
        again = new[key]
        assert (again.title, again.location, again.type, again.status, again.language) == (
            event.title,
            event.location,
            event.type,
            event.status,
            event.language,
        ), key
        assert again.description == event.description, key
        assert ", ".join(again.speakers) == ", ".join(event.speakers), key
        if event.all_day:
            assert (again.start, again.end) == (event.start, event.end)
        else:
            assert utc(again) == utc(event), key
    # The same calendar again, byte for byte.
    assert confcal.to_ical(back) == data


def test_the_seed_exported_reads_back_to_the_same_sessions() -> None:
    original = confcal.load(REPO / "events.json")
    assert_round_trip(original)
    back = readers.loads(confcal.to_ical(original))
    assert back.dtstamp == original.dtstamp  # confcal's DTSTAMP is the programme's
    assert by_id(back)["seesaw-poster"].speakers == ("Matthew Chung, UC Riverside",)


@pytest.mark.skipif(PROGRAMMES is None, reason="../shared/programmes is absent")
@pytest.mark.parametrize("name", ["38c3", "fosdem2026"])
def test_real_programmes_exported_read_back_to_the_same_sessions(name: str) -> None:
    assert PROGRAMMES is not None
    assert_round_trip(confcal.load(PROGRAMMES / name / "events.json", dtstamp=EPOCH))


def test_all_day_and_zoned_events_of_every_kind_read_back() -> None:
    zone = "Europe/Berlin"
    events = [
        Event(id="day", title="Day", start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 3)),
        Event(
            id="repeated",  # inside the hour repeated when clocks go back: written in UTC
            title="Night",
            start=confcal.localize(dt.datetime(2025, 10, 26, 2, 30), zone, dt.timedelta(hours=1)),
            end=confcal.localize(dt.datetime(2025, 10, 26, 3, 30), zone),
        ),
        Event(
            id="kolkata",
            title="Remote",
            start=confcal.localize(dt.datetime(2025, 3, 1, 9, 0), "Asia/Kolkata"),
            end=confcal.localize(dt.datetime(2025, 3, 1, 10, 0), "Asia/Kolkata"),
            type="Talk",
            track="Main",
            status="cancelled",
            speakers=["A", "B"],
            language="hi",
        ),
    ]
    assert_round_trip(Schedule(name="Mixed", timezone=zone, events=events))


# --- Calendars as other programs write them ------------------------------------------------------

GOOGLE = calendar(
    """
UID:5a1b@google.com
DTSTART;TZID=Europe/Berlin:20250303T090000
DTEND;TZID=Europe/Berlin:20250303T100000
RRULE:FREQ=DAILY;COUNT=4
EXDATE;TZID=Europe/Berlin:20250305T090000
SUMMARY:Morning stand-up
LOCATION:Room 1
DTSTAMP:20250101T000000Z
LAST-MODIFIED:20250210T120000Z
""",
    """
UID:5a1b@google.com
RECURRENCE-ID;TZID=Europe/Berlin:20250304T090000
DTSTART;TZID=Europe/Berlin:20250304T113000
DTEND;TZID=Europe/Berlin:20250304T123000
SUMMARY:Morning stand-up (moved)
LOCATION:Room 2
LAST-MODIFIED:20250211T120000Z
""",
    """
UID:9zz@google.com
DTSTART:20250303T130000Z
DTEND:20250303T140000Z
SUMMARY:Keynote
DESCRIPTION:Opening <b>keynote</b>\\, with questions.
URL:https://conf.example/keynote
STATUS:CONFIRMED
""",
    head="""
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:DevConf 2025
X-WR-TIMEZONE:Europe/Berlin
X-WR-CALDESC:Our programme\\, day by day
""",
)


def test_a_google_calendar_with_a_recurring_event_and_an_override() -> None:
    imported = read(GOOGLE, source="devconf.ics")
    schedule = imported.schedule
    assert (schedule.name, schedule.timezone) == ("DevConf 2025", "Europe/Berlin")
    assert schedule.description == "Our programme, day by day"
    events = by_id(schedule)
    # The domain all UIDs share is dropped from the ids, and kept to write the same UIDs.
    assert sorted(events) == [
        "5a1b-20250303T0900",
        "5a1b-20250304T0900",
        "5a1b-20250306T0900",
        "9zz",
    ]
    assert schedule.uid_host == "google.com"
    moved = events["5a1b-20250304T0900"]
    assert moved.title == "Morning stand-up (moved)" and moved.location == "Room 2"
    assert utc(moved)[0] == dt.datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
    keynote = events["9zz"]
    # A UTC time keeps its instant, shown in the calendar's zone.
    assert keynote.start == confcal.localize(dt.datetime(2025, 3, 3, 14, 0), "Europe/Berlin")
    assert keynote.description == "Opening <b>keynote</b>, with questions."
    assert (keynote.url, keynote.status) == ("https://conf.example/keynote", "confirmed")
    assert schedule.dtstamp == dt.datetime(2025, 2, 11, 12, 0, tzinfo=UTC)  # LAST-MODIFIED
    assert [str(w) for w in imported.warnings] == [
        "devconf.ics: expanded 1 recurring event(s) (RRULE, RDATE) into 3 sessions, each with "
        "an id of its UID and start"
    ]


OUTLOOK_ZONE = """
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""
OUTLOOK_UID = "040000008200E00074C5B7101A82E00800000000D0B5B4A0D5F1DA01000000000000000010000000"


def test_an_outlook_calendar_with_windows_zone_names() -> None:
    text = calendar(
        f"""
UID:{OUTLOOK_UID}
SUMMARY;LANGUAGE=en-US:Planning
DTSTART;TZID=W. Europe Standard Time:20250701T093000
DTEND;TZID=W. Europe Standard Time:20250701T103000
CLASS:PUBLIC
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
""",
        head="METHOD:PUBLISH\nX-WR-CALNAME:Team",
        zones=OUTLOOK_ZONE,
    )
    imported = read(text)
    schedule = imported.schedule
    assert schedule.timezone == "Europe/Berlin"  # the IANA zone the Windows name stands for
    (only,) = schedule.events
    assert only.id == OUTLOOK_UID
    assert only.start == confcal.localize(dt.datetime(2025, 7, 1, 9, 30), "Europe/Berlin")
    assert imported.warnings == ()


def test_a_windows_zone_whose_vtimezone_disagrees_keeps_the_files_instants() -> None:
    wrong = OUTLOOK_ZONE.replace("+0200", "+0300")  # summer +03:00 in the file's own rules
    text = calendar(
        event(
            "a",
            ";TZID=W. Europe Standard Time:20250701T093000",
            ";TZID=W. Europe Standard Time:20250701T103000",
        ),
        zones=wrong,
        head="X-WR-CALNAME:T",
    )
    imported = read(text)
    (only,) = imported.schedule.events
    assert utc(only)[0] == dt.datetime(2025, 7, 1, 6, 30, tzinfo=UTC)
    assert "the file's instants are kept" in str(imported.warnings[0])


def custom_zone(offset: str) -> str:
    return f"""
BEGIN:VTIMEZONE
TZID:Conference Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:{offset}
TZOFFSETTO:{offset}
END:STANDARD
END:VTIMEZONE
"""


def test_a_tzid_only_the_files_vtimezone_defines_is_read_by_it_each_file_its_own() -> None:
    def first_start(offset: str) -> dt.datetime:
        text = calendar(
            event(
                "a",
                ";TZID=Conference Time:20250601T100000",
                ";TZID=Conference Time:20250601T110000",
            ),
            zones=custom_zone(offset),
            head="X-WR-CALNAME:T\nX-WR-TIMEZONE:Asia/Tokyo",
        )
        imported = read(text)
        assert "read by the file's VTIMEZONE" in str(imported.warnings[0])
        return utc(imported.schedule.events[0])[0]

    # icalendar caches the first definition of a custom TZID process-wide; confcal does not.
    assert first_start("+0530") == dt.datetime(2025, 6, 1, 4, 30, tzinfo=UTC)
    assert first_start("-0300") == dt.datetime(2025, 6, 1, 13, 0, tzinfo=UTC)


def test_an_indico_calendar_in_utc_without_a_name_or_zone() -> None:
    text = calendar(
        """
SUMMARY:Plenary
DTSTART;VALUE=DATE-TIME:20230912T070000Z
DTEND;VALUE=DATE-TIME:20230912T073000Z
DTSTAMP;VALUE=DATE-TIME:20230901T120000Z
UID:indico-contribution-1234-5678@indico.cern.ch
DESCRIPTION:Speakers: Jane Doe (CERN)\\n\\nThe opening.
LOCATION:Main Auditorium
URL:https://indico.cern.ch/event/1234/contributions/5678/
""",
        head="METHOD:PUBLISH",
    )
    imported = read(text, source="/tmp/timetable.ics")
    schedule = imported.schedule
    assert (schedule.name, schedule.timezone) == ("timetable", "UTC")
    assert [e.id for e in schedule.events] == ["indico-contribution-1234-5678"]
    assert schedule.events[0].speakers == ()  # only confcal's own speaker line is read back
    messages = [str(w) for w in imported.warnings]
    assert any("names no time zone" in m for m in messages)
    assert any("named after the file, 'timetable'" in m for m in messages)
    # With the zone given, the same instants are shown in it.
    given = readers.loads(text, timezone="Europe/Zurich")
    assert given.timezone == "Europe/Zurich"
    assert given.events[0].start == confcal.localize(
        dt.datetime(2023, 9, 12, 9, 0), "Europe/Zurich"
    )


def test_a_sessionize_calendar_with_categories() -> None:
    text = calendar(
        event(
            "SZ-123456",
            ":20240612T080000Z",
            ":20240612T084500Z",
            "Rust for Pythonistas",
            "CATEGORIES:Talk,Languages\nCATEGORIES:Beginner\nLOCATION:Hall A\nSTATUS:TENTATIVE",
        ),
        event("SZ-123457", ":20240612T090000Z", ":20240612T094500Z", "Lunch", "CATEGORIES:Break"),
        head="X-WR-CALNAME:PyConf 2024\nX-WR-TIMEZONE:Europe/Amsterdam",
    )
    imported = read(text)
    events = by_id(imported.schedule)
    rust = events["SZ-123456"]
    assert (rust.type, rust.track, rust.status) == ("Talk", "Languages", "tentative")
    assert (events["SZ-123457"].type, events["SZ-123457"].track) == ("Break", None)
    assert [str(w) for w in imported.warnings] == [
        "<string>: 1 session with more than two CATEGORIES: the first is the type, the second "
        'the track, the rest are left out: 2024-06-12 10:00 "Hall A" "Rust for Pythonistas"'
    ]


# --- Times ---------------------------------------------------------------------------------------


def test_all_day_events_have_an_exclusive_end_and_one_day_without_it() -> None:
    text = calendar(
        event("two", ";VALUE=DATE:20250301", ";VALUE=DATE:20250303", "Two days"),
        event("one", ";VALUE=DATE:20250305", "", "One day"),
        event("dur", ";VALUE=DATE:20250307", "", "By duration", "DURATION:P2D"),
        head="X-WR-CALNAME:D",
    )
    events = by_id(readers.loads(text))
    assert (events["two"].start, events["two"].end) == (dt.date(2025, 3, 1), dt.date(2025, 3, 3))
    assert (events["one"].start, events["one"].end) == (dt.date(2025, 3, 5), dt.date(2025, 3, 6))
    assert events["dur"].end == dt.date(2025, 3, 9)


def test_duration_is_elapsed_time_and_the_end_is_in_the_starts_zone() -> None:
    text = calendar(
        event("a", ";TZID=Europe/Berlin:20250330T013000", "", "Across", "DURATION:PT2H"),
        head="X-WR-CALNAME:D",
    )
    (only,) = readers.loads(text).events
    assert isinstance(only.end, dt.datetime)
    assert only.end.replace(tzinfo=None) == dt.datetime(2025, 3, 30, 4, 30)  # clocks went forward
    assert confcal.zones.zone_name(only.end) == "Europe/Berlin"


def test_floating_times_need_a_zone() -> None:
    text = calendar(event("a", ":20250301T100000", ":20250301T110000"), head="X-WR-CALNAME:F")
    (message,) = problems(text)
    assert message.startswith('p.ics: event "a": DTSTART: 2025-03-01T10:00:00 is a floating time')
    assert "--timezone ZONE" in message
    given = readers.loads(text, timezone="America/Chicago")
    assert given.events[0].start == confcal.localize(
        dt.datetime(2025, 3, 1, 10, 0), "America/Chicago"
    )
    named = readers.loads(
        text.replace("X-WR-CALNAME:F", "X-WR-CALNAME:F\r\nX-WR-TIMEZONE:Asia/Tokyo")
    )
    assert named.events[0].start == confcal.localize(dt.datetime(2025, 3, 1, 10, 0), "Asia/Tokyo")


def test_a_tzid_neither_iana_nor_defined_is_a_located_error() -> None:
    text = calendar(
        event("talk-1", ";TZID=Mars/Olympus:20250301T100000", ";TZID=Mars/Olympus:20250301T110000"),
        head="X-WR-CALNAME:M",
    )
    assert problems(text)[0] == (
        "p.ics: event \"talk-1\": DTSTART;TZID: TZID 'Mars/Olympus' is neither an IANA time "
        "zone nor defined by a VTIMEZONE in the file"
    )


def test_a_vendor_prefixed_tzid_is_its_iana_zone() -> None:
    text = calendar(
        event(
            "a",
            ";TZID=/freeassociation.sourceforge.net/Europe/Vienna:20250301T100000",
            ";TZID=/freeassociation.sourceforge.net/Europe/Vienna:20250301T110000",
        ),
        head="X-WR-CALNAME:V",
    )
    schedule = readers.loads(text)
    assert schedule.timezone == "Europe/Vienna"
    assert utc(schedule.events[0])[0] == dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_read_as_rfc_5545_says_and_warned() -> None:
    text = calendar(
        event("a", ";TZID=Europe/Berlin:20250330T023000", ";TZID=Europe/Berlin:20250330T040000"),
        head="X-WR-CALNAME:S",
    )
    imported = read(text)
    assert utc(imported.schedule.events[0])[0] == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert "the clocks skip" in str(imported.warnings[0])


def test_the_most_common_zone_is_the_calendars_without_x_wr_timezone() -> None:
    text = calendar(
        event("a", ";TZID=Europe/Paris:20250301T100000", ";TZID=Europe/Paris:20250301T110000"),
        event("b", ";TZID=Europe/Paris:20250301T120000", ";TZID=Europe/Paris:20250301T130000"),
        event(
            "c", ";TZID=America/New_York:20250301T100000", ";TZID=America/New_York:20250301T110000"
        ),
        head="X-WR-CALNAME:Z",
    )
    assert readers.loads(text).timezone == "Europe/Paris"


def test_timezone_given_wins_over_x_wr_timezone_with_a_warning() -> None:
    imported = read(GOOGLE, timezone="Europe/Vienna")
    assert imported.schedule.timezone == "Europe/Vienna"
    assert "using 'Europe/Vienna' as asked (--timezone)" in str(imported.warnings[0])


@pytest.mark.parametrize(
    ("inside", "expected"),
    [
        ("UID:a\nSUMMARY:T", 'event "a": DTSTART: is missing: a session needs a start'),
        (
            "UID:a\nSUMMARY:T\nDTSTART:20250301T100000Z",
            'event "a": DTEND: has neither DTEND nor DURATION',
        ),
        (
            "UID:a\nDTSTART:20250301T100000Z\nDTEND:20250301T090000Z",
            'event "a": DTEND: 2025-03-01T10:00+01:00 is not after start',
        ),
        (
            "UID:a\nDTSTART:garbage\nDTEND:20250301T090000Z",
            "event \"a\": DTSTART: 'garbage' is not",
        ),
        ("UID:a\nDTSTART:20250301T100000Z\nDURATION:PXX", "event \"a\": DURATION: 'PXX' is not"),
        ("UID:a\nDTSTART:22250301T100000Z\nDURATION:PT1H", "year 2225 is outside 1900 to 2199"),
    ],
)
def test_times_that_cannot_be_read_are_located_errors(inside: str, expected: str) -> None:
    text = calendar(inside, head="X-WR-CALNAME:E\nX-WR-TIMEZONE:Europe/Berlin")
    assert any(expected in message for message in problems(text)), problems(text)


# --- Recurring events ----------------------------------------------------------------------------


def test_a_rule_without_end_is_refused_naming_the_event() -> None:
    text = calendar(
        event(
            "weekly@x",
            ";TZID=Europe/Berlin:20250301T100000",
            ";TZID=Europe/Berlin:20250301T110000",
            "Weekly sync",
            "RRULE:FREQ=WEEKLY",
        ),
        head="X-WR-CALNAME:R",
    )
    (message,) = problems(text)
    assert message.startswith("p.ics: event \"weekly@x\": RRULE: 'FREQ=WEEKLY' recurs without end")


def test_a_rule_with_too_many_occurrences_is_refused() -> None:
    text = calendar(
        event("m", ":20250301T100000Z", ":20250301T100500Z", "M", "RRULE:FREQ=MINUTELY;COUNT=5000"),
        head="X-WR-CALNAME:R",
    )
    assert f"recurs more than {MAX_OCCURRENCES} times" in problems(text)[0]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("RRULE:FREQ=YEARLY;COUNT=3", "its 3 occurrences do not all fall within 366 days"),
        ("RRULE:FREQ=WEEKLY;UNTIL=20270101T000000Z", "recurs until 2027-01-01, more than 366"),
        ("RDATE:20270101T100000Z", "RDATE 2027-01-01 is not within 366 days of its start"),
        # A rule that never matches gives up at the window's end, not at the year 9999.
        ("RRULE:FREQ=MINUTELY;COUNT=5000", "recurs more than 1000 times"),
        ("RRULE:FREQ=HOURLY;COUNT=800", "do not all fall within 31 days"),
        # Rules that never match: dateutil would look for one until the year 9999.
        ("RRULE:FREQ=DAILY;COUNT=5;BYMONTH=2;BYMONTHDAY=30", "that none of its months has"),
        ("RRULE:FREQ=MONTHLY;COUNT=5;BYDAY=6MO", "names the weekday '6MO', which never occurs"),
        ("RRULE:FREQ=DAILY;COUNT=5;BYSETPOS=9", "uses BYSETPOS, which confcal does not expand"),
        ("RRULE:FREQ=SECONDLY;COUNT=5;BYMONTH=2;BYMONTHDAY=30", "recurs by the second"),
    ],
)
def test_a_recurrence_beyond_a_year_is_refused_in_bounded_time(rule: str, expected: str) -> None:
    text = calendar(
        event("long", ":20250301T100000Z", ":20250301T110000Z", "L", rule),
        head="X-WR-CALNAME:R\nX-WR-TIMEZONE:UTC",
    )
    (message,) = problems(text)
    assert message.startswith('p.ics: event "long": R') and expected in message, message


def test_rdate_and_until_give_their_occurrences() -> None:
    text = calendar(
        event(
            "r",
            ";TZID=Europe/Berlin:20250301T100000",
            ";TZID=Europe/Berlin:20250301T110000",
            "R",
            "RRULE:FREQ=WEEKLY;UNTIL=20250315T090000Z\nRDATE;TZID=Europe/Berlin:20250320T150000",
        ),
        head="X-WR-CALNAME:R",
    )
    assert sorted(by_id(readers.loads(text))) == [
        "r-20250301T1000",
        "r-20250308T1000",
        "r-20250315T1000",
        "r-20250320T1500",
    ]


def test_an_all_day_recurring_event_has_date_ids() -> None:
    text = calendar(
        event("d", ";VALUE=DATE:20250301", "", "D", "RRULE:FREQ=DAILY;COUNT=2"),
        head="X-WR-CALNAME:R",
    )
    assert sorted(by_id(readers.loads(text))) == ["d-20250301", "d-20250302"]


# --- Ids, titles and other repairs ---------------------------------------------------------------


def test_unusable_and_missing_uids_give_stable_ids_warned_once_per_kind() -> None:
    a = event("{1234-ABCD}", ":20250301T100000Z", ":20250301T110000Z", "One")
    b = event("{9999-ABCD}", ":20250301T120000Z", ":20250301T130000Z", "Two")
    c = "DTSTART:20250301T140000Z\nDTEND:20250301T150000Z\nSUMMARY:Café talk"
    first = read(calendar(a, b, c, head="X-WR-CALNAME:U\nX-WR-TIMEZONE:UTC"))
    again = read(calendar(c, b, a, head="X-WR-CALNAME:U\nX-WR-TIMEZONE:UTC"))
    assert sorted(by_id(first.schedule)) == sorted(by_id(again.schedule))
    made = sorted(by_id(first.schedule))
    assert made[:2] == ["1234-ABCD", "9999-ABCD"] and re.fullmatch(r"caf-talk-[0-9a-f]{8}", made[2])
    messages = [str(w) for w in first.warnings]
    assert len(messages) == 2
    assert messages[0].startswith("<string>: 2 sessions with a UID that is not a usable id")
    assert messages[0].endswith(
        ': 2025-03-01 10:00 "One" ("{1234-ABCD}" as "1234-ABCD"); '
        '2025-03-01 12:00 "Two" ("{9999-ABCD}" as "9999-ABCD")'
    )
    assert messages[1] == (
        "<string>: 1 session without UID, each given an id made of its title and start: "
        '2025-03-01 14:00 "Café talk"'
    )


def test_an_event_without_summary_gets_a_placeholder_title_warned() -> None:
    text = calendar(
        event("a", ":20250301T100000Z", ":20250301T110000Z", title=""),
        event("b", ":20250301T120000Z", ":20250301T130000Z", title=""),
        head="X-WR-CALNAME:T\nX-WR-TIMEZONE:UTC",
    )
    imported = read(text)
    assert {e.title for e in imported.schedule.events} == {ics.UNTITLED}
    assert [str(w) for w in imported.warnings] == [
        f"<string>: 2 sessions without SUMMARY, titled {ics.UNTITLED!r}: "
        "2025-03-01 10:00; 2025-03-01 12:00"
    ]


def test_same_uid_twice_is_kept_once_or_kept_apart_by_start() -> None:
    same = event("dup", ":20250301T100000Z", ":20250301T110000Z", "Same")
    later = event("dup", ":20250302T100000Z", ":20250302T110000Z", "Other")
    imported = read(calendar(later, same, same, head="X-WR-CALNAME:D"))
    events = by_id(imported.schedule)
    assert sorted(events) == ["dup", "dup-2"]
    assert (events["dup"].title, events["dup-2"].title) == ("Same", "Other")
    messages = [str(w) for w in imported.warnings]
    assert messages[:2] == [
        "<string>: 1 session listed more than once, the same in every field, kept once: "
        '2025-03-01 10:00 "Same"',
        "<string>: 1 session sharing a UID with other sessions that differ, each kept, the later "
        'ones with the id suffixed -2, -3... by start: 2025-03-02 10:00 "Other" as "dup-2"',
    ]


def test_the_language_of_summary_or_description_is_the_sessions() -> None:
    text = calendar(
        event("a", ":20250301T100000Z", ":20250301T110000Z", title="Hallo").replace(
            "SUMMARY:", "SUMMARY;LANGUAGE=de:"
        ),
        event("b", ":20250301T120000Z", ":20250301T130000Z", extra="DESCRIPTION;LANGUAGE=pt-BR:Oi"),
        event("c", ":20250301T140000Z", ":20250301T150000Z", title="Hi").replace(
            "SUMMARY:", 'SUMMARY;LANGUAGE="no tag":'
        ),
        head="X-WR-CALNAME:L\nX-WR-TIMEZONE:UTC",
    )
    imported = read(text)
    assert {e.id: e.language for e in imported.schedule.events} == {
        "a": "de",
        "b": "pt-BR",
        "c": None,
    }
    assert [w.message for w in imported.warnings] == [
        "1 session with a LANGUAGE that is not a language tag (such as en or pt-BR), left out: "
        '2025-03-01 14:00 "Hi"'
    ]


def test_control_characters_in_text_are_removed_warned_not_refused() -> None:
    text = calendar(
        event("a", ":20250301T100000Z", ":20250301T110000Z", title="Hal\x1b[2Jlo"),
        head="X-WR-CALNAME:C\nX-WR-TIMEZONE:UTC",
    )
    imported = read(text)
    assert [e.title for e in imported.schedule.events] == ["Hal[2Jlo"]
    assert [w.message.partition(":")[0] for w in imported.warnings] == [
        "1 session with control characters a calendar cannot hold, or line breaks in a category, "
        "removed"
    ]


def test_an_unknown_status_and_a_bad_url_are_left_out_warned() -> None:
    text = calendar(
        event(
            "a",
            ":20250301T100000Z",
            ":20250301T110000Z",
            extra="STATUS:NEEDS-ACTION\nURL:https://user:secret@example.org/",
        ),
        head="X-WR-CALNAME:S\nX-WR-TIMEZONE:UTC",
    )
    imported = read(text)
    (only,) = imported.schedule.events
    assert (only.status, only.url) == (None, None)
    assert len(imported.warnings) == 2
    assert "secret" not in " ".join(str(w) for w in imported.warnings)


def test_dtstamp_follows_the_readers_policy(tmp_path: Path) -> None:
    text = calendar(event("a", ":20250301T100000Z", ":20250301T110000Z"), head="X-WR-CALNAME:D")
    assert readers.loads(text).dtstamp == EPOCH
    given = dt.datetime(2025, 1, 2, tzinfo=UTC)
    assert readers.loads(text, dtstamp=given).dtstamp == given
    modified = text.replace("SUMMARY:Talk", "SUMMARY:Talk\r\nLAST-MODIFIED:20250203T040506Z")
    assert readers.loads(modified, dtstamp=given).dtstamp == dt.datetime(
        2025, 2, 3, 4, 5, 6, tzinfo=UTC
    )
    path = tmp_path / "p.ics"
    path.write_text(modified, "utf-8")
    assert confcal.load(path).dtstamp == dt.datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BEGIN:VCALENDAR\r\nhello\r\nEND:VCALENDAR\r\n", "not a valid iCalendar file"),
        ("BEGIN:VCALENDAR\r\nX-WR-CALNAME:E\r\nEND:VCALENDAR\r\n", "holds no events (VEVENT)"),
        (MINIMAL + MINIMAL, "holds 2 calendars (VCALENDAR)"),
    ],
)
def test_files_that_are_no_programme_are_refused(text: str, expected: str) -> None:
    assert expected in problems(text, format="ics")[0]


def test_a_file_not_in_utf8_is_refused_saying_so() -> None:
    data = MINIMAL.replace("Talk", "Caf\xe9").encode("latin-1")
    assert "not UTF-8" in problems(data)[0]  # type: ignore[arg-type]


# --- Hostile input -------------------------------------------------------------------------------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEED = GOOGLE.splitlines(keepends=True) + OUTLOOK_ZONE.strip().splitlines(keepends=True)
PIECES = st.sampled_from(
    [
        "BEGIN:VEVENT\r\n", "END:VEVENT\r\n", "BEGIN:VTIMEZONE\r\n", "END:VTIMEZONE\r\n",
        "DTSTART;TZID=W. Europe Standard Time:20250101T000000\r\n", "RRULE:FREQ=SECONDLY\r\n",
        "RRULE:FREQ=YEARLY;COUNT=999999999\r\n", "DTSTART;VALUE=DATE:99991231\r\n",
        "DURATION:-P1D\r\n", "EXDATE:x\r\n", "RECURRENCE-ID:20250303T090000Z\r\n",
        "TZID:Europe/Berlin\r\n", "DTEND:00010101T000000Z\r\n", "UID:\r\n", "SUMMARY:\x00\r\n",
        "CATEGORIES:,,,\r\n", "X-WR-TIMEZONE:\\\r\n",
        "RDATE;VALUE=PERIOD:20250101T000000Z/PT1H\r\n",
        "RRULE:FREQ=MONTHLY;COUNT=3;BYMONTH=2;BYDAY=5SU\r\n",
        "RRULE:FREQ=HOURLY;UNTIL=20250310T000000Z;BYMONTHDAY=29;BYMONTH=2\r\n",
    ]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = list(SEED)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(lines)))
        choice = draw(st.integers(0, 3))
        if choice == 0 and lines:
            del lines[min(where, len(lines) - 1)]
        elif choice == 1:
            lines.insert(where, draw(PIECES))
        elif choice == 2:
            lines.insert(where, draw(st.text(max_size=30)) + "\r\n")
        elif lines:
            at = min(where, len(lines) - 1)
            cut = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:cut] + draw(st.text(max_size=5)) + lines[at][cut:]
    return "".join(lines)


@FUZZ
@given(text=mutated() | st.text(max_size=200).map(lambda t: "BEGIN:VCALENDAR\r\n" + t))
def test_hostile_ics_gives_a_schedule_or_invalid_input_never_another_exception(text: str) -> None:
    try:
        schedule = readers.loads(text, format="ics", timezone="Europe/Berlin")
    except InvalidInput:
        return
    confcal.to_ical(schedule)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=mutated())
def test_hostile_ics_through_check_exits_0_or_1_with_only_error_and_warning_lines(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("ics") / "hostile.ics"
    path.write_text(text, "utf-8", errors="surrogatepass")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1)
    for line in result.stderr.splitlines():
        assert line.startswith(("error: ", "warning: ")), line
