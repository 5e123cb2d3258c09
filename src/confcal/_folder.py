"""Writing inside one folder safely: the machinery under :mod:`confcal.files`.

A :class:`Folder` is a folder held open by its descriptor: every name is taken relative to it, so
a folder renamed or replaced by a link during the run cannot send a write elsewhere, and no
symbolic link inside it is ever followed. Each file is written to a temporary file beside it
(:data:`TEMPORARY_PREFIX`), fsynced and renamed over it; a file whose content would not change is
left alone. :func:`locked` holds the folder's lock (:data:`LOCK`) so that two runs never
interleave, and :meth:`Folder.clean` removes the temporary files of runs that died.

POSIX only: the locks are ``flock(2)``. ``fcntl`` is imported when a lock is taken, not with this
module, so ``import confcal`` works on Windows (rendering, writing to stdout); writing a file there
is an :class:`~confcal.errors.OutputError` saying so (:func:`require_posix`).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path

from .errors import OutputError, shown, shown_path

__all__ = [
    "LOCK",
    "LOCK_TIMEOUT",
    "LOCK_TIMEOUT_MAX",
    "TEMPORARY_PREFIX",
    "Folder",
    "TooLarge",
    "failed",
    "lock_timeout",
    "locked",
    "lstat",
    "require_posix",
    "write_all",
]

#: Held (``flock``) by the run writing into a folder; removed when the run ends.
LOCK = ".confcal-lock"
#: How every temporary file confcal makes begins; the next run removes those a crash left.
TEMPORARY_PREFIX = ".confcal-tmp-"
#: Seconds a run waits for another one writing into the same folder, unless the environment
#: variable ``CONFCAL_LOCK_TIMEOUT`` says otherwise.
LOCK_TIMEOUT = 10.0
#: The longest ``CONFCAL_LOCK_TIMEOUT`` confcal accepts, a day: a run that waits longer for a
#: folder is one nobody will see finish.
LOCK_TIMEOUT_MAX = 86400.0

# Absent on Windows, where this module still imports (require_posix refuses to write there).
_NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY: int = getattr(os, "O_DIRECTORY", 0)
_READ = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC
_FOLDER = os.O_RDONLY | _DIRECTORY | _CLOEXEC
#: What confcal before 0.2 named its temporary files (``tempfile.mkstemp``).
_OLD_TEMPORARY = re.compile(r"\.(.+)\.[a-z0-9_]{8}\.tmp")


class TooLarge(Exception):
    """A file of confcal's own holds more than it ever writes (:meth:`Folder.read_own`)."""


def failed(path: str | os.PathLike[str], doing: str, error: OSError) -> OutputError:
    """The :class:`OutputError` for ``error``, naming the path and what confcal was doing."""
    return OutputError(f"{shown_path(path)}: cannot {doing}: {error.strerror or error}")


def lstat(path: Path | str, *, dir_fd: int | None = None) -> os.stat_result | None:
    """``os.lstat``, or ``None`` when there is nothing there."""
    try:
        return os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return None


def require_posix(path: str | os.PathLike[str]) -> None:
    """Refuse to write ``path`` where ``flock`` does not exist (Windows): the safety of every
    write rests on it."""
    try:
        importlib.import_module("fcntl")
    except ImportError:
        raise OutputError(
            f"{shown_path(path)}: cannot write: confcal writes files only on POSIX systems (it "
            "needs fcntl); write to stdout instead"
        ) from None


