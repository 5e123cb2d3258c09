"""VTIMEZONEs (confcal._vtimezone): every reader, whichever way it resolves a TZID, gets
zoneinfo's instant."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import zoneinfo

import icalendar
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import confcal
import readers
from confcal import _tzif, _vtimezone
from ical_props import prop

UTC = dt.UTC

# (zone, local start, Outlook reads it right): Outlook's one-rule reading is right wherever the
# zone's current rule is a plain nth-weekday rule that was already in force at the session.
CASES = [
    ("America/New_York", "2024-11-18T11:21", True),
    ("America/New_York", "2024-03-10T03:00", True),  # first minute after the spring gap
    ("America/New_York", "2024-03-10T01:59", True),  # last minute before it
    ("America/New_York", "2024-11-03T00:59", True),  # just before the repeated hour
    ("America/New_York", "2024-11-03T02:00", True),  # just after it
    ("America/New_York", "2038-07-01T12:00", True),  # pytz knows no DST from here on
    ("America/New_York", "2040-07-15T09:00", True),
    ("America/New_York", "2100-06-01T09:00", True),
    ("America/New_York", "2100-12-01T09:00", True),
    ("America/New_York", "2005-04-01T09:00", False),  # before the 2007 rule: DST began 3 April
    ("America/New_York", "1975-01-15T09:00", False),
    ("Europe/Berlin", "2024-12-28T00:15", True),
    ("Europe/Berlin", "2025-03-30T03:00", True),
    ("Europe/Berlin", "2050-10-30T03:00", True),
    ("Europe/London", "2024-03-31T02:30", True),
    ("Europe/Dublin", "2024-07-01T12:00", True),  # negative DST in tzdata: winter is the "DST"
    ("Europe/Dublin", "2024-12-01T12:00", True),
    ("Europe/Dublin", "2060-07-01T12:00", True),
    ("Australia/Sydney", "2025-04-06T03:00", True),  # southern hemisphere
    ("Australia/Sydney", "2025-10-05T03:00", True),
    ("Australia/Sydney", "2070-01-15T10:00", True),
    ("Australia/Lord_Howe", "2025-01-01T12:00", True),  # half-hour DST
    ("Australia/Lord_Howe", "2025-07-01T12:00", True),
    ("America/Santiago", "2025-09-07T01:00", False),  # "Sunday after the first Saturday"
    ("America/Santiago", "2025-04-05T22:00", False),  # the hour before clocks go back at 24:00
    ("America/Santiago", "2025-04-06T00:30", False),
    ("America/Santiago", "2060-07-01T12:00", False),
    ("America/Nuuk", "2025-03-29T21:00", False),  # changes at -01:00, on Saturday
    ("America/Nuuk", "2025-03-30T00:30", False),
    ("America/St_Johns", "2024-07-01T12:00", True),  # -02:30
    ("Asia/Kathmandu", "2024-06-01T09:00", True),  # +05:45
    ("Asia/Kathmandu", "2090-01-01T09:00", True),
    ("Asia/Kolkata", "2024-01-01T09:00", True),
    ("Pacific/Chatham", "2025-01-01T09:00", True),  # +13:45
    ("America/Mexico_City", "2021-07-01T12:00", False),  # dropped DST in 2022
    ("America/Mexico_City", "2024-07-01T12:00", True),
    ("Asia/Tehran", "2021-07-01T12:00", False),  # dropped DST in 2022
    ("Asia/Tehran", "2023-07-01T12:00", True),
    ("America/Sao_Paulo", "2018-12-01T12:00", False),  # dropped DST in 2019
    ("Africa/Casablanca", "2025-03-01T12:00", False),  # +00 during Ramadan, else +01
    ("Africa/Casablanca", "2025-06-01T12:00", True),
]


def _zoneinfo(zone: str) -> zoneinfo.ZoneInfo:
    """zoneinfo's zone from the tzdata package, the data confcal is specified against."""
    with importlib.resources.files("tzdata").joinpath("zoneinfo", *zone.split("/")).open("rb") as f:
        return zoneinfo.ZoneInfo.from_file(f, key=zone)


def _expected(zone: str, local: str, minutes: int = 90) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.fromisoformat(local).replace(tzinfo=_zoneinfo(zone)).astimezone(UTC)
    return start, start + dt.timedelta(minutes=minutes)


