"""Tick a manual checklist item: done or not, with the evidence paths that back it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static, Switch

from ... import store
from ...model import ChecklistItem
from ..widgets.footer import WorkbenchFooter
from .base import FormScreen
from .conflict import save_in_form

CHECKLIST_FILE = "decisions/checklist.yaml"


class TickScreen(FormScreen[store.Record | None]):
    """Writes the tick into decisions/checklist.yaml (`record`, as read) and closes only then.
    Result: the record written, or None when cancelled."""

    SCOPE = "Tick item"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="tick.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="tick.cancel"),
    ]

    def __init__(self, item: ChecklistItem, root: Path, record: store.Record) -> None:
        super().__init__()
        self.item = item
        self.root = root
        self.record = record
        done = item.done if item.done is not None else True
        self.initial = (done, ", ".join(item.evidence))

    def values(self) -> tuple[bool, str]:
        return self.query_one("#tick-done", Switch).value, self.query_one("#tick-evidence", Input).value

    def unsaved(self) -> bool:
        return self.is_attached and self.values() != self.initial

    def compose(self) -> ComposeResult:
        with Vertical(id="tick-dialog", classes="dialog"):
            yield Label(Text(f"Tick: {self.item.id}"), classes="dialog-title")
            yield Static(Text(self.item.text), markup=False)
            with Horizontal(classes="field-row"):
                yield Label("Done", classes="field-label")
                yield Switch(self.initial[0], id="tick-done")
            with Horizontal(classes="field-row"):
                yield Label("Evidence", classes="field-label")
                with Vertical(classes="field-body"):
                    yield Input(self.initial[1], id="tick-evidence", compact=True,
                                placeholder="paths relative to the root, comma-separated")
                    yield Static("", id="tick-error", classes="field-error", markup=False)
                    yield Static(Text("Files that back the tick; each must exist (G007).", style="dim"),
                                 classes="field-help", markup=False)
            yield from self.actions()
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        # the switch, not the evidence: an Input focused on opening selects its text, and the first key
        # typed (space, to toggle) would replace the evidence; tab reaches the evidence
        self.query_one("#tick-done", Switch).focus()

    def action_save(self) -> None:
        done = self.query_one("#tick-done", Switch).value
        evidence = store.split_list(self.query_one("#tick-evidence", Input).value)
        error = self.query_one("#tick-error", Static)
        missing = store.missing_evidence(self.root, evidence)
        problem = ""
        if missing:
            problem = "not found: " + ", ".join(missing)
        elif done and not evidence:
            problem = "name at least one evidence file for a done tick"
        error.update(Text(problem, style="bold red") if problem else "")
        error.set_class(bool(problem), "-shown")
        if problem:
            self.query_one("#tick-evidence").focus()
            return
        path, item_id = self.record.path, self.item.id
        save_in_form(self, CHECKLIST_FILE, lambda expected: store.tick_checklist_item(path, item_id, done, evidence,
                                                                                     expected),
                     self.record.fingerprint, f"Saved {CHECKLIST_FILE}")

    @on(Input.Submitted, "#tick-evidence")
    def _submitted(self) -> None:
        self.action_save()
