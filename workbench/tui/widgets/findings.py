"""The findings panel: every finding in a DataTable, filtered by category, severity, text."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Select

from ...findings import CATEGORIES, SEVERITIES, Finding
from .table import FitTable
from ..view import GLYPH, SEVERITY_STYLE, finding_key


class FilterInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back to findings", id="findings.leave_filter"),
        Binding("down", "leave", "To the table", show=False, id="findings.filter_down"),
    ]

    def action_leave(self) -> None:
        self.screen.query_one(FindingsTable).focus()


COLUMNS = [("", 1), ("rule", 4), ("category", 12), ("where", 0.5, "left"), ("message", 1.0)]


class FindingsTable(FitTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Go to subject", id="findings.goto", show=False,
                tooltip="Move the browse tree to the finding's family or schema"),
    ]


def matches(f: Finding, category: str | None, severity: str | None, words: list[str]) -> bool:
    if category and f.category != category:
        return False
    if severity and f.severity != severity:
        return False
    if words:
        hay = " ".join((f.rule, f.category, f.severity, f.path, f.message, f.note, *f.subjects)).lower()
        return all(w in hay for w in words)
    return True


class FindingsPanel(Vertical):
    """Filter bar + table. Posts `Chosen` when the user picks a finding."""

    class Chosen(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._all: tuple[Finding, ...] = ()
        self._shown: list[Finding] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="findings-filters"):
            yield FilterInput(placeholder="filter findings…  (/)", id="filter-text", compact=True)
            yield Select([(c, c) for c in CATEGORIES], prompt="any category", id="filter-category", compact=True)
            yield Select([(s, s) for s in SEVERITIES], prompt="any severity", id="filter-severity", compact=True)
            yield Label("", id="filter-count")
        yield FindingsTable(id="findings-table")

    # ------------------------------------------------------------------ data

    def set_findings(self, findings: tuple[Finding, ...]) -> None:
        self._all = findings
        self.refilter()

    def filters(self) -> tuple[str | None, str | None, list[str]]:
        cat = self.query_one("#filter-category", Select).value
        sev = self.query_one("#filter-severity", Select).value
        text = self.query_one("#filter-text", Input).value
        return (cat if isinstance(cat, str) else None, sev if isinstance(sev, str) else None,
                text.lower().split())

    def refilter(self) -> None:
        table = self.query_one(FindingsTable)
        keep = None
        if self._shown and 0 <= table.cursor_row < len(self._shown):
            keep = finding_key(self._shown[table.cursor_row])
        cat, sev, words = self.filters()
        self._shown = [f for f in self._all if matches(f, cat, sev, words)]
        rows = [[
            Text(GLYPH[f.severity], style=SEVERITY_STYLE[f.severity]),
            Text(f.rule, style="bold"),
            Text(f.category, style="dim"),
            Text(f.where),
            Text(f.message + (f"  ({f.note})" if f.note else "")),
        ] for f in self._shown]
        row = next((i for i, f in enumerate(self._shown) if finding_key(f) == keep), 0) if keep else 0
        table.set_data(COLUMNS, rows, cursor=row)
        total, shown = len(self._all), len(self._shown)
        self.query_one("#filter-count", Label).update(
            Text(f"{shown}/{total}" if shown != total else f"{total} finding{'s' if total != 1 else ''}"))

    @property
    def shown(self) -> list[Finding]:
        return list(self._shown)

    # ------------------------------------------------------------------ events

    @on(Input.Changed, "#filter-text")
    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.refilter()

    @on(Input.Submitted, "#filter-text")
    def _filter_submitted(self) -> None:
        self.query_one(FindingsTable).focus()

    @on(DataTable.RowSelected, "#findings-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        index = event.cursor_row
        if 0 <= index < len(self._shown):
            self.post_message(self.Chosen(self._shown[index]))
