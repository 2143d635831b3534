"""The family edit form: a typed modal returning a `FamilyEdit` (or None on cancel).

Validation is the packaged decisions schema plus the G003 condition, both run by
`workbench.store.validate_family_edit`; errors show under their field and the
form stays open. Help texts are the schema's property descriptions.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from ... import store
from .base import FormScreen
from ...config import DECISION_VALUES
from ...model import Workspace

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


class EditFamilyScreen(FormScreen[store.FamilyEdit | None]):
    SCOPE = "Edit family"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="edit.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, family_id: str, record: store.Record, ws: Workspace,
                 initial: store.FamilyEdit | None = None) -> None:
        super().__init__()
        self.family_id = family_id
        self.record = record
        self.ws = ws
        self.initial = initial or store.FamilyEdit.from_data(record.plain())

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
            return Select([(Text(c), c) for c in choices], value=value if value else Select.NULL,
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
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#field-owner").focus()  # intent class is set once; owner is what changes most

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
        self.dismiss(edit)

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()
