"""CI gates (decisions/gates.yaml) and the change classes per stability tier."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from ..view import Snapshot
from .records import RecordsScreen, TableSpec, detail_text, findings_at, fit, t

GATES_FILE = "decisions/gates.yaml"
STATE_STYLE = {"failing": "bold red", "passing": "green", "not run": "dim", "external": "dim"}


class GatesScreen(RecordsScreen):
    SCOPE = "CI gates"
    TITLE_TEXT = "CI gates and change classes"
    TABLE_IDS: ClassVar[tuple[str, ...]] = ("gates-table", "classes-table")

    def page_title(self, snap: Snapshot) -> str:
        return snap.ws.decisions.plan.page_title(self.TITLE_TEXT, document="m1_ci_enforcement_mapping.md")

    def build(self, snap: Snapshot) -> list[TableSpec]:
        from ...checklist import gate_state
        from ...rules.registry import all_rules

        known = {r.id for r in all_rules()}
        all_gates = snap.ws.decisions.gates
        # gate and blocking first (what CI does with it), whole; the table scrolls sideways for the rest
        gates = TableSpec("gates-table", "Gates", [
            ("gate", fit("gate", [g.id for g in all_gates], 36)), ("blocking", 8), ("state", 9),
            ("enforced by", fit("enforced by", [g.enforced_by for g in all_gates], 40)),
            ("external", fit("external", [g.external for g in all_gates], 40)),
            ("title", fit("title", [g.title for g in all_gates], 48))],
            empty="no decisions/gates.yaml", path=GATES_FILE)
        for g in all_gates:
            rules = Text()
            for i, rid in enumerate(g.enforced_by):
                if i:
                    rules.append(", ")
                rules.append(rid, style="" if rid in known else "bold red")
            found = findings_at(snap, GATES_FILE, g.line, g.id)
            state = gate_state(g, snap.result) if not snap.pending else None
            gates.rows.append([Text(g.id, style="bold"),
                               Text("yes" if g.blocking else "no", style="bold" if g.blocking else "dim"),
                               Text(state.status, style=STATE_STYLE.get(state.status, "dim")) if state else t(None),
                               rules if g.enforced_by else t(None), t(g.external), t(g.title)])
            gates.keys.append(g.id)
            unknown = [r for r in g.enforced_by if r not in known]
            gates.details.append(detail_text(f"{g.id}: {g.title}", [
                ("state", f"{state.status}: {state.text}" if state else "checking"),
                ("enforced by", g.enforced_by), ("unknown rules", unknown) if unknown else ("rules", "all registered"),
                ("external", g.external), ("blocking", "yes" if g.blocking else "no"),
                ("description", g.description),
            ], found))
        classes = TableSpec("classes-table", "Change classes", [
            ("tier", 14), ("required checks", 40), ("allowed", None)], empty="none", path=GATES_FILE)
        for c in snap.ws.decisions.change_classes:
            classes.rows.append([Text(c.tier, style="bold"), t(c.required_checks), t(c.allowed)])
            classes.keys.append(c.tier)
            classes.details.append(detail_text(f"tier {c.tier}", [
                ("allowed", c.allowed), ("required checks", c.required_checks)]))
        return [gates, classes]
