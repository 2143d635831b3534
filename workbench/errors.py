"""Errors that cross layers: raised low, reported by the CLI (exit 2) and the TUI."""

from __future__ import annotations


class UsageError(Exception):
    """The command cannot run (bad arguments, a missing root, an unknown ref): one line on stderr, exit 2."""


class StoreError(Exception):
    """A file cannot be changed safely (unreadable, not a YAML mapping, a path outside the root, an OS error)."""
