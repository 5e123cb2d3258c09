"""Repairs that more than one reader makes to a file someone else published.

A pretalx/frab schedule or an .ics is not the organizer's to fix, so what it gets wrong in a way
confcal can put right is put right, the same way on every run, and said once per kind
(:meth:`~._common.Collector.repair`): a session listed twice, one id for several sessions (pretalx
exports a submission scheduled in several slots with one guid), a session without a title.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Mapping

import attrs

from confcal import zones
from confcal._fields import MAX_ID_LENGTH, calendar_text
from confcal._fields import text as line_breaks
from confcal.model import Event

from ._common import Collector, quoted, session

__all__ = ["TWICE", "UNTITLED", "Held", "describe", "unique"]

#: The title of a session the file gives none: kept, with its room and time, not dropped.
UNTITLED = "Untitled session"


class Held:
    """Text as a calendar can hold it (:func:`~confcal._fields.calendar_text`), and whether any
    had to change: a control character removed, a line break in a one-line field a space. One
    per session, so that its repair is said once."""

    def __init__(self) -> None:
        self.changed = False

    def __call__(self, value: str | None, *, one_line: bool = False) -> str | None:
        if value is None:
            return None
        kept = calendar_text(value, single_line=one_line)
        self.changed = self.changed or kept != line_breaks(value)
        return kept


def describe(event: Event, zone: str) -> str:
    """The session as a warning lists it: its local start, room and title (:func:`session`)."""
    if isinstance(event.start, dt.datetime):
        when = zones.to_local(event.start, zone).isoformat(timespec="minutes")
    else:
        when = event.start.isoformat()
    return session(when, event.location, event.title) or f'"{event.id}"'


#: The words of the repair to a session the file lists more than once.
TWICE = "listed more than once, the same in every field, kept once"


def unique(
    events: list[Event],
    out: Collector,
    zone: str,
    *,
    key: str,
    made: Mapping[str, str] | None = None,
) -> list[Event]:
    """The events with distinct ids (ignoring case, as file systems and the model do).

    One listed twice, the same in every field, is kept once. Several that share an id (``key``:
    what the file calls it, ``guid``, ``id`` or ``UID``; ``made``: the ids, in lower case, that
    confcal made of other fields, and of which) and differ are all kept: the first by start
    keeps the id, the others get ``ID-2``, ``ID-3``... in the order they start (then by every
    other field), so the ids do not depend on the order of the file, and each stays the same on
    every rebuild as long as the sessions of that id do.
    """
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event.id.lower(), []).append(event)
    taken = set(groups)
    kept: list[Event] = []
    for group_id, group in groups.items():  # in the order of the file; the ids do not depend on it
        counted = Counter(group)
        distinct = list(counted)
        for event in distinct:
            if counted[event] > 1:
                out.repair(TWICE, describe(event, zone))
        distinct.sort(key=lambda e: (e.sort_key(zone), repr(attrs.astuple(e))))
        kept.append(distinct[0])
        if len(distinct) == 1:
            continue
        shared = _shared(distinct, key, (made or {}).get(group_id))
        words = f"{shared}, each kept, the later ones with the id suffixed -2, -3... by start"
        for number, event in enumerate(distinct[1:], start=2):
            made_id = _free(event.id, number, taken)
            taken.add(made_id.lower())
            kept.append(attrs.evolve(event, id=made_id))
            out.repair(words, f"{describe(event, zone)} as {quoted(made_id)}")
    return kept


def _shared(sessions: list[Event], key: str, made_of: str | None) -> str:
    """How sessions come to share an id: one submission in several slots (pretalx), or not."""
    if made_of is not None:
        return f"with the same {made_of} as other sessions that differ (and no {key})"
    starts = {e.start for e in sessions}
    if len({e.title for e in sessions}) == 1 and len(starts) == len(sessions):
        return f"scheduled in several slots under one {key}"
    return f"sharing {'an' if key == 'id' else 'a'} {key} with other sessions that differ"


def _free(base: str, number: int, taken: set[str]) -> str:
    """``base-N`` for the first ``N`` from ``number`` on that no id of the file has."""
    for n in itertools.count(number):
        suffix = f"-{n}"
        made = f"{base[: MAX_ID_LENGTH - len(suffix)].rstrip('._-')}{suffix}"
        if made.lower() not in taken:
            return made
    raise AssertionError("unreachable")  # pragma: no cover - itertools.count never ends
