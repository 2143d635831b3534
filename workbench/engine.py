"""The engine: run registered rules on a snapshot and turn their hits into anchored findings.

`run_rules` is one stage; `workbench.pipeline.check` runs the stages in order
(the rules, then what is derived from their findings) and is what the CLI,
export and the TUI call.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from .findings import SEVERITIES, Finding, Location, at_least
from .model import Workspace
from .rules.registry import Hit, Rule, all_rules

if TYPE_CHECKING:
    from .analysis.refs import RefIndex


@dataclass
class Context:
    """What a rule sees: the snapshot, an optional baseline, shared lazy indexes; `post` rules
    also see what the pipeline derived from the other rules' findings."""

    ws: Workspace
    baseline: Workspace | None = None
    baseline_label: str = ""
    result: CheckResult | None = None  # post stage: the findings of every check-stage rule
    checklist: tuple[Any, ...] = ()  # post stage: the derived checklist rows
    render: Callable[[], Mapping[str, str]] | None = None  # post stage: renders the docs (on first use)

    @cached_property
    def docs(self) -> Mapping[str, str]:
        """Post stage: root-relative export path -> the text `workbench export` writes there."""
        return self.render() if self.render is not None else {}

    @cached_property
    def refs(self) -> RefIndex:
        """Workspace `$ref` resolution (referencing Registry), built once per check."""
        from .analysis.refs import RefIndex

        return RefIndex.of(self.ws)


@dataclass(frozen=True)
class CheckResult:
    root: str
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...] = field(default=(), compare=False)
    checklist: tuple[Any, ...] = field(default=(), compare=False)  # ChecklistRow, derived by the pipeline

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {s: counts.get(s, 0) for s in SEVERITIES} | {"total": len(self.findings)}

    def failed(self, fail_on: str = "error") -> bool:
        return any(at_least(f.severity, fail_on) for f in self.findings)

    def ran(self, rule_id: str) -> bool:
        return any(r.id == rule_id for r in self.rules)

    def of_rule(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule_id]


def _matches(rule: Rule, names: Iterable[str]) -> bool:
    names = {n.lower() for n in names}
    return rule.id.lower() in names or rule.category in names or rule.name in names


def selected_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    select, ignore = list(select), list(ignore)
    return [r for r in all_rules() if (not select or _matches(r, select)) and not _matches(r, ignore)]


def _place(ws: Workspace, file: str, line: int | None = None, pointer: str | None = None,
           schema: str | None = None, family: str | None = None) -> Location:
    """A location with what the snapshot knows filled in: the schema a schema or example file
    belongs to, the family of that schema or of a family record, the line of `pointer`."""
    if schema is None:
        example = ws.example(file)
        schema = file if ws.schema(file) is not None else example.schema_path if example else None
    if family is None:
        fam = ws.family_at(file) or (ws.family_of(schema) if schema else None)
        family = fam.id if fam else None
    if line is None and pointer is not None and (source := ws.sources.get(file)) is not None:
        line = source.line_of(pointer)
    return Location(file, line, pointer, schema, family)


def anchored(ws: Workspace, rule: Rule, hit: Hit) -> Finding:
    """The finding of one hit, its anchors completed from the snapshot."""
    here = _place(ws, hit.path, hit.line, hit.pointer, hit.schema, hit.family)
    related = tuple(_place(ws, r.file, r.line, r.pointer, r.schema, r.family) for r in hit.related)
    return Finding(rule.id, rule.category, hit.severity or rule.severity, hit.message, here.file, here.line,
                   tuple(hit.subjects), "", here.pointer, here.schema, here.family, related, hit.data or {})


def waived(ws: Workspace, finding: Finding) -> Finding:
    """A family's waiver turns a matching finding (same rule, a subject named, about that family) into info,
    with the reason attached."""
    for fam in ws.families:
        for w in fam.waivers:
            if w.rule == finding.rule and w.subject in finding.subjects and (
                    fam.id in finding.families or fam.id in finding.subjects):
                return replace(finding, severity="info", note=f"waived in {fam.path}: {w.reason}")
    return finding


def run_rules(ctx: Context, rules: Iterable[Rule]) -> list[Finding]:
    """Every hit of `rules` as a finding; a rule that crashes becomes an error finding, never a traceback."""
    ws = ctx.ws
    findings: dict[Finding, None] = {}
    for rule in rules:
        try:
            for hit in rule.check(ctx):
                findings.setdefault(waived(ws, anchored(ws, rule, hit)))
        except Exception as exc:  # a bug in one rule must not hide the others
            findings.setdefault(Finding(rule.id, rule.category, "error",
                                        f"rule {rule.id} failed: {type(exc).__name__}: {exc}", "."))
    return list(findings)


def result_of(ws: Workspace, findings: Iterable[Finding], rules: Iterable[Rule],
              checklist: tuple[Any, ...] = ()) -> CheckResult:
    return CheckResult(str(ws.root), tuple(sorted(findings, key=Finding.sort_key)), tuple(rules), checklist)
