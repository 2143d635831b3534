"""The rule registry: small units with stable IDs, each yielding `Hit`s.

    @rule("V001", "schema-meta-invalid", "validity", "error")
    def meta(ctx: RuleContext) -> Iterator[Hit]:
        '''One-paragraph explanation shown by `workbench explain V001`.'''
        yield Hit("message", path, line, subjects, pointer="/properties/x")

Every module of this package is a rule module (found, not listed); importing it registers
its rules. A rule reads the check through `RuleContext` (never the engine's `Context` itself:
rules sit below the engine). A rule of the `post` stage judges what the pipeline derives from the other
rules' findings (the checklist, the rendered docs) and runs after them; a `final` rule
judges the baseline matching of every finding.

Lifecycle (ids are written into users' waivers, baselines, gates and `--ignore` flags, so an
id is never simply dropped): a rule is `preview` (runs only when selected by id or name),
`stable`, `deprecated` (runs; `replaced_by` says what to use) or `removed` (`retired()`: never
runs, its id still known). A renamed rule lists its old ids in `replaces`. `resolve(id)` maps
any id ever published to the rule that answers for it now, with the note to show the user.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from ..findings import CATEGORIES, SEVERITIES, Finding, Location
from ..model import BaselineEntry, ChecklistItem, SchemaDoc, Workspace

if TYPE_CHECKING:
    from ..analysis.refs import RefIndex

# stages: rules on the snapshot; rules on what the pipeline derived from them (checklist, docs);
# rules on the baseline matching of every finding
CHECK, POST, FINAL = "check", "post", "final"
STAGES = (CHECK, POST, FINAL)


class Hit(NamedTuple):
    """What a rule reports; the engine adds the rule's id, category and severity, and fills the
    anchors a rule leaves out from the snapshot (the schema or family a file belongs to, the
    line of `pointer`)."""

    message: str
    path: str
    line: int | None = None
    subjects: tuple[str, ...] = ()
    severity: str | None = None  # overrides the rule's default
    data: dict[str, Any] | None = None  # rule-specific structured fields (Finding.data)
    pointer: str | None = None  # JSON pointer inside `path`
    schema: str | None = None
    family: str | None = None
    related: tuple[Location, ...] = ()  # other places the finding is about


class ChecklistRowView(Protocol):
    """A derived checklist row as the check result carries it (the pipeline fills in
    `workbench.checklist.ChecklistRow`, which sits above the engine and the rules)."""

    @property
    def item(self) -> ChecklistItem: ...
    @property
    def status(self) -> str: ...  # done | open | contradicted | manual
    @property
    def source(self) -> str: ...  # derived | manual
    @property
    def evidence(self) -> tuple[str, ...]: ...
    @property
    def evidence_text(self) -> str: ...
    def as_dict(self) -> dict[str, Any]: ...


class CheckedFindings(Protocol):
    """The check-stage result as post-stage rules read it (`workbench.engine.CheckResult`)."""

    @property
    def findings(self) -> tuple[Finding, ...]: ...
    def ran(self, rule_id: str) -> bool: ...
    def of_rule(self, rule_id: str) -> list[Finding]: ...


class RuleContext(Protocol):
    """What a rule reads of the check (`workbench.engine.Context` is the one implementation).

    Every member is read-only for rules. `result`, `checklist` and `docs` are filled for the
    `post` stage, `stale` for the `final` stage. A rule module may keep per-check caches in the
    context's `__dict__` (as `analysis.fields.structure` and the overlap rules do).
    """

    __dict__: dict[str, Any]

    @property
    def ws(self) -> Workspace: ...
    @property
    def baseline(self) -> Workspace | None: ...  # the `--against` workspace
    @property
    def baseline_label(self) -> str: ...  # how the report names it (the ref or folder)
    @property
    def today(self) -> str: ...  # YYYY-MM-DD, for waiver expiry
    @property
    def refs(self) -> RefIndex: ...  # workspace `$ref` resolution, built once per check
    @property
    def result(self) -> CheckedFindings | None: ...
    @property
    def checklist(self) -> Sequence[ChecklistRowView]: ...
    @property
    def docs(self) -> Mapping[str, str]: ...  # root-relative export path -> the text export writes there
    @property
    def stale(self) -> tuple[BaselineEntry, ...]: ...  # baseline entries no finding matched
    @property
    def focus(self) -> frozenset[str] | None: ...  # None: every file; else the files a per-file rule judges
    @property
    def covered(self) -> Mapping[tuple[str, tuple[str, ...], str | None], str]: ...  # still there, as info: why


def judged(ctx: RuleContext, schemas: Iterable[SchemaDoc]) -> list[SchemaDoc]:
    """The `schemas` a per-file rule judges: all of them, or those in the context's focus."""
    return list(schemas) if ctx.focus is None else [s for s in schemas if s.path in ctx.focus]


RuleCheck = Callable[[RuleContext], Iterable[Hit]]
Check = TypeVar("Check", bound=RuleCheck)


