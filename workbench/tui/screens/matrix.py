"""Dependency matrix: the work packages, their edges, and the downstream handoff."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from ..view import Snapshot
from .records import RecordsScreen, TableSpec, detail_text, t

WORK_PACKAGES_FILE = "decisions/work_packages.yaml"


class MatrixScreen(RecordsScreen):
    SCOPE = "Dependency matrix"
    TITLE_TEXT = "Dependency matrix: ◀ depends on · ▶ enables"
    TABLE_IDS: ClassVar[tuple[str, ...]] = ("packages-table", "grid-table", "handoff-table")

    def page_title(self, snap: Snapshot) -> str:
        title = snap.ws.decisions.plan.page_title("Dependency matrix", section="work_packages")
        return f"{title}: ◀ depends on · ▶ enables"

    def build(self, snap: Snapshot) -> list[TableSpec]:
        d = snap.ws.decisions
        wps = d.work_packages
        packages = TableSpec("packages-table", "Work packages", [
            ("id", 4), ("depends on", 0.35), ("enables", 0.35), ("title", 1.0)],
            empty="no decisions/work_packages.yaml", path=WORK_PACKAGES_FILE)
        for wp in wps:
            packages.rows.append([Text(wp.id, style="bold"), t(wp.depends_on), t(wp.enables), t(wp.title)])
            packages.keys.append(wp.id)
            consumers = [h.issue for h in d.handoff if wp.id in h.consumes]
            packages.details.append(detail_text(f"{wp.id}: {wp.title}", [
                ("depends on", wp.depends_on), ("enables", wp.enables), ("outputs", wp.outputs),
                ("consumed downstream by", consumers)]))

        ids = [wp.id for wp in wps]
        downstream = list(dict.fromkeys([h.issue for h in d.handoff] +
                                        [e for wp in wps for e in wp.enables if e not in ids]))
        cols = ids + downstream
        grid = TableSpec("grid-table", "Edges", [("", 4)] + [(c, max(3, len(c))) for c in cols], empty="no edges",
                         path=WORK_PACKAGES_FILE)
        for wp in wps:
            row = [Text(wp.id, style="bold")]
            for c in cols:
                if c in wp.depends_on:
                    row.append(Text(" ◀", style="yellow"))
                elif c in wp.enables:
                    row.append(Text(" ▶", style="green"))
                elif c == wp.id:
                    row.append(Text(" ·", style="dim"))
                else:
                    row.append(Text(""))
            grid.rows.append(row)
            grid.keys.append(wp.id)
            grid.details.append(detail_text(f"{wp.id}: {wp.title}", [
                ("depends on (◀)", wp.depends_on), ("enables (▶)", wp.enables)]))

        handoff = TableSpec("handoff-table", "Downstream handoff", [
            ("issue", 6), ("title", 22), ("consumes", 14), ("why", None)], empty="no handoff in work_packages.yaml",
            path=WORK_PACKAGES_FILE)
        for h in d.handoff:
            handoff.rows.append([Text(h.issue, style="bold"), t(h.title), t(h.consumes), t(h.why)])
            handoff.keys.append(h.issue)
            handoff.details.append(detail_text(f"{h.issue} {h.title}", [("consumes", h.consumes), ("why", h.why)]))
        return [packages, grid, handoff]
