"""``python -m confcal``: the same as the ``confcal`` command."""

from .cli import main

main()
