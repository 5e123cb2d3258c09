"""Which a pretalx/frab file means when its UTC offsets and its printed times disagree.

A session's ``date`` says two things: the time of day printed in the programme
(``2019-06-12T10:00:00``) and a UTC offset (``+00:00``) that makes it an instant. They should
agree with the conference's zone. Where they do not, one of them is wrong, and real files get
either wrong:

- the offsets, the same wrong amount for (nearly) every session: a Montreal conference whose
  exporter wrote ``+00:00`` after the local time, a Spanish one writing ``+0100`` in October
  (Spain was on +02:00). The printed times are what attendees see on the website: read the
  times as printed in the zone, or every session is published hours off;
- a few sessions in another zone on purpose: an online talk given from New York in a European
  programme. Its offset is right: keep its instant.

So the default (``trust="auto"``) reads the printed times when the zone was given with
``--timezone`` (the organizer says where the clock is) or when more than half of the sessions
disagree by one amount (a systematic fault); else the offsets. A zone without offsets of its own
(UTC) never outvotes the offsets: such a file is more likely to name the wrong zone. ``--trust
offsets`` and ``--trust clock`` choose. Either way, one warning names the sessions concerned,
the amount, which reading was published and why.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from confcal import zones
from confcal.errors import InvalidInput

from ._common import Collector, Trust
from ._frab_parsed import RawEvent, clean
from ._frab_times import parse_instant, printed

__all__ = ["read_by_clock"]


def read_by_clock(
    out: Collector, raws: Iterable[RawEvent], zone: str, *, trust: Trust, zone_given: bool
) -> bool:
    """Whether the file's offset-bearing dates are to be read as the times they print in
    ``zone`` (else as the instants their offsets make them), with one warning listing the
    sessions whose two readings differ, if any do."""
    dated, differ, zone_offsets = _survey(raws, zone)
    if not differ:
        return trust == "clock"  # where every session agrees, the two readings are one
    amounts = Counter(amount for _, amount, _ in differ)
    clock, why = _choice(
        trust,
        zone,
        zone_given=zone_given,
        utc_like=zone_offsets == {dt.timedelta()},
        fault=_fault(dated, differ, amounts),
        agreeing=(dated - len(differ)) * 2 > dated,
    )
    by = " or ".join(_amount(a) for a in sorted(amounts, key=lambda a: (-amounts[a], a))[:3])
    words = (
        f"whose date's UTC offset is not that of {zone} at the time it prints (the offset "
        f"moves them {by}): published at "
        + (
            f"the printed time in {zone}, {why}; --trust offsets keeps the offsets' instants"
            if clock
            else f"the offset's instant, {why}; --trust clock publishes the printed times"
        )
    )
    for raw, _, _ in differ:
        out.repair(words, raw.place)
    return clock


_Differing = list[tuple[RawEvent, dt.timedelta, dt.timedelta]]


def _survey(raws: Iterable[RawEvent], zone: str) -> tuple[int, _Differing, set[dt.timedelta]]:
    """How many sessions have an offset-bearing date, those whose offset is not the zone's at
    the time it prints (with the difference and the offset written), and the zone's offsets."""
    dated, differ, zone_offsets = 0, [], set()
    for raw in raws:
        text = clean(raw.text.get("date"))
        written = parse_instant(text) if text else None
        offset = written.utcoffset() if written is not None else None
        if written is None or offset is None or not 1900 <= written.year <= 2199:
            continue
        try:
            local = printed(written.replace(tzinfo=None), zone, offset)[0]
        except InvalidInput:  # before the zone kept standard time: its own problem, later
            continue
        in_zone = local.utcoffset() or dt.timedelta()
        dated += 1
        zone_offsets.add(in_zone)
        if in_zone != offset:
            differ.append((raw, in_zone - offset, offset))
    return dated, differ, zone_offsets


def _choice(
    trust: Trust, zone: str, *, zone_given: bool, utc_like: bool, fault: str | None, agreeing: bool
) -> tuple[bool, str]:
    """Whether to publish the printed times, and why (the README's "UTC offsets that
    disagree")."""
    if utc_like and trust == "auto" and not zone_given:
        return False, (
            f"as {zone} has no offsets of its own; if the programme is elsewhere, give its zone "
            "with --timezone"
        )
    if trust != "auto":
        return trust == "clock", f"as asked (--trust {trust})"
    if zone_given:
        return True, "as the zone was given with --timezone"
    if fault is not None:
        return True, fault
    if agreeing:
        return False, f"as most sessions agree with {zone}"
    return False, "as no one fault of the file explains most of them"


def _fault(dated: int, differ: _Differing, amounts: Counter[dt.timedelta]) -> str | None:
    """Why the offsets are a systematic fault of the file, if they are: more than half of the
    sessions disagree by one amount, or more than half disagree, all written with one offset
    (+00:00 on both sides of a clock change is 4 h off, then 5 h)."""
    if max(amounts.values()) * 2 > dated:
        return "as most sessions disagree by that much"
    written = {offset for _, _, offset in differ}
    if len(differ) * 2 > dated and len(written) == 1:
        return f"as most sessions disagree, all written {zones.format_offset(written.pop())}"
    return None


def _amount(amount: dt.timedelta) -> str:
    """How far an offset moves a session from its printed time: ``4 h earlier``."""
    minutes = abs(amount) // dt.timedelta(minutes=1)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    size = " ".join(parts)
    return f"{size} {'earlier' if amount < dt.timedelta() else 'later'}"
