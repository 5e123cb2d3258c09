"""Recurring events of an .ics expanded into their occurrences, within bounds a programme keeps.

recurring-ical-events does the expansion (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides); this
module decides what it is asked: a rule without end, one that reaches past a year, one giving
more than :data:`MAX_OCCURRENCES` sessions, or one of the parts dateutil searches until the year
9999 for (BYSETPOS, a day no month has) is refused before any expansion, so that reading a file
takes about a second at most whatever its rules say.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import warnings
from typing import Any

import attrs
import icalendar

from confcal.errors import shown

from . import _ics_times

__all__ = [
    "MAX_OCCURRENCES", "SHORT_WINDOW", "WINDOW", "Refusal", "expand", "recurrence", "recurs",
    "written",
]  # fmt: skip

#: The most sessions one recurring event may give: a programme's session does not recur forever.
MAX_OCCURRENCES = 1000
#: How long after its first start a recurring event's occurrences may lie, as long as the model
#: lets a session last; which also bounds the work of a rule that never or rarely matches.
WINDOW = dt.timedelta(days=366)
#: The same for a rule by the hour or minute, whose every hour or minute of the window is looked
#: at (a rule by the second is refused: a year of seconds takes most of a minute to look at).
SHORT_WINDOW = dt.timedelta(days=31)
_SUBDAILY = frozenset(("HOURLY", "MINUTELY"))


@attrs.frozen
class Refusal:
    """Why a recurring event is not expanded, and the property that says it."""

    message: str
    field: str
    value: object = None


def expand(components: list[icalendar.Event]) -> list[icalendar.Event] | Refusal:
    """The occurrences of a recurring event, overrides applied (recurring-ical-events),
    looked for within :data:`WINDOW` of its first start; a :class:`Refusal` for a rule that
    ends later or never, or that gives more than :data:`MAX_OCCURRENCES`."""
    starts = [_day(_ics_times.value(c.get("DTSTART"))) for c in components]
    first = min((d for d in starts if d is not None), default=None)
    if first is None:
        return Refusal("has no DTSTART that can be read", "DTSTART")
    frequencies = {str(f).upper() for c in components for r in _rules(c) for f in r["FREQ"]}
    if "SECONDLY" in frequencies:
        return Refusal(
            "recurs by the second (FREQ=SECONDLY); a programme's session does not: list "
            "its sessions, or give a coarser rule",
            "RRULE",
        )
    window = (first, first + (SHORT_WINDOW if frequencies & _SUBDAILY else WINDOW))
    late = [d for c in components for d in _rdates(c) if not first <= d <= window[1]]
    if late:
        return Refusal(
            f"RDATE {late[0].isoformat()} is not within {_days(window)} of its start "
            f"({first.isoformat()}); a programme's session does not recur so long",
            "RDATE",
        )
    for component in components:
        for rule in _rules(component):
            refused = _unbounded(rule, component, window)
            if refused is not None:
                return Refusal(refused, "RRULE", written(rule))
    found = _occurrences(components, window)
    if isinstance(found, str):
        return Refusal(found, "RRULE")
    return found


def _unbounded(
    rule: Any, component: icalendar.Event, window: tuple[dt.date, dt.date]
) -> str | None:
    """Why a rule is refused (``None``: it is not): no end, an UNTIL past the window, or a
    COUNT too big or not reached within it."""
    text = shown(written(rule))
    unsupported = _unsupported(rule)
    if unsupported is not None:
        return f"{text} {unsupported}"
    if not {"COUNT", "UNTIL"} & set(rule):
        return (
            f"{text} recurs without end (neither COUNT nor UNTIL); a programme's session "
            "does not recur forever: give it a COUNT or an UNTIL"
        )
    ends = [d for d in map(_day, rule.get("UNTIL", [])) if d is not None]
    if any(d > window[1] for d in ends):
        return (
            f"{text} recurs until {max(ends).isoformat()}, more than {_days(window)} after "
            f"it starts ({window[0].isoformat()}); a programme's session does not"
        )
    return _count_beyond(rule, component, window, text)


def _count_beyond(
    rule: Any, component: icalendar.Event, window: tuple[dt.date, dt.date], text: str
) -> str | None:
    """Why a rule's COUNT is refused: too many, or not all within the window (``None``: fine)."""
    counts = [n for n in rule.get("COUNT", []) if isinstance(n, int)]
    if not counts:
        return None
    if counts[0] > MAX_OCCURRENCES:
        return f"{text} recurs more than {MAX_OCCURRENCES} times; a programme's session does not"
    # The rule alone (no RDATE, EXDATE or override), to see that all its COUNT fall in the window.
    alone = copy.deepcopy(component)
    for name in ("RDATE", "EXDATE", "RRULE"):
        alone.pop(name, None)
    alone.add("RRULE", rule)
    found = _occurrences([alone], window)
    if isinstance(found, str):
        return found
    if len(found) < counts[0]:
        return (
            f"{text}: its {counts[0]} occurrences do not all fall within {_days(window)} of "
            f"its start ({window[0].isoformat()}); a programme's session does not recur so long"
        )
    return None


