"""Acting on a finding or an undecided schema: the dialogs that write the decision.

- `AssignFamilyScreen`: add the schema to an existing family's `schemas`;
- `NewFamilyScreen`: a new decisions/families/ID.yaml, prefilled (id from the schema
  name, intent class guessed like `workbench init`, the families it overlaps as
  alternatives considered); an existing id is refused;
- `WaiverScreen`: rule, subject (one of the finding's names), reason, expiry: written
  to the finding's family record, else to decisions/waivers.yaml;
- `BaselineScreen`: the finding's entry added to decisions/baseline.yaml.

Every dialog writes through `workbench.store` and closes only once the write
happened: a file changed on disk since the dialog read it opens the conflict
dialog (o: add to the file as it is now, r: keep theirs, esc: back); a failed
write keeps the dialog open with the values and says why. The reload after a
write brings the new state; the selection stays.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from ... import store
from ...config import DECISION_VALUES
from ...findings import Finding
from ...model import SchemaDoc, Workspace
from ...store import triage as triage_store
from ...store.baseline import BASELINE, add_to_baseline, baseline_entries
from ..host import host
from ..view import GLYPH, SEVERITY_STYLE, Snapshot
from ..widgets import NO_SELECTION
from ..widgets.footer import WorkbenchFooter
from .base import FormScreen
from .confirm import ConfirmScreen
from .conflict import save_in_form
from .edit_family import field_help

# ---------------------------------------------------------------------- what can be done


def can_waive(f: Finding, ws: Workspace) -> str | None:
    """Why the finding cannot be waived (None: it can)."""
    if not ws.decisions.present:
        return "there is no decisions/ folder yet (`workbench init` writes one)"
    if f.note.startswith("waived"):
        return "it is waived already"
    if f.severity == "info":
        return "it is info already: a waiver changes nothing"
    if not triage_store.RULE_ID.match(f.rule):
        return f"{f.rule} is not a rule id a waiver can name"
    return None


def can_baseline(f: Finding, ws: Workspace) -> str | None:
    """Why the finding cannot be baselined (None: it can)."""
    if not ws.decisions.present:
        return "there is no decisions/ folder yet (`workbench init` writes one)"
    if f.baselined:
        return "decisions/baseline.yaml accepts it already"
    if f.severity == "info":
        return "info findings never fail `--check`: nothing to accept"
    return None


def waiver_target(ws: Workspace, f: Finding) -> str:
    """Where a waiver of `f` is written: its family's record, else decisions/waivers.yaml."""
    fam = ws.family(f.family) if f.family else None
    return fam.path if fam is not None else triage_store.WAIVERS


def waiver_names(f: Finding) -> list[tuple[str, str]]:
    """(name, what it is) a waiver of `f` may name: its subjects first, then its schemas,
    families and files."""
    out: dict[str, str] = {}
    for s in f.subjects:
        out.setdefault(s, "subject")
    for s in f.schemas:
        out.setdefault(s, "schema")
    for fam in f.families:
        out.setdefault(fam, "family")
    for loc in f.locations:
        if loc.file not in ("", "."):
            out.setdefault(loc.file, "file")
    return list(out.items())


def default_subject(f: Finding, snap: Snapshot) -> str:
    """The subject to preselect: the finding's most specific subject (named by the fewest
    findings of its rule), preferring one that is not the finding's own schema or family."""
    names = [n for n, _what in waiver_names(f)]
    if not names:
        return ""
    subjects = list(f.subjects) or names
    same_rule = [g for g in snap.result.findings if g.rule == f.rule]
    own = {f.family or ""}
    if f.schema:
        s = snap.ws.schema(f.schema)
        own |= {f.schema, s.name if s else ""}

    def rank(item: tuple[int, str]) -> tuple[int, bool, int]:
        i, name = item
        return (sum(1 for g in same_rule if name in g.names), name in own, i)

    return min(enumerate(subjects), key=rank)[1]