# a rule's docstring: what it finds, then a paragraph starting with each of these (the reference docs need both)
SECTIONS = ("Why it matters:", "How to fix:")

PREVIEW, STABLE, DEPRECATED, REMOVED = "preview", "stable", "deprecated", "removed"
STATUSES = (PREVIEW, STABLE, DEPRECATED, REMOVED)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    category: str
    severity: str
    explanation: str  # paragraphs, each on one line: what it finds, then why it matters and how to fix it
    check: RuleCheck
    needs_baseline: bool = False  # runs only with `--against`
    details: tuple[str, ...] = ()  # extra lines for `workbench explain` (e.g. C001's change kinds)
    stage: str = CHECK
    status: str = STABLE
    replaces: tuple[str, ...] = ()  # ids this rule had before (renamed): still accepted, with a warning
    replaced_by: str = ""  # deprecated or removed: the rule to use instead
    # judges each file on its own (a schema, its examples, the `$ref`s it makes), none of the cross-schema
    # analyses: after an edit the TUI shows these findings first, while the other rules still run
    per_schema: bool = False

    @property
    def summary(self) -> str:
        """The first paragraph of the explanation, on one line."""
        return self.explanation.split("\n\n", 1)[0]


_RULES: dict[str, Rule] = {}


def _register(r: Rule) -> None:
    taken = set(_RULES) | {old for known in _RULES.values() for old in known.replaces}
    if clash := {r.id, *r.replaces} & taken:  # an id, current or former, names one rule forever
        raise ValueError(f"duplicate rule id {', '.join(sorted(clash))}")
    _RULES[r.id] = r


def rule(rule_id: str, name: str, category: str, severity: str, *, needs_baseline: bool = False,
         details: tuple[str, ...] = (), stage: str = CHECK, status: str = STABLE, replaces: tuple[str, ...] = (),
         replaced_by: str = "", per_schema: bool = False) -> Callable[[Check], Check]:
    assert category in CATEGORIES and severity in SEVERITIES and stage in STAGES, (rule_id, category, severity)
    assert status in STATUSES and status != REMOVED, (rule_id, status)  # a removed rule: retired()

    def register(fn: Check) -> Check:
        _register(Rule(rule_id, name, category, severity, _paragraphs(fn.__doc__), fn, needs_baseline,
                       tuple(details), stage, status, tuple(replaces), replaced_by, per_schema))
        return fn

    return register


def _paragraphs(doc: str | None) -> str:
    """A docstring as paragraphs separated by a blank line, each reflowed onto one line."""
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(doc or "").split("\n\n") if p.strip())


def retired(rule_id: str, name: str, category: str, reason: str, *, replaced_by: str = "") -> None:
    """Register a removed rule: it never runs, and configurations naming it get a warning, not an error."""
    _register(Rule(rule_id, name, category, "info", reason, lambda _ctx: (), status=REMOVED,
                   replaced_by=replaced_by))


def every_rule() -> list[Rule]:
    """Every rule ever published, removed ones included (the reference docs)."""
    _load_modules()
    return sorted(_RULES.values(), key=lambda r: r.id)


def all_rules() -> list[Rule]:
    """The rules that can run (preview ones included: they run when selected)."""
    return [r for r in every_rule() if r.status != REMOVED]


class Resolved(NamedTuple):
    """What an id a user wrote stands for now: the rule (None: unknown) and why it differs."""

    rule: Rule | None
    note: str = ""  # "" when the id is current

    @property
    def runs(self) -> bool:
        return self.rule is not None and self.rule.status != REMOVED


def resolve(rule_id: str) -> Resolved:
    """The rule answering for `rule_id` (case-insensitive): itself, the rule that replaced it under
    a new id, or a removed rule; the note says what to write instead."""
    wanted = rule_id.strip().upper()
    rules = every_rule()
    for r in rules:
        if r.id == wanted:
            if r.status == REMOVED:
                instead = f"; use {r.replaced_by}" if r.replaced_by else ""
                return Resolved(r, f"rule {r.id} was removed ({r.explanation}){instead}")
            if r.status == DEPRECATED:
                instead = f": use {r.replaced_by}" if r.replaced_by else ""
                return Resolved(r, f"rule {r.id} is deprecated{instead}")
            return Resolved(r)
    for r in rules:
        if wanted in r.replaces:
            return Resolved(r, f"rule {wanted} was renamed to {r.id}: write {r.id}")
    return Resolved(None)


def current_id(rule_id: str) -> str:
    """The id findings of `rule_id` carry now (itself when unknown or current)."""
    found = resolve(rule_id).rule
    return found.id if found is not None else rule_id


@cache
def _load_modules() -> None:
    """Import every module of the rules package (importing registers its rules)."""
    package = __name__.rpartition(".")[0]
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name != "registry":
            importlib.import_module(f"{package}.{info.name}")


def get_rule(rule_id: str) -> Rule | None:
    """The rule with this id or a former id of it (removed rules included)."""
    return resolve(rule_id).rule
