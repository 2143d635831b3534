"""checklist: manual ticks in `decisions/checklist.yaml` must be backed by evidence."""

from __future__ import annotations

from collections.abc import Iterator

from .registry import POST, Hit, RuleContext, rule

CHECKLIST = "decisions/checklist.yaml"


@rule("G007", "checklist-evidence-missing", "governance", "error")
def checklist_evidence_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A checklist item is ticked done (`done: true`) but an `evidence` path it cites
    does not exist in the root (or points outside it): the tick claims file-backed
    evidence that is not there.

    Why it matters: a tick that cites missing evidence claims work that is not in the repository.

    How to fix: add the evidence file the item cites, correct its path, or remove the tick.
    """
    for item in ctx.ws.decisions.checklist:
        if item.done:
            for rel in item.evidence:
                if not ctx.ws.exists(rel):
                    yield Hit(f"item {item.id!r} is ticked done, but its evidence {rel} does not exist",
                              CHECKLIST, item.line, (item.id, rel))


@rule("G008", "checklist-tick-contradicted", "governance", "error", stage=POST)
def checklist_tick_contradicted(ctx: RuleContext) -> Iterator[Hit]:
    """A manual tick disagrees with the status derived from the workspace: `done: true`
    while the derivation (the item's `derive`) says open, or `done: false` while it
    says done. The message names the evidence the derivation looked at.

    Why it matters: a manual tick that contradicts the evidence makes the checklist say something the workspace does
    not.

    How to fix: fix the workspace so the derivation agrees, or drop the tick and let the derived status speak.
    """
    for row in ctx.checklist:
        if row.status == "contradicted":
            yield Hit(f"item {row.item.id!r}: {row.evidence_text}", CHECKLIST, row.item.line, (row.item.id,))
