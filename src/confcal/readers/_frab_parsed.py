"""The form a pretalx/frab programme is read into, whether it was schedule.json or schedule.xml.

:mod:`.frab_json` and :mod:`.frab_xml` read their syntax into these few frozen classes (texts as
the file has them, and the problems of their JSON or XML types); :mod:`._frab_map` maps them onto
the model. One form for both formats is what keeps the two from drifting apart.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ._common import Collector, session

__all__ = ["EVENT_TEXT", "Day", "Parsed", "RawEvent", "clean", "no_days"]

#: The text fields of an event, in both formats.
EVENT_TEXT = (
    "guid", "id", "date", "start", "end", "duration", "room", "title", "subtitle", "type",
    "track", "abstract", "description", "url", "language",
)  # fmt: skip


@attrs.frozen
class Day:
    index: int
    date: str | None
    start: str | None
    end: str | None


@attrs.frozen
class RawEvent:
    position: int
    text: Mapping[str, str | None]
    persons: tuple[str, ...]
    day: Day | None
    # (field, message, value) found while reading the form
    problems: tuple[tuple[str, str, object], ...] = ()

    @property
    def place(self) -> str:
        """The session as the printed programme shows it, for warnings: its date and time, room
        and title as the file writes them (:func:`~._common.session`); else its position."""
        when = clean(self.text.get("date"))
        if when is None and self.day is not None and self.day.date:
            when = f"{self.day.date} {(clean(self.text.get('start')) or '').strip()}"
        text = {key: clean(self.text.get(key)) for key in ("room", "title")}
        return session(when, text["room"], text["title"]) or f"#{self.position}"


@attrs.frozen
class Parsed:
    title: str | None
    zone: str | None
    day_change: str | None
    url: str | None
    description: str | None
    days: tuple[Day, ...]
    events: tuple[RawEvent, ...]


def clean(value: str | None) -> str | None:
    """Empty and blank fields are absent: frab writes ``<subtitle/>`` and ``""`` for "none"."""
    if value is None or not value.strip():
        return None
    return value


def no_days(collector: Collector, days: list[Day], events: list[RawEvent], field: str) -> None:
    """A file with neither days nor events is not a programme; days without events, an empty one.

    Either would silently give an empty calendar, whose subscribers then lose every session.
    """
    if events:
        return
    if not days:
        collector.problem(
            "the schedule lists no days and no events, so there is nothing to export "
            "(is this the programme's schedule file?)",
            field=field,
        )
    else:
        collector.warn(
            f"the schedule's {len(days)} day(s) list no events: the calendars will be empty",
            field=field,
        )
