"""Browse: the intent/family/schema tree, the detail pane and the findings panel."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Tree

from ... import store
from ...model import Family
from ..view import FAMILY, SCHEMA, NodeRef, Snapshot
from ..widgets.browse import BrowseTree
from ..widgets.detail import DetailView
from ..widgets.findings import FindingsPanel, FindingsTable
from .base import WorkbenchScreen
from .conflict import save_checked


class MainScreen(WorkbenchScreen):
    SCOPE = "Browse"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="browse.edit", tooltip="Edit the selected family's decision record (also from one of its schemas)"),
        Binding("slash", "filter", "Filter", id="browse.filter", key_display="/", tooltip="Filter the findings"),
        Binding("f", "focus_findings", "Findings", id="browse.findings", tooltip="Focus the findings table"),
        Binding("t", "focus_tree", "Tree", id="browse.tree", show=False, tooltip="Focus the browse tree"),
        Binding("z", "toggle_findings", "Toggle findings", id="browse.toggle_findings", show=False,
                tooltip="Hide or show the findings panel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.current: NodeRef | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="main-top"):
            yield BrowseTree(id="browse")
            yield DetailView(id="detail")
        yield FindingsPanel(id="findings")

    def on_mount(self) -> None:  # WorkbenchScreen.on_mount runs too (Textual walks the MRO)
        self.query_one(BrowseTree).focus()

    # ------------------------------------------------------------------ data

    @property
    def snap(self) -> Snapshot | None:
        return getattr(self.app, "snapshot", None)

    def show_snapshot(self, snap: Snapshot) -> None:
        tree = self.query_one(BrowseTree)
        tree.show_specs(snap.tree)
        node = tree.cursor_node
        self.current = node.data if node is not None else None
        self.query_one(DetailView).show(snap, self.current, keep_scroll=True)
        self.query_one(FindingsPanel).set_findings(snap.result.findings)
        self.refresh_bindings()

    @on(Tree.NodeHighlighted, "#browse")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        ref = event.node.data
        same = ref is not None and self.current is not None and ref.ident == self.current.ident
        self.current = ref
        self.query_one(DetailView).show(self.snap, ref, keep_scroll=same)
        self.refresh_bindings()

    @on(FindingsPanel.Chosen)
    def _finding_chosen(self, event: FindingsPanel.Chosen) -> None:
        snap = self.snap
        if snap is None:
            return
        ref = snap.index.target.get(event.finding)
        if ref is None or not self.select_ref(ref):
            self.notify(f"{event.finding.path} is not in the browse tree", markup=False, timeout=3)

    def select_ref(self, ref: NodeRef, focus_tree: bool = False) -> bool:
        tree = self.query_one(BrowseTree)
        ok = tree.select_ref(ref)
        if ok and focus_tree:
            tree.focus()
        return ok

    # ------------------------------------------------------------------ actions

    def _family(self) -> Family | None:
        node = self.query_one(BrowseTree).cursor_node  # not self.current: a key may beat the highlight message
        snap, ref = self.snap, (node.data if node is not None else None)
        if snap is None or ref is None:
            return None
        if ref.kind == FAMILY:
            return snap.ws.family(ref.key)
        if ref.kind == SCHEMA:
            return snap.ws.family(ref.family) if ref.family else snap.ws.family_of(ref.key)
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return True if self._family() is not None else None
        return True

    def action_filter(self) -> None:
        panel = self.query_one(FindingsPanel)
        panel.display = True
        self.query_one("#filter-text").focus()

    def action_focus_findings(self) -> None:
        panel = self.query_one(FindingsPanel)
        panel.display = True
        self.query_one(FindingsTable).focus()

    def action_focus_tree(self) -> None:
        self.query_one(BrowseTree).focus()

    def action_toggle_findings(self) -> None:
        panel = self.query_one(FindingsPanel)
        panel.display = not panel.display
        if not panel.display:
            self.query_one(BrowseTree).focus()

    def action_edit(self, initial: store.FamilyEdit | None = None) -> None:
        fam = self._family()
        snap = self.snap
        if fam is None or snap is None:
            self.notify("Select a family (or one of its schemas) to edit.", timeout=3, markup=False)
            return
        try:
            record = store.read_record(snap.ws.root / fam.path)
        except store.StoreError as exc:
            self.notify(str(exc), title="Cannot edit", severity="error", markup=False, timeout=8)
            return
        self._open_editor(fam.id, record, initial)

    def _open_editor(self, family_id: str, record: store.Record, initial: store.FamilyEdit | None) -> None:
        from .edit_family import EditFamilyScreen

        snap = self.snap
        assert snap is not None
        self.app.push_screen(EditFamilyScreen(family_id, record, snap.ws, initial=initial),
                             partial(self._edited, family_id, record))

    def _edited(self, family_id: str, record: store.Record, edit: store.FamilyEdit | None) -> None:
        if edit is None:
            return
        changes = edit.changes(record.plain())
        if not changes:
            self.notify("No changes to save.", timeout=3, markup=False)
            return
        label = self._rel(record)
        save_checked(
            self, label,
            lambda fingerprint: store.save_record(record.path, changes, fingerprint),
            record.fingerprint,
            on_cancel=lambda: self._open_editor(family_id, record, edit),
        )

    def _rel(self, record: store.Record) -> str:
        snap = self.snap
        try:
            return record.path.relative_to(snap.ws.root).as_posix() if snap else record.path.name
        except ValueError:
            return str(record.path)
