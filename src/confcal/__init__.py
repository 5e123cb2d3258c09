"""confcal: conference programmes as RFC 5545 calendars that every client reads at the right time.

>>> import confcal
>>> schedule = confcal.load("events.json")          # doctest: +SKIP
>>> confcal.to_ical(schedule)                       # doctest: +SKIP

Each public name is imported from its module on first use (PEP 562), not by ``import confcal``:
the ``confcal`` command starts by importing this package, and ``confcal --help`` (and shell
completion, on every TAB) would otherwise load icalendar, pytz and every reader to print a page
of text. A submodule (``confcal.files``, ``confcal.zones``, ...) resolves on first use too.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__ as __version__

if TYPE_CHECKING:  # what the names below are, for type checkers and readers of this file
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

#: The module each public name comes from: the imports above, as the interpreter runs them.
_HOMES = {
    "ConfcalError": "errors",
    "InvalidInput": "errors",
    "LoadWarning": "errors",
    "OutputError": "errors",
    "Problem": "errors",
    "Split": "files",
    "render": "files",
    "write_files": "files",
    "to_calendar": "ical",
    "to_ical": "ical",
    "to_vevent": "ical",
    "Event": "model",
    "Schedule": "model",
    "load": "readers",
    "loads": "readers",
    "dumps": "readers.events_json",
    "localize": "zones",
    "to_local": "zones",
}


# Hidden from type checkers, which see the imports above: with a module __getattr__ they would
# take any name, and a typo (``confcal.to_ics``) would pass them.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """A public name, imported from its module the first time it is asked for and kept here
        (so this runs once a name); a submodule (``confcal.files``) imported as ``import`` would."""
        home = _HOMES.get(name)
        if home is not None:
            value: object = getattr(importlib.import_module(f"{__name__}.{home}"), name)
            globals()[name] = value
            return value
        # Only a name that can be an attribute: getattr(confcal, ".x", None) must give None, and
        # "site.links" is no attribute of the package (import_module would find it, or raise).
        if name.isidentifier() and not name.startswith("__"):
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"{__name__}.{name}":
                    raise  # the submodule exists, and something it imports does not
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names too, before their first use (for ``dir()``, completion in a REPL)."""
    return sorted({*globals(), *__all__})
