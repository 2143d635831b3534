"""The engine: run the registered rules on a snapshot. CLI, export and TUI all call `check`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

from .findings import RANK, SEVERITIES, Finding, at_least
from .model import Workspace
from .rules.registry import Rule, all_rules


@dataclass
class Context:
    """What a rule sees: the snapshot, an optional baseline, and shared lazy indexes."""

    ws: Workspace
    baseline: Workspace | None = None
    baseline_label: str = ""
    prior: "CheckResult | None" = None  # findings of every plain rule, for the export rules that summarise them

    @cached_property
    def refs(self):
        """Workspace `$ref` resolution (referencing Registry), built once per check."""
        from .analysis.refs import RefIndex

        return RefIndex.of(self.ws)


@dataclass(frozen=True)
class CheckResult:
    root: str
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...] = field(default=(), compare=False)

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {s: counts.get(s, 0) for s in SEVERITIES} | {"total": len(self.findings)}

    def failed(self, fail_on: str = "error") -> bool:
        return any(at_least(f.severity, fail_on) for f in self.findings)


def _matches(rule: Rule, names: Iterable[str]) -> bool:
    names = {n.lower() for n in names}
    return rule.id.lower() in names or rule.category in names or rule.name in names


def selected_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    select, ignore = list(select), list(ignore)
    return [r for r in all_rules() if (not select or _matches(r, select)) and not _matches(r, ignore)]


def _waive(ws: Workspace, finding: Finding) -> Finding:
    """A family's waiver turns a matching finding into info, with the reason attached."""
    for fam in ws.families:
        for w in fam.waivers:
            if w.rule == finding.rule and w.subject in finding.subjects and (
                fam.id in finding.subjects or finding.path in fam.schemas or finding.path == fam.path
            ):
                return Finding(finding.rule, finding.category, "info", finding.message, finding.path,
                               finding.line, finding.subjects, f"waived in {fam.path}: {w.reason}", finding.data)
    return finding


def _plain(rule: Rule) -> bool:
    """A rule whose findings depend on the workspace alone (no baseline, not about exports)."""
    return rule.category != "export" and not rule.needs_baseline


def check(
    ws: Workspace,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    baseline: Workspace | None = None,
    baseline_label: str = "",
) -> CheckResult:
    """Run every selected rule; a rule that crashes becomes an error finding, never a traceback."""
    ctx = Context(ws, baseline, baseline_label)
    rules = [r for r in selected_rules(select, ignore) if baseline is not None or not r.needs_baseline]
    rules.sort(key=lambda r: r.category == "export")  # export rules summarise the others: run them last
    plain = {r.id for r in all_rules() if _plain(r)}
    findings: set[Finding] = set()
    for rule in rules:
        if rule.category == "export" and ctx.prior is None and plain <= {r.id for r in rules}:
            ctx.prior = CheckResult(str(ws.root), tuple(sorted((f for f in findings if f.rule in plain),
                                                              key=Finding.sort_key)), tuple(r for r in rules if _plain(r)))
        try:
            for hit in rule.check(ctx):
                severity = hit.severity or rule.severity
                findings.add(_waive(ws, Finding(rule.id, rule.category, severity, hit.message, hit.path,
                                                hit.line, tuple(hit.subjects), data=hit.data or {})))
        except Exception as exc:  # a bug in one rule must not hide the others
            findings.add(Finding(rule.id, rule.category, "error",
                                 f"rule {rule.id} failed: {type(exc).__name__}: {exc}", "."))
    ordered = tuple(sorted(findings, key=Finding.sort_key))
    return CheckResult(str(ws.root), ordered, tuple(rules))


def worst(findings: Iterable[Finding]) -> str | None:
    best = max((RANK[f.severity] for f in findings), default=0)
    return next((s for s in SEVERITIES if RANK[s] == best), None)
