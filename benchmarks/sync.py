"""How much durability costs: 10,000 small files written atomically, flushed three ways.

Each file is written to a temporary file, locked, and renamed over its name, as confcal does;
what differs is how the data reaches the disk before the renames:

- ``none``: not flushed (fast, and not durable: after a power loss a file may be empty);
- ``fsync``: an fsync per file before its rename;
- ``syncfs``: batches of 256 temporaries, one ``syncfs(2)`` per batch, then their renames
  (what confcal does); the folder is fsynced after the renames in every case.

    python benchmarks/sync.py FOLDER [--files 10000]
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

_LIBC = ctypes.CDLL(None, use_errno=True)
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _temporary(folder: int, data: bytes) -> tuple[int, str]:
    name = ".tmp-" + secrets.token_hex(8)
    fd = os.open(name, _FLAGS, 0o666, dir_fd=folder)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, data)
    return fd, name


def _write(folder: int, files: list[bytes], how: str, batch: int = 256) -> None:
    for start in range(0, len(files), batch):
        opened = [_temporary(folder, data) for data in files[start : start + batch]]
        if how == "syncfs":
            _LIBC.syncfs(folder)
        elif how == "fsync":
            for fd, _ in opened:
                os.fsync(fd)
        for number, (fd, name) in enumerate(opened, start):
            os.replace(name, f"{number}.ics", src_dir_fd=folder, dst_dir_fd=folder)
            os.close(fd)
    os.fsync(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, help="an empty folder on the file system to measure")
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    files = [os.urandom(1500).hex().encode() for _ in range(args.files)]
    ways: dict[str, Callable[[int], None]] = {
        how: (lambda folder, how=how: _write(folder, files, how))  # type: ignore[misc]
        for how in ("none", "syncfs", "fsync")
    }
    for how, write in ways.items():
        path = args.folder / how
        path.mkdir(parents=True)
        folder = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        start = time.perf_counter()
        write(folder)
        print(f"{how}: {time.perf_counter() - start:.2f} s for {args.files:,} files", flush=True)
        os.close(folder)
        shutil.rmtree(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
