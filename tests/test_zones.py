"""Localizing wall-clock times (confcal.zones): right in any year, refused where ambiguous."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import zoneinfo

import pytest

import confcal
from confcal import zones
from confcal.errors import InvalidInput

UTC = dt.UTC


def _zoneinfo(zone: str) -> zoneinfo.ZoneInfo:
    """zoneinfo's zone from the tzdata package, the data confcal is specified against."""
    with importlib.resources.files("tzdata").joinpath("zoneinfo", *zone.split("/")).open("rb") as f:
        return zoneinfo.ZoneInfo.from_file(f, key=zone)


def test_pytz_localization_is_right_after_2037() -> None:
    local = zones.localize(dt.datetime(2038, 7, 1, 12, 0), "America/New_York")
    assert local.utcoffset() == dt.timedelta(hours=-4)
    assert local.tzinfo.zone == "America/New_York"  # type: ignore[union-attr]
    assert local.astimezone(UTC) == dt.datetime(2038, 7, 1, 16, 0, tzinfo=UTC)


def test_time_in_spring_forward_gap_is_refused_naming_event_and_time() -> None:
    document = {
        "calendar": {"name": "T", "timezone": "America/New_York"},
        "events": [
            {"id": "gap", "title": "T", "start": "2025-03-09T02:30", "end": "2025-03-09T04:00"}
        ],
    }
    with pytest.raises(InvalidInput) as caught:
        confcal.loads(json.dumps(document), source="events.json")
    (problem,) = caught.value.problems
    assert (problem.event, problem.field) == ('"gap"', "start")
    assert "2025-03-09T02:30 does not exist in America/New_York" in str(problem)


def test_time_in_repeated_hour_without_offset_is_refused() -> None:
    document = {
        "calendar": {"name": "T", "timezone": "America/New_York"},
        "events": [
            {"id": "twice", "title": "T", "start": "2025-11-02T01:30", "end": "2025-11-02T03:00"}
        ],
    }
    with pytest.raises(InvalidInput, match="occurs twice"):
        confcal.loads(json.dumps(document))


def test_offset_that_disagrees_with_the_zone_is_refused() -> None:
    document = {
        "calendar": {"name": "T", "timezone": "America/New_York"},
        "events": [
            {"id": "e", "title": "T", "start": "2024-11-18T11:21-04:00", "end": "2024-11-18T12:00"}
        ],
    }
    with pytest.raises(
        InvalidInput, match=r"UTC offset -04:00 disagrees with America/New_York, which is -05:00"
    ):
        confcal.loads(json.dumps(document))


def test_from_instant_tells_the_two_times_of_a_repeated_hour_apart() -> None:
    berlin = _zoneinfo("Europe/Berlin")
    first = dt.datetime(2024, 10, 27, 2, 30, tzinfo=berlin)
    second = first.replace(fold=1)
    assert zones.from_instant(first, "Europe/Berlin").astimezone(UTC).hour == 0
    assert zones.from_instant(second, "Europe/Berlin").astimezone(UTC).hour == 1
