"""Sphinx configuration: the reference from the docstrings (autodoc, napoleon), the README's
and the changelog's sections as pages (myst-parser). Built with -W in .ci/run."""

from confcal import __version__

project = "confcal"
author = "The confcal developers"
copyright = "2026, The confcal developers"
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
# The README links to its own headings (#writing-files): anchors for them.
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
html_theme = "alabaster"
html_static_path: list[str] = []
