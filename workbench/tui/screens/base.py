"""The frame every workbench page shares: header, body, status line, footer."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.widgets import Button, Footer, Header

from ..view import Snapshot
from ..widgets.status import StatusBar


class WorkbenchScreen(Screen):
    """Subclasses implement `compose_body` and `show_snapshot` (called on every reload)."""

    SCOPE: ClassVar[str] = "Screen"

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield from self.compose_body()
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._snapshot_changed, init=True)

    def _snapshot_changed(self, snap: Snapshot | None) -> None:
        if snap is not None:
            self.show_snapshot(snap)

    def show_snapshot(self, snap: Snapshot) -> None:
        """Redraw from a new snapshot, keeping the user's place."""


class PageScreen(WorkbenchScreen):
    """A secondary page (checklist, deltas, matrix, gates): escape goes back to browsing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.mode('browse')", "Back", id="page.back"),
    ]


class FormScreen(ModalScreen[ScreenResultType]):
    """A modal form with `#save` / `#cancel` buttons: subclasses implement `action_save`."""

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
