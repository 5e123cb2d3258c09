"""TZif files and their POSIX footer (confcal._tzif): the transitions of a zone in any year."""

from __future__ import annotations

import datetime as dt
import zoneinfo

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


def test_a_zone_the_tzdata_package_lacks_is_no_zone_whatever_the_machine_has(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The machine knows Europe/Berlin; tzdata "does not": the machine's copy is not a fallback.
    def missing(name: str) -> bytes:
        raise FileNotFoundError(name)

    monkeypatch.setattr(_tzif, "_tzif", missing)
    with pytest.raises(zoneinfo.ZoneInfoNotFoundError):
        _tzif.tzdata_zone("Europe/Berlin")
