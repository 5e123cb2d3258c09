"""The ``confcal`` command: options in, library calls, messages out. The work is the library's."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import load
from .errors import ConfcalError, InvalidInput
from .model import Schedule
from .output import Split, render, write_atomic, write_files

EVENTS = click.Path(dir_okay=False, path_type=Path, allow_dash=False)


def _load(path: Path) -> Schedule:
    if not path.exists():
        raise InvalidInput.single(f"{path}: no such file")
    return load(path)


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
    """Turn a conference programme (events.json) into iCalendar files."""


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
def export(events: Path, output: Path | None, split: str) -> None:
    """Write the programme as iCalendar.

    \b
    Examples:
      confcal export events.json -o parsl-sc24.ics
      confcal export events.json --split day -o calendars/days
      confcal export events.json --split event -o calendars/sessions
    """
    schedule = _load(events)
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
def check(events: Path) -> None:
    """Check a programme and summarize it; exit code 1 and every problem if it has any.

    \b
    Example:
      confcal check events.json
    """
    schedule = _load(events)
    days = list(schedule.days())
    span = f" ({days[0]} to {days[-1]})" if days else ""
    click.echo(
        f"{events}: ok: {len(schedule.events)} events on {len(days)} days{span}, "
        f"time zone {schedule.timezone}"
    )


@cli.command()
@click.argument("events", type=EVENTS)
@click.option(
    "-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
    help="Folder to write index.html and its calendars into (created if missing).",
)  # fmt: skip
def site(events: Path, output: Path) -> None:
    """Write the attendees' page: index.html and the .ics files it links to.

    Publish the folder as it is, at calendar.url if that is set (the page's
    subscribe link points there). It holds:

    \b
      index.html              the programme, with download and add-to-calendar links
      calendar.ics            the whole programme
      days/YYYY-MM-DD.ics     one calendar per conference day
      sessions/<id>.ics       one calendar per session

    \b
    Example:
      confcal site events.json -o public
    """
    from .site import build_site  # Jinja2 is loaded only by the command that needs it

    build_site(_load(events), output)


def main() -> None:
    """Entry point of the ``confcal`` console script."""
    cli(prog_name="confcal")
