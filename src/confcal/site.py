"""The attendees' page: one static ``index.html`` and the calendars it links to.

Attendees do not run Python: they open a page, read the programme and click to add a session, a
day or the whole conference to their calendar. :func:`build_site` writes that page with the
``.ics`` files it links to (the same bytes ``confcal export`` writes), as plain files any web
server can host. The page is rendered by Jinja2 with autoescaping on, so every text from
events.json reaches the browser as text, never as markup.

The links to Google Calendar and Outlook.com are built here, by pure functions: they carry the
session's times in UTC, so they are right whatever zone the visitor's browser or account is in.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path, PurePosixPath

import attrs
import jinja2

from . import zones
from .ical import to_ical
from .model import Event, Schedule
from .output import Split, render, write_tree

__all__ = [
    "CALENDAR_FILE",
    "DAYS_FOLDER",
    "MAX_DETAILS_LENGTH",
    "MAX_LINK_LENGTH",
    "SESSIONS_FOLDER",
    "build_site",
    "feed_url",
    "fit_encoded",
    "google_link",
    "google_subscribe_link",
    "outlook_link",
    "page",
    "paragraphs",
    "render_site",
    "web_url",
    "webcal_link",
]

#: The whole programme, next to ``index.html``. A fixed name, not one derived from the calendar's
#: name: subscribers keep fetching this address, so it must not change when the name does.
CALENDAR_FILE = "calendar.ics"
#: The folder of the per-day calendars (``days/YYYY-MM-DD.ics``).
DAYS_FOLDER = "days"
#: The folder of the per-session calendars (``sessions/<id>.ics``).
SESSIONS_FOLDER = "sessions"
#: The longest "add to calendar" link we write. Neither Google nor Microsoft documents a limit;
#: links of about 2,000 characters work everywhere (old browsers, mail clients, URL shorteners),
#: so a long description is cut to fit rather than risking a link that fails.
MAX_LINK_LENGTH = 2000
#: The most of a link the session's details take (percent-encoded; some 700 characters of English
#: text): enough to recognize the session in a calendar, whose entry links to its page for the
#: rest; and it keeps the page small, which carries two such links per session.
MAX_DETAILS_LENGTH = 1000

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"
ELLIPSIS = "…"
DASH = "\N{EN DASH}"

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_SPACE = re.compile(r"\s")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


# --- Links -----------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """Percent-encode every character but the unreserved ones (RFC 3986): spaces as ``%20``,
    which both services read as a space, where ``+`` shows up literally in some Outlook views."""
    return urllib.parse.quote(text, safe="")


def _encoded_length(char: str) -> int:
    """How many characters ``char`` takes percent-encoded (``_quote``): 1, or 3 per UTF-8 byte."""
    return 1 if char in _UNRESERVED else 3 * len(char.encode("utf-8", "surrogatepass"))


def fit_encoded(text: str, budget: int) -> str:
    """The longest start of ``text`` whose percent-encoded form is at most ``budget`` characters.

    ``text`` itself when it fits; otherwise cut at a word boundary near the limit and ended with
    an ellipsis (which counts against the budget); ``""`` when not even that fits. Measured in
    encoded characters because that is what a link's length is: a non-ASCII letter costs up to
    twelve.
    """
    room = budget - len(_quote(ELLIPSIS))
    used, end = 0, 0
    for char in text:
        used += _encoded_length(char)
        if used > budget:
            break
        if used <= room:
            end += 1
    else:
        return text  # it all fits
    if room < 0:
        return ""
    cut = text[:end]
    boundary = max((m.start() for m in _SPACE.finditer(cut)), default=-1)
    if boundary >= len(cut) * 0.8:  # a whole word, unless that throws away much of the text
        cut = cut[:boundary]
    cut = cut.rstrip()
    return cut + ELLIPSIS if cut else ""


#: Parameters whose values are times, zone names or paths rather than text: "/" and ":" are left
#: as they are, as the services' own links write them (both readings are the same to a server).
_STRUCTURAL = frozenset({"action", "dates", "ctz", "path", "rru", "startdt", "enddt", "allday"})


def _query(base: str, params: Sequence[tuple[str, str]]) -> str:
    encoded = "&".join(
        f"{key}={urllib.parse.quote(value, safe='/:') if key in _STRUCTURAL else _quote(value)}"
        for key, value in params
    )
    return f"{base}?{encoded}"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _compact(value: dt.date) -> str:
    """``YYYYMMDD`` or ``YYYYMMDDTHHMMSSZ`` (in UTC), zero-padded in any year."""
    if isinstance(value, dt.datetime):
        v = _utc(value)
        return f"{v.year:04d}{v.month:02d}{v.day:02d}T{v.hour:02d}{v.minute:02d}{v.second:02d}Z"
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _iso(value: dt.date) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SSZ`` (in UTC)."""
    if isinstance(value, dt.datetime):
        v = _utc(value)
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _details(event: Event, budget: int) -> str:
    """The text of the "add" link: speakers, abstract, the session's page; at most ``budget``
    encoded characters. Speakers come first and the page last, so cutting a long abstract to fit
    loses neither."""
    head = ""
    if event.speakers:
        label = "Speaker" if len(event.speakers) == 1 else "Speakers"
        head = f"{label}: {', '.join(event.speakers)}"
    link = web_url(event.url) or ""
    abstract = event.description or ""

    def joined(body: str) -> str:
        return "\n\n".join(part for part in (head, body, link) if part)

    full = joined(abstract)
    if len(_quote(full)) <= budget:
        return full
    cost = len(_quote(joined(""))) + len(_quote("\n\n"))
    body = fit_encoded(abstract, budget - cost)
    return joined(body) if body else fit_encoded(joined(""), budget)


