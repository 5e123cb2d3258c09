"""TZif files and their POSIX footer (confcal._tzif): the transitions of a zone in any year."""

from __future__ import annotations

import datetime as dt

import pytest

from confcal import _tzif

UTC = dt.UTC


@pytest.mark.parametrize(
    "zone",
    ["America/New_York", "Europe/Dublin", "Australia/Sydney", "America/Santiago", "America/Nuuk"],
)
def test_transitions_after_the_tzif_list_follow_zoneinfo(zone: str) -> None:
    lo, hi = dt.datetime(2036, 1, 1, tzinfo=UTC), dt.datetime(2045, 1, 1, tzinfo=UTC)
    by_rule = [
        (t.instant, t.before.offset, t.after.offset) for t in _tzif.transitions(zone, lo, hi)
    ]
    by_zoneinfo = [(t.instant, t.before.offset, t.after.offset) for t in _tzif.scan(zone, lo, hi)]
    assert by_rule == by_zoneinfo
    assert len(by_rule) == 18
