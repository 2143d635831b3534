"""A finding's detail view (enter on a finding): everything it says, and what to do about it.

The full message, the rule's explanation (what `workbench explain` prints), every
location with file:line, the waiver note, whether decisions/baseline.yaml accepts
it, and for C001 the change itself (old -> new, who it breaks, the mode). From
here: enter goes to the highlighted location's schema or family in the tree
(the result of the screen), `o` opens it in $EDITOR, `y` copies `file:line`, and
the triage actions (`screens/triage.py`) add the schema to a family, make it a new
family, waive or baseline the finding. The view follows reloads: after an action
it shows the finding as the check now reports it (or says it is gone).
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ...findings import Finding, Location
from ...rules.registry import get_rule
from ..host import host
from ..view import FAMILY, GLYPH, SCHEMA, SEVERITY_STYLE, NodeRef, Snapshot, finding_key, undecided_schema
from ..widgets.detail import heading, kv_table
from ..widgets.footer import WorkbenchFooter

# C001's structured fields, in the order they are shown
CHANGE_FIELDS = (("change", "change"), ("pointer", "pointer"), ("old", "old"), ("new", "new"),
                 ("breaks", "breaks"), ("effect", "effect"), ("mode", "mode"), ("reading", "reading"),
                 ("breaking", "breaking"))


def location_text(loc: Location, first: bool) -> Text:
    out = Text()
    out.append(loc.text(), style="bold" if first else "")
    about = []
    if loc.schema and loc.schema != loc.file:
        about.append(f"schema {loc.schema.rsplit('/', 1)[-1].removesuffix('.schema.json')}")
    if loc.family:
        about.append(f"family {loc.family}")
    if loc.pointer:
        about.append(f"at {loc.pointer}")
    if about:
        out.append("  " + " · ".join(about), style="dim")
    if first:
        out.append("  (reported here)", style="dim italic")
    return out


def status_rows(f: Finding, snap: Snapshot | None) -> list[tuple[str, Text]]:
    sev = Text(f"{GLYPH[f.severity]} {f.severity}", style=SEVERITY_STYLE[f.severity])
    rows = [("severity", sev), ("category", Text(f.category))]
    if f.baselined:
        rows.append(("baselined", Text("yes: accepted in decisions/baseline.yaml, so `--check` does not fail on it",
                                       style="bold")))
    else:
        rows.append(("baselined", Text("no", style="dim")))
    rows.append(("waiver", Text(f.note) if f.note else Text("none", style="dim")))
    if f.subjects:
        rows.append(("subjects", Text(", ".join(f.subjects))))
    if snap is not None:
        undecided = [p for p in f.schemas if undecided_schema(snap.ws, p) is not None]
        if undecided:
            rows.append(("undecided", Text(", ".join(undecided) + "  (+ add to a family · n new family)",
                                           style="yellow")))
    return rows


def change_rows(data) -> list[tuple[str, Text]]:
    rows = []
    for key, label in CHANGE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "breaking":
            text = Text("yes" if value else "no", style="bold red" if value else "green")
        elif value is None:
            text = Text("—", style="dim")
        else:
            text = Text(str(value))  # literal: values quote schema text
        rows.append((label, text))
    rows += witness_rows(data)
    return rows


def witness_rows(data) -> list[tuple[str, Text]]:
    """Each witness of a C001 verdict (an example the other version rejects, or a built document), or that
    none was found."""
    witnesses = data.get("witnesses") or []
    if not witnesses:
        return [("witness", Text("none found: the verdict is not proven by a document", style="dim"))] if (
            data.get("effect") not in (None, "none")) else []
    return [("witness", Text(w.get("text", w.get("document", "")))) for w in witnesses]  # literal


def render_finding(f: Finding, snap: Snapshot | None, gone: bool = False) -> RenderableType:
    parts: list[RenderableType] = []
    if gone:
        parts += [Text("The last reload no longer reports this finding (fixed, or its file changed): "
                       "this is how it was.", style="bold yellow"), Text()]
    parts += [Text(f.message), Text()]  # literal, every line (E001 quotes a diff)
    parts += [kv_table(status_rows(f, snap)), Text()]
    if f.rule == "C001" and f.data:
        parts += [heading("Compatibility change"), kv_table(change_rows(f.data)), Text()]
    rule = get_rule(f.rule)
    title = heading(f"Rule {f.rule}")
    if rule is not None:
        title.append(f"  {rule.name} · default {rule.severity}", style="dim")
        parts += [title, Text(rule.explanation)]
        if rule.details:
            parts.append(Text("\n".join(rule.details), style="dim"))
    else:
        parts += [title, Text("no rule is registered under this id", style="dim")]
    return Group(*parts)


class LocationList(OptionList):
    """The finding's locations; enter goes to the highlighted one (said in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Go to", id="finding.goto_location",
                tooltip="Show the highlighted location's schema or family in the browse tree"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select":  # a location in no tree node (a doc, a workspace file): not offered
            target = getattr(self.screen, "target", None)
            return target() is not None if callable(target) else True
        return True


