"""The programme's history: what each session was when last published, so that a change reaches
attendees who imported it.

A client that keeps events by UID replaces its copy of a session only by one with a higher
SEQUENCE (RFC 5545 3.8.7.4, RFC 5546 2.1.5); one that sees the same SEQUENCE keeps its own or
shows both. So a session whose time, length, room or status (:class:`~confcal.changes.State`)
changed since the previous publication gets SEQUENCE + 1 and LAST-MODIFIED, the programme's
DTSTAMP (when the change was published: never the clock, so the same programme and history give
the same bytes); the others keep theirs. What was published lives in a small file the organizer
commits beside events.json (:func:`default_path`), never in the output folder a ``make clean``
removes. :func:`revise` is pure; the command line reads and writes the file.

The file is JSON, written the same way every time: sorted by id, one line per session, so that
``git diff`` shows one line per changed session::

    {"format": "confcal-history/1",
     "sessions": {
      "keynote": {"end": "2024-11-19T15:00:00Z", "modified": "2024-11-14T00:00:00Z", ...},
      ...
     }}

Each session holds its ``start``, ``end`` (UTC instants, or dates for an all-day one), ``room``
and ``status`` as last published, its ``sequence``, and, once changed, ``modified`` (when) and
``previous`` (its state before that change). Sessions no longer in the programme stay: one that
comes back goes on from its last SEQUENCE, which clients still hold.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ._fields import MAX_SEQUENCE
from .changes import State
from .errors import InvalidInput, Problem, shown
from .model import Schedule

__all__ = [
    "FORMAT",
    "History",
    "Revision",
    "default_path",
    "dumps",
    "last_changes",
    "load",
    "loads",
    "revise",
]

#: The first key of every history file: what it is, and which version of its layout.
FORMAT = "confcal-history/1"


@attrs.frozen
class Revision:
    """A session as last published: its :class:`State`, SEQUENCE, when it last changed
    (LAST-MODIFIED, ``None`` if never) and what it was before that change."""

    state: State
    sequence: int = 0
    modified: dt.datetime | None = None
    previous: State | None = None


@attrs.frozen
class History:
    """Every session ever published, by id (the UID's left side, exactly as written)."""

    sessions: Mapping[str, Revision] = attrs.field(factory=dict)


def default_path(programme: Path) -> Path:
    """Where the history of ``programme`` lives unless told: beside it, ``events.json`` →
    ``events.history.json`` (``schedule.xml`` → ``schedule.history.json``)."""
    return programme.with_name(f"{programme.stem or programme.name}.history.json")


def revise(schedule: Schedule, history: History) -> tuple[Schedule, History]:
    """``schedule`` with each session's ``sequence`` and ``last_modified`` from ``history``, and
    the history after publishing it.

    A session the history does not know is new: SEQUENCE 0, no LAST-MODIFIED (so a programme's
    first publication writes what it wrote without history). One whose state differs from the
    history's gets the next SEQUENCE and ``schedule.dtstamp`` as LAST-MODIFIED; the others keep
    theirs. Revising again with the history returned changes nothing: every run of a build
    (whole calendar, days, sessions, page) gives each session the same SEQUENCE. A SEQUENCE the
    programme has itself (an .ics read back) is never lowered.

    Raises:
        InvalidInput: a session the programme has last changed after ``schedule.dtstamp`` (its
            ``calendar.updated`` went back, or the history's ``modified`` was edited): its
            LAST-MODIFIED would be after DTSTAMP, which RFC 5545 does not allow.
    """
    sessions = dict(history.sessions)
    events = []
    late: list[Problem] = []
    for event in schedule.events:
        state = State.of(event)
        known = sessions.get(event.id)
        if known is None:  # as the programme has it: 0 and None, but for an imported .ics
            revision = Revision(state, event.sequence, event.last_modified)
        elif known.modified is not None and known.modified > schedule.dtstamp:
            late.append(_late(event.id, known.modified, schedule.dtstamp))
            continue
        elif known.state == state:
            revision = known
            if event.sequence > known.sequence:  # the programme's author counted a change
                revision = attrs.evolve(known, sequence=event.sequence)
        else:
            revision = Revision(
                state,
                sequence=max(min(known.sequence + 1, MAX_SEQUENCE), event.sequence),
                modified=schedule.dtstamp,
                previous=known.state,
            )
        sessions[event.id] = revision
        if (event.sequence, event.last_modified) != (revision.sequence, revision.modified):
            event = attrs.evolve(event, sequence=revision.sequence, last_modified=revision.modified)
        events.append(event)
    if late:
        raise InvalidInput(late)
    return attrs.evolve(schedule, events=events), History(sessions)


def _late(id: str, modified: dt.datetime, dtstamp: dt.datetime) -> Problem:
    """The problem of a session last changed after the publication's DTSTAMP."""
    shown_modified = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    shown_dtstamp = dtstamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    message = (
        f"last changed at {shown_modified} (the history's modified), after this publication's "
        f"DTSTAMP {shown_dtstamp}, and LAST-MODIFIED may not be after DTSTAMP: set "
        "calendar.updated (or SOURCE_DATE_EPOCH) to when you publish, or correct the history"
    )
    return Problem(message, event=f'"{id}"', field="modified", value=shown_modified)


def dumps(history: History) -> str:
    """The history file's text: the same history gives the same bytes, sorted by id, one line
    a session."""
    lines = [
        f"  {json.dumps(id, ensure_ascii=False)}: "
        f"{json.dumps(_entry(history.sessions[id]), ensure_ascii=False, sort_keys=True)}"
        for id in sorted(history.sessions)
    ]
    body = ",\n".join(lines)
    return f'{{"format": "{FORMAT}",\n "sessions": {{\n{body}\n }}}}\n'


def _entry(revision: Revision) -> dict[str, object]:
    entry: dict[str, object] = _state(revision.state)
    entry["sequence"] = revision.sequence
    if revision.modified is not None:
        entry["modified"] = revision.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    if revision.previous is not None:
        entry["previous"] = _state(revision.previous)
    return entry


def _state(state: State) -> dict[str, object]:
    fields = attrs.asdict(state)
    return {key: value for key, value in fields.items() if value is not None}


#: The largest history read: 100,000 sessions take about 15 MB.
_LIMIT = 64 << 20


def load(path: Path) -> History:
    """The history in the file ``path``; none yet (a first publication) where there is no file."""
    source = str(path)
    try:
        with path.open("rb") as file:
            data = file.read(_LIMIT + 1)
    except FileNotFoundError:
        return History()
    except OSError as error:
        raise InvalidInput([Problem(f"cannot read: {error.strerror}", source=source)]) from None
    if len(data) > _LIMIT:
        raise InvalidInput([Problem(f"larger than {_LIMIT >> 20} MiB", source=source)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"not UTF-8 (byte {error.start})"
        raise InvalidInput([Problem(message, source=source)]) from None
    return loads(text, source=source)


def loads(text: str, *, source: str = "<string>") -> History:
    """The history in ``text``; :class:`InvalidInput` naming ``source``, the session, the field
    and the value for anything confcal would not have written (a history edited by hand is
    checked as strictly as one read back)."""
    try:
        document = json.loads(text, object_pairs_hook=_Object.of)
    except json.JSONDecodeError as error:
        message = f"not JSON ({error.msg}, line {error.lineno} column {error.colno})"
        raise InvalidInput([Problem(message, source=source)]) from None
    except RecursionError:
        message = "not JSON confcal wrote: nested too deep"
        raise InvalidInput([Problem(message, source=source)]) from None
    except ValueError:  # a number of more than 4,300 digits, which no history holds
        message = "not JSON confcal wrote: a number too long"
        raise InvalidInput([Problem(message, source=source)]) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        message = f'not a confcal history: it must be a JSON object with "format": "{FORMAT}"'
        raise InvalidInput([Problem(message, source=source)])
    sessions = document.get("sessions")
    if not isinstance(sessions, dict) or set(document) != {"format", "sessions"}:
        message = 'must hold "format" and "sessions" (an object, by session id) only'
        raise InvalidInput([Problem(message, source=source)])
    found: dict[str, Revision] = {}
    problems: list[Problem] = [
        Problem(
            "listed more than once (a merge conflict resolved by keeping both lines?): keep "
            "the line with the highest sequence, as clients hold that one",
            source=source, event=f'"{id}"',
        )
        for id in _twice(sessions)
    ]  # fmt: skip
    if _twice(document):
        message = f"{shown(_twice(document)[0])} is given more than once"
        problems.append(Problem(message, source=source))
    for id, entry in sessions.items():
        try:
            found[id] = _revision(entry)
        except InvalidInput as error:
            problems += [p.located(source=source, event=f'"{id}"') for p in error.problems]
    if problems:
        raise InvalidInput(problems)
    return History(found)


class _Object(dict[str, Any]):
    """A JSON object whose keys were given more than once (``twice``, in order): JSON keeps
    the last, which in a history can be a lower SEQUENCE than the one clients hold."""

    twice: tuple[str, ...] = ()

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(pairs)
        if len(found) == len(pairs):
            return found
        seen: set[str] = set()
        twice: dict[str, None] = {}
        for key, _ in pairs:
            if key in seen:
                twice[key] = None
            seen.add(key)
        duplicated = cls(found)
        duplicated.twice = tuple(twice)
        return duplicated


def _twice(value: object) -> tuple[str, ...]:
    """The keys given more than once in the JSON object ``value``."""
    return value.twice if isinstance(value, _Object) else ()


_INSTANT = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\dZ)?")
_KEYS = {"start", "end", "room", "status", "sequence", "modified", "previous"}


def _revision(entry: object) -> Revision:
    if not isinstance(entry, dict):
        raise _bad(None, "must be an object", entry)
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise _bad(unknown[0], "unknown key", unknown[0])
    if _twice(entry):
        raise _bad(_twice(entry)[0], "given more than once", _twice(entry)[0])
    sequence = entry.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise _bad("sequence", "must be a whole number", sequence)
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise _bad("sequence", f"must be from 0 to {MAX_SEQUENCE}", sequence)
    modified = entry.get("modified")
    if modified is not None:
        _time("modified", modified, instant=True)
        modified = dt.datetime.fromisoformat(modified)
    previous = entry.get("previous")
    return Revision(
        _state_of(entry, ""),
        sequence=sequence,
        modified=modified,
        previous=None if previous is None else _state_of(previous, "previous."),
    )


def _state_of(entry: object, prefix: str) -> State:
    if not isinstance(entry, dict):
        raise _bad(prefix.rstrip(".") or None, "must be an object", entry)
    if _twice(entry):
        raise _bad(f"{prefix}{_twice(entry)[0]}", "given more than once", _twice(entry)[0])
    if prefix and set(entry) - {"start", "end", "room", "status"}:
        key = sorted(set(entry) - {"start", "end", "room", "status"})[0]
        raise _bad(f"{prefix}{key}", "unknown key", key)
    for key in ("start", "end"):
        _time(f"{prefix}{key}", entry.get(key))
    for key in ("room", "status"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise _bad(f"{prefix}{key}", "must be text", entry[key])
    return State(entry["start"], entry["end"], entry.get("room"), entry.get("status"))


def _time(field: str, value: Any, *, instant: bool = False) -> None:
    """A time as :func:`dumps` writes it: ``2024-11-19T13:30:00Z``, or a date ``2024-11-19``."""
    ok = isinstance(value, str) and _INSTANT.fullmatch(value)
    if ok and (not instant or "T" in value):
        try:
            dt.datetime.fromisoformat(value)
            return
        except ValueError:
            pass
    what = "a UTC time" if instant else "a UTC time or a date"
    raise _bad(field, f"must be {what} as confcal writes it (2024-11-19T13:30:00Z)", value)


def _bad(field: str | None, message: str, value: object) -> InvalidInput:
    return InvalidInput([Problem(f"{message}: {shown(value)}", field=field, value=value)])


def last_changes(schedule: Schedule, history: History) -> dict[str, State]:
    """What the last publication that changed anything changed: the state before it of each
    session of ``schedule`` it changed, by id (for the page's marks, as :func:`revise` left the
    history). The latest ``modified`` among the programme's sessions, not the programme's own
    DTSTAMP: a republication that moves nothing (a title fixed) keeps the marks of the last move.
    """
    revisions = [history.sessions.get(event.id) for event in schedule.events]
    changed = [r for r in revisions if r is not None and r.previous and r.modified]
    if not changed:
        return {}
    last = max(r.modified for r in changed if r.modified)
    return {
        event.id: revision.previous
        for event, revision in zip(schedule.events, revisions, strict=True)
        if revision is not None and revision.previous and revision.modified == last
    }
