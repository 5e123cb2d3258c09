"""Calendars as files: the split into per-day and per-event files, and the one place that writes.

Everything is checked before anything is written, so bad input writes nothing: the programme as
it is read, the files' names and places as they are planned; the exports are rendered in memory
first (:func:`render`), the site's pages while its calendars are written (:func:`write_tree`).
This module writes, and no other part of confcal does:

- a regular file atomically (:func:`write_atomic`): a temporary file beside it, fsynced and
  renamed over it, then its folder fsynced. A file whose content would not change is left alone,
  so ``make``, ``rsync`` and web caches see no change where there is none;
- a device, a pipe or a ``/dev/fd``-style name (``/dev/stdout``) in place, never renamed over, so
  ``-o /dev/stdout >> log`` appends as the shell would; a FIFO nobody reads is an error, not a
  wait that never ends;
- a folder (``--split``, the site: :func:`write_files`, :func:`write_tree`) under a lock held for
  the whole run, so two runs never interleave; its list of files (:data:`MANIFEST`) names each
  file before the file is created, so a later run can remove it whatever happened to this one,
  and only files on it are replaced or removed; inside the folder no symbolic link is ever
  followed: a link where a calendar goes is replaced, not written through;
- stdout (:func:`write_stdout`), where a full disk or a closed stdout is an error and a reader
  that stopped reading is a :class:`~confcal.errors.PipeClosed`.

The input is never the output: :func:`check_output` and :func:`check_stdout` refuse, before
anything is read, an output that is an input file, by device and inode, whether named, linked or
open (``/dev/fd/3``, stdout); :func:`stderr_input` finds a stderr that is one. This module decides
where a path the user names leads (links, each checked for its owner, devices, ``/dev/stdout``);
the writing inside a folder is :mod:`confcal._folder`'s, the manifest :mod:`confcal._manifest`'s,
the order of writing a tree :mod:`confcal._tree`'s. Every OSError becomes an
:class:`~confcal.errors.OutputError` naming the path as :func:`~confcal.errors.shown_path` shows
it. Writing files is POSIX only; ``import confcal``,
:func:`render` and :func:`write_stdout` work anywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import io
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import NamedTuple

from . import _manifest, _tree
from ._choices import Split
from ._fields import RESERVED_NAMES
from ._folder import Folder, failed, lock_timeout, locked, lstat, require_posix, write_all
from ._manifest import MANIFEST, safe_folder, safe_name
from ._version import __version__
from .errors import OutputError, PipeClosed, shown, shown_path
from .ical import Progress, part_to_ical, to_ical
from .model import Event, Schedule

__all__ = [
    "MANIFEST",
    "Split",
    "build_stamps",
    "check_output",
    "check_stdout",
    "feed_slug",
    "render",
    "render_all",
    "silence_stdout",
    "split_names",
    "stderr_input",
    "up_to_date",
    "write_atomic",
    "write_files",
    "write_stdout",
    "write_tree",
]

#: A name that is one of a process's open files rather than a file: /dev/stdout leads here.
_FD_LINK = re.compile(r"/proc/(self|thread-self|\d+)(?:/task/\d+)?/fd/(\d+)|/dev/fd/(\d+)")


def render(
    schedule: Schedule,
    split: Split,
    *,
    alarm: dt.timedelta | None = None,
    days: Collection[dt.date] = (),
    progress: Progress | None = None,
) -> dict[str, bytes]:
    """The files of a split as ``{file name: iCalendar bytes}``; one unnamed entry for NONE.

    ``alarm``: see :func:`confcal.ical.to_vevent`. ``days``, for DAY: only these days' files (an
    event spanning several days, selected for one of them, would otherwise bring the others).
    ``progress`` is told ``(events written, events to write)`` over all the files.

    Raises:
        InvalidInput: ``alarm`` is no duration up to 366 days (as :func:`confcal.to_ical`).
    """
    if split is Split.EVENT:
        return _sessions(schedule, alarm, progress)
    parts = _parts(schedule, split, days)
    total = sum(len(part.events) for part in parts.values())
    files = {}
    base = 0
    for name, part in parts.items():
        tell = None if progress is None else _offset(progress, base, total)
        files[name] = to_ical(part, alarm=alarm, progress=tell)
        base += len(part.events)
    return files


def _offset(progress: Progress, base: int, total: int) -> Progress:
    return lambda done, _: progress(base + done, total)


def _sessions(
    schedule: Schedule, alarm: dt.timedelta | None, progress: Progress | None
) -> dict[str, bytes]:
    """The EVENT split: each session's calendar, a download (no refresh hints), without making
    a Schedule per session (:func:`~confcal.ical.part_to_ical`)."""
    events = schedule.sorted_events()
    files = {}
    for done, event in enumerate(events, start=1):
        # A calendar's name is one line; a title may hold line breaks.
        name = " ".join(event.title.split())
        files[_session_file(event)] = part_to_ical(schedule, [event], name=name, alarm=alarm)
        if progress is not None:
            progress(done, len(events))
    return files


def _session_file(event: Event) -> str:
    return f"{event.id}.ics"


def split_names(schedule: Schedule, split: Split) -> list[str]:
    """The names of a split's files, as :func:`render` names them and in its order, without
    rendering them (``[""]`` for NONE)."""
    if split is Split.EVENT:
        return [_session_file(event) for event in schedule.sorted_events()]
    return list(_parts(schedule, split, ()))


def _parts(schedule: Schedule, split: Split, days: Collection[dt.date]) -> dict[str, Schedule]:
    """Each file of a split but EVENT (:func:`_sessions`) with the calendar it holds."""
    if split is Split.NONE:
        return {"": schedule}
    if split is Split.DAY:
        return {
            f"{day.isoformat()}.ics": part
            for day, part in schedule.days().items()
            if not days or day in days
        }
    if split in (Split.TRACK, Split.ROOM):
        groups = schedule.tracks() if split is Split.TRACK else schedule.rooms()
        parts = {f"{feed_slug(name)}.ics": part for name, part in groups.items()}
        if len(parts) != len(groups):  # two names, one 48-bit hash: never seen, never written
            raise OutputError(f"two {split.value}s share a file name: {sorted(groups)}")
        return parts
    raise AssertionError(split)  # pragma: no cover - EVENT is render's own


def render_all(
    schedule: Schedule, *, alarm: dt.timedelta | None = None, progress: Progress | None = None
) -> dict[Split, dict[str, bytes]]:
    """Every split's files (:func:`render`), from one schedule: each event's VEVENT is serialized
    once, and written into the whole calendar and each part that holds it. ``progress`` is told
    ``(sessions written, sessions to write)`` over every split."""
    if progress is None:
        return {split: render(schedule, split, alarm=alarm) for split in Split}
    total = len(schedule.events) * len(Split)  # a part's sessions counted as they are written
    files = {}
    for index, split in enumerate(Split):
        count = len(schedule.events)
        files[split] = render(
            schedule, split, alarm=alarm, progress=_share(progress, index * count, count, total)
        )
    return files


def _share(progress: Progress, base: int, count: int, total: int) -> Progress:
    """``progress`` told of one split, as ``count`` sessions of ``total`` from ``base``."""
    return lambda done, of: progress(base + (done * count // of if of else count), total)


#: The longest part of a feed's file name taken from the track's or room's own letters.
_SLUG_LENGTH = 60


def feed_slug(name: str) -> str:
    """The file name (without ``.ics``) of a track's or room's feed: stable, as subscribers keep
    its URL, and never the same for two names that :meth:`~confcal.model.Schedule.select` tells
    apart, whatever else the programme holds.

    A name of ASCII letters and digits in words separated by single spaces or dots is its own
    slug, in lower case with hyphens for the spaces (``Open Source Design`` →
    ``open-source-design``, ``K.4.201`` → ``k.4.201``): such names differ (ignoring case) exactly
    when their slugs do. Any other name (``C++``, ``Hall 1/2``,
    ``Café``, ``東京``) gets its letters as far as ASCII has them, cut at 60 characters, then
    ``--`` and a hash of the name ignoring case (``c--5f0e9a3c``): no plain slug holds ``--``,
    and the hash keeps such names apart from each other. A plain name that Windows will not
    create as a file (``CON``, ``Nul.1``, ``LPT9``: :data:`~confcal._fields.RESERVED_NAMES`,
    whatever the extension) is hashed as well (``con--…``), so that a checkout or an unzip of
    the published folder works there too.
    """
    folded = name.casefold()
    plain = folded.replace(" ", "-")
    if (
        _PLAIN.fullmatch(folded)
        and len(folded) <= _SLUG_LENGTH
        and not RESERVED_NAMES.fullmatch(plain)
    ):
        return plain
    ascii_ = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_)[:_SLUG_LENGTH].strip("-") or "x"
    return f"{base}--{hashlib.sha256(folded.encode()).hexdigest()[:12]}"


_PLAIN = re.compile(r"[a-z0-9]+(?:[ .][a-z0-9]+)*")


# --- Paths the user names ----------------------------------------------------------------------


def _stat(path: Path, shown_as: Path, doing: str) -> os.stat_result | None:
    """``os.stat``, or ``None`` when there is nothing there."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise failed(shown_as, doing, error) from None


