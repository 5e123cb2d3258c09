"""Reading a pretalx/frab ``schedule.xml``: its syntax only, mapped by :mod:`._frab_map`.

The XML holds the same data model as ``schedule.json`` (schedule > day > room > event), so this
module only finds the elements and their text, and hands them to the mapping both formats
share. It is the one importer of ``defusedxml``: a file that declares entities or external
references is refused before anything is expanded or fetched, whatever it says.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from typing import TYPE_CHECKING

from confcal.errors import InvalidInput, Problem, shown

from . import _frab_map
from ._common import Collector, Imported, Trust, check_options, check_text, name, xml_codec
from ._frab_parsed import EVENT_TEXT, Day, Parsed, RawEvent, clean, no_days

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    import defusedxml

__all__ = ["loads"]


def loads(
    data: bytes | str,
    *,
    source: str = "<string>",
    timezone: str | None = None,
    dtstamp: dt.datetime | None = None,
    trust: Trust = "auto",
) -> Imported:
    """A ``schedule.xml`` as a schedule, with what confcal had to say about the file.

    ``timezone`` is the zone of a file that names none (and overrides one it names, with a
    warning when they differ); ``dtstamp`` the DTSTAMP (default 1970: unknown); ``trust``
    whether a date's UTC offset or the time it prints wins where they disagree (``auto``: see
    the README, "UTC offsets that disagree"). Raises
    :class:`InvalidInput` listing every problem.
    """
    check_text(data, "data")
    check_options(source=source, timezone=timezone, dtstamp=dtstamp, trust=trust)
    collector = Collector(source)
    with collector.reading():
        parsed = _parsed(_root(_decoded(data, source), source), collector)
        return _frab_map.schedule(
            parsed, collector, timezone=timezone, dtstamp=dtstamp, trust=trust
        )


def _decoded(data: bytes | str, source: str) -> bytes | str:
    """The text, decoded here unless the parser reads it as it is (UTF-8, by far the most common).

    UTF-16 and UTF-32 by byte order mark or first characters (XML 1.0, appendix F); then the
    encoding the declaration names (``windows-1252``, ``Shift_JIS``) with Python's codec for it:
    the parser itself reads only a few, and some bytes of others (``0x81`` in windows-1252) as
    "invalid token". An encoding Python does not know is left to the parser, which refuses it.
    """
    if isinstance(data, str):
        return data
    codec = xml_codec(data)
    declared = codec is None
    if codec is None and (codec := _declared_codec(data)) is None:
        return data
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        if declared:
            reason = f"{error.reason} (byte 0x{data[error.start]:02x})"
            why = f"not valid {shown(_declared(data))}, as its declaration says it is: {reason}"
            message = f"{why} at byte {error.start}; save it as UTF-8"
        else:
            encoding = codec.upper().removesuffix("-BE").removesuffix("-LE")
            why = f"not valid {encoding}, as its first bytes say it is: {error.reason}"
            message = f"{why} at byte {error.start}"
        raise InvalidInput([Problem(message, source=source)]) from None


#: Encodings the parser reads itself: UTF-8, and UTF-16 or UTF-32 declared in a file whose bytes
#: are neither (then the parser's refusal says the declaration is wrong).
_PARSER_READS = frozenset(("utf-8", "utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-32-be",
                           "utf-32-le"))  # fmt: skip


def _declared(data: bytes) -> str:
    """The encoding the XML declaration names, as written; ``""`` for none."""
    declared = _DECLARED.match(data[:1024].lstrip(b" \t\r\n"))
    return declared[1].decode("ascii", "replace") if declared else ""


def _declared_codec(data: bytes) -> str | None:
    """The Python codec of the encoding the declaration names, unless the parser reads it itself
    (UTF-8: also by a byte order mark, which wins over any declaration) or Python has none."""
    name = _declared(data)
    if not name or data.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        codec = codecs.lookup(name).name
        b"<".decode(codec)  # LookupError for a codec that is no text encoding (rot13)
    except (LookupError, ValueError):
        return None
    return None if codec in _PARSER_READS else codec


def _root(data: bytes | str, source: str) -> Element:
    """The ``<schedule>`` element; :class:`InvalidInput` for anything else."""
    # Imported here, not with the module: every confcal start (even --help) would pay for them.
    from xml.etree.ElementTree import ParseError

    import defusedxml
    import defusedxml.ElementTree as safe_xml

    try:
        root = safe_xml.fromstring(data)
    except defusedxml.DefusedXmlException as error:
        message = (
            f"refused: the XML {_refusal(error)}; a schedule needs none, and expanding or "
            "fetching it could exhaust memory or reach the network"
        )
        raise InvalidInput([Problem(message, source=source)]) from None
    except ParseError as error:
        line, column = error.position
        message = f"not well-formed XML: {str(error).split(':')[0]} at line {line} column"
        raise InvalidInput([Problem(f"{message} {column + 1}", source=source)]) from None
    except (LookupError, ValueError) as error:  # from the encoding, before any element is read
        raise InvalidInput([Problem(_unreadable(data, error), source=source)]) from None
    if root.tag != "schedule":
        message = (
            f"not a pretalx/frab schedule: the root element is <{name(root.tag)}>, not <schedule>"
        )
        raise InvalidInput([Problem(message, source=source)])
    return root


_DECLARED = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']{0,100})""")


