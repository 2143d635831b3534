"""Governance predicates shared by the rules and the checklist, below both.

A derived checklist status and the rule that explains it call the same
predicate, so they can never disagree.
"""

from __future__ import annotations

import datetime
import os
import re

from .model import Family, Workspace
from .model import is_generated as is_generated

TODAY_ENV = "WORKBENCH_TODAY"  # YYYY-MM-DD: the date waiver expiry is judged by (reproducible runs, tests)


def today() -> str:
    """The date waivers expire by: `$WORKBENCH_TODAY` when set, else the local date (YYYY-MM-DD)."""
    return os.environ.get(TODAY_ENV) or datetime.date.today().isoformat()


def missing_fields(record: object, names: tuple[str, ...]) -> list[str]:
    """The attributes of `record` among `names` that are empty or absent."""
    return [n for n in names if not getattr(record, n, None)]


def mentions(text: str, fam: Family) -> bool:
    """Whether `text` names `fam` by id, title or one of its schema names (whole words)."""
    names = {fam.id, fam.title} | {s.rsplit("/", 1)[-1].removesuffix(".schema.json") for s in fam.schemas}
    return any(re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", text, re.IGNORECASE) for n in names if n)


def new_family_gaps(ws: Workspace, fam: Family) -> list[tuple[str, str]]:
    """Why a `new` family is not justified, as (message, field) pairs; empty when it is
    (or when the family is not `new`). This is G003, and the checklist's family_decided."""
    if fam.decision != "new":
        return []
    gaps: list[tuple[str, str]] = []
    alts = fam.alternatives_considered
    known = [f for f in (ws.family(a) for a in alts if a != fam.id) if f is not None]
    if not alts:
        gaps.append(("lists no alternatives_considered (the existing families evaluated for reuse)", "decision"))
    for i, alt in enumerate(alts):
        if alt == fam.id or ws.family(alt) is None:
            gaps.append((f"alternatives_considered names {alt!r}, which is not another family",
                         f"alternatives_considered.{i}"))
    if not fam.rationale:
        gaps.append(("has no rationale saying why no existing family could be reused or extended", "decision"))
    elif known and not any(mentions(fam.rationale, a) for a in known):
        names = ", ".join(a.id for a in known)
        gaps.append((f"rationale does not name any alternative considered ({names}): say why it could not be reused",
                     "rationale"))
    if not fam.downstream_consumers:
        gaps.append(("lists no downstream_consumers (the issues that need the new contract)", "decision"))
    return gaps


def find_cycles(graph: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Dependency cycles (each once) as paths that end where they start; iterative DFS."""
    done: set[str] = set()
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                done.add(path.pop())
                stack.pop()
            elif nxt in path:
                cycle = path[path.index(nxt):] + [nxt]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append(cycle)
            elif nxt in graph and nxt not in done:
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return cycles
