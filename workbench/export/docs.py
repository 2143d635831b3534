"""The five M1 documents, each rendered from one workspace snapshot.

Every renderer takes an `Inputs` (the snapshot plus lazily derived data shared
by all documents) and returns Markdown; tables go through `markdown.table`.
Row order is data order (YAML list order, sorted ids), never dict or set order.
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from ..analysis import buf
from ..analysis.refs import RefIndex
from ..analysis.wire import WirePlan, mapped_families, mapped_schemas, plan_of
from ..engine import CheckResult
from ..findings import CATEGORIES, SEVERITIES, Finding
from ..model import GENERATED_MARKER, Delta, DocHeader, Family, Pin, Plan, WorkPackage, Workspace
from ..rules.pins import depending_families
from ..rules.registry import ChecklistRowView, get_rule
from ..schema.uri import pointer_str
from . import mapping
from .markdown import Md, bullets, cell, code, codes, link, paragraph, section, table

HEADER = f"<!-- {GENERATED_MARKER} from ssot/ and decisions/: do not edit by hand -->"
CHANGING = ("new", "extend")  # decisions whose schemas M2 must map to proto
# the documents (file names in the export folder); decisions/plan.yaml's `documents` and phases name them
REUSE_MATRIX = "m1_contract_reuse_matrix.md"
DELTA_REGISTER = "m1_contract_delta_register.md"
DEPENDENCY_MATRIX = "m1_dependency_matrix.md"
CI_ENFORCEMENT = "m1_ci_enforcement_mapping.md"
HANDOFF = "m1_to_m2_handoff.md"
DELTA_DETAILS = (  # optional per-delta prose, shown under its own heading when a delta has it
    ("why_insufficient", "Why the SSOT is insufficient"),
    ("minimum_v1_surface", "Minimum v1 surface"),
    ("migration_plan", "Migration/merge plan"),
)


def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts D2 before D10."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text) if p)


@dataclass
class Inputs:
    """A snapshot and its check result (findings and derived checklist), plus what several
    documents derive from them (computed once per render)."""

    ws: Workspace
    result: CheckResult

    @cached_property
    def refs(self) -> RefIndex:
        return RefIndex.of(self.ws)

    @cached_property
    def findings(self) -> list[Finding]:
        """The findings the docs summarise: every rule judging the workspace alone (not a baseline)."""
        own = {r.id for r in self.result.rules if not r.needs_baseline}
        return [f for f in self.result.findings if f.rule in own]

    @property
    def checklist(self) -> tuple[ChecklistRowView, ...]:
        return self.result.checklist

    @cached_property
    def families(self) -> list[Family]:
        """Families grouped by intent class (config order), then by id."""
        order = {c: i for i, c in enumerate(self.ws.config.intent_classes)}

        def rank(f: Family) -> int:
            return len(order) if f.intent_class is None else order.get(f.intent_class, len(order))

        return sorted(self.ws.families, key=lambda f: (rank(f), f.intent_class or "", f.id))

    @cached_property
    def pins(self) -> list[tuple[Pin, list[str]]]:
        """Every pinned artifact (manifest order) and the families depending on it."""
        families = depending_families(self.ws, self.refs) if self.ws.pins else {}
        return [(a, families[a.path]) for pm in self.ws.pins for a in pm.artifacts]

    @cached_property
    def changing(self) -> list[Family]:
        return [f for f in self.families if f.decision in CHANGING]

    @cached_property
    def identifier_uses(self) -> list[mapping.IdentifierUse]:
        return mapping.identifier_uses(self.ws, self.refs)

    @cached_property
    def wire(self) -> WirePlan:
        return plan_of(self.ws)

    @cached_property
    def representation(self) -> list[mapping.FieldMapping]:
        return mapping.representation(self.wire, mapped_schemas(self.ws))

    def rule(self, rule_id: str) -> Md:
        """`V001` schema-meta-invalid (or a note when no rule has that id)."""
        found = get_rule(rule_id)
        return Md(f"{code(rule_id)} {cell(found.name if found else '(unknown rule)')}")

    def rules(self, rule_ids: Iterable[str]) -> Md:
        return Md(", ".join(self.rule(r) for r in rule_ids))


def document(inp: Inputs, name: str, title: str, intro: str, *sections: str) -> str:
    """Header comment, title (plan.yaml's, else `title`), header metadata, intro (a paragraph) and
    sections, with one trailing newline."""
    plan = inp.ws.decisions.plan
    parts = [HEADER + "\n", f"# {cell(plan.document(name).title or title)}\n", _metadata(plan.doc_header(name)),
             intro, *sections]
    return "\n".join(p.rstrip("\n") + "\n" for p in parts if p)


def _metadata(header: DocHeader) -> str:
    """"**Issue:** `#57` · **Depends on:** `#61` (...) · **Last updated:** 2026-02-25" (only the keys given)."""
    pieces = []
    if header.issue:
        pieces.append(Md("**Issue:** " + _reference(header.issue)))
    if header.depends_on:
        pieces.append(Md("**Depends on:** " + ", ".join(_reference(d) for d in header.depends_on)))
    if header.last_updated:
        pieces.append(Md("**Last updated:** " + cell(header.last_updated)))
    return paragraph(Md(" · ".join(pieces))) if pieces else ""


def _reference(text: str) -> Md:
    """User text whose leading issue reference (`#61`) is shown as code: "`#61` (Runtime ...)"."""
    found = _ISSUE.match(text.strip())
    if not found:
        return cell(text)
    rest = found.group(2)
    return Md(code(found.group(1)) + (" " + cell(rest) if rest.strip() else ""))


_ISSUE = re.compile(r"(#[0-9]+)(?![0-9A-Za-z_])(.*)", re.S)


def _cited(plan: Plan, name: str, phase: bool = True) -> str:
    """" (M1 plan P1; work packages D1, D2)" for a document's intro, or "" when plan.yaml cites nothing."""
    citation = plan.citation(name, phase)
    return f" ({citation})" if citation else ""


def _numbered(plan: Plan, key: str) -> str:
    """" (section 2.2)" when plan.yaml numbers that section of the plan, else ""."""
    number = plan.section(key)
    return f" (section {number})" if number else ""


# ---------------------------------------------------------------- shared tables

def gates_table(inp: Inputs) -> str:
    tiers = {g.id: [c.tier for c in inp.ws.decisions.change_classes if g.id in c.required_checks]
             for g in inp.ws.decisions.gates}
    return table(
        ["gate", "title", "workbench rules", "external tool", "blocking", "required for tiers", "description"],
        [[code(g.id), g.title, inp.rules(g.enforced_by), g.external or ("" if g.enforced_by else "none"),
          "yes" if g.blocking else "no", codes(tiers[g.id], "none"), g.description]
         for g in inp.ws.decisions.gates])


def change_classes_table(inp: Inputs) -> str:
    return table(
        ["stability_tier", "families", "allowed changes", "required checks"],
        [[code(c.tier), codes(f.id for f in inp.families if f.stability_tier == c.tier), c.allowed,
          codes(c.required_checks, "none")] for c in inp.ws.decisions.change_classes])


def identifier_mapping(inp: Inputs) -> str:
    """Where each identifier of identifiers.yaml is carried, and how that place defines it."""
    used = {u.identifier for u in inp.identifier_uses}
    rows = [[code(u.identifier), code(u.schema), code(u.pointer), code(u.defined_by),
             "yes" if u.canonical else "no (drift)"] for u in inp.identifier_uses]
    rows += [[code(i.name), "(no schema)", "", code(i.definition), ""]
             for i in inp.ws.decisions.identifiers if i.name not in used]
    return table(["identifier", "schema", "JSON pointer", "defined by", "canonical"], rows)


# ---------------------------------------------------------------- m1_contract_reuse_matrix.md

def reuse_matrix(inp: Inputs) -> str:
    ws = inp.ws
    plan = ws.decisions.plan
    # the representation deltas column only when some family records them (the plan's P1 columns do not)
    deltas = any(f.representation_deltas for f in inp.families)
    return document(
        inp, REUSE_MATRIX, "M1 contract reuse matrix",
        paragraph(f"One row per contract family of decisions/families/{_cited(plan, REUSE_MATRIX)}, "
                  "grouped by intent class. The reuse policy and guardrails come from decisions/gates.yaml "
                  "and decisions/risks.yaml."),
        section("Inventory by intent class", _inventory(inp)),
        section("Contract families", table(
            ["contract_family", "intent_class", "owner", "stability_tier", "current_usage",
             "candidate_gateway_usage", "decision", "rationale", "wire mapping",
             *(["representation deltas"] if deltas else []), "version policy"],
            [[code(f.id), code(f.intent_class), f.owner, code(f.stability_tier), f.current_usage,
              f.candidate_gateway_usage, code(f.decision), f.rationale, f.wire_mapping,
              *([f.representation_deltas] if deltas else []), f.version_policy]
             for f in inp.families])),
        section("Schemas per family", _schema_list(inp)),
        section("Pinned upstream contracts", paragraph(
            "Files copied from upstream repositories, each pinned by its SHA-256 in its pin folder's "
            "pin_manifest.json. A pinned file is never edited here (U001): it changes by a pin update, which ",
            code("--against"), " judges like any schema change (C001). Families reuse a pinned schema by "
            "listing it in ", code("schemas"), "."), _pins(inp)) if inp.pins else "",
        section("Reuse evaluation", table(
            ["contract_family", "decision", "alternatives considered", "downstream consumers", "waivers"],
            [[code(f.id), code(f.decision), codes(f.alternatives_considered, "none"),
              codes(f.downstream_consumers, "none"),
              Md("<br>".join(f"{code(w.rule)} {code(w.subject)}: {cell(w.reason)}" for w in f.waivers))]
             for f in inp.families])),
        section("Reuse policy", paragraph(
            "What each stability tier allows and which gates (see m1_ci_enforcement_mapping.md) must "
            "pass before a change to a family of that tier merges."), change_classes_table(inp)),
        section("Guardrails", paragraph(f"The overlap risks of the {plan.name}{_numbered(plan, 'risks')} "
                                        "and what detects them."),
                table(["risk", "why", "mitigation", "enforced by"],
                      [[r.risk, r.why, r.mitigation, inp.rules(r.enforced_by) or "process only"]
                       for r in ws.decisions.risks])),
    )


def _inventory(inp: Inputs) -> str:
    """Families, schemas and decisions per intent class (configured classes first, then any other)."""
    classes = dict.fromkeys([*inp.ws.config.intent_classes, *(f.intent_class or "" for f in inp.families)])
    rows = []
    for intent in classes:
        fams = [f for f in inp.families if (f.intent_class or "") == intent]
        rows.append([code(intent) if intent else "(unclassified)", len(fams), sum(len(f.schemas) for f in fams),
                     *(sum(1 for f in fams if f.decision == d) for d in ("reuse", "extend", "new"))])
    rows.append(["(no family)", 0, len(inp.ws.undecided), 0, 0, 0])
    return table(["intent_class", "families", "schemas", "reuse", "extend", "new"], rows)


def _schema_list(inp: Inputs) -> str:
    """Each family's schemas, then schemas in no family, pinned upstream schemas no family reuses, then the
    shared `$defs` libraries; a pinned schema's title says where it is pinned from."""
    ws = inp.ws

    def title(path: str) -> str:
        s = ws.schema(path)
        if s is None:
            return "(not loaded)"
        return f"{s.title} (pinned from {s.pin.repository})" if s.pin else s.title

    rows = [[code(f.id), code(path), title(path), len(ws.examples_of(path))] for f in inp.families
            for path in f.schemas]
    rows += [["(no family)", code(s.path), s.title, len(ws.examples_of(s.path))] for s in ws.undecided]
    rows += [["(pinned upstream, no family)", code(s.path), title(s.path), len(ws.examples_of(s.path))]
             for s in ws.contract_schemas if s.pin and ws.family_of(s.path) is None]
    rows += [["(shared $defs library)", code(s.path), title(s.path), ""] for s in ws.schemas if s.shared]
    return table(["contract_family", "schema", "title", "examples"], rows)


def _pins(inp: Inputs, deltas: tuple[Delta, ...] | None = None) -> str:
    """Each pinned artifact: its upstream repository (and ref), source path, SHA-256 and the families
    depending on it (listing it in `schemas`, or reaching it by `$ref`); with `deltas`, the deltas of those
    families (as `family` or an upstream candidate)."""
    rows = []
    for pin, fams in inp.pins:
        named = [] if deltas is None else [
            d.id for d in deltas if d.family in fams or set(d.upstream_candidates) & set(fams)]
        rows.append([code(pin.path), "schema" if pin.schema else "file",
                     Md(code(pin.repository) + (f" at {code(pin.ref)}" if pin.ref else "")),
                     code(pin.upstream_path), code(pin.sha256), codes(fams, "none"),
                     *([] if deltas is None else [codes(named, "none")])])
    return table(["pinned file", "kind", "upstream repository", "source path", "sha256", "families",
                  *([] if deltas is None else ["deltas"])], rows)


# ---------------------------------------------------------------- m1_contract_delta_register.md

def delta_register(inp: Inputs) -> str:
    deltas = inp.ws.decisions.deltas
    status = Counter(d.status or "no status" for d in deltas)
    return document(
        inp, DELTA_REGISTER, "M1 contract delta register",
        paragraph(f"Contracts not reusable as-is{_cited(inp.ws.decisions.plan, DELTA_REGISTER)}, one entry per "
                  f"file in decisions/deltas/. {len(deltas)} deltas: "
                  + (", ".join(f"{n} {s}" for s, n in sorted(status.items())) or "none") + "."),
        section("Deltas", table(
            ["delta", "title", "family", "kind", "authority_owner", "compatibility_rule",
             "upstream candidates evaluated", "risk", "downstream_consumers", "status"],
            [[code(d.id), d.title, code(d.family), code(d.kind), d.authority_owner, d.compatibility_rule,
              codes(d.upstream_candidates, "none"), d.risk, codes(d.downstream_consumers), code(d.status)]
             for d in deltas])),
        _delta_details(deltas),
        section("Deltas per new or extended family", table(
            ["contract_family", "decision", "stability_tier", "deltas"],
            [[code(f.id), code(f.decision), code(f.stability_tier),
              codes((d.id for d in deltas if d.family == f.id), "none")] for f in inp.changing])),
        section("Pinned upstream contracts", paragraph(
            "Upstream contracts are not changed by a delta here: they change upstream and arrive as a pin "
            "update. The deltas whose family, or one of whose upstream candidates, depends on a pinned file:"),
            _pins(inp, deltas)) if inp.pins else "",
    )


def _delta_details(deltas: tuple[Delta, ...]) -> str:
    """Why the SSOT is insufficient, the minimum v1 surface and the migration plan of each delta that
    records any of them (no section when none does: the plan's P2 asks for none of them)."""
    entries = []
    for d in deltas:
        given = [(label, getattr(d, key)) for key, label in DELTA_DETAILS if getattr(d, key)]
        if given:
            entries.append(section(Md(f"{code(d.id)}: {cell(d.title)}"),
                                   *(paragraph(Md(f"**{label}:** "), text) for label, text in given), level=3))
    return section("Delta details", *entries) if entries else ""


# ---------------------------------------------------------------- m1_dependency_matrix.md

def topological_order(packages: Sequence[WorkPackage]) -> tuple[list[str], list[str]]:
    """Kahn's algorithm, ties broken by natural id order; returns (order, ids left in a cycle)."""
    ids = {p.id for p in packages}
    waiting = {p.id: {d for d in p.depends_on if d in ids and d != p.id} for p in packages}
    ready = [(natural(i), i) for i, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, done = heapq.heappop(ready)
        order.append(done)
        for other, deps in waiting.items():
            if done in deps:
                deps.discard(done)
                if not deps:
                    heapq.heappush(ready, (natural(other), other))
    return order, sorted(ids - set(order), key=natural)


def dependency_matrix(inp: Inputs) -> str:
    dec = inp.ws.decisions
    order, cyclic = topological_order(dec.work_packages)
    by_id = {p.id: p for p in dec.work_packages}
    order_rows = [[step, code(wp), by_id[wp].title, codes(by_id[wp].depends_on, "none")]
                  for step, wp in enumerate(order, 1)]
    plan = dec.plan  # the intro cites the plan's work-package section, not the phase
    return document(
        inp, DEPENDENCY_MATRIX, "M1 dependency matrix",
        paragraph(f"Work packages of the {plan.name}{_numbered(plan, 'work_packages')}"
                  f"{_cited(plan, DEPENDENCY_MATRIX, phase=False)} from decisions/work_packages.yaml, the order "
                  "they can be done in, and what each downstream issue consumes."),
        section("Work packages", table(
            ["ID", "work package", "depends on", "enables", "outputs"],
            [[code(p.id), p.title, codes(p.depends_on, "none"), codes(p.enables, "none"), codes(p.outputs, "none")]
             for p in dec.work_packages])),
        section("Order", paragraph("A valid topological order of the depends-on graph "
                                   "(Kahn's algorithm; ties in natural id order)."),
                table(["step", "ID", "work package", "after"], order_rows),
                paragraph("Not orderable (dependency cycle): ", codes(cyclic), ".") if cyclic else ""),
        section("Cross-issue handoff", table(
            ["downstream issue", "title", "M1 artifacts consumed", "documents", "why"],
            [[code(h.issue), h.title, codes(h.consumes, "none"),
              codes(sorted({o for c in h.consumes if c in by_id for o in by_id[c].outputs})), h.why]
             for h in dec.handoff])),
        section("Outputs and consumers", _outputs(inp)),
        section(f"{plan.identifier_mapping_package}: identifier mapping" if plan.identifier_mapping_package
                else "Identifier mapping", paragraph(
            "Where each identifier of decisions/identifiers.yaml is carried (derived from the schemas; "
            "JSON pointers into the schema file)."), identifier_mapping(inp)),
    )


def _outputs(inp: Inputs) -> str:
    """Each output document, the packages producing it and the downstream issues that consume them."""
    dec = inp.ws.decisions
    titles = {h.issue: h.title for h in dec.handoff}
    rows = []
    for doc in sorted({o for p in dec.work_packages for o in p.outputs}):
        producers = [p for p in dec.work_packages if doc in p.outputs]
        ids = {p.id for p in producers}
        issues = {e for p in producers for e in p.enables if e.startswith("#")}
        issues |= {h.issue for h in dec.handoff if ids & set(h.consumes)}
        producer_ids: list[str] = sorted(ids, key=natural)
        rows.append([code(doc), codes(producer_ids),
                     Md(", ".join(f"{code(i)} {cell(titles.get(i, ''))}".strip()
                                  for i in sorted(issues, key=natural)))])
    return table(["document", "produced by", "consumed by"], rows)


# ---------------------------------------------------------------- m1_ci_enforcement_mapping.md

def ci_enforcement(inp: Inputs) -> str:
    dec = inp.ws.decisions
    referenced = sorted({r for g in dec.gates for r in g.enforced_by}
                        | {r for risk in dec.risks for r in risk.enforced_by})
    return document(
        inp, CI_ENFORCEMENT, "M1 CI enforcement mapping",
        paragraph(f"Each CI gate of decisions/gates.yaml{_cited(dec.plan, CI_ENFORCEMENT)}, what enforces it "
                  "and which stability tiers require it. Rule-backed gates run in ", code("workbench --check"),
                  "; an error finding fails the job."),
        section("Gates", gates_table(inp)),
        section("Change classes", change_classes_table(inp)),
        section("Rules referenced", table(
            ["rule", "category", "default severity", "gates", "risks"],
            [[inp.rule(r), *_rule_facts(r), codes(g.id for g in dec.gates if r in g.enforced_by),
              codes(x.id for x in dec.risks if r in x.enforced_by)] for r in referenced])),
        section("Wire contract gate (buf)", *_wire_gate(inp)),
    )


def _rule_facts(rule_id: str) -> list[str]:
    found = get_rule(rule_id)
    return [found.category, found.severity] if found else ["", ""]


# ---------------------------------------------------------------- m1_to_m2_handoff.md

def handoff(inp: Inputs) -> str:
    plan = inp.ws.decisions.plan
    return document(
        inp, HANDOFF, "M1 to M2 handoff",
        paragraph(f"What {_downstream(inp)} consume from M1{_cited(plan, HANDOFF)}. The mappings below are "
                  "derived from the ssot/ schemas; the checklist status and findings summary are as of this export."),
        section("M1 documents", bullets(link(name, name) for name in DOCS)),
        section("M2 service items", _service_items(inp)) if plan.service_items else "",
        section("New and extended families", table(
            ["contract_family", "decision", "stability_tier", "schemas", "wire mapping", "deltas",
             "downstream consumers"],
            [[code(f.id), code(f.decision), code(f.stability_tier), codes(f.schemas), f.wire_mapping,
              codes(d.id for d in inp.ws.decisions.deltas if d.family == f.id), codes(f.downstream_consumers)]
             for f in inp.changing])),
        section("Upstream contracts (pinned)", paragraph(
            "Contracts M2 receives from upstream repositories rather than from M1: the exact bytes are pinned "
            "by SHA-256 (U001 fails a local edit), and a pin update is classified like any schema change (C001)."),
            _pins(inp)) if inp.pins else "",
        section("Field-level mapping baseline", paragraph(
            "Every field of the mapped schemas (", code("wire.families"), "; by default the new and extended "
            "families' whose wire mapping is not none), nested messages included, with its JSON Schema type and "
            "the proto3 field ", code("workbench export"), " generates for it, numbered through the field-number "
            "lock (objects: messages; string enums: nested enums with an _UNSPECIFIED zero value; arrays: "
            "repeated; additionalProperties objects: map; unions: a oneof; free-form objects: "
            "google.protobuf.Struct; date-time: google.protobuf.Timestamp; integers: int32/uint32 when the "
            "schema's bounds fit, else int64; optional: a property the schema does not require). ProtoJSON delta: "
            "how protobuf's JSON for the field can differ from the schema (int64_string: written as a JSON "
            "string; enum_name: the enum constant; oneof_shape: under the member's name; default_omitted: a "
            "required zero, empty or false value left out); the families record the ones they accept (below). "
            "Field paths: ",
            code("a.b"), " nested, ", code("a[].b"), " array items, ", code("a{}.b"), " map values, ", code("a(x).b"),
            " oneof member x."), _representation(inp)),
        section("Wire contract (proto)", *_wire_contract(inp)),
        section("Error mapping", *_error_mapping(inp)),
        section("Provenance constraints", *_provenance(inp)),
        section("Identifier and correlation conventions", _identifier_conventions(inp), identifier_mapping(inp)),
        section("CI gate contract", gates_table(inp)),
        section(plan.checklist_heading(), _checklist(inp)),
        section("Findings summary", *_findings(inp)),
    )


def _downstream(inp: Inputs) -> str:
    """"the M2 API Spec Freeze (#58), the daemon (#59) and clients/CI (#60)": plan.yaml's names, else the
    handoff's issue titles, else "downstream issues"."""
    dec = inp.ws.decisions
    named = [f"{d.name} ({d.issue})" for d in dec.plan.downstream] or [
        f"{h.title} ({h.issue})" if h.title else h.issue for h in dec.handoff]
    if not named:
        return "downstream issues"
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _service_items(inp: Inputs) -> str:
    """plan.yaml's M2 service items, each with the new and extended families its words find."""
    rows = []
    for entry in inp.ws.decisions.plan.service_items:
        words = [w for w in (_squashed(m) for m in entry.match) if w]
        fams = [f for f in inp.changing if any(w in _squash(f) for w in words)]
        rows.append([entry.item, codes((f.id for f in fams), "no new or extended family"),
                     Md("<br>".join(cell(f.wire_mapping) for f in fams)), codes(s for f in fams for s in f.schemas)])
    return table(["M2 item", "families", "wire mapping", "schemas"], rows)


def _squash(fam: Family) -> str:
    """A family's id, title, gateway usage and wire mapping, lowercased with punctuation removed."""
    return _squashed(" ".join(x or "" for x in (fam.id, fam.title, fam.candidate_gateway_usage, fam.wire_mapping)))


def _squashed(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _representation(inp: Inputs) -> str:
    return table(["schema", "field", "JSON Schema", "proto3 field", "number", "required", "ProtoJSON delta",
                  "defined by"],
                 [[code(r.schema), code(r.field), r.json_type, code(r.proto), r.number,
                   "yes" if r.required else "no", codes(r.deltas), code(r.defined_by)] for r in inp.representation])


def _buf_steps(inp: Inputs) -> str:
    """The commands the gate of `workbench --check` runs (offline), and the rules reporting each."""
    out = inp.ws.config.wire.out.rstrip("/")
    return table(["step", "command", "judges", "findings"], [
        ["generate", code("workbench export"), f"writes {out}/ and decisions/wire_lock.yaml from the schemas; "
         "the check compares them with what it would write", inp.rule("E002")],
        ["build", code(f"buf build {out} -o image.binpb"), "every .proto compiles; only Google's well-known types "
         "can be imported (no dependency is fetched)", inp.rule("W001")],
        ["lint", code(f"buf lint {out} --config '{json.dumps(buf.LINT, separators=(',', ':'))}'"),
         "the STANDARD lint rules", inp.rule("W002")],
        ["breaking", code(f"buf breaking image.binpb --against base.binpb --config "
                          f"'{json.dumps(buf.BREAKING, separators=(',', ':'))}'"),
         "the FILE rules against the proto folder of the --against baseline (the ref C001 judges the schemas "
         "against); severity by the family's tier", inp.rule("W003")],
        ["hand-written", "protobuf descriptors of image.binpb", "a hand-written message that maps a schema, field "
         "by field against the mapping and the lock", inp.rule("W004")],
        ["ProtoJSON", "json_format of every example", "the ProtoJSON of each mapped example validates against its "
         "schema, or the family records the difference", inp.rule("W005")],
    ])


def _wire_gate(inp: Inputs) -> list[str]:
    """The CI enforcement mapping's section on the buf gate."""
    wire = inp.ws.config.wire
    return [
        paragraph(code("workbench --check"), " runs real buf (the buf-bin package, with protobuf: the ",
                  code("wire"), " extra) on the .proto files of ", code(wire.out.rstrip("/") + "/"),
                  " whenever there are any, offline: its own buf.yaml (no dependency, no plugin, no BSR), its "
                  "cache in a temporary folder, every proxy refusing; buf missing while the folder holds .proto "
                  "files is an error, never a pass. ", code("workbench --check --against REF"),
                  " adds buf breaking against the same ref the schemas are compared with."),
        _buf_steps(inp),
    ]


def _wire_contract(inp: Inputs) -> list[str]:
    """The handoff's frozen wire path: the generated files, the lock, the gate and the representation deltas."""
    plan, ws = inp.wire, inp.ws
    out = ws.config.wire.out.rstrip("/")
    if not plan.package:
        return [paragraph("No proto is generated: set ", code("wire.package"), " in decisions/workspace.yaml and "
                          "run ", code("workbench export"), ".")]
    hand = [t.path for t in ws.protos if t.path not in {plan.path(f.path) for f in plan.files}]
    parts = [
        paragraph("The frozen wire contract path: ", code("workbench export"), " generates one .proto per mapped "
                  f"schema into {out}/ (package ", code(plan.package), ", each file marked generated), and keeps "
                  "every field and enum value number in ", code(plan.lock.path), ": a number never changes and a "
                  "removed field is reserved, never reused. Hand-written files in the folder are checked, never "
                  "overwritten."),
        table(["file", "source schema", "messages", "enums"],
              [[code(plan.path(f.path)), code(f.schema), codes(plan.short(n) for n in f.messages),
                codes(plan.short(n) for n in f.enums)] for f in plan.files]
              + [[code(p), "(hand-written: checked, not generated)", "", ""] for p in hand]),
        paragraph("The gate of ", code("workbench --check"), " (see m1_ci_enforcement_mapping.md):"),
        _buf_steps(inp),
    ]
    rows = [[code(f.id), code(d.kind), codes(d.fields, "every field"), d.note]
            for f in mapped_families(ws) for d in f.recorded_deltas]
    parts.append(section("Representation deltas", paragraph(
        "How the ProtoJSON protobuf writes for these messages differs from the schemas, as each family records "
        "it (", code("representation_deltas"), "); every other difference an example shows is a W005 finding."),
        table(["contract_family", "kind", "fields", "note"], rows) if rows else paragraph("None recorded."),
        level=3))
    return parts


def _error_mapping(inp: Inputs) -> list[str]:
    policy = inp.ws.decisions.error_mapping
    if policy is None:
        return [paragraph("No decisions/error_mapping.yaml.")]
    return [
        paragraph("Reason catalog ", code(policy.reason_catalog), " mapped to the rpc error namespace ",
                  code(policy.rpc_error_schema), " (decisions/error_mapping.yaml)."),
        table(["reason code", "rpc code", "gRPC status"],
              [[code(m.reason_code), code(m.rpc_code), code(m.grpc_status)] for m in policy.mappings]),
    ]


def _provenance(inp: Inputs) -> list[str]:
    prov = inp.ws.decisions.provenance
    if prov is None:
        return [paragraph("No decisions/provenance.yaml.")]
    target = mapping.absolute("file:///", prov.canonical_record) + "#" + prov.pointer
    refs = mapping.references_to(inp.ws, inp.refs, target)
    return [
        paragraph("The canonical provenance record is ", code(prov.canonical_record + "#" + prov.pointer),
                  f" ({prov.path}). Each field below must be defined and required there (P001) and defined "
                  "nowhere else (P002); other contracts reference the record instead of copying it."),
        table(["field", "required", "JSON Schema", "proto3 field", "defined by"],
              [[code(f.field), "yes" if f.required else "no", f.json_type, code(f.proto), code(f.defined_by)]
               for f in mapping.provenance_fields(inp.ws, prov)]),
        table(["referenced by", "JSON pointer"],
              [[code(s.path), code(pointer_str(ptr))] for s, ptr, _ in refs]),
    ]


def _identifier_conventions(inp: Inputs) -> str:
    count = Counter(u.identifier for u in inp.identifier_uses)
    rows = []
    for ident in inp.ws.decisions.identifiers:
        resolved = inp.refs.resolve("file:///", ident.definition)
        node = resolved.contents if resolved.status == "ok" and isinstance(resolved.contents, dict) else {}
        rows.append([code(ident.name), code(ident.definition), code(node.get("pattern")) if node else "(unresolved)",
                     code(ident.proto), ident.meaning, count[ident.name]])
    return table(["identifier", "definition", "pattern", "proto", "meaning", "uses"], rows)


def _checklist(inp: Inputs) -> str:
    return table(["item", "text", "status", "source", "evidence", "evidence text"],
                 [[code(r.item.id), r.item.text, r.status, r.source, codes(r.evidence, "none"), r.evidence_text]
                  for r in inp.checklist])


def _findings(inp: Inputs) -> list[str]:
    counts = Counter((f.category, f.severity) for f in inp.findings)
    cats = [c for c in CATEGORIES if c != "export"]
    rows = [[c, *(counts[c, s] for s in SEVERITIES), sum(counts[c, s] for s in SEVERITIES)] for c in cats]
    rows.append(["total", *(sum(counts[c, s] for c in cats) for s in SEVERITIES), len(inp.findings)])
    return [
        paragraph("Findings of ", code("workbench --check"), " on this workspace by category and severity, "
                  "before the checks that judge this document and the checklist ticks (E001, G008)."),
        table(["category", *SEVERITIES, "total"], rows),
    ]


DOCS = {
    REUSE_MATRIX: reuse_matrix,
    DELTA_REGISTER: delta_register,
    DEPENDENCY_MATRIX: dependency_matrix,
    CI_ENFORCEMENT: ci_enforcement,
    HANDOFF: handoff,
}
