"""compatibility: every schema against its version in a baseline (`--against REF|DIR`).

What a change does to the accepted documents is `workbench.analysis.compat`; this module decides
what the family's compatibility mode makes of it (`workbench diff` presents the same verdicts,
`workbench.report.diff`). The rest of this docstring is the user reference, rendered into
docs/reference/compatibility.md by `make docs` (EFFECTS_TABLE: from
`analysis.compat`'s `EFFECT_TEXT` and `BREAKS`; MODES_TABLE: from `BREAKING` and `PROTECTS`).

# Compatibility modes (C001, `workbench diff`)

`analysis/compat.py` judges every change by the set of documents the schema
accepts, and `rules/compatibility.py` applies the mode:

EFFECTS_TABLE

In a schema registry's terms, narrowed is backward-incompatible, widened forward-incompatible,
both incompatible, none compatible. A mode says which effects break:

MODES_TABLE

The mode comes from the family record's `compatibility.mode`, then
workspace.yaml's `compatibility.tiers[tier]`, then `compatibility.mode`, then
the default that keeps the earlier tier/decision policy: stable `reuse` full,
stable `extend`/`new` and undecided schemas backward, experimental backward
(breaks are warnings), internal none. A break is an error (a warning for the
experimental tier); anything else is info. `workbench diff` exits 1 when a
change breaks under its mode.

Under the strict reading (schema registries') an optional property added to an
open object narrows (documents may already carry that name with another type),
and so does a `type` written where the keywords already implied it (`properties`
and no `type`, then `type: object`: a string is rejected now). The `additive`
reading, the default, treats both as compatible; `additive: false`
in the family record, then `compatibility.tiers[tier]`, then workspace.yaml
asks for the strict one; the finding says which reading was applied. One edit
is one change with all its effects: a property added and required is one
"required property added" (narrowed, and widened too when the object was
closed), a required property removed one "property removed", an enum with a
value swapped one "enum changed".

Limits end as "comparison undecided" (treated as both, so a gate fails),
never as "no change": schemas differing deeper than 48 levels of nesting, a
chain of more than 32 `$ref`s that leads to a difference, canonical forms
nested more than 150 levels, or more than 200,000 steps for one schema.
Canonical forms are digests of their subschemas' forms (memoised per node,
a `$ref` cycle named by its target), and a pair of definitions reached through
`$ref`s is compared once per schema (its changes name the other places as
`uses`), so a `$defs` DAG costs its size, never its number of paths. A
`patternProperties` key is matched by RE2 (`analysis/patterns.search`, linear
time, bounded memory), never by Python's `re`; a key RE2 refuses makes the
property's change undetermined (both), and the witness search only runs
jsonschema-rs validators.

One verdict per changed definition: a `$ref` that leads in one hop to the
same definition (addressed by a pointer in its file) in both versions is
compared there, once for the whole workspace, and its changes are reported at
the definition (the shared library's file and pointer), with every place whose
`$ref` reaches it as `uses` (C001's related locations) and under the strictest
policy of the schemas that use it. Numeric bounds are compared as the IEEE
doubles a JSON reader carries (9223372036854776000 and 2^63 - 1 are one bound).
A `pattern` change is labelled by the relation `patterns.py` proves, else
"pattern changed" with an "undetermined" reason. A removed property says whom it
breaks (readers that required it, or producers when the object is closed), at
the mode's severity; a property removed and one of the same shape added in
the same object are one "property renamed" (probably) with both halves' effects.

Each verdict that claims an effect carries its witnesses (`analysis/witness.py`
builds candidates, `rules/compatibility.Search` validates them in each version's
workspace and dialect): every example of the old version the new schema rejects
(narrowing) and of the new version the old one rejects (widening), named with
the validator's message and as related locations; otherwise a document built
where the change is (an example, repaired until both versions accept it, or a
plain document of the schema's shape, with a value the change names set at the
change's instance path), accepted only when every error of the rejecting
version is at that place. A verdict nothing proves says "no narrowing/widening
witness found" and `proven: false`.

Each C001 finding carries `data` (JSON) / `properties` (SARIF): `change`,
`pointer`, `old`, `new`, `breaks` (producers|consumers|both|none), `effect`,
`mode`, `breaking`, `reading`, `family`, `proven`, `witnesses`. `workbench explain C001` lists every
change kind with an example. Older drafts are compared after spelling their
keywords as 2020-12's (tuple `items` + `additionalItems`, `dependencies`),
using `workbench/schema`'s dialect vocabulary. Evidence: `tests/compat_cases.py`
(table, both directions), `tests/test_compat_witness.py` (a witness search,
`tests/witness.py`, on every table case and on edits of real schemas: a
narrowing witness must come with a narrowed/both verdict, a widening one with
widened/both; counted against floors, marked `slow`) and `tests/test_compat_table.py`
(generated pairs; `COMPAT_EXAMPLES=N` widens the search).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from ..analysis.compat import BOTH, BREAKS, KINDS, NARROWED, NONE, UNDECIDED, WIDENED, Change, Differ, classify
from ..analysis.refs import RefIndex
from ..analysis.witness import Slot, Witness, candidate_values, candidates, dumps, instance_path, sample
from ..config import COMPAT_MODES
from ..findings import Location
from ..jsontext import Tokens
from ..model import Example, Family, SchemaDoc, Workspace
from ..schema.uri import pointer_str
from .registry import Hit, RuleContext, rule
from .validity import AnyValidator, _errors, _validator

BREAKING = {"backward": {NARROWED, BOTH}, "forward": {WIDENED, BOTH}, "full": {NARROWED, WIDENED, BOTH},
            "none": set()}
PROTECTS = {"backward": "producers", "forward": "strict consumers", "full": "producers and strict consumers",
            "none": "nobody"}


@dataclass(frozen=True)
class Policy:
    """The compatibility mode and reading that apply to one schema, and where they come from."""

    mode: str
    additive: bool
    source: str
    warn_only: bool = False  # experimental tier: breaking changes warn

    def effect(self, c: Change) -> str:
        return c.effect_under(self.additive)

    def breaking(self, c: Change) -> bool:
        return self.effect(c) in BREAKING[self.mode]

    def reading(self, c: Change) -> str | None:
        """`additive` or `strict` for a change the two readings judge differently."""
        return None if c.lenient is None else "additive" if self.additive else "strict"

    def severity(self, c: Change) -> str:
        if self.effect(c) == UNDECIDED:  # not judged: said, never passed as compatible
            return "warning"
        return ("warning" if self.warn_only else "error") if self.breaking(c) else "info"

    @property
    def label(self) -> str:
        return f"{self.mode} mode, {self.source}"


def default_mode(fam: Family | None) -> tuple[str, str]:
    """Today's tier/decision policy as a mode: stable reuse allows no shape change (full), stable
    extend/new and undecided schemas allow additive changes (backward), experimental warns (backward),
    internal informs (none)."""
    if fam is None:
        return "backward", "undecided schema, treated as stable"
    tier, decision = fam.stability_tier or "no tier", fam.decision or "undecided"
    if tier == "internal":
        return "none", f"{fam.id} is internal"
    if tier == "experimental":
        return "backward", f"{fam.id} is experimental: breaking changes warn"
    if decision == "reuse":
        return "full", f"{fam.id} is {tier}, reused: no shape change"
    return "backward", f"{fam.id} is {tier}, {decision}"


def policy_of(ws: Workspace, fam: Family | None) -> Policy:
    """Family record > workspace tier mode > workspace mode > tier/decision default; same order for `additive`
    (default: on; `additive: false` asks for the strict reading)."""
    cfg = ws.config.compatibility
    tier = fam.stability_tier if fam else None
    chosen = [(fam.compatibility if fam else None, f"set in {fam.path}" if fam else ""),
              (cfg.tier_mode(tier), f"set for tier {tier} in workspace.yaml"),
              (cfg.mode, "set in workspace.yaml")]
    mode, source = next(((m, s) for m, s in chosen if m in COMPAT_MODES), default_mode(fam))
    readings = (fam.additive if fam else None, cfg.tier_reading(tier), cfg.additive)
    additive = next(r for r in readings if isinstance(r, bool))
    return Policy(mode, additive, source, warn_only=bool(fam and tier == "experimental"))


@dataclass(frozen=True)
class Verdict:
    """One change judged under its schema's policy, with the documents that prove its effect."""

    change: Change
    policy: Policy
    family: Family | None
    witnesses: tuple[Witness, ...] = ()

    def wanted(self) -> tuple[str, ...]:
        """The effects a witness must prove for this verdict (narrowed, widened or both)."""
        effect = self.policy.effect(self.change)
        return {NARROWED: (NARROWED,), WIDENED: (WIDENED,), BOTH: (NARROWED, WIDENED)}.get(effect, ())

    @property
    def proven(self) -> bool:
        """True when a witness backs every effect the verdict claims."""
        return all(any(w.direction == d for w in self.witnesses) for d in self.wanted())

    def proof(self) -> str:
        """The first witness of each claimed effect, or that none was found."""
        parts = []
        for d in self.wanted():
            found = [w for w in self.witnesses if w.direction == d]
            word = "narrowing" if d == NARROWED else "widening"
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            parts.append(f"{word} witness: {found[0].text()}{more}" if found else f"no {word} witness found")
        return "; ".join(parts)

    @property
    def breaking(self) -> bool:
        return self.policy.breaking(self.change)

    @property
    def severity(self) -> str:
        return self.policy.severity(self.change)

    @property
    def breaks(self) -> str:
        return BREAKS[self.policy.effect(self.change)]

    def describe(self) -> str:
        c, p = self.change, self.policy
        reading = p.reading(c)
        effect = p.effect(c)
        if effect == UNDECIDED:
            return f"{c.kind} at {c.pointer or '/'}: {c.old} -> {c.new}; undecided: {c.reason} ({p.label})"
        if effect == NONE:
            impact = f"compatible under the {reading} reading" if reading else "compatible"
        else:
            who = {"both": "producers and strict consumers", "consumers": "strict consumers"}.get(self.breaks,
                                                                                               self.breaks)
            impact = f"breaks {who}" + (f" ({reading} reading)" if reading else "")
            if not self.breaking:
                impact = f"allowed: {impact}"
        proof = self.proof()
        return f"{c.kind} at {c.pointer or '/'}: {c.old} -> {c.new}; {c.reason}; {impact} ({p.label})" + (
            f"; {proof}" if proof else "")

    def data(self) -> dict[str, Any]:
        c = self.change
        return {"change": c.kind, "pointer": c.pointer, "old": c.old, "new": c.new, "breaks": self.breaks,
                "effect": self.policy.effect(c), "mode": self.policy.mode, "breaking": self.breaking,
                "reading": self.policy.reading(c), "family": self.family.id if self.family else None,
                "proven": self.proven, "witnesses": [w.as_dict() for w in self.witnesses],
                "uses": [{"file": file, "pointer": pointer} for file, pointer in c.uses]}

    def related(self) -> tuple[Location, ...]:
        """The places whose `$ref` reaches the changed definition, then the examples that witness this verdict
        (at the place the rejecting version objects to)."""
        return tuple(Location(file, pointer=pointer or None) for file, pointer in self.change.uses) + tuple(
            Location(w.example, pointer=w.pointer) for w in self.witnesses if w.example and not w.edit)


