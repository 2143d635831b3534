"""The workspace snapshot: immutable records every other module reads.

The loader builds one `Workspace`; rules, exports and the TUI only read it.
Schema and example bodies are plain parsed JSON: treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import WorkspaceConfig
from .jsontext import Tokens, nearest_line, pointer_lines


@dataclass(frozen=True)
class Problem:
    """Something the loader could not read or make sense of."""

    path: str
    message: str
    line: int | None = None
    field: str | None = None
    kind: str = "load"


@dataclass(frozen=True)
class Source:
    """One file as read: its text and content hash (for caches and line lookups)."""

    path: str
    text: str
    sha: str
    # line of each value by its pointer tokens as strings, for documents whose text is not JSON (YAML, TOML);
    # None: the text is JSON, scanned on demand
    lines: dict[tuple[str, ...], int] | None = field(default=None, compare=False, hash=False, repr=False)

    def lines_of(self, pointers: Iterable[str | Tokens]) -> dict[str | Tokens, int | None]:
        """`line_of` for many pointers at once (JSON: one scan of the text for all of them)."""
        if self.lines is not None:
            return {p: nearest_line(self.lines, p) for p in pointers}
        return pointer_lines(self.text, pointers)

    def line_of(self, pointer: str | Tokens) -> int | None:
        """Line where the value at a JSON pointer (`/a/0` or `("a", 0)`) starts: its nearest existing ancestor."""
        return self.lines_of([pointer])[pointer]


@dataclass(frozen=True)
class TextFile:
    """A file a rule judges as text (a client file to scan, a committed doc): its text, or why it was not read."""

    path: str
    text: str | None
    error: str = ""  # why `text` is None: refused, unreadable, not UTF-8
    line: int | None = None  # of the error, when it has one


@dataclass(frozen=True)
class SchemaDoc:
    """A JSON Schema file that parsed into an object."""

    path: str
    name: str  # file name without .schema.json
    body: dict[str, Any]
    source: Source
    shared: bool = False  # a $defs library, not a contract family

    @property
    def uri(self) -> str:
        return "file:///" + self.path

    @property
    def title(self) -> str:
        title = self.body.get("title")
        return title if isinstance(title, str) else self.name


@dataclass(frozen=True)
class Example:
    """An example document for one schema."""

    path: str
    schema_path: str
    body: Any
    source: Source


@dataclass(frozen=True)
class Waiver:
    """An explained finding: `rule`'s findings naming `subject` become info, with `reason`."""

    rule: str
    subject: str
    reason: str
    expires: str | None = None  # YYYY-MM-DD: the last day it applies
    path: str = ""  # the file it is written in
    line: int | None = None

    def expired(self, today: str) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class BaselineEntry:
    """A finding accepted by `workbench baseline`, matched by rule, subjects and pointer."""

    rule: str
    subjects: tuple[str, ...]
    pointer: str | None = None
    count: int = 1
    line: int | None = None
    file: str = ""  # where it was reported when recorded (for readers; not matched)

    @property
    def fingerprint(self) -> tuple[str, tuple[str, ...], str | None]:
        return (self.rule, self.subjects, self.pointer)


@dataclass(frozen=True)
class Family:
    """A contract family and its governance decision (`decisions/families/ID.yaml`)."""

    id: str
    path: str
    title: str
    intent_class: str | None
    schemas: tuple[str, ...]
    owner: str | None = None
    stability_tier: str | None = None
    decision: str | None = None
    current_usage: str | None = None
    candidate_gateway_usage: str | None = None
    rationale: str | None = None
    wire_mapping: str | None = None
    version_policy: str | None = None
    representation_deltas: str | None = None  # how the wire/proto representation differs from the schema
    alternatives_considered: tuple[str, ...] = ()
    downstream_consumers: tuple[str, ...] = ()
    guess: bool = False
    waivers: tuple[Waiver, ...] = ()
    compatibility: str | None = None  # backward | forward | full | none: overrides the tier's mode
    additive: bool | None = None  # an optional property added to an open object is compatible
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def line(self, key: str) -> int | None:
        return self.lines.get(key)


@dataclass(frozen=True)
class Delta:
    id: str
    path: str
    title: str
    family: str | None = None
    kind: str | None = None
    authority_owner: str | None = None
    compatibility_rule: str | None = None
    upstream_candidates: tuple[str, ...] = ()
    risk: str | None = None
    downstream_consumers: tuple[str, ...] = ()
    status: str | None = None
    why_insufficient: str | None = None  # why the existing SSOT is insufficient
    minimum_v1_surface: str | None = None
    migration_plan: str | None = None  # migration/merge plan
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    derive: dict[str, Any] | None = None
    done: bool | None = None
    evidence: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class WorkPackage:
    id: str
    title: str
    depends_on: tuple[str, ...] = ()
    enables: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class Handoff:
    issue: str
    title: str
    consumes: tuple[str, ...] = ()
    why: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Gate:
    id: str
    title: str
    enforced_by: tuple[str, ...] = ()
    external: str = ""
    blocking: bool = True
    description: str = ""
    line: int | None = None


