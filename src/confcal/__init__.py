"""confcal: conference programmes as RFC 5545 calendars that every client reads at the right time.

>>> import confcal
>>> schedule = confcal.load("events.json")          # doctest: +SKIP
>>> schedule.to_ical()                              # doctest: +SKIP
"""

from .errors import ConfcalError, InvalidInput, LoadWarning, OutputError, Problem
from .files import Split, render, write_files
from .loading import load, loads
from .model import Event, Schedule
from .writing import dumps

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
    "render",
    "write_files",
]