def _identities(paths: Collection[Path]) -> dict[tuple[int, int], Path]:
    """Device and inode of each path that is a regular file or a FIFO: the files never to
    write (a FIFO read and written by one run would never end)."""
    found = {}
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            status = os.stat(path)
            if stat.S_ISREG(status.st_mode) or stat.S_ISFIFO(status.st_mode):
                found[status.st_dev, status.st_ino] = path
    return found


def _is_input(status: os.stat_result | None, inputs: Collection[Path]) -> bool:
    return status is not None and (status.st_dev, status.st_ino) in _identities(inputs)


class _Where(NamedTuple):
    """Where a path the user names leads (:func:`_resolve`)."""

    #: The file or folder to write, with no symbolic link in what exists of it.
    path: Path
    #: Or the number of this process's open file to write (``-1``: another process's).
    fd: int | None
    #: Device and inode of each file and folder on the way, as checked, by path: a folder
    #: opened later must be the one checked (:func:`_open_checked`).
    seen: Mapping[Path, tuple[int, int]]


def _resolve(path: Path) -> _Where:
    """Where ``path`` leads: the file or folder to write, with no symbolic link left in what
    exists of it, or the number of one of this process's open files (``/dev/stdout``,
    ``/dev/fd/3``, ``/proc/self/fd/1``), which is written as it is.

    Symbolic links anywhere on the way (``-o public/2024/all.ics``: ``public``, ``2024`` and
    ``all.ics``) are followed only when the user running confcal or root owns them: in a shared
    folder, a link someone else planted would send the output anywhere.
    """
    require_posix(path)
    text = os.fspath(path)
    resolved = "/" if text.startswith("/") else ""
    pending = text.split("/")[::-1]  # the names still to walk, the next one last
    seen: dict[Path, tuple[int, int]] = {}
    links = 0
    while pending:
        name = pending.pop()
        if name in {"", "."}:
            continue
        if name == "..":  # what is resolved so far holds no link: ".." is its parent
            up = resolved != "/" and os.path.basename(resolved) in {"", ".."}
            resolved = os.path.join(resolved, "..") if up else os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, name)
        if not pending and (fd := _open_file_number(candidate)) is not None:
            return _Where(Path(candidate), fd, seen)
        try:
            status = lstat(candidate)
        except OSError as error:
            raise failed(path, "write", error) from None
        if status is None:  # nothing there: the rest is for confcal to create
            return _Where(Path(candidate, *pending[::-1]), None, seen)
        if not stat.S_ISLNK(status.st_mode):
            resolved = candidate
            seen[Path(candidate)] = (status.st_dev, status.st_ino)
            continue
        links += 1
        if links > 40:
            raise OutputError(f"{shown_path(path)}: too many symbolic links")
        target = _follow(path, candidate, status)
        if target.startswith("/"):
            resolved = "/"
        pending.extend(target.split("/")[::-1])
    return _Where(Path(resolved or "."), None, seen)


