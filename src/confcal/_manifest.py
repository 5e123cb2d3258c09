"""Which files in a folder are confcal's, and the crash-safe order of writing a tree of them.

confcal removes, on a rebuild, the calendars it wrote before and no longer makes (a session
dropped from the programme), and nothing else: only the files listed in the folder's
:data:`MANIFEST`. So that a crash at any point leaves every file confcal made listed, each
manifest first lists the old and the new files, then the files are written and the old ones
removed, then each manifest lists what is there (:func:`write_tree`). The folder's lock is held
by the caller for all of it.
"""

from __future__ import annotations

import stat
from collections.abc import Collection, Mapping
from pathlib import Path

from ._folder import LOCK, TEMPORARY_PREFIX, Folder
from .errors import OutputError, shown

__all__ = ["MANIFEST", "safe_name", "write_tree"]

#: Lists the files confcal wrote into a folder, so a rebuild removes those it no longer makes.
MANIFEST = ".confcal-files"
_RESERVED = (MANIFEST, LOCK)


def safe_name(name: str) -> bool:
    """Whether ``name`` is a file in the folder itself, and not one of confcal's own."""
    return (
        name not in {"", ".", ".."}
        and Path(name).name == name
        and "\\" not in name
        and "\0" not in name
        and name not in _RESERVED
        and not name.startswith(TEMPORARY_PREFIX)
    )


def _prunable(name: str) -> bool:
    """Whether a manifest line may name a file to remove: a calendar, in the folder itself."""
    return safe_name(name) and name.endswith(".ics") and not name.startswith(".")


def _listing(names: Collection[str]) -> bytes:
    return "".join(f"{name}\n" for name in sorted(names)).encode("utf-8")


class _Plan:
    """What one run does in one folder, worked out (and checked) before anything is written."""

    def __init__(
        self, folder: Folder, files: Mapping[str, bytes], prune: bool, inputs: set[tuple[int, int]]
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
        data = self.folder.read_own(MANIFEST, "the list confcal wrote")
        if data is None:
            return set()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise OutputError(
                f"{self.folder.path / MANIFEST}: is not UTF-8, so not the list confcal wrote; "
                "check the folder's calendars and remove it (confcal then no longer removes the "
                "files it listed)"
            ) from None
        return {name for name in text.split("\n") if safe_name(name)}

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


def write_tree(
    top: Folder,
    tree: Mapping[str, Mapping[str, bytes]],
    *,
    prune: bool,
    inputs: set[tuple[int, int]],
) -> list[Path]:
    """Write ``{sub-folder ("" for top itself): {file name: bytes}}``, whose names are checked
    (:func:`safe_name`), into ``top``, whose lock the caller holds; returns the files whose
    content changed. ``inputs``: device and inode of the files never to replace."""
    opened: list[Folder] = []
    try:
        folders = {}
        for sub in tree:
            if sub:
                folders[sub] = top.sub(sub)
                opened.append(folders[sub])
            else:
                folders[sub] = top
        return _carry_out(
            [_Plan(folders[sub], files, prune, inputs) for sub, files in tree.items()]
        )
    finally:
        for folder in opened:
            folder.close()


def _carry_out(plans: list[_Plan]) -> list[Path]:
    """Carry out the plans in the crash-safe order (see the module's docstring)."""
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