def google_link(event: Event, zone: str) -> str:
    """The "Add to Google Calendar" link of ``event``; ``zone`` is the zone Google shows it in.

    Times are in UTC (``dates=20241118T162100Z/20241118T164400Z``), so Google places the session
    right whatever zone the visitor's account is set to; ``ctz`` only picks the zone its editor
    shows. An all-day event gets ``dates=YYYYMMDD/YYYYMMDD`` with the end exclusive.
    """
    # All-day: the end is exclusive in Google's dates= as in Event.end.
    dates = f"{_compact(event.start)}/{_compact(event.end)}"
    params = [("action", "TEMPLATE"), ("text", _short(event.title)), ("dates", dates)]
    if event.location:
        params.append(("location", _short(event.location)))
    params.append(("ctz", zone))
    return _fitted_link(GOOGLE, params, "details", event)


def outlook_link(event: Event) -> str:
    """The "Add to Outlook.com" link of ``event``: ``startdt``/``enddt`` in UTC with ``Z``.

    An all-day event gets ``allday=true`` and dates, the end exclusive.
    """
    params = [
        # path and rru pick the "new event" form; without them the link opens the calendar.
        ("path", "/calendar/action/compose"),
        ("rru", "addevent"),
        ("subject", _short(event.title)),
        ("startdt", _iso(event.start)),
        ("enddt", _iso(event.end)),
    ]
    if event.all_day:
        params.append(("allday", "true"))
    if event.location:
        params.append(("location", _short(event.location)))
    return _fitted_link(OUTLOOK, params, "body", event)


