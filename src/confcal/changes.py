"""What changed for attendees between two versions of a programme: :func:`diff` and its text.

An attendee acts on when a session is, how long, where, and whether it happens: a
session's :class:`State` is exactly that, and the one comparison :mod:`confcal.history` (SEQUENCE
and LAST-MODIFIED) and ``confcal diff`` share. Sessions are matched by id, as their UIDs are: an
id spelt differently is another session to every calendar client. A new title or abstract is
no change here: it reaches subscribers with the next refresh and moves nobody's day.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import attrs

from . import zones
from .errors import shown
from .model import Event, Schedule

__all__ = ["Change", "Kind", "State", "describe", "diff"]


@attrs.frozen
class State:
    """When, how long, where and whether a session is, as plain text that compares exactly:
    times as UTC instants (``2024-11-19T13:30:00Z``: the same instant written in another zone is
    no change), an all-day session's dates as dates (``end`` exclusive), the room as written."""

    start: str
    end: str
    room: str | None = None
    status: str | None = None

    @classmethod
    def of(cls, event: Event) -> State:
        return cls(
            zones.utc_iso(event.start), zones.utc_iso(event.end), event.location, event.status
        )


class Kind(StrEnum):
    """What happened to a session, in the order :func:`diff` lists them."""

    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"  # its time, length or room
    CANCELLED = "cancelled"
    REINSTATED = "reinstated"  # cancelled before, not now
    STATUS = "status"  # tentative <-> confirmed


@attrs.frozen
class Change:
    """One session's change: ``old`` and ``new`` are the session in each programme (one of them
    ``None`` for an added or removed one)."""

    kind: Kind
    old: Event | None
    new: Event | None

    @property
    def id(self) -> str:
        event = self.new or self.old
        assert event is not None
        return event.id


def diff(old: Schedule, new: Schedule) -> list[Change]:
    """The sessions added, removed, moved, cancelled, reinstated or changed in status from
    ``old`` to ``new``, matched by id; by kind (in :class:`Kind`'s order), then in programme
    order (a removed session at its old time)."""
    before = {e.id: e for e in old.events}
    after = {e.id: e for e in new.events}
    changes = [Change(Kind.REMOVED, e, None) for i, e in before.items() if i not in after]
    for event in after.values():
        previous = before.get(event.id)
        kind = Kind.ADDED if previous is None else _kind(State.of(previous), State.of(event))
        if kind is not None:
            changes.append(Change(kind, previous, event))
    order = list(Kind)

    def key(change: Change) -> tuple[int, tuple[dt.datetime, str]]:
        event, schedule = (change.new, new) if change.new else (change.old, old)
        assert event is not None
        return order.index(change.kind), event.sort_key(schedule.timezone)

    return sorted(changes, key=key)


def _kind(old: State, new: State) -> Kind | None:
    """What changed from ``old`` to ``new``, the most important first: a cancelled session's
    new time matters to no one."""
    if new.status == "cancelled" and old.status != "cancelled":
        return Kind.CANCELLED
    if old.status == "cancelled" and new.status != "cancelled":
        return Kind.REINSTATED
    if (old.start, old.end, old.room) != (new.start, new.end, new.room):
        return Kind.MOVED
    if old.status != new.status:
        return Kind.STATUS
    return None


def describe(changes: list[Change], old: Schedule, new: Schedule) -> str:
    """The changes as ``confcal diff`` prints them: a line each, ``kind: id 'Title': what``,
    times in each programme's own zone; nothing at all when nothing changed."""
    lines = []
    for change in changes:
        event = change.new or change.old
        assert event is not None
        title = shown(" ".join(event.title.split()))
        if change.kind is Kind.MOVED:
            assert change.old is not None and change.new is not None
            what = f"{_where(change.old, old)} -> {_where(change.new, new)}"
        elif change.kind is Kind.STATUS:
            assert change.old is not None and change.new is not None
            what = f"{change.old.status or 'no status'} -> {change.new.status or 'no status'}"
        else:
            what = _where(event, new if change.new else old)
        lines.append(f"{change.kind.value}: {event.id} {title}: {what}\n")
    return "".join(lines)


def _where(event: Event, schedule: Schedule) -> str:
    """``2024-11-19 14:00-15:00, Hall 1`` in the programme's zone (an end on another day with
    its date; an all-day session's days, the last inclusive)."""
    if isinstance(event.start, dt.datetime) and isinstance(event.end, dt.datetime):
        start = zones.to_local(event.start, schedule.timezone)
        end = zones.to_local(event.end, schedule.timezone)
        until = end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M")
        when = f"{start:%Y-%m-%d %H:%M}-{until}"
    else:
        last = event.end - dt.timedelta(days=1)
        when = event.start.isoformat() + ("" if last == event.start else f" to {last.isoformat()}")
    return f"{when}, {' '.join(event.location.split())}" if event.location else when
