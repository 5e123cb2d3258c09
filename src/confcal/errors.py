"""The one exception hierarchy of confcal.

Every error a user can cause is a :class:`ConfcalError`. The CLI catches that base class once and
prints its lines; Python callers catch it (or a subclass) and read the structured details.
"""

from __future__ import annotations

import os
import reprlib

import attrs

__all__ = [
    "ConfcalError",
    "InvalidInput",
    "LoadWarning",
    "OutputError",
    "PipeClosed",
    "Problem",
    "shown",
    "shown_path",
]


class _Repr(reprlib.Repr):
    def repr1(self, x: object, level: int) -> str:
        if isinstance(x, dict) and type(x) is not dict:  # a JSON object as the loader reads it
            return self.repr_dict(x, level)
        return super().repr1(x, level)


_REPR = _Repr()
_REPR.maxstring = _REPR.maxother = 120
_REPR.maxlevel = 3


def shown(value: object) -> str:
    """A value as a message shows it: ``repr``, so no control character reaches the terminal,
    and shortened, so a runaway value does not bury the message."""
    return _REPR.repr(value)


#: The longest path a message shows whole; a longer one is shortened in the middle.
_PATH_SHOWN = 512


def shown_path(path: str | os.PathLike[str]) -> str:
    """A file name as a message shows it: as it is, the user's own, unless it could act on the
    terminal or break the message's one line (a control character, a byte that is not UTF-8),
    then as :func:`shown` shows it; and shortened in the middle when it is longer than 512
    characters, so a runaway path does not bury the message."""
    text = os.fspath(path)
    if not text.isprintable():
        return shown(text)
    if len(text) <= _PATH_SHOWN:
        return text
    half = (_PATH_SHOWN - 3) // 2
    return f"{text[:half]}...{text[-half:]}"


@attrs.frozen
class Problem:
    """One thing wrong with the input, located precisely enough to fix it.

    ``event`` is how the event is known to a human: its ``id`` in quotes, or ``#N`` (1-based
    position) when it has no usable id.
    """

    message: str
    source: str | None = None
    event: str | None = None
    field: str | None = None
    value: object = None

    def located(self, *, source: str | None = None, event: str | None = None) -> Problem:
        """The same problem, with the file and event filled in where they were not known yet."""
        return attrs.evolve(
            self,
            source=self.source if self.source is not None else source,
            event=self.event if self.event is not None else event,
        )

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(shown_path(self.source))
        if self.event:
            where.append(f"event {self.event}")
        if self.field:
            where.append(self.field)
        return ": ".join([*where, self.message])


@attrs.frozen
class LoadWarning:
    """Something confcal read but not quite as the file says: what it kept, located like a Problem.

    Imported schedules are not always consistent (a zone their own offsets contradict, a session
    listed under a day it does not belong to). confcal keeps what is certain, such as the instant,
    and reports the rest this way rather than guessing silently or refusing the whole programme.
    """

    message: str
    source: str | None = None
    event: str | None = None
    field: str | None = None
    value: object = None

    __str__ = Problem.__str__


class ConfcalError(Exception):
    """Base class of every error confcal raises for something a user can fix."""


class InvalidInput(ConfcalError, ValueError):
    """The programme cannot be turned into calendars; ``problems`` lists every reason found."""

    def __init__(
        self, problems: list[Problem] | tuple[Problem, ...], *, stopped: bool = False
    ) -> None:
        if not problems:
            raise ValueError("InvalidInput needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        #: Reading gave up early: the last problem says so, and more may follow once these are
        #: fixed. A report that shortens the list keeps that last problem in view.
        self.stopped = stopped
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(
        cls, message: str, *, field: str | None = None, value: object = None
    ) -> InvalidInput:
        """An error with one problem, for checks that stop at the first thing wrong."""
        return cls([Problem(message, field=field, value=value)])

    def located(self, *, source: str | None = None, event: str | None = None) -> InvalidInput:
        """The same error with every problem's file and event filled in where missing."""
        return InvalidInput(
            [p.located(source=source, event=event) for p in self.problems], stopped=self.stopped
        )


class OutputError(ConfcalError, OSError):
    """A calendar could not be written where it was asked to go."""


class PipeClosed(OutputError, BrokenPipeError):
    """The reader of a pipe closed it (``confcal list | head``): it has what it wanted.

    An :class:`OutputError` like any other to a library caller; the command line ends silently
    with exit code 0 on it, as ``cat`` does.
    """
