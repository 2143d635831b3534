"""Shared layout for the decisions-record pages (deltas, matrix, gates): tables + detail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from ...findings import Finding
from ..view import GLYPH, SEVERITY_STYLE, Snapshot
from ..widgets.table import FitTable
from .base import PageScreen


@dataclass
class TableSpec:
    id: str
    title: str
    columns: list[tuple]  # FitTable columns: (label, fixed int | flex weight None/float)
    rows: list[list[Text]] = field(default_factory=list)
    details: list[Text] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # row identity, to keep the cursor
    empty: str = "nothing recorded"
    path: str = ""  # the file every row comes from (y copies it), unless `paths` has one per row
    paths: list[str] = field(default_factory=list)

    def path_of(self, row: int) -> str | None:
        if 0 <= row < len(self.paths):
            return self.paths[row]
        return self.path if 0 <= row < len(self.rows) and self.path else None


def t(value: object, style: str = "") -> Text:
    """A table cell: literal text; lists joined; missing shown dimmed."""
    if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
        return Text("—", style="dim")
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    return Text(str(value), style=style)


def fit(label: str, cells: list[object], cap: int, floor: int = 0) -> int:
    """A fixed column width that shows `cells` whole (up to `cap`): the table scrolls
    sideways on a narrow terminal instead of cutting what identifies a row."""
    return max(len(label), floor, min(cap, max((t(c).cell_len for c in cells), default=0)))


def detail_text(title: str, pairs: list[tuple[str, object]], findings: Sequence[Finding] = ()) -> Text:
    out = Text()
    out.append(title + "\n", style="bold")
    for key, value in pairs:
        out.append(f"{key}: ", style="dim")
        out.append_text(t(value))
        out.append("\n")
    for f in findings:
        out.append(f"{GLYPH[f.severity]} {f.rule} ", style=SEVERITY_STYLE[f.severity])
        out.append(f.where, style="dim")
        out.append(f"  {f.message}\n")
    return out


class RecordsScreen(PageScreen):
    TITLE_TEXT = ""
    TABLE_IDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        super().__init__()
        self.specs: dict[str, TableSpec] = {}

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="records-body"):
            yield Label(Text(self.TITLE_TEXT), classes="page-title", id="records-page-title")
            for table_id in self.TABLE_IDS:
                yield Label("", id=f"{table_id}-title", classes="table-title")
                yield FitTable(id=table_id, classes="records-table")
        with VerticalScroll(id="records-detail", classes="panel"):
            yield Static("", id="records-detail-body", markup=False)

    def on_mount(self) -> None:
        for table in self.query(FitTable):
            table.fixed_columns = 1  # scrolled sideways, a row still shows what it is
        if self.TABLE_IDS:
            self.query_one(f"#{self.TABLE_IDS[0]}", DataTable).focus()

    def build(self, snap: Snapshot) -> list[TableSpec]:
        raise NotImplementedError

    def page_title(self, snap: Snapshot) -> str:
        """The page title; pages citing the plan read its labels (decisions/plan.yaml) from the snapshot."""
        return self.TITLE_TEXT

    def show_snapshot(self, snap: Snapshot) -> None:
        self.query_one("#records-page-title", Label).update(Text(self.page_title(snap)))
        for spec in self.build(snap):
            table = self.query_one(f"#{spec.id}", FitTable)
            previous = self.specs.get(spec.id)
            row = table.cursor_row
            keep = previous.keys[row] if previous and 0 <= row < len(previous.keys) else None
            self.specs[spec.id] = spec
            table.set_data(spec.columns, spec.rows, cursor=spec.keys.index(keep) if keep in spec.keys else 0)
            title = Text()
            title.append(spec.title, style="bold")
            title.append(f"  {len(spec.rows)}" if spec.rows else f"  {spec.empty}", style="dim")
            self.query_one(f"#{spec.id}-title", Label).update(title)
        focused = self.focused if isinstance(self.focused, DataTable) else None
        self._show_detail(focused or self.query_one(f"#{self.TABLE_IDS[0]}", DataTable))

    def selected_path(self) -> str | None:
        table = self.focused if isinstance(self.focused, DataTable) else None
        if table is None:
            return None
        spec = self.specs.get(table.id or "")
        return spec.path_of(table.cursor_row) if spec is not None else None

    def _show_detail(self, table: DataTable) -> None:
        spec = self.specs.get(table.id or "")
        body = self.query_one("#records-detail-body", Static)
        if spec is None or not 0 <= table.cursor_row < len(spec.details):
            body.update("")
            return
        body.update(spec.details[table.cursor_row])

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.data_table)

    def on_descendant_focus(self, event) -> None:
        if isinstance(event.widget, DataTable):
            self._show_detail(event.widget)


def findings_at(snap: Snapshot, path: str, line: int | None = None, subject: str | None = None) -> list[Finding]:
    out = []
    for f in snap.result.findings:
        if f.path != path:
            continue
        if subject is not None and subject not in f.subjects and (line is None or f.line != line):
            continue
        out.append(f)
    return out