def judge(ws: Workspace, baseline: Workspace) -> list[Verdict]:
    """Every change of `ws` against `baseline`, judged under each schema's policy, with its witnesses
    (deterministic order)."""
    out: list[Verdict] = []
    for c in classify(baseline, ws):
        # a change in a definition is judged under the policy of every schema that uses it: the strictest wins
        users = dict.fromkeys([c.schema, *([c.reached[0]] if c.reached else []), *(f for f, _ in c.uses)])
        fams: list[Family | None] = [f for p in users if (f := ws.family_of(p) or baseline.family_of(p))] or [None]
        candidates = [Verdict(c, policy_of(ws, fam), fam) for fam in fams]
        out.append(next((v for v in candidates if v.breaking), candidates[0]))
    found: dict[int, Verdict] = {}
    indexed = sorted(enumerate(out), key=lambda p: _contract(p[1].change))
    for path, group in groupby(indexed, key=lambda p: _contract(p[1].change)):
        old, new = baseline.schema(path), ws.schema(path)
        pairs = list(group)
        verdicts = [v for _, v in pairs]
        judged = Search(baseline, old, ws, new).run(verdicts) if old and new else verdicts
        found.update((i, v) for (i, _), v in zip(pairs, judged, strict=True))
    return [found[i] for i in range(len(out))]


