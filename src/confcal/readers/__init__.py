"""Reading a conference programme: events.json and pretalx/frab schedule.json and schedule.xml."""

from ._common import FORMATS, Format
from .events_json import load, loads, parse_duration

__all__ = ["FORMATS", "Format", "load", "loads", "parse_duration"]