def _short(text: str) -> str:
    """A title or room cut to a fifth of a link, so that even an absurd one leaves a usable link."""
    return fit_encoded(text, MAX_LINK_LENGTH // 5)


def _fitted_link(base: str, params: list[tuple[str, str]], key: str, event: Event) -> str:
    """The link with the event's details last, cut so that the link fits MAX_LINK_LENGTH."""
    without = _query(base, params)
    budget = min(MAX_LINK_LENGTH - len(without) - len(f"&{key}="), MAX_DETAILS_LENGTH)
    details = _details(event, budget)
    if not details:
        return without
    return _query(base, [*params, (key, details)])


def web_url(url: str | None) -> str | None:
    """``url`` if it is an ``http(s)`` address, else ``None``.

    Escaping cannot make a ``javascript:`` address harmless in an ``href``; only an allow-list of
    schemes can. A URL from events.json is linked only when it passes.
    """
    if url is None:
        return None
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return url


def feed_url(page_url: str | None, file: str = CALENDAR_FILE) -> str | None:
    """Where ``file`` is published when the page is published at ``page_url``.

    The site is one folder: the calendar sits next to ``index.html``. ``page_url`` names that
    folder (``https://example.org/sc24/``), or the page in it (``.../sc24/index.html``: a last
    segment with a dot is a file name); a last segment without a dot (``.../sc24``) is taken as
    the folder, as web servers redirect it to ``.../sc24/``. Query and fragment are dropped.
    """
    url = web_url(page_url)
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    path = PurePosixPath(parts.path or "/")
    if not parts.path.endswith("/") and "." in path.name:
        path = path.parent
    folder = str(path).rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"{folder}/{file}", "", ""))


def webcal_link(page_url: str | None, file: str = CALENDAR_FILE) -> str | None:
    """The ``webcal://`` subscription link of ``file`` published next to the page at ``page_url``.

    ``webcal://`` is the same address with the scheme that calendar apps (Apple Calendar,
    Outlook, Thunderbird) register for: clicking it subscribes instead of importing a copy.
    """
    url = feed_url(page_url, file)
    if url is None:
        return None
    return "webcal://" + url.split("://", 1)[1]


def google_subscribe_link(webcal: str) -> str:
    """The link that subscribes Google Calendar to the calendar at ``webcal`` (a ``webcal://``
    address): Google's web app does not handle ``webcal://`` links itself, but takes one as
    ``cid``. Google fetches it over HTTPS and refreshes it on its own schedule (hours)."""
    return _query(GOOGLE, [("cid", webcal)])


# --- The page ----------------------------------------------------------------------------------


def _day_label(day: dt.date) -> str:
    # English names whatever the machine's locale: the page says lang="en".
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _short_day(day: dt.date) -> str:
    return f"{_WEEKDAYS[day.weekday()][:3]} {day.day} {_MONTHS[day.month - 1][:3]}"


