"""The detail pane: what the selected tree node is, as literal text.

Every string that comes from a file is wrapped in `rich.text.Text`, so square
brackets, `[TODO]` and `[bold]` are shown as written.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...analysis.outline import schema_fields
from ...findings import Finding
from ...model import Family, Pin, SchemaDoc
from ..view import (
    FAMILY,
    GLYPH,
    GROUP,
    GROUP_NAMES,
    INTENT,
    PINNED,
    SCHEMA,
    SEVERITY_STYLE,
    SHARED,
    UNCLASSIFIED,
    UNDECIDED,
    NodeRef,
    Snapshot,
    counts,
    group_schemas,
    unclassified_families,
)
from .browse import count_badges

RECORD_FIELDS = (
    ("owner", "owner"),
    ("stability_tier", "stability tier"),
    ("decision", "decision"),
    ("rationale", "rationale"),
    ("current_usage", "current usage"),
    ("candidate_gateway_usage", "candidate usage"),
    ("wire_mapping", "wire mapping"),
    ("version_policy", "version policy"),
)
MISSING = Text("— not set", style="dim italic")


def heading(text: str, extra: Text | None = None) -> Text:
    out = Text()
    out.append(text, style="bold underline")
    if extra is not None:
        out.append(" ")
        out.append_text(extra)
    return out


def lit(value: object, style: str = "") -> Text:
    if value is None or value == "" or value == ():
        return MISSING.copy()
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    return Text(str(value), style=style)


SHORT_LABELS = {
    "stability tier": "tier", "current usage": "current", "candidate usage": "candidate",
    "wire mapping": "wire", "version policy": "versions", "alternatives": "alts.",
}


class KeyValues:
    """Label/value rows in two columns; narrow panes get short labels and a thin label column."""

    NARROW = 60

    def __init__(self, rows: list[tuple[str, Text]]) -> None:
        self.rows = rows

    def __rich_console__(self, console, options):
        narrow = options.max_width < self.NARROW
        t = Table.grid(padding=(0, 1 if narrow else 2), expand=True)
        t.add_column(style="dim", no_wrap=True, width=9 if narrow else 16)
        t.add_column(ratio=1, overflow="fold")
        for key, value in self.rows:
            t.add_row(Text(SHORT_LABELS.get(key, key) if narrow else key), value)
        yield t


def kv_table(rows: list[tuple[str, Text]]) -> KeyValues:
    return KeyValues(rows)


def findings_grid(findings: list[Finding], indent: int = 2) -> Table:
    """One finding per row, wrapped text hanging under the message."""
    t = Table.grid(padding=(0, 1), expand=True)
    t.add_column(width=indent - 1 if indent > 1 else 0, no_wrap=True)
    t.add_column(width=6, no_wrap=True)
    t.add_column(ratio=1, overflow="fold")
    for f in findings:
        body = Text()
        body.append(f.where, style="dim")
        body.append("  ")
        body.append(f.message)
        if f.note:
            body.append(f"  ({f.note})", style="italic dim")
        t.add_row(Text(""), Text(f"{GLYPH[f.severity]} {f.rule}", style=SEVERITY_STYLE[f.severity]), body)
    return t


def findings_block(title: str, findings: list[Finding], empty: str = "none") -> list[RenderableType]:
    out: list[RenderableType] = [heading(f"{title} ({len(findings)})", count_badges(counts(findings)))]
    if not findings:
        out.append(Text(f"  {empty}", style="dim"))
        return out
    ordered = sorted(findings, key=lambda f: ({"error": 0, "warning": 1, "info": 2}[f.severity], f.sort_key()))
    out.append(findings_grid(ordered))
    return out


def decision_record(fam: Family) -> list[RenderableType]:
    rows = [(label, lit(getattr(fam, key))) for key, label in RECORD_FIELDS]
    rows.append(("alternatives", lit(fam.alternatives_considered)))
    rows.append(("consumers", lit(fam.downstream_consumers)))
    if fam.guess:
        rows.append(("guess", Text("yes: a draft by `workbench init`: fill in what G011 lists and remove `guess` "
                                   "(saving the edit form, e, removes it)", style="yellow")))
    for w in fam.waivers:
        rows.append(("waiver", Text(f"{w.rule} {w.subject}: {w.reason}")))
    title = Text()
    title.append("Decision record", style="bold underline")
    title.append(f"  {fam.path}", style="dim")
    return [title, kv_table(rows)]


def overlaps_block(snap: Snapshot, fam: Family | None, schema: SchemaDoc | None) -> list[RenderableType]:
    found = snap.index.overlaps_of(fam, schema)
    out: list[RenderableType] = [heading(f"Overlaps ({len(found)})")]
    if not found:
        out.append(Text("  no overlapping family reported (O001/O002)", style="dim"))
    for f in found:
        own = {fam.id} if fam else set()
        others = [s for s in f.subjects if snap.ws.family(s) is not None and s not in own]
        line = Text("  ")
        line.append(f"{GLYPH[f.severity]} {f.rule} ", style=SEVERITY_STYLE[f.severity])
        if others:
            line.append(", ".join(others), style="bold")
            line.append("  ")
        line.append(f.message)
        if f.note:
            line.append(f"  ({f.note})", style="italic dim")
        out.append(line)
    return out


class FieldsView:
    """Schema fields: a five-column table when wide, two lines per field when narrow."""

    WIDE = 110

    def __init__(self, rows) -> None:
        self.rows = rows

    def __rich_console__(self, console, options):
        if options.max_width >= self.WIDE:
            yield self._table()
        else:
            yield self._list()

    def _table(self) -> Table:
        t = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1), show_edge=False, header_style="bold dim")
        t.add_column(Text("field"), overflow="fold", ratio=3)
        t.add_column(Text("type"), overflow="fold", ratio=2)
        t.add_column(Text("req"), width=3, no_wrap=True)
        t.add_column(Text("constraints"), overflow="fold", ratio=3)
        t.add_column(Text("description"), overflow="fold", ratio=5)
        for r in self.rows:
            t.add_row(Text(r.path, style="bold" if "." not in r.path else ""), Text(r.type, style="cyan"),
                      Text("✓" if r.required else ""), Text(r.constraints, style="dim"), Text(r.description))
        return t

    def _list(self) -> Table:
        t = Table.grid(padding=(0, 1), expand=True)
        t.add_column(width=1, no_wrap=True)
        t.add_column(ratio=1, overflow="fold")
        for r in self.rows:
            head = Text()
            head.append(r.path, style="bold")
            head.append("  ")
            head.append(r.type, style="cyan")
            t.add_row(Text("✓" if r.required else "·", style="green" if r.required else "dim"), head)
            more = Text()
            if r.description:
                more.append(r.description)
            if r.constraints:
                if r.description:
                    more.append("  ")
                more.append(r.constraints, style="dim")
            if more:
                t.add_row(Text(""), Padding(more, (0, 0, 0, 2)))
        return t


def fields_table(snap: Snapshot, schema: SchemaDoc) -> list[RenderableType]:
    rows = schema_fields(snap.ws, schema)
    title = heading(f"Fields ({len(rows)})")
    title.append("  ✓ required", style="dim")
    out: list[RenderableType] = [title]
    if not rows:
        out.append(Text("  no properties", style="dim"))
        return out
    out.append(FieldsView(rows))
    return out


def examples_block(snap: Snapshot, schema: SchemaDoc) -> list[RenderableType]:
    examples = snap.ws.examples_of(schema.path)
    out: list[RenderableType] = [heading(f"Examples ({len(examples)})")]
    if not examples:
        out.append(Text("  no example", style="dim"))
    bad: dict[str, list[Finding]] = {}
    for f in snap.result.findings:
        if f.rule in ("V002", "L001") and f.path in {e.path for e in examples}:
            bad.setdefault(f.path, []).append(f)
    for e in examples:
        problems = bad.get(e.path, [])
        line = Text("  ")
        if problems:
            line.append("✗ ", style="bold red")
            line.append(e.path)
            line.append(f"  {len(problems)} problem(s)", style="red")
            out.append(line)
            out.append(findings_grid(problems[:5], indent=5))
        else:
            line.append("✓ ", style="bold green")
            line.append(e.path)
            line.append("  validates", style="dim")
            out.append(line)
    return out


def family_detail(snap: Snapshot, fam: Family) -> RenderableType:
    title = Text()
    title.append(fam.id, style="bold")
    title.append(f"  {fam.title}")
    sub = Text(f"intent {fam.intent_class or '—'} · decision {fam.decision or '—'}", style="dim")
    parts: list[RenderableType] = [title, sub, Text(), *decision_record(fam), Text()]
    parts.append(heading(f"Schemas ({len(fam.schemas)})"))
    for path in fam.schemas:
        line = Text("  ")
        s = snap.ws.schema(path)
        line.append(s.name if s else path, style="bold")
        line.append(f"  {path}", style="dim")
        line.append_text(count_badges(counts(snap.index.of_schema(path))))
        if s is None:
            line.append("  (missing)", style="red")
        elif s.pin is not None:
            line.append(f"  pinned from {s.pin.repository}", style="dim")
        out_title = s.title if s else ""
        if out_title and out_title != (s.name if s else ""):
            line.append("  ")
            line.append(out_title, style="italic")
        examples = snap.ws.examples_of(path)
        if s is not None:
            bad = {f.path for f in snap.result.findings if f.rule in ("V002", "L001")} & {e.path for e in examples}
            line.append(f"  · {len(examples)} example{'s' if len(examples) != 1 else ''}", style="dim")
            if bad:
                line.append(f", {len(bad)} not valid", style="red")
        parts.append(line)
    parts += [Text(), *overlaps_block(snap, fam, None), Text()]
    parts += findings_block("Findings", snap.index.of_family(fam))
    return Group(*parts)


def pin_block(pin: Pin) -> list[RenderableType]:
    """Where a pinned schema comes from, and whether the file is still the pinned one."""
    if pin.verified:
        state = Text("✓ matches the pin", style="green")
    else:
        state = Text(f"✗ {pin.actual or pin.error}: edited locally? update the pin, never the file",
                     style="bold red")
    rows = [("repository", lit(pin.repository)), ("ref", lit(pin.ref)), ("source path", lit(pin.upstream_path)),
            ("sha256", lit(pin.sha256)), ("on disk", state),
            ("manifest", lit(f"{pin.manifest}:{pin.line}" if pin.line else pin.manifest))]
    title = heading("Pinned upstream contract")
    title.append("  read-only", style="dim")
    return [title, kv_table(rows)]


def schema_detail(snap: Snapshot, schema: SchemaDoc) -> RenderableType:
    ws = snap.ws
    fam = ws.family_of(schema.path)
    title = Text(schema.title, style="bold")  # literal: a title may hold [brackets]
    sub = Text(schema.path, style="dim")
    if schema.pin is not None:
        sub.append(f"  · pinned from {schema.pin.repository} (read-only)", style="dim")
    if schema.shared:
        sub.append("  · shared $defs library (no family)", style="dim")
    elif fam is None and schema.pin is not None:
        sub.append("  · no family reuses it yet", style="dim")
        sub.append("  (+ add it to a family · n make it a family)", style="dim")
    elif fam is None:
        sub.append("  · undecided: in no family", style="yellow")
        sub.append("  (+ add it to a family · n make it a new family)", style="dim")
    else:
        sub.append(f"  · family {fam.id} ({fam.decision or 'no decision'})", style="dim")
    parts: list[RenderableType] = [title, sub]
    desc = schema.body.get("description")
    if isinstance(desc, str) and desc.strip():
        parts.append(Text(" ".join(desc.split()), style="italic"))
    parts.append(Text())
    if schema.pin is not None:
        parts += [*pin_block(schema.pin), Text()]
    if fam is not None:
        parts += [*decision_record(fam), Text()]
    parts += [*fields_table(snap, schema), Text()]
    if not schema.shared:
        parts += [*overlaps_block(snap, fam, schema), Text()]
        parts += [*examples_block(snap, schema), Text()]
    parts += findings_block("Findings", snap.index.of_schema(schema.path))
    return Group(*parts)


MAX_ROWS = 200  # families or schemas listed in a group's detail; the tree and its filter reach the rest


def more_line(total: int) -> list[Text]:
    """The line after a list cut at `MAX_ROWS` (none when nothing was cut)."""
    if total <= MAX_ROWS:
        return []
    return [Text(f"  ... {total - MAX_ROWS} more: filter the tree with /", style="dim italic")]


class FamiliesView:
    """Families of an intent class (the first `MAX_ROWS`): a table when wide, one line each when narrow."""

    WIDE = 72

    def __init__(self, snap: Snapshot, fams: list[Family]) -> None:
        self.snap, self.fams, self.total = snap, fams[:MAX_ROWS], len(fams)

    def __rich_console__(self, console, options):
        snap = self.snap
        if options.max_width < self.WIDE:
            for fam in self.fams:
                line = Text()
                line.append(fam.id, style="bold")
                line.append_text(count_badges(counts(snap.index.of_family(fam))))
                line.append("\n  ")
                line.append(" · ".join(x or "—" for x in (fam.decision, fam.owner, fam.stability_tier)), style="dim")
                yield line
            yield from more_line(self.total)
            return
        t = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1), show_edge=False, header_style="bold dim")
        for col in ("family", "decision", "owner", "tier", "findings"):
            t.add_column(Text(col), overflow="fold", no_wrap=col in ("decision", "findings"))
        for fam in self.fams:
            t.add_row(Text(fam.id, style="bold"), lit(fam.decision), lit(fam.owner), lit(fam.stability_tier),
                      count_badges(counts(snap.index.of_family(fam))))
        yield t
        yield from more_line(self.total)


def families_table(snap: Snapshot, fams: list[Family]) -> FamiliesView:
    return FamiliesView(snap, fams)


def group_detail(snap: Snapshot, ref: NodeRef) -> RenderableType:
    ws = snap.ws
    if ref.kind == INTENT:
        fams = [f for f in ws.families if f.intent_class == ref.key]
        parts: list[RenderableType] = [Text(ref.key, style="bold"),
                                       Text(f"intent class · {len(fams)} families", style="dim"), Text()]
        parts.append(families_table(snap, fams) if fams else Text("no family in this intent class", style="dim"))
        if not ws.decisions.present:
            parts += [Text(), Text("There is no decisions/ folder yet: every schema is undecided. "
                                   "`workbench init` writes a starter (the view updates by itself).",
                                   style="yellow")]
        return Group(*parts)
    if ref.key == UNCLASSIFIED:
        fams = unclassified_families(ws)
        return Group(Text("unclassified", style="bold"),
                     Text("families whose intent_class is not in workspace.yaml", style="dim"), Text(),
                     families_table(snap, fams))
    schemas = group_schemas(ws, ref.key)
    what = {UNDECIDED: "contract schemas in no family (no reuse/extend/new decision yet)",
            SHARED: "shared $defs libraries (belong to no family)",
            PINNED: "schemas pinned from upstream repositories (read-only) that no family reuses"}.get(ref.key, "")
    parts = [Text(GROUP_NAMES.get(ref.key, ref.key), style="bold"), Text(f"{what} · {len(schemas)}", style="dim"),
             Text()]
    for s in schemas[:MAX_ROWS]:
        line = Text("  ")
        line.append(s.name, style="bold")
        line.append(f"  {s.path}", style="dim")
        line.append_text(count_badges(counts(snap.index.of_schema(s.path))))
        parts.append(line)
    parts += more_line(len(schemas))
    if not schemas:
        parts.append(Text("  none", style="dim"))
    return Group(*parts)


def render_detail(snap: Snapshot | None, ref: NodeRef | None) -> RenderableType:
    if snap is None:
        return Text("Loading the workspace…", style="dim italic")
    if snap.pending:
        return Group(Text("checking… findings and their counts appear when the first check finishes",
                          style="italic yellow"), Text(), _render_detail(snap, ref))
    return _render_detail(snap, ref)


def _render_detail(snap: Snapshot, ref: NodeRef | None) -> RenderableType:
    if ref is None:
        return Text("Select a family or schema in the tree.", style="dim italic")
    if ref.kind == FAMILY:
        fam = snap.ws.family(ref.key)
        return family_detail(snap, fam) if fam else Text(f"family {ref.key} is gone", style="dim italic")
    if ref.kind == SCHEMA:
        schema = snap.ws.schema(ref.key)
        if schema is None:
            problems = [f for f in snap.result.findings if f.path == ref.key]
            return Group(Text(ref.key, style="bold"), Text("does not load as a schema", style="red"), Text(),
                         *findings_block("Findings", problems))
        return schema_detail(snap, schema)
    if ref.kind in (INTENT, GROUP):
        return group_detail(snap, ref)
    return Text("")


class DetailView(VerticalScroll):
    """Scrollable detail; re-rendering keeps the scroll position."""

    DEFAULT_CLASSES = "panel"

    def compose(self):
        yield Static(Text("Loading the workspace…", style="dim italic"), id="detail-body", markup=False)

    def show(self, snap: Snapshot | None, ref: NodeRef | None, *, keep_scroll: bool = True) -> None:
        y = self.scroll_y
        try:
            body = render_detail(snap, ref)
        except Exception as exc:  # one odd file must not blank the pane
            body = Text(f"cannot show this node: {type(exc).__name__}: {exc}", style="red")
        self.query_one("#detail-body", Static).update(body)
        if keep_scroll:
            self.call_after_refresh(self.scroll_to, y=y, animate=False)
        else:
            self.scroll_home(animate=False)
