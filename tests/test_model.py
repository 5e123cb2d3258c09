"""Event and Schedule: valid on construction, conference days in the calendar's zone."""

from __future__ import annotations

import datetime as dt
from typing import Unpack

import attrs
import pytest
import pytz

from confcal import Event, InvalidInput, Schedule
from confcal.zones import localize
from fields import EventFields, ScheduleOptions, all_day, timed, untyped

NY = "America/New_York"


def at(text: str, zone: str = NY) -> dt.datetime:
    return localize(dt.datetime.fromisoformat(text), zone)


def event(**fields: Unpack[EventFields]) -> Event:
    values: EventFields = {
        "id": "e",
        "title": "Talk",
        "start": at("2024-11-18T11:21"),
        "end": at("2024-11-18T11:44"),
    }
    values.update(fields)
    return Event(**values)


def test_event_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event().title = "Other"  # type: ignore[misc]


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(InvalidInput, match="has no time zone"):
        event(start=dt.datetime(2024, 11, 18, 11, 21))


def test_pytz_zone_attached_with_replace_is_refused() -> None:
    lmt = dt.datetime(2024, 11, 18, 11, 21, tzinfo=pytz.timezone(NY))  # -04:56, New York's LMT
    with pytest.raises(InvalidInput, match=r"replace\(tzinfo=...\) instead of localize"):
        event(start=lmt)


def test_end_must_be_after_start() -> None:
    with pytest.raises(InvalidInput) as caught:
        event(end=at("2024-11-18T10:00"))
    (problem,) = caught.value.problems
    assert problem.field == "end"
    assert "2024-11-18T10:00-05:00 is not after start 2024-11-18T11:21-05:00" in problem.message


def test_all_day_and_timed_values_cannot_mix() -> None:
    with pytest.raises(InvalidInput, match="both be times or both be dates"):
        event(end=dt.date(2024, 11, 19))


@pytest.mark.parametrize(
    "bad_id", ["", "a/b", "../x", ".hidden", "a b", "é", "CON", "nul.txt", "x" * 201]
)
def test_id_that_cannot_name_a_file_is_refused(bad_id: str) -> None:
    with pytest.raises(InvalidInput, match="is not a usable id"):
        event(id=bad_id)


@pytest.mark.parametrize(
    "good_id", ["parsl-cwl", "a.b_c-1", "4312ebeb-307f-513e-982a-3cd6fed004ce"]
)
def test_ids_of_letters_digits_dots_underscores_and_dashes_are_accepted(good_id: str) -> None:
    assert event(id=good_id).id == good_id


@pytest.mark.parametrize("field", ["title", "location", "description", "type"])
def test_control_characters_are_refused_in_text(field: str) -> None:
    with pytest.raises(InvalidInput, match="control character"):
        event(**untyped({field: "bad\x1b[31m"}))


def test_windows_line_ends_in_text_become_newlines() -> None:
    assert event(description="one\r\ntwo\rthree").description == "one\ntwo\nthree"


def test_uid_is_the_id_at_the_domain() -> None:
    assert event(id="parsl-cwl").uid("sc24.example.org") == "parsl-cwl@sc24.example.org"


def test_session_after_midnight_stays_on_the_day_before_when_days_change_later() -> None:
    late = event(
        start=at("2024-12-28T01:30", "Europe/Berlin"), end=at("2024-12-28T03:00", "Europe/Berlin")
    )
    assert late.days("Europe/Berlin", dt.time(6, 0)) == [dt.date(2024, 12, 27)]
    assert late.days("Europe/Berlin") == [dt.date(2024, 12, 28)]


def test_session_starting_exactly_at_day_change_opens_the_new_day() -> None:
    early = event(
        start=at("2024-12-29T06:00", "Europe/Berlin"), end=at("2024-12-29T07:00", "Europe/Berlin")
    )
    assert early.days("Europe/Berlin", dt.time(6, 0)) == [dt.date(2024, 12, 29)]


def test_session_crossing_midnight_belongs_to_the_day_it_starts() -> None:
    crossing = event(start=at("2024-11-18T23:30"), end=at("2024-11-19T01:00"))
    assert crossing.days(NY) == [dt.date(2024, 11, 18)]


