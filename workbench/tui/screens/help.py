"""`?`: every key binding, generated from the BINDINGS (with the keymap applied)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, Static

from ..widgets.table import FitTable

COLUMNS = [("where", 18), ("key", 12), ("does", 1.0), ("binding id", 0.45)]
EXAMPLE = ("browse.edit", "E")  # a real binding id (a test holds it to that)


class HelpScreen(ModalScreen[None]):
    SCOPE = "Help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
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
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(FitTable)
        app = self.app
        scopes = app.all_binding_sources() if hasattr(app, "all_binding_sources") else []
        rows, first_row = [], 0
        for scope, bindings in scopes:
            if scope == self.origin_scope:
                first_row = len(rows)
            for b in bindings:
                key = app.effective_key(b) if hasattr(app, "effective_key") else b.key
                does = b.description + (f": {b.tooltip}" if b.tooltip else "")
                rows.append([Text(scope, style="bold" if scope == self.origin_scope else "dim"),
                             Text(key, style="bold"), Text(does), Text(b.id or "", style="dim")])
        table.set_data(COLUMNS, rows, cursor=first_row)
        table.focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
