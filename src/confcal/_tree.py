"""Writing a tree of files into a folder in the crash-safe order of its manifests.

Each folder's manifest (:mod:`confcal._manifest`) first lists the old and the new files, then the
files are written and the old ones removed, then each manifest lists what is there: a crash at
any point leaves every file confcal made listed. Every plan is checked before anything is written
or created, so a refused run writes nothing. The folder's lock is held by the caller for all of
it.

The files of a tree may be known by name before their bytes are: the site's pages, rendered while
its calendars are written (:func:`~confcal._background.in_background`). Every check is still made
before anything is written: a file in the way is refused by its name alone, and the one check
that needs the bytes (a file confcal did not list, holding what it would write) has them
rendered first.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from . import _manifest
from ._background import can_fork, in_background
from ._folder import Folder
from ._manifest import (
    MANIFEST,
    existing_folder,
    fingerprint,
    listing,
    prunable,
    read_manifest,
)
from .errors import OutputError, shown, shown_path

__all__ = ["BACKGROUND_FROM", "Digests", "Rendering", "Tree", "render_here", "write_tree"]

#: The fewest files at hand written in the background while the others render: forking costs
#: some milliseconds, writing 1,000 files some hundred.
BACKGROUND_FROM = 1000

#: ``{sub-folder ("" for the folder itself): {file name: bytes}}``: what a run writes.
Tree = Mapping[str, Mapping[str, bytes]]
#: The same with each file's SHA-256 digest for its bytes.
Digests = Mapping[str, Mapping[str, bytes]]


class Rendering(NamedTuple):
    """How the files a tree names without their bytes (``None``) are made. Each function
    returns a :data:`Tree` of its own files, exactly those, none named twice:

    - ``background``: in a child process where the system allows (with 2 processors, on Linux:
      :func:`~confcal._background.can_fork`), which then writes them and the files at hand,
    - while ``foreground`` makes its own here, which this process writes;
    - ``last``, given the SHA-256 digests of every other file, once those are written: the last
      folder's last files (the site's service worker, whose version covers every other file).

    Where no child can be forked (or for a small tree), everything is rendered first, in that
    order, then written.
    """

    background: Callable[[], Tree]
    foreground: Callable[[], Tree]
    last: Callable[[Digests], Tree]


class _Plan:
    """What one run does in one folder, worked out (and checked) before anything is written."""

    def __init__(
        self,
        folder: Folder,
        files: Mapping[str, bytes | None],
        prune: bool,
        inputs: set[tuple[int, int]],
        folders: Collection[str] = (),
    ) -> None:
        self.folder = folder
        self.files = dict(files)  # None: rendered later (fill)
        self.folders = set(folders)  # sub-folders of this run (the site's days/ and sessions/)
        self.previous, self.previous_folders, _ = read_manifest(folder)
        #: Files in the way whose check waits for the bytes to be rendered (check_rendered).
        self.compare: list[str] = []
        for name, data in files.items():
            self._check_replaceable(name, data, inputs)
        gone = self.previous - set(files)
        self.remove: list[str] = []
        self.kept: set[str] = set()
        self.kept_folders: set[str] = set()
        if prune:
            self.remove = sorted(
                n for n in gone if prunable(n) and self._check_removable(n, inputs)
            )
        else:
            self.kept = {n for n in gone if self._is(n, stat.S_ISREG)}
            self.kept_folders = {
                n for n in self.previous_folders - self.folders if self._is(n, stat.S_ISDIR)
            }
        #: Sub-folders an earlier run listed and this one does not write (see write_tree).
        self.gone: list[_Plan] = []
        self.union = listing(self.previous | set(files), self.previous_folders | self.folders)
        if len(self.union) > _manifest.MANIFEST_LIMIT:
            raise self._too_many()

    def _too_many(self) -> OutputError:
        """Why the list of this run's and earlier runs' files would pass the limit."""
        limit = f"{_manifest.MANIFEST_LIMIT >> 20} MiB"
        if len(listing(self.files, self.folders)) > _manifest.MANIFEST_LIMIT:
            return OutputError(
                f"{shown_path(self.folder.path)}: {len(self.files)} files are more than confcal "
                f"can list in its {MANIFEST} (at most {limit})"
            )
        earlier = len(self.previous - set(self.files)) + len(self.previous_folders - self.folders)
        return OutputError(
            f"{shown_path(self.folder.path / MANIFEST)}: would pass {limit} with the {earlier} "
            "names earlier runs wrote there and this one does not; remove the calendars it lists "
            "and the list, then run again"
        )

    def final(self, stamp: str = "") -> bytes:
        """What the manifest lists once the run is done; with ``stamp``, the build line too."""
        left = {plan.folder.path.name for plan in self.gone if self._is_there(plan.folder)}
        names, folders = set(self.files) | self.kept, self.folders | self.kept_folders | left
        if not stamp:
            return listing(names, folders)
        return listing(names, folders, f"{stamp} {fingerprint(self.folder, names, folders)}")

    def _is_there(self, sub: Folder) -> bool:
        return self._is(sub.path.name, stat.S_ISDIR)

    def _is(self, name: str, kind: Callable[[int], bool]) -> bool:
        status = self.folder.lstat(name)
        return status is not None and kind(status.st_mode)

    def awaited(self) -> list[str]:
        """The files named without their bytes, not yet rendered."""
        return [name for name, data in self.files.items() if data is None]

    def fill(self, files: Mapping[str, bytes]) -> None:
        """Give files named without their bytes (``None``) their bytes, now rendered."""
        unplanned = set(files) - set(self.awaited())
        if unplanned:  # never checked, so never to be written
            raise AssertionError(f"{self.folder.path}: rendered {sorted(unplanned)[:3]} unplanned")
        self.files.update(files)

    def ready(self) -> dict[str, bytes]:
        """The files whose bytes are at hand."""
        return {name: data for name, data in self.files.items() if data is not None}

    def _check_replaceable(
        self, name: str, data: bytes | None, inputs: set[tuple[int, int]]
    ) -> None:
        """Whether ``name`` may be written: nothing there, a file confcal wrote, or one holding
        what it would write (``data``; ``None``: compared once rendered, :meth:`check_rendered`);
        an error (before anything is written) otherwise."""
        status = self.folder.lstat(name)
        if status is None:
            return
        path = shown_path(self.folder.path / name)
        if stat.S_ISDIR(status.st_mode):
            raise OutputError(f"{path}: is a folder; confcal will not replace it")
        if (status.st_dev, status.st_ino) in inputs:
            raise OutputError(f"{path}: is the input file; write the output to another folder")
        if name in self.previous:
            return
        if data is None and stat.S_ISREG(status.st_mode):
            self.compare.append(name)
            return
        self._check_same(name, data, status)

    def check_rendered(self) -> None:
        """The checks that waited for the bytes of files in the way (:attr:`compare`)."""
        for name in self.compare:
            self._check_same(name, self.files[name], self.folder.lstat(name))

    def _check_same(self, name: str, data: bytes | None, status: os.stat_result | None) -> None:
        """Refuse the file confcal did not write at ``name`` unless it holds ``data``."""
        if status is None:
            return  # gone since
        if (
            data is not None
            and stat.S_ISREG(status.st_mode)
            and status.st_size == len(data)
            and self.folder.read(name) == data
        ):
            return  # the same bytes: confcal's from now on, listed below
        raise OutputError(
            f"{shown_path(self.folder.path / name)}: exists and confcal did not write it (it is "
            f"not in {MANIFEST}); move it away, or remove it"
        )

    def _check_removable(self, name: str, inputs: set[tuple[int, int]]) -> bool:
        """Whether the listed ``name`` is there to remove; an error if it is not confcal's."""
        status = self.folder.lstat(name)
        if status is None:
            return False
        if stat.S_ISDIR(status.st_mode):
            raise OutputError(
                f"{shown_path(self.folder.path / MANIFEST)}: lists {shown(name)}, which is a "
                "folder, not a file confcal wrote: move the folder away or remove the line"
            )
        if (status.st_dev, status.st_ino) in inputs:
            raise OutputError(
                f"{shown_path(self.folder.path / name)}: is the input file, and listed in "
                f"{MANIFEST} as a calendar confcal wrote: move the input elsewhere"
            )
        return True


