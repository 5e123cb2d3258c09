"""The release, by semantic versioning: the one place it is written.

``pyproject.toml`` reads it from here (setuptools' ``attr:``, without importing the package);
``confcal.__version__``, ``confcal --version`` and every calendar's PRODID take it from here too.
A literal, not ``importlib.metadata``, which costs every start of ``confcal`` about 20 ms.
"""

__version__ = "0.2.0.dev0"