def new_family_values(snap: Snapshot, schema: SchemaDoc) -> tuple[str, dict[str, Any]]:
    """(family id, values) a new family made from `schema` starts with."""
    from ...init import family_id_for, guess_intent_class

    ws = snap.ws
    base = family_id_for(schema.name)
    family_id, n = base, 2
    while ws.family(family_id) is not None or triage_store.family_path(ws.root, family_id).exists():
        family_id, n = f"{base}_{n}", n + 1
    overlaps = sorted(snap.index.overlaps_of(None, schema), key=lambda f: -float(f.data.get("score", 0.0)))
    overlapping = [fam for f in overlaps for fam in f.families]
    alternatives = [fam for fam in dict.fromkeys(overlapping) if fam != family_id and ws.family(fam) is not None]
    title = schema.title.strip() if schema.title.strip() and schema.title.strip() != schema.name else (
        family_id.replace("_", " ").capitalize())
    # a copy of a family's schema means what that family means: the intent class of the family it overlaps
    # most, else guessed from the name and fields like `workbench init`
    closest = next((fam for name in alternatives if (fam := ws.family(name)) is not None
                    and fam.intent_class in ws.config.intent_classes), None)
    return family_id, {
        "title": title,
        "intent_class": closest.intent_class if closest is not None and closest.intent_class
        else guess_intent_class([schema], ws.config.intent_classes),
        "schemas": [schema.path],
        "alternatives_considered": alternatives,
    }


# ---------------------------------------------------------------------- entry points


def assign_schema(app, snap: Snapshot, schema: SchemaDoc) -> None:
    if not snap.ws.families:
        app.notify("There is no family yet: n makes this schema a new family.", timeout=4, markup=False)
        return
    app.push_screen(AssignFamilyScreen(snap, schema))


def new_family(app, snap: Snapshot, schema: SchemaDoc) -> None:
    family_id, values = new_family_values(snap, schema)
    app.push_screen(NewFamilyScreen(snap.ws, family_id, values))


def waive(app, snap: Snapshot, f: Finding) -> None:
    _on_finding(app, "waive", can_waive(f, snap.ws), lambda: WaiverScreen(snap, f))


def baseline(app, snap: Snapshot, f: Finding) -> None:
    _on_finding(app, "baseline", can_baseline(f, snap.ws), lambda: BaselineScreen(snap, f))


def _on_finding(app, verb: str, why: str | None, dialog: Callable[[], StoreForm]) -> None:
    """Open the `dialog` acting on a finding, or say why it cannot be done (`why`)."""
    if why is not None:
        app.notify(f"Cannot {verb} this finding: {why}.", timeout=4, markup=False)
        return
    app.push_screen(dialog())


# ---------------------------------------------------------------------- the dialogs


def field_row(key: str, label: str, widget: Widget, help_text: str = "") -> Horizontal:
    """A labelled field with its error line and help, like the edit form."""
    body = [widget, Static("", classes="field-error", id=f"error-{key}", markup=False)]
    if help_text:
        body.append(Static(Text(help_text), classes="field-help", markup=False))
    return Horizontal(Label(Text(label), classes="field-label"), Vertical(*body, classes="field-body"),
                      classes="field-row", id=f"row-{key}")


