"""Links out of the attendees' page: "add to Google Calendar / Outlook.com", and the addresses
of the published calendars (the feed, its ``webcal://`` subscription, Google's subscribe link).

Pure functions of an event or a URL, apart from the page so they can be read and tested alone.
The "add" links carry the session's times in UTC, so they are right whatever zone the visitor's
browser or account is in; their length is bounded (:data:`MAX_LINK_LENGTH`), a long description
cut to fit. Where the site puts its calendars (:data:`CALENDAR_FILE`, :data:`DAYS_FOLDER`,
:data:`SESSIONS_FOLDER`) is fixed here too, since the links name those files.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import re
import urllib.parse
from collections.abc import Sequence
from pathlib import PurePosixPath

from confcal.model import Event

# What the page (confcal.site) uses; the limits and fit_encoded are this module's own.
__all__ = [
    "CALENDAR_FILE",
    "DAYS_FOLDER",
    "ELLIPSIS",
    "SESSIONS_FOLDER",
    "feed_url",
    "google_link",
    "google_subscribe_link",
    "outlook_link",
    "utc_iso",
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
#: Ends a text cut to fit, in the links and on the page.
ELLIPSIS = "…"

_SPACE = re.compile(r"\s")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


#: Each byte as ``_quote`` writes it: itself if unreserved, else ``%XX``.
_ENCODED = tuple(chr(b) if chr(b) in _UNRESERVED else f"%{b:02X}" for b in range(256))


@functools.lru_cache(maxsize=64)
def _quote(text: str) -> str:
    """Percent-encode every character but the unreserved ones (RFC 3986): spaces as ``%20``,
    which both services read as a space, where ``+`` shows up literally in some Outlook views.

    ``urllib.parse.quote(text, safe="")``, a byte at a time in C (``map``) rather than in a
    Python loop. Each session's texts are encoded several times (to measure, then in each of
    its two links): the last 64 are remembered (an LRU cache, which locks itself)."""
    return "".join(map(_ENCODED.__getitem__, text.encode("utf-8", "surrogatepass")))


def _encoded_length(char: str) -> int:
    """How many characters ``char`` takes percent-encoded (``_quote``): 1, or 3 per UTF-8 byte."""
    return 1 if char in _UNRESERVED else 3 * len(char.encode("utf-8", "surrogatepass"))


class _Costs(dict[str, int]):
    """:func:`_encoded_length` of each character met, remembered: at most one entry for each
    character there is (some 1.1 million), in practice a few hundred."""

    def __missing__(self, char: str) -> int:
        cost = self[char] = _encoded_length(char)
        return cost


_COSTS = _Costs()


def fit_encoded(text: str, budget: int) -> str:
    """The longest start of ``text`` whose percent-encoded form is at most ``budget`` characters.

    ``text`` itself when it fits; otherwise cut at a word boundary near the limit and ended with
    an ellipsis (which counts against the budget); ``""`` when not even that fits. Measured in
    encoded characters because that is what a link's length is: a non-ASCII letter costs up to
    twelve.
    """
    # Most texts fit: one encoding, not a character at a time. One longer than the budget cannot
    # (each character takes one or more): not encoded whole at all.
    if len(text) <= budget and len(_quote(text)) <= budget:
        return text
    room = budget - len(_quote(ELLIPSIS))
    # The encoded length of each start of the text, up to one past the budget (each character
    # takes one or more), summed in C.
    used = list(itertools.accumulate(map(_COSTS.__getitem__, text[: max(budget, 0) + 1])))
    if len(used) == len(text) and (not used or used[-1] <= budget):
        return text  # it all fits
    if room < 0:
        return ""
    cut = text[: bisect.bisect_right(used, room)]
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


def utc_iso(value: dt.date) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SSZ`` (in UTC), zero-padded in any year: Outlook's
    times, and the page's machine-readable ones."""
    if isinstance(value, dt.datetime):
        v = _utc(value)
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _details(event: Event, budget: int) -> str:
    """The text of the "add" link: speakers, abstract, the session's page; at most ``budget``
    encoded characters. Speakers come first and the page last, so cutting a long abstract to fit
    loses neither."""
    head = event.speaker_line or ""
    link = web_url(event.url) or ""
    abstract = event.description or ""

    def joined(body: str) -> str:
        return "\n\n".join(part for part in (head, body, link) if part)

    full = joined(abstract)
    if len(full) <= budget and len(_quote(full)) <= budget:
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
        ("startdt", utc_iso(event.start)),
        ("enddt", utc_iso(event.end)),
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
