"""What a caller chooses among, and the bounds of what it gives: the splits, the formats read,
whose time a pretalx/frab date trusts, the longest session and alarm.

Each is written once, here, in a module that imports nothing of confcal's and no outside library,
so that the command line builds its options from them (``--split``, ``--format``, ``--trust``,
``--alarm``) without loading icalendar, pytz or the model: ``confcal --help``, and shell
completion, which runs the same start on every TAB. Their public homes are where they were:
:class:`confcal.files.Split` (``confcal.Split``), ``confcal.readers.FORMATS`` and ``TRUSTS``,
``confcal.ical.MAX_ALARM``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

__all__ = ["FORMATS", "MAX_ALARM", "MAX_LENGTH", "TRUSTS", "Format", "Split", "Trust"]


class Split(StrEnum):
    """How a programme is divided into files."""

    NONE = "none"
    DAY = "day"
    EVENT = "event"
    #: One feed per track (``track``), one per room (``location``), named by
    #: :func:`~confcal.files.feed_slug`.
    TRACK = "track"
    ROOM = "room"


#: What ``--format`` accepts: ``auto`` recognises the others by content.
Format = Literal["auto", "events", "frab-json", "frab-xml", "ics"]
FORMATS: tuple[Format, ...] = ("auto", "events", "frab-json", "frab-xml", "ics")

#: Which a pretalx/frab ``date`` means where its UTC offset and the time it prints disagree:
#: ``auto`` decides (:mod:`confcal.readers._frab_offsets`), the others choose (``--trust``).
Trust = Literal["auto", "offsets", "clock"]
TRUSTS: tuple[Trust, ...] = ("auto", "offsets", "clock")

#: The longest an event may last.
MAX_LENGTH = dt.timedelta(days=366)
#: The longest ``alarm`` before a session: as long as a session may last (``--alarm`` too).
MAX_ALARM = MAX_LENGTH
