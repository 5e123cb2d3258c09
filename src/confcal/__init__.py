"""confcal: conference programmes as RFC 5545 calendars that every client reads at the right time.

>>> import confcal
>>> schedule = confcal.load("events.json")          # doctest: +SKIP
>>> confcal.to_ical(schedule)                       # doctest: +SKIP
"""

from ._version import __version__ as __version__
from .errors import ConfcalError, InvalidInput, LoadWarning, OutputError, Problem
from .files import Split, render, write_files
from .ical import to_calendar, to_ical, to_vevent
from .model import Event, Schedule
from .readers import load, loads
from .readers.events_json import dumps
from .zones import localize, to_local

__all__ = [
    "ConfcalError",
    "Event",
    "InvalidInput",
    "LoadWarning",
    "OutputError",
    "Problem",
    "Schedule",
    "Split",
    "dumps",
    "load",
    "loads",
    "localize",
    "render",
    "to_calendar",
    "to_ical",
    "to_local",
    "to_vevent",
    "write_files",
]
