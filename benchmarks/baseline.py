"""The yardstick: what a user would write without confcal, with bare ``icalendar`` and ``pytz``.

A straightforward, reasonably written script: read the JSON, localize each start and end with
pytz, add the usual properties to an ``icalendar.Event``, serialize the calendar once. It does
none of confcal's checks, writes no VTIMEZONE and no split files.

    python benchmarks/baseline.py events.json > baseline.ics
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import icalendar
import pytz


def _parse(text: str, tz: pytz.BaseTzInfo) -> dt.datetime | dt.date:
    if "T" not in text:
        return dt.date.fromisoformat(text)
    return tz.localize(dt.datetime.fromisoformat(text))


def build(path: Path) -> bytes:
    """The iCalendar bytes of the events.json at ``path``."""
    document = json.loads(path.read_text(encoding="utf-8"))
    meta = document["calendar"]
    default_tz = pytz.timezone(meta["timezone"])
    domain = meta.get("uid_domain", "example.org")
    stamp = dt.datetime.fromisoformat(meta["updated"]).astimezone(dt.UTC)

    cal = icalendar.Calendar()
    cal.add("prodid", "-//hand-written//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", meta["name"])
    for item in document["events"]:
        tz = pytz.timezone(item["timezone"]) if "timezone" in item else default_tz
        start = _parse(item["start"], tz)
        if "end" in item:
            end = _parse(item["end"], tz)
            if not isinstance(end, dt.datetime):
                end += dt.timedelta(days=1)
        else:
            minutes = int(item["duration"].removeprefix("PT").removesuffix("M"))
            end = tz.normalize(start + dt.timedelta(minutes=minutes))
        description = item.get("description", "")
        if item.get("speakers"):
            description += "\n\nSpeakers: " + ", ".join(item["speakers"])
        event = icalendar.Event()
        event.add("uid", f"{item['id']}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", item["title"])
        if "location" in item:
            event.add("location", item["location"])
        if description:
            event.add("description", description)
        cal.add_component(event)
    return cal.to_ical()


if __name__ == "__main__":
    sys.stdout.buffer.write(build(Path(sys.argv[1])))
