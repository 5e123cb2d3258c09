"""Calendars as files: the split into per-day and per-event files, and writing them safely.

Everything is rendered in memory first, so bad input writes nothing; each file is then written
atomically (a temporary file beside it, renamed over it), and left alone when its content is
unchanged, so ``make``, ``rsync`` and web caches see no change where there is none.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
import tempfile
from collections.abc import Collection
from enum import StrEnum
from pathlib import Path

from .errors import OutputError
from .model import Schedule

__all__ = ["MANIFEST", "Split", "render", "write_atomic", "write_files"]

#: Lists the files confcal wrote into a split folder, so a rebuild removes those it no longer makes.
MANIFEST = ".confcal-files"


class Split(StrEnum):
    """How a programme is divided into files."""

    NONE = "none"
    DAY = "day"
    EVENT = "event"


def render(
    schedule: Schedule,
    split: Split,
    *,
    alarm: dt.timedelta | None = None,
    days: Collection[dt.date] = (),
) -> dict[str, bytes]:
    """The files of a split as ``{file name: iCalendar bytes}``; one unnamed entry for NONE.

    ``alarm``: see :func:`confcal.ical.vevent`. ``days``, for DAY: only these days' files (an
    event spanning several days, selected for one of them, would otherwise bring the others).
    """
    if split is Split.NONE:
        return {"": schedule.to_ical(alarm=alarm)}
    if split is Split.DAY:
        return {
            f"{day.isoformat()}.ics": part.to_ical(alarm=alarm)
            for day, part in schedule.days().items()
            if not days or day in days
        }
    return {
        # A calendar's name is one line; a title may hold line breaks.
        f"{event.id}.ics": schedule.subset([event], name=" ".join(event.title.split())).to_ical(
            alarm=alarm
        )
        for event in schedule.sorted_events()
    }


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except (FileNotFoundError, NotADirectoryError):
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` all at once or not at all; ``False`` when it already held it.

    A symbolic link stays a link: the file it points to is replaced. A device or pipe (such as
    ``/dev/stdout``) cannot be replaced, only written to.
    """
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        kind = path.stat().st_mode
    except OSError:
        kind = None
    if kind is not None and not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)):
        try:
            with path.open("wb") as stream:
                stream.write(data)
        except OSError as error:
            raise OutputError(f"{path}: cannot write: {error.strerror}") from None
        return True
    try:
        if path.read_bytes() == data:
            return False
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    except OSError as error:
        raise OutputError(f"{path}: cannot read: {error.strerror}") from None
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name, or use --split")
    if path.parent.exists() and not path.parent.is_dir():
        raise OutputError(f"{path}: {path.parent} is a file, not a folder")
    mode = _mode_for(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # `-o calendars/all.ics` in a fresh clone
    except OSError as error:
        raise OutputError(f"{path}: cannot create its folder: {error.strerror}") from None
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)  # mkstemp makes it private; a web server must read it
        os.replace(temporary, path)
    except BaseException as error:  # also Ctrl-C: leave neither a half file nor a temporary one
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(f"{path}: cannot write: {error.strerror}") from None
        raise
    return True


def write_files(folder: Path, files: dict[str, bytes], *, prune: bool = True) -> list[Path]:
    """Write a split into ``folder``; remove what an earlier run wrote there and this one did not.

    ``prune=False`` (a filtered export: the other days or sessions still exist) removes nothing
    and keeps the earlier files on the list, so a later full export can still remove them.
    Returns the files whose content changed.
    """
    for name in files:
        if Path(name).name != name or name in {"", ".", ".."}:  # never outside the folder
            raise OutputError(f"{folder}: refusing the file name {name!r}")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file; --split needs a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{folder}: cannot create: {error.strerror}") from None
    changed = [folder / name for name, data in files.items() if write_atomic(folder / name, data)]
    manifest = folder / MANIFEST
    try:
        previous = set(manifest.read_text("utf-8").split("\n")) - {""}
    except FileNotFoundError:
        previous = set()
    except OSError as error:
        raise OutputError(f"{manifest}: cannot read: {error.strerror}") from None
    listed = set(files)
    if prune:
        for name in sorted(previous - listed):
            if Path(name).name == name and name.endswith(".ics"):
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
    else:
        listed |= {name for name in previous if (folder / name).is_file()}
    write_atomic(manifest, "".join(f"{name}\n" for name in sorted(listed)).encode())
    return changed
