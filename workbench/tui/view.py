"""What the TUI shows, arranged from a checked workspace (no Textual, no analysis).

Everything here is bookkeeping over the loader's `Workspace` and the engine's
findings: which tree node a finding belongs to, the browse tree's shape, the
per-node counts. It runs in the reload worker thread, so the UI thread only
swaps in a ready `Snapshot`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..engine import CheckResult
from ..findings import RANK, SEVERITIES, Finding
from ..model import Family, SchemaDoc, Workspace

GLYPH = {"error": "●", "warning": "▲", "info": "○"}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
OVERLAP_RULES = ("O001", "O002")

INTENT, FAMILY, SCHEMA, GROUP = "intent", "family", "schema", "group"
UNDECIDED, SHARED, UNCLASSIFIED, PINNED = "undecided", "shared", "unclassified", "pinned"
GROUP_NAMES = {PINNED: "pinned upstream"}  # how a group is named in the tree, when not by its key
PINNED_MARK = " (pinned)"  # after the name of a schema pinned from upstream (read-only)


@dataclass(frozen=True)
class NodeRef:
    """A browse-tree node: its kind and key (family id, schema path, intent, group).

    `ident` is what a selection is kept by across reloads.
    """

    kind: str
    key: str
    family: str | None = None  # for schema nodes: the family they are listed under

    @property
    def ident(self) -> tuple[str, str]:
        return (self.kind, self.key)


@dataclass
class TreeSpec:
    ref: NodeRef
    name: str
    counts: dict[str, int]
    children: list[TreeSpec] = field(default_factory=list)
    expand: bool = False


def finding_key(f: Finding) -> tuple:
    """A finding's identity across reloads (for keeping the table cursor)."""
    return (f.rule, f.path, f.line, f.message, f.subjects)


class FindingIndex:
    """Which findings belong to which family / schema, and where a finding points: a lookup
    over the findings' typed anchors (`Finding.families`, `Finding.schemas`)."""

    def __init__(self, ws: Workspace, findings: Iterable[Finding]):
        self.ws = ws
        self.findings = tuple(findings)
        self.by_family: dict[str, list[Finding]] = {}
        self.by_schema: dict[str, list[Finding]] = {}
        self.target: dict[Finding, NodeRef] = {}
        for f in self.findings:
            for fam in f.families:
                self.by_family.setdefault(fam, []).append(f)
            for path in f.schemas:
                self.by_schema.setdefault(path, []).append(f)
            # where choosing the finding goes: its schema, else its family, else a related place
            if f.schema:
                self.target[f] = NodeRef(SCHEMA, f.schema)
            elif f.family:
                self.target[f] = NodeRef(FAMILY, f.family)
            elif f.schemas:
                self.target[f] = NodeRef(SCHEMA, f.schemas[0])
            elif f.families:
                self.target[f] = NodeRef(FAMILY, f.families[0])

    def of_schema(self, path: str) -> list[Finding]:
        return self.by_schema.get(path, [])

    def of_family(self, fam: Family) -> list[Finding]:
        """Findings about the family or any of its schemas."""
        out = dict.fromkeys(self.by_family.get(fam.id, []))
        for path in fam.schemas:
            out.update(dict.fromkeys(self.by_schema.get(path, [])))
        return list(out)

    def overlaps_of(self, fam: Family | None, schema: SchemaDoc | None = None) -> list[Finding]:
        """O001/O002 findings about the family (or the schema)."""
        found = (self.by_family.get(fam.id, []) if fam else []) + (self.of_schema(schema.path) if schema else [])
        return [f for f in dict.fromkeys(found) if f.rule in OVERLAP_RULES]

    def of_node(self, ref: NodeRef) -> list[Finding]:
        ws = self.ws
        if ref.kind == FAMILY:
            fam = ws.family(ref.key)
            return self.of_family(fam) if fam else []
        if ref.kind == SCHEMA:
            return self.of_schema(ref.key)
        out: dict[Finding, None] = {}
        if ref.kind == INTENT:
            for fam in ws.families:
                if fam.intent_class == ref.key:
                    out.update(dict.fromkeys(self.of_family(fam)))
        elif ref.kind == GROUP:
            for s in group_schemas(ws, ref.key):
                out.update(dict.fromkeys(self.of_schema(s.path)))
            if ref.key == UNCLASSIFIED:
                for fam in unclassified_families(ws):
                    out.update(dict.fromkeys(self.of_family(fam)))
        return list(out)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Counts by severity of the findings not accepted in decisions/baseline.yaml, and how many are: what
    the status bar (`CheckResult.summary`) and the findings panel count, so a node's badges and the totals
    agree. A waived finding counts as what it is now: info."""
    c = Counter(f.severity if not f.baselined else "baselined" for f in findings)
    return {s: c.get(s, 0) for s in (*SEVERITIES, "baselined")}


def group_schemas(ws: Workspace, group: str) -> list[SchemaDoc]:
    if group == SHARED:
        return [s for s in ws.schemas if s.shared]
    if group == UNDECIDED:
        return list(ws.undecided)
    if group == PINNED:
        return [s for s in ws.contract_schemas if s.pin is not None and ws.family_of(s.path) is None]
    return []


def schema_label(s: SchemaDoc) -> str:
    """A schema's name in the tree, marked when it is pinned from upstream."""
    return s.name + (PINNED_MARK if s.pin is not None else "")


