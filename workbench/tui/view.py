"""What the TUI shows, arranged from a checked workspace (no Textual, no analysis).

Everything here is bookkeeping over the loader's `Workspace` and the engine's
findings: which tree node a finding belongs to, the browse tree's shape, the
per-node counts. It runs in the reload worker thread, so the UI thread only
swaps in a ready `Snapshot`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..engine import CheckResult
from ..findings import SEVERITIES, Finding
from ..model import Family, SchemaDoc, Workspace

GLYPH = {"error": "●", "warning": "▲", "info": "○"}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
OVERLAP_RULES = ("O001", "O002")

INTENT, FAMILY, SCHEMA, GROUP = "intent", "family", "schema", "group"
UNDECIDED, SHARED, UNCLASSIFIED = "undecided", "shared", "unclassified"


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
    children: list["TreeSpec"] = field(default_factory=list)
    expand: bool = False


def finding_key(f: Finding) -> tuple:
    """A finding's identity across reloads (for keeping the table cursor)."""
    return (f.rule, f.path, f.line, f.message, f.subjects)


class FindingIndex:
    """Which findings belong to which family / schema, and where a finding points."""

    def __init__(self, ws: Workspace, findings: Iterable[Finding]):
        self.ws = ws
        self.findings = tuple(findings)
        fam_ids = {f.id for f in ws.families}
        fam_paths = {f.path: f.id for f in ws.families}
        by_name: dict[str, list[str]] = {}
        for s in ws.schemas:
            by_name.setdefault(s.name, []).append(s.path)
        schema_paths = {s.path for s in ws.schemas}
        example_of = {e.path: e.schema_path for e in ws.examples}
        self.by_family: dict[str, list[Finding]] = {}
        self.by_schema: dict[str, list[Finding]] = {}
        self.target: dict[Finding, NodeRef] = {}
        for f in self.findings:
            fams = [s for s in f.subjects if s in fam_ids]
            if f.path in fam_paths and fam_paths[f.path] not in fams:
                fams.insert(0, fam_paths[f.path])
            schemas: list[str] = []
            if f.path in schema_paths:
                schemas.append(f.path)
            elif f.path in example_of:
                schemas.append(example_of[f.path])
            for subject in f.subjects:
                for p in by_name.get(subject, ()) if subject not in fam_ids else ():
                    if p not in schemas:
                        schemas.append(p)
                if subject in schema_paths and subject not in schemas:
                    schemas.append(subject)
            for fam in fams:
                self.by_family.setdefault(fam, []).append(f)
            for path in schemas:
                self.by_schema.setdefault(path, []).append(f)
            # where choosing the finding goes: the file it is in, else its first subject
            if f.path in schema_paths or f.path in example_of:
                self.target[f] = NodeRef(SCHEMA, schemas[0])
            elif f.path in fam_paths:
                self.target[f] = NodeRef(FAMILY, fam_paths[f.path])
            elif fams:
                self.target[f] = NodeRef(FAMILY, fams[0])
            elif schemas:
                self.target[f] = NodeRef(SCHEMA, schemas[0])

    def of_schema(self, path: str) -> list[Finding]:
        return self.by_schema.get(path, [])

    def of_family(self, fam: Family, with_schemas: bool = True) -> list[Finding]:
        out = dict.fromkeys(self.by_family.get(fam.id, []))
        if with_schemas:
            for path in fam.schemas:
                out.update(dict.fromkeys(self.by_schema.get(path, [])))
        return list(out)

    def overlaps_of(self, fam: Family | None, schema: SchemaDoc | None = None) -> list[Finding]:
        """O001/O002 findings naming the family (or the schema)."""
        keys = set()
        if fam is not None:
            keys |= {fam.id, fam.path, *fam.schemas}
        if schema is not None:
            keys |= {schema.name, schema.path}
        return [f for f in self.findings if f.rule in OVERLAP_RULES and (keys & {*f.subjects, f.path})]

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
    c = Counter(f.severity for f in findings)
    return {s: c.get(s, 0) for s in SEVERITIES}


def group_schemas(ws: Workspace, group: str) -> list[SchemaDoc]:
    if group == SHARED:
        return [s for s in ws.schemas if s.shared]
    if group == UNDECIDED:
        return [s for s in ws.contract_schemas if ws.family_of(s.path) is None]
    return []


def unclassified_families(ws: Workspace) -> list[Family]:
    known = set(ws.config.intent_classes)
    return [f for f in ws.families if f.intent_class not in known]


def build_tree(ws: Workspace, index: FindingIndex) -> list[TreeSpec]:
    """Intent classes -> families -> schemas, then `unclassified`, `undecided`, `shared`."""

    def family_spec(fam: Family) -> TreeSpec:
        kids = []
        for path in fam.schemas:
            s = ws.schema(path)
            kids.append(TreeSpec(NodeRef(SCHEMA, path, fam.id), s.name if s else path.rsplit("/", 1)[-1],
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
        out.append(TreeSpec(ref, "unclassified", counts(index.of_node(ref)), [family_spec(f) for f in odd], expand=True))
    for group in (UNDECIDED, SHARED):
        schemas = group_schemas(ws, group)
        if not schemas and group == SHARED:
            continue
        ref = NodeRef(GROUP, group)
        kids = [TreeSpec(NodeRef(SCHEMA, s.path), s.name, counts(index.of_schema(s.path))) for s in schemas]
        out.append(TreeSpec(ref, group, counts(index.of_node(ref)), kids, expand=group == UNDECIDED))
    return out


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One reload's result, ready to show: swapped in whole on the UI thread."""

    ws: Workspace
    result: CheckResult
    index: FindingIndex
    tree: list[TreeSpec]
    checklist: list[Any] | None  # ChecklistRow list, None when derivation is unavailable
    checklist_error: str = ""
    elapsed: float = 0.0
    generation: int = 0


def make_snapshot(ws: Workspace, result: CheckResult, elapsed: float = 0.0, generation: int = 0) -> Snapshot:
    index = FindingIndex(ws, result.findings)
    rows, error = None, ""
    try:
        from ..checklist import derive_checklist

        rows = derive_checklist(ws)
    except ImportError as exc:
        error = f"checklist derivation unavailable ({exc})"
    except Exception as exc:  # a derivation bug must not stop the browse view
        error = f"checklist derivation failed: {type(exc).__name__}: {exc}"
    return Snapshot(ws, result, index, build_tree(ws, index), rows, error, elapsed, generation)


def finding_location(f: Finding) -> str:
    return f"{f.path}:{f.line}" if f.line else f.path
