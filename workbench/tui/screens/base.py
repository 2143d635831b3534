"""The frame every workbench page shares: header, body, status line, footer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.widget import Widget
from textual.widgets import Button, DataTable, Header, Static, Tree

from ...allocation import paused_gc
from ..view import Snapshot
from ..widgets.footer import WorkbenchFooter
from ..widgets.status import StatusBar

# j/k like the arrows in the tree and every table; listed once in help ("Tree and tables")
NAV_BINDINGS: list[BindingType] = [
    Binding("j", "nav('down')", "Down (like ↓)", id="nav.down", show=False),
    Binding("k", "nav('up')", "Up (like ↑)", id="nav.up", show=False),
]


class NavKeys:
    """`j`/`k` move the cursor of the focused tree or table (a screen-level binding: an
    Input with the focus still gets the letters)."""

    def action_nav(self, direction: str) -> None:
        widget = getattr(self, "focused", None)
        if isinstance(widget, (Tree, DataTable)) and direction in ("up", "down"):
            getattr(widget, f"action_cursor_{direction}")()


class WorkbenchScreen(NavKeys, Screen):
    """Subclasses implement `compose_body` and `show_snapshot` (called on every reload),
    and `selected_path` for `y` (copy the selected item's path)."""

    SCOPE: ClassVar[str] = "Screen"
    BINDINGS: ClassVar[list[BindingType]] = [
        *NAV_BINDINGS,
        Binding("y", "copy_path", "Copy path", id="item.copy_path", show=False,
                tooltip="Copy the selected item's path (file, or file:line of a finding)"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield from self.compose_body()
        yield StatusBar(id="status")
        yield WorkbenchFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._snapshot_changed, init=True)

    def _snapshot_changed(self, snap: Snapshot | None) -> None:
        if snap is not None:
            with paused_gc():  # a redraw of thousands of rows: one full collection of a big heap was a second
                self.show_snapshot(snap)

    def show_snapshot(self, snap: Snapshot) -> None:
        """Redraw from a new snapshot, keeping the user's place."""

    # ------------------------------------------------------------------ y: copy path

    def selected_path(self) -> str | None:
        """The path of what the cursor is on (None: nothing with a path is selected)."""
        return None

    def action_copy_path(self) -> None:
        path = self.selected_path()
        if not path:
            self.notify("Nothing to copy here: select a family, schema, finding or record first.",
                        timeout=3, markup=False)
            return
        self.app.copy_to_clipboard(path)
        self.notify(f"Copied {path}", timeout=3, markup=False)


class PageScreen(WorkbenchScreen):
    """A secondary page (checklist, deltas, matrix, gates): escape goes back to browsing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.mode('browse')", "Back", id="page.back"),
    ]


class FormScreen(ModalScreen[ScreenResultType]):
    """A modal form with `#save` / `#cancel` buttons: subclasses implement `action_save`.

    A form that can hold typed values says so with `unsaved()`: then cancelling asks first
    (`DISCARD` is the question), and a failed save is shown in its `FAILURE` box, values kept."""

    DISCARD = "Discard what you typed?"
    FAILURE = "#form-failure"  # the Static a failed save is shown in
    FAILURE_TITLE = "Not saved"

    def action_save(self) -> None:
        raise NotImplementedError

    def buttons(self, save: str = "Save (ctrl+s)") -> Horizontal:
        """The form's `#save` / `#cancel` row."""
        return Horizontal(Button(save, id="save", variant="primary", compact=True),
                          Button("Cancel (esc)", id="cancel", compact=True), classes="dialog-buttons")

    def actions(self, save: str = "Save (ctrl+s)") -> Iterator[Widget]:
        """The `#form-failure` box (where `show_failure` writes) above the `buttons` row."""
        yield Static("", id="form-failure", classes="form-failure", markup=False)
        yield self.buttons(save)

    def unsaved(self) -> bool:
        """Whether closing the form would lose typed values."""
        return False

    def discard_question(self) -> str:
        return self.DISCARD

    def action_cancel(self) -> None:
        if not self.unsaved():
            self.dismiss(None)
            return
        from .confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen(self.discard_question(), yes="Discard", no="Keep editing",
                                           purpose="discard"), answered)

    def show_failure(self, message: str) -> None:
        """A save that did not happen: said in the form (which stays open) and notified."""
        box = self.query_one(self.FAILURE, Static)
        box.update(Text(message + "\nYour values are kept: fix the cause and save again, or esc.", style="bold red"))
        box.set_class(True, "-shown")
        self.notify(message, title=self.FAILURE_TITLE, severity="error", markup=False, timeout=10)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
