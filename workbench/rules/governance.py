"""governance: every contract schema is decided, owned and versioned.

The predicates the checklist shares (`missing_fields`, `new_family_gaps`,
`find_cycles`) live in `workbench/policy.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..jsontext import Tokens
from ..model import Family, SchemaDoc
from ..policy import find_cycles, missing_fields, new_family_gaps
from .registry import FINAL, Hit, RuleContext, all_rules, resolve, rule

WORK_PACKAGES = "decisions/work_packages.yaml"
BASELINE = "decisions/baseline.yaml"
DECIDED = ("owner", "stability_tier", "decision", "intent_class")  # G002: what makes a family governable
VERSIONED = ("version_policy", "wire_mapping")  # G004
GATES = "decisions/gates.yaml"
ERROR_MAPPING = "decisions/error_mapping.yaml"
DEFAULT_REASON_CATALOG = "ssot/schemas/reason.codes.schema.json"
DEFAULT_RPC_ERROR_SCHEMA = "ssot/schemas/rpc.error.schema.json"
_WP_ID = re.compile(r"^D[0-9]+$")


def _family_line(fam: Family, key: str) -> int | None:
    return fam.line(key) or fam.line("family") or 1


@rule("G001", "schema-without-family", "governance", "warning")
def schema_without_family(ctx: RuleContext) -> Iterator[Hit]:
    """A contract schema belongs to no family in `decisions/families/`, so nobody has
    decided whether the gateway reuses, extends or replaces it, and the reuse matrix
    is incomplete.
    Shared `$defs` libraries (`schemas.shared_globs`) and pinned upstream schemas
    (`pin_manifest.json`: upstream's, reused by a family or not) are exempt. The
    severity is `governance.undecided` in decisions/workspace.yaml: `warning` by default, so a
    repository can adopt the workbench without a red CI; set `error` once every
    schema must be decided.

    Why it matters: an undecided schema has no owner and no reuse/extend/new decision, so the reuse matrix cannot
    say whether the gateway may depend on it.

    How to fix: add it to a family's `schemas` (`workbench init` writes a start), or make it a shared library
    through `schemas.shared_globs`.
    """
    severity = ctx.ws.config.undecided
    for s in ctx.ws.undecided:
        yield Hit(f"schema {s.path} is in no family (no reuse/extend/new decision)", s.path, 1, (s.name,), severity)


@rule("G002", "family-incomplete", "governance", "error")
def family_incomplete(ctx: RuleContext) -> Iterator[Hit]:
    """A family record lacks an owner (who approves changes), a stability tier (the
    compatibility promise) or a reuse/extend/new decision, or uses an intent class or
    stability tier outside the vocabularies of `decisions/workspace.yaml`. These are
    the columns of the reuse matrix that make a family governable. A record that is
    still a guess by `workbench init` (`guess: true`) is a draft: G011 lists what it
    lacks, and only its vocabulary is checked here.

    Why it matters: owner, stability tier and decision are what make a family governable: without them nobody
    approves its changes and its compatibility promise is unknown.

    How to fix: fill in `owner`, `stability_tier` and `decision` in the family record, with values from the
    vocabularies of decisions/workspace.yaml.
    """
    cfg = ctx.ws.config
    for fam in ctx.ws.families:
        for name in () if fam.guess else missing_fields(fam, DECIDED):
            yield Hit(f"family {fam.id!r} has no {name}", fam.path, _family_line(fam, name), (fam.id, name))
        for name, value, allowed in (("intent_class", fam.intent_class, cfg.intent_classes),
                                     ("stability_tier", fam.stability_tier, cfg.stability_tiers)):
            if value and value not in allowed:
                yield Hit(f"family {fam.id!r}: {name} {value!r} is not one of {', '.join(allowed)}",
                          fam.path, _family_line(fam, name), (fam.id, name))


@rule("G003", "new-without-rationale", "governance", "error")
def new_without_rationale(ctx: RuleContext) -> Iterator[Hit]:
    """A family decided as `new` must justify not reusing: `alternatives_considered`
    lists the existing families that were evaluated (each must exist), the
    `rationale` names at least one of them and says why it could not be reused or
    extended, and `downstream_consumers` names the issues that need the new contract.

    Why it matters: a new family that does not say why it could not reuse an existing one is a duplicate waiting to
    happen (an overlap risk).

    How to fix: list the evaluated families in `alternatives_considered`, name at least one in `rationale` with why
    it could not be reused or extended, and name the issues that need it in `downstream_consumers`; or reuse or
    extend an existing family.
    """
    for fam in ctx.ws.families:
        for message, key in new_family_gaps(ctx.ws, fam):
            yield Hit(f"new family {fam.id!r} {message}", fam.path, _family_line(fam, key), (fam.id,))


@rule("G004", "family-without-version-policy", "governance", "warning")
def family_without_version_policy(ctx: RuleContext) -> Iterator[Hit]:
    """A family has no `version_policy` (how its schemas may change and how versions
    are cut) or no `wire_mapping` (its proto/openapi representation, or `none` with a
    reason).
    A draft by `workbench init` (`guess: true`) is reported by G011 instead.

    Why it matters: without both, the wire freeze has nothing to hold the family to: nobody knows how its schemas
    may change or how they travel.

    How to fix: add `version_policy` and `wire_mapping` (or `wire_mapping: "none: REASON"`) to the family record.
    """
    for fam in ctx.ws.families:
        for name in () if fam.guess else missing_fields(fam, VERSIONED):
            yield Hit(f"family {fam.id!r} has no {name}", fam.path, _family_line(fam, "family"), (fam.id, name))


@rule("G005", "delta-incomplete", "governance", "error")
def delta_incomplete(ctx: RuleContext) -> Iterator[Hit]:
    """A delta register entry lacks an authority owner, a compatibility rule or
    downstream consumers (the delta register requires all three for every delta), or names a
    family (as `family` or in `upstream_candidates`) that does not exist.

    Why it matters: the delta register is how a changed contract gets an owner with authority, a compatibility rule
    and the issues that depend on it; an entry without them, or naming a family that does not exist, cannot be acted
    on.

    How to fix: fill in `authority_owner`, `compatibility_rule` and `downstream_consumers`, and name existing
    families.
    """
    ws = ctx.ws
    for d in ws.decisions.deltas:
        here = d.lines.get("delta") or 1
        for name in missing_fields(d, ("authority_owner", "compatibility_rule", "downstream_consumers")):
            yield Hit(f"delta {d.id!r} has no {name}", d.path, here, (d.id, name))
        named = [("family", d.family)] + [(f"upstream_candidates.{i}", f) for i, f in enumerate(d.upstream_candidates)]
        for key, fam_id in named:
            if fam_id and ws.family(fam_id) is None:
                yield Hit(f"delta {d.id!r} names unknown family {fam_id!r} ({key.split('.')[0]})",
                          d.path, d.lines.get(key) or here, (d.id, fam_id))


@rule("G006", "work-package-graph", "governance", "error")
def work_package_graph(ctx: RuleContext) -> Iterator[Hit]:
    """The work package graph in `decisions/work_packages.yaml` is broken: a
    `depends_on` cycle (no package in it can ever start), or a `depends_on`,
    `enables` or handoff `consumes` entry naming a work package that does not exist.
    A work package that `decisions/plan.yaml` cites (a document's `work_packages`,
    `identifier_mapping_package`) must exist too. An `enables` list that disagrees
    with the inverse of `depends_on` (D1 enables D2, but D2 does not depend on D1,
    or the other way round) is a warning.

    Why it matters: the work package graph orders the plan: a cycle means nothing in it can ever start, and a name
    that does not exist is a dependency nobody delivers.

    How to fix: break the cycle, correct or remove the entry naming an unknown package, and make each `enables` the
    inverse of `depends_on`.
    """
    wps = {p.id: p for p in ctx.ws.decisions.work_packages}
    for cycle in find_cycles({p.id: tuple(d for d in p.depends_on if d in wps) for p in wps.values()}):
        yield Hit(f"work package dependency cycle: {' -> '.join(cycle)}", WORK_PACKAGES, wps[cycle[0]].line,
                  tuple(cycle))
    for p in wps.values():
        for key, ref in [("depends_on", d) for d in p.depends_on] + [("enables", e) for e in p.enables]:
            if _WP_ID.match(ref) and ref not in wps:
                yield Hit(f"{p.id} {key} unknown work package {ref}", WORK_PACKAGES, p.line, (p.id, ref))
        for e in p.enables:
            if e in wps and p.id not in wps[e].depends_on:
                yield Hit(f"{p.id} enables {e}, but {e} does not depend on {p.id}", WORK_PACKAGES, p.line,
                          (p.id, e), "warning")
        for d in p.depends_on:
            if d in wps and p.id not in wps[d].enables:
                yield Hit(f"{p.id} depends on {d}, but {d} does not list {p.id} in enables", WORK_PACKAGES,
                          wps[d].line, (d, p.id), "warning")
    for h in ctx.ws.decisions.handoff:
        for ref in h.consumes:
            if ref not in wps:
                yield Hit(f"handoff {h.issue} consumes unknown work package {ref}", WORK_PACKAGES, h.line,
                          (h.issue, ref))
    plan = ctx.ws.decisions.plan
    cited = [("identifier_mapping_package", "identifier_mapping_package", plan.identifier_mapping_package)] + [
        (f"documents.{name}.work_packages.{i}", f"work_packages of {name}", ref)
        for name, labels in plan.documents for i, ref in enumerate(labels.work_packages)]
    for key, where, ref in cited:
        if ref and plan.path and ref not in wps:
            yield Hit(f"{plan.path} cites unknown work package {ref} ({where})", plan.path,
                      plan.lines.get(key) or 1, ("plan", ref))


@rule("G009", "gate-unknown-rule", "governance", "error")
def gate_unknown_rule(ctx: RuleContext) -> Iterator[Hit]:
    """A CI gate in `decisions/gates.yaml` lists a rule ID in `enforced_by` that no
    registered workbench rule has (see `workbench rules`): the gate claims an
    enforcement that does not run.

    Why it matters: a gate that lists a rule that does not run claims an enforcement CI never performs.

    How to fix: write an id `workbench rules` lists, or remove it from `enforced_by`.
    """
    known = {r.id for r in all_rules()}
    for gate in ctx.ws.decisions.gates:
        for rule_id in gate.enforced_by:
            if rule_id not in known and resolve(rule_id).rule is None:  # a former id: G014
                yield Hit(f"gate {gate.id!r} is enforced_by {rule_id}, which is not a workbench rule",
                          GATES, gate.line, (gate.id, rule_id))


def _enum_at(ctx: RuleContext, schema: SchemaDoc | None, *keys: str) -> list[Any] | None:
    """The `enum` of the subschema at `keys` (following `$ref`s), or None."""
    if schema is None:
        return None
    uri = schema.uri
    node: Any = schema.body
    for key in keys:
        uri, node = ctx.refs.deref(uri, node)
        node = node.get(key) if isinstance(node, dict) else None
    _, node = ctx.refs.deref(uri, node)
    enum = node.get("enum") if isinstance(node, dict) else None
    return enum if isinstance(enum, list) else None


def _catalog_refs(ctx: RuleContext, rpc: SchemaDoc, catalog: SchemaDoc) -> Iterator[Tokens]:
    """Pointers in the rpc error schema whose `$ref` lands in the reason catalog."""
    for ptr, ref, base, _ in ctx.refs.refs_of(rpc):
        target = ctx.refs.resolve(base, ref)
        if target.status == "ok" and target.doc == catalog.uri:
            yield ptr


@rule("G010", "reason-code-unmapped", "governance", "error")
def reason_code_unmapped(ctx: RuleContext) -> Iterator[Hit]:
    """Policy reason codes must not leak into the gateway as rpc errors unmapped
    (an overlap risk): when the rpc error schema refers to the reason catalog,
    `decisions/error_mapping.yaml` must exist; every code of the catalog's
    `$defs/reason_code` enum needs a mapping row; and each row must name a reason code
    of the catalog and an rpc code of the rpc error schema's `code` enum.

    Why it matters: an unmapped reason code reaches clients as an rpc error nobody defined, so they cannot handle
    it.

    How to fix: add a row to decisions/error_mapping.yaml for every reason code, each naming an existing reason code
    and rpc code.
    """
    ws, policy = ctx.ws, ctx.ws.decisions.error_mapping
    rpc_path = (policy and policy.rpc_error_schema) or DEFAULT_RPC_ERROR_SCHEMA
    cat_path = (policy and policy.reason_catalog) or DEFAULT_REASON_CATALOG
    rpc, catalog = ws.schema(rpc_path), ws.schema(cat_path)
    if policy is None:
        if rpc and catalog:
            for ptr in _catalog_refs(ctx, rpc, catalog):
                yield Hit(f"{rpc.path} refers to reason codes ({cat_path}) but {ERROR_MAPPING} is missing: "
                          "map each reason code to an rpc error code", rpc.path, rpc.source.line_of(ptr),
                          (rpc.name, catalog.name))
        return
    for key, path, doc in (("rpc_error_schema", rpc_path, rpc), ("reason_catalog", cat_path, catalog)):
        if doc is None:
            yield Hit(f"{key} {path} is not a schema in the workspace", policy.path,
                      policy.lines.get(key) or 1, (path,))
    reasons, rpc_codes = _enum_at(ctx, catalog, "$defs", "reason_code"), _enum_at(ctx, rpc, "properties", "code")
    mapped = {m.reason_code for m in policy.mappings}
    for code in reasons or ():
        if code not in mapped:
            yield Hit(f"reason code {code} has no rpc error mapping", policy.path,
                      policy.lines.get("mappings") or 1, (str(code),))
    for i, m in enumerate(policy.mappings):
        line = policy.lines.get(f"mappings.{i}") or 1
        if reasons is not None and m.reason_code not in reasons:
            yield Hit(f"mapping names reason code {m.reason_code}, which is not in {cat_path}", policy.path, line,
                      (m.reason_code,))
        if rpc_codes is not None and m.rpc_code not in rpc_codes:
            yield Hit(f"mapping of {m.reason_code} names rpc code {m.rpc_code or '(none)'}, which is not in the "
                      f"`code` enum of {rpc_path}", policy.path, policy.lines.get(f"mappings.{i}.rpc_code") or line,
                      (m.reason_code, m.rpc_code))


@rule("G011", "family-guess", "governance", "info")
def family_guess(ctx: RuleContext) -> Iterator[Hit]:
    """The family record was written by `workbench init` (`guess: true`): its
    classification, owner and decision are a starting point inferred from file names,
    not an architect's decision.

    Why it matters: a guessed classification, owner or decision is not an architect's decision; the matrix should
    not present it as one.

    How to fix: review the record, fill in what it lacks (the message lists it; G002 and G004 report those fields
    once `guess` is removed) and remove `guess`.
    """
    for fam in ctx.ws.families:
        if fam.guess:
            lacks = missing_fields(fam, DECIDED + VERSIONED)
            todo = f"; it has no {', '.join(lacks)}" if lacks else ""
            yield Hit(f"family {fam.id!r} is a guess by `workbench init`: confirm it and remove `guess`{todo}",
                      fam.path, _family_line(fam, "guess"), (fam.id,))


@rule("G014", "rule-id-stale", "governance", "warning")
def rule_id_stale(ctx: RuleContext) -> Iterator[Hit]:
    """A waiver or an entry of `decisions/baseline.yaml` names a rule id that is not
    a current workbench rule: one that was renamed, deprecated or removed, or one
    that never existed (`workbench rules` lists each rule and its status). So does
    a CI gate's `enforced_by` naming a former id (an id that never existed there is
    G009).

    Why it matters: rule ids are written into these files, so a renamed rule keeps
    answering to its former id (the waiver and the baseline entry still apply, the
    gate still counts it) and this warning is the only sign of it; a waiver or entry
    for a removed or unknown rule applies to nothing, silently.

    How to fix: write the id the message names (`workbench explain OLD` shows the
    rule that answers for it now), or delete what names a removed or unknown rule."""
    decisions = ctx.ws.decisions
    named = [(w.rule, w.path, w.line, f"waiver of {w.rule} for {w.subject!r}") for w in decisions.all_waivers]
    named += [(e.rule, BASELINE, e.line, f"baseline entry {e.rule}") for e in decisions.baseline or ()]
    gates = [(rule_id, GATES, gate.line, f"gate {gate.id!r} (enforced_by {rule_id})")
             for gate in decisions.gates for rule_id in gate.enforced_by]
    for rule_id, path, line, what in named + gates:
        found = resolve(rule_id)
        if found.note:
            yield Hit(f"{what}: {found.note}", path, line, (rule_id,))
        elif found.rule is None and path != GATES:
            yield Hit(f"{what}: {rule_id} is not a workbench rule, so it applies to nothing", path, line,
                      (rule_id,))


@rule("G012", "waiver-expired", "governance", "warning")
def waiver_expired(ctx: RuleContext) -> Iterator[Hit]:
    """A waiver's `expires` date has passed: it no longer applies, so the finding it
    explained is back at its own severity. (Dates compare with today's, or with
    `$WORKBENCH_TODAY` when set.)

    Why it matters: an expired waiver no longer applies, so the finding it explained is back at its own severity.

    How to fix: renew the waiver with a new date and reason, or fix what it explained.
    """
    for w in ctx.ws.decisions.all_waivers:
        if w.expired(ctx.today):
            yield Hit(f"waiver of {w.rule} for {w.subject!r} expired on {w.expires}: {w.reason}", w.path,
                      w.line, (w.rule, w.subject))


@rule("G013", "baseline-entry-gone", "governance", "info", stage=FINAL)
def baseline_entry_gone(ctx: RuleContext) -> Iterator[Hit]:
    """An entry of `decisions/baseline.yaml` matches no finding any more: what it
    accepted was fixed (or its rule, subjects or pointer changed), or the finding
    still occurs but as info (a waiver covers it now), so it needs no accepting.

    Why it matters: a baseline entry that matches nothing could later accept a new finding that happens to match it;
    the baseline should only shrink.

    How to fix: run `workbench baseline` to rewrite the file without it.
    """
    for e in ctx.stale:
        what = f" at {e.pointer}" if e.pointer else ""
        where = f" in {e.file}" if e.file else ""
        entry = f"baseline entry {e.rule} {', '.join(e.subjects) or '(no subjects)'}{what}{where}"
        why = ctx.covered.get(e.fingerprint)
        if why is None:
            message = f"{entry} no longer occurs: run `workbench baseline` to drop it"
        elif why.startswith("waived"):
            message = (f"{entry} is not needed: a waiver covers the finding, which is info now ({why}); "
                       "run `workbench baseline` to drop the entry")
        else:
            message = (f"{entry} is not needed: the finding is info now, and info never fails `--check`; "
                       "run `workbench baseline` to drop the entry")
        yield Hit(message, BASELINE, e.line, (e.rule, *e.subjects))
