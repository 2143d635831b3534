"""Errors every layer may raise (the bottom layer: imports nothing from the package).

`UsageError`: the command cannot run as asked (bad arguments, missing root, an
unknown git ref); the CLI reports it on one stderr line and exits 2.
"""

from __future__ import annotations


class UsageError(Exception):
    """The command cannot run: reported on stderr, exit 2."""