def _calendar(zone: str, starts: list[str], minutes: int = 90) -> bytes:
    events = [
        {"id": f"e{i}", "title": f"Session {i}", "start": start, "duration": f"PT{minutes}M"}
        for i, start in enumerate(starts)
    ]
    document = {"calendar": {"name": "Test", "timezone": zone, "uid_domain": "t"}, "events": events}
    return confcal.to_ical(confcal.loads(json.dumps(document)))


# vobject reads a VTIMEZONE that is UTC+0 at 2000-01-01 with no transitions in 2000-2020 as UTC,
# drops it and asks pytz for the TZID, and pytz knows no DST after 2037. Nothing in the file can
# help short of claiming rules for years before the first event.
_VOBJECT_PYTZ_HORIZON = pytest.mark.xfail(reason="vobject falls back to pytz, blind after 2037")
_DATEUTIL_TZIF_HORIZON = pytest.mark.xfail(
    reason="ics looks zones up with dateutil, whose releases before 3 ignore a TZif file's footer "
    "rule: no DST after 2037 (recurring-ical-events, the .ics reader's, pins python-dateutil<3)"
)


def _dateutil_blind(zone: str, local: str) -> bool:
    """Whether dateutil's ``gettz`` (what ``ics`` resolves a TZID with) misreads this time."""
    from dateutil import tz

    naive = dt.datetime.fromisoformat(local)
    found = tz.gettz(zone)
    return (
        found is not None
        and found.utcoffset(naive) != naive.replace(tzinfo=zoneinfo.ZoneInfo(zone)).utcoffset()
    )


def _reader_cases() -> list[object]:
    cases: list[object] = []
    for zone, local, _ in CASES:
        for reader in [*sorted(readers.FILE_ZONE_READERS), *sorted(readers.NAME_READERS)]:
            marks = []
            if reader == "vobject" and (zone, local) == ("Europe/Dublin", "2060-07-01T12:00"):
                marks.append(_VOBJECT_PYTZ_HORIZON)
            if reader == "ics" and _dateutil_blind(zone, local):
                marks.append(_DATEUTIL_TZIF_HORIZON)
            cases.append(
                pytest.param(zone, local, reader, marks=marks, id=f"{zone}@{local}-{reader}")
            )
    return cases


@pytest.fixture(scope="module")
def batch_results() -> dict[str, dict[tuple[str, str], readers.Times]]:
    """Each native client's reading of every case's calendar, from one run of it."""
    cases = [(zone, local) for zone, local, _ in CASES]
    datas = [_calendar(zone, [local]) for zone, local in cases]
    return {
        name: dict(zip(cases, read(datas), strict=True))
        for name, read in readers.BATCH_READERS.items()
        if name in readers.FILE_ZONE_READERS
    }


@pytest.mark.parametrize(("zone", "local", "reader"), _reader_cases())
def test_reader_gets_zoneinfo_instant(
    zone: str,
    local: str,
    reader: str,
    batch_results: dict[str, dict[tuple[str, str], readers.Times]],
) -> None:
    if reader in batch_results:
        times = batch_results[reader][(zone, local)]
    else:
        times = readers.ALL_READERS[reader](_calendar(zone, [local]))
    assert times == {"e0@t": _expected(zone, local)}


@pytest.mark.parametrize(
    ("zone", "local"),
    [(z, t) for z, t, ok in CASES if ok],
    ids=[f"{z}@{t}" for z, t, ok in CASES if ok],
)
def test_outlook_reading_of_vtimezone_gets_zoneinfo_instant(zone: str, local: str) -> None:
    data = _calendar(zone, [local])
    assert readers.outlook(data) == {"e0@t": _expected(zone, local)}


@pytest.mark.parametrize(
    ("zone", "starts"),
    [
        # One calendar spanning years, clock changes, and both sides of pytz's 2037 horizon.
        (
            "America/New_York",
            ["2024-03-01T09:00", "2024-07-01T09:00", "2037-11-01T09:00", "2041-07-01T09:00"],
        ),
        ("Australia/Sydney", ["2024-12-01T09:00", "2025-06-01T09:00", "2026-01-01T09:00"]),
        ("Europe/Dublin", ["2024-01-01T09:00", "2024-07-01T09:00", "2030-12-24T09:00"]),
    ],
)
def test_calendar_across_many_clock_changes_is_right_everywhere(
    zone: str, starts: list[str]
) -> None:
    data = _calendar(zone, starts)
    expected = {f"e{i}@t": _expected(zone, s) for i, s in enumerate(starts)}
    for reader in [*readers.FILE_ZONE_READERS.values(), readers.outlook]:
        assert reader(data) == expected


