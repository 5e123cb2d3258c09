"""Calendars as files: the split into per-day and per-event files, and the one place that writes.

Everything is rendered in memory first, so bad input writes nothing. Then this module writes, and
no other part of confcal does:

- a regular file atomically: a temporary file beside it (``.confcal-tmp-*``, a name only confcal
  uses; the next run removes one a crash left), fsynced and renamed over it, then its folder
  fsynced. A file whose content would not change is left alone, so ``make``, ``rsync`` and web
  caches see no change where there is none;
- a device, a pipe or a ``/dev/fd``-style name (``/dev/stdout``) in place, never renamed over, so
  ``-o /dev/stdout >> log`` appends as the shell would;
- a folder (``--split``, the site) under a lock held for the whole run (:data:`LOCK`), so two
  runs never interleave; its list of files (:data:`MANIFEST`) names each file before the file is
  created, so a later run can remove it whatever happened to this one; and inside the folder no
  symbolic link is ever followed: a link where a calendar goes is replaced, not written through;
- stdout, where a full disk is an error and a reader that stopped reading is not.

Every OSError becomes an :class:`~confcal.errors.OutputError` naming the path. POSIX only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Collection, Iterator, Mapping
from enum import StrEnum
from pathlib import Path

from .errors import OutputError, shown
from .ical import to_ical
from .model import Schedule

__all__ = [
    "LOCK",
    "LOCK_TIMEOUT",
    "MANIFEST",
    "TEMPORARY_PREFIX",
    "PipeClosed",
    "Split",
    "check_output",
    "render",
    "write_atomic",
    "write_files",
    "write_stdout",
    "write_tree",
]

#: Lists the files confcal wrote into a folder, so a rebuild removes those it no longer makes.
MANIFEST = ".confcal-files"
#: Held (``flock``) by the run writing into a folder; removed when the run ends.
LOCK = ".confcal-lock"
#: How every temporary file confcal makes begins; the next run removes those a crash left.
TEMPORARY_PREFIX = ".confcal-tmp-"
#: Seconds a run waits for another one writing into the same folder, unless the environment
#: variable ``CONFCAL_LOCK_TIMEOUT`` says otherwise.
LOCK_TIMEOUT = 10.0

_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
#: A name that is one of a process's open files rather than a file: /dev/stdout leads here.
_FD_LINK = re.compile(r"/proc/(self|thread-self|\d+)(?:/task/\d+)?/fd/(\d+)|/dev/fd/(\d+)")
#: What confcal before 0.2 named its temporary files (``tempfile.mkstemp``).
_OLD_TEMPORARY = re.compile(r"\.(.+)\.[a-z0-9_]{8}\.tmp")
_RESERVED = (MANIFEST, LOCK)


class PipeClosed(OutputError, BrokenPipeError):
    """The reader of a pipe closed it (``confcal list | head``): it has what it wanted.

    An :class:`~confcal.errors.OutputError` like any other to a library caller; the command
    line ends silently with exit code 0 on it, as ``cat`` does.
    """


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

    ``alarm``: see :func:`confcal.ical.to_vevent`. ``days``, for DAY: only these days' files (an
    event spanning several days, selected for one of them, would otherwise bring the others).
    """
    if split is Split.NONE:
        return {"": to_ical(schedule, alarm=alarm)}
    if split is Split.DAY:
        return {
            f"{day.isoformat()}.ics": to_ical(part, alarm=alarm)
            for day, part in schedule.days().items()
            if not days or day in days
        }
    return {
        # A calendar's name is one line; a title may hold line breaks.
        f"{event.id}.ics": to_ical(
            schedule.subset([event], name=" ".join(event.title.split())), alarm=alarm
        )
        for event in schedule.sorted_events()
    }


# --- Errors ------------------------------------------------------------------------------------


def _failed(path: object, doing: str, error: OSError) -> OutputError:
    return OutputError(f"{path}: cannot {doing}: {error.strerror or error}")