class StoreForm(FormScreen[store.Record | None]):
    """A triage dialog: ctrl+s writes, esc cancels (asking when values were changed)."""

    SCOPE = "Triage dialogs"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="triage.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="triage.cancel"),
    ]
    FIELDS: ClassVar[tuple[str, ...]] = ()
    FOCUS: ClassVar[str] = ""  # the widget focused when the dialog opens
    label = ""  # the root-relative file written

    def __init__(self) -> None:
        super().__init__()
        self._pristine: dict[str, Any] | None = None

    def on_mount(self) -> None:
        self._pristine = self.values()
        if self.FOCUS:
            self.query_one(self.FOCUS).focus()

    def values(self) -> dict[str, Any]:
        return {}

    def unsaved(self) -> bool:
        return self.is_attached and self._pristine is not None and self.values() != self._pristine

    def value_of(self, key: str) -> str:
        widget = self.query_one(f"#field-{key}")
        if isinstance(widget, Select):
            return widget.value if isinstance(widget.value, str) else ""
        assert isinstance(widget, Input)
        return widget.value.strip()

    def show_errors(self, errors: dict[str, str]) -> None:
        for key in self.FIELDS:
            box = self.query_one(f"#error-{key}", Static)
            msg = errors.get(key, "")
            box.update(Text(msg, style="bold red") if msg else "")
            box.set_class(bool(msg), "-shown")
            self.query_one(f"#row-{key}").set_class(bool(msg), "-invalid")
        other = [f"{k}: {v}" for k, v in errors.items() if k not in self.FIELDS]
        failure = self.query_one("#form-failure", Static)
        failure.update(Text("\n".join(other), style="bold red") if other else "")
        failure.set_class(bool(other), "-shown")
        first = next((k for k in self.FIELDS if k in errors), None)
        if first is not None:
            self.query_one(f"#field-{first}").focus()

    def write(self, save: Callable[[str], store.Record], expected: str, done: str) -> None:
        """`save(expected_fingerprint)`: close on success, ask on a conflict, stay on a failure."""
        save_in_form(self, self.label, save, expected, done)

    def latest(self, ws: Workspace) -> Workspace:
        """The app's newest workspace (a reload may have come in while the dialog was open)."""
        snap = host(self).snapshot
        return snap.ws if snap is not None else ws

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; in the last one it saves."""
        inputs = [w for w in self.query(Input)]
        if inputs and event.input is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()


class AssignFamilyScreen(StoreForm):
    """Add an undecided schema to an existing family's `schemas` list."""

    SCOPE = "Add to family"
    FOCUS = "#field-family"
    FIELDS = ("family",)

    def __init__(self, snap: Snapshot, schema: SchemaDoc) -> None:
        super().__init__()
        self.ws = snap.ws
        self.schema = schema
        overlaps = sorted(snap.index.overlaps_of(None, schema), key=lambda f: -float(f.data.get("score", 0.0)))
        overlapping = [fam for f in overlaps for fam in f.families]  # the one it overlaps most first
        self.suggested = next((fam for fam in overlapping if self.ws.family(fam) is not None), None)
        self._records: dict[str, store.Record] = {}  # family id -> the record as read when chosen

    def compose(self) -> ComposeResult:
        fams = sorted(self.ws.families, key=lambda f: f.id)
        options = []
        for fam in fams:
            label = Text(fam.id, style="bold")
            label.append(f"  {fam.intent_class or '—'} · {fam.decision or 'undecided'}", style="dim")
            if fam.id == self.suggested:
                label.append("  overlaps", style="yellow")
            options.append((label, fam.id))
        with Vertical(id="assign-dialog", classes="dialog"):
            title = Text("Add ", style="bold")
            title.append(self.schema.path, style="bold")
            title.append(" to a family", style="bold")
            yield Label(title, classes="dialog-title")
            yield field_row("family", "Family", Select(options, value=self.suggested or NO_SELECTION,
                                                       prompt="choose a family", id="field-family", compact=True),
                            "The schema is appended to the family record's `schemas` list.")
            yield from self.actions("Add (ctrl+s)")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        super().on_mount()
        if self.suggested:
            self._read(self.suggested)

    def values(self) -> dict[str, Any]:
        return {"family": self.value_of("family")}

    def _read(self, family_id: str) -> store.Record | None:
        fam = self.ws.family(family_id)
        if fam is None:
            return None
        if family_id not in self._records:
            try:
                self._records[family_id] = store.read_record(self.ws.root / fam.path)
            except store.StoreError as exc:
                self.show_failure(str(exc))
                return None
        return self._records[family_id]

    @on(Select.Changed, "#field-family")
    def _chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._read(event.value)

    def action_save(self) -> None:
        family_id = self.value_of("family")
        owner = self.latest(self.ws).family_of(self.schema.path)
        if not family_id:
            self.show_errors({"family": "choose the family the schema belongs to"})
            return
        if owner is not None:
            self.show_errors({"family": f"{self.schema.path} is in family {owner.id} now (changed meanwhile)"})
            return
        self.show_errors({})
        fam = self.ws.family(family_id)
        if fam is None:
            return
        rec = self._read(family_id)
        if rec is None:
            return
        self.label = fam.path
        path = self.ws.root / fam.path
        self.write(lambda expected: triage_store.add_schema_to_family(path, self.schema.path, expected),
                   rec.fingerprint, f"Added {self.schema.path} to {fam.id} ({fam.path})")