def _changed(path: Path) -> OutputError:
    return OutputError(
        f"{shown_path(path)}: changed while confcal was checking it (a folder on the way was "
        "replaced); run again"
    )


def _before_open() -> None:
    """Nothing: where a test steps in between checking where a path leads and opening it."""


# Folders are opened as _folder opens them (O_NOFOLLOW, O_DIRECTORY: absent on Windows).
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW_FLAG: int = getattr(os, "O_NOFOLLOW", 0)


def _open_checked(where: _Where, folder: Path, shown_as: Path, doing: str) -> Folder:
    """The ``folder`` :func:`_resolve` checked (``where.path`` or its parent), opened and
    created where missing, named ``shown_as`` in messages (``doing``: what a failed mkdir was).

    Opening by name again would follow whatever is there now: whoever owns a folder on the way
    could swap a sub-folder for a link between the check and the open. So the deepest folder
    that existed is opened and compared, by device and inode, with what was checked, and what
    is missing below it created and opened step by step from its descriptor, never following a
    link.
    """
    _before_open()
    parts = folder.parts
    # The deepest folder on the way that was checked; else "/" or the current folder.
    known = next((n for n in range(len(parts), 0, -1) if Path(*parts[:n]) in where.seen), 0)
    if not known and folder.anchor:
        known = 1
    base = Path(*parts[:known]) if known else Path(".")
    rest = parts[known:]
    try:
        fd = os.open(base, _FOLDER_FLAGS)
    except OSError as error:
        raise failed(shown_as, "write", error) from None
    try:
        status = os.fstat(fd)
        checked = where.seen.get(base)
        if checked is not None and (status.st_dev, status.st_ino) != checked:
            raise _changed(shown_as)
        for name in rest:
            inner = _step(fd, name, shown_as, doing)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return Folder(fd, shown_as)


