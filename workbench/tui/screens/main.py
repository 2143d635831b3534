"""Browse: the intent/family/schema tree, the detail pane and the findings panel."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Tree

from ... import store
from ...model import Family
from ..view import FAMILY, SCHEMA, NodeRef, Snapshot
from ..widgets.browse import BrowseTree
from ..widgets.detail import DetailView
from ..widgets.findings import FindingsPanel, FindingsTable
from .base import WorkbenchScreen


class MainScreen(WorkbenchScreen):
    SCOPE = "Browse"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="browse.edit", tooltip="Edit the selected family's decision record (also from one of its schemas)"),
        Binding("slash", "filter", "Filter", id="browse.filter", key_display="/", tooltip="Filter the findings"),
        Binding("f", "focus_findings", "Findings", id="browse.findings", tooltip="Focus the findings table"),
        Binding("t", "focus_tree", "Tree", id="browse.tree", show=False, tooltip="Focus the browse tree"),
        Binding("z", "toggle_findings", "Toggle findings", id="browse.toggle_findings", show=False,
                tooltip="Hide or show the findings panel"),
        Binding("q", "quit", "Quit", id="browse.quit",
                tooltip="Quit the workbench (asks first only when an edit is unsaved)"),
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
        # False hides a key from the footer where it would do nothing
        if action == "edit":
            return self._family() is not None
        if action == "focus_findings":
            return not isinstance(self.focused, FindingsTable)
        if action == "quit":
            return not isinstance(self.focused, Input)  # the filter takes the letter; ctrl+q still quits
        return True

    def selected_path(self) -> str | None:
        snap = self.snap
        if snap is None:
            return None
        if isinstance(self.focused, FindingsTable):
            shown = self.query_one(FindingsPanel).shown
            row = self.focused.cursor_row
            return shown[row].where if 0 <= row < len(shown) else None
        node = self.query_one(BrowseTree).cursor_node
        ref = node.data if node is not None else None
        if ref is None:
            return None
        if ref.kind == SCHEMA:
            return ref.key
        if ref.kind == FAMILY:
            fam = snap.ws.family(ref.key)
            return fam.path if fam is not None else None
        return None  # an intent class or a group has no file

    async def action_quit(self) -> None:
        await self.app.action_quit()

    @on(Tree.NodeSelected, "#browse")
    def _selected(self, event: Tree.NodeSelected) -> None:
        """Enter (or a click) on a node with children opens or closes it; on a schema the
        detail pane already shows it."""
        node = event.node
        if node.allow_expand:
            node.toggle()
            self.call_after_refresh(self._follow_cursor)

    def _follow_cursor(self) -> None:
        """After a toggle the cursor line may hold another node (keys typed ahead moved the
        cursor into what was then collapsed), without a highlight message: show that node."""
        node = self.query_one(BrowseTree).cursor_node
        ref = node.data if node is not None else None
        if (ref.ident if ref else None) != (self.current.ident if self.current else None):
            self.current = ref
            self.query_one(DetailView).show(self.snap, ref, keep_scroll=False)
            self.refresh_bindings()

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
        """The form saves by itself (and stays open until the save happened or the user
        discards); the reload after a save brings the tree and findings up to date."""
        from .edit_family import EditFamilyScreen

        snap = self.snap
        assert snap is not None
        self.app.push_screen(EditFamilyScreen(family_id, record, snap.ws, initial=initial,
                                              findings=snap.result.findings))