def _unreadable(data: bytes | str, error: Exception) -> str:
    """Why the parser could not read the text: a lone surrogate in a ``str`` (no UTF-8, and no
    XML, has one), or an encoding its declaration names that neither the parser nor Python
    reads (UTF-32 without a byte order mark, a name Python does not know, ``rot13``)."""
    if isinstance(error, UnicodeEncodeError) and isinstance(data, str):
        line = data.count("\n", 0, error.start) + 1
        column = error.start - (data.rfind("\n", 0, error.start) + 1) + 1
        character = data[error.start]
        return f"not valid text: a lone surrogate {shown(character)} at line {line} column {column}"
    head = data[:1024].encode("utf-8", "replace") if isinstance(data, str) else data[:1024]
    declared = _DECLARED.match(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
    encoding = shown(declared[1].decode("ascii", "replace")) if declared else "its encoding"
    return f"cannot read the XML in {encoding}, as its declaration says it is; save it as UTF-8"


def _parsed(root: Element, collector: Collector) -> Parsed:
    from xml.etree.ElementTree import Element

    conference = root.find("conference")
    if conference is None:
        conference = Element("conference")
    days: list[Day] = []
    events: list[RawEvent] = []
    # Where the schedule XML has them (schedule > day > room > event), each element looked at once.
    for index, day_element in enumerate(root.iterfind("day"), start=1):
        day = Day(
            index=_int(day_element.get("index"), index),
            date=day_element.get("date"),
            start=day_element.get("start"),
            end=day_element.get("end"),
        )
        days.append(day)
        for room in day_element.iterfind("room"):
            for element in room.iterfind("event"):
                events.append(_event(element, room, day, len(events) + 1))
    _elsewhere(collector, root, "day", len(days), "<schedule>")
    _elsewhere(collector, root, "event", len(events), "a <room> inside a <day>")
    no_days(collector, days, events, "<day>")
    return Parsed(
        title=clean(conference.findtext("title")),
        zone=clean(conference.findtext("time_zone_name")),
        day_change=clean(conference.findtext("day_change")),
        url=clean(conference.findtext("url")) or clean(conference.findtext("base_url")),
        description=None,
        days=tuple(days),
        events=tuple(events),
    )


def _elsewhere(collector: Collector, root: Element, tag: str, read: int, parent: str) -> None:
    """A problem when the file has ``<tag>`` elements besides the ``read`` ones directly inside
    ``parent``: confcal would leave them out (a session lost), or could only guess."""
    found = sum(1 for _ in root.iter(tag))
    if found > read:
        collector.problem(
            f"{found - read} <{tag}> element(s) are not directly inside {parent}, where a "
            "schedule has them; confcal would leave them out",
            field=f"<{tag}>",
        )


def _refusal(error: defusedxml.DefusedXmlException) -> str:
    import defusedxml

    if isinstance(error, defusedxml.EntitiesForbidden):
        target = f" ({shown(error.sysid)})" if error.sysid else ""
        return f"declares the entity {shown(error.name)}{target}"
    if isinstance(error, defusedxml.ExternalReferenceForbidden):
        return f"refers to the external resource {shown(error.sysid)}"
    return "has a document type declaration"


def _event(element: Element, room: Element, day: Day, position: int) -> RawEvent:
    text: dict[str, str | None] = {key: element.findtext(key) for key in EVENT_TEXT}
    text["guid"] = element.get("guid") or text["guid"]
    text["id"] = element.get("id") or text["id"]
    if not clean(text["room"]):
        text["room"] = room.get("name")
    persons = tuple((p.text or "") for p in element.iterfind("persons/person"))
    return RawEvent(position=position, text=text, persons=persons, day=day)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