@dataclass(frozen=True)
class ChangeClass:
    tier: str
    allowed: str = ""
    required_checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Risk:
    id: str
    risk: str
    why: str = ""
    mitigation: str = ""
    enforced_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identifier:
    name: str
    definition: str
    meaning: str = ""
    proto: str = "string"


@dataclass(frozen=True)
class Provenance:
    canonical_record: str
    pointer: str
    fields: tuple[str, ...]
    path: str = "decisions/provenance.yaml"
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)  # "pointer", "fields.0"


@dataclass(frozen=True)
class ErrorMapping:
    reason_code: str
    rpc_code: str
    grpc_status: str


@dataclass(frozen=True)
class ErrorMappingPolicy:
    reason_catalog: str | None
    rpc_error_schema: str | None
    mappings: tuple[ErrorMapping, ...] = ()
    path: str = "decisions/error_mapping.yaml"
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)  # "mappings.0.rpc_code"


@dataclass(frozen=True)
class InvocationPolicy:
    scan: tuple[str, ...]
    approved: tuple[str, ...] = ()
    forbidden_imports: tuple[str, ...] = ()
    forbidden_calls: tuple[str, ...] = ()
    path: str = "decisions/invocation.yaml"


@dataclass(frozen=True)
class Phase:
    """One phase of the plan (`P1`) and the exported documents it produces (file names)."""

    id: str
    title: str = ""
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class DownstreamIssue:
    """A downstream issue as the handoff document names it ("the M2 API Spec Freeze", "#58")."""

    issue: str
    name: str


@dataclass(frozen=True)
class ServiceItem:
    """One item of the handoff's M2 service item list and the words that find its families."""

    item: str
    match: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocHeader:
    """Header metadata shown after a document's title; every value is written by the user."""

    issue: str | None = None
    depends_on: tuple[str, ...] = ()
    last_updated: str | None = None  # as written (never the clock: exports stay reproducible)

    def over(self, base: DocHeader) -> DocHeader:
        """These values, each falling back to `base`'s."""
        return DocHeader(self.issue or base.issue, self.depends_on or base.depends_on,
                         self.last_updated or base.last_updated)

    def __bool__(self) -> bool:
        return bool(self.issue or self.depends_on or self.last_updated)


@dataclass(frozen=True)
class DocLabels:
    """What `decisions/plan.yaml` says about one exported document."""

    title: str | None = None
    work_packages: tuple[str, ...] = ()  # work packages the document's intro cites
    header: DocHeader = DocHeader()


@dataclass(frozen=True)
class Plan:
    """How the documents and the workbench name the plan (`decisions/plan.yaml`).

    Every label is optional; the defaults are neutral ("the plan", "Checklist", no
    issue, no section numbers, no phases), so a workspace without the file never
    shows another plan's ids.
    """

    name: str = "plan"  # without an article: "the M1 plan", "M1 plan P1"
    issue: str = ""  # the plan's own issue ("#57")
    sections: tuple[tuple[str, str], ...] = ()  # (checklist | risks | work_packages, "2.3")
    checklist_title: str = "Checklist"
    phases: tuple[Phase, ...] = ()
    downstream: tuple[DownstreamIssue, ...] = ()
    service_items: tuple[ServiceItem, ...] = ()
    identifier_mapping_package: str = ""  # the work package the identifier mapping belongs to ("D3")
    header: DocHeader = DocHeader()  # for every document
    documents: tuple[tuple[str, DocLabels], ...] = ()  # (file name, labels)
    path: str | None = None  # "decisions/plan.yaml" when the file was read
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def section(self, key: str) -> str:
        """The plan's section number for `key` ("2.3"), or ""."""
        return dict(self.sections).get(key, "")

    def document(self, name: str) -> DocLabels:
        return dict(self.documents).get(name, DocLabels())

    def doc_header(self, name: str) -> DocHeader:
        """A document's header metadata: its own values, then the shared `header`."""
        return self.document(name).header.over(self.header)

    def phase_of(self, name: str) -> str:
        """The id of the (first) phase producing the document `name`, or ""."""
        return next((p.id for p in self.phases if name in p.documents), "")

    def citation(self, name: str, phase: bool = True) -> str:
        """What a document's intro cites: "M1 plan P1; work packages D1, D2" (either part may be missing)."""
        parts = []
        if phase and (found := self.phase_of(name)):
            parts.append(f"{self.name} {found}")
        wps = self.document(name).work_packages
        if wps:
            parts.append(("work package " if len(wps) == 1 else "work packages ") + ", ".join(wps))
        return "; ".join(parts)

    def ref(self, *, document: str = "", section: str = "") -> str:
        """A short reference for page titles: "#57 P2", "#57 §3", "P2" or ""."""
        parts = [self.issue, self.phase_of(document) if document else ""]
        if section and self.section(section):
            parts.append("§" + self.section(section))
        return " ".join(p for p in parts if p)

    def page_title(self, text: str, *, document: str = "", section: str = "") -> str:
        """`text` with its reference when plan.yaml gives one: "CI gates and change classes (#57 P3)"."""
        ref = self.ref(document=document, section=section)
        return f"{text} ({ref})" if ref else text

    def checklist_heading(self) -> str:
        """The checklist's heading in the documents: "Section 2.3 checklist", else `checklist_title`."""
        number = self.section("checklist")
        return f"Section {number} checklist" if number else self.checklist_title

    def checklist_page_title(self) -> str:
        """The checklist's page title: "Missing-contract resolution checklist (§2.3)"."""
        number = self.section("checklist")
        return f"{self.checklist_title} (§{number})" if number else self.checklist_title


