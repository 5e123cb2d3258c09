"""The ``confcal`` command: options in, library calls, messages out. The work is the library's."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import attrs
import click
from click.shell_completion import CompletionItem

# What building the commands and their options takes, and no more: the library (icalendar,
# pytz, the model, the readers) is imported by the commands and callbacks that use it, so that
# `confcal --help`, and shell completion on every TAB, start without it.
from ._choices import FORMATS, MAX_ALARM, TRUSTS, Format, Split, Trust
from ._version import __version__
from .errors import ConfcalError, InvalidInput, LoadWarning, OutputError, Problem, shown_path

if TYPE_CHECKING:
    from .history import History
    from .ical import Progress
    from .model import Schedule

__all__ = ["cli", "main"]

#: --alarm in minutes, at most the library's limit.
_MAX_ALARM_MINUTES = MAX_ALARM // dt.timedelta(minutes=1)


class _Programme(click.Path):
    """A programme's path; ``-`` is stdin, read as ``/dev/stdin`` so that every check of the
    input (never the output, nor stdout's or stderr's file) holds for it too."""

    def convert(
        self, value: str | os.PathLike[str], param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> str | bytes | os.PathLike[str]:  # fmt: skip
        return Path("/dev/stdin") if value == "-" else super().convert(value, param, ctx)


EVENTS = _Programme(dir_okay=False, path_type=Path, allow_dash=False)
_F = TypeVar("_F", bound=Callable[..., object])


def _parse_days(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[dt.date, ...]:
    days = []
    for text in value:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            raise click.BadParameter(
                f"{text!r} is not a date YYYY-MM-DD, such as 2024-11-19"
            ) from None
    return tuple(days)


def _refresh(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.timedelta | None:
    """``--refresh`` as a duration; not checked while the shell completes a command line
    (``resilient_parsing``), which would import the readers on every TAB after it."""
    if value is None or ctx.resilient_parsing:
        return None
    from .readers import parse_refresh

    try:
        return parse_refresh(value)
    except InvalidInput as error:
        raise click.BadParameter(error.problems[0].message) from None


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A zone that exists, else a usage error naming it; not checked while completing."""
    if value is not None and not ctx.resilient_parsing:
        from . import zones

        try:
            zones.get_zone(value)
        except InvalidInput as error:
            raise click.BadParameter(error.problems[0].message) from None
    return value


