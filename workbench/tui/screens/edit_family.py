"""The family edit form: a typed modal that saves the record itself and returns the
saved `Record` (None when nothing was saved).

The form closes only after a successful save (or when the user discards): a
validation error, a failed write or a conflict keeps it open with the typed values.

- Validation is the packaged decisions schema plus the G003 condition, both run by
  `workbench.store.validate_family_edit`; errors show under their field.
- Before writing, the governance rules run on the edited record
  (`pipeline.check_family_edit`); their findings show in the form, and a save that
  would add errors asks first ("Save anyway").
- A file changed or deleted on disk meanwhile opens the conflict dialog over the
  form; for a deleted file "recreate" writes the whole record as it was opened, plus
  the edits.
- Escape with changes asks before discarding them.

Help texts are the schema's property descriptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea

from ... import store
from ...config import DECISION_VALUES
from ...findings import Finding
from ...model import Workspace
from ...pipeline import check_family_edit
from ..host import host
from ..view import GLYPH, SEVERITY_STYLE
from ..widgets import NO_SELECTION
from ..widgets.footer import WorkbenchFooter
from .base import FormScreen
from .confirm import ConfirmScreen
from .conflict import OVERWRITE, THEIRS, ConflictScreen, discarded_text

# (key, label, kind): kind is input | area | select-intent | select-tier | select-decision | list
FIELDS = (
    ("intent_class", "Intent class", "select-intent"),
    ("owner", "Owner", "input"),
    ("stability_tier", "Stability tier", "select-tier"),
    ("decision", "Decision", "select-decision"),
    ("rationale", "Rationale", "area"),
    ("alternatives_considered", "Alternatives considered", "list"),
    ("downstream_consumers", "Downstream consumers", "list"),
    ("current_usage", "Current usage", "area"),
    ("candidate_gateway_usage", "Candidate gateway usage", "area"),
    ("wire_mapping", "Wire mapping", "input"),
    ("version_policy", "Version policy", "area"),
)


def field_help(key: str) -> str:
    try:
        from ...loader.decisions import decisions_schema

        prop = decisions_schema("family").get("properties", {}).get(key, {})
    except Exception:
        return ""
    text = prop.get("description", "") if isinstance(prop, dict) else ""
    if key in store.FAMILY_LIST_FIELDS:
        text += " Separate entries with commas."
    return text


class EditFamilyScreen(FormScreen[store.Record | None]):
    FAILURE = "#edit-summary"
    FAILURE_TITLE = "Save failed"

    SCOPE = "Edit family"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="edit.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, family_id: str, record: store.Record, ws: Workspace,
                 initial: store.FamilyEdit | None = None, findings: Iterable[Finding] | None = None) -> None:
        """`findings`: what the last full check reported (the pre-check's "before");
        None runs the governance rules on `ws` for it."""
        super().__init__()
        self.family_id = family_id
        self.record = record
        self.ws = ws
        self.findings = tuple(findings) if findings is not None else None
        self.initial = initial or store.FamilyEdit.from_data(record.plain())
        # what "unchanged" means: the record as read (an `initial` carried over from an earlier
        # form counts as a change); set on mount from the widgets, so their normalisation matches
        self._pristine: store.FamilyEdit | None = store.FamilyEdit.from_data(record.plain()) if initial else None

    @property
    def label(self) -> str:
        try:
            return self.record.path.relative_to(self.ws.root).as_posix()
        except ValueError:
            return str(self.record.path)

    # ------------------------------------------------------------------ layout

    def _widget(self, key: str, kind: str) -> Widget:
        value = getattr(self.initial, key)
        wid = f"field-{key}"
        if kind.startswith("select-"):
            choices = list({
                "select-intent": self.ws.config.intent_classes,
                "select-tier": self.ws.config.stability_tiers,
                "select-decision": DECISION_VALUES,
            }[kind])
            if value and value not in choices:
                choices.append(value)  # keep an out-of-vocabulary value visible (G002 reports it)
            return Select([(Text(c), c) for c in choices], value=value if value else NO_SELECTION,
                          prompt="(not set)", id=wid, compact=True)
        if kind == "area":
            area = TextArea(value, id=wid, soft_wrap=True, tab_behavior="focus", show_line_numbers=False)
            area.styles.height = 5 if key == "rationale" else 4
            return area
        if kind == "list":
            return Input(", ".join(value), id=wid, compact=True, placeholder="comma-separated")
        return Input(value, id=wid, compact=True, placeholder="(not set)")

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-dialog", classes="dialog"):
            title = Text()
            title.append("Edit family ", style="bold")
            title.append(self.family_id, style="bold")
            title.append(f"   {self.record.path.name}", style="dim")
            yield Label(title, classes="dialog-title")
            with VerticalScroll(id="edit-fields"):
                for key, label, kind in FIELDS:
                    with Horizontal(classes="field-row", id=f"row-{key}"):
                        yield Label(Text(label), classes="field-label")
                        with Vertical(classes="field-body"):
                            yield self._widget(key, kind)
                            yield Static("", classes="field-error", id=f"error-{key}", markup=False)
                            help_text = field_help(key)
                            if help_text:
                                yield Static(Text(help_text), classes="field-help", markup=False)
            yield Static("", id="edit-summary", markup=False)
            with VerticalScroll(id="edit-check"):
                yield Static("", id="edit-check-body", markup=False)
            yield self.buttons()
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.query_one("#field-owner").focus()  # intent class is set once; owner is what changes most
        if self._pristine is None:
            self._pristine = self.current_edit()

    def unsaved(self) -> bool:
        """Whether the form holds changes that closing it would lose."""
        return self.is_attached and self._pristine is not None and self.current_edit() != self._pristine

    # ------------------------------------------------------------------ values

    def _value(self, key: str, kind: str):
        w = self.query_one(f"#field-{key}")
        if isinstance(w, Select):
            return w.value if isinstance(w.value, str) else ""
        if isinstance(w, TextArea):
            return w.text.strip()
        assert isinstance(w, Input)
        if kind == "list":
            return store.split_list(w.value)
        return w.value.strip()

    def current_edit(self) -> store.FamilyEdit:
        return store.FamilyEdit(**{key: self._value(key, kind) for key, _label, kind in FIELDS})

    def show_errors(self, errors: dict[str, str]) -> None:
        keys = {k for k, _l, _k in FIELDS}
        for key in keys:
            box = self.query_one(f"#error-{key}", Static)
            msg = errors.get(key, "")
            box.update(Text(msg, style="bold red") if msg else "")
            box.set_class(bool(msg), "-shown")
            self.query_one(f"#row-{key}").set_class(bool(msg), "-invalid")
        other = {k: v for k, v in errors.items() if k not in keys}
        summary = self.query_one("#edit-summary", Static)
        if errors:
            text = Text(f"{len(errors)} problem(s): fix the fields marked in red.", style="bold red")
            for k, v in other.items():
                text.append(f"\n{k}: {v}")
            summary.update(text)
        else:
            summary.update("")
        summary.set_class(bool(errors), "-shown")

    def show_check(self, found: Iterable[Finding], new: Iterable[Finding], note: str = "") -> None:
        """The pre-check's findings about this family once saved; the new ones marked."""
        found, new_keys = list(found), {(f.rule, f.message) for f in new}
        box = self.query_one("#edit-check")
        body = self.query_one("#edit-check-body", Static)
        if not found and not note:
            body.update("")
            box.set_class(False, "-shown")
            return
        text = Text()
        if note:
            text.append(note + "\n", style="dim italic")
        if found:
            n_new = sum(1 for f in found if (f.rule, f.message) in new_keys)
            text.append(f"Once saved, the check reports {len(found)} finding(s) here"
                        + (f", {n_new} new:" if n_new else ":"), style="bold")
        for f in found:
            text.append("\n")
            text.append(f"{GLYPH.get(f.severity, '?')} {f.rule} ", style=SEVERITY_STYLE.get(f.severity, ""))
            text.append(f.message)  # literal: messages quote values from the files
            if (f.rule, f.message) in new_keys:
                text.append("  new", style="bold reverse")
        body.update(text)
        box.set_class(True, "-shown")

    def discard_question(self) -> str:
        return f"Discard your changes to {self.family_id}?"

    # ------------------------------------------------------------------ actions

    def action_save(self) -> None:
        edit = self.current_edit()
        errors = store.validate_family_edit(self.ws, self.family_id, self.record.plain(), edit)
        self.show_errors(errors)
        if errors:
            first = next((k for k, _l, _k in FIELDS if k in errors), None)
            if first:
                widget = self.query_one(f"#field-{first}")
                widget.focus()
                self.query_one(f"#row-{first}").scroll_visible(animate=False)
            return
        changes = edit.changes(self.record.plain())
        if not changes:
            self.notify("No changes to save.", timeout=3, markup=False)
            self.dismiss(None)
            return
        try:
            ws, findings = self._check_basis()
            found, new = check_family_edit(ws, self.family_id, edit, findings)
        except Exception as exc:  # a bug in the pre-check must not block saving: say so, save
            self.log.error(f"pre-check failed: {exc!r}")
            self.show_check((), (), f"The check of the edited record failed ({type(exc).__name__}); saving without it.")
            found, new = (), ()
        else:
            self.show_check(found, new)
        new_errors = [f for f in new if f.severity == "error"]
        if not new_errors:
            self._write(changes, self.record.fingerprint)
            return
        body = Text()
        for f in new_errors:
            body.append(f"{GLYPH.get(f.severity, '?')} {f.rule} ", style=SEVERITY_STYLE.get(f.severity, ""))
            body.append(f.message + "\n")
        body.append("`workbench --check` will fail on these until they are fixed.", style="dim")

        def answered(save: bool | None) -> None:
            if save:
                self._write(changes, self.record.fingerprint)

        n = len(new_errors)
        self.app.push_screen(ConfirmScreen(f"Save {self.family_id} with {n} new error{'s' if n != 1 else ''}?",
                                           yes="Save anyway", no="Keep editing", body=body, purpose="save"),
                             answered)

    def _check_basis(self) -> tuple[Workspace, tuple[Finding, ...] | None]:
        """The workspace to check the edit in, with its findings: the app's latest snapshot
        (a reload may have come in while the form was open) if it still has the family."""
        snap = host(self).snapshot
        if self.findings is not None and snap is not None and snap.ws.family(self.family_id) is not None:
            return snap.ws, snap.result.findings
        return self.ws, self.findings

    def _write(self, changes: dict, expected: str, recreate: bool = False) -> None:
        """Write `changes` (on top of the whole record as read when `recreate`); the form
        closes only when the write happened."""
        try:
            rec = store.save_record(self.record.path, changes, expected,
                                    recreate_from=self.record if recreate else None)
        except store.Conflict as exc:
            self.app.push_screen(ConflictScreen(exc, self.label, recreate=True),
                                 partial(self._resolved, exc, changes))
            return
        except (store.StoreError, OSError) as exc:
            self.show_failure(f"Not saved: {exc}")
            return
        verb = "Recreated" if recreate else "Saved"
        self.app.notify(f"{verb} {self.label}", markup=False, timeout=3)
        host(self).reload(f"saved {self.label}")
        self.dismiss(rec)

    def _resolved(self, conflict: store.Conflict, changes: dict, choice: str | None) -> None:
        if choice == OVERWRITE:
            if conflict.deleted:
                self._write(changes, store.ABSENT, recreate=True)
            else:
                self._write(changes, conflict.current_fingerprint)
        elif choice == THEIRS:
            self.app.notify(discarded_text(conflict, self.label), markup=False, timeout=5)
            host(self).reload("discarded edit")
            self.dismiss(None)
        # CANCEL (or escape): back to the form, the values as typed

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()