def write_tree(  # noqa: PLR0913 - keyword-only options, each with a default
    top: Folder,
    tree: Mapping[str, Mapping[str, bytes | None]],
    *,
    prune: bool,
    inputs: set[tuple[int, int]],
    stamp: str = "",
    progress: Callable[[int, int], None] | None = None,
    rendering: Rendering | None = None,
) -> list[Path]:
    """Write ``{sub-folder ("" for top itself): {file name: bytes}}``, whose names are checked
    (:func:`safe_name`, :func:`safe_folder`), into ``top``, whose lock the caller holds; returns
    the files whose content changed. ``inputs``: device and inode of the files never to replace.

    Every plan is checked before anything is written or created. A sub-folder an earlier run
    listed in ``top``'s manifest and this one does not write (``site``, then ``--split event``
    into the same folder) loses the files its own manifest lists, then the manifest, then the
    folder itself if nothing else is left in it.

    ``rendering`` makes the files ``tree`` names with ``None`` for bytes (:class:`Rendering`).
    """
    subs = [sub for sub in tree if sub]
    opened: list[Folder] = []
    try:
        existing: dict[str, Folder | None] = {}
        for sub in subs:
            existing[sub] = found = top.sub(sub, create=False)
            if found is not None:
                opened.append(found)
        plans = {
            sub: _Plan(folder, tree[sub], prune, inputs)
            for sub, folder in existing.items()
            if folder is not None
        }
        top_plan = _Plan(top, tree.get("", {}), prune, inputs, folders=subs)
        if prune:
            top_plan.gone = _gone(top_plan, subs, inputs, opened)
        if rendering is not None and any(plan.compare for plan in [*plans.values(), top_plan]):
            # A file in the way is compared with what would replace it before anything is
            # written or created: everything is rendered first.
            tree = _render_into(rendering, tree, {**plans, "": top_plan})
            for plan in [*plans.values(), top_plan]:
                plan.check_rendered()
            rendering = None
        # Created only now that every plan is checked: a refused run creates nothing.
        for sub in subs:
            if existing[sub] is None:
                created = top.sub(sub)
                assert created is not None
                opened.append(created)
                plans[sub] = _Plan(created, tree[sub], prune, inputs)
        ordered = {sub: plans[sub] if sub else top_plan for sub in tree}
        ordered.setdefault("", top_plan)  # last, if tree has no files of its own
        return _carry_out(ordered, stamp if prune else "", progress, rendering)
    finally:
        for folder in opened:
            folder.close()