def _flock(fd: int, *, wait: bool) -> None:
    """Lock ``fd`` exclusively; ``BlockingIOError`` if another holds it and not ``wait``.
    ``fcntl`` is imported here, not with the module: see the module's docstring."""
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read_all(fd: int, limit: int | None = None) -> bytes:
    """What ``fd`` holds, or (with ``limit``) its first ``limit + 1`` bytes at most."""
    chunks = []
    left = -1 if limit is None else limit + 1
    while left and (chunk := os.read(fd, 1 << 20 if left < 0 else min(left, 1 << 20))):
        chunks.append(chunk)
        left = left - len(chunk) if left > 0 else left
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Folder:
    """A folder held open: every name is taken relative to it and no link in it is followed."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path

    @classmethod
    def open(cls, path: Path, shown_as: Path) -> Folder:
        """The folder at ``path``, named ``shown_as`` in messages."""
        require_posix(shown_as)
        try:
            return cls(os.open(path, _FOLDER), shown_as)
        except OSError as error:
            raise failed(shown_as, "write", error) from None

    def close(self) -> None:
        os.close(self.fd)

    def lstat(self, name: str) -> os.stat_result | None:
        try:
            return lstat(name, dir_fd=self.fd)
        except OSError as error:
            raise failed(self.path / name, "read", error) from None

    def sub(self, name: str, *, create: bool = True) -> Folder | None:
        """The folder ``name`` in this one, created if missing (else ``None`` for a missing
        one); refused if it is a link or not a folder."""
        path = self.path / name
        try:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, dir_fd=self.fd)
            status = lstat(name, dir_fd=self.fd)
            if status is None and not create:
                return None
            if status is not None and stat.S_ISLNK(status.st_mode):
                raise OutputError(
                    f"{shown_path(path)}: is a symbolic link; confcal never writes through a "
                    "link inside its folders: remove it"
                )
            if status is not None and not stat.S_ISDIR(status.st_mode):
                raise OutputError(f"{shown_path(path)}: is a file where confcal writes a folder")
            return Folder(os.open(name, _FOLDER | _NOFOLLOW, dir_fd=self.fd), path)
        except OSError as error:
            if isinstance(error, OutputError):
                raise
            raise failed(path, "write", error) from None

    def read(self, name: str) -> bytes | None:
        """The content of the regular file ``name``; ``None`` if there is none (or a link)."""
        try:
            fd = os.open(name, _READ, dir_fd=self.fd)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            if error.errno == errno.ELOOP:
                return None
            raise failed(self.path / name, "read", error) from None
        try:
            return _read_all(fd) if stat.S_ISREG(os.fstat(fd).st_mode) else None
        except OSError as error:
            raise failed(self.path / name, "read", error) from None
        finally:
            os.close(fd)

    def read_own(self, name: str, what: str, limit: int) -> bytes | None:
        """The content of confcal's own file ``name`` (``what`` it is, for the messages);
        ``None`` if there is none; an error if a link or something else is in its place, and
        :class:`TooLarge` if it holds more than ``limit`` bytes (then not confcal's: nothing
        more is read)."""
        path = self.path / name
        try:
            fd = os.open(name, _READ, dir_fd=self.fd)
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise OutputError(
                    f"{shown_path(path)}: is a symbolic link, not {what}: remove it"
                ) from None
            raise failed(path, "read", error) from None
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                raise OutputError(f"{shown_path(path)}: is not a file, not {what}: remove it")
            data = b"" if status.st_size > limit else _read_all(fd, limit)
            if status.st_size > limit or len(data) > limit:
                raise TooLarge(path)
            return data
        except OSError as error:
            if isinstance(error, OutputError):
                raise
            raise failed(path, "read", error) from None
        finally:
            os.close(fd)

    def write(self, name: str, data: bytes) -> bool:
        """Replace ``name`` with ``data`` all at once; ``False`` when it already held it.

        A symbolic link at ``name`` is replaced by the file, never written through.
        """
        status = self.lstat(name)
        if status is not None and stat.S_ISDIR(status.st_mode):
            raise OutputError(
                f"{shown_path(self.path / name)}: is a folder; confcal will not replace it"
            )
        mode = None
        if status is not None and stat.S_ISREG(status.st_mode):
            if status.st_size == len(data) and self.read(name) == data:
                return False
            mode = stat.S_IMODE(status.st_mode)  # as the file it replaces: a web server reads it
        for _ in range(3):
            if self._replace(name, data, mode):
                return True
        raise OutputError(
            f"{shown_path(self.path / name)}: cannot write: its temporary file kept disappearing"
        )

    def write_many(
        self, files: Mapping[str, bytes], progress: Callable[[int], None] | None = None
    ) -> list[str]:
        """:meth:`write` each of ``files``; returns the names whose content changed.

        Durable as :meth:`write`, for less: a batch of temporary files is written, flushed to disk
        together (:func:`_sync_files`: one ``syncfs`` on Linux, where an fsync per file cost
        ten times as much), then renamed. The caller fsyncs the folder afterwards, as after
        :meth:`write`. ``progress`` is told how many of ``files`` are done (unchanged or renamed).
        """
        pending = [
            (name, data, mode)
            for name, data in files.items()
            if (mode := self._mode(name, data)) != _UNCHANGED
        ]
        unchanged = len(files) - len(pending)
        if progress is not None and unchanged:
            progress(unchanged)
        size = _batch_size()
        for start in range(0, len(pending), size):
            done = unchanged + start
            self._write_batch(pending[start : start + size], progress, done)
        return [name for name, _, _ in pending]

    def _write_batch(
        self,
        batch: list[tuple[str, bytes, int | None]],
        progress: Callable[[int], None] | None,
        done: int,
    ) -> None:
        """Temporaries for ``batch`` (name, data, mode), flushed together, then renamed, each
        told to ``progress`` counting from ``done``."""
        temporaries: list[str] = []  # each listed before it is created, for Ctrl-C's clean-up
        fds: list[int] = []
        try:
            for name, data, mode in batch:
                temporaries.append(_temporary_name())
                fds.append(self._temporary(name, data, mode, temporaries[-1]))
            _sync_files(self, fds)
            for (name, data, _), temporary in zip(batch, temporaries, strict=True):
                try:
                    os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
                except FileNotFoundError:  # another run's clean-up took it: one at a time
                    self.write(name, data)
                except OSError as error:
                    raise failed(self.path / name, "write", error) from None
                if progress is not None:
                    done += 1
                    progress(done)
        except BaseException:  # also Ctrl-C: leave no temporary file
            for temporary in temporaries:
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=self.fd)
            raise
        finally:
            for fd in fds:
                os.close(fd)

    def _mode(self, name: str, data: bytes) -> int | None:
        """:data:`_UNCHANGED` if ``name`` holds ``data`` already, else the mode of the file it
        replaces (``None``: a new file)."""
        status = self.lstat(name)
        if status is not None and stat.S_ISDIR(status.st_mode):
            raise OutputError(
                f"{shown_path(self.path / name)}: is a folder; confcal will not replace it"
            )
        if status is None or not stat.S_ISREG(status.st_mode):
            return None
        if status.st_size == len(data) and self.read(name) == data:
            return _UNCHANGED
        return stat.S_IMODE(status.st_mode)

    def _temporary(self, name: str, data: bytes, mode: int | None, temporary: str) -> int:
        """The temporary file ``temporary`` (:func:`_temporary_name`) beside ``name``, holding
        ``data``, open and locked (another run's clean-up leaves a locked temporary alone), not
        yet flushed. The caller knows its name before it exists: a Ctrl-C just as it is created
        leaves nothing behind."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
        try:
            fd = os.open(temporary, flags, 0o666, dir_fd=self.fd)
        except OSError as error:
            raise failed(self.path / name, "write", error) from None
        try:
            _flock(fd, wait=True)
            write_all(fd, data)
            if mode is not None:
                os.fchmod(fd, mode)
        except BaseException as error:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self.fd)
            if isinstance(error, OSError):
                raise failed(self.path / name, "write", error) from None
            raise
        return fd

    def _replace(self, name: str, data: bytes, mode: int | None) -> bool:
        """Write a temporary file (:meth:`_temporary`, 0o666 less the umask), flush it and
        rename it over ``name``; ``False`` if another run's clean-up removed the temporary file
        before it was locked (then try once more)."""
        temporary = _temporary_name()
        try:
            fd = self._temporary(name, data, mode, temporary)
        except BaseException:  # also Ctrl-C just as it was created
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self.fd)
            raise
        try:
            os.fsync(fd)
            try:
                os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
            except FileNotFoundError:
                return False
        except BaseException as error:  # also Ctrl-C: leave no temporary file
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self.fd)
            if isinstance(error, OSError):
                raise failed(self.path / name, "write", error) from None
            raise
        finally:
            os.close(fd)
        return True

    def remove(self, name: str) -> None:
        """Remove the file (or link) ``name``; a link's target is left alone."""
        try:
            os.unlink(name, dir_fd=self.fd)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise failed(self.path / name, "remove", error) from None

    def remove_folder(self, name: str) -> bool:
        """Remove the empty folder ``name``; ``False`` if it is not empty (or not there)."""
        try:
            os.rmdir(name, dir_fd=self.fd)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as error:
            if error.errno in {errno.ENOTEMPTY, errno.EEXIST}:
                return False
            raise failed(self.path / name, "remove", error) from None
        return True

    def sync(self) -> None:
        """Make the renames durable: a crash after this keeps them."""
        try:
            os.fsync(self.fd)
        except OSError as error:
            if error.errno not in {errno.EINVAL, errno.ENOTSUP, errno.EBADF}:
                raise failed(self.path, "write", error) from None

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
                _flock(fd, wait=False)
            except OSError:
                return  # a live run is writing it
            if self.unchanged(name, status):
                os.unlink(name, dir_fd=self.fd)
        finally:
            os.close(fd)

    def unchanged(self, name: str, status: os.stat_result) -> bool:
        """Whether ``name`` is still the file ``status`` describes (not removed, not replaced)."""
        now = lstat(name, dir_fd=self.fd)
        return now is not None and (now.st_dev, now.st_ino) == (status.st_dev, status.st_ino)


