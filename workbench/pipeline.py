"""The check pipeline, one direction: the snapshot's rules, then what is derived from their findings.

    Workspace -> check-stage rules -> findings -> checklist (from the findings)
              -> docs (rendered from findings and checklist)
              -> post-stage rules: E001 (committed docs vs rendered), G008 (ticks vs derived)

`check` is what the CLI and the TUI call; `export` is `workbench export`. Neither
the rules nor the export ever call back into the pipeline.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterable

from .checklist import derive_checklist
from .engine import CheckResult, Context, result_of, run_rules, selected_rules
from .export import doc_paths, render_docs, write_docs
from .model import Workspace
from .rules.registry import CHECK, POST, Rule, all_rules

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
          baseline: Workspace | None = None, baseline_label: str = "") -> CheckResult:
    """Every selected rule, in stage order; the result carries the derived checklist."""
    chosen = _usable(selected_rules(select, ignore), baseline)
    post = [r for r in chosen if r.stage == POST]
    ctx = Context(ws, baseline, baseline_label)
    # the checklist and the docs the post rules judge summarise every rule: then all of them run
    first = None if post else [r for r in chosen if r.stage == CHECK]
    derived = derive(ws, first, baseline, baseline_label, ctx)
    if not post:
        return derived
    ctx.result, ctx.checklist = derived, derived.checklist
    paths = doc_paths(ws)
    ctx.render = lambda: {paths[name]: text for name, text in render_docs(ws, derived).items()}
    wanted = {r.id for r in chosen}
    findings = [f for f in derived.findings if f.rule in wanted] + run_rules(ctx, post)
    return result_of(ws, findings, chosen, derived.checklist)


def export(ws: Workspace, out: Path | None = None) -> list[tuple[str, str]]:
    """Write the M1 docs (to `out`, default the configured folder); [(path, "written"|"unchanged")].

    Written documents can change the workspace's own evidence (a checklist item may
    cite one), so when a pass writes into the root the workspace is reloaded and
    rendered again, until a pass writes nothing.
    """
    from .loader import load_workspace

    states: dict[str, str] = {}
    for _ in range(MAX_PASSES):
        written, again = write_docs(ws, render_docs(ws, derive(ws)), out)
        for path, state in written:
            states[path] = "written" if state == "written" or states.get(path) == "written" else state
        if not again:
            break
        ws = load_workspace(ws.root)
    return list(states.items())