def _lstat(path: Path | str, *, dir_fd: int | None = None) -> os.stat_result | None:
    """``os.lstat``, or ``None`` when there is nothing there."""
    try:
        return os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _identities(paths: Collection[Path]) -> set[tuple[int, int]]:
    """Device and inode of each path that is a regular file: the files never to replace."""
    found = set()
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            status = os.stat(path)
            if stat.S_ISREG(status.st_mode):
                found.add((status.st_dev, status.st_ino))
    return found


# --- Paths the user names ----------------------------------------------------------------------


def _resolve(path: Path) -> tuple[Path, int | None]:
    """Where ``path`` leads: the file or folder to write, or the number of one of this process's
    open files (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``), which is written as it is.

    Symbolic links on the way are followed only when the user running confcal or root owns
    them: in a shared folder, a link someone else planted would send the output anywhere.
    """
    current = path
    for _ in range(40):
        fd = _open_file_number(current)
        if fd is not None:
            return current, fd
        try:
            status = _lstat(current)
        except OSError as error:
            raise _failed(path, "write", error) from None
        if status is None or not stat.S_ISLNK(status.st_mode):
            return current, None
        if status.st_uid not in {0, os.geteuid()}:
            raise OutputError(
                f"{current}: is a symbolic link owned by someone else (user {status.st_uid}); "
                "confcal follows only links you or root own: remove it, or name the file it "
                "points to"
            )
        try:
            current = Path(os.path.dirname(current), os.readlink(current))
        except OSError as error:
            raise _failed(path, "write", error) from None
    raise OutputError(f"{path}: too many symbolic links")


def _open_file_number(path: Path) -> int | None:
    """The file descriptor ``path`` names if it is a ``/proc/PID/fd/N`` (or ``/dev/fd/N``) of
    this process, ``-1`` for another process's, else ``None``."""
    try:
        folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    except (OSError, ValueError):
        return None
    match = _FD_LINK.fullmatch(os.path.join(folder, os.path.basename(path)))
    if match is None:
        return None
    if match[3] is not None:
        return int(match[3])
    return int(match[2]) if match[1] in {"self", "thread-self", str(os.getpid())} else -1


def check_output(output: Path, inputs: Collection[Path]) -> None:
    """Refuse an ``output`` that is one of the ``inputs`` (also through a link or a hard link),
    before anything is read: writing it would replace the programme with its calendar."""
    target, fd = _resolve(output)
    if fd is not None:
        return  # a pipe or terminal may well be both, as in `confcal convert /dev/stdin -o -`
    try:
        status = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as error:
        raise _failed(output, "write", error) from None
    if (status.st_dev, status.st_ino) in _identities(inputs):
        raise OutputError(f"{output}: is the input file; write the output to another path")


# --- Writing -----------------------------------------------------------------------------------


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_in_place(path: Path, shown_as: Path, fd: int | None, data: bytes) -> None:
    """Write into a device, a pipe or an open file as it is: renaming over it would lose what it
    holds, or (behind /dev/stdout) what the shell wrote into it before.

    ``fd``: this process's open file to write to (``/dev/stdout``: 1), ``-1`` for another
    process's (appended to), ``None`` for a device or pipe opened by name.
    """
    try:
        if fd is not None and fd >= 0:
            if fd in {1, 2}:
                sys.stdout.flush()
                sys.stderr.flush()
            _write_all(fd, data)
            return
        flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | (os.O_APPEND if fd == -1 else 0)
        opened = os.open(path, flags)
        try:
            _write_all(opened, data)
        finally:
            os.close(opened)
    except BrokenPipeError:
        raise PipeClosed(f"{shown_as}: the reader closed the pipe") from None
    except OSError as error:
        raise _failed(shown_as, "write", error) from None


