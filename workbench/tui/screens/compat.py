"""The compatibility page (`v`): every schema change against a git ref, classified like
`workbench diff`: change kind, pointer, old -> new, who it breaks, the effect, the mode,
and whether it breaks under the policy.

The ref comes from `workbench --against REF` or from `a` here (`AgainstScreen`); the
app then runs C001 with it too, so the findings carry the same changes. The diff runs
in an exclusive thread worker (the ref read from git's object database, loaded once and cached by the
app, then `rules.compatibility.judge`) that posts one `Diffed` message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import get_current_worker

from ..host import host
from ..view import SCHEMA, NodeRef, Snapshot
from ..widgets.footer import WorkbenchFooter
from ..widgets.table import FitTable
from .base import FormScreen, PageScreen

if TYPE_CHECKING:
    from ...model import Workspace
    from ...rules.compatibility import Verdict

WIDE = 110  # from this width the table also shows old -> new, effect and mode


@dataclass(frozen=True)
class Row:
    """One verdict as the page shows it (computed in the worker)."""

    schema: str
    name: str
    kind: str
    pointer: str
    old: str
    new: str
    breaks: str
    effect: str
    mode: str
    reading: str
    breaking: bool
    severity: str
    policy: str
    family: str
    text: str  # Verdict.describe(), what `workbench diff` prints
    line: int | None  # of the pointer in the schema now, for `o`
    witnesses: tuple[str, ...] = ()  # each document that proves the effect, in words
    uses: tuple[str, ...] = ()  # where a changed definition is used (file#pointer)


def rows_of(ws: Workspace, verdicts: list[Verdict]) -> list[Row]:
    out = []
    for v in verdicts:
        c, d = v.change, v.data()
        doc = ws.schema(c.schema)
        source = ws.sources.get(c.schema)
        line = source.line_of(c.pointer) if source is not None and c.pointer else None
        out.append(Row(c.schema, doc.name if doc else c.schema.rsplit("/", 1)[-1], c.kind, c.pointer or "/",
                       str(c.old), str(c.new), v.breaks, d["effect"], v.policy.mode, d["reading"] or "",
                       v.breaking, v.severity, v.policy.label, d["family"] or "undecided", v.describe(), line,
                       tuple(w.text() for w in v.witnesses), tuple(f"{f}#{p}" for f, p in c.uses)))
    return out


def verdict_cell(row: Row) -> Text:
    if row.breaks == "undecided":  # one side could not be read (a reference, a file): not judged
        return Text("undecided", style="yellow")
    if row.breaking:
        return Text("BREAKING" if row.severity == "error" else "breaking", style="bold red" if row.severity == "error"
                    else "yellow")
    return Text("ok", style="green")


class CompatTable(FitTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Go to", id="compat.goto",
                tooltip="Show the changed schema in the browse tree"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.row_count > 0 if action == "select_cursor" else True


class AgainstScreen(FormScreen[str | None]):
    """Result: the git ref (or `./folder`) to compare with, or None."""

    SCOPE = "Compare with"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="against.cancel"),
    ]

    def __init__(self, current: str = "") -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="against-dialog", classes="dialog"):
            yield Label(Text("Compare the schemas with…", style="bold"), classes="dialog-title")
            yield Input(self.current, id="against-ref", compact=True,
                        placeholder="a git ref: origin/main, HEAD~1, v1.2")
            yield Static("", id="against-error", classes="field-error", markup=False)
            yield Static(Text("Read from git (the work tree is not touched). A folder only when written "
                              "as a path: ./old, /abs/old. Empty: no comparison.", style="dim"),
                         classes="field-help", markup=False)
            yield self.buttons('Compare (enter)')
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.query_one("#against-ref", Input).focus()

    def action_save(self) -> None:
        value = self.query_one("#against-ref", Input).value.strip()
        problem = ""
        if value.startswith("-"):
            problem = "a ref cannot start with '-'"
        elif len(value) > 1024 or any(ch in value for ch in "\n\r\x00"):
            problem = "not a ref git would accept"
        error = self.query_one("#against-error", Static)
        error.update(Text(problem, style="bold red") if problem else "")
        error.set_class(bool(problem), "-shown")
        if not problem:
            self.dismiss(value)

    @on(Input.Submitted, "#against-ref")
    def _submitted(self) -> None:
        self.action_save()


class CompatScreen(PageScreen):
    SCOPE = "Compatibility"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "against", "Against…", id="compat.against",
                tooltip="Choose the git ref (or ./folder) the schemas are compared with"),
        Binding("o", "open_file", "Open", id="compat.open", show=False,
                tooltip="Open the changed schema at the change in $VISUAL / $EDITOR"),
    ]

    class Diffed(Message):
        """The worker's one result: the rows, or why there are none."""

        def __init__(self, against: str, generation: int, rows: list[Row] | None, error: str = "") -> None:
            super().__init__()
            self.against = against
            self.generation = generation
            self.rows = rows
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.state = "none"  # none | checking | done | failed
        self.error = ""
        self.against = ""
        self._wide: bool | None = None

    def compose_body(self) -> ComposeResult:
        yield Label("", classes="page-title", id="compat-title")
        yield CompatTable(id="compat-table")
        with VerticalScroll(id="compat-detail", classes="panel"):
            yield Static("", id="compat-detail-body", markup=False)

    def on_mount(self) -> None:
        self.query_one("#compat-table", FitTable).focus()

    # ------------------------------------------------------------------ data

    def show_snapshot(self, snap: Snapshot) -> None:
        against = host(self).against
        self.against = against
        if not against:
            self.state, self.rows, self.error = "none", [], ""
            self._redraw()
            return
        self.state = "checking"
        self._draw_title()
        self._diff(snap.ws, against, snap.generation)

    @work(thread=True, exclusive=True, group="compat", exit_on_error=False)
    def _diff(self, ws: Workspace, against: str, generation: int) -> None:
        worker = get_current_worker()
        try:
            from ...rules.compatibility import judge

            baseline = host(self).baseline_workspace(against)
            rows = rows_of(ws, judge(ws, baseline))
        except Exception as exc:  # an unknown ref, git missing, a bug: said on the page
            if not worker.is_cancelled:
                self.post_message(self.Diffed(against, generation, None, str(exc) or type(exc).__name__))
            return
        if not worker.is_cancelled:
            self.post_message(self.Diffed(against, generation, rows))

    def on_compat_screen_diffed(self, message: Diffed) -> None:
        if message.against != self.against:
            return  # an older request
        if message.rows is None:
            self.state, self.rows, self.error = "failed", [], message.error
        else:
            self.state, self.rows, self.error = "done", message.rows, ""
        self._redraw()

    # ------------------------------------------------------------------ rendering

    def _draw_title(self) -> None:
        title = Text()
        if not self.against:
            title.append("Compatibility: no baseline to compare with (a: choose a git ref)")
        else:
            title.append("Compatibility against ")
            title.append(self.against, style="bold")
            if self.state == "checking":
                title.append(": comparing…", style="italic")
            elif self.state == "failed":
                title.append(": cannot read it", style="red")
            else:
                breaking = sum(r.breaking for r in self.rows)
                title.append(f": {len(self.rows)} change(s), ")
                title.append(f"{breaking} breaking", style="bold red" if breaking else "green")
                title.append(" under the policy")
        self.query_one("#compat-title", Label).update(title)

    def _columns(self, wide: bool) -> list[tuple]:
        def fit(label: str, values: list[str], cap: int) -> int:
            return max(len(label), min(cap, max((len(v) for v in values), default=0)))

        rows = self.rows
        cols: list[tuple] = [("verdict", 8), ("schema", 0.6, "left"),
                             ("change", fit("change", [r.kind for r in rows], 24)), ("pointer", 0.8, "left")]
        if wide:
            cols += [("old → new", 1.0), ("breaks", fit("breaks", [r.breaks for r in rows], 10)),
                     ("mode", fit("mode", [r.mode for r in rows], 8))]
        else:
            cols += [("breaks", fit("breaks", [r.breaks for r in rows], 10))]
        return cols

    def _cells(self, row: Row, wide: bool) -> list[Text]:
        cells = [verdict_cell(row), Text(row.name), Text(row.kind), Text(row.pointer)]
        if wide:
            cells += [Text(f"{row.old} → {row.new}"), Text(row.breaks), Text(row.mode)]
        else:
            cells += [Text(row.breaks)]
        return cells

    def _redraw(self) -> None:
        self._draw_title()
        table = self.query_one("#compat-table", FitTable)
        wide = self.size.width >= WIDE
        self._wide = wide
        table.set_data(self._columns(wide), [self._cells(r, wide) for r in self.rows])
        self._show_detail()
        self.refresh_bindings()

    def on_resize(self) -> None:
        if self._wide is not None and (self.size.width >= WIDE) != self._wide:
            self._redraw()

    def selected(self) -> Row | None:
        row = self.query_one("#compat-table", FitTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _show_detail(self) -> None:
        body = self.query_one("#compat-detail-body", Static)
        row = self.selected()
        if self.state == "none":
            body.update(Text("No baseline. Press a to compare the schemas with a git ref (e.g. origin/main), or start "
                             "the workbench with `workbench --against REF`. The changes are classified like "
                             "`workbench diff`, and C001 findings show in the browse page.", style="dim"))
            return
        if self.state == "failed":
            body.update(Text(self.error, style="red"))
            return
        if self.state == "checking" and not self.rows:
            body.update(Text("comparing…", style="dim italic"))
            return
        if row is None:
            body.update(Text("No schema changed against this ref.", style="dim"))
            return
        text = Text()
        text.append(row.schema, style="bold")
        text.append(f"  ({row.policy})\n", style="dim")
        text.append_text(verdict_cell(row))
        text.append("  ")
        text.append(row.text)  # literal: quotes schema values
        text.append("\n")
        for label, value in (("change", row.kind), ("pointer", row.pointer), ("old", row.old), ("new", row.new),
                             ("breaks", row.breaks), ("effect", row.effect), ("mode", row.mode),
                             ("reading", row.reading or "—"), ("family", row.family)):
            text.append(f"{label}: ", style="dim")
            text.append(value)
            text.append("   ")
        for use in row.uses:
            text.append("\nused at: ", style="dim")
            text.append(use)  # literal: a file name and a pointer
        for witness in row.witnesses:
            text.append("\nwitness: ", style="dim")
            text.append(witness)  # literal: quotes example files and values
        text.append("\nenter: the schema in the tree · o: open it at the change in $EDITOR · a: another ref",
                    style="dim italic")
        body.update(text)

    @on(DataTable.RowHighlighted, "#compat-table")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#compat-table")
    async def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        await self.action_goto()

    # ------------------------------------------------------------------ keys

    def selected_path(self) -> str | None:
        row = self.selected()
        return row.schema if row is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_file":
            row = self.selected()
            snap = host(self).snapshot
            return row is not None and (snap is None or snap.ws.schema(row.schema) is not None)
        return True

    def action_against(self) -> None:
        def chosen(ref: str | None) -> None:
            if ref is not None and hasattr(self.app, "set_against"):
                self.app.set_against(ref)

        self.app.push_screen(AgainstScreen(self.against), chosen)

    async def action_goto(self) -> None:
        row = self.selected()
        if row is None:
            return
        await host(self).action_mode("browse")
        main: Any = self.app.screen
        if hasattr(main, "select_ref") and not main.select_ref(NodeRef(SCHEMA, row.schema), focus_tree=True):
            self.app.notify(f"{row.schema} is not in the browse tree (removed?)", markup=False, timeout=3)

    def action_open_file(self) -> None:
        from ..editor import open_in_editor

        row = self.selected()
        if row is not None:
            open_in_editor(self.app, row.schema, row.line)
