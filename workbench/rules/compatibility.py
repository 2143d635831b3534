"""compatibility: every schema against its version in a baseline (`--against REF|DIR`).

The classification is `workbench.analysis.compat`; this module applies each
family's tier and decision, and renders `workbench diff`.
"""

from __future__ import annotations

import json
from itertools import groupby

from ..analysis.compat import Change, classify
from ..loader.jsonfile import pointer_line
from ..model import Family, Workspace
from .registry import Hit, rule


def policy(fam: Family | None) -> str:
    """What the family's tier and decision allow, in words."""
    if fam is None:
        return "undecided schema, treated as stable: additive changes only"
    tier, decision = fam.stability_tier or "no tier", fam.decision or "undecided"
    if tier == "internal":
        return f"{fam.id} is internal: informational"
    if tier == "experimental":
        return f"{fam.id} is experimental: breaking changes warn"
    if decision == "reuse":
        return f"{fam.id} is {tier}, reused: no shape change allowed"
    return f"{fam.id} is {tier}, {decision}: additive changes only"


def verdict(fam: Family | None, change: Change) -> str:
    """Severity of a change: stable+reuse forbids any change, stable otherwise forbids breaking
    ones, experimental warns, internal informs; undecided schemas count as stable."""
    if fam is not None and fam.stability_tier == "internal":
        return "info"
    if fam is not None and fam.stability_tier == "experimental":
        return "warning" if change.breaking else "info"
    if fam is not None and fam.decision == "reuse":
        return "error"
    return "error" if change.breaking else "info"


def _family(ws: Workspace, baseline: Workspace, path: str) -> Family | None:
    return ws.family_of(path) or baseline.family_of(path)


def describe(c: Change) -> str:
    return f"{c.kind} at {c.pointer or '/'}: {c.old} -> {c.new}; {c.impact}"


@rule("C001", "incompatible-change", "compatibility", "error", needs_baseline=True)
def incompatible_change(ctx):
    """A schema changed against the baseline given with `--against REF|DIR` (a git
    ref, read with `git archive` without touching the work tree, or a folder).
    Schemas are compared after resolving `$ref`s (moving a sub-schema behind a
    `$ref` is no change) and `allOf`/`anyOf`/`oneOf` branches are paired by content.
    Each change is classified (property removed, newly required, type narrowed,
    enum value removed, const changed, pattern/format/length/range tightened,
    additionalProperties closed, `$ref` retargeted, schema deleted, and their safe
    opposites) and says whether it breaks producers, consumers or both. The
    severity follows the family: stable/v1 `reuse` allows no change, stable/v1
    `extend`/`new` allows additive changes only, experimental warns, internal
    informs; a schema in no family is treated as stable."""
    ws, base = ctx.ws, ctx.baseline
    label = f" (against {ctx.baseline_label})" if ctx.baseline_label else ""
    for c in classify(base, ws):
        fam = _family(ws, base, c.schema)
        doc = ws.schema(c.schema)
        line = pointer_line(doc.source.text, c.pointer) if doc and c.pointer else (1 if doc else None)
        yield Hit(f"{describe(c)} ({policy(fam)}){label}", c.schema, line,
                  (doc.name if doc else c.schema, fam.id if fam else "undecided", c.kind), verdict(fam, c))


def render_diff(ws: Workspace, baseline: Workspace, label: str, fmt: str = "text") -> str:
    """`workbench diff REF`: the classified changes alone, as text or JSON."""
    changes = classify(baseline, ws)
    if fmt == "json":
        rows = [c.as_dict() | {"family": (f.id if (f := _family(ws, baseline, c.schema)) else None),
                               "severity": verdict(_family(ws, baseline, c.schema), c)} for c in changes]
        return json.dumps({"against": label, "changes": rows}, indent=2, sort_keys=True) + "\n"
    breaking = sum(c.breaking for c in changes)
    lines = [f"against {label}: {len(changes)} change(s), {breaking} breaking"]
    for path, group in groupby(changes, key=lambda c: c.schema):
        lines.append(f"{path}  ({policy(_family(ws, baseline, path))})")
        lines.extend(f"  {'BREAKING' if c.breaking else 'safe    '}  {describe(c)}" for c in group)
    return "\n".join(lines) + "\n"
