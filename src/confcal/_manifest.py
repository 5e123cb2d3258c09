"""Which files in a folder are confcal's, and the crash-safe order of writing a tree of them.

confcal removes, on a rebuild, the files it wrote before and no longer makes (a session dropped
from the programme, the site's page when a split takes its folder), and nothing else: only the
files listed in the folder's :data:`MANIFEST`. It replaces only those too: a file already where
confcal writes one, but not listed, is someone else's and refused, unless it holds exactly what
confcal would write (then it is listed from now on). So that a crash at any point leaves every
file confcal made listed, each manifest first lists the old and the new files, then the files are
written and the old ones removed, then each manifest lists what is there (:func:`write_tree`).
The folder's lock is held by the caller for all of it.

The files of a tree may be known by name before their bytes are: the site's pages, rendered while
its calendars are written (:func:`~confcal._background.in_background`). Every check is still made
before anything is written: a file in the way is refused by its name alone, and the one check
that needs the bytes (a file confcal did not list, holding what it would write) has them
rendered first.

A manifest is UTF-8 text, one name a line: a file in the folder, or a sub-folder of the site
(``days/``, with its own manifest). Anything else (a NUL byte, a name that leaves the folder,
more than :data:`MANIFEST_LIMIT` bytes) is not a list confcal wrote, and an error.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from ._background import can_fork, in_background
from ._folder import LOCK, TEMPORARY_PREFIX, Folder, TooLarge
from .errors import OutputError, shown, shown_path

__all__ = [
    "MANIFEST",
    "MANIFEST_LIMIT",
    "Tree",
    "safe_folder",
    "safe_name",
    "up_to_date",
    "write_tree",
]

#: The fewest files at hand written in the background while the others render: forking costs
#: some milliseconds, writing 1,000 files some hundred.
BACKGROUND_FROM = 1000

#: ``{sub-folder ("" for the folder itself): {file name: bytes}}``: what a run writes.
Tree = Mapping[str, Mapping[str, bytes]]

#: Lists the files confcal wrote into a folder, so a rebuild removes those it no longer makes.
MANIFEST = ".confcal-files"
#: The largest manifest confcal reads or writes, 16 MiB: 100,000 sessions with ids of 20
#: characters take 2.5 MB, with ids of 150 characters 15.5 MB.
MANIFEST_LIMIT = 16 << 20
#: The longest name of a file, in bytes (``NAME_MAX`` on Linux, and the BSDs and macOS).
_NAME_MAX = 255
#: The one file confcal writes that is not a calendar: the site's page (``confcal.site`` names it
#: too). Fixed here, not passed in by the writer of the day, because a prune must recognise the
#: files of an earlier run by any command: ``export --split`` into a folder that held a site
#: removes the page it no longer makes, though ``export`` knows nothing of pages (and this module
#: is below ``files`` and ``site``, which it may not import).
_PAGE = "index.html"
_RESERVED = (MANIFEST, LOCK)
#: Begins the manifest's line saying what the folder was built from: ``/build STAMP FINGERPRINT``
#: (a name that begins with ``/`` is no file's). STAMP stands for the input and the options (the
#: caller's); FINGERPRINT for each listed file's size, modification time and inode once written.
#: Equal both, and the folder holds what the same build would write (:func:`up_to_date`).
_BUILD = "/build "


def safe_name(name: str) -> bool:
    """Whether ``name`` is a file in the folder itself, and not one of confcal's own: also not
    longer than a file's name may be (:data:`_NAME_MAX` bytes), which no system would take."""
    return (
        name not in {"", ".", ".."}
        and len(name.encode("utf-8", "surrogatepass")) <= _NAME_MAX
        and "/" not in name  # nothing but a name: no folder in it
        and "\\" not in name
        and "\0" not in name
        and name not in _RESERVED
        and not name.startswith(TEMPORARY_PREFIX)
    )


