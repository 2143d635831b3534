"""Browse: the intent/family/schema tree, the detail pane and the findings panel.

The findings panel shows the selected node's findings (`a`: all of them, `s`: the
sort); enter on one opens its detail view (`screens/finding.py`), where it can be
acted on. On an undecided schema `+` adds it to a family and `n` makes it a new
family (`screens/triage.py`); `o` opens the selected file in $EDITOR.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Tree

from ... import store
from ...findings import Finding
from ...model import Family, SchemaDoc
from ..host import host
from ..view import FAMILY, SCHEMA, NodeRef, Snapshot, node_label_text, undecided_schema
from ..widgets.browse import BrowseTree
from ..widgets.detail import DetailView
from ..widgets.findings import FilterInput, FindingsPanel, FindingsTable
from .base import WorkbenchScreen


class MainScreen(WorkbenchScreen):
    SCOPE = "Browse"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="browse.edit",
                tooltip="Edit the selected family's decision record (also from one of its schemas)"),
        Binding("slash", "filter", "Filter", id="browse.filter", key_display="/",
                tooltip="Filter the findings and the tree (nodes whose name matches, with their ancestors)"),
        Binding("f", "focus_findings", "Findings", id="browse.findings", tooltip="Focus the findings table"),
        # o: in the footer for a finding (its line); from the tree too, but not in the footer (room)
        Binding("o", "open_file('finding')", "Open", id="browse.open",
                tooltip="Open the selected finding's file at its line in $VISUAL / $EDITOR"),
        Binding("o", "open_file('node')", "Open", id="browse.open_node", show=False,
                tooltip="Open the selected schema or family record in $VISUAL / $EDITOR"),
        # + and n: in the footer on an undecided schema (or one of its findings); pressed elsewhere, the
        # hidden twin below says why nothing happens
        Binding("plus", "assign('shown')", "Add to family", id="browse.assign", key_display="+",
                tooltip="Add the selected undecided schema to an existing family"),
        Binding("n", "new_family('shown')", "New family", id="browse.new_family",
                tooltip="Make the selected undecided schema a new family (prefilled form)"),
        Binding("plus", "assign", "Add to family", id="browse.assign_why", key_display="+", show=False,
                tooltip="Pressed where no undecided schema is selected: says what to select"),
        Binding("n", "new_family", "New family", id="browse.new_family_why", show=False,
                tooltip="Pressed where no undecided schema is selected: says what to select"),
        Binding("w", "waive", "Waive", id="browse.waive", show=False,
                tooltip="Waive the selected finding (rule, subject, reason, expiry)"),
        Binding("B", "baseline", "Baseline", id="browse.baseline", show=False,
                tooltip="Accept the selected finding in decisions/baseline.yaml (--check ignores it)"),
        Binding("a", "scope('all')", "All findings", id="browse.all_findings", show=False,
                tooltip="Show every finding, not only the selected node's"),
        Binding("a", "scope('node')", "This node's findings", id="browse.node_findings", show=False,
                tooltip="Show only the selected tree node's findings"),
        Binding("s", "sort", "Sort", id="browse.sort", show=False,
                tooltip="Sort the findings by severity, rule or file (the panel title says which)"),
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
        self.watch(self.app, "preview", self._preview_changed, init=True)

    def _preview_changed(self, preview: Snapshot | None) -> None:
        """The first load before its check: the tree and details to browse, no findings yet."""
        if preview is not None and self.snap is None:
            self._snapshot_changed(preview)

    # ------------------------------------------------------------------ data

    @property
    def snap(self) -> Snapshot | None:
        """The checked snapshot: what actions act on."""
        return host(self).snapshot

    @property
    def shown(self) -> Snapshot | None:
        """What the page shows: the checked snapshot, else the first load's preview."""
        return self.snap or host(self).preview

    def show_snapshot(self, snap: Snapshot) -> None:
        tree = self.query_one(BrowseTree)
        tree.show_specs(snap.tree)
        node = tree.cursor_node
        self.current = node.data if node is not None else None
        self.query_one(DetailView).show(snap, self.current, keep_scroll=True)
        self.query_one(FindingsPanel).set_findings(snap.result.findings, *self._scope(snap, self.current),
                                                   pending=snap.pending)
        self.refresh_bindings()

    @staticmethod
    def _scope(snap: Snapshot, ref: NodeRef | None) -> tuple[list[Finding] | None, str]:
        if ref is None:
            return None, "all"
        return snap.index.of_node(ref), node_label_text(snap.ws, ref)

    def _show_node(self, ref: NodeRef | None, keep_scroll: bool) -> None:
        self.current = ref
        shown = self.shown
        self.query_one(DetailView).show(shown, ref, keep_scroll=keep_scroll)
        if shown is not None:
            self.query_one(FindingsPanel).set_scope(*self._scope(shown, ref))
        self.refresh_bindings()

    @on(Tree.NodeHighlighted, "#browse")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        ref = event.node.data
        same = ref is not None and self.current is not None and ref.ident == self.current.ident
        self._show_node(ref, keep_scroll=same)

    @on(FindingsPanel.Chosen)
    def _finding_chosen(self, event: FindingsPanel.Chosen) -> None:
        self.open_finding(event.finding)

    def open_finding(self, finding: Finding) -> None:
        """The finding's detail view; what it returns (a tree node) is selected here."""
        from .finding import FindingScreen

        def chosen(ref: NodeRef | None) -> None:
            if ref is not None and not self.select_ref(ref, focus_tree=True, clear_filter=True):
                self.notify(f"{finding.path} is not in the browse tree", markup=False, timeout=3)

        self.app.push_screen(FindingScreen(finding), chosen)

    @on(FilterInput.Typed)
    def _filter_text(self, event: FilterInput.Typed) -> None:
        self.query_one(BrowseTree).set_filter(event.value.split())
        self.call_after_refresh(self._follow_cursor)

    def select_ref(self, ref: NodeRef, focus_tree: bool = False, clear_filter: bool = False) -> bool:
        """Put the tree's cursor on `ref`. `clear_filter`: when the filter hides it, clear the filter (and
        say so) rather than leave the cursor where it was."""
        tree = self.query_one(BrowseTree)
        ok = tree.select_ref(ref)
        if not ok and clear_filter and tree.words and self.shown is not None and tree.find(ref.ident) is None:
            words = " ".join(tree.words)
            tree.set_filter([])
            self.query_one("#filter-text", Input).value = ""  # the findings panel's filter is the same text
            ok = tree.select_ref(ref)
            if ok:
                self.notify(f"Cleared the filter “{words}”: it hid {node_label_text(self.shown.ws, ref)}.",
                            timeout=4, markup=False)
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

    def _finding(self) -> Finding | None:
        """The finding under the findings table's cursor, when the table has the focus."""
        if not isinstance(self.focused, FindingsTable):
            return None
        return self.query_one(FindingsPanel).selected()

    def _undecided(self) -> SchemaDoc | None:
        """The undecided schema the keys `+` / `n` act on: the tree's node, or the selected finding's."""
        snap = self.snap
        if snap is None:
            return None
        finding = self._finding()
        if finding is not None:
            return next((s for p in finding.schemas if (s := undecided_schema(snap.ws, p)) is not None), None)
        if isinstance(self.focused, Input):
            return None
        node = self.query_one(BrowseTree).cursor_node
        ref = node.data if node is not None else None
        return undecided_schema(snap.ws, ref.key) if ref is not None and ref.kind == SCHEMA else None

    def _file(self) -> tuple[str, int | None] | None:
        """The file (and line) `o` opens: the selected finding's, else the tree node's."""
        snap = self.snap
        if snap is None or isinstance(self.focused, Input):
            return None
        finding = self._finding()
        if isinstance(self.focused, FindingsTable):
            return (finding.file, finding.line) if finding is not None and finding.file not in ("", ".") else None
        path = self.selected_path()
        return (path, None) if path else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides a key from the footer where it would do nothing
        if action == "edit":
            return self._family() is not None
        if action == "focus_findings":
            return not isinstance(self.focused, FindingsTable)
        if action == "quit":
            return not isinstance(self.focused, Input)  # the filter takes the letter; ctrl+q still quits
        if action == "open_file":
            in_table = isinstance(self.focused, FindingsTable)
            return self._file() is not None and (not parameters or (parameters[0] == "finding") == in_table)
        if action in ("assign", "new_family") and parameters == ("shown",):
            return self._undecided() is not None  # the footer's + and n: on an undecided schema only
        if action in ("assign", "new_family", "waive", "baseline"):
            # not in the footer (show=False): pressed where they do nothing, they say why
            return not isinstance(self.focused, Input)
        if action == "scope":
            panel = self.query_one(FindingsPanel)
            return (parameters[0] == "all") == panel.scoped if parameters else True
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
            self._show_node(ref, keep_scroll=False)

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

    def action_scope(self, which: str) -> None:
        panel = self.query_one(FindingsPanel)
        if (which == "all") != panel.scoped:
            return
        panel.display = True
        panel.toggle_all()
        self.refresh_bindings()

    def action_sort(self) -> None:
        panel = self.query_one(FindingsPanel)
        panel.display = True
        by = panel.cycle_sort()
        self.notify(f"Findings sorted by {by}", timeout=1.5, markup=False)

    def action_open_file(self, _where: str = "") -> None:
        from ..editor import open_in_editor

        target = self._file()
        if target is None:
            self.notify("Nothing to open here: select a schema, a family or a finding.", timeout=3, markup=False)
            return
        pin = self.snap.ws.pin(target[0]) if self.snap is not None else None
        if pin is not None:  # upstream's file: changed by a pin update, never edited here
            self.notify(f"{pin.path} is pinned from {pin.origin} (read-only): update the pin in {pin.manifest} "
                        "instead of editing the copy.", title="Read-only", severity="warning", markup=False,
                        timeout=6)
            return
        open_in_editor(self.app, *target)

    def action_assign(self, _where: str = "") -> None:
        from .triage import assign_schema

        self._on_undecided(assign_schema)

    def action_new_family(self, _where: str = "") -> None:
        from .triage import new_family

        self._on_undecided(new_family)

    def _on_undecided(self, act: Callable[..., None]) -> None:
        """`act(app, snapshot, schema)` on the selected undecided schema, or say why there is none."""
        schema, snap = self._undecided(), self.snap
        if schema is None or snap is None:
            self.notify(self._no_undecided(), timeout=4, markup=False)
            return
        act(self.app, snap, schema)

    def _no_undecided(self) -> str:
        node = self.query_one(BrowseTree).cursor_node
        ref = node.data if node is not None else None
        snap = self.snap
        fam = snap.ws.family_of(ref.key) if snap is not None and ref is not None and ref.kind == SCHEMA else None
        if ref is not None and fam is not None:
            return f"{ref.key} is in family {fam.id} already (e edits the family)."
        return "Select an undecided schema (under “undecided”) or one of its findings first."

    def action_waive(self) -> None:
        from .triage import waive

        self._on_finding(waive, "waive")

    def action_baseline(self) -> None:
        from .triage import baseline

        self._on_finding(baseline, "baseline")

    def _on_finding(self, act: Callable[..., None], verb: str) -> None:
        """`act` on the selected finding, or say how to select one."""
        finding, snap = self._finding(), self.snap
        if finding is None or snap is None:
            self.notify(f"Select a finding in the findings table (f) to {verb} it.", timeout=3, markup=False)
            return
        act(self.app, snap, finding)

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()  # what w, B, o, + and n act on follows the focus

    @on(DataTable.RowHighlighted, "#findings-table")
    def _finding_highlighted(self) -> None:
        self.refresh_bindings()

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