def test_calendar_spanning_a_rule_change_falls_back_to_explicit_transitions() -> None:
    # New York changed its rule in 2007: no one yearly rule covers 2005 and 2024.
    starts = ["2005-04-01T09:00", "2005-10-29T09:00", "2024-07-01T09:00"]
    data = _calendar("America/New_York", starts)
    expected = {f"e{i}@t": _expected("America/New_York", s) for i, s in enumerate(starts)}
    for reader in readers.FILE_ZONE_READERS.values():
        assert reader(data) == expected
    assert b"RDATE" in data and b"COMMENT" not in data


def _blocks(data: bytes) -> list[icalendar.cal.Component]:
    (vtz,) = icalendar.Calendar.from_ical(data).walk("VTIMEZONE")
    return list(vtz.subcomponents)


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Europe/Dublin"]
)
def test_vtimezone_is_one_standard_and_one_daylight_with_yearly_nth_weekday_rules(
    zone: str,
) -> None:
    blocks = _blocks(_calendar(zone, ["2025-01-15T09:00", "2025-08-15T09:00"]))
    assert sorted(str(b.name) for b in blocks) == ["DAYLIGHT", "STANDARD"]
    for block in blocks:
        rule = prop(block, "RRULE", icalendar.vRecur)
        assert rule["FREQ"] == ["YEARLY"] and len(rule["BYMONTH"]) == 1 and len(rule["BYDAY"]) == 1
        assert "RDATE" not in block and "COMMENT" not in block
    daylight = next(b for b in blocks if b.name == "DAYLIGHT")
    standard = next(b for b in blocks if b.name == "STANDARD")
    assert daylight.decoded("TZOFFSETTO") > standard.decoded("TZOFFSETTO")


def test_us_spring_change_is_written_at_two_in_the_morning_local_time() -> None:
    blocks = _blocks(_calendar("America/New_York", ["2024-11-18T11:21"]))
    daylight = next(b for b in blocks if b.name == "DAYLIGHT")
    standard = next(b for b in blocks if b.name == "STANDARD")
    assert daylight.decoded("DTSTART") == dt.datetime(2024, 3, 10, 2, 0)
    assert standard.decoded("DTSTART") == dt.datetime(2024, 11, 3, 2, 0)
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"


@pytest.mark.parametrize("local", ["2024-06-01T09:00", "2024-12-01T09:00", "2025-02-01T09:00"])
def test_observances_begin_at_or_before_the_first_event(local: str) -> None:
    first = dt.datetime.fromisoformat(local)
    for block in _blocks(_calendar("Europe/Berlin", [local])):
        assert block.decoded("DTSTART") <= first


def test_zone_without_dst_gets_a_single_standard_without_rule() -> None:
    (block,) = _blocks(_calendar("Asia/Kathmandu", ["2024-06-01T09:00"]))
    assert block.name == "STANDARD" and "RRULE" not in block
    assert (
        block.decoded("TZOFFSETTO")
        == block.decoded("TZOFFSETFROM")
        == dt.timedelta(hours=5, minutes=45)
    )


def test_sunday_after_first_saturday_is_a_monthday_window_rule() -> None:
    blocks = _blocks(_calendar("America/Santiago", ["2025-07-01T12:00"]))
    daylight = next(b for b in blocks if b.name == "DAYLIGHT")
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=9"
    assert daylight.decoded("DTSTART").time() == dt.time(0, 0)


@pytest.mark.parametrize(("offset", "utc_hour"), [("-04:00", 5), ("-05:00", 6)])
def test_offset_picks_one_side_of_the_repeated_hour_and_every_reader_keeps_it(
    offset: str, utc_hour: int
) -> None:
    document = {
        "calendar": {"name": "T", "timezone": "America/New_York", "uid_domain": "t"},
        "events": [
            {"id": "e", "title": "T", "start": f"2025-11-02T01:30{offset}", "duration": "PT20M"}
        ],
    }
    data = confcal.to_ical(confcal.loads(json.dumps(document)))
    start = dt.datetime(2025, 11, 2, utc_hour, 30, tzinfo=UTC)
    assert (
        b"DTSTART:20251102T0" + str(utc_hour).encode() + b"3000Z" in data
    )  # UTC: no reader can misread it
    for reader in readers.ALL_READERS.values():
        assert reader(data) == {"e@t": (start, start + dt.timedelta(minutes=20))}