def _contract(c: Change) -> str:
    """The schema whose documents show a change (for a change in a definition: where it was first reached)."""
    return c.reached[0] if c.reached else c.schema


def _place(c: Change) -> tuple[str | int, ...] | None:
    """Where in those documents the change applies."""
    return instance_path(c.reached[1] if c.reached else c.pointer)


# --- witnesses ------------------------------------------------------------------------------------------
TRIES_PER_CHANGE = 300  # candidate documents built for one change
BASES = 4  # examples each candidate is built from


class Checker:
    """One version of a schema as its validator judges documents (jsonschema-rs, else python jsonschema,
    on the version's own workspace registry and dialect)."""

    def __init__(self, ws: Workspace, doc: SchemaDoc):
        refs = RefIndex.of(ws)
        found = _validator(refs, doc, refs.closure(doc))[0]
        # only jsonschema-rs (bounded regex engines): python jsonschema runs `pattern` on Python's backtracking `re`
        self.validator: AnyValidator | None = found if type(found).__module__.startswith("jsonschema_rs") else None

    def valid(self, doc: Any) -> bool | None:
        try:
            return None if self.validator is None else bool(self.validator.is_valid(doc))
        except Exception:  # a reference only evaluation reaches, a value the library cannot read
            return None

    def errors(self, doc: Any) -> list[tuple[Tokens, str]]:
        try:
            return [] if self.validator is None else sorted(_errors(self.validator, doc), key=lambda e: len(e[0]))
        except Exception:
            return []


