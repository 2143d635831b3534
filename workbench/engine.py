"""The engine: run registered rules on a snapshot and turn their hits into anchored findings.

`run_rules` is one stage; `workbench.pipeline.check` runs the stages in order
(the rules, then what is derived from their findings) and is what the CLI,
export and the TUI call.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from .errors import UsageError
from .findings import CATEGORIES, SEVERITIES, Finding, Fingerprint, Location, at_least
from .model import BaselineEntry, Waiver, Workspace
from .policy import today
from .rules.registry import PREVIEW, ChecklistRowView, Hit, Rule, all_rules, current_id, resolve

if TYPE_CHECKING:
    from .analysis.refs import RefIndex


@dataclass
class Context:
    """What a rule sees (`rules.registry.RuleContext`): the snapshot, an optional baseline, shared lazy
    indexes; `post` rules also see what the pipeline derived from the other rules' findings."""

    ws: Workspace
    baseline: Workspace | None = None
    baseline_label: str = ""
    today: str = field(default_factory=today)  # YYYY-MM-DD, for waiver expiry
    result: CheckResult | None = None  # post stage: the findings of every check-stage rule
    checklist: tuple[ChecklistRowView, ...] = ()  # post stage: the derived checklist rows
    render: Callable[[], Mapping[str, str]] | None = None  # post stage: renders the docs (on first use)
    stale: tuple[BaselineEntry, ...] = ()  # final stage: baseline entries no finding matched
    # final stage: the fingerprints of findings that still occur as info (why: "waived in ...", or the rule's
    # own severity), so an entry they no longer need is not said to be gone
    covered: Mapping[Fingerprint, str] = field(default_factory=dict)
    focus: frozenset[str] | None = None  # a first look after an edit: the per-file rules judge these files only

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
    checklist: tuple[ChecklistRowView, ...] = field(default=(), compare=False)  # ChecklistRow, derived by the pipeline
    notes: tuple[str, ...] = field(default=(), compare=False)  # about how the check was asked for (old rule ids)

    @property
    def summary(self) -> dict[str, int]:
        """Counts by severity of the findings not in the baseline, their total, and how many are baselined."""
        counts = Counter(f.severity for f in self.findings if not f.baselined)
        baselined = sum(f.baselined for f in self.findings)
        return {s: counts.get(s, 0) for s in SEVERITIES} | {"total": len(self.findings) - baselined,
                                                            "baselined": baselined}

    def failed(self, fail_on: str = "error") -> bool:
        """Whether a finding not accepted in the baseline reaches `fail_on`."""
        return any(at_least(f.severity, fail_on) for f in self.findings if not f.baselined)

    def ran(self, rule_id: str) -> bool:
        return any(r.id == rule_id for r in self.rules)

    def of_rule(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule_id]


def _matches(rule: Rule, names: set[str]) -> bool:
    return rule.id.lower() in names or rule.category in names or rule.name in names


class Selection(NamedTuple):
    """The rules `--select`/`--ignore` leave, and what to tell the user about the names given."""

    rules: list[Rule]
    notes: tuple[str, ...] = ()


def selected_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Selection:
    """The rules `--select`/`--ignore` leave (by id, category or name). A former id of a renamed
    rule selects it, a removed rule's id does nothing, each with a note. Preview rules run only
    when selected by id or name. An unknown name is a `UsageError` naming the closest known ones:
    a typo must never turn a gate off."""
    rules = all_rules()
    known = {r.id.lower(): r.id for r in rules} | {c: c for c in CATEGORIES} | {r.name: r.name for r in rules}
    notes: dict[str, None] = {}

    def names(given: Iterable[str], flag: str) -> set[str]:
        out = set()
        for name in given:
            if name.lower() in known:
                out.add(name.lower())
            elif (found := resolve(name)).rule is not None:
                notes[f"{found.note} (in {flag})"] = None
                if found.runs:
                    out.add(found.rule.id.lower())
        return out

    select, ignore = list(select), list(ignore)
    chosen, dropped = names(select, "--select"), names(ignore, "--ignore")
    unknown = sorted({n for n in (*select, *ignore) if n.lower() not in known and resolve(n).rule is None})
    if unknown:
        hints = [f"{n!r}" + (f" (did you mean {', '.join(known[c] for c in close)}?)"
                             if (close := difflib.get_close_matches(n.lower(), known, n=3, cutoff=0.6)) else "")
                 for n in unknown]
        raise UsageError(f"unknown rule or category {'; '.join(hints)}: see `workbench rules` "
                         f"(categories: {', '.join(CATEGORIES)})")
    if select and not chosen:  # only removed rules were selected: run none rather than all
        return Selection([], tuple(notes))

    def wanted(r: Rule) -> bool:
        if _matches(r, dropped):
            return False
        if r.status == PREVIEW:
            return r.id.lower() in chosen or r.name in chosen
        return not chosen or _matches(r, chosen)

    return Selection([r for r in rules if wanted(r)], tuple(notes))


