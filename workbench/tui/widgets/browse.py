"""The browse tree: intent classes -> families -> schemas, with finding counts, filtered
by the findings filter's words (`set_filter`: nodes whose name matches, their ancestors
and children)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..view import FAMILY, GLYPH, GROUP, INTENT, SEVERITY_STYLE, NodeRef, TreeSpec, filter_specs


def count_badges(counts: dict[str, int]) -> Text:
    out = Text()
    for sev in ("error", "warning", "info"):
        n = counts.get(sev, 0)
        if n:
            out.append(" ")
            out.append(f"{GLYPH[sev]}{n}", style=SEVERITY_STYLE[sev])
    return out


def label_key(spec: TreeSpec) -> tuple:
    """What `node_label` depends on: a node whose key is unchanged keeps its label (no re-render)."""
    return spec.ref.kind, spec.name, bool(spec.children), tuple(sorted(spec.counts.items()))


def node_label(spec: TreeSpec) -> Text:
    style = {INTENT: "bold", GROUP: "bold italic", FAMILY: ""}.get(spec.ref.kind, "")
    if spec.ref.kind == INTENT and not spec.children:
        style = "dim"  # an intent class with no family yet
    label = Text(spec.name, style=style)  # literal: names come from files
    badges = count_badges(spec.counts)
    if badges:
        label.append(" ")
        label.append_text(badges)
    return label


class BrowseTree(Tree[NodeRef]):
    """Keeps expansion, cursor (by node identity) and scroll across reloads."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "collapse_or_parent", "Collapse", show=False, id="browse.collapse"),
        Binding("right", "expand_node", "Expand", show=False, id="browse.expand"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("loading…"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self._specs: list[TreeSpec] = []  # the whole tree, as last given
        self.words: list[str] = []  # the filter
        self.matches: list[tuple[str, str]] = []  # idents of the nodes the filter matched
        self._expanded_before: set[tuple[str, str]] | None = None  # expansion before filtering
        self._cursor_before: tuple[str, str] | None = None  # the node selected before filtering
        self._auto_cursor: tuple[str, str] | None = None  # the node the filter moved the cursor to
        self._labels: dict[int, tuple] = {}  # node id -> the `label_key` its label was made from
        self._built_width = -1  # the width the lines were last built for

    # ------------------------------------------------------------------ rendering

    def render_label(self, node: TreeNode[NodeRef], base_style, style) -> Text:
        """Cut a long name with "…" so the finding counts after it stay visible."""
        text = super().render_label(node, base_style, style)
        width = self.scrollable_content_region.width
        if not width:
            return text
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth, parent = depth + 1, parent.parent
        room = width - depth * self.guide_depth
        if text.cell_len <= room or room < 12:
            return text
        plain = text.plain
        start = 2 if node.allow_expand else 0  # the ▶/▼ toggle
        split = plain.find("  ", start)
        tail = text[split:] if split >= 0 else Text()
        keep = max(start + 3, room - tail.cell_len - 1)
        return text[:keep] + Text("…") + tail

    def _on_resize(self, event: events.Resize) -> None:
        """Replaces Tree's handler, which rebuilt every line (measuring every label) at any resize: on a
        catalog, 0.18 s at each cursor move, since the findings panel below changes height with the node.
        A new height keeps the lines; a new width rebuilds them (the labels are cut to it)."""
        event.prevent_default()
        self._line_cache.grow(event.size.height)
        if event.size.width != self._built_width:
            self._built_width = event.size.width
            self._invalidate()
        else:
            self.refresh()

    # ------------------------------------------------------------------ data

    def show_specs(self, specs: list[TreeSpec]) -> None:
        """Show `specs` (the whole tree), filtered by the current filter words."""
        self._specs = list(specs)
        self._show_filtered()

    def set_filter(self, words: list[str]) -> None:
        """Hide the nodes whose name does not hold every word (their ancestors and children of a
        match stay); no match at all leaves the tree whole. Clearing restores the expansion."""
        words = [w.lower() for w in words if w]
        if words == self.words:
            return
        if words and not self.words:
            self._expanded_before = {n.data.ident for n in _walk(self.root) if n.data and n.is_expanded}
            cursor = self.cursor_node
            self._cursor_before = cursor.data.ident if cursor is not None and cursor.data else None
            self._auto_cursor = None
        self.words = words
        self._show_filtered()
        if not self.filtered:
            self._restore_cursor()
        if not words and self._expanded_before is not None:
            for node in _walk(self.root):
                if node.data is not None and node.allow_expand:
                    (node.expand if node.data.ident in self._expanded_before else node.collapse)()
            self._expanded_before = None
            cursor = self.cursor_node
            if cursor is not None:
                for parent in _collapsed_ancestors(cursor):
                    parent.expand()
                _ = self.last_line
                self.cursor_line = cursor.line
                self.scroll_to_node(cursor, animate=False)

    @property
    def filtered(self) -> bool:
        """Whether the filter hides nodes now (it matched something)."""
        return bool(self.words and self.matches)

    def _show_filtered(self) -> None:
        was = self.cursor_node.data.ident if self.cursor_node is not None and self.cursor_node.data else None
        specs, self.matches = filter_specs(self._specs, self.words)
        if self.words and not self.matches:
            specs = self._specs  # nothing is named so: the whole tree, and the title says so
        self._apply(specs)
        if self.filtered:
            for ident in self.matches:  # open the way to every match
                node = self.find(ident)
                for parent in _collapsed_ancestors(node) if node is not None else ():
                    parent.expand()
            _ = self.last_line
            cursor = self.cursor_node
            kept = was is not None and cursor is not None and cursor.data is not None and cursor.data.ident == was
            if not kept or not self._near_match(cursor):
                first = self.find(self.matches[0])
                if first is not None:
                    self.cursor_line = first.line
                    self.scroll_to_node(first, animate=False)
            now = self.cursor_node.data.ident if self.cursor_node is not None and self.cursor_node.data else None
            if now != was:
                self._auto_cursor = now  # the filter moved it (its node was hidden)
        shown = " ".join(self.words)
        if self.filtered:
            n = len(self.matches)
            self.border_title = Text(f"tree: {n} named “{shown}”")
        elif self.words:
            self.border_title = Text(f"tree: none named “{shown}”")
        else:
            self.border_title = None

    def _restore_cursor(self) -> None:
        """The filter matches nothing (or was cleared): back to the node selected before it,
        unless the user chose another one meanwhile."""
        cursor = self.cursor_node
        here = cursor.data.ident if cursor is not None and cursor.data else None
        if self._auto_cursor is not None and here == self._auto_cursor and self._cursor_before is not None:
            self.select_ref(NodeRef(self._cursor_before[0], self._cursor_before[1]))
        self._auto_cursor = None

    def _near_match(self, node: TreeNode[NodeRef] | None) -> bool:
        """A match, or inside one (a schema of a matching family)."""
        matches = set(self.matches)
        while node is not None and node is not self.root:
            if node.data is not None and node.data.ident in matches:
                return True
            node = node.parent
        return False

    def _apply(self, specs: list[TreeSpec]) -> None:
        """Bring the tree to `specs` in place; nodes whose key survives keep their state."""
        keep = self.cursor_node.data.ident if self.cursor_node and self.cursor_node.data else None
        scroll_y = self.scroll_y
        self._sync(self.root, specs)
        _ = self.last_line  # rebuild the lines now so node.line is current
        node = self.find(keep) if keep is not None else None
        if node is not None:
            hidden = _collapsed_ancestors(node)
            for parent in hidden:  # it moved (e.g. into a new family): open the way to it
                parent.expand()
            if hidden:
                _ = self.last_line
            self.cursor_line = node.line
        elif self.cursor_line < 0 and self.root.children:
            self.cursor_line = 0
        self.scroll_to(y=scroll_y, animate=False, immediate=True)
        if node is not None:
            self.scroll_to_node(node, animate=False)  # only scrolls if it left the view

    def _sync(self, parent: TreeNode[NodeRef], specs: list[TreeSpec]) -> None:
        kids = list(parent.children)
        if [k.data.ident if k.data else None for k in kids] == [s.ref.ident for s in specs]:
            for node, spec in zip(kids, specs, strict=True):  # 5,000 unchanged nodes: no work, no re-render
                node.data = spec.ref
                if self._labels.get(node.id) != (key := label_key(spec)):
                    self._labels[node.id] = key
                    node.set_label(node_label(spec))
                was_leaf = not node.allow_expand
                if was_leaf == bool(spec.children):  # setting it marks the node's line for a re-render
                    node.allow_expand = bool(spec.children)
                if spec.children or node.children:
                    self._sync(node, spec.children)
                if was_leaf and spec.children and spec.expand:
                    node.expand()  # first children of a node that was empty: open it like a new one
            return
        expanded = {n.data.ident for n in _walk(parent) if n.data and n.is_expanded}
        known = {n.data.ident for n in _walk(parent) if n.data}
        for gone in _walk(parent):
            self._labels.pop(gone.id, None)
        parent.remove_children()
        for spec in specs:
            self._add(parent, spec, expanded, known)

    def _add(self, parent: TreeNode[NodeRef], spec: TreeSpec, expanded: set, known: set) -> None:
        open_ = spec.ref.ident in expanded if spec.ref.ident in known else spec.expand
        node = parent.add(node_label(spec), spec.ref, expand=open_ and bool(spec.children))
        self._labels[node.id] = label_key(spec)
        node.allow_expand = bool(spec.children)  # leaves can gain children on a later reload
        for child in spec.children:
            self._add(node, child, expanded, known)

    def find(self, ident: tuple[str, str]) -> TreeNode[NodeRef] | None:
        for node in _walk(self.root):
            if node.data is not None and node.data.ident == ident:
                return node
        return None

    def select_ref(self, ref: NodeRef) -> bool:
        """Move the cursor to the node for `ref`, expanding its ancestors."""
        node = self.find(ref.ident)
        if node is None:
            return False
        for parent in _collapsed_ancestors(node):
            parent.expand()
        _ = self.last_line
        self.cursor_line = node.line
        self.scroll_to_node(node, animate=False)
        return True

    # ------------------------------------------------------------------ keys

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        else:
            self.action_cursor_parent()

    def action_expand_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()


def _collapsed_ancestors(node: TreeNode[NodeRef]) -> list[TreeNode[NodeRef]]:
    out, parent = [], node.parent
    while parent is not None and not parent.is_root:
        if not parent.is_expanded:
            out.append(parent)
        parent = parent.parent
    return out


def _walk(node: TreeNode[NodeRef]):
    stack = list(reversed(node.children))
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))