class Search:
    """Witnesses for the verdicts of one schema: its examples first, then documents built at each change."""

    def __init__(self, old_ws: Workspace, old: SchemaDoc, new_ws: Workspace, new: SchemaDoc):
        self.old, self.new = Checker(old_ws, old), Checker(new_ws, new)
        self.samples = [_sample(ws, doc) for ws, doc in ((new_ws, new), (old_ws, old))]
        self.old_examples = [e for e in old_ws.examples_of(old.path) if self.old.valid(e.body)]
        self.new_examples = [e for e in new_ws.examples_of(new.path) if self.new.valid(e.body)]
        self.examples_all = {e.path: e for e in (*old_ws.examples_of(old.path), *new_ws.examples_of(new.path))}
        self.bases: list[Base] = []

    def run(self, verdicts: list[Verdict]) -> list[Verdict]:
        if self.old.validator is None or self.new.validator is None:
            return verdicts
        found: dict[int, list[Witness]] = {i: [] for i in range(len(verdicts))}
        for direction, examples, rejecting in ((NARROWED, self.old_examples, self.new),
                                               (WIDENED, self.new_examples, self.old)):
            wanting = [i for i, v in enumerate(verdicts) if direction in v.wanted()]
            if wanting:
                self.examples(direction, examples, rejecting, [(i, verdicts[i]) for i in wanting], found)
        self.bases = self.common([v.change for v in verdicts])
        for i, v in enumerate(verdicts):
            for direction in v.wanted():
                if not any(w.direction == direction for w in found[i]):
                    found[i].extend(self.built(v.change, direction))
        return [replace(v, witnesses=tuple(found[i])) if found[i] else v for i, v in enumerate(verdicts)]

    def examples(self, direction: str, examples: list[Example], rejecting: Checker,
                 wanting: list[tuple[int, Verdict]], found: dict[int, list[Witness]]) -> None:
        """Each example the other version rejects, named at the changes nearest to what it objects to."""
        places = [(i, _place(v.change)) for i, v in wanting]
        for ex in examples:
            errors = rejecting.errors(ex.body)
            if not errors:
                continue
            where, message = errors[0]
            best = max(_shared(where, p) for _, p in places)
            for i, p in places:
                if _shared(where, p) == best:
                    found[i].append(Witness(direction, dumps(ex.body), _message(where, message), ex.path,
                                            pointer_str(where)))

    def built(self, change: Change, direction: str) -> list[Witness]:
        """A document built at the change's place that one version accepts and the other rejects."""
        path = _place(change)
        if path is None:
            return []
        values, names = candidate_values(*change.raw)
        accepting, rejecting = (self.old, self.new) if direction == NARROWED else (self.new, self.old)
        bases = self.bases or [Base(None, None, ())]
        for i, doc, edit in candidates([b.doc for b in bases], path, values, names, TRIES_PER_CHANGE):
            if accepting.valid(doc) and rejecting.valid(doc) is False:
                errors = rejecting.errors(doc)
                if not errors or any(_shared(where, path) < 0 for where, _ in errors):
                    continue  # rejected (also) for another reason: no witness of this change
                where, message = errors[0]
                base = bases[i]
                return [Witness(direction, dumps(doc), _message(where, message), base.example, pointer_str(where),
                                ", ".join((*base.edits, edit)) if base.example else None)]
        return []

    def common(self, changes: list[Change]) -> list[Base]:
        """Up to BASES documents both versions accept: examples (of either version) as they are, or with
        the values a version objects to replaced by values the changes name."""
        examples = [Base(e.path, e.body, ()) for e in sorted(self.examples_all.values(), key=lambda e: e.path)]
        examples += [Base(None, doc, ()) for doc in self.samples]  # documents of each version's shape
        out = [b for b in examples if self.old.valid(b.doc) and self.new.valid(b.doc)]
        for b in examples:
            if len(out) >= BASES:
                break
            if b not in out:
                repaired = _repair(b, (self.old, self.new), changes)
                if repaired is not None:
                    out.append(repaired)
        return out[:BASES]


