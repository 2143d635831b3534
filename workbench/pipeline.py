"""The check pipeline, one direction: the snapshot's rules, then what is derived from their findings.

    Workspace -> check-stage rules -> findings -> checklist (from the findings)
              -> docs (rendered from findings and checklist)
              -> post-stage rules: E001 (committed docs vs rendered), G008 (ticks vs derived)
              -> baseline (decisions/baseline.yaml marks accepted findings; with `--against`, not the new
                 findings an entry added since the baseline accepts)
              -> final-stage rules: G013 (baseline entries no finding matched)

`check` is what the CLI and the TUI call; `export` is `workbench export`. Neither
the rules nor the export ever call back into the pipeline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import cache
from .allocation import paused_gc
from .checklist import derive_checklist
from .config import CEILINGS, Ceilings
from .engine import CheckResult, Context, baselined, result_of, run_rules, selected_rules
from .export import doc_paths, render_docs, write_docs
from .findings import Finding, Fingerprint
from .model import BaselineEntry, Workspace
from .rules.registry import CHECK, FINAL, POST, Rule, all_rules
from .store.edits import FamilyEdit, edited_family

MAX_PASSES = 3  # the documents are evidence for the checklist: re-render until they stop changing


def _usable(rules: Iterable[Rule], baseline: Workspace | None) -> list[Rule]:
    return [r for r in rules if baseline is not None or not r.needs_baseline]


def derive(ws: Workspace, rules: Iterable[Rule] | None = None, baseline: Workspace | None = None,
           baseline_label: str = "", ctx: Context | None = None) -> CheckResult:
    """Run the check-stage `rules` (default: all) and derive the checklist from their findings."""
    ctx = ctx or Context(ws, baseline, baseline_label)
    first = _usable(rules if rules is not None else [r for r in all_rules() if r.stage == CHECK], baseline)
    result = result_of(ws, run_rules(ctx, first), first)
    return replace(result, checklist=derive_checklist(ws, result))


def check(ws: Workspace, select: Iterable[str] = (), ignore: Iterable[str] = (),
          baseline: Workspace | None = None, baseline_label: str = "", *, use_baseline: bool = True,
          focus: frozenset[str] | None = None) -> CheckResult:
    """Every selected rule, in stage order; the result carries the derived checklist. With
    `use_baseline` (`--no-baseline` turns it off), findings decisions/baseline.yaml accepts are
    marked `baselined` (shown, never failing) and entries nothing matched are reported (G013).
    `baseline` is the workspace `--against` compares with; `focus`: the files per-file rules judge (all)."""
    with paused_gc():
        result = _check(ws, select, ignore, baseline, baseline_label, use_baseline, focus)
    cache.flush()  # what this check derived, for the next run (`workbench.cache`: outside the repository)
    return result


def check_first(ws: Workspace, focus: frozenset[str]) -> CheckResult:
    """The rules that judge each file on its own (`Rule.per_schema`: validity, load problems), on the files in
    `focus` only (`edited_files`): what the TUI shows first after an edit; the rest comes with `check`."""
    return check(ws, select=[r.id for r in all_rules() if r.per_schema], focus=focus)


def edited_files(before: Workspace, after: Workspace) -> frozenset[str]:
    """The schema and example files added, removed or changed between two snapshots, with the examples of each
    such schema and the schema of each such example: what the per-file rules must judge again."""
    def files(ws: Workspace) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {s.path: (s.source.sha,) for s in ws.schemas}
        found |= {e.path: (e.source.sha,) for e in ws.examples}
        for p in ws.problems:  # a file that no longer loads, or loads with a warning
            found[p.path] = (*found.get(p.path, ()), p.message)
        return found

    old, new = files(before), files(after)
    edited = {path for path in old.keys() | new.keys() if old.get(path) != new.get(path)}
    for ws in (before, after):
        edited |= {e.path for path in edited for e in ws.examples_of(path)}
        edited |= {e.schema_path for e in map(ws.example, edited) if e is not None}
    return frozenset(edited)


def _check(ws: Workspace, select: Iterable[str], ignore: Iterable[str], baseline: Workspace | None,
           baseline_label: str, use_baseline: bool, focus: frozenset[str] | None) -> CheckResult:
    selection = selected_rules(select, ignore)
    chosen = _usable(selection.rules, baseline)
    post = [r for r in chosen if r.stage == POST]
    ctx = Context(ws, baseline, baseline_label, focus=focus)
    # the checklist and the docs the post rules judge summarise every rule: then all of them run
    first = None if post else [r for r in chosen if r.stage == CHECK]
    derived = derive(ws, first, baseline, baseline_label, ctx)
    wanted = {r.id for r in chosen}
    findings = [f for f in derived.findings if f.rule in wanted]
    if post:
        ctx.result, ctx.checklist = derived, derived.checklist
        paths = doc_paths(ws)
        ctx.render = lambda: {paths[name]: text for name, text in render_docs(ws, derived).items()}
        findings += run_rules(ctx, post)
    accepted = ws.decisions.baseline if use_baseline else None
    if accepted is not None:
        findings, ctx.stale = baselined(findings, accepted, chosen)
        ctx.covered = {f.fingerprint: f.note if f.note.startswith("waived") else "info by its rule"
                       for f in findings if f.severity == "info"}
        if baseline is not None:
            findings = _added_with_their_findings(findings, accepted, baseline, baseline_label)
        findings += run_rules(ctx, [r for r in chosen if r.stage == FINAL])
    return replace(result_of(ws, findings, chosen, derived.checklist), notes=selection.notes)


def check_new_family(ws: Workspace, family_id: str, values: Mapping[str, Any]) -> tuple[Finding, ...]:
    """What the governance rules (G003 among them) would report about a family created from `values` (the
    new-family form's fields: title, intent_class, schemas, alternatives_considered, owner, stability_tier,
    decision): the form's pre-check, as `check_family_edit` is the edit form's."""
    from .loader.decisions import DECISIONS_DIR
    from .model import Family

    def text(key: str) -> str | None:
        value = values.get(key)
        return value.strip() or None if isinstance(value, str) else None

    def names(key: str) -> tuple[str, ...]:
        value = values.get(key) or ()
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, (list, tuple)) else ()

    fam = Family(family_id, f"{DECISIONS_DIR}/families/{family_id}.yaml", text("title") or family_id,
                 text("intent_class"), names("schemas"), owner=text("owner"), stability_tier=text("stability_tier"),
                 decision=text("decision"), alternatives_considered=names("alternatives_considered"))
    created = replace(ws, decisions=replace(ws.decisions, families=(*ws.decisions.families, fam)))
    found = check(created, select=["governance"], use_baseline=False).findings
    return tuple(f for f in found if family_id in f.families)


def _added_with_their_findings(findings: list[Finding], accepted: Iterable[BaselineEntry], baseline: Workspace,
                               label: str) -> list[Finding]:
    """`findings` with the ones accepted only by decisions/baseline.yaml entries this change adds (not in the
    baseline's own baseline.yaml) unmarked, when the finding is new too (more of it than the baseline has):
    a pull request cannot accept its own new findings. The baseline's findings are computed only then,
    only for the rules concerned."""
    added: Counter[Fingerprint] = Counter()
    for e in accepted:
        added[e.fingerprint] += e.count
    for e in baseline.decisions.baseline or ():
        added[e.fingerprint] -= e.count
    hidden = [f for f in findings if f.baselined and added[f.fingerprint] > 0]
    if not hidden:
        return findings
    before = Counter(f.fingerprint for f in check(baseline, select=sorted({f.rule for f in hidden}),
                                                  use_baseline=False).findings)
    now = Counter(f.fingerprint for f in findings)
    unmark: Counter[Fingerprint] = Counter()
    for key in {f.fingerprint for f in hidden}:
        unmark[key] = min(added[key], now[key] - before[key])
    note = (f"accepted only by a decisions/baseline.yaml entry added since {label or 'the baseline'}, "
            "with the finding: not accepted")
    out = []
    for f in findings:
        if f.baselined and unmark[f.fingerprint] > 0:
            unmark[f.fingerprint] -= 1
            f = replace(f, baselined=False, note=f"{f.note}; {note}" if f.note else note)
        out.append(f)
    return out


def export(ws: Workspace, out: Path | None = None, force: bool = False,
           ceilings: Ceilings | None = CEILINGS) -> list[tuple[str, str]]:
    """Write the M1 docs (to `out`, default the configured folder) and, without `out`, the generated proto
    files and their lock (`wire.package`); [(path, "written"|"unchanged"|"removed")].
    A hand-written file at a target is replaced only with `force` (else `UsageError`; a hand-written
    `.proto` never).

    Written documents can change the workspace's own evidence (a checklist item may
    cite one), so when a pass writes into the root the workspace is reloaded and
    rendered again (under `ceilings`, as `ws` was loaded), until a pass writes nothing.
    """
    from .export.proto import write_proto
    from .loader import load_workspace

    states: dict[str, str] = {}
    if out is None:  # the proto files and their lock go to the configured proto folder, never to --out
        wire = write_proto(ws)
        states.update(wire)
        if any(state != "unchanged" for _, state in wire):
            ws = load_workspace(ws.root, ceilings=ceilings)
    for _ in range(MAX_PASSES):
        written, again = write_docs(ws, render_docs(ws, derive(ws)), out, force)
        force = False  # later passes only rewrite what this export wrote
        for path, state in written:
            states[path] = "written" if state == "written" or states.get(path) == "written" else state
        if not again:
            break
        ws = load_workspace(ws.root, ceilings=ceilings)
    cache.flush()
    return list(states.items())


def check_family_edit(ws: Workspace, family_id: str, edit: FamilyEdit,
                      current: Iterable[Finding] | None = None) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """What the governance rules would report about the family once `edit` is saved.

    Returns (findings about the family, the ones among them that are new: not reported
    now, compared by rule + message). `current` is the findings the workspace has now
    (e.g. the last full check); None runs the governance rules on `ws` for them.
    Only the governance rules run (they read decisions, not schemas: milliseconds).
    """
    fam = ws.family(family_id)
    if fam is None:
        return (), ()
    families = tuple(edited_family(fam, edit) if f.id == family_id else f for f in ws.decisions.families)
    edited = replace(ws, decisions=replace(ws.decisions, families=families))

    def about(findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if f.category == "governance" and family_id in f.families]

    after = about(check(edited, select=["governance"], use_baseline=False).findings)
    before = about(check(ws, select=["governance"], use_baseline=False).findings if current is None else current)
    known = {(f.rule, f.message) for f in before}
    return tuple(after), tuple(f for f in after if (f.rule, f.message) not in known)
