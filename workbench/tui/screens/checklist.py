"""The missing-contract checklist: derived status, evidence, manual ticks."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from ... import store
from ..host import host
from ..view import Snapshot
from ..widgets.table import FitTable
from .base import PageScreen
from .tick import CHECKLIST_FILE, TickScreen

STATUS_MARK = {
    "done": ("✔ done", "bold green"),
    "open": ("☐ open", "yellow"),
    "contradicted": ("✘ contradicted", "bold red"),
    "manual": ("☐ manual", "cyan"),
}
COLUMNS = [("status", 14), ("item", 1.2), ("source", 7), ("evidence", 1.0)]


class ChecklistScreen(PageScreen):
    SCOPE = "Checklist"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "tick", "Tick by hand", id="checklist.tick",
                tooltip="Tick a manual item done (or not) with an evidence path"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Any] = []

    def compose_body(self) -> ComposeResult:
        yield Label(Text("Checklist"), classes="page-title", id="checklist-page-title")
        yield FitTable(id="checklist-table")
        with VerticalScroll(id="checklist-detail", classes="panel"):
            yield Static("", id="checklist-detail-body", markup=False)

    def on_mount(self) -> None:
        self.query_one("#checklist-table").focus()

    def show_snapshot(self, snap: Snapshot) -> None:
        self.query_one("#checklist-page-title", Label).update(Text(snap.ws.decisions.plan.checklist_page_title()))
        table = self.query_one("#checklist-table", FitTable)
        row = table.cursor_row
        keep = self.rows[row].item.id if 0 <= row < len(self.rows) else None
        self.rows = list(snap.checklist)
        cells = []
        for r in self.rows:
            mark, style = STATUS_MARK.get(r.status, (r.status, ""))
            cells.append([Text(mark, style=style), Text(r.item.text), Text(r.source, style="dim"),
                          Text(r.evidence_text)])
        new = next((i for i, r in enumerate(self.rows) if r.item.id == keep), row) if keep else 0
        table.set_data(COLUMNS, cells, cursor=new)
        if not self.rows:
            why = "decisions/checklist.yaml has no items"
            self.query_one("#checklist-detail-body", Static).update(Text(why, style="dim italic"))
        else:
            self._show_row(table.cursor_row)
        self.refresh_bindings()

    def _show_row(self, index: int) -> None:
        body = self.query_one("#checklist-detail-body", Static)
        if not 0 <= index < len(self.rows):
            body.update("")
            return
        r = self.rows[index]
        mark, style = STATUS_MARK.get(r.status, (r.status, ""))
        out = Text()
        out.append(mark, style=style)
        out.append(f"  {r.item.id}\n", style="bold")
        out.append(r.item.text + "\n")
        out.append(f"{r.source}: ", style="dim")
        out.append(r.evidence_text + "\n")
        if r.item.derive:
            derive = ", ".join(f"{k}={v}" for k, v in r.item.derive.items())
            out.append("derived from: ", style="dim")
            out.append(derive + "\n")
        else:
            out.append("manual item: tick it with t\n", style="cyan")
        if r.item.done is not None:
            out.append("manual tick: ", style="dim")
            out.append(("done" if r.item.done else "not done") + "\n")
        out.append("evidence:\n", style="dim")
        listed = list(dict.fromkeys([*r.item.evidence, *r.evidence]))
        for path in listed:
            ok = path in r.evidence
            out.append("  ✓ " if ok else "  ✗ ", style="green" if ok else "red")
            out.append(path + ("" if ok else "  (missing)") + "\n")
        if not listed:
            out.append("  none\n", style="dim")
        body.update(out)

    @on(DataTable.RowHighlighted, "#checklist-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_row(event.cursor_row)
        self.refresh_bindings()

    def _selected(self):
        row = self.query_one("#checklist-table", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tick":  # a derived item cannot be ticked: the key is hidden there
            r = self._selected()
            return r is not None and not r.item.derive
        return True

    def selected_path(self) -> str | None:
        return CHECKLIST_FILE if self._selected() is not None else None

    def action_tick(self) -> None:
        r = self._selected()
        snap = host(self).snapshot
        if r is None or snap is None:
            return
        if r.item.derive:
            self.notify("This item's status is derived from the workspace; it cannot be ticked by hand.",
                        timeout=4, markup=False)
            return
        path = snap.ws.root / CHECKLIST_FILE
        try:
            record = store.read_record(path)
        except store.StoreError as exc:
            self.notify(str(exc), severity="error", markup=False, timeout=8)
            return
        self.app.push_screen(TickScreen(r.item, snap.ws.root, record))