def _step(fd: int, name: str, shown_as: Path, doing: str) -> int:
    """The folder ``name`` in the one ``fd`` holds, created if missing; a link there (planted
    since the check) is refused."""
    try:
        os.mkdir(name, 0o777, dir_fd=fd)
    except FileExistsError:
        pass
    except OSError as error:
        raise failed(shown_as, doing, error) from None
    try:
        return os.open(name, _FOLDER_FLAGS | _NOFOLLOW_FLAG, dir_fd=fd)
    except OSError as error:
        # A link is ELOOP, or ENOTDIR with O_DIRECTORY (Linux).
        status = None if error.errno not in {errno.ELOOP, errno.ENOTDIR} else _lstat(name, fd)
        if status is not None and stat.S_ISLNK(status.st_mode):
            raise _changed(shown_as) from None
        raise failed(shown_as, "write", error) from None


def _lstat(name: str, fd: int) -> os.stat_result | None:
    try:
        return lstat(name, dir_fd=fd)
    except OSError:
        return None


def _follow(path: Path, link: str, status: os.stat_result) -> str:
    """Where the symbolic ``link`` on the way to ``path`` points, if you or root own it."""
    if status.st_uid not in {0, os.geteuid()}:
        raise OutputError(
            f"{shown_path(link)}: is a symbolic link owned by someone else (user "
            f"{status.st_uid}); confcal follows only links you or root own: remove it, or "
            "name the file it points to"
        )
    try:
        return os.readlink(link)
    except OSError as error:
        raise failed(path, "write", error) from None


def _open_file_number(path: str) -> int | None:
    """The file descriptor ``path`` (with no link before its last name) names if it is a
    ``/proc/PID/fd/N`` (or ``/dev/fd/N``) of this process, ``-1`` for another process's, else
    ``None``."""
    match = _FD_LINK.fullmatch(os.path.abspath(path))
    if match is None:
        return None
    if match[3] is not None:
        return int(match[3])
    return int(match[2]) if match[1] in {"self", "thread-self", str(os.getpid())} else -1


def _check_target(output: Path, target: Path, fd: int | None, inputs: Collection[Path]) -> None:
    """Refuse a target that is one of the ``inputs``, or a closed stdout or stderr."""
    for number, stream, name in [(1, sys.stdout, "stdout"), (2, sys.stderr, "stderr")]:
        if fd == number and stream is None:
            raise OutputError(f"{shown_path(output)}: {name} is closed")
    if fd is not None and fd >= 0:
        try:
            status: os.stat_result | None = os.fstat(fd)
        except OSError as error:
            raise failed(output, "write", error) from None
    else:
        status = _stat(target, output, "write")
    if _is_input(status, inputs):
        raise OutputError(
            f"{shown_path(output)}: is the input file; write the output to another path"
        )


def check_output(output: Path, inputs: Collection[Path]) -> None:
    """Refuse an ``output`` that is one of the ``inputs`` (also through a link, a hard link or
    an open file such as ``/dev/stdout`` or ``/dev/fd/3``), before anything is read: writing it
    would replace the programme with its calendar, or append to it.

    Raises:
        OutputError: ``output`` is one of the ``inputs``, or cannot be checked.
    """
    where = _resolve(output)
    _check_target(output, where.path, where.fd, inputs)