def unclassified_families(ws: Workspace) -> list[Family]:
    known = set(ws.config.intent_classes)
    return [f for f in ws.families if f.intent_class not in known]


def build_tree(ws: Workspace, index: FindingIndex) -> list[TreeSpec]:
    """Intent classes -> families -> schemas, then `unclassified`, `undecided`, `pinned`, `shared`."""

    def family_spec(fam: Family) -> TreeSpec:
        kids = []
        for path in fam.schemas:
            s = ws.schema(path)
            kids.append(TreeSpec(NodeRef(SCHEMA, path, fam.id), schema_label(s) if s else path.rsplit("/", 1)[-1],
                                 counts(index.of_schema(path))))
        return TreeSpec(NodeRef(FAMILY, fam.id), fam.id, counts(index.of_family(fam)), kids)

    out: list[TreeSpec] = []
    for intent in ws.config.intent_classes:
        fams = [f for f in ws.families if f.intent_class == intent]
        ref = NodeRef(INTENT, intent)
        out.append(TreeSpec(ref, intent, counts(index.of_node(ref)), [family_spec(f) for f in fams], expand=True))
    odd = unclassified_families(ws)
    if odd:
        ref = NodeRef(GROUP, UNCLASSIFIED)
        kids = [family_spec(f) for f in odd]
        out.append(TreeSpec(ref, "unclassified", counts(index.of_node(ref)), kids, expand=True))
    for group in (UNDECIDED, PINNED, SHARED):
        schemas = group_schemas(ws, group)
        if not schemas and group != UNDECIDED:
            continue
        ref = NodeRef(GROUP, group)
        kids = [TreeSpec(NodeRef(SCHEMA, s.path), schema_label(s), counts(index.of_schema(s.path))) for s in schemas]
        out.append(TreeSpec(ref, GROUP_NAMES.get(group, group), counts(index.of_node(ref)), kids,
                            expand=group == UNDECIDED))
    return out


def filter_specs(specs: list[TreeSpec], words: list[str]) -> tuple[list[TreeSpec], list[tuple[str, str]]]:
    """The tree with only the nodes whose name holds every word (case-insensitive), their
    ancestors (opened) and their children; and the matching nodes' idents, in tree order."""
    matched: list[tuple[str, str]] = []
    words = [w.lower() for w in words if w]

    def named(spec: TreeSpec) -> bool:
        return all(w in spec.name.lower() for w in words)

    def inside(spec: TreeSpec) -> None:  # matches inside a match count (and get opened) too
        for child in spec.children:
            if named(child):
                matched.append(child.ref.ident)
            inside(child)

    def keep(spec: TreeSpec) -> TreeSpec | None:
        if named(spec):
            matched.append(spec.ref.ident)
            inside(spec)
            return spec
        kids = [k for k in (keep(c) for c in spec.children) if k is not None]
        return replace(spec, children=kids, expand=True) if kids else None

    if not words:
        return specs, []
    out = [k for k in (keep(s) for s in specs) if k is not None]
    return out, matched


