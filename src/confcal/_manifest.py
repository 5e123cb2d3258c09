"""Which files in a folder are confcal's: the folder's list of them, and what it may hold.

confcal removes, on a rebuild, the files it wrote before and no longer makes (a session dropped
from the programme, the site's page when a split takes its folder), and nothing else: only the
files listed in the folder's :data:`MANIFEST`. It replaces only those too: a file already where
confcal writes one, but not listed, is someone else's and refused, unless it holds exactly what
confcal would write (then it is listed from now on). So that a crash at any point leaves every
file confcal made listed, each manifest first lists the old and the new files, then the files are
written and the old ones removed, then each manifest lists what is there (:mod:`confcal._tree`
writes in that order).

A manifest is UTF-8 text, one name a line: a file in the folder, or a sub-folder of the site
(``days/``, with its own manifest). Anything else (a NUL byte, a name that leaves the folder,
more than :data:`MANIFEST_LIMIT` bytes) is not a list confcal wrote, and an error.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Collection

from ._folder import LOCK, TEMPORARY_PREFIX, Folder, TooLarge
from .errors import OutputError, shown, shown_path

__all__ = [
    "MANIFEST",
    "MANIFEST_LIMIT",
    "existing_folder",
    "fingerprint",
    "listing",
    "prunable",
    "read_manifest",
    "safe_folder",
    "safe_name",
    "up_to_date",
]

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


def prunable(name: str) -> bool:
    """Whether a listed name may be removed: a calendar or a file of the site, in the folder
    itself (a track's page, a day's data, when the track or day is gone)."""
    return (
        safe_name(name)
        and (name.endswith(_SITE_SUFFIXES) or name == _PAGE)
        and not name.startswith(".")
    )


def listing(names: Collection[str], folders: Collection[str] = (), build: str = "") -> bytes:
    lines = sorted(names) + sorted(f"{name}/" for name in folders)
    if build:
        lines.append(_BUILD + build)
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _not_the_list(folder: Folder, why: str) -> OutputError:
    return OutputError(
        f"{shown_path(folder.path / MANIFEST)}: {why}, so not the list confcal wrote; check the "
        "folder, remove the files confcal wrote there and this list, and run again"
    )


def read_manifest(folder: Folder) -> tuple[set[str], set[str], str]:
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


def existing_folder(top: Folder, name: str) -> Folder | None:
    """The listed sub-folder ``name`` of ``top`` if it is (still) a folder, not a link."""
    status = top.lstat(name)
    if status is None or not stat.S_ISDIR(status.st_mode):
        return None  # gone, or replaced by something that is not confcal's: left alone
    return top.sub(name, create=False)


def fingerprint(top: Folder, names: Collection[str], folders: Collection[str]) -> str:
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
        folder = existing_folder(top, sub)
        if folder is None:
            digest.update(f"{sub}/ missing\n".encode("utf-8", "surrogateescape"))
            continue
        try:
            add(folder, f"{sub}/", read_manifest(folder)[0])
        finally:
            folder.close()
    return digest.hexdigest()


def up_to_date(top: Folder, stamps: Collection[str]) -> bool:
    """Whether ``top`` (whose lock the caller holds) holds what a build with one of ``stamps``
    wrote, untouched since: nothing then needs to be rendered or written."""
    names, folders, build = read_manifest(top)
    stamp, _, recorded = build.rpartition(" ")
    return bool(stamp) and stamp in stamps and recorded == fingerprint(top, names, folders)
