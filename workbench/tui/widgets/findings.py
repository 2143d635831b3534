"""The findings panel: the findings of the selected tree node (or all of them) in a DataTable,
filtered by category, severity and text, sorted by severity, rule or file; findings
decisions/baseline.yaml accepts are dimmed."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Select

from ...findings import CATEGORIES, SEVERITIES, Finding
from ..view import GLYPH, SEVERITY_STYLE, SORTS, finding_key, sort_findings
from .table import FitTable

QUICK_ROWS = 1000  # up to this many findings, the filter applies at every key typed
TYPING_PAUSE_S = 0.15  # beyond, it waits for typing to pause this long (each filter re-renders every row)


class FilterInput(Input):
    """The filter text. `Typed` says what to filter by: at every change, or once typing pauses for
    `typing_pause` seconds (set for a large table: a catalog's 4,000 rows took 0.3 s to filter at each key)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back to findings", id="findings.leave_filter"),
        Binding("down", "leave", "To the table", show=False, id="findings.filter_down"),
    ]

    class Typed(Message):
        """The filter text to apply."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.typing_pause = 0.0
        self._timer: Timer | None = None  # a `Typed` waiting for typing to pause

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input is not self:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.typing_pause, self.flush) if self.typing_pause > 0 else None
        if self._timer is None:
            self.post_message(self.Typed(self.value))

    def flush(self) -> None:
        """Apply the text still waiting for typing to pause (the pause came, Enter, leaving the field)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            self.post_message(self.Typed(self.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.flush()

    def action_leave(self) -> None:
        self.flush()
        self.screen.query_one(FindingsTable).focus()


COLUMNS = [("", 1), ("rule", 4), ("category", 12), ("where", 0.5, "left"), ("message", 1.0)]


class FindingsTable(FitTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Details", id="findings.details",
                tooltip="The finding's detail view: message, rule, locations; act on it from there"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.row_count > 0 if action == "select_cursor" else True  # no row: no "⏎ Details"


def matches(f: Finding, category: str | None, severity: str | None, words: list[str]) -> bool:
    if category and f.category != category:
        return False
    if severity and f.severity != severity:
        return False
    if words:
        hay = " ".join((f.rule, f.category, f.severity, f.path, f.message, f.note, *f.subjects)).lower()
        return all(w in hay for w in words)
    return True


def row_cells(f: Finding) -> list[Text]:
    """A finding's table row; a baselined one is dimmed and says so."""
    dim = f.baselined
    message = Text()
    if dim:
        message.append("baselined · ", style="italic")  # first: a long message is cut at the end
    message.append(f.message.split("\n", 1)[0])  # the table shows the first line; the detail view the rest
    if f.note:
        message.append(f"  ({f.note})", style="italic")
    cells = [
        Text(GLYPH[f.severity], style="dim" if dim else SEVERITY_STYLE[f.severity]),
        Text(f.rule, style="dim" if dim else "bold"),
        Text(f.category, style="dim"),
        Text(f.where),
        message,
    ]
    if dim:
        for cell in cells[3:]:
            cell.stylize("dim")
    return cells


class FindingsPanel(Vertical):
    """Filter bar + table. Shows the findings of one tree node (`set_scope`) unless `show_all`;
    posts `Chosen` when the user picks a finding."""

    class Chosen(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._all: tuple[Finding, ...] = ()
        self._scope: tuple[Finding, ...] | None = None  # the node's findings; None: no node selected
        self.scope_label = "all"
        self.show_all = False
        self.sort = SORTS[0]
        self._shown: list[Finding] = []
        self.pending = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="findings-filters"):
            yield FilterInput(placeholder="/ filter findings + tree", id="filter-text", compact=True)
            yield Select([(c, c) for c in CATEGORIES], prompt="any category", id="filter-category", compact=True)
            yield Select([(s, s) for s in SEVERITIES], prompt="any severity", id="filter-severity", compact=True)
            yield Label("", id="filter-count")
        yield FindingsTable(id="findings-table")

    # ------------------------------------------------------------------ data

    def set_findings(self, findings: tuple[Finding, ...], scope: list[Finding] | None = None,
                     label: str = "all", *, pending: bool = False) -> None:
        """Every finding, and those of the selected node (None: no node, show all); `pending`: the
        first check is still running (none is known yet, which is not "no findings")."""
        self.pending = pending
        self._all = tuple(findings)
        self.query_one(FilterInput).typing_pause = TYPING_PAUSE_S if len(self._all) > QUICK_ROWS else 0.0
        self._scope = tuple(scope) if scope is not None else None
        self.scope_label = label if scope is not None else "all"
        self.refilter()

    def set_scope(self, scope: list[Finding] | None, label: str) -> None:
        self._scope = tuple(scope) if scope is not None else None
        self.scope_label = label if scope is not None else "all"
        self.refilter(keep=self._table_focused())

    def toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.refilter(keep=self._table_focused())

    def _table_focused(self) -> bool:
        """Another set of findings keeps the cursor's finding only when the user is in the table
        (else the new set starts at its top)."""
        return self.query_one(FindingsTable).has_focus

    def cycle_sort(self) -> str:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refilter()
        return self.sort

    @property
    def scoped(self) -> bool:
        """Whether the table shows one node's findings (not all of them)."""
        return not self.show_all and self._scope is not None

    def filters(self) -> tuple[str | None, str | None, list[str]]:
        cat = self.query_one("#filter-category", Select).value
        sev = self.query_one("#filter-severity", Select).value
        text = self.query_one("#filter-text", Input).value
        return (cat if isinstance(cat, str) else None, sev if isinstance(sev, str) else None,
                text.lower().split())

    def refilter(self, keep: bool = True) -> None:
        """Show the findings the scope and filters leave; `keep`: the cursor stays on its finding."""
        table = self.query_one(FindingsTable)
        key = None
        if keep and self._shown and 0 <= table.cursor_row < len(self._shown):
            key = finding_key(self._shown[table.cursor_row])
        cat, sev, words = self.filters()
        pool = self._scope if self.scoped else self._all
        assert pool is not None
        self._shown = sort_findings((f for f in pool if matches(f, cat, sev, words)), self.sort)
        rows = [row_cells(f) for f in self._shown]
        row = next((i for i, f in enumerate(self._shown) if finding_key(f) == key), 0) if key else 0
        table.set_data(COLUMNS, rows, cursor=row)
        if not keep:
            table.scroll_to(y=0, animate=False, immediate=True)
        total, shown = len(pool), len(self._shown)
        if self.scoped:
            count = Text(f"{shown}/{total} here" if shown != total else f"{total} here")
        else:
            count = Text(f"{shown}/{total}" if shown != total else f"{total} finding{'s' if total != 1 else ''}")
        accepted = sum(1 for f in self._shown if f.baselined)
        if accepted:  # counted apart, as the status bar and the tree's badges do
            count.append(f" · {accepted} baselined", style="dim")
        if self.pending:
            count = Text("checking…", style="italic")
        elif self.scoped and len(self._all) != total:
            in_all = sum(1 for f in self._all if matches(f, cat, sev, words))
            if in_all > shown:
                count.append(f" · {in_all} in all (a)", style="dim")
        self.query_one("#filter-count", Label).update(count)
        title = Text()
        title.append("Findings", style="bold")
        title.append(f" · {self.scope_label if self.scoped else 'all'} · by {self.sort}")
        self.border_title = title
        self.border_subtitle = Text(("a: all" if self.scoped else "a: this node") + " · s: sort · enter: details")

    @property
    def shown(self) -> list[Finding]:
        return list(self._shown)

    def selected(self) -> Finding | None:
        row = self.query_one(FindingsTable).cursor_row
        return self._shown[row] if 0 <= row < len(self._shown) else None

    # ------------------------------------------------------------------ events

    @on(FilterInput.Typed)
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
