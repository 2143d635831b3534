"""Saving over a file that changed on disk: show what changed and let the user choose."""

from __future__ import annotations

from typing import Callable, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Label, Static

from ... import store

OVERWRITE, THEIRS, CANCEL = "overwrite", "theirs", "cancel"


def diff_text(diff: str) -> Text:
    """A unified diff as literal text, coloured by line kind (the file header lines dropped)."""
    out = Text()
    for line in diff.splitlines():
        style = ""
        if line.startswith(("+++ ", "--- ")):
            continue
        if line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        out.append(line + "\n", style=style)
    return out


class ConflictScreen(ModalScreen[str]):
    """Result: "overwrite" (write mine over the file as it is now), "theirs" or "cancel"."""

    SCOPE = "Save conflict"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "choose('overwrite')", "Overwrite with mine", id="conflict.overwrite"),
        Binding("r", "choose('theirs')", "Reload theirs", id="conflict.theirs"),
        Binding("escape", "choose('cancel')", "Cancel", id="conflict.cancel"),
    ]

    def __init__(self, conflict: store.Conflict, label: str) -> None:
        super().__init__()
        self.conflict = conflict
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-dialog", classes="dialog"):
            yield Label(Text(f"{self.label} changed on disk since you opened it"), classes="dialog-title")
            yield Static(Text("Nothing was written. What changed on disk (- as you read it, + now):",
                              style="dim"), markup=False)
            with VerticalScroll(id="conflict-diff"):
                yield Static(diff_text(self.conflict.diff(self.label)), markup=False)
            yield Static(Text(
                "o: write the fields you changed over the file as it is now · r: keep theirs, drop yours · "
                "esc: back to your edit", style="dim"), markup=False, classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Overwrite with mine (o)", id="overwrite", variant="warning", compact=True)
                yield Button("Reload theirs (r)", id="theirs", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#conflict-diff").focus()  # arrows scroll the diff; o / r / esc decide

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or CANCEL)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


def save_checked(
    screen: Screen,
    label: str,
    save: Callable[[str], store.Record],
    expected: str,
    on_cancel: Callable[[], None] | None = None,
) -> None:
    """Run `save(expected_fingerprint)`; on a conflict ask the user, then retry or drop.

    On success the workspace is reloaded (the watcher would too; reloads coalesce).
    """
    app = screen.app
    try:
        save(expected)
    except store.Conflict as exc:
        conflict = exc  # `exc` is unbound when the except block ends; the callback runs later

        def chosen(choice: str | None) -> None:
            if choice == OVERWRITE:
                save_checked(screen, label, save, conflict.current_fingerprint, on_cancel)
            elif choice == THEIRS:
                app.notify(f"Kept {label} as it is on disk; your edit was discarded.", markup=False, timeout=5)
                app.reload("discarded edit")
            elif on_cancel is not None:
                on_cancel()

        app.push_screen(ConflictScreen(conflict, label), chosen)
        return
    except (store.StoreError, OSError) as exc:
        app.notify(f"Not saved: {exc}", title="Save failed", severity="error", markup=False, timeout=10)
        return
    app.notify(f"Saved {label}", markup=False, timeout=3)
    app.reload(f"saved {label}")