SORTS = ("severity", "rule", "file")


def sort_findings(findings: Iterable[Finding], by: str) -> list[Finding]:
    """Findings in the order of `by` (one of SORTS); baselined ones after the others."""
    keys: dict[str, Callable[[Finding], tuple[Any, ...]]] = {
        "rule": lambda f: (f.baselined, f.rule, -RANK[f.severity], f.sort_key()),
        "file": lambda f: (f.baselined, f.sort_key()),
        "severity": lambda f: (f.baselined, -RANK[f.severity], f.sort_key()),
    }
    return sorted(findings, key=keys.get(by, keys["severity"]))


def node_label_text(ws: Workspace, ref: NodeRef | None) -> str:
    """How a node is named in the findings panel's title (`schema gate.decision`)."""
    if ref is None:
        return "all"
    if ref.kind == SCHEMA:
        s = ws.schema(ref.key)
        return f"schema {s.name if s else ref.key.rsplit('/', 1)[-1]}"
    if ref.kind == FAMILY:
        return f"family {ref.key}"
    if ref.kind == INTENT:
        return f"intent {ref.key}"
    return ref.key


def undecided_schema(ws: Workspace, path: str | None) -> SchemaDoc | None:
    """The contract schema at `path` when it is in no family (what can be assigned or become a family)."""
    s = ws.schema(path) if path else None
    return s if s is not None and not s.shared and ws.family_of(s.path) is None else None


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One reload's result, ready to show: swapped in whole on the UI thread."""

    ws: Workspace
    result: CheckResult
    index: FindingIndex
    tree: list[TreeSpec]
    checklist: tuple[Any, ...]  # ChecklistRow, as the pipeline derived them
    elapsed: float = 0.0
    generation: int = 0
    against: str = ""  # the baseline C001 compared with (`--against`, or chosen on the compatibility page)
    against_error: str = ""  # why that baseline could not be read (the check ran without it)
    # the first load, shown before its check finishes (the browse page only): structure, no findings yet
    pending: bool = False
    # after an edit, before the whole check finishes: the per-file rules' findings are this load's, the
    # others (overlap, drift, governance...) the last check's, shown as being re-checked
    partial: bool = False


def make_snapshot(ws: Workspace, result: CheckResult, elapsed: float = 0.0, generation: int = 0,
                  against: str = "", against_error: str = "") -> Snapshot:
    index = FindingIndex(ws, result.findings)
    return Snapshot(ws, result, index, build_tree(ws, index), result.checklist, elapsed, generation,
                    against, against_error)


def partial_snapshot(ws: Workspace, first: CheckResult, edited: frozenset[str], last: Snapshot,
                     elapsed: float = 0.0, generation: int = 0) -> Snapshot:
    """After an edit: `first` (the per-file rules on the `edited` files of `ws`) and every other finding of the
    `last` check, except those about a file `ws` no longer has; its checklist until the whole check replaces it."""
    ran = {r.id for r in first.rules}
    gone = {s.path for s in last.ws.schemas} - {s.path for s in ws.schemas}
    kept = tuple(f for f in last.result.findings if f.path not in gone
                 and not (f.rule in ran and (f.path in edited or f.schema in edited)))
    result = replace(first, findings=tuple(sorted(first.findings + kept, key=Finding.sort_key)),
                     rules=last.result.rules, checklist=last.checklist)
    return replace(make_snapshot(ws, result, elapsed, generation, last.against, last.against_error), partial=True)


def preview_snapshot(ws: Workspace, generation: int = 0) -> Snapshot:
    """A loaded workspace before its first check: the browse tree can show it while the check runs."""
    return replace(make_snapshot(ws, CheckResult(str(ws.root), ()), generation=generation), pending=True)