class _Folder:
    """A folder held open: every name is taken relative to it and no link in it is followed."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path

    @classmethod
    def open(cls, path: Path, shown_as: Path) -> _Folder:
        try:
            return cls(os.open(path, _FOLDER), shown_as)
        except OSError as error:
            raise _failed(shown_as, "write", error) from None

    def close(self) -> None:
        os.close(self.fd)

    def lstat(self, name: str) -> os.stat_result | None:
        try:
            return _lstat(name, dir_fd=self.fd)
        except OSError as error:
            raise _failed(self.path / name, "read", error) from None

    def sub(self, name: str) -> _Folder:
        """The folder ``name`` in this one, created if missing; refused if it is a link."""
        path = self.path / name
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, dir_fd=self.fd)
            status = _lstat(name, dir_fd=self.fd)
            if status is not None and stat.S_ISLNK(status.st_mode):
                raise OutputError(
                    f"{path}: is a symbolic link; confcal never writes through a link inside "
                    "its folders: remove it"
                )
            if status is not None and not stat.S_ISDIR(status.st_mode):
                raise OutputError(f"{path}: is a file where confcal writes a folder")
            return _Folder(os.open(name, _FOLDER | os.O_NOFOLLOW, dir_fd=self.fd), path)
        except OSError as error:
            if isinstance(error, OutputError):
                raise
            raise _failed(path, "write", error) from None

    def read(self, name: str) -> bytes | None:
        """The content of the regular file ``name``; ``None`` if there is none (or a link)."""
        try:
            fd = os.open(name, _READ, dir_fd=self.fd)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            if error.errno == errno.ELOOP:
                return None
            raise _failed(self.path / name, "read", error) from None
        try:
            return _read_all(fd) if stat.S_ISREG(os.fstat(fd).st_mode) else None
        except OSError as error:
            raise _failed(self.path / name, "read", error) from None
        finally:
            os.close(fd)

    def write(self, name: str, data: bytes) -> bool:
        """Replace ``name`` with ``data`` all at once; ``False`` when it already held it.

        A symbolic link at ``name`` is replaced by the file, never written through.
        """
        path = self.path / name
        status = self.lstat(name)
        mode = None
        if status is not None:
            if stat.S_ISDIR(status.st_mode):
                raise OutputError(f"{path}: is a folder; confcal will not replace it")
            if stat.S_ISREG(status.st_mode):
                if status.st_size == len(data) and self.read(name) == data:
                    return False
                mode = stat.S_IMODE(status.st_mode)
        for _ in range(3):
            temporary = TEMPORARY_PREFIX + secrets.token_hex(8)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                fd = os.open(temporary, flags, 0o666, dir_fd=self.fd)  # 0o666 less the umask
            except OSError as error:
                raise _failed(path, "write", error) from None
            try:
                # Held until the rename: another run's clean-up leaves a locked temporary alone.
                fcntl.flock(fd, fcntl.LOCK_EX)
                _write_all(fd, data)
                if mode is not None:
                    os.fchmod(fd, mode)  # as the file it replaces: a web server must read it
                os.fsync(fd)
                try:
                    os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
                except FileNotFoundError:
                    continue  # removed by another run's clean-up before our lock: once more
            except BaseException as error:  # also Ctrl-C: leave no temporary file
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=self.fd)
                if isinstance(error, OSError):
                    raise _failed(path, "write", error) from None
                raise
            finally:
                os.close(fd)
            return True
        raise OutputError(f"{path}: cannot write: its temporary file kept disappearing")

    def remove(self, name: str) -> None:
        """Remove the file (or link) ``name``; a link's target is left alone."""
        try:
            os.unlink(name, dir_fd=self.fd)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise _failed(self.path / name, "remove", error) from None

    def sync(self) -> None:
        """Make the renames durable: a crash after this keeps them."""
        try:
            os.fsync(self.fd)
        except OSError as error:
            if error.errno not in {errno.EINVAL, errno.ENOTSUP, errno.EBADF}:
                raise _failed(self.path, "write", error) from None

    def clean(self, known: Collection[str] = ()) -> None:
        """Remove the temporary files of runs that died (their lock is gone with them), and
        those of confcal before 0.2 for the files in ``known``. Best effort: a leftover that
        cannot be removed harms nothing."""
        with contextlib.suppress(OSError):
            names = [entry.name for entry in os.scandir(self.fd)]
            for name in names:
                if name.startswith(TEMPORARY_PREFIX):
                    with contextlib.suppress(OSError):
                        self._remove_if_abandoned(name)
                elif (old := _OLD_TEMPORARY.fullmatch(name)) and old[1] in known:
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=self.fd)

    def _remove_if_abandoned(self, name: str) -> None:
        try:
            fd = os.open(name, _READ, dir_fd=self.fd)
        except OSError as error:
            if error.errno == errno.ELOOP:  # not ours, but a name only confcal uses
                os.unlink(name, dir_fd=self.fd)
            return
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return  # a live run is writing it
            now = _lstat(name, dir_fd=self.fd)
            if now is not None and (now.st_dev, now.st_ino) == (status.st_dev, status.st_ino):
                os.unlink(name, dir_fd=self.fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes, *, inputs: Collection[Path] = ()) -> bool:
    """Write ``data`` to ``path`` all at once or not at all; ``False`` when it already held it.

    A device, a pipe or an open file (``/dev/stdout``, ``/dev/fd/N``) is written in place, as the
    shell would. A symbolic link you (or root) own is followed and the file it points to
    replaced, the link kept; one owned by someone else is refused. ``inputs`` are files never to
    replace (the programme read).
    """
    target, fd = _resolve(path)
    if fd is not None:
        _write_in_place(target, path, fd, data)
        return True
    try:
        status = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        status = None
    except OSError as error:
        raise _failed(path, "write", error) from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{path}: is a folder; give a file name, or use --split")
    if status is not None and stat.S_ISBLK(status.st_mode):
        raise OutputError(f"{path}: is a disk (a block device); confcal will not write to it")
    if status is not None and not stat.S_ISREG(status.st_mode):
        _write_in_place(target, path, None, data)
        return True
    if status is not None and (status.st_dev, status.st_ino) in _identities(inputs):
        raise OutputError(f"{path}: is the input file; write the output to another path")
    parent = target.parent
    try:
        parent_status = os.stat(parent)
    except (FileNotFoundError, NotADirectoryError):
        parent_status = None
    except OSError as error:
        raise _failed(path, "write", error) from None
    if parent_status is not None and not stat.S_ISDIR(parent_status.st_mode):
        raise OutputError(f"{path}: {parent} is a file, not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)  # `-o calendars/all.ics` in a fresh clone
    except OSError as error:
        raise _failed(path, "create its folder", error) from None
    folder = _Folder.open(parent, target.parent)
    try:
        folder.clean({target.name})
        changed = folder.write(target.name, data)
        if changed:
            folder.sync()
        return changed
    finally:
        folder.close()


# --- Folders -----------------------------------------------------------------------------------


def _lock_timeout() -> float:
    text = os.environ.get("CONFCAL_LOCK_TIMEOUT")
    if text is None:
        return LOCK_TIMEOUT
    try:
        return max(0.0, float(text))
    except ValueError:
        raise OutputError(
            f"CONFCAL_LOCK_TIMEOUT: {shown(text)} is not a number of seconds"
        ) from None


@contextlib.contextmanager
def _locked(folder: _Folder) -> Iterator[None]:
    """Hold the folder's lock: another run waits (up to the lock timeout), then gives up.

    The lock file is removed at the end; a run that locked a file since removed tries again, so
    two runs never each hold a lock of their own.
    """
    limit = _lock_timeout()
    deadline = time.monotonic() + limit
    pause = 0.001
    lock_path = folder.path / LOCK
    while True:
        try:
            flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            fd = os.open(LOCK, flags, 0o666, dir_fd=folder.fd)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise OutputError(
                    f"{lock_path}: is a symbolic link, not confcal's lock: remove it"
                ) from None
            raise _failed(folder.path, "write", error) from None
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                raise OutputError(f"{lock_path}: is not confcal's lock (not a file): remove it")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputError(
                        f"{folder.path}: another confcal run is writing into this folder; "
                        f"gave up waiting after {limit:g} s (CONFCAL_LOCK_TIMEOUT)"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.01)
                os.close(fd)
                continue
            except OSError as error:
                raise _failed(folder.path, "lock", error) from None
            now = _lstat(LOCK, dir_fd=folder.fd)
            if now is not None and (now.st_dev, now.st_ino) == (status.st_dev, status.st_ino):
                break
        except BaseException as error:
            os.close(fd)
            if isinstance(error, OSError) and not isinstance(error, OutputError):
                raise _failed(folder.path, "lock", error) from None
            raise
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(LOCK, dir_fd=folder.fd)
        os.close(fd)


def _prunable(name: str) -> bool:
    """Whether a manifest line may name a file to remove: a calendar, in the folder itself."""
    return _safe_name(name) and name.endswith(".ics") and not name.startswith(".")


def _safe_name(name: str) -> bool:
    return (
        name not in {"", ".", ".."}
        and Path(name).name == name
        and "\\" not in name
        and "\0" not in name
        and name not in _RESERVED
        and not name.startswith(TEMPORARY_PREFIX)
    )


def _listing(names: Collection[str]) -> bytes:
    return "".join(f"{name}\n" for name in sorted(names)).encode("utf-8")


class _Plan:
    """What one run does in one folder, worked out (and checked) before anything is written."""

    def __init__(
        self, folder: _Folder, files: Mapping[str, bytes], prune: bool, inputs: set[tuple[int, int]]
    ) -> None:
        self.folder = folder
        self.files = files
        previous = self.previous = self._manifest()
        for name in files:
            self._check_replaceable(name, inputs)
        gone = previous - set(files)
        self.remove: list[str] = []
        if prune:
            self.remove = sorted(
                n for n in gone if _prunable(n) and self._check_removable(n, inputs)
            )
            kept: set[str] = set()
        else:
            kept = {n for n in gone if self._is_file(n)}
        self.union = _listing(previous | set(files))
        self.final = _listing(set(files) | kept)

    def _manifest(self) -> set[str]:
        path = self.folder.path / MANIFEST
        try:
            fd = os.open(MANIFEST, _READ, dir_fd=self.folder.fd)
        except FileNotFoundError:
            return set()
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise OutputError(
                    f"{path}: is a symbolic link, not the list confcal wrote: remove it"
                ) from None
            raise _failed(path, "read", error) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OutputError(f"{path}: is not a file, not the list confcal wrote: remove it")
            data = _read_all(fd)
        except OSError as error:
            if isinstance(error, OutputError):
                raise
            raise _failed(path, "read", error) from None
        finally:
            os.close(fd)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise OutputError(
                f"{path}: is not UTF-8, so not the list confcal wrote; check the folder's "
                "calendars and remove it (confcal then no longer removes the files it listed)"
            ) from None
        return {name for name in text.split("\n") if _safe_name(name)}

    def _is_file(self, name: str) -> bool:
        status = self.folder.lstat(name)
        return status is not None and stat.S_ISREG(status.st_mode)

    def _check_replaceable(self, name: str, inputs: set[tuple[int, int]]) -> None:
        status = self.folder.lstat(name)
        path = self.folder.path / name
        if status is not None and stat.S_ISDIR(status.st_mode):
            raise OutputError(f"{path}: is a folder; confcal will not replace it")
        if status is not None and (status.st_dev, status.st_ino) in inputs:
            raise OutputError(f"{path}: is the input file; write the output to another folder")

    def _check_removable(self, name: str, inputs: set[tuple[int, int]]) -> bool:
        """Whether the listed ``name`` is there to remove; an error if it is not confcal's."""
        status = self.folder.lstat(name)
        if status is None:
            return False
        if stat.S_ISDIR(status.st_mode):
            raise OutputError(
                f"{self.folder.path / MANIFEST}: lists {shown(name)}, which is a folder, not a "
                "file confcal wrote: move the folder away or remove the line"
            )
        if (status.st_dev, status.st_ino) in inputs:
            raise OutputError(
                f"{self.folder.path / name}: is the input file, and listed in "
                f"{MANIFEST} as a calendar confcal wrote: move the input elsewhere"
            )
        return True


def _open_folder(folder: Path, needed_by: str) -> _Folder:
    target, fd = _resolve(folder)
    try:
        status = None if fd is not None else os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        status = None
    except OSError as error:
        raise _failed(folder, "create", error) from None
    if fd is not None or (status is not None and not stat.S_ISDIR(status.st_mode)):
        raise OutputError(f"{folder}: is a file; {needed_by} needs a folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _failed(folder, "create", error) from None
    return _Folder.open(target, folder)


def write_tree(
    folder: Path,
    tree: Mapping[str, Mapping[str, bytes]],
    *,
    prune: bool = True,
    inputs: Collection[Path] = (),
    needed_by: str = "confcal",
) -> list[Path]:
    """Write ``{sub-folder ("" for the folder itself): {file name: bytes}}`` into ``folder``,
    in that order, under its lock; remove what an earlier run wrote and this one did not.

    Crash-safe order: each manifest first lists the old and the new files, then the files are
    written and the old ones removed, then each manifest lists what is there. Returns the files
    whose content changed.
    """
    for sub, files in tree.items():
        if sub and not (_safe_name(sub) and not sub.startswith(".")):
            raise OutputError(f"{folder}: refusing the folder name {sub!r}")
        for name in files:
            if not _safe_name(name):  # never outside the folder, never confcal's own files
                raise OutputError(f"{folder}: refusing the file name {name!r}")
    protected = _identities(inputs)
    top = _open_folder(folder, needed_by)
    opened = [top]
    try:
        with _locked(top):
            folders = {}
            for sub in tree:
                if sub:
                    folders[sub] = top.sub(sub)
                    opened.append(folders[sub])
                else:
                    folders[sub] = top
            plans = [_Plan(folders[sub], files, prune, protected) for sub, files in tree.items()]
            for plan in plans:
                plan.folder.clean({*plan.files, *plan.previous, MANIFEST})
            if [plan.folder.write(MANIFEST, plan.union) for plan in plans].count(True):
                for plan in plans:
                    plan.folder.sync()
            changed = [
                plan.folder.path / name
                for plan in plans
                for name, data in plan.files.items()
                if plan.folder.write(name, data)
            ]
            for plan in plans:
                for name in plan.remove:
                    plan.folder.remove(name)
            for plan in plans:
                plan.folder.write(MANIFEST, plan.final)
            if changed or any(plan.remove for plan in plans):
                for plan in plans:
                    plan.folder.sync()
            return changed
    finally:
        for handle in opened:
            handle.close()


def write_files(
    folder: Path, files: dict[str, bytes], *, prune: bool = True, inputs: Collection[Path] = ()
) -> list[Path]:
    """Write a split into ``folder``; remove what an earlier run wrote there and this one did not.

    ``prune=False`` (a filtered export: the other days or sessions still exist) removes nothing
    and keeps the earlier files on the list, so a later full export can still remove them.
    Returns the files whose content changed. See :func:`write_tree`.
    """
    return write_tree(folder, {"": files}, prune=prune, inputs=inputs, needed_by="--split")


# --- stdout ------------------------------------------------------------------------------------


def _silence_stdout() -> None:
    """Point stdout at /dev/null once it failed, so what is still buffered does not fail again
    (and print a traceback) when Python exits."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


def write_stdout(data: bytes | str) -> None:
    """Write ``data`` to stdout now. A full disk is an :class:`OutputError`, a reader that
    closed the pipe (``| head``) a :class:`PipeClosed`."""
    try:
        if isinstance(data, str):
            sys.stdout.write(data)
            sys.stdout.flush()
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise PipeClosed("stdout: the reader closed the pipe") from None
    except OSError as error:
        _silence_stdout()
        raise _failed("stdout", "write", error) from None
    except UnicodeEncodeError as error:
        raise OutputError(
            f"stdout: cannot write {shown(error.object[error.start : error.end])} in its "
            f"encoding {error.encoding}: set PYTHONIOENCODING=utf-8"
        ) from None