def test_conference_day_is_the_local_date_in_the_calendar_zone() -> None:
    # 18:00 in Berlin on the 18th is 12:00 in New York: the New York conference's 18th.
    remote = event(
        start=at("2024-11-19T01:00", "Asia/Tokyo"), end=at("2024-11-19T02:00", "Asia/Tokyo")
    )
    assert remote.days(NY) == [dt.date(2024, 11, 18)]


def test_all_day_event_belongs_to_every_day_it_spans() -> None:
    poster = event(start=dt.date(2024, 11, 19), end=dt.date(2024, 11, 22))
    assert poster.all_day
    assert poster.days(NY) == [dt.date(2024, 11, 19), dt.date(2024, 11, 20), dt.date(2024, 11, 21)]


def test_schedule_days_are_sub_schedules_in_date_order_with_the_same_uids() -> None:
    schedule = Schedule(
        name="Conf",
        timezone=NY,
        events=[
            event(id="b", start=at("2024-11-19T09:00"), end=at("2024-11-19T10:00")),
            event(id="a", start=at("2024-11-18T09:00"), end=at("2024-11-18T10:00")),
        ],
    )
    days = schedule.days()
    assert list(days) == [dt.date(2024, 11, 18), dt.date(2024, 11, 19)]
    assert [e.id for e in days[dt.date(2024, 11, 18)].events] == ["a"]
    assert days[dt.date(2024, 11, 19)].uid_host == schedule.uid_host


def test_duplicate_ids_in_a_schedule_are_refused_ignoring_case() -> None:
    with pytest.raises(InvalidInput, match="is used by another event too"):
        Schedule(name="C", timezone=NY, events=[event(id="Talk"), event(id="talk")])


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown time zone 'Mars/Olympus'"):
        Schedule(name="C", timezone="Mars/Olympus")


@pytest.mark.parametrize(
    ("fields", "host"),
    [
        ({"uid_domain": "sc24.example.org"}, "sc24.example.org"),
        ({"url": "https://Events.Example.org/"}, "events.example.org"),
        ({"url": "https://Events.Example.org/2024/?lang=de#top"}, "2024.events.example.org"),
        ({}, "parsl-at-sc24.confcal.invalid"),
    ],
)
def test_uid_host_comes_from_uid_domain_then_url_then_name(
    fields: ScheduleOptions, host: str
) -> None:
    assert Schedule(name="Parsl at SC24", timezone=NY, **fields).uid_host == host


def test_two_programmes_on_one_host_never_share_uids() -> None:
    years = [
        Schedule(name="FOSDEM", timezone=NY, url=f"https://fosdem.org/{y}/") for y in (2025, 2026)
    ]
    assert years[0].uid_host != years[1].uid_host


def test_names_that_differ_only_outside_ascii_give_different_uids() -> None:
    hosts = {
        Schedule(name=name, timezone=NY).uid_host for name in ("日本会議 2025", "東京会議 2025")
    }
    assert len(hosts) == 2


@pytest.mark.parametrize("field", ["title", "id"])
def test_missing_text_is_an_invalid_input_not_a_crash(field: str) -> None:
    with pytest.raises(InvalidInput):
        event(**untyped({field: None}))


def test_days_of_gives_each_event_its_conference_days_in_the_programmes_zone_and_day_change() -> (
    None
):
    late = timed(
        id="late", start=dt.datetime(2024, 11, 19, 1, 30), end=dt.datetime(2024, 11, 19, 2)
    )
    fair = all_day(dt.date(2024, 11, 18), dt.date(2024, 11, 19), id="fair")
    sched = Schedule(
        name="C", timezone="America/New_York", events=[late, fair], day_change=dt.time(4)
    )
    assert (
        sched.days_of(late) == late.days("America/New_York", dt.time(4)) == [dt.date(2024, 11, 18)]
    )
    assert sched.days_of(fair) == [dt.date(2024, 11, 18), dt.date(2024, 11, 19)]
    outsider = timed(id="x", start=dt.datetime(2024, 11, 20, 3), end=dt.datetime(2024, 11, 20, 4))
    assert sched.days_of(outsider) == [dt.date(2024, 11, 19)]  # not one of its events: worked out
