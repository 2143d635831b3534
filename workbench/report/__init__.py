"""CLI presenters for a `CheckResult`, one module per format, each registering itself.

    @reporter("json", is_json=True)
    def render_json(result): return "..."

Every module of this package that registers a format is found by `reporters()`
(none is listed by hand); `sanitize.py` is the one escaping module every format
writes repository text through, `diff.py` presents `workbench diff`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from ..engine import CheckResult

Render = Callable[[CheckResult], str]
R = TypeVar("R", bound=Render)


@dataclass(frozen=True)
class Reporter:
    name: str
    render: Render
    is_json: bool = False  # ASCII-escaped on a stream that is not UTF-8
    order: int = 50  # position in `--format`'s choices (text first)


_REPORTERS: dict[str, Reporter] = {}


def reporter(name: str, *, is_json: bool = False, order: int = 50) -> Callable[[R], R]:
    def register(fn: R) -> R:
        _REPORTERS[name] = Reporter(name, fn, is_json, order)
        return fn

    return register


@cache
def _load_modules() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def reporters() -> dict[str, Reporter]:
    """Every report format, by name, in `--format` order."""
    _load_modules()
    return dict(sorted(_REPORTERS.items(), key=lambda kv: (kv[1].order, kv[0])))