def safe_folder(name: str) -> bool:
    """Whether ``name`` may be a sub-folder confcal writes (``days``, ``sessions``)."""
    return safe_name(name) and not name.startswith(".")


#: The kinds of file the site writes besides calendars: its pages, script and data.
_SITE_SUFFIXES = (".ics", ".html", ".js", ".json")


def _prunable(name: str) -> bool:
    """Whether a listed name may be removed: a calendar or a file of the site, in the folder
    itself (a track's page, a day's data, when the track or day is gone)."""
    return (
        safe_name(name)
        and (name.endswith(_SITE_SUFFIXES) or name == _PAGE)
        and not name.startswith(".")
    )


def _listing(names: Collection[str], folders: Collection[str] = (), build: str = "") -> bytes:
    lines = sorted(names) + sorted(f"{name}/" for name in folders)
    if build:
        lines.append(_BUILD + build)
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _not_the_list(folder: Folder, why: str) -> OutputError:
    return OutputError(
        f"{shown_path(folder.path / MANIFEST)}: {why}, so not the list confcal wrote; check the "
        "folder, remove the files confcal wrote there and this list, and run again"
    )


def _read_manifest(folder: Folder) -> tuple[set[str], set[str], str]:
    """The files and the sub-folders ``folder``'s manifest lists, and its build line (``""``
    for none); an error if it is not one."""
    text = _manifest_text(folder)
    names: set[str] = set()
    folders: set[str] = set()
    lines = text.split("\n")
    build = next((line[len(_BUILD) :] for line in lines if line.startswith(_BUILD)), "")
    for line in lines:
        if line.startswith(_BUILD):
            continue
        if line.endswith("/") and safe_folder(line[:-1]):
            folders.add(line[:-1])
        elif safe_name(line):
            names.add(line)
        elif line:
            raise _not_the_list(folder, f"lists {shown(line)}, a name confcal never writes")
    return names, folders, build


def _manifest_text(folder: Folder) -> str:
    """The text of ``folder``'s manifest (``""`` for none); an error if it is not one."""
    try:
        data = folder.read_own(MANIFEST, "the list confcal wrote", MANIFEST_LIMIT)
    except TooLarge:
        raise _not_the_list(folder, f"is larger than {MANIFEST_LIMIT >> 20} MiB") from None
    if data is None:
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_the_list(folder, "is not UTF-8") from None
    if "\0" in text:
        raise _not_the_list(folder, "holds NUL bytes")
    if "\r" in text:
        raise _not_the_list(folder, "has CR LF line ends (edited on Windows?)")
    return text


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
        self.previous, self.previous_folders, _ = _read_manifest(folder)
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
                n for n in gone if _prunable(n) and self._check_removable(n, inputs)
            )
        else:
            self.kept = {n for n in gone if self._is(n, stat.S_ISREG)}
            self.kept_folders = {
                n for n in self.previous_folders - self.folders if self._is(n, stat.S_ISDIR)
            }
        #: Sub-folders an earlier run listed and this one does not write (see write_tree).
        self.gone: list[_Plan] = []
        self.union = _listing(self.previous | set(files), self.previous_folders | self.folders)
        if len(self.union) > MANIFEST_LIMIT:
            raise self._too_many()

    def _too_many(self) -> OutputError:
        """Why the list of this run's and earlier runs' files would pass the limit."""
        limit = f"{MANIFEST_LIMIT >> 20} MiB"
        if len(_listing(self.files, self.folders)) > MANIFEST_LIMIT:
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
            return _listing(names, folders)
        return _listing(names, folders, f"{stamp} {_fingerprint(self.folder, names, folders)}")

    def _is_there(self, sub: Folder) -> bool:
        return self._is(sub.path.name, stat.S_ISDIR)

    def _is(self, name: str, kind: Callable[[int], bool]) -> bool:
        status = self.folder.lstat(name)
        return status is not None and kind(status.st_mode)

    def fill(self, files: Mapping[str, bytes]) -> None:
        """Give the files named without their bytes (``None``) their bytes, now rendered."""
        awaited = {name for name, data in self.files.items() if data is None}
        if set(files) != awaited:  # a file not planned would be written unchecked
            raise AssertionError(
                f"{self.folder.path}: rendered {sorted(set(files) ^ awaited)[:3]}..., not as named"
            )
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


