"""The ``confcal`` command: options in, library calls, messages out. The work is the library's."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from . import dumps, load
from .errors import ConfcalError, InvalidInput, LoadWarning
from .frab import FORMATS, Format
from .model import Schedule
from .output import Split, render, write_atomic, write_files

EVENTS = click.Path(dir_okay=False, path_type=Path, allow_dash=False)
_F = TypeVar("_F", bound=Callable[..., object])


def _warn(warning: LoadWarning) -> None:
    click.echo(f"warning: {warning}", err=True)


def _load(path: Path, format: Format = "auto", timezone: str | None = None) -> Schedule:
    if not path.exists():
        raise InvalidInput.single(f"{path}: no such file")
    return load(path, format=format, timezone=timezone, on_warning=_warn)


def _programme_options(command: _F) -> _F:
    """``--format`` and ``--timezone``, for every command that reads a programme."""
    command = click.option(
        "--timezone", metavar="ZONE", default=None,
        help="IANA zone of a pretalx/frab schedule that names none (overrides the one it names).",
    )(command)  # fmt: skip
    return click.option(
        "--format", "format_", type=click.Choice(FORMATS), default="auto", show_default=True,
        help="events.json, or a pretalx/frab schedule.json or schedule.xml; auto: by content.",
    )(command)  # fmt: skip


class _Group(click.Group):
    """Turns every :class:`ConfcalError` into ``error:`` lines on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except InvalidInput as error:
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
        except ConfcalError as error:
            click.echo(f"error: {error}", err=True)
        ctx.exit(1)
        return None  # unreachable: ctx.exit raises


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="confcal")
def cli() -> None:
    """Turn a conference programme (events.json, or pretalx/frab schedule.json or .xml) into
    iCalendar files."""


@cli.command()
@click.argument("events", type=EVENTS)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None,
    help="File to write (default: stdout), or the folder for --split day|event.",
)  # fmt: skip
@click.option(
    "--split", type=click.Choice([s.value for s in Split]), default=Split.NONE.value,
    show_default=True, help="One calendar, one file per conference day, or one per session.",
)  # fmt: skip
@_programme_options
def export(
    events: Path, output: Path | None, split: str, format_: Format, timezone: str | None
) -> None:
    """Write the programme as iCalendar.

    \b
    Examples:
      confcal export events.json -o parsl-sc24.ics
      confcal export events.json --split day -o calendars/days
      confcal export events.json --split event -o calendars/sessions
      confcal export schedule.xml --split day -o calendars/days
    """
    schedule = _load(events, format_, timezone)
    kind = Split(split)
    files = render(schedule, kind)
    if kind is Split.NONE:
        data = files[""]
        if output is None or str(output) == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            write_atomic(output, data)
        return
    if output is None or str(output) == "-":
        raise click.UsageError(f"--split {split} writes many files: give the folder with -o")
    write_files(output, files)


@cli.command()
@click.argument("events", type=EVENTS)
@_programme_options
def check(events: Path, format_: Format, timezone: str | None) -> None:
    """Check a programme and summarize it; exit code 1 and every problem if it has any.

    \b
    Examples:
      confcal check events.json
      confcal check schedule.json --timezone Europe/Berlin
    """
    schedule = _load(events, format_, timezone)
    days = list(schedule.days())
    span = f" ({days[0]} to {days[-1]})" if days else ""
    click.echo(
        f"{events}: ok: {len(schedule.events)} events on {len(days)} days{span}, "
        f"time zone {schedule.timezone}"
    )


@cli.command()
@click.argument("schedule", type=EVENTS)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="events.json to write (default: stdout).",
)  # fmt: skip
@_programme_options
def convert(schedule: Path, output: Path | None, format_: Format, timezone: str | None) -> None:
    """Write a pretalx/frab schedule.json or schedule.xml as events.json, to edit by hand.

    \b
    Example:
      confcal convert schedule.xml -o events.json
    """
    data = dumps(_load(schedule, format_, timezone)).encode("utf-8")
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomic(output, data)


def main() -> None:
    """Entry point of the ``confcal`` console script."""
    cli(prog_name="confcal")