def _complete_zone(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Zone names for shell completion, ignoring case: ``--tz europe/be<TAB>``."""
    from . import zones

    folded = incomplete.casefold()
    return [CompletionItem(name) for name in zones.names() if name.casefold().startswith(folded)]


def _filters(command: _F) -> _F:
    """The options that choose events; they compose with every split, and with each other."""
    options = [
        click.option("--type", "types", multiple=True, metavar="TYPE",
                     help="Only events of this type (ignoring case); repeat for several."),
        click.option("--day", "days", multiple=True, metavar="YYYY-MM-DD", callback=_parse_days,
                     help="Only events on this conference day; repeat for several."),
        click.option("--id", "ids", multiple=True, metavar="ID",
                     help="Only the event with this id; repeat for several."),
        click.option("--track", "tracks", multiple=True, metavar="TRACK",
                     help="Only events of this track (ignoring case); repeat for several."),
        click.option("--room", "rooms", multiple=True, metavar="ROOM",
                     help="Only events in this room (ignoring case); repeat for several."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


@attrs.frozen
class _Filters:
    """What the filter options (:func:`_filters`) chose, as ``Schedule.select`` takes it."""

    types: tuple[str, ...] = ()
    days: tuple[dt.date, ...] = ()
    ids: tuple[str, ...] = ()
    tracks: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()

    def given(self) -> str:
        """The options as typed, for a message."""
        return " ".join(
            f"--{option} {value}"
            for option, values in zip(
                ("type", "day", "id", "track", "room"), attrs.astuple(self), strict=True
            )
            for value in values
        )


def _select(schedule: Schedule, events: Path, chosen: _Filters) -> Schedule:
    """The events the filters choose; an error naming the option when a value matches nothing."""
    try:
        return schedule.select(**attrs.asdict(chosen, recurse=False))
    except InvalidInput as error:
        raise InvalidInput(
            [
                attrs.evolve(p, source=str(events), field=f"--{p.field}")
                if p.field
                else attrs.evolve(
                    p, source=str(events), field=None, message=f"{p.message} ({chosen.given()})"
                )
                for p in error.problems
            ]
        ) from None


def _refuse_empty_split(schedule: Schedule, kind: Split, events: Path) -> None:
    """``--split track`` (``room``) where no session has one would write no feed, and exit 0:
    an error, as a ``--track`` that matches nothing is."""
    field = {Split.TRACK: "track", Split.ROOM: "location"}.get(kind)
    if field is None or any(getattr(event, field) for event in schedule.events):
        return
    message = f"no session has a {kind.value}, so there is no feed to write; split by day or event"
    raise InvalidInput([Problem(message, source=str(events), field=f"--split {kind.value}")])


def _to_stdout(output: Path | None) -> bool:
    return output is None or str(output) == "-"


def _output(
    given: str | None,
    *,
    file: str | None = None,
    folder: str | None = None,
    option: str = "-o ",
) -> Path | None:
    """The path ``-o`` gives, as typed (click's ``Path`` would turn ``''`` into ``.`` and drop
    a trailing ``/``): a usage error for none, for a folder where a ``file`` goes and for
    stdout where a ``folder`` goes (``file``, ``folder``: what to do instead; ``option``: how
    the message names where the path was given, ``''`` for an argument)."""
    if given is None:
        return None
    if not given:
        raise click.UsageError(f"{option}'': an empty path; {file or 'give a file or folder name'}")
    name = os.path.basename(given)
    if file is not None and name in {"", ".", ".."}:
        raise click.UsageError(
            f"{option}{shown_path(given)}: ends with {name or '/'}, so names a folder: {file}"
        )
    if folder is not None and given == "-":
        raise click.UsageError(f"-o -: - means stdout; {folder}")
    return Path(given)


def _refuse_input(output: Path | None, source: Path) -> None:
    """Before anything is read: an ``-o`` (or stdout) that is the input would replace the
    programme or append to it, and a closed stdout would lose the output."""
    from .files import check_output, check_stdout

    if _to_stdout(output):
        check_stdout([source])
    else:
        assert output is not None
        check_output(output, [source])


def _refuse_stderr(source: Path) -> None:
    """First of all: a stderr that is the input (``2>>events.json``) would get every warning and
    error appended to the programme. The refusal goes to stdout, unless that is the input too
    (then it goes nowhere); exit code 1 either way."""
    from .files import check_stdout, stderr_input, write_stdout

    found = stderr_input([source])
    if found is None:
        return
    try:
        check_stdout([source])
        write_stdout(
            f"error: stderr: is the input file {shown_path(found)}; send the messages to another "
            "file\n"
        )
    except OutputError:
        pass  # stdout is the input too, or gone: nowhere to say it
    raise click.exceptions.Exit(1)


def _emit(data: bytes, output: Path | None, source: Path) -> None:
    """Data to the file ``output`` (written atomically), or to stdout for none or ``-``."""
    from .files import write_atomic, write_stdout

    if _to_stdout(output):
        write_stdout(data)
    else:
        assert output is not None
        write_atomic(output, data, inputs=[source])


class _Bar:
    """A progress bar on stderr for a run that lasts (100,000 sessions take minutes): shown only
    when stderr is a terminal, and only once the run has taken :data:`DELAY` seconds, so short
    runs, pipes, logs and CI print nothing."""

    DELAY = 1.0

    def __init__(self, quiet: bool = False) -> None:
        self.began = time.monotonic()
        self.shown: click._termui_impl.ProgressBar[int] | None = None
        self.label = ""
        self.next = 0.0
        try:
            self.wanted = not quiet and sys.stderr is not None and sys.stderr.isatty()
        except (OSError, ValueError):
            self.wanted = False

    def phase(self, label: str) -> Progress | None:
        """What the library tells of one phase (``(done, total)``), or ``None`` to tell nothing."""
        if not self.wanted:
            return None
        began = time.time()

        def tell(done: int, total: int) -> None:
            now = time.monotonic()
            if now - self.began < self.DELAY or (now < self.next and done < total):
                return
            self.next = now + 0.1  # a bar redrawn per session would cost more than the session
            with contextlib.suppress(OSError, ValueError):
                if self.shown is None or self.label != label:
                    self.close()
                    self.shown = click.progressbar(length=total, label=label, file=sys.stderr)
                    self.shown.start = began  # the estimate counts from the phase's start
                    self.label = label
                self.shown.update(done - self.shown.pos)

        return tell

    def close(self) -> None:
        """Ends the bar's line, if one was shown, before any other message."""
        if self.shown is not None:
            shown, self.shown = self.shown, None
            with contextlib.suppress(OSError, ValueError):
                shown.render_finish()


@contextlib.contextmanager
def _progress(quiet: bool = False) -> Iterator[_Bar]:
    """The progress bar of a run; none with ``-q``, which silences everything but errors."""
    bar = _Bar(quiet)
    try:
        yield bar
    finally:
        bar.close()


def _say(message: str) -> None:
    """A line on stderr; lost, not fatal, if stderr is gone (``2>&1 | head``)."""
    with contextlib.suppress(OSError):
        click.echo(message, err=True)


def _warn(warning: LoadWarning) -> None:
    _say(f"warning: {warning}")


@attrs.frozen
class _Reading:
    """How a command reads its programme: the options every such command takes."""

    format: Format = "auto"
    timezone: str | None = None
    trust: Trust = "auto"
    strict: bool = False
    quiet: bool = False

    def load(self, path: Path, dtstamp: dt.datetime | None = None) -> Schedule:
        from .readers import load

        return load(
            path,
            format=self.format,
            timezone=self.timezone,
            trust=self.trust,
            strict=self.strict,
            on_warning=None if self.quiet else _warn,
            dtstamp=dtstamp,
        )


def _calendar_options(command: _F) -> _F:
    """``--alarm`` and ``--refresh``, for the commands that write calendars."""
    command = click.option(
        "--refresh", metavar="DURATION", callback=_refresh, default=None,
        help="How often subscribers reload the whole calendar (REFRESH-INTERVAL, X-PUBLISHED-TTL);"
        " default: calendar.refresh in events.json, else PT6H. Not written into day or session "
        "files.",
    )(command)  # fmt: skip
    return click.option(
        "--alarm", type=click.IntRange(min=0, max=_MAX_ALARM_MINUTES), metavar="MINUTES",
        default=None,
        help="A reminder this many minutes before each timed session (not all-day or cancelled "
        "ones).",
    )(command)  # fmt: skip


def _programme_options(command: _F) -> _F:
    """The options of every command that reads a programme, given to it as one ``reading``."""

    @functools.wraps(command)
    def reading_command(
        *args: object, format_: Format, timezone: str | None, trust: Trust, strict: bool,
        quiet: bool, **kwargs: object,
    ) -> object:  # fmt: skip
        reading = _Reading(format_, timezone, trust, strict, quiet)
        return command(*args, reading=reading, **kwargs)

    options = [
        click.option(
            "--format", "format_", type=click.Choice(FORMATS), default="auto", show_default=True,
            help="events.json, a pretalx/frab schedule.json or schedule.xml, or an .ics (ics); "
            "auto: by content.",
        ),
        click.option(
            "--timezone", metavar="ZONE", default=None, callback=_zone,
            shell_complete=_complete_zone,
            help="IANA zone of a pretalx/frab schedule or .ics that names none (overrides the "
            "one it names); an .ics's floating times are in it.",
        ),
        click.option(
            "--trust", type=click.Choice(TRUSTS), default="auto", show_default=True,
            help="Where a pretalx/frab date's UTC offset and the time it prints disagree: "
            "publish the offset's instant or the printed time (auto: the printed time if "
            "--timezone is given or most sessions disagree by one amount).",
        ),
        click.option(
            "--strict", is_flag=True,
            help="Refuse a file that needs repairs: each warning is an error (exit 1, nothing "
            "written).",
        ),
        click.option(
            "-q", "--quiet", is_flag=True, help="Do not print warnings or the progress bar."
        ),
    ]  # fmt: skip
    for option in reversed(options):
        reading_command = option(reading_command)
    return reading_command  # type: ignore[return-value]


def _history_options(command: _F) -> _F:
    """``--history PATH`` and ``--no-history``, for the commands that publish."""
    command = click.option(
        "--no-history", is_flag=True,
        help="Use no history file, not even the one beside the programme.",
    )(command)  # fmt: skip
    return click.option(
        "--history", "history_file", type=click.Path(dir_okay=False, path_type=Path),
        default=None, metavar="PATH",
        help="The programme's history (SEQUENCE and LAST-MODIFIED of sessions that moved): read, "
        "updated, created if missing. Default: PROGRAMME.history.json beside the programme, when "
        "it exists.",
    )(command)  # fmt: skip


def _history_path(
    events: Path, given: Path | None, off: bool, output: Path | None, *, folder: bool
) -> Path | None:
    """The history file to use: ``--history``, else the one beside a programme file when there
    is one (not beside stdin), none with ``--no-history``. A history that is the programme, or
    one of the outputs (the ``-o`` file, anything in the ``-o`` ``folder``), is a usage error:
    it would be written over, or the calendar would become its JSON."""
    from . import history
    from .files import check_output

    if off:
        if given is not None:
            raise click.UsageError("--history and --no-history: give one of them")
        return None
    if given is not None:
        if str(given) == "-":
            raise click.UsageError(
                "--history -: the history is read and written again, so it must be a file"
            )
        check_output(given, [events])
        if output is not None and not _to_stdout(output) and _within(given, output, folder):
            where = "inside the output folder" if folder else "the output file"
            raise click.UsageError(
                f"--history {shown_path(given)}: is {where} -o {shown_path(output)}; keep the "
                "history beside the programme, where a make clean leaves it"
            )
        return given
    if events == Path("/dev/stdin"):
        return None
    beside = history.default_path(events)
    return beside if beside.is_file() else None


def _within(path: Path, output: Path, folder: bool) -> bool:
    """Whether ``path`` is ``output`` (through links too), or, for a ``folder``, inside it."""
    if folder:
        top = os.path.realpath(output)
        where = os.path.realpath(path)
        return where == top or where.startswith(top.rstrip(os.sep) + os.sep)
    if os.path.realpath(path) == os.path.realpath(output):
        return True
    try:
        return os.path.samefile(path, output)
    except (OSError, ValueError):
        return False  # one of them missing: not the same file


def _revised(schedule: Schedule, path: Path | None) -> tuple[Schedule, History | None]:
    """``schedule`` with the SEQUENCE and LAST-MODIFIED its history gives, and the history to
    write once the calendars are written."""
    from . import history

    if path is None:
        return schedule, None
    try:
        return history.revise(schedule, history.load(path))
    except InvalidInput as error:
        raise error.located(source=str(path)) from None


def _save(path: Path | None, revised: History | None, events: Path) -> None:
    """The history, after the calendars: a run that failed before leaves it as it was, and the
    next one gives every session the same SEQUENCE again."""
    from . import history
    from .files import write_atomic

    if path is not None and revised is not None:
        write_atomic(path, history.dumps(revised).encode("utf-8"), inputs=[events])


#: Problems printed before the rest are only counted: the first ones point at what is wrong, and
#: 800,000 lines (a file of 200,000 empty events) would bury them.
_SHOWN_PROBLEMS = 50


class _Group(click.Group):
    """Turns every :class:`ConfcalError` into ``error:`` lines on stderr and exit code 1, and
    a reader that stopped reading stdout (``| head``) into a silent exit 0."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:
        # --help and --version print while the options are parsed, before invoke: click would
        # exit 1 on a closed pipe there (`confcal --help | head -1`).
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:
            from .files import silence_stdout

            silence_stdout()
            raise click.exceptions.Exit(0) from None

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except InvalidInput as error:
            problems = list(error.problems)
            last = [problems.pop()] if error.stopped else []  # why there are no more
            for problem in problems[:_SHOWN_PROBLEMS]:
                _say(f"error: {problem}")
            rest = problems[_SHOWN_PROBLEMS:]
            if rest:
                _say(f"error: {Problem(f'and {len(rest)} more problems', source=rest[0].source)}")
            for problem in last:
                _say(f"error: {problem}")
        except BrokenPipeError:  # PipeClosed: as `cat` and `head` do, whoever reads has enough
            from .files import silence_stdout

            silence_stdout()  # a subcommand's --help, printed by click
            ctx.exit(0)
        except ConfcalError as error:
            _say(f"error: {error}")
        ctx.exit(1)
        return None  # unreachable: ctx.exit raises


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="confcal")
def cli() -> None:
    """Turn a conference programme (events.json, or pretalx/frab schedule.json or .xml) into
    iCalendar files.

    \b
    Examples:
      confcal check events.json
      confcal export events.json -o parsl-sc24.ics
      confcal list events.json --tz Europe/Berlin
      confcal convert schedule.xml -o events.json
    """


@cli.command()
@click.argument("events", type=EVENTS)
@click.option(
    "-o", "--output", type=click.Path(), default=None,
    help="File to write (default: stdout), or the folder for --split day|event|track|room.",
)  # fmt: skip
@click.option(
    "--split", type=click.Choice([s.value for s in Split]), default=Split.NONE.value,
    show_default=True,
    help="One calendar, one file per conference day, one per session, or one feed per track or "
    "room.",
)  # fmt: skip
@_filters
@_calendar_options
@_history_options
@_programme_options
def export(
    events: Path, output: str | None, split: str, types: tuple[str, ...],
    days: tuple[dt.date, ...], ids: tuple[str, ...], tracks: tuple[str, ...],
    rooms: tuple[str, ...], alarm: int | None, refresh: dt.timedelta | None,
    history_file: Path | None, no_history: bool, reading: _Reading,
) -> None:  # fmt: skip
    """Write the programme as iCalendar.

    \b
    Examples:
      confcal export events.json -o parsl-sc24.ics
      confcal export events.json --split day -o calendars/days
      confcal export events.json --split event -o calendars/sessions
      confcal export events.json --split track -o calendars/tracks
      confcal export schedule.xml --room 'Saal 1' -o saal-1.ics
      confcal export events.json --type BOF --day 2024-11-19 --alarm 15 -o bofs.ics
      confcal export schedule.xml --split day -o calendars/days
      confcal export - -o all.ics < events.json
      confcal export events.json --history events.history.json -o all.ics
    """
    from .files import render, write_files

    _refuse_stderr(events)
    kind = Split(split)
    if kind is Split.NONE:
        path = _output(output, file="give a file name, or use --split")
    else:
        path = _output(output, folder=f"--split {split} writes a folder")
        if path is None:
            raise click.UsageError(f"--split {split} writes many files: give the folder with -o")
    _refuse_input(path, events)
    kept = _history_path(events, history_file, no_history, path, folder=kind is not Split.NONE)
    chosen = _Filters(types, days, ids, tracks, rooms)
    schedule, revised = _revised(reading.load(events), kept)
    schedule = _select(schedule, events, chosen)
    if refresh is not None:
        schedule = attrs.evolve(schedule, refresh=refresh)
    _refuse_empty_split(schedule, kind, events)
    reminder = None if alarm is None else dt.timedelta(minutes=alarm)
    with _progress(reading.quiet) as bar:
        files = render(schedule, kind, alarm=reminder, days=days, progress=bar.phase("rendering"))
        if kind is Split.NONE:
            _emit(files[""], path, events)
        else:
            assert path is not None
            write_files(
                path, files, prune=not chosen.given(), inputs=[events],
                progress=bar.phase("writing"),
            )  # fmt: skip
    _save(kept, revised, events)


@cli.command()
@click.argument("events", type=EVENTS)
@_programme_options
def check(events: Path, reading: _Reading) -> None:
    """Check a programme and summarize it; exit code 1 and every problem if it has any.

    \b
    Examples:
      confcal check events.json
      confcal check schedule.json --timezone Europe/Berlin
    """
    from .files import check_stdout, write_stdout

    _refuse_stderr(events)
    check_stdout([events])
    schedule = reading.load(events)
    days = list(schedule.days())
    span = f" ({days[0]} to {days[-1]})" if days else ""
    write_stdout(
        f"{shown_path(events)}: ok: {_count(len(schedule.events), 'event')} on "
        f"{_count(len(days), 'day')}{span}, "
        f"time zone {schedule.timezone}\n"
    )


@cli.command("list")
@click.argument("events", type=EVENTS)
@click.option(
    "--tz", metavar="ZONE", callback=_zone, default=None, shell_complete=_complete_zone,
    help="Show times in this IANA zone (e.g. Europe/Berlin) instead of the conference's.",
)  # fmt: skip
@_filters
@_programme_options
def list_(
    events: Path, tz: str | None, types: tuple[str, ...], days: tuple[dt.date, ...],
    ids: tuple[str, ...], tracks: tuple[str, ...], rooms: tuple[str, ...], reading: _Reading,
) -> None:  # fmt: skip
    """Print the programme as a table, by day, in the conference's zone or yours.

    \b
    Examples:
      confcal list events.json
      confcal list events.json --tz Europe/Berlin --day 2024-11-19
      confcal list schedule.xml
    """
    from .files import check_stdout, write_stdout
    from .listing import table

    _refuse_stderr(events)
    check_stdout([events])
    chosen = _Filters(types, days, ids, tracks, rooms)
    schedule = _select(reading.load(events), events, chosen)
    write_stdout(table(schedule, tz))


@cli.command()
@click.argument("schedule", type=EVENTS)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None,
    help="events.json to write (default: stdout).",
)  # fmt: skip
@_programme_options
def convert(schedule: Path, output: str | None, reading: _Reading) -> None:
    """Write a pretalx/frab schedule.json or schedule.xml, or an .ics, as events.json, to edit
    by hand.

    \b
    Examples:
      confcal convert schedule.xml -o events.json
      confcal convert programme.ics -o events.json
    """
    from .model import EPOCH
    from .readers.events_json import dumps

    _refuse_stderr(schedule)
    path = _output(output, file="give a file name")
    _refuse_input(path, schedule)
    # No DTSTAMP from the clock or the file's age: events.json holds `updated` only if the input
    # did, so that the converted file's own modification time takes over as it is edited.
    converted = dumps(reading.load(schedule, dtstamp=EPOCH))
    _emit(converted.encode("utf-8"), path, schedule)


@cli.command()
@click.argument("events", type=EVENTS)
@click.option(
    "-o", "--output", type=click.Path(file_okay=False), required=True,
    help="Folder to write the site into (created if missing).",
)  # fmt: skip
@_calendar_options
@_history_options
@_programme_options
def site(
    events: Path, output: str, alarm: int | None, refresh: dt.timedelta | None,
    history_file: Path | None, no_history: bool, reading: _Reading,
) -> None:  # fmt: skip
    """Publish everything in one run: the attendees' site (a page to search,
    filter and star sessions, also offline, and plain lists) and every
    calendar, each session serialized once.

    Publish the folder as it is, at calendar.url if that is set (the page's
    subscribe link points there). Only files whose content changed are
    rewritten; when the programme, the options and confcal are those of the
    last run and no file was touched since, nothing is read further or
    written. It holds:

    \b
      index.html              search, filters, now and next, My agenda
      app.js, sw.js, data/    its script, offline worker and data
      days/YYYY-MM-DD.html    every session of a day (tracks/, rooms/ too)
      calendar.ics            the whole programme
      days/YYYY-MM-DD.ics     one calendar per conference day
      sessions/<id>.ics       one calendar per session
      tracks/<slug>.ics       one feed per track (rooms/<slug>.ics per room)

    \b
    Example:
      confcal site events.json -o public
      confcal site schedule.xml --alarm 10 -o public
      confcal site events.json --history events.history.json -o public
    """
    from . import history
    from .files import build_stamps, check_output, up_to_date
    from .site import build_site

    _refuse_stderr(events)
    path = _output(output, folder="site writes a folder")
    assert path is not None
    check_output(path, [events])
    kept = _history_path(events, history_file, no_history, path, folder=True)
    options: dict[str, object] = {
        "command": "site", "format": reading.format, "timezone": reading.timezone,
        "trust": reading.trust, "strict": reading.strict, "alarm": alarm, "refresh": refresh,
        "history": None if kept is None else str(kept.absolute()), "no history": no_history,
    }  # fmt: skip
    stamps = build_stamps(events, {**options, "history bytes": _digest(kept)})
    if up_to_date(path, stamps):
        return
    schedule, revised = _revised(reading.load(events), kept)
    if refresh is not None:
        schedule = attrs.evolve(schedule, refresh=refresh)
    # Recorded with the history as this run leaves it: the next run reads that one.
    saved = None if revised is None else history.dumps(revised).encode("utf-8")
    stamp, with_mtime = build_stamps(events, {**options, "history bytes": _digest(kept, saved)})
    if os.environ.get("SOURCE_DATE_EPOCH") is None and schedule.dtstamp == _mtime(events):
        stamp = with_mtime  # its DTSTAMP is the file's time (or the same): a touch changes it
    reminder = None if alarm is None else dt.timedelta(minutes=alarm)
    with _progress(reading.quiet) as bar:
        build_site(
            schedule, path, inputs=[events], alarm=reminder, stamp=stamp,
            rendering=bar.phase("rendering"), writing=bar.phase("writing"),
            changes=None if revised is None else history.last_changes(schedule, revised),
        )  # fmt: skip
    _save(kept, revised, events)


def _digest(path: Path | None, data: bytes | None = None) -> str | None:
    """A digest of the history file's bytes (``data``, else what ``path`` holds), for the
    build's stamp: a history changed by hand, or by a run that wrote no site, rebuilds it."""
    import hashlib

    if path is None:
        return None
    if data is None:
        try:
            data = path.read_bytes()
        except OSError:
            return "missing"  # a first publication; or unreadable, which the load will say
    return hashlib.sha256(data).hexdigest()