def _gone(
    top: _Plan, subs: Collection[str], inputs: set[tuple[int, int]], opened: list[Folder]
) -> list[_Plan]:
    """The plans that empty the sub-folders ``top``'s manifest lists and this run does not
    write, each opened (into ``opened``, for the caller to close)."""
    plans = []
    for name in sorted(top.previous_folders - set(subs)):
        gone = existing_folder(top.folder, name)
        if gone is not None:
            opened.append(gone)
            plans.append(_Plan(gone, {}, True, inputs))
    return plans


def render_here(
    rendering: Rendering, tree: Mapping[str, Mapping[str, bytes | None]]
) -> dict[str, dict[str, bytes]]:
    """``tree`` with every file rendered, in this process, in the order :class:`Rendering`
    says."""
    filled = {sub: dict(files) for sub, files in tree.items()}
    _merge(filled, rendering.background())
    _merge(filled, rendering.foreground())
    _merge(filled, rendering.last(_digests(filled)))
    unmade = [
        f"{sub}/{name}" for sub, files in filled.items() for name, d in files.items() if d is None
    ]
    if unmade:
        raise AssertionError(f"named but never rendered: {unmade[:3]}")
    return {
        sub: {name: d for name, d in files.items() if d is not None}
        for sub, files in filled.items()
    }


def _render_into(
    rendering: Rendering,
    tree: Mapping[str, Mapping[str, bytes | None]],
    plans: Mapping[str, _Plan],
) -> dict[str, dict[str, bytes]]:
    """:func:`render_here`, each of ``plans`` (by sub-folder) given its files' bytes."""
    rendered = render_here(rendering, tree)
    for sub, plan in plans.items():
        plan.fill({name: rendered[sub][name] for name in plan.awaited()})
    return rendered


def _merge(tree: dict[str, dict[str, bytes | None]], rendered: Tree) -> None:
    """Put the ``rendered`` files in ``tree``, where each was named without its bytes."""
    for sub, files in rendered.items():
        for name, data in files.items():
            if tree.get(sub, {}).get(name, b"") is not None:  # never planned, so never checked
                raise AssertionError(f"rendered {sub}/{name}, which was not named without bytes")
            tree[sub][name] = data


def _digests(tree: Mapping[str, Mapping[str, bytes | None]]) -> dict[str, dict[str, bytes]]:
    """The SHA-256 digest of each file of ``tree`` that has its bytes."""
    return {
        sub: {
            name: hashlib.sha256(data).digest() for name, data in files.items() if data is not None
        }
        for sub, files in tree.items()
    }


def _carry_out(
    plans: Mapping[str, _Plan],
    stamp: str,
    progress: Callable[[int, int], None] | None = None,
    rendering: Rendering | None = None,
) -> list[Path]:
    """Carry out the plans (by sub-folder, in the order written, ``""`` last) in the crash-safe
    order (see the module's docstring); ``progress`` is told ``(files written, files)``;
    ``rendering`` makes the files still without bytes."""
    every = list(plans.values())
    top = plans[""]
    gone = [sub for plan in every for sub in plan.gone]
    for plan in [*every, *gone]:
        plan.folder.clean({*plan.files, *plan.previous, MANIFEST})
    if [plan.folder.write(MANIFEST, plan.union) for plan in every].count(True):
        for plan in every:
            plan.folder.sync()
    changed = _write_rendering(plans, rendering, progress)
    for plan in [*every, *gone]:
        for name in plan.remove:
            plan.folder.remove(name)
    for plan in every:
        _remove_gone(plan)
    for plan in [p for p in every if p is not top]:
        plan.folder.write(MANIFEST, plan.final())
    top.folder.write(MANIFEST, top.final(stamp))  # last: its build line covers the others' files
    if changed or any(plan.remove or plan.gone for plan in [*every, *gone]):
        for plan in every:
            plan.folder.sync()
    return changed