class NewFamilyScreen(StoreForm):
    """Create decisions/families/ID.yaml from an undecided schema (prefilled)."""

    SCOPE = "New family"
    FOCUS = "#field-family"
    FIELDS = ("family", "title", "intent_class", "schemas", "alternatives_considered", "owner",
              "stability_tier", "decision")

    def __init__(self, ws: Workspace, family_id: str, values: dict[str, Any]) -> None:
        super().__init__()
        self.ws = ws
        self.family_id = family_id
        self.initial = values

    def _select(self, key: str, choices, value: str, prompt: str = "(not set)") -> Select:
        return Select([(Text(c), c) for c in choices], value=value or NO_SELECTION, prompt=prompt,
                      id=f"field-{key}", compact=True)

    def compose(self) -> ComposeResult:
        v = self.initial
        with Vertical(id="new-family-dialog", classes="dialog"):
            yield Label(Text("New family", style="bold"), classes="dialog-title")
            with VerticalScroll(id="new-family-fields"):
                yield field_row("family", "Family id", Input(self.family_id, id="field-family", compact=True),
                                f"lower snake case; written to {triage_store.FAMILIES_DIR}/ID.yaml (an existing id "
                                "is refused)")
                yield field_row("title", "Title", Input(v.get("title", ""), id="field-title", compact=True),
                                field_help("title"))
                yield field_row("intent_class", "Intent class",
                                self._select("intent_class", self.ws.config.intent_classes, v.get("intent_class", "")),
                                "Guessed from the schema's name and fields, like `workbench init`: check it.")
                yield field_row("schemas", "Schemas", Input(", ".join(v.get("schemas", ())), id="field-schemas",
                                                            compact=True), field_help("schemas"))
                yield field_row("alternatives_considered", "Alternatives",
                                Input(", ".join(v.get("alternatives_considered", ())), compact=True,
                                      id="field-alternatives_considered", placeholder="comma-separated"),
                                "Families it overlaps (O001/O002) are filled in. "
                                + field_help("alternatives_considered"))
                yield field_row("owner", "Owner", Input(v.get("owner", ""), id="field-owner", compact=True,
                                                        placeholder="(not set)"), field_help("owner"))
                yield field_row("stability_tier", "Stability tier",
                                self._select("stability_tier", self.ws.config.stability_tiers,
                                             v.get("stability_tier", "")),
                                field_help("stability_tier"))
                yield field_row("decision", "Decision",
                                self._select("decision", DECISION_VALUES, v.get("decision", "")),
                                field_help("decision") + " The rest of the record: e on the family once created.")
            with VerticalScroll(id="new-family-check"):
                yield Static("", id="new-family-check-body", markup=False)
            yield from self.actions("Create (ctrl+s)")
        yield WorkbenchFooter()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: self.value_of(k) for k in self.FIELDS}
        for key in ("schemas", "alternatives_considered"):
            out[key] = list(store.split_list(out[key]))
        return out

    def action_save(self) -> None:
        values = self.values()
        family_id = values.pop("family")
        ws = self.latest(self.ws)
        errors = triage_store.validate_new_family(ws, family_id, values)
        self.show_errors(errors)
        if errors:
            return
        self.family_id = family_id
        self.label = f"{triage_store.FAMILIES_DIR}/{family_id}.yaml"
        found = self.pre_check(ws, family_id, values)
        # asked first: a `new` decision without its justification (G003), which this form decides; what the
        # rest of the record lacks (G002: e on the family fills it in) is expected of a new family
        new_errors = [f for f in found if f.severity == "error" and f.rule == "G003"]
        if not new_errors:
            self._create(family_id, values)
            return
        body = Text()
        for f in new_errors:
            body.append(f"{GLYPH.get(f.severity, '?')} {f.rule} ", style=SEVERITY_STYLE.get(f.severity, ""))
            body.append(f.message + "\n")
        body.append("`workbench --check` fails on these until the record is completed (e on the family).",
                    style="dim")

        def answered(create: bool | None) -> None:
            if create:
                self._create(family_id, values)

        n = len(new_errors)
        self.app.push_screen(ConfirmScreen(f"Create {family_id} with {n} error{'s' if n != 1 else ''}?",
                                           yes="Create anyway", no="Keep editing", body=body, purpose="save"),
                             answered)

    def pre_check(self, ws: Workspace, family_id: str, values: dict[str, Any]) -> tuple[Finding, ...]:
        """The governance rules on the family as it would be created (G003 for a `new` one without its
        justification), shown in the form when it stays open; a failing pre-check never blocks creating."""
        from ...pipeline import check_new_family

        box, body = self.query_one("#new-family-check"), self.query_one("#new-family-check-body", Static)
        try:
            found = check_new_family(ws, family_id, values)
        except Exception as exc:
            self.log.error(f"pre-check failed: {exc!r}")
            body.update(Text(f"The check of the new record failed ({type(exc).__name__}); creating without it.",
                             style="dim italic"))
            box.set_class(True, "-shown")
            return ()
        text = Text()
        if found:
            text.append(f"Once created, the check reports {len(found)} finding(s) here:", style="bold")
        for f in found:
            text.append("\n")
            text.append(f"{GLYPH.get(f.severity, '?')} {f.rule} ", style=SEVERITY_STYLE.get(f.severity, ""))
            text.append(f.message)  # literal: messages quote values from the files
        body.update(text)
        box.set_class(bool(found), "-shown")
        return found

    def _create(self, family_id: str, values: dict[str, Any]) -> None:
        root = self.ws.root
        self.write(lambda _expected: triage_store.create_family(root, family_id, values), store.ABSENT,
                   f"Created {self.label}: e on the family fills in the rest of the record")


