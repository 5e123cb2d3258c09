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

import attrs

from confcal import zones
from confcal._fields import MAX_ID_LENGTH
from confcal.model import Event

from ._common import Collector, quoted, session

__all__ = ["UNTITLED", "describe", "unique"]

#: The title of a session the file gives none: kept, with its room and time, not dropped.
UNTITLED = "Untitled session"


def describe(event: Event, zone: str) -> str:
    """The session as a warning lists it: its local start, room and title (:func:`session`)."""
    if isinstance(event.start, dt.datetime):
        when = zones.to_local(event.start, zone).isoformat(timespec="minutes")
    else:
        when = event.start.isoformat()
    return session(when, event.location, event.title) or f'"{event.id}"'


_TWICE = "listed more than once, the same in every field, kept once"


def unique(events: list[Event], out: Collector, zone: str, *, key: str) -> list[Event]:
    """The events with distinct ids (ignoring case, as file systems and the model do).

    One listed twice, the same in every field, is kept once. Several that share an id (``key``:
    what the file calls it, ``guid`` or ``UID``) and differ are all kept: the first by start
    keeps the id, the others get ``ID-2``, ``ID-3``... in the order they start (then by every
    other field), so the ids do not depend on the order of the file, and each stays the same
    on every rebuild as long as the sessions of that id do.
    """
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event.id.lower(), []).append(event)
    taken = set(groups)
    kept: list[Event] = []
    for group in groups.values():  # in the order of the file; the ids do not depend on it
        counts = Counter(group)  # by hash: a list's count() for each would compare every pair
        distinct = list(counts)
        if len(distinct) < len(group):
            for event in distinct:
                if counts[event] > 1:
                    out.repair(_TWICE, describe(event, zone))
        distinct.sort(key=lambda e: (e.sort_key(zone), repr(attrs.astuple(e))))
        kept.append(distinct[0])
        if len(distinct) == 1:
            continue
        shared = (
            f"scheduled in several slots under one {key}"
            if len({e.title for e in distinct}) == 1
            else f"sharing a {key} with other sessions that differ"
        )
        words = f"{shared}, each kept, the later ones with the id suffixed -2, -3... by start"
        for number, event in enumerate(distinct[1:], start=2):
            made = _free(event.id, number, taken)
            taken.add(made.lower())
            kept.append(attrs.evolve(event, id=made))
            out.repair(words, f"{describe(event, zone)} as {quoted(made)}")
    return kept


def _free(base: str, number: int, taken: set[str]) -> str:
    """``base-N`` for the first ``N`` from ``number`` on that no id of the file has."""
    for n in itertools.count(number):
        suffix = f"-{n}"
        made = f"{base[: MAX_ID_LENGTH - len(suffix)].rstrip('._-')}{suffix}"
        if made.lower() not in taken:
            return made
    raise AssertionError("unreachable")  # pragma: no cover - itertools.count never ends
