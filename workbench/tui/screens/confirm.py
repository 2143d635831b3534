"""A yes/no question before something that loses or risks work (discard an edit, save
with new errors, quit with unsaved changes). Result: True to go ahead, False to go back."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ..widgets.footer import WorkbenchFooter


class ConfirmScreen(ModalScreen[bool]):
    """`ConfirmScreen("Discard your changes to gate?", yes="Discard", no="Keep editing")`.

    The safe answer (`no`) has the focus, so enter or escape never loses work;
    `purpose` names the question for callers that must recognise it (e.g. "quit").
    """

    SCOPE = "Confirm"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Back", id="confirm.no"),
        Binding("left,right", "switch", "Other answer", show=False, id="confirm.switch"),
    ]

    def __init__(self, question: str, *, yes: str, no: str = "Keep editing",
                 body: RenderableType | None = None, purpose: str = "") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no
        self.body = body
        self.purpose = purpose

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Label(Text(self.question), classes="dialog-title")  # literal: names come from files
            if self.body is not None:
                with VerticalScroll(id="confirm-body"):
                    yield Static(self.body, markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text(f"{self.no} (esc)"), id="confirm-no", variant="primary", compact=True)
                yield Button(Text(self.yes), id="confirm-yes", variant="error", compact=True)
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(bool(yes))

    def action_switch(self) -> None:
        no = self.query_one("#confirm-no", Button)
        (self.query_one("#confirm-yes", Button) if no.has_focus else no).focus()
