"""Errors every layer may raise (the bottom layer: imports nothing from the package).

Every error that crosses layers is a `WorkbenchError`: the CLI reports one on a single
stderr line and exits 2; anything else reaching the CLI is a bug ("internal error").
`UsageError`: the command cannot run as asked (bad arguments, missing root, an
unknown git ref). `StoreError`: a write to the workspace cannot be done safely (the
store raises it; the TUI keeps the form open).
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """An expected failure with a message for the user: reported on stderr, exit 2."""


class UsageError(WorkbenchError):
    """The command cannot run: reported on stderr, exit 2."""


class StoreError(WorkbenchError):
    """A file cannot be changed safely (unreadable, not a YAML mapping, a path outside the root, an OS error)."""