def _occurrences(
    components: list[icalendar.Event], window: tuple[dt.date, dt.date]
) -> list[icalendar.Event] | str:
    """The occurrences of one recurring event within the window (its last day included), or
    why there are none: recurring-ical-events' error, or more than :data:`MAX_OCCURRENCES`."""
    # Here, not at the top: every command imports the readers, and this takes 23 ms of start-up
    # that only a recurring event needs.
    import recurring_ical_events

    holder = icalendar.Calendar()
    for component in components:
        holder.add_component(component)
    try:
        with warnings.catch_warnings():  # its guesses and deprecations are not the user's
            warnings.simplefilter("ignore")
            query: Any = recurring_ical_events.of(holder)
            span = query.between(window[0], window[1] + dt.timedelta(days=1))
            found = list(itertools.islice(span, MAX_OCCURRENCES + 1))
    except Exception as error:  # the library's own errors, or dateutil's on a broken rule
        return f"its recurrence cannot be expanded: {shown(str(error))}"
    if len(found) > MAX_OCCURRENCES:
        return (
            f"recurs more than {MAX_OCCURRENCES} times; a programme's session does not: give "
            "its RRULE a smaller COUNT or an earlier UNTIL"
        )
    return found


#: The parts of a rule confcal expands: those a programme's sessions recur by. Others (BYSETPOS,
#: BYYEARDAY, BYWEEKNO, BYSECOND) are refused, as is a day no month named has: dateutil looks for
#: a match of a rule that never matches until the year 9999, which takes minutes.
_RULE_PARTS = frozenset(
    ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTH", "BYMONTHDAY", "BYHOUR", "BYMINUTE",
     "WKST")
)  # fmt: skip
_LONGEST = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # days in each month, at most
_MOST_WEEKDAYS = {"MONTHLY": 5, "YEARLY": 53}  # the most Mondays (say) a month or year has


def _unsupported(rule: Any) -> str | None:
    """What of a rule confcal does not expand (``None``: all of it)."""
    others = sorted(str(part) for part in set(rule) - _RULE_PARTS)
    if others:
        return (
            f"uses {', '.join(others)}, which confcal does not expand (it reads FREQ, INTERVAL, "
            "COUNT, UNTIL, BYDAY, BYMONTH, BYMONTHDAY, BYHOUR, BYMINUTE and WKST): list the "
            "sessions with RDATE instead"
        )
    months = [int(m) for m in rule.get("BYMONTH", []) if str(m).isdigit() and 1 <= int(m) <= 12]
    days = [d for d in rule.get("BYMONTHDAY", []) if isinstance(d, int)]
    if days and not any(abs(d) <= _LONGEST[m] for m in months or range(1, 13) for d in days):
        return "names a day of the month that none of its months has, so it never occurs"
    most = _MOST_WEEKDAYS.get(str(rule["FREQ"][0]).upper(), 53)
    for day in rule.get("BYDAY", []):
        relative = getattr(day, "relative", None)
        if isinstance(relative, int) and not 0 < abs(relative) <= most:
            return f"names the weekday {shown(str(day))}, which never occurs"
    return None


def _days(window: tuple[dt.date, dt.date]) -> str:
    return f"{(window[1] - window[0]).days} days"


def _rdates(component: icalendar.Event) -> list[dt.date]:
    """The days of a VEVENT's RDATEs (a PERIOD's start)."""
    props = component.get("RDATE")
    days = []
    for prop in props if isinstance(props, list) else [props]:
        for item in getattr(prop, "dts", None) or []:
            value = _ics_times.value(item)
            day = _day(value[0] if isinstance(value, tuple) and value else value)
            if day is not None:
                days.append(day)
    return days


def recurs(component: icalendar.Event) -> bool:
    return "RRULE" in component or "RDATE" in component


def _rules(component: icalendar.Event) -> list[Any]:
    rules = component.get("RRULE")
    if rules is None:
        return []
    return [
        r
        for r in (rules if isinstance(rules, list) else [rules])
        if isinstance(r, dict) and isinstance(r.get("FREQ"), list)
    ]


def written(value: Any) -> str:
    written = _ics_times.written(value)
    return written if isinstance(written, str) else str(written)


def recurrence(component: icalendar.Event) -> dt.date | None:
    """An occurrence's RECURRENCE-ID (its original start, as written), or ``None``."""
    value = _ics_times.value(component.get("RECURRENCE-ID"))
    return value if isinstance(value, dt.date) else None


def _day(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None