def test_each_zone_used_gets_one_vtimezone_per_file() -> None:
    document = {
        "calendar": {"name": "T", "timezone": "America/New_York", "uid_domain": "t"},
        "events": [
            {"id": "a", "title": "A", "start": "2024-11-18T09:00", "end": "2024-11-18T10:00"},
            {
                "id": "b",
                "title": "B",
                "start": "2024-11-18T16:00",
                "end": "2024-11-18T17:00",
                "timezone": "Europe/Berlin",
            },
            {
                "id": "c",
                "title": "C",
                "start": "2024-11-19T16:00",
                "end": "2024-11-19T17:00",
                "timezone": "Europe/Berlin",
            },
        ],
    }
    data = confcal.to_ical(confcal.loads(json.dumps(document)))
    cal = icalendar.Calendar.from_ical(data)
    assert sorted(str(v["TZID"]) for v in cal.walk("VTIMEZONE")) == [
        "America/New_York",
        "Europe/Berlin",
    ]
    times = readers.by_vobject(data)
    assert times["b@t"][0] == dt.datetime(2024, 11, 18, 15, 0, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/Berlin:20241118T160000" in data


def test_result_does_not_depend_on_the_machines_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    baseline = _calendar("America/New_York", ["2024-11-18T11:21"])
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        assert _calendar("America/New_York", ["2024-11-18T11:21"]) == baseline
    finally:
        monkeypatch.undo()
        time.tzset()


def _all_zones() -> list[str]:
    import zoneinfo as zi

    return sorted(
        z for z in zi.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(_all_zones()),
    local=st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2100, 12, 30)),
)
def test_any_zone_any_year_reads_back_at_zoneinfo_instant(zone: str, local: dt.datetime) -> None:
    local = local.replace(second=0, microsecond=0)
    info = _zoneinfo(zone)
    aware = local.replace(tzinfo=info)
    assume(aware.astimezone(UTC).astimezone(info).replace(tzinfo=None) == local)  # not in a gap
    assume(local.replace(fold=1, tzinfo=info).utcoffset() == aware.utcoffset())  # not repeated
    data = _calendar(zone, [local.isoformat(timespec="minutes")], minutes=45)
    expected = {"e0@t": _expected(zone, local.isoformat(timespec="minutes"), minutes=45)}
    assert readers.by_dateutil_tzical(data) == expected
    assert readers.by_icalendar_file_zone(data) == expected


def test_calendar_spanning_two_centuries_is_right_in_every_file_zone_reader() -> None:
    starts = ["1950-06-01T10:00", "2007-03-11T03:00", "2150-06-01T10:00", "2150-12-01T10:00"]
    data = _calendar("America/New_York", starts)
    expected = {f"e{i}@t": _expected("America/New_York", s) for i, s in enumerate(starts)}
    for reader in readers.FILE_ZONE_READERS.values():
        assert reader(data) == expected


@pytest.mark.parametrize(
    ("zone", "local"), [("Etc/GMT-3", "1969-07-20T20:00"), ("America/Inuvik", "1955-07-01T12:00")]
)
def test_fixed_offset_before_1970_is_described_from_before_the_session(
    zone: str, local: str
) -> None:
    data = _calendar(zone, [local])
    assert readers.by_dateutil_tzical(data) == {"e0@t": _expected(zone, local)}


def test_every_zone_is_described_across_its_first_change_since_1900() -> None:
    # A span from before a zone's first transition of the accepted years (1900 on) to after it;
    # zones whose previous transition lies before 1850 (London's, in 1847) once had no opening.
    floor = dt.datetime(1900, 1, 2, tzinfo=UTC)
    for zone in _all_zones():
        instants = [t for t in _tzif.tzif_transitions(zone)[0] if t > floor]
        if instants:
            first, last = instants[0] - dt.timedelta(days=1), instants[0] + dt.timedelta(days=1)
            _vtimezone.zone_definition(zone, max(first, floor), last)


@pytest.mark.parametrize("zone", ["Europe/London", "EST5EDT", "Asia/Yerevan"])
def test_calendar_from_1905_to_2025_reads_right(zone: str) -> None:
    starts = ["1905-05-20T10:00", "2025-05-22T10:00"]
    data = _calendar(zone, starts)
    expected = {f"e{i}@t": _expected(zone, s) for i, s in enumerate(starts)}
    assert readers.by_dateutil_tzical(data) == expected