def _is_stdin(path: Path) -> bool:
    """Whether the programme ``path`` is stdin: ``-``, ``/dev/stdin``, or its descriptor 0."""
    return str(path) in {"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"}


def _mtime(path: Path) -> dt.datetime | None:
    """The programme file's modification time, to the second, as a DTSTAMP taken from it."""
    try:
        return dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC)
    except OSError:
        return None


@cli.command()
@click.argument("old", type=EVENTS)
@click.argument("new", type=EVENTS)
@click.option(
    "--exit-code", is_flag=True,
    help="Exit with 1 when anything changed, 0 when nothing did (as git diff --exit-code).",
)  # fmt: skip
@_programme_options
def diff(old: Path, new: Path, exit_code: bool, reading: _Reading) -> None:
    """Print the sessions added, removed, moved (time, length or room), cancelled, reinstated
    or changed in status from OLD to NEW, one line each, matched by id; nothing if none.

    \b
    Examples:
      confcal diff published/events.json events.json
      git show HEAD~1:events.json | confcal diff - events.json
      confcal diff old-schedule.xml schedule.xml --exit-code || echo changed
    """
    from . import changes
    from .files import check_stdout, write_stdout
    from .model import EPOCH

    for source in (old, new):
        _refuse_stderr(source)
    if _is_stdin(old) and _is_stdin(new):
        raise click.UsageError(
            "OLD and NEW are both stdin (-), which can be read only once; give one as a file"
        )
    check_stdout([old, new])
    before = reading.load(old, dtstamp=EPOCH)
    after = reading.load(new, dtstamp=EPOCH)
    found = changes.diff(before, after)
    write_stdout(changes.describe(found, before, after))
    if exit_code and found:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("path", default="events.json", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def init(path: str, force: bool) -> None:
    """Write a starter events.json (default: ./events.json, - for stdout) to edit into your
    programme: one event of each kind, every field used once. An existing file is kept unless
    --force is given.

    \b
    Examples:
      confcal init && confcal export events.json -o programme.ics
      confcal init my-conference.json
    """
    import importlib.resources

    from .files import write_atomic, write_stdout

    starter = importlib.resources.files("confcal").joinpath("data", "starter.json").read_bytes()
    output = _output(path, file="give a file name", option="")
    if _to_stdout(output):
        write_stdout(starter)
        return
    assert output is not None
    if not force and os.path.lexists(output):
        raise OutputError(
            f"{shown_path(output)}: exists already; edit it, or replace it with "
            "confcal init --force"
        )
    write_atomic(output, starter)


def _count(number: int, thing: str) -> str:
    """``1 event``, ``7 events``."""
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def main() -> None:
    """Entry point of the ``confcal`` console script."""
    cli(prog_name="confcal")
