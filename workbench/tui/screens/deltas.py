"""The delta register (decisions/deltas/*.yaml)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from ..view import Snapshot, counts
from ..widgets.browse import count_badges
from .records import RecordsScreen, TableSpec, detail_text, findings_at, fit, t

STATUS_STYLE = {"frozen": "green", "proposed": "yellow"}


class DeltasScreen(RecordsScreen):
    SCOPE = "Deltas"
    TITLE_TEXT = "Delta register: contracts not reusable as-is"
    TABLE_IDS: ClassVar[tuple[str, ...]] = ("deltas-table",)

    def page_title(self, snap: Snapshot) -> str:
        return snap.ws.decisions.plan.page_title(self.TITLE_TEXT, document="m1_contract_delta_register.md")

    def build(self, snap: Snapshot) -> list[TableSpec]:
        deltas = snap.ws.decisions.deltas
        # what identifies a delta first (id, title), whole; the table scrolls sideways for the rest
        spec = TableSpec("deltas-table", "Deltas", [
            ("delta", fit("delta", [d.id for d in deltas], 36)),
            ("title", fit("title", [d.title for d in deltas], 64, floor=20)),
            ("status", 9), ("kind", 7),
            ("family", fit("family", [d.family for d in deltas], 28)),
            ("owner", fit("owner", [d.authority_owner for d in deltas], 24)),
            ("consumers", 14), ("findings", 8)],
            empty="no decisions/deltas/*.yaml")
        for d in deltas:
            found = findings_at(snap, d.path)
            spec.rows.append([Text(d.id, style="bold"), t(d.title), t(d.status, STATUS_STYLE.get(d.status or "", "")),
                              t(d.kind), t(d.family), t(d.authority_owner), t(d.downstream_consumers),
                              count_badges(counts(found))])
            spec.keys.append(d.id)
            spec.paths.append(d.path)
            spec.details.append(detail_text(f"{d.id}  ({d.path})", [
                ("title", d.title), ("family", d.family), ("kind", d.kind), ("authority owner", d.authority_owner),
                ("compatibility rule", d.compatibility_rule), ("upstream candidates", d.upstream_candidates),
                ("risk", d.risk), ("downstream consumers", d.downstream_consumers), ("status", d.status),
            ], found))
        return [spec]
