"""A careless new user and a distribution packager at the package (issue 18): what they type and
what an index page shows them."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from confcal.cli import cli
from conftest import REPO


@pytest.mark.parametrize("name", ["some/dir/", ""])
def test_init_s_usage_errors_name_its_path_argument_not_an_o_it_does_not_have(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["init", name], catch_exceptions=False)
    assert result.exit_code == 2
    assert "-o " not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"Error: {name or repr(name)}: ")
    assert list(tmp_path.iterdir()) == []


def test_the_readme_as_package_description_has_no_relative_link_or_image() -> None:
    """The README is the index page's text (pyproject ``readme``): a relative target there points
    into the index's own site, so the screenshots show as broken images."""
    readme = (REPO / "README.md").read_text("utf-8")
    targets = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)", readme)
    assert targets
    assert [t for t in targets if not re.match(r"https?://|mailto:|#", t)] == []


def _modules_the_readme_teaches() -> list[str]:
    """Each public module the README imports or calls into (``import confcal.history``,
    ``confcal.changes.diff(old, new)``)."""
    readme = (REPO / "README.md").read_text("utf-8")
    taught = re.findall(r"import (confcal\.[a-z]\w*)|(confcal\.[a-z]\w*)\.[a-z]\w*\(", readme)
    return sorted({a or b for a, b in taught})


def test_the_readme_teaches_public_modules() -> None:
    assert {"confcal.history", "confcal.changes", "confcal.files"} <= set(
        _modules_the_readme_teaches()
    )


@pytest.mark.skipif(not (REPO / "docs" / "api.rst").exists(), reason="docs/ is not here")
@pytest.mark.parametrize(
    ("module", "name"),
    [
        (m, n)
        for m in _modules_the_readme_teaches()
        for n in getattr(importlib.import_module(m), "__all__", [])
    ],
)
def test_every_name_of_a_module_the_readme_teaches_is_in_the_reference(
    module: str, name: str
) -> None:
    """The reference must cover every public name: the README sends users to
    ``confcal.history.revise`` and ``confcal.changes.diff``."""
    import test_docs

    test_docs.test_every_public_name_is_documented_with_an_example(module, name)