def _existing_folder(top: Folder, name: str) -> Folder | None:
    """The listed sub-folder ``name`` of ``top`` if it is (still) a folder, not a link."""
    status = top.lstat(name)
    if status is None or not stat.S_ISDIR(status.st_mode):
        return None  # gone, or replaced by something that is not confcal's: left alone
    return top.sub(name, create=False)


def write_tree(  # noqa: PLR0913 - keyword-only options, each with a default
    top: Folder,
    tree: Mapping[str, Mapping[str, bytes | None]],
    *,
    prune: bool,
    inputs: set[tuple[int, int]],
    stamp: str = "",
    progress: Callable[[int, int], None] | None = None,
    later: Callable[[], Tree] | None = None,
) -> list[Path]:
    """Write ``{sub-folder ("" for top itself): {file name: bytes}}``, whose names are checked
    (:func:`safe_name`, :func:`safe_folder`), into ``top``, whose lock the caller holds; returns
    the files whose content changed. ``inputs``: device and inode of the files never to replace.

    Every plan is checked before anything is written or created. A sub-folder an earlier run
    listed in ``top``'s manifest and this one does not write (``site``, then ``--split event``
    into the same folder) loses the files its own manifest lists, then the manifest, then the
    folder itself if nothing else is left in it.

    ``later`` renders the files ``tree`` names with ``None`` for bytes, exactly those, while the
    others are written (:func:`_write_while_rendering`).
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
        if later is not None and any(plan.compare for plan in [*plans.values(), top_plan]):
            tree = _render_now(later, tree, plans, top_plan)
            later = None
        # Created only now that every plan is checked: a refused run creates nothing.
        for sub in subs:
            if existing[sub] is None:
                created = top.sub(sub)
                assert created is not None
                opened.append(created)
                plans[sub] = _Plan(created, tree[sub], prune, inputs)
        ordered = [plans[sub] if sub else top_plan for sub in tree]
        if "" not in tree:
            ordered.append(top_plan)
        render = None if later is None else _renderer(later, plans, top_plan)
        return _carry_out(ordered, top_plan, stamp if prune else "", progress, render)
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
        gone = _existing_folder(top.folder, name)
        if gone is not None:
            opened.append(gone)
            plans.append(_Plan(gone, {}, True, inputs))
    return plans


def _renderer(
    later: Callable[[], Tree], plans: Mapping[str, _Plan], top: _Plan
) -> Callable[[], None]:
    """What renders the files named without their bytes, into their plans."""

    def render() -> None:
        for sub, files in later().items():
            (plans[sub] if sub else top).fill(files)

    return render


def _render_now(
    later: Callable[[], Tree],
    tree: Mapping[str, Mapping[str, bytes | None]],
    plans: Mapping[str, _Plan],
    top: _Plan,
) -> dict[str, dict[str, bytes | None]]:
    """Render the files named without their bytes before anything is written or created, for a
    file in the way to be compared with what would replace it; ``tree`` with their bytes."""
    rendered = later()
    for sub, plan in [*plans.items(), ("", top)]:
        plan.fill(rendered.get(sub, {}))
        plan.check_rendered()
    return {sub: {**files, **rendered.get(sub, {})} for sub, files in tree.items()}


def _carry_out(
    plans: list[_Plan],
    top: _Plan,
    stamp: str,
    progress: Callable[[int, int], None] | None = None,
    render: Callable[[], None] | None = None,
) -> list[Path]:
    """Carry out the plans in the crash-safe order (see the module's docstring); ``progress``
    is told ``(files written, files)``; ``render`` first renders the files still without bytes."""
    gone = [sub for plan in plans for sub in plan.gone]
    for plan in [*plans, *gone]:
        plan.folder.clean({*plan.files, *plan.previous, MANIFEST})
    if [plan.folder.write(MANIFEST, plan.union) for plan in plans].count(True):
        for plan in plans:
            plan.folder.sync()
    changed = _write_while_rendering(plans, render, progress)
    for plan in [*plans, *gone]:
        for name in plan.remove:
            plan.folder.remove(name)
    for plan in plans:
        _remove_gone(plan)
    for plan in [p for p in plans if p is not top]:
        plan.folder.write(MANIFEST, plan.final())
    top.folder.write(MANIFEST, top.final(stamp))  # last: its build line covers the others' files
    if changed or any(plan.remove or plan.gone for plan in [*plans, *gone]):
        for plan in plans:
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


def _write_while_rendering(
    plans: list[_Plan],
    render: Callable[[], None] | None,
    progress: Callable[[int, int], None] | None,
) -> list[Path]:
    """Write every plan's files; ``render`` (if any) first renders those without their bytes.

    With :data:`BACKGROUND_FROM` files at hand or more, where the system allows
    (:func:`~confcal._background.can_fork`), those are written by a child process while
    ``render`` runs, then the rendered ones, then the last plan's files, after every other (the
    site's own folder, its page last). Otherwise everything is rendered first. The changed
    files are returned in the plans' order either way."""
    *others, last = plans
    at_hand = [(plan.folder, plan.ready()) for plan in others]
    if render is not None and (
        sum(len(files) for _, files in at_hand) < BACKGROUND_FROM or not can_fork()
    ):
        render()
        render = None
    if render is None:
        return _write_files([(plan.folder, plan.ready()) for plan in plans], progress)
    with in_background(lambda: _write_files(at_hand, None)) as written:
        render()
        rendered = [
            (plan.folder, {n: data for n, data in plan.ready().items() if n not in ready})
            for plan, (_, ready) in zip(others, at_hand, strict=True)
        ]
        total = sum(len(plan.files) for plan in plans)
        changed = set(_write_files(rendered, progress, 0, total))
        changed.update(written())
    done = total - len(last.files)
    changed.update(_write_files([(last.folder, last.ready())], progress, done, total))
    paths = (plan.folder.path / name for plan in plans for name in plan.files)
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


def _fingerprint(top: Folder, names: Collection[str], folders: Collection[str]) -> str:
    """A digest of the size, modification time and inode of each file listed in ``top``
    (``names``) and in its sub-folders' manifests (``folders``): any file written, removed or
    replaced since changes it."""
    digest = hashlib.sha256()

    def add(folder: Folder, shown_as: str, listed: Collection[str]) -> None:
        for name in sorted(listed):
            status = folder.lstat(name)
            known = (
                (-1, 0, 0)
                if status is None
                else (status.st_size, status.st_mtime_ns, status.st_ino)
            )
            digest.update(f"{shown_as}{name}\0{known}\n".encode("utf-8", "surrogateescape"))

    add(top, "", names)
    for sub in sorted(folders):
        folder = _existing_folder(top, sub)
        if folder is None:
            digest.update(f"{sub}/ missing\n".encode("utf-8", "surrogateescape"))
            continue
        try:
            add(folder, f"{sub}/", _read_manifest(folder)[0])
        finally:
            folder.close()
    return digest.hexdigest()


def up_to_date(top: Folder, stamps: Collection[str]) -> bool:
    """Whether ``top`` (whose lock the caller holds) holds what a build with one of ``stamps``
    wrote, untouched since: nothing then needs to be rendered or written."""
    names, folders, build = _read_manifest(top)
    stamp, _, fingerprint = build.rpartition(" ")
    return bool(stamp) and stamp in stamps and fingerprint == _fingerprint(top, names, folders)