class FindingScreen(ModalScreen[NodeRef | None]):
    """Result: the tree node to go to (enter), or None (escape)."""

    SCOPE = "Finding"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="finding.close"),
        Binding("enter", "goto", "Go to", id="finding.goto",
                tooltip="Show the highlighted location's schema or family in the browse tree"),
        Binding("o", "open_file", "Open", id="finding.open",
                tooltip="Open the highlighted location in $VISUAL / $EDITOR at its line"),
        Binding("y", "copy_path", "Copy", id="finding.copy", tooltip="Copy the highlighted location (file:line)"),
        Binding("plus", "assign", "Add to family", id="finding.assign", key_display="+",
                tooltip="Add the finding's undecided schema to an existing family"),
        Binding("n", "new_family", "New family", id="finding.new_family",
                tooltip="Make the finding's undecided schema a new family"),
        Binding("w", "waive", "Waive", id="finding.waive",
                tooltip="Write a waiver (to the family record, else decisions/waivers.yaml): the finding becomes info"),
        Binding("B", "baseline", "Baseline", id="finding.baseline",
                tooltip="Accept the finding in decisions/baseline.yaml: --check stops failing on it"),
        Binding("pagedown", "scroll('down')", "Scroll down", id="finding.page_down", show=False),
        Binding("pageup", "scroll('up')", "Scroll up", id="finding.page_up", show=False),
    ]

    def __init__(self, finding: Finding) -> None:
        super().__init__()
        self.finding = finding
        self.gone = False

    @property
    def snap(self) -> Snapshot | None:
        return host(self).snapshot

    def compose(self) -> ComposeResult:
        with Vertical(id="finding-dialog", classes="dialog"):
            yield Label(self._title(), id="finding-title", classes="dialog-title")
            with VerticalScroll(id="finding-body"):
                yield Static(render_finding(self.finding, self.snap), id="finding-text", markup=False)
            yield Label(Text("Where  (enter: go to · o: open in $EDITOR · y: copy)", style="dim"),
                        id="finding-where-label")
            yield LocationList(*self._options(), id="finding-locations", markup=False, compact=True)
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._snapshot_changed, init=False)
        locations = self.query_one("#finding-locations", OptionList)
        locations.highlighted = 0
        locations.focus()

    def _title(self) -> Text:
        f = self.finding
        out = Text()
        out.append(f"{GLYPH[f.severity]} ", style=SEVERITY_STYLE[f.severity])
        out.append(f"{f.rule} ", style="bold")
        rule = get_rule(f.rule)
        if rule is not None:
            out.append(rule.name)
        out.append(f"  {f.severity} · {f.category}", style="dim")
        if f.baselined:
            out.append("  · baselined", style="bold")
        if self.gone:
            out.append("  · no longer reported", style="bold yellow")
        return out

    def _options(self) -> list[Option]:
        return [Option(location_text(loc, i == 0)) for i, loc in enumerate(self.finding.locations)]

    # ------------------------------------------------------------------ reloads

    def _snapshot_changed(self, snap: Snapshot | None) -> None:
        if snap is None:
            return
        key = finding_key(self.finding)
        now = next((f for f in snap.result.findings if finding_key(f) == key), None)
        self.gone = now is None
        if now is not None:
            self.finding = now
        self.query_one("#finding-title", Label).update(self._title())
        self.query_one("#finding-text", Static).update(render_finding(self.finding, snap, self.gone))
        locations = self.query_one("#finding-locations", OptionList)
        row = locations.highlighted or 0
        locations.set_options(self._options())
        locations.highlighted = min(row, max(0, locations.option_count - 1))
        self.refresh_bindings()

    # ------------------------------------------------------------------ what the keys act on

    def location(self) -> Location | None:
        try:
            row = self.query_one("#finding-locations", OptionList).highlighted
        except NoMatches:  # asked before the screen is composed
            row = None
        locs = self.finding.locations
        return locs[row] if row is not None and 0 <= row < len(locs) else (locs[0] if locs else None)

    def target(self) -> NodeRef | None:
        """The tree node for the highlighted location: its schema, else its family."""
        snap, loc = self.snap, self.location()
        if snap is None:
            return None
        if loc is not None:
            if loc.schema and snap.ws.schema(loc.schema) is not None:
                return NodeRef(SCHEMA, loc.schema)
            if loc.family and snap.ws.family(loc.family) is not None:
                return NodeRef(FAMILY, loc.family)
        return snap.index.target.get(self.finding)

    def undecided(self):
        snap = self.snap
        if snap is None or self.gone:
            return None
        return next((s for p in self.finding.schemas if (s := undecided_schema(snap.ws, p)) is not None), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        from .triage import can_baseline, can_waive

        if action == "goto":
            return self.target() is not None
        if action in ("open_file", "copy_path"):
            loc = self.location()
            return loc is not None and loc.file not in ("", ".")
        if action in ("assign", "new_family"):
            return self.undecided() is not None
        snap = self.snap
        if action == "waive":
            return not self.gone and snap is not None and can_waive(self.finding, snap.ws) is None
        if action == "baseline":
            return not self.gone and snap is not None and can_baseline(self.finding, snap.ws) is None
        return True

    @on(OptionList.OptionHighlighted, "#finding-locations")
    def _highlighted(self) -> None:
        self.refresh_bindings()

    @on(OptionList.OptionSelected, "#finding-locations")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_goto()

    # ------------------------------------------------------------------ actions

    def action_close(self) -> None:
        self.dismiss(None)

    def action_goto(self) -> None:
        ref = self.target()
        if ref is None:
            self.notify("This location is not in the browse tree.", timeout=3, markup=False)
            return
        self.dismiss(ref)

    def action_open_file(self) -> None:
        from ..editor import open_in_editor

        loc = self.location()
        if loc is not None:
            open_in_editor(self.app, loc.file, loc.line)

    def action_copy_path(self) -> None:
        loc = self.location()
        if loc is None:
            return
        self.app.copy_to_clipboard(loc.text())
        self.notify(f"Copied {loc.text()}", timeout=3, markup=False)

    def action_assign(self) -> None:
        from .triage import assign_schema

        schema, snap = self.undecided(), self.snap
        if schema is not None and snap is not None:
            assign_schema(self.app, snap, schema)

    def action_new_family(self) -> None:
        from .triage import new_family

        schema, snap = self.undecided(), self.snap
        if schema is not None and snap is not None:
            new_family(self.app, snap, schema)

    def action_waive(self) -> None:
        from .triage import waive

        if self.snap is not None:
            waive(self.app, self.snap, self.finding)

    def action_baseline(self) -> None:
        from .triage import baseline

        if self.snap is not None:
            baseline(self.app, self.snap, self.finding)

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#finding-body", VerticalScroll)
        (body.scroll_page_down if direction == "down" else body.scroll_page_up)(animate=False)