def check_stdout(inputs: Collection[Path]) -> None:
    """Refuse to write stdout when it is closed, or one of the ``inputs``
    (``confcal list events.json >> events.json``), before anything is read.

    Raises:
        OutputError: stdout is closed, or is one of the ``inputs``.
    """
    if sys.stdout is None:
        raise OutputError("stdout is closed")
    try:
        status = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return  # not a file (captured in memory): nothing to compare
    found = _identities(inputs).get((status.st_dev, status.st_ino))
    if found is not None:
        raise OutputError(
            f"stdout: is the input file {shown_path(found)}; send the output to another file"
        )


def stderr_input(inputs: Collection[Path]) -> Path | None:
    """The one of the ``inputs`` that stderr is (``confcal check events.json 2>>events.json``),
    if any: a message written there would be appended to the programme."""
    if sys.stderr is None:
        return None
    try:
        status = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None  # not a file (captured in memory): nothing to compare
    return _identities(inputs).get((status.st_dev, status.st_ino))


# --- One file ----------------------------------------------------------------------------------


def _open_by_name(path: Path, shown_as: Path, append: bool, checked: tuple[int, int] | None) -> int:
    """Open a device or a pipe to write into: a FIFO nobody reads is an error, not a wait
    that never ends. ``checked``: the device and inode it must have, as :func:`_resolve` found
    it (a folder on the way swapped since for a link would lead to another file)."""
    flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        opened = os.open(path, flags | (os.O_APPEND if append else 0))
    except OSError as error:
        if error.errno == errno.ENXIO and stat.S_ISFIFO(os.stat(path).st_mode):
            raise OutputError(
                f"{shown_path(shown_as)}: nobody is reading it (a FIFO); start its reader first"
            ) from None
        raise
    try:
        status = os.fstat(opened)
        if checked is not None and (status.st_dev, status.st_ino) != checked:
            raise _changed(shown_as)
        os.set_blocking(opened, True)
    except BaseException:
        os.close(opened)
        raise
    return opened


def _write_in_place(
    path: Path, shown_as: Path, fd: int | None, data: bytes, checked: tuple[int, int] | None = None
) -> None:
    """Write into a device, a pipe or an open file as it is: renaming over it would lose what it
    holds, or (behind /dev/stdout) what the shell wrote into it before.

    ``fd``: this process's open file to write to (``/dev/stdout``: 1), ``-1`` for another
    process's (appended to), ``None`` for a device or pipe opened by name, which must be the
    file ``checked`` (device and inode) if given.
    """
    try:
        if fd is not None and fd >= 0:
            if fd in {1, 2}:
                for stream in (sys.stdout, sys.stderr):
                    if stream is not None:
                        stream.flush()
            write_all(fd, data)
            return
        _before_open()
        opened = _open_by_name(path, shown_as, append=fd == -1, checked=checked)
        try:
            write_all(opened, data)
        finally:
            os.close(opened)
    except BrokenPipeError:
        raise PipeClosed(f"{shown_path(shown_as)}: the reader closed the pipe") from None
    except OSError as error:
        if isinstance(error, OutputError):
            raise
        raise failed(shown_as, "write", error) from None


def write_atomic(path: Path, data: bytes, *, inputs: Collection[Path] = ()) -> bool:
    """Write ``data`` to ``path`` all at once or not at all; ``False`` when it already held it.

    A device, a pipe or an open file (``/dev/stdout``, ``/dev/fd/N``) is written in place, as the
    shell would; a FIFO nobody reads is an error. A symbolic link you (or root) own is followed
    and the file it points to replaced, the link kept; one owned by someone else, here or on
    the way, is refused. ``inputs`` are files never to write (the programme read).

    Raises:
        OutputError: ``path`` cannot be written (a folder, a disk, another user's
            link, a FIFO nobody reads, no permission, a full disk) or is one of
            ``inputs``; the old file, if any, is left as it was.
    """
    where = _resolve(path)
    target, fd = where.path, where.fd
    _check_target(path, target, fd, inputs)
    if fd is not None:
        _write_in_place(target, path, fd, data)
        return True
    status = _stat(target, path, "write")
    shown_as = shown_path(path)
    if status is not None and not stat.S_ISREG(status.st_mode):
        if stat.S_ISDIR(status.st_mode):
            raise OutputError(f"{shown_as}: is a folder; give a file name, or use --split")
        if stat.S_ISBLK(status.st_mode):
            raise OutputError(
                f"{shown_as}: is a disk (a block device); confcal will not write to it"
            )
        _write_in_place(target, path, None, data, where.seen.get(target))
        return True
    folder = _parent(path, where)
    try:
        folder.clean({target.name})
        changed = folder.write(target.name, data)
        if changed:
            folder.sync()
        return changed
    finally:
        folder.close()


