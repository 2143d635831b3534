"""The status line: what is loaded, the finding totals, and whether a check is running."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, LoadingIndicator

from ..view import GLYPH, SEVERITY_STYLE, Snapshot


def summary_text(snap: Snapshot | None, busy: bool, error: str = "") -> Text:
    if snap is None:
        return Text("loading the workspace…", style="italic")
    ws, result = snap.ws, snap.result
    out = Text()
    out.append(f"{len(ws.contract_schemas)} schemas · {len(ws.families)} families · ")
    s = result.summary
    if snap.pending:
        out.append("findings pending ", style="italic dim")
    for sev in () if snap.pending else ("error", "warning", "info"):
        out.append(f"{GLYPH[sev]}{s[sev]} ", style=SEVERITY_STYLE[sev] if s[sev] else "dim")
    if s.get("baselined"):
        out.append(f"· {s['baselined']} baselined ", style="dim")
    if snap.partial:  # the per-file findings are new, the cross-schema ones the last check's
        out.append("· cross-schema findings re-checking ", style="italic yellow")
    if snap.against:
        out.append(f"· against {snap.against} ", style="red" if snap.against_error else "dim")
    if not ws.decisions.present:
        out.append("· no decisions/ ", style="yellow")
    if error:
        out.append(f"· last reload failed: {error}", style="red")
    return out


class StatusBar(Horizontal):
    """Watches the app's snapshot and busy flag."""

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="status-spinner")
        yield Label("checking…", id="status-busy")
        yield Label(summary_text(None, True), id="status-summary", markup=False)

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._update, init=True)
        self.watch(self.app, "preview", self._update, init=True)
        self.watch(self.app, "busy", self._update, init=True)
        self.watch(self.app, "last_error", self._update, init=True)

    def _update(self, *_args) -> None:
        app = self.app
        busy = bool(getattr(app, "busy", False))
        self.set_class(busy, "-busy")
        snap = getattr(app, "snapshot", None) or getattr(app, "preview", None)
        self.query_one("#status-summary", Label).update(summary_text(snap, busy, getattr(app, "last_error", "")))