class WaiverScreen(StoreForm):
    """A waiver for one finding: its rule, one of its names, a reason and an optional expiry."""

    SCOPE = "Waive"
    FOCUS = "#field-reason"
    FIELDS = ("subject", "reason", "expires")

    def __init__(self, snap: Snapshot, finding: Finding) -> None:
        super().__init__()
        self.ws = snap.ws
        self.finding = finding
        self.names = waiver_names(finding)
        self.subject = default_subject(finding, snap)
        self.label = waiver_target(snap.ws, finding)
        self.record: store.Record | None = None

    def compose(self) -> ComposeResult:
        f = self.finding
        with Vertical(id="waiver-dialog", classes="dialog"):
            title = Text(f"Waive {f.rule}", style="bold")
            title.append(f"   written to {self.label}", style="dim")
            yield Label(title, classes="dialog-title")
            yield Static(Text(f.message.split("\n", 1)[0]), id="waiver-message", markup=False)
            options = [(Text(name) + Text(f"  {what}", style="dim"), name) for name, what in self.names]
            yield field_row("subject", "Subject", Select(options, value=self.subject or NO_SELECTION,
                                                         prompt="what the waiver names", id="field-subject",
                                                         compact=True),
                            f"The waiver applies to every {f.rule} finding naming it.")
            yield field_row("reason", "Reason", Input("", id="field-reason", compact=True,
                                                      placeholder="why this finding is acceptable (required)"),
                            "Shown with the finding, which stays, as info.")
            yield field_row("expires", "Expires", Input("", id="field-expires", compact=True,
                                                        placeholder="YYYY-MM-DD (optional)"),
                            "The last day it applies; after it the finding is back and G012 names the waiver.")
            yield from self.actions("Waive (ctrl+s)")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        super().on_mount()
        try:
            self.record = store.read_record(self.ws.root / self.label)
        except store.StoreError as exc:
            self.show_failure(str(exc))

    def values(self) -> dict[str, Any]:
        return {k: self.value_of(k) for k in self.FIELDS}

    def action_save(self) -> None:
        from ...policy import today

        v = self.values()
        errors = triage_store.validate_waiver(self.finding.rule, v["subject"], v["reason"], v["expires"],
                                              names=[n for n, _w in self.names], today=today())
        self.show_errors(errors)
        if errors:
            return
        if self.record is None:
            try:
                self.record = store.read_record(self.ws.root / self.label)
            except store.StoreError as exc:
                self.show_failure(f"Not saved: {exc}")
                return
        entry = triage_store.waiver_entry(self.finding.rule, v["subject"], v["reason"], v["expires"])
        path = self.ws.root / self.label
        self.write(lambda expected: triage_store.add_waiver(path, entry, expected), self.record.fingerprint,
                   f"Waived {self.finding.rule} {entry['subject']} in {self.label}")


class BaselineScreen(StoreForm):
    """Accept one finding in decisions/baseline.yaml (the entry shown before it is written)."""

    SCOPE = "Baseline"
    FOCUS = "#save"

    def __init__(self, snap: Snapshot, finding: Finding) -> None:
        super().__init__()
        self.ws = snap.ws
        self.finding = finding
        self.label = BASELINE
        self.record: store.Record | None = None

    def compose(self) -> ComposeResult:
        f = self.finding
        entry = baseline_entries([f])[0]
        with Vertical(id="baseline-dialog", classes="dialog"):
            yield Label(Text(f"Accept {f.rule} in {BASELINE}?", style="bold"), classes="dialog-title")
            text = Text()
            for key, value in entry.items():
                text.append(f"{key}: ", style="dim")
                text.append(", ".join(value) if isinstance(value, list) else str(value))
                text.append("\n")
            text.append("\n`--check` stops failing on it; the TUI keeps showing it, dimmed. It matches by rule, "
                        "subjects and pointer, so edits elsewhere keep it; once the finding is gone G013 "
                        "reports the entry.", style="dim")
            yield Static(text, id="baseline-entry", markup=False)
            yield from self.actions("Baseline (ctrl+s)")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        super().on_mount()
        try:
            self.record = store.read_record(self.ws.root / BASELINE)
        except store.StoreError as exc:
            self.show_failure(str(exc))

    def action_save(self) -> None:
        if self.record is None:
            try:
                self.record = store.read_record(self.ws.root / BASELINE)
            except store.StoreError as exc:
                self.show_failure(f"Not saved: {exc}")
                return
        root: Path = self.ws.root
        self.write(lambda expected: add_to_baseline(root, [self.finding], expected)[0], self.record.fingerprint,
                   f"Baselined {self.finding.rule} in {BASELINE}")