def _sample(ws: Workspace, doc: SchemaDoc) -> Any:
    """A plain document of `doc`'s shape (`analysis.witness.sample`), its `$ref`s resolved in `ws`."""
    differ = Differ(ws, ws)

    def resolve(base: str, node: Any) -> tuple[str, Any]:
        base, node, _ = differ.effective(differ.new, base, node)
        return base, node

    return sample(doc.body, resolve, doc.uri)


@dataclass(frozen=True)
class Base:
    """A document both versions accept, made from an example by `edits` (in words)."""

    example: str | None
    doc: Any
    edits: tuple[str, ...]


REPAIRS = 8  # values replaced to make an example acceptable to both versions


def _repair(base: Base, checkers: tuple[Checker, Checker], changes: list[Change]) -> Base | None:
    """`base` with each value a version objects to replaced, one at a time, by a value one of the changes
    there names (or removed) while fewer errors remain; None when that does not succeed."""
    def errors_of(doc: Any) -> list[tuple[Tokens, str]]:
        return [e for c in checkers for e in c.errors(doc)]

    for _ in range(REPAIRS):
        errors = errors_of(base.doc)
        if not errors:
            return base
        where, _ = errors[0]
        pool: list[Any] = []
        names: list[str] = []
        for c in changes:
            place = _place(c)
            if place is not None and _shared(where, place) >= 0:
                values, more = candidate_values(*c.raw)
                pool += values
                names += more
        for _, doc, edit in candidates([base.doc], where, pool, names, TRIES_PER_CHANGE):
            if len(errors_of(doc)) < len(errors):
                base = Base(base.example, doc, (*base.edits, edit))
                break
        else:
            return None
    return None