def _short_title(title: str, limit: int = 40) -> str:
    """A title short enough for a link's accessible name, still telling sessions apart."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(f" ,.:;-{DASH}") + ELLIPSIS


def paragraphs(text: str | None) -> list[list[str]]:
    """Plain text as paragraphs (split at blank lines), each a list of its lines."""
    if not text or not text.strip():
        return []
    return [
        [line.strip() for line in block.split("\n") if line.strip()]
        for block in _BLANK_LINES.split(text.strip())
        if block.strip()
    ]


@attrs.frozen
class _Session:
    """What the template shows of one session: only text; the template escapes it."""

    anchor: str
    title: str
    short_title: str
    start: str
    end: str
    zone_abbreviation: str
    start_utc: str | None
    end_utc: str | None
    location: str | None
    type: str | None
    speakers: tuple[str, ...]
    description: list[list[str]]
    url: str | None
    status: str | None
    ics: str
    google: str
    outlook: str


@attrs.frozen
class _Day:
    anchor: str
    label: str
    short_label: str
    ics: str
    sessions: list[_Session]


def _clock(value: dt.datetime) -> str:
    return value.strftime("%H:%M")


def _when(event: Event, zone: str) -> tuple[str, str, str]:
    """The session's start and end as printed on the page, in ``zone``, and the zone's
    abbreviation; an all-day event's days as the start and no end.

    A session listed under its first day gives the day it ends on (with the year, when that is
    another year).
    """
    if not isinstance(event.start, dt.datetime) or not isinstance(event.end, dt.datetime):
        last = event.end - dt.timedelta(days=1)
        if last == event.start:
            return "All day", "", ""
        first, final = _short_day(event.start), _short_day(last)
        if last.year != event.start.year:
            first, final = f"{first} {event.start.year}", f"{final} {last.year}"
        return f"All day, {first} {DASH} {final}", "", ""
    start, end = zones.to_local(event.start, zone), zones.to_local(event.end, zone)
    if end.date() == start.date():
        return _clock(start), _clock(end), start.tzname() or ""
    day = _short_day(end.date()) + (f" {end.year}" if end.year != start.year else "")
    return _clock(start), f"{day} {_clock(end)}", start.tzname() or ""


def _iso_utc(value: dt.date) -> str | None:
    return _iso(value) if isinstance(value, dt.datetime) else None


def _session(event: Event, schedule: Schedule, anchor: str) -> _Session:
    start, end, abbreviation = _when(event, schedule.timezone)
    return _Session(
        anchor=anchor,
        title=event.title,
        short_title=_short_title(event.title),
        start=start,
        end=end,
        zone_abbreviation=abbreviation,
        start_utc=_iso_utc(event.start),
        end_utc=_iso_utc(event.end),
        location=event.location,
        type=event.type,
        speakers=event.speakers,
        description=paragraphs(event.description),
        url=web_url(event.url),
        status=event.status,
        ics=f"{SESSIONS_FOLDER}/{urllib.parse.quote(event.id)}.ics",
        google=google_link(event, schedule.timezone),
        outlook=outlook_link(event),
    )


def _days(schedule: Schedule) -> Iterator[_Day]:
    """The conference days on which sessions begin, each with the sessions that begin on it.

    A session spanning days (an all-day exhibition, a three-day workshop) is listed once, under
    its first day, with the day it ends: the page grows with the number of sessions, not with
    the days they cover (200 year-long events would otherwise be listed 73,000 times). The
    per-day calendars still hold every session of their day.
    """
    by_day: dict[dt.date, list[_Session]] = {}
    for event in schedule.sorted_events():
        first = event.days(schedule.timezone, schedule.day_change)[0]
        by_day.setdefault(first, []).append(_session(event, schedule, f"session-{event.id}"))
    for day, sessions in sorted(by_day.items()):
        yield _Day(
            anchor=f"day-{day.isoformat()}",
            label=_day_label(day),
            short_label=_short_day(day),
            ics=f"{DAYS_FOLDER}/{day.isoformat()}.ics",
            sessions=sessions,
        )


_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("confcal", "templates"),
    # On for every template, whatever its file name: select_autoescape() would not match ".j2".
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def page(schedule: Schedule) -> str:
    """The ``index.html`` of ``schedule``: the programme by conference day, with its links."""
    ics_url = feed_url(schedule.url)
    webcal = webcal_link(schedule.url)
    return _environment.get_template("index.html.j2").render(
        name=schedule.name,
        description=paragraphs(schedule.description),
        zone=schedule.timezone,
        days=list(_days(schedule)),
        calendar_file=CALENDAR_FILE,
        ics_url=ics_url,
        webcal=webcal,
        google_subscribe=google_subscribe_link(webcal) if webcal else None,
        updated=schedule.dtstamp.strftime("%Y-%m-%d %H:%M UTC"),
        updated_iso=schedule.dtstamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def render_site(schedule: Schedule) -> dict[str, dict[str, bytes]]:
    """Every file of the site, in memory: ``{folder relative to the site: {file name: bytes}}``.

    The calendars are exactly those of ``confcal export`` (whole, ``--split day``,
    ``--split event``).
    """
    return {
        SESSIONS_FOLDER: render(schedule, Split.EVENT),
        DAYS_FOLDER: render(schedule, Split.DAY),
        # index.html last: a page is never published before the files it links to.
        "": {CALENDAR_FILE: to_ical(schedule), "index.html": page(schedule).encode("utf-8")},
    }


def build_site(schedule: Schedule, folder: Path, *, inputs: Collection[Path] = ()) -> list[Path]:
    """Write the page and its calendars into ``folder``; returns the files whose content changed.

    Everything is rendered before anything is written, so bad input writes nothing. The whole
    site is written under one lock on ``folder`` (days/ and sessions/ included), each file
    atomically and left alone when unchanged; a rebuild removes the calendars of days and
    sessions that are gone. ``inputs``: files never to replace (the programme read).
    """
    return write_tree(folder, render_site(schedule), inputs=inputs, needed_by="the site")
