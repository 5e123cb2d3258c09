"""The version, written once (``confcal/_version.py``), is what every place that shows it says."""

from __future__ import annotations

import importlib.metadata
import re

from click.testing import CliRunner

import confcal
from confcal.cli import cli
from confcal.ical import PRODID


def test_the_version_is_semantic_versioning_in_python_s_spelling() -> None:
    assert re.fullmatch(
        r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(\.dev\d+|rc\d+)?", confcal.__version__
    )


def test_the_installed_metadata_the_cli_and_prodid_say_that_version() -> None:
    assert importlib.metadata.version("confcal") == confcal.__version__
    result = CliRunner().invoke(cli, ["--version"])
    assert result.stdout == f"confcal, version {confcal.__version__}\n"
    assert f"-//confcal//confcal {confcal.__version__}//EN" == PRODID
