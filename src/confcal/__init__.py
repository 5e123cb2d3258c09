"""confcal: conference programmes as RFC 5545 calendars that every client reads at the right time.

>>> import confcal
>>> schedule = confcal.load("events.json")          # doctest: +SKIP
>>> schedule.to_ical()                              # doctest: +SKIP
"""

from .errors import ConfcalError, InvalidInput, OutputError, Problem
from .loading import load, loads
from .model import Event, Schedule
from .output import Split

__all__ = [
    "ConfcalError",
    "Event",
    "InvalidInput",
    "OutputError",
    "Problem",
    "Schedule",
    "Split",
    "load",
    "loads",
]
