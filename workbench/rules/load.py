"""load: every problem the loader recorded becomes a finding."""

from __future__ import annotations

from collections.abc import Iterator

from .registry import Hit, RuleContext, rule


@rule("L001", "load-problem", "load", "error", per_schema=True)
def load_problem(ctx: RuleContext) -> Iterator[Hit]:
    """A file could not be read or understood: malformed JSON or YAML, bytes that
    are not UTF-8, a schema that is not an object, nesting too deep, duplicate keys,
    a decisions file that breaks its schema, or a decision naming a schema that does
    not exist.
    A key repeated with the same value is only a warning: the file loads (every
    JSON reader agrees on what it says).

    Why it matters: a file that cannot be read is invisible to every other rule: its contracts and decisions are not
    checked at all. Everything else in the workspace still loads.

    How to fix: fix the file named, at the line given.
    """
    for p in ctx.ws.problems:
        if ctx.focus is not None and p.path not in ctx.focus:  # a first look after an edit: the edited files
            continue
        severity = p.kind if p.kind in ("info", "warning") else None
        yield Hit(p.message, p.path, p.line, (p.field,) if p.field else (), severity)