def _temporary_name() -> str:
    """A name for a temporary file: :data:`TEMPORARY_PREFIX` and 64 random bits."""
    return TEMPORARY_PREFIX + secrets.token_hex(8)


#: What :meth:`Folder._mode` says of a file that already holds what would be written.
_UNCHANGED = -1
#: Files written and flushed together by :meth:`Folder.write_many` (:func:`_batch_size`): each
#: flush is a journal commit that the next batch's file creations wait for, so fewer, larger
#: batches write 10,000 files in two thirds of the time (sessions/ of a site: 40 batches of 256
#: against 3 of 4,096). Each file holds a descriptor (and its lock) until renamed, so a batch
#: takes at most half of the process's limit of open files (ulimit -n), between 16 and 4,096
#: files; 256 where there is no such limit to read (Windows, whose C runtime allows 512).
_BATCH_FEWEST, _BATCH_MOST, _BATCH_UNKNOWN = 16, 4096, 256


def _batch_size() -> int:
    """How many files :meth:`Folder.write_many` writes and flushes together."""
    try:
        import resource  # not on Windows

        limit, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return _BATCH_UNKNOWN
    if limit == resource.RLIM_INFINITY:
        return _BATCH_MOST
    return max(_BATCH_FEWEST, min(_BATCH_MOST, limit // 2))


#: The fewest files flushed with one ``syncfs`` rather than an ``fsync`` each.
_SYNCFS_FROM = 16


def _sync_files(folder: Folder, fds: list[int]) -> None:
    """Flush the files ``fds`` to disk: an ``fsync`` each for a few (a rebuild after an edit),
    else ``syncfs(2)`` on their file system where there is one (Linux: one flush for the batch,
    which also flushes what other programs wrote there), else an ``fsync`` each."""
    syncfs = _syncfs() if len(fds) >= _SYNCFS_FROM else None
    try:
        if syncfs is not None and syncfs(fds[0]) == 0:
            return
        for fd in fds:
            os.fsync(fd)
    except OSError as error:
        raise failed(folder.path, "write", error) from None


_SYNCFS: list[Callable[[int], int] | None] = []


def _syncfs() -> Callable[[int], int] | None:
    """libc's ``syncfs``, or ``None`` where there is none (not Linux); looked up once, when a
    folder is first written (``ctypes`` is not imported at start-up)."""
    if not _SYNCFS:
        function = None
        if sys.platform.startswith("linux"):
            import ctypes

            with contextlib.suppress(OSError, AttributeError):
                function = ctypes.CDLL(None, use_errno=True).syncfs
        _SYNCFS.append(function)
    return _SYNCFS[0]


# --- The lock ----------------------------------------------------------------------------------


def lock_timeout() -> float:
    """How long :func:`locked` waits: ``CONFCAL_LOCK_TIMEOUT``, seconds in ASCII digits with an
    optional decimal fraction (``30``, ``0.5``), at most :data:`LOCK_TIMEOUT_MAX` (0: do not
    wait); unset or empty (as ``SOURCE_DATE_EPOCH``): :data:`LOCK_TIMEOUT`. Anything else
    (``1e3``, ``1_0``, `` 5``, ``٣``, ``inf``, ``-1``, more than a day) is an error."""
    text = os.environ.get("CONFCAL_LOCK_TIMEOUT")
    if not text:
        return LOCK_TIMEOUT
    if _SECONDS.fullmatch(text) and (seconds := float(text)) <= LOCK_TIMEOUT_MAX:
        return seconds
    raise OutputError(
        f"CONFCAL_LOCK_TIMEOUT: {shown(text)} is not a number of seconds from 0 to "
        f"{LOCK_TIMEOUT_MAX:g} (a day) in ASCII digits, with an optional fraction: such as 30 "
        "or 2.5"
    )


#: What ``CONFCAL_LOCK_TIMEOUT`` may hold: ASCII digits, with an optional decimal fraction.
_SECONDS = re.compile("[0-9]+(?:[.][0-9]+)?")


@contextlib.contextmanager
def locked(folder: Folder, limit: float) -> Iterator[None]:
    """Hold the folder's lock: another run waits up to ``limit`` seconds (see
    :func:`lock_timeout`), then gives up.

    The lock file is removed at the end; a run that locked a file since removed tries again, so
    two runs never each hold a lock of their own.
    """
    deadline = time.monotonic() + limit
    pause = 0.001
    while (fd := _take_lock(folder)) is None:
        if time.monotonic() >= deadline:
            raise OutputError(
                f"{shown_path(folder.path)}: another confcal run is writing into this folder; "
                f"gave up waiting after {limit:g} s (CONFCAL_LOCK_TIMEOUT)"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.01)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(LOCK, dir_fd=folder.fd)
        os.close(fd)


def _take_lock(folder: Folder) -> int | None:
    """The lock file, open and locked; ``None`` if another run holds it, or removed it between
    our opening and locking it (then it is to be opened again)."""
    lock_path = folder.path / LOCK
    try:
        flags = os.O_RDONLY | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC
        fd = os.open(LOCK, flags, 0o666, dir_fd=folder.fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputError(
                f"{shown_path(lock_path)}: is a symbolic link, not confcal's lock: remove it"
            ) from None
        raise failed(folder.path, "write", error) from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise OutputError(
                f"{shown_path(lock_path)}: is not confcal's lock (not a file): remove it"
            )
        try:
            _flock(fd, wait=False)
        except BlockingIOError:
            os.close(fd)
            return None
        except OSError as error:
            raise failed(folder.path, "lock", error) from None
        if folder.unchanged(LOCK, status):
            return fd
    except BaseException as error:
        os.close(fd)
        if isinstance(error, OSError) and not isinstance(error, OutputError):
            raise failed(folder.path, "lock", error) from None
        raise
    os.close(fd)
    return None