@dataclass(frozen=True)
class Decisions:
    """Everything read from `decisions/`."""

    families: tuple[Family, ...] = ()
    deltas: tuple[Delta, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    work_packages: tuple[WorkPackage, ...] = ()
    handoff: tuple[Handoff, ...] = ()
    gates: tuple[Gate, ...] = ()
    change_classes: tuple[ChangeClass, ...] = ()
    risks: tuple[Risk, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    provenance: Provenance | None = None
    error_mapping: ErrorMappingPolicy | None = None
    invocation: InvocationPolicy | None = None
    waivers: tuple[Waiver, ...] = ()  # decisions/waivers.yaml
    baseline: tuple[BaselineEntry, ...] | None = None  # decisions/baseline.yaml; None when there is none
    plan: Plan = Plan()  # labels of decisions/plan.yaml (neutral defaults without it)
    present: bool = False  # a decisions/ folder exists

    @property
    def all_waivers(self) -> tuple[Waiver, ...]:
        """Every waiver, wherever written: family records, then decisions/waivers.yaml."""
        return tuple(w for f in self.families for w in f.waivers) + self.waivers


@dataclass(frozen=True)
class Workspace:
    """One immutable snapshot of a root: schemas, examples, decisions, problems."""

    root: Path
    config: WorkspaceConfig
    schemas: tuple[SchemaDoc, ...]
    examples: tuple[Example, ...]
    decisions: Decisions
    problems: tuple[Problem, ...]
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)
    clients: tuple[TextFile, ...] = ()  # files the invocation policy scans (`approved` ones left out)
    docs: tuple[TextFile, ...] = ()  # what is committed in the export folder
    present: frozenset[str] = frozenset()  # every path the loader read, and the checklist evidence that exists
    unloaded: frozenset[str] = frozenset()  # contract schema files the globs matched that did not load (see problems)
    # lookup indexes, built by __post_init__ from the fields above
    _schema_index: dict[str, SchemaDoc] = field(init=False, repr=False, compare=False, hash=False)
    _doc_index: dict[str, TextFile] = field(init=False, repr=False, compare=False, hash=False)
    _family_index: dict[str, Family] = field(init=False, repr=False, compare=False, hash=False)
    _family_by_path: dict[str, Family] = field(init=False, repr=False, compare=False, hash=False)
    _example_index: dict[str, Example] = field(init=False, repr=False, compare=False, hash=False)
    _family_of_schema: dict[str, Family] = field(init=False, repr=False, compare=False, hash=False)
    _examples_index: dict[str, tuple[Example, ...]] = field(init=False, repr=False, compare=False, hash=False)

    def exists(self, rel: str) -> bool:
        """Whether `rel` is a file the loader read or an evidence path that exists (inside the root)."""
        return rel in self.present

    def doc(self, rel: str) -> TextFile | None:
        return self._doc_index.get(rel)

    def schema(self, path: str) -> SchemaDoc | None:
        return self._schema_index.get(path)

    def family(self, family_id: str) -> Family | None:
        return self._family_index.get(family_id)

    def family_of(self, schema_path: str) -> Family | None:
        return self._family_of_schema.get(schema_path)

    def examples_of(self, schema_path: str) -> tuple[Example, ...]:
        return self._examples_index.get(schema_path, ())

    def example(self, path: str) -> Example | None:
        return self._example_index.get(path)

    def family_at(self, path: str) -> Family | None:
        """The family whose record is the file `path`."""
        return self._family_by_path.get(path)

    @property
    def families(self) -> tuple[Family, ...]:
        return self.decisions.families

    @property
    def contract_schemas(self) -> tuple[SchemaDoc, ...]:
        """Schemas that are contracts (not shared `$defs` libraries)."""
        return tuple(s for s in self.schemas if not s.shared)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "_schema_index", {s.path: s for s in self.schemas})
        set_(self, "_doc_index", {d.path: d for d in self.docs})
        set_(self, "_family_index", {f.id: f for f in self.decisions.families})
        set_(self, "_family_by_path", {f.path: f for f in self.decisions.families})
        set_(self, "_example_index", {e.path: e for e in self.examples})
        of: dict[str, Family] = {}
        for fam in self.decisions.families:
            for path in fam.schemas:
                of.setdefault(path, fam)
        set_(self, "_family_of_schema", of)
        ex: dict[str, list[Example]] = {}
        for e in self.examples:
            ex.setdefault(e.schema_path, []).append(e)
        set_(self, "_examples_index", {k: tuple(v) for k, v in ex.items()})
