"""budget: schemas whose structural analysis ran into a per-schema budget (L002)."""

from __future__ import annotations

from collections.abc import Iterator

from ..allocation import paused_gc
from ..analysis.fields import structure
from .registry import Hit, RuleContext, rule

WHAT = {"leaves": "instance-path leaves", "depth": "instance nesting depth", "steps": "leaves composed",
        "seconds": "extraction time"}


@rule("L002", "analysis-budget", "load", "info")
def analysis_budget(ctx: RuleContext) -> Iterator[Hit]:
    """The structural analysis of a schema (overlap, duplication, drift facts) ran into
    one of the per-schema budgets of `decisions/workspace.yaml` `budgets` (leaves,
    depth, steps, seconds; `steps` counts the work the same way on every machine,
    `seconds` is a last resort): it was analysed up to that limit, from the instance path named,
    and the rest of the check went on.

    Why it matters: structural rules (overlap, duplication, drift) see only the part of the schema analysed within
    the budget.

    How to fix: raise the budget in `budgets` (within its ceiling) to analyse it fully, or accept the partial
    analysis.
    """
    st = structure(ctx)
    budgets = ctx.ws.config.budgets
    with paused_gc():
        for s in ctx.ws.schemas:
            for budget, where in st.facts(s).exceeded:
                limit = getattr(budgets, budget)
                yield Hit(f"structural analysis stopped at the {budget} budget ({WHAT[budget]}, {limit}) "
                          f"at instance path {where or '/'}: overlap, duplication and drift see this schema only "
                          f"up to there", s.path, 1, (s.name, budget))
