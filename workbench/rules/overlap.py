"""overlap: families (or undecided schemas) whose structure substantially overlaps.

Scoring lives in `workbench.analysis.similarity`; this module turns scored pairs
into findings and applies the seed's reuse-only guard (O002).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..allocation import paused_gc
from ..analysis.fields import structure
from ..analysis.similarity import Overlap, Scorer
from ..findings import Location
from ..model import Family, Pin, SchemaDoc, Workspace
from .registry import Hit, RuleContext, rule

MAX_LISTED = 10


@dataclass(frozen=True)
class Unit:
    """What overlap compares: a family, or a contract schema no family claims yet (an undecided
    schema, or a pinned upstream schema no family reuses)."""

    key: str
    label: str  # family id, or schema name for a schema in no family
    family: Family | None
    schemas: tuple[SchemaDoc, ...]

    @property
    def pin(self) -> Pin | None:
        """The pin of a pinned upstream schema no family reuses (a contract that could be reused)."""
        return self.schemas[0].pin if self.family is None else None

    @property
    def decision(self) -> str:
        if self.pin is not None:
            return f"pinned from {self.pin.repository}"
        return (self.family.decision if self.family else None) or "undecided"


def units(ws: Workspace) -> list[Unit]:
    out = []
    for fam in ws.families:
        schemas = tuple(s for p in fam.schemas if (s := ws.schema(p)) is not None and not s.shared)
        if schemas:
            out.append(Unit(f"family:{fam.id}", fam.id, fam, schemas))
    for s in ws.contract_schemas:
        if ws.family_of(s.path) is None:
            out.append(Unit(f"schema:{s.path}", s.name, None, (s,)))
    return out


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def names(fam: Family, other: Unit) -> bool:
    """Does `fam`'s decision record name `other` (alternatives_considered or rationale)?"""
    if other.label in fam.alternatives_considered:
        return True
    text = _words(fam.rationale or "")
    candidates = {other.label} | {s.name for s in other.schemas}
    if other.family and other.family.title:
        candidates.add(other.family.title)
    return any(_words(c).strip() and _words(c) in text for c in candidates)


@dataclass(frozen=True)
class Verdict:
    rule: str  # O001 | O002
    overlap: Overlap
    a: Unit  # the side the finding is about
    b: Unit
    note: str


def _judge(ov: Overlap, a: Unit, b: Unit) -> Verdict:
    """O002 when a `new` family overlaps another family (or a pinned upstream schema) and no `new`
    side's rationale names the other.

    A local schema no family claims yet is not something a decision could have reused:
    the overlap is reported on that newcomer (O001), which is what needs deciding.
    """
    # (unit, its family, the other unit) for each side decided `new` (`Unit.decision`) facing a reusable unit
    new = [(u, fam, o) for u, o in ((a, b), (b, a))
           if (fam := u.family) is not None and fam.decision == "new" and (o.family or o.pin) is not None]
    if not new:
        return Verdict("O001", ov, *_order(a, b), "")
    naming = [(u, o) for u, fam, o in new if names(fam, o)]
    if naming:
        u, o = naming[0]
        return Verdict("O001", ov, u, o, f"the rationale of {u.label} names {o.label}")
    # with two `new` families, report the one that evaluated fewer alternatives
    u, _, o = min(new, key=lambda side: (len(side[1].alternatives_considered), side[0].label))
    return Verdict("O002", ov, u, o, "")


def _order(a: Unit, b: Unit) -> tuple[Unit, Unit]:
    """Undecided schemas first (they need a decision), pinned upstream schemas last (upstream's), then by label."""
    first, second = sorted((a, b), key=lambda u: (u.pin is not None, u.family is not None, u.label))
    return first, second


def _scored(ctx: RuleContext) -> list[Verdict]:
    """Every unit pair over the thresholds, judged; computed once per check."""
    found: list[Verdict] | None = ctx.__dict__.get("_overlap_verdicts")
    if found is not None:
        return found
    ws, th = ctx.ws, ctx.ws.config.thresholds
    by_key = {u.key: u for u in units(ws)}
    st = structure(ctx)
    found = []
    with paused_gc():
        scorer = Scorer(st, ((u.key, u.schemas) for u in by_key.values()), kept=("overlap", ws.root))
        for ka, kb in scorer.candidates():
            ov = scorer.best(ka, kb)
            if ov and ov.score >= th.overlap_warning and ov.shared >= th.overlap_min_shared:
                found.append(_judge(ov, by_key[ka], by_key[kb]))
    ctx.__dict__["_overlap_verdicts"] = found
    return found


