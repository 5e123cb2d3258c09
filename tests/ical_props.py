"""Typed access to the properties of an icalendar component, for the tests.

icalendar types ``component[name]`` as the union of all its property classes. RFC 5545 fixes
which class each property has, so a test knows it; these helpers check it at run time and tell
mypy, rather than each test casting.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from icalendar import Component, vDDDTypes

T = TypeVar("T")


def prop(component: Component, name: str, kind: type[T]) -> T:
    """The property ``name`` of ``component``, which must be a ``kind``."""
    value = component[name]
    assert isinstance(value, kind), f"{name} is a {type(value).__name__}, not a {kind.__name__}"
    return value


def when(component: Component, name: str) -> dt.datetime | dt.date:
    """The value of a DATE or DATE-TIME property (DTSTART, DTEND, DTSTAMP, ...)."""
    value = prop(component, name, vDDDTypes).dt
    assert isinstance(value, dt.date), f"{name} is {value!r}, not a date or date-time"
    return value


def moment(component: Component, name: str) -> dt.datetime:
    """The value of a DATE-TIME property."""
    value = when(component, name)
    assert isinstance(value, dt.datetime), f"{name} is {value!r}, not a date-time"
    return value


def duration(component: Component, name: str) -> dt.timedelta:
    """The value of a DURATION property (TRIGGER, REFRESH-INTERVAL, ...)."""
    value = prop(component, name, vDDDTypes).dt
    assert isinstance(value, dt.timedelta), f"{name} is {value!r}, not a duration"
    return value