def _write_files(
    parts: Sequence[tuple[Folder, Mapping[str, bytes]]],
    progress: Callable[[int, int], None] | None,
    done: int = 0,
    total: int | None = None,
) -> list[Path]:
    """Write each folder's files, in batches (:meth:`~confcal._folder.Folder.write_many`); the
    ones whose content changed. ``progress`` is told ``(done + files written, total)``."""
    if total is None:
        total = done + sum(len(files) for _, files in parts)
    changed = []
    for folder, files in parts:
        tell = None if progress is None else _offset(progress, done, total)
        changed += [folder.path / name for name in folder.write_many(files, tell)]
        done += len(files)
    return changed


def _write_rendering(
    plans: Mapping[str, _Plan],
    rendering: Rendering | None,
    progress: Callable[[int, int], None] | None,
) -> list[Path]:
    """Write every plan's files, ``rendering`` making those without bytes: with
    :data:`BACKGROUND_FROM` files or more, where the system allows
    (:func:`~confcal._background.can_fork`), as :func:`_write_in_background` says; otherwise
    everything is rendered first, then written in the plans' order."""
    total = sum(len(plan.files) for plan in plans.values())
    if rendering is not None and (total < BACKGROUND_FROM or not can_fork()):
        _render_into(rendering, {sub: plan.files for sub, plan in plans.items()}, plans)
        rendering = None
    if rendering is None:
        return _write_files([(plan.folder, plan.ready()) for plan in plans.values()], progress)
    return _write_in_background(plans, rendering, progress)


def _write_in_background(
    plans: Mapping[str, _Plan],
    rendering: Rendering,
    progress: Callable[[int, int], None] | None,
) -> list[Path]:
    """A child process renders its files (:attr:`Rendering.background`) and writes them and
    those at hand, while this one renders its own (:attr:`Rendering.foreground`) and writes
    them; then, the child done, the last ones (:attr:`Rendering.last`) and the last folder's.
    The changed files are returned in the plans' order, as :func:`_write_files` would."""
    every = list(plans.items())
    *others, (last_sub, last) = every

    def child() -> tuple[list[Path], dict[str, dict[str, bytes]]]:
        rendered = {sub: dict(plan.files) for sub, plan in every}
        _merge(rendered, rendering.background())
        mine = {
            sub: {n: d for n, d in files.items() if d is not None}
            for sub, files in rendered.items()
        }
        written = _write_files([(plan.folder, mine[sub]) for sub, plan in every], None)
        return written, _digests(mine)

    with in_background(child) as background:
        here = rendering.foreground()
        for sub, files in here.items():
            plans[sub].fill(files)
        total = sum(len(plan.files) for plan in plans.values())
        parts = [(plan.folder, here.get(sub, {})) for sub, plan in others]
        changed = set(_write_files(parts, progress, 0, total))
        written, digests = background()
    changed.update(written)
    for sub, files in _digests(here).items():
        digests.setdefault(sub, {}).update(files)
    final = rendering.last(digests)
    if final.keys() - {last_sub}:
        raise AssertionError(f"the last files are the last folder's, not in {sorted(final)}")
    last.fill(final.get(last_sub, {}))
    unmade = [n for sub, plan in every for n in plan.awaited() if n not in digests.get(sub, {})]
    if unmade:  # before the front page: the site is not published without them
        raise AssertionError(f"named but never rendered: {unmade[:3]}")
    ours = {*here.get(last_sub, {}), *final.get(last_sub, {})}
    done = total - len(ours)
    rest = {name: data for name, data in last.ready().items() if name in ours}  # its order
    changed.update(_write_files([(last.folder, rest)], progress, done, total))
    paths = (plan.folder.path / name for plan in plans.values() for name in plan.files)
    return [path for path in paths if path in changed]


def _offset(progress: Callable[[int, int], None], base: int, total: int) -> Callable[[int], None]:
    return lambda done: progress(base + done, total)


def _remove_gone(plan: _Plan) -> None:
    """Remove the manifest of each sub-folder of ``plan`` whose files are gone, then the folder
    itself if nothing else is left in it."""
    for sub in plan.gone:
        sub.folder.remove(MANIFEST)
        sub.folder.sync()
        plan.folder.remove_folder(sub.folder.path.name)
