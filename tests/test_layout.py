"""The shape of the package: imports point one way, and each outside library has one home.

The layers are those of the README's module map (Development). A new module gets a layer here,
which is the moment to decide what it may import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "confcal"

#: Each module's layer: it imports only from lower layers (or, inside a package, as noted).
LAYERS = {
    "confcal.errors": 0,
    "confcal._version": 0,
    "confcal._choices": 0,
    "confcal._identity": 0,
    "confcal._tzif": 1,
    "confcal._folder": 1,
    "confcal._background": 1,
    "confcal.zones": 2,
    "confcal._manifest": 2,
    "confcal._tree": 3,
    "confcal._fields": 3,
    "confcal._vtimezone": 3,
    "confcal.model": 4,
    "confcal._serialize": 5,
    "confcal.ical": 6,
    "confcal.changes": 5,
    "confcal.history": 6,
    "confcal.listing": 6,
    "confcal.files": 7,
    "confcal.readers._json": 6,
    "confcal.readers._common": 7,
    "confcal.readers._events_fields": 8,
    "confcal.readers._frab_ids": 7,
    "confcal.readers._ics_times": 8,
    "confcal.readers._ics_recurrence": 9,
    "confcal.readers._html": 7,
    "confcal.readers._frab_parsed": 8,
    "confcal.readers._frab_times": 9,
    "confcal.readers._frab_text": 9,
    "confcal.readers._repairs": 8,
    "confcal.readers._frab_offsets": 10,
    "confcal.readers._frab_map": 11,
    "confcal.readers.events_json": 12,
    "confcal.readers.frab_json": 12,
    "confcal.readers.frab_xml": 12,
    "confcal.readers.ics": 12,
    "confcal.readers": 13,
    "confcal.site.links": 8,
    "confcal.site._page": 9,
    "confcal.site._data": 10,
    "confcal.site._card": 10,
    "confcal.site": 11,
    "confcal": 14,
    "confcal.cli": 15,
    "confcal.__main__": 16,
}
#: The readers of each format: peers behind ``confcal.readers``, never importing one another.
READERS = {
    "confcal.readers.events_json",
    "confcal.readers.frab_json",
    "confcal.readers.frab_xml",
    "confcal.readers.ics",
}


def _group(package: str) -> frozenset[str]:
    return frozenset(m for m in LAYERS if m == package or m.startswith(f"{package}."))


#: The jobs above the model, each a group of modules. The layers order them in one line; these
#: say which arrows between them may never exist, whatever the layers would allow.
READING = _group("confcal.readers")
WRITING = frozenset(
    {
        "confcal.files",
        "confcal._folder",
        "confcal._manifest",
        "confcal._tree",
        "confcal._background",
    }
)
PAGE = _group("confcal.site")
LISTING = frozenset({"confcal.listing"})
CALENDAR = frozenset({"confcal.ical", "confcal._serialize"})
#: What each group never imports: the readers only parse (never write, list or serialize), the
#: writers take a schedule from anyone (never read or render a page), the page publishes
#: calendars (files, ical) but never reads a programme.
FORBIDDEN = {
    "readers": (READING, WRITING | PAGE | LISTING | CALENDAR),
    "files": (WRITING, READING | PAGE | LISTING),
    "site": (PAGE, READING | LISTING),
}
#: The listing is the programme as a table: the model and its times, nothing else of confcal.
LISTING_IMPORTS = frozenset({"confcal.model", "confcal.zones", "confcal.errors"})
#: Outside libraries that one place alone may use.
HOMES = {
    "click": {"confcal.cli"},
    "jinja2": {"confcal.site"},
    "defusedxml": {"confcal.readers.frab_xml"},
    "recurring_ical_events": {"confcal.readers._ics_recurrence"},
    "inscriptis": {"confcal.readers._html"},
    "lxml": {"confcal.readers._html"},
    "fcntl": {"confcal._folder"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (a lazy import is still an arrow)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from confcal import zones` imports the module confcal.zones, not the package's API.
            submodules = {f"{module}.{a.name}" for a in node.names}
            found |= submodules if submodules <= LAYERS.keys() else {module}
    return found


MODULES = {_module_name(path): _imports(path) for path in sorted(SOURCE.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    assert set(MODULES) == set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_from_layers_below_it(module: str) -> None:
    upward = {
        target
        for target in MODULES[module]
        if target in LAYERS and target != module and LAYERS[target] >= LAYERS[module]
    }
    assert not upward, f"{module} (layer {LAYERS[module]}) imports {sorted(upward)}"


def test_the_readers_of_each_format_never_import_one_another() -> None:
    for reader in READERS:
        assert not MODULES[reader] & (READERS - {reader}), reader


@pytest.mark.parametrize("library", sorted(HOMES))
def test_an_outside_library_is_used_in_its_one_home(library: str) -> None:
    users = {
        m for m, imports in MODULES.items() if any(i.split(".")[0] == library for i in imports)
    }
    assert users == HOMES[library]


def test_the_model_never_imports_serialization() -> None:
    assert not {"icalendar", "confcal.ical", "confcal._serialize"} & MODULES["confcal.model"]


@pytest.mark.parametrize("group", sorted(FORBIDDEN))
def test_a_group_never_imports_what_its_job_has_no_use_for(group: str) -> None:
    members, forbidden = FORBIDDEN[group]
    arrows = {(m, t) for m in members for t in MODULES[m] & forbidden}
    assert not arrows, sorted(arrows)


def test_the_listing_imports_only_the_model_its_zones_and_errors() -> None:
    ours = {t for t in MODULES["confcal.listing"] if t.split(".")[0] == "confcal"}
    assert ours <= LISTING_IMPORTS


def test_the_groups_name_existing_modules() -> None:
    for members in (READING, WRITING, PAGE, LISTING, CALENDAR, LISTING_IMPORTS):
        assert members <= LAYERS.keys()
