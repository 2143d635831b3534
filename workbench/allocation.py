"""Allocation-heavy passes (loading, extraction, the check) run with the cyclic GC paused.

A workspace snapshot is a large, acyclic graph of dicts, lists and tuples. With the
collector on, every young collection during a pass that allocates it re-traverses
what survived so far: at 5,000 schemas that was a fifth of `workbench --check`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (nesting is fine: the outermost resumes it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                # what the pass allocated and kept (facts, caches) goes straight to the oldest
                # generation: otherwise the first young collection after `enable` traverses
                # every one of those objects at once. Nothing is kept alive: the next full
                # collection still sees them.
                gc.freeze()
                gc.unfreeze()
            gc.enable()