def _shared(where: Tokens, path: tuple[str | int, ...] | None) -> int:
    """How well an error at instance path `where` fits a change at `path`: the length of their common
    prefix when one is a prefix of the other (-1 when they diverge or the change has no place)."""
    if path is None:
        return 0
    n = 0
    for a, b in zip(where, path, strict=False):
        if not (isinstance(b, Slot) or str(a) == str(b)):
            return -1
        n += 1
    return n


def _message(where: Tokens, message: str) -> str:
    return f"{pointer_str(where) or '/'}: {message[:200]}"


def _pin_update(ws: Workspace, base: Workspace, path: str) -> str:
    """"; a pin update of upstream R:P (pin 1a2b.. -> 3c4d..)" for a schema pinned from upstream."""
    new, old = ws.pin(path), base.pin(path)
    pin = new or old
    if pin is None:
        return ""
    hashes = f" (pin {old.sha256[:12]}... -> {new.sha256[:12]}...)" if old and new and old.sha256 != new.sha256 else ""
    return f"; a pin update of upstream {pin.origin}{hashes}"


@rule("C001", "incompatible-change", "compatibility", "error", needs_baseline=True,
      details=("Change kinds (old -> new):",) + tuple(f"  {kind}: {example}" for kind, example in KINDS.items()))
def incompatible_change(ctx: RuleContext) -> Iterator[Hit]:
    """A schema changed against the baseline given with `--against REF|DIR` (a git
    ref, read from git's object database without touching the work tree, or a folder).
    Each change is judged by the set of documents the schema accepts: narrowed
    (old documents may be rejected: breaks producers, backward-incompatible),
    widened (documents the old schema rejects are accepted: breaks strict
    consumers, forward-incompatible), both, or none. Schemas are compared after
    resolving `$ref`s and spelling draft-07 keywords (tuple `items`,
    `additionalItems`, `dependencies`) as 2020-12's; union branches are paired by
    content (with `enum`/`const`), `oneOf`/`anyOf`/`allOf` switches are related,
    and a removed property is compared with what the new version applies to its
    name. The compatibility mode (`backward`, `forward`, `full`, `none`) comes
    from the family record's `compatibility`, then workspace.yaml's
    `compatibility.tiers` and `compatibility.mode`, then the default: stable
    `reuse` full, stable `extend`/`new` and undecided backward, experimental
    backward as warnings, internal none. Under the `additive` reading (the default;
    `additive: false` in the family record, a tier or workspace.yaml asks for the
    strict reading of schema registries) an optional property added to an open
    object, and a `type` made explicit where the keywords implied it, are
    compatible; the finding says which reading was applied. One edit is
    one change with all its effects (a property added and required). A verdict
    that claims an effect names its witnesses: each example of the old version
    the new schema rejects, with the validator's message (also as related
    locations), or a document built where the change is; or says none was found. A
    schema pinned from upstream (`pin_manifest.json`) is compared the same way, so
    a pin update that breaks the families reusing it is caught before it lands. JSON
    `data` and SARIF
    `properties` carry change, pointer, old, new, breaks and mode.

    Why it matters: producers and consumers of a contract are deployed at different times; a change that narrows or
    widens what the schema accepts breaks the side its mode protects, in production, after both builds passed.

    How to fix: make the change compatible under the family's mode (add instead of changing, keep old values and
    properties accepted), or version the contract; a deliberate break is a waiver with its reason, or a family mode
    that says so (`compatibility.mode`).
    """
    ws, base = ctx.ws, ctx.baseline
    if base is None:  # needs_baseline: the pipeline runs this rule only with `--against`
        return
    label = f" (against {ctx.baseline_label})" if ctx.baseline_label else ""
    for v in judge(ws, base):
        c = v.change
        doc = ws.schema(c.schema)
        yield Hit(f"{v.describe()}{label}{_pin_update(ws, base, c.schema)}", c.schema,
                  None if c.pointer else (1 if doc else None),
                  (doc.name if doc else c.schema, v.family.id if v.family else "undecided", c.kind), v.severity,
                  v.data(), pointer=c.pointer or None, family=v.family.id if v.family else None,
                  related=v.related())