def _place(ws: Workspace, file: str, line: int | None = None, pointer: str | None = None,
           schema: str | None = None, family: str | None = None) -> Location:
    """A location with what the snapshot knows filled in: the schema a schema or example file
    belongs to, the family of that schema or of a family record (the line of `pointer`: `with_lines`)."""
    if schema is None:
        example = ws.example(file)
        schema = file if ws.schema(file) is not None else example.schema_path if example else None
    if family is None:
        fam = ws.family_at(file) or (ws.family_of(schema) if schema else None)
        family = fam.id if fam else None
    return Location(file, line, pointer, schema, family)


def with_lines(ws: Workspace, findings: list[Finding]) -> list[Finding]:
    """Fill in the line of every location that has a pointer but no line: one scan per file for all
    its pointers (a rule reporting many places in one large file must not scan it once per place)."""
    wanted: dict[str, set[str]] = {}
    for f in findings:
        for loc in f.locations:
            if loc.line is None and loc.pointer is not None and loc.file in ws.sources:
                wanted.setdefault(loc.file, set()).add(loc.pointer)
    if not wanted:
        return findings
    lines = {file: ws.sources[file].lines_of(pointers) for file, pointers in wanted.items()}

    def fill(loc: Location) -> Location:
        if loc.line is None and loc.pointer is not None and loc.file in lines:
            return replace(loc, line=lines[loc.file][loc.pointer])
        return loc

    out = []
    for f in findings:
        here = fill(f.location)
        out.append(replace(f, line=here.line, related=tuple(fill(r) for r in f.related)) if (
            here.line != f.line or f.related) else f)
    return out


def anchored(ws: Workspace, rule: Rule, hit: Hit) -> Finding:
    """The finding of one hit, its anchors completed from the snapshot."""
    here = _place(ws, hit.path, hit.line, hit.pointer, hit.schema, hit.family)
    related = tuple(_place(ws, r.file, r.line, r.pointer, r.schema, r.family) for r in hit.related)
    return Finding(rule.id, rule.category, hit.severity or rule.severity, hit.message, here.file, here.line,
                   tuple(hit.subjects), pointer=here.pointer, schema=here.schema, family=here.family,
                   related=related, data=hit.data or {})


def waived(waivers: Iterable[Waiver], finding: Finding, on: str) -> Finding:
    """A waiver (wherever written: a family record or decisions/waivers.yaml) turns a finding of its
    rule that names its subject into info, with the reason attached, until the day after `expires`."""
    for w in waivers:
        if current_id(w.rule) == finding.rule and not w.expired(on) and w.subject in finding.names:
            return replace(finding, severity="info", note=f"waived in {w.path}: {w.reason}")
    return finding


def run_rules(ctx: Context, rules: Iterable[Rule]) -> list[Finding]:
    """Every hit of `rules` as a finding; a rule that crashes becomes an error finding, never a traceback."""
    ws = ctx.ws
    by_rule: dict[str, list[Waiver]] = {}
    for w in ws.decisions.all_waivers:  # a waiver written for a rule's former id applies (G014 says so)
        by_rule.setdefault(current_id(w.rule), []).append(w)
    findings: dict[Finding, None] = {}
    for rule in rules:
        waivers = by_rule.get(rule.id, ())
        try:
            for hit in rule.check(ctx):
                findings.setdefault(waived(waivers, anchored(ws, rule, hit), ctx.today))
        except Exception as exc:  # a bug in one rule must not hide the others
            findings.setdefault(Finding(rule.id, rule.category, "error",
                                        f"rule {rule.id} failed: {type(exc).__name__}: {exc}", "."))
    return with_lines(ws, list(findings))


def result_of(ws: Workspace, findings: Iterable[Finding], rules: Iterable[Rule],
              checklist: tuple[ChecklistRowView, ...] = ()) -> CheckResult:
    return CheckResult(str(ws.root), tuple(sorted(findings, key=Finding.sort_key)), tuple(rules), checklist)


def baselined(findings: Iterable[Finding], entries: Sequence[BaselineEntry],
              ran: Iterable[Rule]) -> tuple[list[Finding], tuple[BaselineEntry, ...]]:
    """Mark the findings a baseline entry accepts (by rule, subjects and pointer; an entry's `count`
    accepts that many); return them with the entries of rules that ran and no finding used up."""
    entries = [replace(e, rule=current_id(e.rule)) for e in entries]  # a former id still accepts (G014)
    left: Counter[Fingerprint] = Counter()
    for e in entries:
        left[e.fingerprint] += e.count
    out = []
    for f in sorted(findings, key=Finding.sort_key):
        if f.severity != "info" and left[f.fingerprint] > 0:
            left[f.fingerprint] -= 1
            f = replace(f, baselined=True)
        out.append(f)
    ids = {r.id for r in ran}
    return out, tuple(e for e in entries if e.rule in ids and left[e.fingerprint] > 0)
