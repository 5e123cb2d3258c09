"""The fields of an events.json event that take more than a type check: text, and its times.

``start``, ``end`` and ``duration`` are written as people write a programme (a local date and
time, a last day inclusive for an all-day event, an ISO 8601 duration), so reading them is most
of the events.json reader; it lives here, beside :mod:`.events_json`, which reads the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from confcal import zones
from confcal.errors import shown
from confcal.model import When

from ._common import Collector, parse_duration
from ._json import kind

__all__ = ["FieldReader"]

_WHEN = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2})?)(?P<offset>Z|[+-]\d{2}:\d{2})?)?"
)


class FieldReader(Collector):
    """Reads an event's text fields and times, collecting every problem on the way."""

    def text(
        self,
        mapping: dict[str, Any],
        key: str,
        *,
        event: str | None = None,
        where: str = "",
        required: bool = False,
    ) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem("is required", event=event, field=f"{where}{key}")
            return None
        if not isinstance(value, str):
            self.problem(
                f"must be text, not {kind(value)}: {shown(value)}",
                event=event,
                field=f"{where}{key}",
                value=value,
            )
            return None
        if required and not value.strip():
            self.problem(
                f"must not be empty: {shown(value)}",
                event=event,
                field=f"{where}{key}",
                value=value,
            )
            return None
        return value

    def times(
        self, raw: dict[str, Any], label: str, zone: str | None
    ) -> tuple[When | None, When | None]:
        start_text = self.text(raw, "start", event=label, required=True)
        end_text = self.text(raw, "end", event=label)
        duration_text = self.text(raw, "duration", event=label)
        if end_text is not None and duration_text is not None:
            self.problem(
                f"give end or duration, not both: end {shown(end_text)}, "
                f"duration {shown(duration_text)}",
                event=label,
                field="duration",
                value=duration_text,
            )
            return None, None
        start = None
        if start_text is not None and zone is not None:
            start = self.when(start_text, label, "start", zone)
        if end_text is None and duration_text is None:
            if raw.get("end") is None and raw.get("duration") is None:  # else: reported as not text
                self.problem("is required (or a duration such as PT45M)", event=label, field="end")
            return start, None
        if start is None or zone is None:
            if duration_text is not None:
                self.duration(duration_text, label)
            elif zone is not None:
                self.when(end_text or "", label, "end", zone)
            return start, None
        assert start_text is not None
        if duration_text is not None:
            return start, self.after(start, duration_text, label, zone)
        return start, self.end(start, start_text, end_text or "", label, zone)

    def end(
        self, start: When, start_text: str, end_text: str, label: str, zone: str
    ) -> When | None:
        """``end`` as written: a time after the start, or the last day of an all-day event."""
        end = self.when(end_text, label, "end", zone)
        if end is None:
            return None
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
            self.problem(
                f"{shown(end_text)} mixes an all-day date with a timed start "
                f"{shown(start_text)}: give both as dates or both as times",
                event=label,
                field="end",
                value=end_text,
            )
            return None
        if not isinstance(end, dt.datetime):
            if end < start:
                self.problem(
                    f"{shown(end_text)} is before start {shown(start_text)} (the end of an "
                    "all-day event is its last day)",
                    event=label,
                    field="end",
                    value=end_text,
                )
                return None
            return end + dt.timedelta(days=1)  # the last day, inclusive, as people write it
        if end <= start:
            self.problem(
                f"{shown(end_text)} is not after start {shown(start_text)}",
                event=label,
                field="end",
                value=end_text,
            )
            return None
        return end

    def when(self, text: str, label: str, field: str, zone: str) -> When | None:
        match = _WHEN.fullmatch(text)
        if match is None:
            self.problem(
                f"{shown(text)} is not a date (2024-11-19) or a local date and time "
                "(2024-11-19T11:21)",
                event=label,
                field=field,
                value=text,
            )
            return None
        try:
            day = dt.date.fromisoformat(match["date"])
            naive = (
                None
                if match["time"] is None
                else dt.datetime.fromisoformat(f"{match['date']}T{match['time']}")
            )
        except ValueError as error:
            self.problem(
                f"{shown(text)} is not a real date or time ({error})",
                event=label,
                field=field,
                value=text,
            )
            return None
        if not self.in_years(day, text, event=label, field=field):
            return None
        if naive is None:
            return day
        offset = None
        if match["offset"] == "Z":
            offset = dt.timedelta(0)
        elif match["offset"]:
            hours, minutes = int(match["offset"][1:3]), int(match["offset"][4:6])
            if hours >= 24 or minutes >= 60:
                self.problem(
                    f"{shown(text)}: {match['offset']} is not a UTC offset (-23:59 to +23:59)",
                    event=label,
                    field=field,
                    value=text,
                )
                return None
            offset = dt.timedelta(hours=hours, minutes=minutes)
            offset = -offset if match["offset"].startswith("-") else offset
        return self.localized(
            lambda: zones.localize(naive, zone, offset), text, event=label, field=field
        )

    def duration(self, text: str, label: str) -> dt.timedelta | None:
        duration = parse_duration(text)
        if duration is None:
            self.problem(
                f"{shown(text)} is not an ISO 8601 duration such as PT45M or P2D",
                event=label,
                field="duration",
                value=text,
            )
            return None
        if duration <= dt.timedelta(0):
            self.problem(
                f"{shown(text)} must be longer than zero",
                event=label,
                field="duration",
                value=text,
            )
            return None
        return duration

    def after(self, start: When, text: str, label: str, zone: str) -> When | None:
        """The end ``duration`` after ``start``: elapsed time, whatever the clocks do meanwhile."""
        duration = self.duration(text, label)
        if duration is None:
            return None
        if not isinstance(start, dt.datetime) and duration % dt.timedelta(days=1):
            self.problem(
                f"{shown(text)} is not whole days, as an all-day event needs",
                event=label,
                field="duration",
                value=text,
            )
            return None
        end = self.end_after(start, duration, text, event=label, field="duration")
        if not isinstance(end, dt.datetime):
            return end
        # A 60-minute session that spans the clock change still lasts 60 minutes.
        instant = end
        return self.localized(
            lambda: zones.from_instant(instant, zone), text, event=label, field="duration"
        )
