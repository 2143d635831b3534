"""Errors every layer may raise (the bottom layer: imports nothing from the package).

`UsageError`: the command cannot run as asked (bad arguments, missing root, an
unknown git ref); the CLI reports it on one stderr line and exits 2. `StoreError`:
a write to the workspace cannot be done safely (the store raises it; the CLI exits 2,
the TUI keeps the form open).
"""

from __future__ import annotations


class UsageError(Exception):
    """The command cannot run: reported on stderr, exit 2."""


class StoreError(Exception):
    """A file cannot be changed safely (unreadable, not a YAML mapping, a path outside the root, an OS error)."""
