"""compatibility: every schema against its version in a baseline (`--against REF|DIR`).

What a change does to the accepted documents is `workbench.analysis.compat`;
this module decides what the family's compatibility mode makes of it. Modes use
the schema-registry names: `backward` (no narrowing: old documents stay valid,
producers are safe), `forward` (no widening: new documents validate against the
old schema, strict consumers are safe), `full` (neither), `none`.
`workbench diff` presents the same verdicts (`workbench.report.diff`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..analysis.compat import BOTH, BREAKS, KINDS, NARROWED, NONE, UNDECIDED, WIDENED, Change, classify
from ..config import COMPAT_MODES
from ..model import Family, Workspace
from .registry import Hit, RuleContext, rule

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
    (default: on for `extend`)."""
    cfg = ws.config.compatibility
    tier = fam.stability_tier if fam else None
    chosen = [(fam.compatibility if fam else None, f"set in {fam.path}" if fam else ""),
              (cfg.tier_mode(tier), f"set for tier {tier} in workspace.yaml"),
              (cfg.mode, "set in workspace.yaml")]
    mode, source = next(((m, s) for m, s in chosen if m in COMPAT_MODES), default_mode(fam))
    if fam is not None and fam.additive is not None:
        additive = fam.additive
    else:
        additive = cfg.additive if cfg.additive is not None else bool(fam and fam.decision == "extend")
    return Policy(mode, bool(additive), source, warn_only=bool(fam and tier == "experimental"))


@dataclass(frozen=True)
class Verdict:
    """One change judged under its schema's policy."""

    change: Change
    policy: Policy
    family: Family | None

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
        return f"{c.kind} at {c.pointer or '/'}: {c.old} -> {c.new}; {c.reason}; {impact} ({p.label})"

    def data(self) -> dict[str, Any]:
        c = self.change
        return {"change": c.kind, "pointer": c.pointer, "old": c.old, "new": c.new, "breaks": self.breaks,
                "effect": self.policy.effect(c), "mode": self.policy.mode, "breaking": self.breaking,
                "reading": self.policy.reading(c), "family": self.family.id if self.family else None}


def judge(ws: Workspace, baseline: Workspace) -> list[Verdict]:
    """Every change of `ws` against `baseline`, judged under each schema's policy (deterministic order)."""
    out: list[Verdict] = []
    for c in classify(baseline, ws):
        fam = ws.family_of(c.schema) or baseline.family_of(c.schema)
        out.append(Verdict(c, policy_of(ws, fam), fam))
    return out


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
    backward as warnings, internal none. Under the `additive` reading (default on
    for `extend`) an optional property added to an open object is compatible;
    the finding says which reading was applied. JSON `data` and SARIF
    `properties` carry change, pointer, old, new, breaks and mode."""
    ws, base = ctx.ws, ctx.baseline
    if base is None:  # needs_baseline: the pipeline runs this rule only with `--against`
        return
    label = f" (against {ctx.baseline_label})" if ctx.baseline_label else ""
    for v in judge(ws, base):
        c = v.change
        doc = ws.schema(c.schema)
        yield Hit(f"{v.describe()}{label}", c.schema, None if c.pointer else (1 if doc else None),
                  (doc.name if doc else c.schema, v.family.id if v.family else "undecided", c.kind), v.severity,
                  v.data(), pointer=c.pointer or None)