def describe(ov: Overlap, a: Unit) -> str:
    """Score and shared paths, from the point of view of unit `a`."""
    flip = ov.unit_a != a.key
    sa, sb = (ov.schema_b, ov.schema_a) if flip else (ov.schema_a, ov.schema_b)
    paths = []
    for m in ov.matches:
        mine, theirs = (m.b, m.a) if flip else (m.a, m.b)
        text = "/" + "/".join(mine.path)
        if mine.path != theirs.path:
            text += f" (as /{'/'.join(theirs.path)})"
        paths.append(text)
    paths.sort()
    more = f", ... {len(paths) - MAX_LISTED} more" if len(paths) > MAX_LISTED else ""
    return (f"score {ov.score:.2f}; {sa.path} and {sb.path} share {len(paths)} fields: "
            f"{', '.join(paths[:MAX_LISTED])}{more}")


def _where(u: Unit) -> Location:
    """Where a finding about unit `u` is reported: its family record, or its (undecided) schema."""
    if u.family is None:
        return Location(u.schemas[0].path, 1)
    fam = u.family
    return Location(fam.path, fam.line("rationale") or fam.line("decision") or fam.line("family"), family=fam.id)


@rule("O001", "family-overlap", "overlap", "warning")
def family_overlap(ctx: RuleContext) -> Iterator[Hit]:
    """Two families (or a family and a schema no family claims yet) overlap
    structurally: after resolving `$ref`s, their fields line up - same names and
    types at any nesting depth, renamed fields with the same distinctive type, or
    renamed fields inside corresponding objects - with a score (weighted Jaccard
    and containment, 0..1) of at least `thresholds.overlap_warning` and at least
    `thresholds.overlap_min_shared` shared non-generic fields. Fields that many
    families share (ids, timestamps, status, name, version, identifiers from a
    shared `$defs` library) weigh almost nothing, and structure reused through
    `$ref` is not counted.

    Why it matters: two families describing the same structure are two contracts for one concept: they drift apart
    and consumers must map between them.

    How to fix: merge them, reuse one, or record why both exist (a waiver on the family turns this into info).
    """
    for v in _scored(ctx):
        if v.rule != "O001":
            continue
        here = _where(v.a)
        why = f" ({v.note})" if v.note else ""
        yield Hit(f"{v.a.label} ({v.a.decision}) and {v.b.label} ({v.b.decision}) overlap structurally{why}: "
                  f"{describe(v.overlap, v.a)}", here.file, here.line, (v.a.label, v.b.label),
                  data={"score": round(v.overlap.score, 2)}, related=(_where(v.b),))


@rule("O002", "new-duplicates-reusable", "overlap", "error")
def new_duplicates_reusable(ctx: RuleContext) -> Iterator[Hit]:
    """Reuse-only guard: a family decided `new` overlaps an
    existing family (or a pinned upstream schema) that could be reused or extended, and its rationale
    does not name that family. When two `new` families overlap and neither names the other,
    the one that evaluated fewer alternatives is reported.

    Why it matters: the plan reuses before it creates: a new family overlapping a reusable one without saying why is
    the duplication the plan exists to prevent.

    How to fix: reuse or extend the overlapping family, or name it in the rationale (or `alternatives_considered`)
    with why it cannot be; the finding then becomes the O001 warning.
    """
    for v in _scored(ctx):
        if v.rule != "O002":
            continue
        here = _where(v.a)
        yield Hit(f"family {v.a.label} is decided `new` but duplicates {v.b.label} ({v.b.decision}): "
                  f"{describe(v.overlap, v.a)}; reuse or extend {v.b.label}, or record in the rationale why not "
                  f"(naming {v.b.label})", here.file, here.line, (v.a.label, v.b.label),
                  data={"score": round(v.overlap.score, 2)}, related=(_where(v.b),))
