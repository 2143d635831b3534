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
from ..model import BaselineEntry, ChecklistItem, Workspace

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


RuleCheck = Callable[[RuleContext], Iterable[Hit]]
Check = TypeVar("Check", bound=RuleCheck)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    category: str
    severity: str
    explanation: str
    check: RuleCheck
    needs_baseline: bool = False  # runs only with `--against`
    details: tuple[str, ...] = ()  # extra lines for `workbench explain` (e.g. C001's change kinds)
    stage: str = CHECK


_RULES: dict[str, Rule] = {}


def rule(rule_id: str, name: str, category: str, severity: str, *, needs_baseline: bool = False,
         details: tuple[str, ...] = (), stage: str = CHECK) -> Callable[[Check], Check]:
    assert category in CATEGORIES and severity in SEVERITIES and stage in STAGES, (rule_id, category, severity)

    def register(fn: Check) -> Check:
        if rule_id in _RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        doc = inspect.cleandoc(fn.__doc__ or "")
        _RULES[rule_id] = Rule(rule_id, name, category, severity, " ".join(doc.split()), fn, needs_baseline,
                               tuple(details), stage)
        return fn

    return register


def all_rules() -> list[Rule]:
    _load_modules()
    return sorted(_RULES.values(), key=lambda r: r.id)


@cache
def _load_modules() -> None:
    """Import every module of the rules package (importing registers its rules)."""
    package = __name__.rpartition(".")[0]
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name != "registry":
            importlib.import_module(f"{package}.{info.name}")


def get_rule(rule_id: str) -> Rule | None:
    return {r.id: r for r in all_rules()}.get(rule_id.upper())
