"""The delta register (decisions/deltas/*.yaml)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from ..view import Snapshot, counts
from ..widgets.browse import count_badges
from .records import RecordsScreen, TableSpec, detail_text, findings_at, t

STATUS_STYLE = {"frozen": "green", "proposed": "yellow"}


class DeltasScreen(RecordsScreen):
    SCOPE = "Deltas"
    TITLE_TEXT = "Delta register: contracts not reusable as-is"
    TABLE_IDS: ClassVar[tuple[str, ...]] = ("deltas-table",)

    def page_title(self, snap: Snapshot) -> str:
        return snap.ws.decisions.plan.page_title(self.TITLE_TEXT, document="m1_contract_delta_register.md")

    def build(self, snap: Snapshot) -> list[TableSpec]:
        spec = TableSpec("deltas-table", "Deltas", [
            ("delta", 28), ("kind", 7), ("family", 20), ("owner", 16), ("status", 9),
            ("consumers", 14), ("findings", 8), ("title", None)],
            empty="no decisions/deltas/*.yaml")
        for d in snap.ws.decisions.deltas:
            found = findings_at(snap, d.path)
            spec.rows.append([Text(d.id, style="bold"), t(d.kind), t(d.family), t(d.authority_owner),
                              t(d.status, STATUS_STYLE.get(d.status or "", "")), t(d.downstream_consumers),
                              count_badges(counts(found)), t(d.title)])
            spec.keys.append(d.id)
            spec.details.append(detail_text(f"{d.id}  ({d.path})", [
                ("title", d.title), ("family", d.family), ("kind", d.kind), ("authority owner", d.authority_owner),
                ("compatibility rule", d.compatibility_rule), ("upstream candidates", d.upstream_candidates),
                ("risk", d.risk), ("downstream consumers", d.downstream_consumers), ("status", d.status),
            ], found))
        return [spec]
