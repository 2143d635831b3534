"""The §2.3 missing-contract checklist, derived from evidence in the workspace.

Each item of `decisions/checklist.yaml` with a `derive` gets its status from the
snapshot and the check's findings (by rule id: I001, P001; and by the predicates
of `workbench/policy.py` the governance rules use); an item without one is
manual. A manual tick that disagrees with the derived status makes the item
"contradicted" (rule G008). The pipeline derives the checklist once per check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from .analysis.wire import LOCK_PATH as WIRE_LOCK
from .analysis.wire import plan_of
from .engine import CheckResult
from .model import ChecklistItem, Gate, Workspace
from .policy import missing_fields, new_family_gaps
from .rules.registry import get_rule

# "manual" is reserved for consumers (the CLI shows it as "[?]"); derive_checklist yields the other three
STATUSES = ("done", "open", "contradicted", "manual")
REUSED = ("reuse", "extend")
GUARD_RULE = "O002"
WIRE_GATE = ("W001", "W002", "W004", "W005", "E002")  # the buf gate's rules on the workspace alone


class Derived(NamedTuple):
    done: bool
    text: str
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecklistRow:
    """One checklist item with its status and the evidence behind it."""

    item: ChecklistItem
    status: str  # one of STATUSES
    source: str  # "derived" | "manual"
    evidence: tuple[str, ...]  # existing files that support the status
    evidence_text: str  # one line for humans

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "text": self.item.text,
            "status": self.status,
            "source": self.source,
            "done": self.item.done,
            "derive": self.item.derive,
            "evidence": list(self.evidence),
            "evidence_text": self.evidence_text,
        }


def _not_run(rule_id: str) -> Derived:
    return Derived(False, f"not derived: rule {rule_id} did not run (see --select/--ignore)")


def _fields_gap(ws: Workspace, fam_id: str, names: tuple[str, ...]) -> str | None:
    fam = ws.family(fam_id)
    if fam is None:
        return f"no family {fam_id!r}"
    missing = missing_fields(fam, names)
    return f"{fam_id} has no {' or '.join(missing)}" if missing else None


def family_decided(ws: Workspace, result: CheckResult, spec: dict[str, Any]) -> Derived:
    """The family exists and has a decision; a `new` one also passes G003."""
    fam_id = spec.get("family", "")
    gap = _fields_gap(ws, fam_id, ("decision",))
    fam = ws.family(fam_id)
    if gap or fam is None:
        return Derived(False, gap or f"no family {fam_id!r}")
    gaps = new_family_gaps(ws, fam)
    if gaps:
        return Derived(False, f"new family {fam_id} {gaps[0][0]} (G003)", (fam.path,))
    return Derived(True, f"family {fam_id} decided: {fam.decision}", (fam.path, *fam.schemas))


def wire_contract_frozen(ws: Workspace, result: CheckResult, spec: dict[str, Any]) -> Derived:
    """Each family has a wire_mapping and a version_policy, its schemas exist and each has its message: a
    generated .proto file (`wire.package`) or a hand-written message, held by the field-number lock, with the
    buf gate (W001-W005, E002) run and reporting no error."""
    gaps, paths = [], []
    plan = plan_of(ws)
    lock = ws.decisions.wire_lock
    for fam_id in spec.get("families") or ():
        gap = _fields_gap(ws, fam_id, ("wire_mapping", "version_policy"))
        fam = ws.family(fam_id)
        if fam is not None:
            paths.append(fam.path)
            absent = [s for s in fam.schemas if ws.schema(s) is None]
            if not fam.schemas or absent:
                gap = (gap + "; " if gap else "") + f"{fam_id} schemas missing: {', '.join(absent) or '(none listed)'}"
            for schema in (s for s in fam.schemas if ws.schema(s) is not None and plan.package):
                name = plan.roots.get(schema)
                msg = plan.messages.get(name or "")
                if msg is None:
                    gap = (gap + "; " if gap else "") + f"{schema} is not mapped to a message (wire.families)"
                    continue
                file = plan.hand.get(name or "") if msg.hand_written else plan.path(msg.file)
                if not file or not ws.exists(file):
                    gap = (gap + "; " if gap else "") + f"no {plan.path(msg.file)}: run `workbench export`"
                    continue
                paths.append(file)
                if not msg.hand_written and (lock is None or lock.of(msg.name) is None):
                    gap = (gap + "; " if gap else "") + f"decisions/wire_lock.yaml does not hold {msg.name}"
        if gap:
            gaps.append(gap)
    if not plan.package:
        gaps.append("no wire contract generated: set wire.package in decisions/workspace.yaml and run "
                    "`workbench export`")
    elif lock is not None:
        paths.append(lock.path)
    if gaps:
        return Derived(False, "; ".join(gaps), tuple(paths))
    if not all(result.ran(r) for r in WIRE_GATE):
        return _not_run(next(r for r in WIRE_GATE if not result.ran(r)))
    failing = [f for f in result.findings if f.rule in WIRE_GATE and f.severity == "error" and not f.baselined]
    if failing:
        first = failing[0]
        return Derived(False, f"{len(failing)} wire gate error(s), first {first.where}: {first.rule} {first.message}",
                       tuple(paths))
    return Derived(True, f"{len(spec.get('families') or ())} families have wire_mapping, version_policy and their "
                         f"generated messages under {ws.config.wire.out} (lock {WIRE_LOCK}); the buf gate passes",
                   tuple(paths))


def invocation_policy_enforced(ws: Workspace, result: CheckResult, spec: dict[str, Any]) -> Derived:
    """decisions/invocation.yaml is configured, scans at least one file, and I001 finds nothing."""
    policy = ws.decisions.invocation
    if policy is None:
        return Derived(False, "no decisions/invocation.yaml")
    files = [c.path for c in ws.clients if c.text is not None]
    if not ws.clients:
        return Derived(False, f"scan globs {', '.join(policy.scan) or '(none)'} match no file to check", (policy.path,))
    if not result.ran("I001"):
        return _not_run("I001")
    hits = result.of_rule("I001")
    if hits:
        first = hits[0]
        return Derived(False, f"{len(hits)} I001 finding(s), first {first.where}: {first.message}",
                       (policy.path,))
    return Derived(True, f"{len(files)} client file(s) scanned, no violation (I001)", (policy.path, *files))


def provenance_frozen(ws: Workspace, result: CheckResult, spec: dict[str, Any]) -> Derived:
    """decisions/provenance.yaml is configured and P001 finds nothing."""
    policy = ws.decisions.provenance
    if policy is None:
        return Derived(False, "no decisions/provenance.yaml")
    if not result.ran("P001"):
        return _not_run("P001")
    hits = result.of_rule("P001")
    if hits:
        return Derived(False, f"{len(hits)} P001 finding(s), first: {hits[0].message}", (policy.path,))
    return Derived(True, f"{len(policy.fields)} fields defined and required at "
                         f"{policy.canonical_record}#{policy.pointer}", (policy.path, policy.canonical_record))


def delta_frozen(ws: Workspace, result: CheckResult, spec: dict[str, Any]) -> Derived:
    """The delta register entry exists with status frozen."""
    delta = next((d for d in ws.decisions.deltas if d.id == spec.get("delta")), None)
    if delta is None:
        return Derived(False, f"no delta {spec.get('delta')!r} in decisions/deltas/")
    return Derived(delta.status == "frozen", f"delta {delta.id} is {delta.status or 'without status'}", (delta.path,))


def ownership_complete(ws: Workspace, result: CheckResult, spec: dict[str, Any]) -> Derived:
    """Every reuse/extend family has both an owner and a stability tier."""
    reused = [f for f in ws.families if f.decision in REUSED]
    gaps = [g for f in reused if (g := _fields_gap(ws, f.id, ("owner", "stability_tier")))]
    paths = tuple(f.path for f in reused)
    if gaps:
        return Derived(False, "; ".join(gaps), paths)
    return Derived(True, f"all {len(reused)} reuse/extend families have owner and stability_tier", paths)


def duplication_guard(ws: Workspace, result: CheckResult, spec: dict[str, Any]) -> Derived:
    """A gate in gates.yaml is enforced by O002 and that rule is registered."""
    gates = [g.id for g in ws.decisions.gates if GUARD_RULE in g.enforced_by]
    if not gates:
        return Derived(False, f"no gate in decisions/gates.yaml is enforced_by {GUARD_RULE}")
    if get_rule(GUARD_RULE) is None:
        return Derived(False, f"gate {gates[0]} names {GUARD_RULE}, but no such rule is registered",
                       ("decisions/gates.yaml",))
    return Derived(True, f"gate {gates[0]} is enforced by {GUARD_RULE} (reuse-only guard)", ("decisions/gates.yaml",))


DERIVATIONS: dict[str, Callable[[Workspace, CheckResult, dict[str, Any]], Derived]] = {
    fn.__name__: fn for fn in (family_decided, wire_contract_frozen, invocation_policy_enforced,
                               provenance_frozen, delta_frozen, ownership_complete, duplication_guard)
}


def _manual_row(item: ChecklistItem, present: tuple[str, ...]) -> ChecklistRow:
    missing = [p for p in item.evidence if p not in present]
    if item.done and not missing:
        return ChecklistRow(item, "done", "manual", present, "ticked done; all evidence present")
    why = (f"ticked done, but evidence missing: {', '.join(missing)}" if item.done
           else "not ticked" if item.done is None else "ticked not done")
    return ChecklistRow(item, "open", "manual", present, why)


def derive_item(ws: Workspace, item: ChecklistItem, result: CheckResult) -> ChecklistRow:
    """Status of one item: derived (possibly contradicted by its tick) or manual."""
    present = tuple(p for p in item.evidence if ws.exists(p))
    kind = (item.derive or {}).get("kind")
    if kind not in DERIVATIONS:
        return _manual_row(item, present)
    got = DERIVATIONS[kind](ws, result, item.derive or {})
    status = "done" if got.done else "open"
    text = got.text
    if item.done is not None and item.done != got.done:
        status = "contradicted"
        text = f"ticked {'done' if item.done else 'not done'}, but derived {'done' if got.done else 'open'}: {got.text}"
    evidence = tuple(dict.fromkeys(p for p in (*got.paths, *present) if ws.exists(p)))
    return ChecklistRow(item, status, "derived", evidence, text)


@dataclass(frozen=True)
class GateState:
    """A CI gate of decisions/gates.yaml as this check leaves it (from its rules' findings)."""

    status: str  # failing | passing | not run | external
    text: str


def gate_state(gate: Gate, result: CheckResult) -> GateState:
    """Failing when a rule enforcing the gate reports an error not accepted in the baseline; "not run" when none
    of its rules ran (`--select`, or rules that need `--against`); "external" when no rule enforces it."""
    if not gate.enforced_by:
        return GateState("external", f"no workbench rule: {gate.external or 'not enforced'}")
    ran = [r for r in gate.enforced_by if result.ran(r)]
    idle = [r for r in gate.enforced_by if r not in ran]
    later = all((rule := get_rule(r)) is not None and rule.needs_baseline for r in idle)
    note = f" ({', '.join(idle)} did not run{': they need --against' if later else ''})" if idle else ""
    if not ran:
        return GateState("not run", f"none of {', '.join(gate.enforced_by)} ran" + note)
    found = [f for f in result.findings if f.rule in ran and not f.baselined]
    errors = [f for f in found if f.severity == "error"]
    if errors:
        first = errors[0]
        return GateState("failing", f"{len(errors)} error(s), first {first.rule} {first.where}: {first.message}"
                         + note)
    warnings = sum(f.severity == "warning" for f in found)
    return GateState("passing", f"{', '.join(ran)}: no error" + (f", {warnings} warning(s)" if warnings else "")
                     + note)


def derive_checklist(ws: Workspace, result: CheckResult) -> tuple[ChecklistRow, ...]:
    """Every item of decisions/checklist.yaml with its status, in file order, from `result`'s findings."""
    return tuple(derive_item(ws, item, result) for item in ws.decisions.checklist)