def _parent(path: Path, where: _Where) -> Folder:
    """The folder the file ``where`` leads to goes into, created if missing (``-o
    calendars/all.ics`` in a fresh clone)."""
    parent = where.path.parent
    status = _stat(parent, path, "write")
    if status is not None and not stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{shown_path(path)}: {shown_path(parent)} is a file, not a folder")
    folder = _open_checked(where, parent, path, "create its folder")
    folder.path = parent
    return folder


# --- Folders -----------------------------------------------------------------------------------


def _open_folder(folder: Path, needed_by: str) -> Folder:
    where = _resolve(folder)
    target, fd = where.path, where.fd
    status = None if fd is not None else _stat(target, folder, "create")
    if fd is not None or (status is not None and not stat.S_ISDIR(status.st_mode)):
        mode = 0 if status is None else status.st_mode
        what = (
            "a file" if stat.S_ISREG(mode)
            else "a FIFO, not a folder" if stat.S_ISFIFO(mode)
            else "a device, not a folder"
            if fd is not None or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a folder"
        )  # fmt: skip
        raise OutputError(f"{shown_path(folder)}: is {what}; {needed_by} needs a folder")
    return _open_checked(where, target, folder, "create")


def write_tree(  # noqa: PLR0913 - keyword-only options, each with a default
    folder: Path,
    tree: Mapping[str, Mapping[str, bytes | None]],
    *,
    prune: bool = True,
    inputs: Collection[Path] = (),
    needed_by: str = "confcal",
    stamp: str = "",
    progress: Progress | None = None,
    rendering: _tree.Rendering | None = None,
) -> list[Path]:
    """Write ``{sub-folder ("" for the folder itself): {file name: bytes}}`` into ``folder``,
    in that order, under its lock; remove what an earlier run wrote and this one did not.

    Only files an earlier run wrote (listed in :data:`MANIFEST`) are replaced: another file
    where one goes is an :class:`~confcal.errors.OutputError` before anything is written,
    unless it holds exactly what would be written. Crash-safe order: each manifest first lists
    the old and the new files, then the files are written and the old ones removed, then each
    manifest lists what is there. Returns the files whose content changed. ``needed_by`` names
    the caller in the error for a file at ``folder``. ``stamp``: what the tree was made from
    (see :func:`up_to_date`), recorded in the folder's manifest with what was written;
    ``progress`` is told ``(files written, files)``.

    ``rendering`` makes the files that ``tree`` lists with ``None`` for their bytes, some in a
    child process that writes them while this one renders the others (on Linux, with two
    processors, in a process without other threads): see :class:`confcal._tree.Rendering`.
    Every file's place is still checked before anything is written, and the folder that comes
    last in ``tree`` is written after every other.
    """
    if rendering is None and any(d is None for files in tree.values() for d in files.values()):
        raise ValueError("files without their bytes (None) need rendering= to make them")
    for sub, files in tree.items():
        if sub and not safe_folder(sub):
            raise OutputError(f"{shown_path(folder)}: refusing the folder name {shown(sub)}")
        for name in files:
            if not safe_name(name):  # never outside the folder, never confcal's own files
                raise OutputError(f"{shown_path(folder)}: refusing the file name {shown(name)}")
    protected = set(_identities(inputs))
    limit = lock_timeout()  # a wrong CONFCAL_LOCK_TIMEOUT creates no folder
    top = _open_folder(folder, needed_by)
    try:
        with locked(top, limit):
            return _tree.write_tree(
                top,
                tree,
                prune=prune,
                inputs=protected,
                stamp=stamp,
                progress=progress,
                rendering=rendering,
            )
    finally:
        top.close()


