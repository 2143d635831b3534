"""Saving over a file that changed on disk: show what changed and let the user choose."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ... import store
from ..host import host
from ..widgets.footer import WorkbenchFooter
from .base import FormScreen

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
    """Result: "overwrite" (write mine over the file as it is now; for a deleted file:
    recreate the whole record as it was read, with my edits), "theirs" or "cancel".

    `recreate`: the caller can write the whole record again when the file was deleted
    (the family form can; a checklist tick cannot, so it is not offered there)."""

    SCOPE = "Save conflict"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "choose('overwrite')", "Overwrite with mine", id="conflict.overwrite"),
        Binding("r", "choose('theirs')", "Reload theirs", id="conflict.theirs"),
        # the file was deleted: the same keys, said as what they do then (check_action shows one of each)
        Binding("o", "recreate", "Recreate with mine", id="conflict.recreate"),
        Binding("r", "leave_deleted", "Leave it deleted", id="conflict.leave_deleted"),
        Binding("escape", "choose('cancel')", "Cancel", id="conflict.cancel"),
    ]

    def __init__(self, conflict: store.Conflict, label: str, *, recreate: bool = False) -> None:
        super().__init__()
        self.conflict = conflict
        self.label = label
        self.recreate = recreate

    @property
    def deleted(self) -> bool:
        return self.conflict.deleted

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-dialog", classes="dialog"):
            if self.deleted:
                yield Label(Text(f"{self.label} was deleted on disk since you opened it"), classes="dialog-title")
                yield Static(Text("Nothing was written. The record as you opened it:", style="dim"), markup=False)
                with VerticalScroll(id="conflict-diff"):
                    yield Static(Text(self.conflict.base_text or "(empty)"), markup=False)
                if self.recreate:
                    help_text = ("o: recreate the file with the whole record (every field as you opened it, "
                                 "plus your edits) · r: leave it deleted, drop yours · esc: back to your edit")
                else:
                    help_text = "r: leave it deleted, drop yours · esc: back to your edit"
            else:
                yield Label(Text(f"{self.label} changed on disk since you opened it"), classes="dialog-title")
                yield Static(Text("Nothing was written. What changed on disk (- as you read it, + now):",
                                  style="dim"), markup=False)
                with VerticalScroll(id="conflict-diff"):
                    yield Static(diff_text(self.conflict.diff(self.label)), markup=False)
                help_text = ("o: write the fields you changed over the file as it is now · r: keep theirs, "
                             "drop yours · esc: back to your edit")
            yield Static(Text(help_text, style="dim"), markup=False, classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                if not self.deleted:
                    yield Button("Overwrite with mine (o)", id=OVERWRITE, variant="warning", compact=True)
                    yield Button("Reload theirs (r)", id=THEIRS, variant="primary", compact=True)
                else:
                    if self.recreate:
                        yield Button("Recreate with mine (o)", id=OVERWRITE, variant="warning", compact=True)
                    yield Button("Leave it deleted (r)", id=THEIRS, variant="primary", compact=True)
                yield Button("Cancel (esc)", id=CANCEL, compact=True)
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.query_one("#conflict-diff").focus()  # arrows scroll the diff; o / r / esc decide

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters and parameters[0] in (OVERWRITE, THEIRS):
            return not self.deleted
        if action == "recreate":
            return self.deleted and self.recreate  # not offered: hidden, and o does nothing
        if action == "leave_deleted":
            return self.deleted
        return True

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or CANCEL)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_recreate(self) -> None:
        self.dismiss(OVERWRITE)

    def action_leave_deleted(self) -> None:
        self.dismiss(THEIRS)


def discarded_text(conflict: store.Conflict, label: str) -> str:
    kept = f"Left {label} deleted" if conflict.deleted else f"Kept {label} as it is on disk"
    return f"{kept}; your edit was discarded."


def save_in_form(
    form: FormScreen[store.Record | None],
    label: str,
    save: Callable[[str], store.Record],
    expected: str,
    done: str,
) -> None:
    """`save(expected_fingerprint)` from an open form, which closes only once the file is written.

    On a conflict the user chooses: overwrite retries against what is on disk now, keeping
    theirs discards the edit and closes the form, cancel goes back to the form with the
    values as typed. A failed write is shown in the form (`show_failure`), values kept. On
    success the workspace is reloaded (the watcher would too; reloads coalesce)."""
    try:
        rec = save(expected)
    except store.Conflict as exc:
        conflict = exc  # `exc` is unbound when the except block ends; the callback runs later

        def chosen(choice: str | None) -> None:
            if choice == OVERWRITE:
                save_in_form(form, label, save, conflict.current_fingerprint, done)
            elif choice == THEIRS:
                form.app.notify(discarded_text(conflict, label), markup=False, timeout=5)
                host(form).reload("discarded edit")
                form.dismiss(None)

        form.app.push_screen(ConflictScreen(conflict, label), chosen)
        return
    except (store.StoreError, OSError) as exc:
        form.show_failure(f"Not saved: {exc}")
        return
    form.app.notify(done, markup=False, timeout=5)
    host(form).reload(f"saved {label}")
    form.dismiss(rec)

