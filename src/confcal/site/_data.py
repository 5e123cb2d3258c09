"""The programme as data for the page's script: small JSON files the site serves beside the page.

The script searches, filters and renders from these rather than from a page holding every
session, so the first view stays small at any size (a 10,000-session programme is one
``sessions.json`` the script renders a screenful at a time). What a visitor may never need is
apart and loaded on demand: the abstracts (on the first search or unfolded abstract) and the
"add to Google / Outlook" links of a day (when a session's "Add to calendar" is opened), built
here by :mod:`confcal.site.links`, so one rule makes them.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from confcal.ical import to_ical, vtimezones
from confcal.model import Schedule
from confcal.site._page import Day, Session
from confcal.site.links import add_links

__all__ = [
    "FIELDS",
    "LINKS_CHUNK",
    "abstracts_json",
    "agenda_parts",
    "dump",
    "links_json",
    "links_names",
    "sessions_json",
]

#: The columns of each session row in ``sessions.json``, in order (the script reads them by
#: position: rows of arrays are a third the size of objects). Indexes point into the lists
#: ``days``, ``rooms``, ``tracks`` and ``types``; -1 is none. Times are seconds since the epoch
#: (UTC), ``null`` for an all-day session; ``abstract`` is 1 where
#: ``abstracts.json`` has one; ``change`` what the last publication changed, "" if nothing.
FIELDS = (
    "id", "title", "day", "start", "end", "when", "room", "track", "type", "speakers",
    "lang", "status", "url", "abstract", "change",
)  # fmt: skip

# At the start of a line: a text such as a description may say "BEGIN:VEVENT" too.
_COMPONENT = re.compile(rb"^BEGIN:(VTIMEZONE|VEVENT)\r\n", re.MULTILINE)


def dump(value: object) -> bytes:
    # ensure_ascii=False: UTF-8 is smaller than \u escapes for non-Latin text; no spaces.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _index(values: list[str]) -> dict[str, int]:
    return {value: n for n, value in enumerate(values)}


def _sorted(values: set[str | None]) -> list[str]:
    return sorted((v for v in values if v), key=lambda v: (v.casefold(), v))


def _epoch(value: str | None) -> int | None:
    if value is None:
        return None
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _when(session: Session) -> str:
    return f"{session.start}\N{EN DASH}{session.end}" if session.end else session.start


def sessions_json(schedule: Schedule, days: list[Day], agenda: dict[str, str]) -> bytes:
    """``data/sessions.json``: every session's row (:data:`FIELDS`), the lists the rows index,
    and what the script needs to write "My agenda" as one calendar (``agenda_parts``)."""
    listed = [s for day in days for s in day.sessions]
    rooms = _sorted({s.location for s in listed})
    tracks = _sorted({s.track for s in listed})
    types = _sorted({s.type for s in listed})
    room, track, kind = _index(rooms), _index(tracks), _index(types)
    day_index = {day.date: n for n, day in enumerate(days)}
    rows = [
        [
            s.id,
            s.title,
            day_index[s.day],
            _epoch(s.start_utc),
            _epoch(s.end_utc),
            _when(s),
            room.get(s.location or "", -1),
            track.get(s.track or "", -1),
            kind.get(s.type or "", -1),
            list(s.speakers),
            s.language or "",
            s.status or "",
            s.url or "",
            1 if s.description else 0,
            s.change or "",
        ]
        for s in listed
    ]
    return dump(
        {
            "name": schedule.name,
            "zone": schedule.timezone,
            "fields": FIELDS,
            "days": [[day.date, day.label, day.short_label] for day in days],
            "rooms": rooms,
            "tracks": tracks,
            "types": types,
            "sessions": rows,
            "links_chunk": LINKS_CHUNK,
            "agenda": agenda,
        }
    )


def abstracts_json(days: list[Day]) -> bytes:
    """``data/abstracts.json``: each session's abstract as plain text, in the rows' order."""
    return dump(
        ["\n\n".join("\n".join(p) for p in s.description) for day in days for s in day.sessions]
    )


#: Sessions per links file: a visitor adding one session fetches the links of a few dozen
#: (some 20 KB gzipped), not of a whole day (150 KB at 38C3).
LINKS_CHUNK = 32


def links_json(schedule: Schedule, days: list[Day]) -> dict[str, bytes]:
    """``data/links-<n>.json``: the "add to Google / Outlook" links of rows ``32n`` to
    ``32n + 31`` (``[google, outlook]``, ``null`` for a cancelled session).

    Half the bytes of a page that carried them, fetched only when a visitor opens "Add to
    calendar".
    """
    events = {event.id: event for event in schedule.events}
    rows: list[tuple[str, str] | None] = [
        None if s.status == "cancelled" else add_links(events[s.id], schedule.timezone)
        for day in days
        for s in day.sessions
    ]
    names = links_names(len(rows))
    return {
        name: dump(rows[n * LINKS_CHUNK : (n + 1) * LINKS_CHUNK]) for n, name in enumerate(names)
    }


def links_names(rows: int) -> list[str]:
    """The files of :func:`links_json` for ``rows`` sessions, known before they are rendered."""
    return [f"links-{n}.json" for n in range(-(-rows // LINKS_CHUNK))]


def agenda_parts(schedule: Schedule) -> dict[str, str]:
    """The head of "My agenda" (a session file's lines before its first component, named
    "<conference>: my agenda") and the whole calendar's VTIMEZONEs, which cover every session;
    the script puts the starred sessions' VEVENTs, as their files have them, between."""
    if not schedule.events:
        return {"head": "", "zones": ""}
    first = schedule.sorted_events()[0]
    part = to_ical(schedule.subset([first], name=f"{schedule.name}: my agenda"))
    found = _COMPONENT.search(part)
    head = part[: found.start()] if found else part
    return {"head": head.decode("utf-8"), "zones": vtimezones(schedule).decode("utf-8")}
