"""Screens of the workbench TUI, one module each, declared once here.

`PAGES` is read by the app's `MODES` and page bindings, `DIALOGS` by nothing
but help: `binding_scopes` (help and the command palette) lists both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

from .base import WorkbenchScreen
from .checklist import ChecklistScreen
from .compat import AgainstScreen, CompatScreen
from .confirm import ConfirmScreen
from .conflict import ConflictScreen
from .deltas import DeltasScreen
from .edit_family import EditFamilyScreen
from .finding import FindingScreen
from .gates import GatesScreen
from .help import HelpScreen
from .main import MainScreen
from .matrix import MatrixScreen
from .tick import TickScreen
from .triage import StoreForm

if TYPE_CHECKING:
    from textual.app import App


@dataclass(frozen=True)
class Page:
    """A top-level page: an app mode with its own screen stack, and the key that shows it."""

    mode: str
    screen: type[Screen]
    key: str
    title: str
    tooltip: str
    footer: bool = True

    def binding(self) -> Binding:
        return Binding(self.key, f"mode({self.mode!r})", self.title, id=f"workbench.{self.mode}",
                       show=self.footer, group=PAGES_GROUP if self.footer else None, tooltip=self.tooltip)


PAGES_GROUP = Binding.Group("Pages")
PAGES: tuple[Page, ...] = (
    Page("browse", MainScreen, "b", "Browse", "Families, schemas and findings", footer=False),
    Page("checklist", ChecklistScreen, "c", "Checklist", "The checklist, derived from evidence"),
    Page("deltas", DeltasScreen, "d", "Deltas", "The delta register"),
    Page("matrix", MatrixScreen, "m", "Matrix", "Dependency matrix of the work packages and the downstream handoff"),
    Page("gates", GatesScreen, "g", "Gates", "CI gates and change classes"),
    Page("compat", CompatScreen, "v", "Compatibility",
         "Schema changes against a git ref (--against), like `workbench diff`"),
)
# StoreForm stands for its subclasses (add to family, new family, waive, baseline): they share its keys
DIALOGS: tuple[type[Screen], ...] = (FindingScreen, EditFamilyScreen, StoreForm, AgainstScreen, ConflictScreen,
                                     ConfirmScreen, TickScreen, HelpScreen)
SHARED = ("nav.", "item.")  # ids of bindings every page has (base.WorkbenchScreen): listed once


def modes() -> dict[str, str | Callable[[], Screen]]:
    return {page.mode: page.screen for page in PAGES}


def page_bindings() -> list[Binding]:
    return [page.binding() for page in PAGES]


def _bindings(cls, inherited: bool = True, textual: bool = False) -> list[Binding]:
    """A class's own BINDINGS plus (optionally) those it inherits, nearest first.

    Bindings from Textual's base classes are left out unless `textual` (widgets whose
    keys matter: the tree and the tables); the generic ones are listed once ("Focus").
    """
    out: list[Binding] = []
    seen: set[tuple[str, str]] = set()
    for klass in cls.__mro__ if inherited else (cls,):
        if not textual and not klass.__module__.startswith("workbench."):
            continue
        for b in Binding.make_bindings(klass.__dict__.get("BINDINGS", [])):
            if (b.key, b.action) in seen or not b.description or b.system:
                continue
            seen.add((b.key, b.action))
            out.append(b)
    return out


def binding_scopes(app: App) -> list[tuple[str, list[Binding]]]:
    """Every binding of the workbench, grouped by where it applies (read from BINDINGS)."""
    from ..widgets.browse import BrowseTree
    from ..widgets.findings import FilterInput, FindingsTable
    from .compat import CompatTable
    from .finding import LocationList

    everywhere = _bindings(type(app))
    if getattr(app, "ENABLE_COMMAND_PALETTE", False):
        everywhere.append(Binding(app.COMMAND_PALETTE_BINDING, "command_palette",
                                  "Command palette (every action, themes)"))
    scopes = [("Everywhere", everywhere), ("Focus", _bindings(Screen, textual=True)),
              ("Every page", _bindings(WorkbenchScreen, inherited=False))]
    for cls in (*(page.screen for page in PAGES), *DIALOGS):
        own = [b for b in _bindings(cls) if not (b.id or "").startswith(SHARED)]
        scopes.append((getattr(cls, "SCOPE", cls.__name__), own))
    scopes.append(("Browse tree", _bindings(BrowseTree, textual=True)))
    scopes.append(("Findings table", _bindings(FindingsTable, textual=True)))
    scopes.append(("Findings filter", _bindings(FilterInput, inherited=False)))
    scopes.append(("Locations", _bindings(LocationList, inherited=False)))
    scopes.append(("Compat table", _bindings(CompatTable, inherited=False)))
    return [(name, bindings) for name, bindings in scopes if bindings]


def binding_ids(app: App) -> set[str]:
    """Every binding id a keymap may name."""
    return {b.id for _scope, bindings in binding_scopes(app) for b in bindings if b.id}
