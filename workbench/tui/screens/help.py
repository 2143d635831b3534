"""`?`: every key binding, generated from the BINDINGS (with the keymap applied)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from ..widgets.footer import WorkbenchFooter
from ..widgets.table import FitTable
from .base import NAV_BINDINGS, NavKeys

EXAMPLE = ("browse.edit", "E")  # a real binding id (a test holds it to that)


def columns(rows: list[list[Text]]) -> list[tuple]:
    """key and binding id as wide as their longest cell (never cut: the id is what a keymap needs);
    "where" and "does" (the binding's name) share the rest and wrap where they are longer, never cut;
    the line under the table says at length what the highlighted key does."""
    def width(i: int, label: str) -> int:
        return max([len(label)] + [r[i].cell_len for r in rows])

    return [("where", 0.5, "wrap"), ("key", width(1, "key")), ("does", 1.0, "wrap"),
            ("binding id", width(3, "binding id"))]


class HelpScreen(NavKeys, ModalScreen[None]):
    SCOPE = "Help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
        *NAV_BINDINGS,
    ]

    def __init__(self, origin: Screen | None = None) -> None:
        super().__init__()
        self.origin_scope = getattr(origin, "SCOPE", "")

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label(Text("Keys  (esc closes)"), classes="dialog-title")
            yield Static(Text(
                "Keys can be changed by binding id in ~/.config/workbench/keymap.toml "
                f"([keymap] \"{EXAMPLE[0]}\" = \"{EXAMPLE[1]}\") or $WORKBENCH_KEYMAP. ctrl+p lists every action.",
                style="dim"), markup=False)
            yield FitTable(id="help-table")
            yield Static("", id="help-does", markup=False)
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        table = self.query_one(FitTable)
        app = self.app
        scopes = app.all_binding_sources() if hasattr(app, "all_binding_sources") else []
        rows: list[list[Text]] = []
        first_row = 0
        self.does: list[Text] = []
        for scope, bindings in scopes:
            if scope == self.origin_scope:
                first_row = len(rows)
            for b in bindings:
                key = app.effective_key(b) if hasattr(app, "effective_key") else b.key
                does = b.description + (f": {b.tooltip}" if b.tooltip else "")
                rows.append([Text(scope, style="bold" if scope == self.origin_scope else "dim"),
                             Text(key, style="bold"), Text(b.description), Text(b.id or "", style="dim")])
                line = Text()
                line.append(f"{key}  ", style="bold")
                line.append(does)
                self.does.append(line)
        # "does" wraps between words, never inside one
        table.min_flex = max(len(w) for r in rows for cell in (r[0], r[2]) for w in cell.plain.split())
        table.set_data(columns(rows), rows, cursor=first_row)
        table.focus()
        self._show_does(table.cursor_row)

    def _show_does(self, row: int) -> None:
        self.query_one("#help-does", Static).update(self.does[row] if 0 <= row < len(self.does) else "")

    @on(DataTable.RowHighlighted, "#help-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_does(event.cursor_row)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
