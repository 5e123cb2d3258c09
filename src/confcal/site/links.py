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
import itertools
import re
import urllib.parse
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import NamedTuple

from confcal.model import Event
from confcal.zones import utc_iso

# What the page (confcal.site) uses; the limits and fit_encoded are this module's own.
__all__ = [
    "CALENDAR_FILE",
    "DAYS_FOLDER",
    "ELLIPSIS",
    "SESSIONS_FOLDER",
    "add_links",
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

#: Everything up to the last blank: its end is where the last word ends (greedy, in C).
_UP_TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


#: The unreserved characters as bytes; each byte, and its ``%XX``.
_UNRESERVED_BYTES = bytes(sorted(map(ord, _UNRESERVED)))
_BYTE = tuple(bytes((b,)) for b in range(256))
_PERCENT = tuple(f"%{b:02X}".encode() for b in range(256))
_PERCENT_SIGN = ord("%")


def _quote(text: str) -> str:
    """Percent-encode every character but the unreserved ones (RFC 3986): spaces as ``%20``,
    which both services read as a space, where ``+`` shows up literally in some Outlook views.

    ``urllib.parse.quote(text, safe="")``, but one C-level ``replace`` for each kind of byte to
    encode (a text has a few dozen), not a step per character: four times as fast on real
    abstracts. ``%`` goes first, so no ``%XX`` written later is encoded again. Each character is
    encoded on its own, so the encoding of a text's start is the start of the text's encoding
    (:func:`_fit` cuts the one it has)."""
    data = text.encode("utf-8", "surrogatepass")
    found = set(data.translate(None, _UNRESERVED_BYTES))
    if not found:
        return text
    if _PERCENT_SIGN in found:
        data = data.replace(b"%", _PERCENT[_PERCENT_SIGN])
        found.discard(_PERCENT_SIGN)
    for byte in found:
        data = data.replace(_BYTE[byte], _PERCENT[byte])
    return data.decode("ascii")


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
_ELLIPSIS_ENCODED = _quote(ELLIPSIS)
#: A blank line between the parts of the details, encoded.
_BREAK = "\n\n"
_BREAK_ENCODED = _quote(_BREAK)


def fit_encoded(text: str, budget: int) -> str:
    """The longest start of ``text`` whose percent-encoded form is at most ``budget`` characters.

    ``text`` itself when it fits; otherwise cut at a word boundary near the limit and ended with
    an ellipsis (which counts against the budget); ``""`` when not even that fits. Measured in
    encoded characters because that is what a link's length is: a non-ASCII letter costs up to
    twelve.
    """
    return _fit(text, budget)[0]


def _fit(text: str, budget: int, encoded: str | None = None) -> tuple[str, str]:
    """:func:`fit_encoded` and its encoding: each text is encoded once, whether it fits or not.
    ``encoded``: the text's encoding, where the caller has it already."""
    # Each character takes one or more: no more than budget + 1 of them are ever needed.
    head = text[: max(budget, 0) + 1]
    if encoded is None:
        encoded = _quote(head)
    if len(head) == len(text) and len(encoded) <= budget:
        return text, encoded  # most texts: it all fits
    room = budget - len(_ELLIPSIS_ENCODED)
    if room < 0:
        return "", ""
    # The encoded length of each start of the text, summed in C.
    used = list(itertools.accumulate(map(_COSTS.__getitem__, head)))
    cut = head[: bisect.bisect_right(used, room)]
    last = _UP_TO_LAST_SPACE.match(cut)
    boundary = last.end() - 1 if last else -1
    if boundary >= len(cut) * 0.8:  # a whole word, unless that throws away much of the text
        cut = cut[:boundary]
    cut = cut.rstrip()
    if not cut:
        return "", ""
    return cut + ELLIPSIS, encoded[: used[len(cut) - 1]] + _ELLIPSIS_ENCODED


#: Parameters whose values are times, zone names or paths rather than text: "/" and ":" are left
#: as they are, as the services' own links write them (both readings are the same to a server).
_STRUCTURAL = frozenset({"action", "dates", "ctz", "path", "rru", "startdt", "enddt", "allday"})


def _structural(value: str) -> str:
    return urllib.parse.quote(value, safe="/:")


def _query(base: str, params: Sequence[tuple[str, str]]) -> str:
    encoded = "&".join(
        f"{key}={_structural(value) if key in _STRUCTURAL else _quote(value)}"
        for key, value in params
    )
    return f"{base}?{encoded}"


def _details(event: Event, budget: int) -> str:
    """The text of the "add" link, percent-encoded: speakers, abstract, the session's page; at
    most ``budget`` encoded characters. Speakers come first and the page last, so cutting a long
    abstract to fit loses neither."""
    head = event.speaker_line or ""
    link = web_url(event.url) or ""
    abstract = event.description or ""
    ends = (_quote(head), _quote(link))
    # The abstract whole, with a blank line to each part around it: encoded once, and only
    # where it may fit (each character takes one or more).
    room = budget - sum(len(end) + len(_BREAK_ENCODED) for end in ends if end)
    whole = None
    if len(abstract) <= room:
        whole = _quote(abstract)
        if len(whole) <= room:
            return _BREAK_ENCODED.join(part for part in (ends[0], whole, ends[1]) if part)
    cost = len(_BREAK_ENCODED.join(end for end in ends if end)) + len(_BREAK_ENCODED)
    body = _fit(abstract, budget - cost, whole)[1]
    if not body:
        return _fit(_BREAK.join(part for part in (head, link) if part), budget)[1]
    return _BREAK_ENCODED.join(part for part in (ends[0], body, ends[1]) if part)


def google_link(event: Event, zone: str) -> str:
    """The "Add to Google Calendar" link of ``event``; ``zone`` is the zone Google shows it in.

    Times are in UTC (``dates=20241118T162100Z/20241118T164400Z``), so Google places the session
    right whatever zone the visitor's account is set to; ``ctz`` only picks the zone its editor
    shows. An all-day event gets ``dates=YYYYMMDD/YYYYMMDD`` with the end exclusive.
    """
    return _with_details(_google(_Parts.of(event), zone), "details", event, {})


def outlook_link(event: Event) -> str:
    """The "Add to Outlook.com" link of ``event``: ``startdt``/``enddt`` in UTC with ``Z``.

    An all-day event gets ``allday=true`` and dates, the end exclusive.
    """
    return _with_details(_outlook(_Parts.of(event)), "body", event, {})


def add_links(event: Event, zone: str) -> tuple[str, str]:
    """``(google_link(event, zone), outlook_link(event))``, each part of the event written once
    for both (the details twice only where the links leave them different room: absurdly long
    titles and rooms)."""
    parts = _Parts.of(event)
    fitted: dict[int, str] = {}
    return (
        _with_details(_google(parts, zone), "details", event, fitted),
        _with_details(_outlook(parts), "body", event, fitted),
    )


class _Parts(NamedTuple):
    """What both links say of an event but its details."""

    #: The title and the room (``""`` if none), each cut to a fifth of a link so that even an
    #: absurd one leaves a usable link, encoded.
    title: str
    room: str
    #: Its start and end in UTC (:func:`confcal.zones.utc_iso`): digits, "-", ":", T and Z,
    #: as they are.
    start: str
    end: str
    all_day: bool

    @classmethod
    def of(cls, event: Event) -> _Parts:
        room = _fit(event.location, MAX_LINK_LENGTH // 5)[1] if event.location else ""
        title = _fit(event.title, MAX_LINK_LENGTH // 5)[1]
        return cls(title, room, utc_iso(event.start), utc_iso(event.end), event.all_day)


#: Google's compact times: utc_iso's without "-" and ":" (``20241118T162100Z``, ``20241118``).
_COMPACT = str.maketrans("", "", "-:")


def _google(parts: _Parts, zone: str) -> str:
    """The Google link but its details."""
    # All-day: the end is exclusive in Google's dates= as in Event.end.
    dates = f"{parts.start.translate(_COMPACT)}/{parts.end.translate(_COMPACT)}"
    location = f"&location={parts.room}" if parts.room else ""
    return (
        f"{GOOGLE}?action=TEMPLATE&text={parts.title}&dates={dates}{location}"
        f"&ctz={_structural(zone)}"
    )


def _outlook(parts: _Parts) -> str:
    """The Outlook link but its body."""
    # path and rru pick the "new event" form; without them the link opens the calendar.
    times = f"startdt={parts.start}&enddt={parts.end}"
    allday = "&allday=true" if parts.all_day else ""
    location = f"&location={parts.room}" if parts.room else ""
    return (
        f"{OUTLOOK}?path=/calendar/action/compose&rru=addevent&subject={parts.title}&{times}"
        f"{allday}{location}"
    )


def _with_details(without: str, key: str, event: Event, fitted: dict[int, str]) -> str:
    """The link with the event's details last (as ``key``), cut so that the link fits
    MAX_LINK_LENGTH. ``fitted``: the encoded details by their budget, found for the other link."""
    budget = min(MAX_LINK_LENGTH - len(without) - len(f"&{key}="), MAX_DETAILS_LENGTH)
    encoded = fitted.get(budget)
    if encoded is None:
        encoded = fitted[budget] = _details(event, budget)
    return f"{without}&{key}={encoded}" if encoded else without


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
