"""Work done by a forked child while this process goes on: the site's calendars written to disk
while its page renders, on the machine's other core.

Writing the 10,000 files of a large site is mostly the kernel's time (creating each file costs
60 to 180 microseconds on an ordinary disk), which a thread cannot overlap with rendering in
Python (it would wait for the interpreter's lock after each of its 60,000 system calls); a child
process can. Only where forking is safe and helps: on Linux (where the number of threads can be
read), in a process without other threads (a fork copies only the forking one, and any lock
another held would stay locked in the child), with more than one processor to run on
(:func:`can_fork`). Elsewhere the work is done at once, in this process: the same result.

The child runs the work and nothing else: it ends with :func:`os._exit`, so no ``finally`` or
``atexit`` of the caller runs twice, and sends back the work's result, or the message of the
:class:`~confcal.errors.OutputError` it raised, pickled through a pipe.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .errors import OutputError

__all__ = ["can_fork", "in_background"]

T = TypeVar("T")

#: Where Linux lists a process's threads, one entry each.
_THREADS = "/proc/self/task"


def can_fork() -> bool:
    """Whether forking is safe here and a child would run beside this process."""
    if not hasattr(os, "fork") or not hasattr(os, "sched_getaffinity"):
        return False
    try:
        alone = len(os.listdir(_THREADS)) == 1  # threads of C libraries counted too
    except OSError:
        return False
    return alone and len(os.sched_getaffinity(0)) > 1


class _Child(Generic[T]):
    """A forked child doing ``work``; :meth:`result` waits for it."""

    def __init__(self, work: Callable[[], T]) -> None:
        reading, writing = os.pipe()
        parent = os.getpid()
        # Objects alive now are left out of this process's collections until the child is done:
        # a collection writes to each object it visits, which would copy the memory shared with
        # the child page by page. Not where the program froze objects of its own.
        self._frozen = gc.get_freeze_count() == 0
        if self._frozen:
            gc.freeze()
        try:
            self.pid = os.fork()
        except OSError:
            self._unfreeze()
            os.close(reading)
            os.close(writing)
            raise
        if self.pid == 0:  # pragma: no cover - the child; its effects are tested
            os.close(reading)
            _run_child(work, writing, parent)
        os.close(writing)
        self._reading: int | None = reading

    def result(self) -> T:
        """The work's result, once the child is done; its :class:`OutputError` raised here."""
        assert self._reading is not None, "result() is called once"
        try:
            with os.fdopen(self._reading, "rb", closefd=True) as pipe:
                self._reading = None
                payload = pipe.read()
        except BaseException:  # Ctrl-C to this process alone, say: the child stops too
            self._signal()
            raise
        finally:
            status = self._wait()
        if not payload:
            raise OutputError(f"the process writing the files ended without a result ({status})")
        kind, value = pickle.loads(payload)  # our own child's, through our pipe
        if kind == _RESULT:
            return value  # type: ignore[no-any-return]
        if kind == _ERROR:
            raise OutputError(value)
        if kind == _INTERRUPTED:
            raise KeyboardInterrupt
        raise RuntimeError(f"the process writing the files failed:\n{value}")

    def stop(self) -> None:
        """End the child early (this process is failing): told to stop (``SIGTERM``), it removes
        its temporary files; then wait for it, so that nothing writes once the caller lets go
        of the folder."""
        if self._reading is None:
            return
        self._signal()
        os.close(self._reading)
        self._reading = None
        self._wait()

    def _signal(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)

    def _unfreeze(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def _wait(self) -> str:
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # SIGCHLD ignored: the system reaped it, once it ended
            return "its exit status unknown"
        finally:
            self._unfreeze()
        if os.WIFSIGNALED(status):
            return f"killed by signal {os.WTERMSIG(status)}"
        return f"exit status {os.waitstatus_to_exitcode(status)}"


#: What the child sends: its kind of outcome, and the result, message or traceback.
_RESULT, _ERROR, _INTERRUPTED, _FAILED = "result", "error", "interrupted", "failed"


def _interrupted(signum: int, frame: object) -> None:  # pragma: no cover - in the child
    """Stop the work as Ctrl-C would, once: a second signal (Ctrl-C reaches both processes, then
    the parent's :meth:`_Child.stop` follows) must not cut short the removal of the temporary
    files the first one began."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


#: Linux's prctl(2) option: the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


def _run_child(
    work: Callable[[], object], pipe: int, parent: int
) -> None:  # pragma: no cover - in the child
    """Do ``work`` and send its outcome through ``pipe``, then end the process.

    ``SIGTERM`` (the parent's :meth:`_Child.stop`), and Ctrl-C unless the program ignores it,
    interrupt the work as Ctrl-C would, so it cleans up. So does the parent's death (killed by
    a supervisor, the OOM killer): no orphan goes on writing in a folder whose lock its parent
    no longer holds."""
    code = 1
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _interrupted)
        signal.signal(signal.SIGTERM, _interrupted)
        import ctypes  # only here: Linux, where the child is forked

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        try:
            if os.getppid() != parent:  # died before the line above
                raise KeyboardInterrupt
            outcome: tuple[str, object] = (_RESULT, work())
        except OutputError as error:
            outcome = (_ERROR, str(error))
        except KeyboardInterrupt:  # Ctrl-C reaches the whole foreground group: the parent too
            outcome = (_INTERRUPTED, None)
        except BaseException:
            outcome = (_FAILED, traceback.format_exc())
        with os.fdopen(pipe, "wb") as sending:
            sending.write(pickle.dumps(outcome))
        code = 0
    finally:
        os._exit(code)


@contextlib.contextmanager
def in_background(work: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Start ``work`` in a forked child where that is safe and helps (see the module), else do
    it now; yields the function that returns its result (waiting for the child), and raises its
    :class:`OutputError`. Leaving the block early stops the child, and waits for it."""
    try:
        child = _Child(work) if can_fork() else None
    except OSError:  # no process to spare (EAGAIN, ENOMEM): done here, as where none may fork
        child = None
    if child is None:
        value = work()
        yield lambda: value
        return
    try:
        yield child.result
    finally:
        child.stop()