def build_stamps(source: Path, options: Mapping[str, object]) -> tuple[str, str]:
    """What a build of the programme at ``source`` with ``options`` is made from, as a digest:
    confcal's version, the options, ``SOURCE_DATE_EPOCH`` and the programme's bytes; then the
    same with the file's modification time, for a programme whose DTSTAMP is that time.

    :func:`write_tree` records one in the folder's manifest; :func:`up_to_date` compares.
    A programme read from stdin (``-``, ``/dev/stdin``) or from anything but a regular file (a
    pipe read here would be gone for the load) has none: it is rendered every time. Every other
    input of the build must be in ``options`` (a history file's bytes, say).
    """
    try:
        regular = stat.S_ISREG(os.stat(source).st_mode)
    except OSError:
        regular = False  # the load says what is wrong
    if str(source) in ("-", "/dev/stdin") or _FD_LINK.fullmatch(str(source)) or not regular:
        return "", ""
    digest = hashlib.sha256()
    digest.update(repr(sorted((k, repr(v)) for k, v in options.items())).encode())
    digest.update(f"\0{__version__}\0{os.environ.get('SOURCE_DATE_EPOCH')}\0".encode())
    try:
        with open(source, "rb") as file:
            modified = int(os.fstat(file.fileno()).st_mtime)
            while chunk := file.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return "", ""  # the load says what is wrong
    stamp = digest.hexdigest()
    return stamp, f"{stamp}@{modified}"


def up_to_date(folder: Path, stamps: Collection[str]) -> bool:
    """Whether ``folder`` holds what a build with one of ``stamps`` wrote there, untouched since
    (no file of it written, removed or replaced): then nothing is to be rendered or written.

    Checked under the folder's lock, from its manifest and a ``stat`` of each file listed; a
    folder that is missing (or not one) is ``False``. What a build into it would refuse (a link
    owned by someone else on the path, a folder swapped while checked, a manifest confcal did
    not write) is refused here already, with the same :class:`OutputError`.
    """
    if not any(stamps):
        return False
    where = _resolve(folder)
    status = None if where.fd is not None else _stat(where.path, folder, "write")
    if status is None or not stat.S_ISDIR(status.st_mode):
        return False
    top = _open_checked(where, where.path, folder, "create")
    try:
        with locked(top, lock_timeout()):
            return _manifest.up_to_date(top, stamps)
    finally:
        top.close()


def write_files(
    folder: Path,
    files: dict[str, bytes],
    *,
    prune: bool = True,
    inputs: Collection[Path] = (),
    progress: Progress | None = None,
) -> list[Path]:
    """Write a split into ``folder``; remove what an earlier run wrote there and this one did not.

    ``prune=False`` (a filtered export: the other days or sessions still exist) removes nothing
    and keeps the earlier files on the list, so a later full export can still remove them.
    Returns the files whose content changed. See :func:`write_tree`.

    Raises:
        OutputError: the folder cannot be made or written, holds a file or link
            confcal did not write where one of ``files`` goes, is one of ``inputs``, or
            another run holds its lock past ``CONFCAL_LOCK_TIMEOUT``. Nothing is
            half-written: each file is complete, old or new.
    """
    return write_tree(
        folder, {"": files}, prune=prune, inputs=inputs, needed_by="--split", progress=progress
    )


# --- stdout ------------------------------------------------------------------------------------


def silence_stdout() -> None:
    """Point stdout at /dev/null once it failed, so what is still buffered does not fail again
    (and print a traceback) when Python exits."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


def write_stdout(data: bytes | str) -> None:
    """Write ``data`` to stdout now. A full disk or a closed stdout (``>&-``) is an
    :class:`OutputError`, a reader that closed the pipe (``| head``) a :class:`PipeClosed`."""
    if sys.stdout is None:
        raise OutputError("stdout is closed")
    try:
        if isinstance(data, str):
            sys.stdout.write(data)
            sys.stdout.flush()
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
    except BrokenPipeError:
        silence_stdout()
        raise PipeClosed("stdout: the reader closed the pipe") from None
    except OSError as error:
        silence_stdout()
        raise failed("stdout", "write", error) from None
    except UnicodeEncodeError as error:
        raise OutputError(
            f"stdout: cannot write {shown(error.object[error.start : error.end])} in its "
            f"encoding {error.encoding}: set PYTHONIOENCODING=utf-8"
        ) from None
