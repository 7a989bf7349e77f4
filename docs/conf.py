"""Sphinx configuration: ``python -m sphinx -W -b html docs docs/_build/html``.

The API reference is generated from the docstrings by autodoc; the guides' code is
doctest text that pytest runs (``--doctest-glob=*.rst``), so every example on the site
is executed by the test suite.
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "symdiff"
author = "the symdiff authors"
copyright = "2026, the symdiff authors"
from symdiff.version import __version__ as release  # noqa: E402

version = release
extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False}
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
nitpicky = False
