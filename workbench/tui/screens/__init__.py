"""Screens of the workbench TUI, one module each; `binding_scopes` feeds help and palette."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from textual.app import App


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


def binding_scopes(app: "App") -> list[tuple[str, list[Binding]]]:
    """Every binding of the workbench, grouped by where it applies (read from BINDINGS)."""
    from ..widgets.browse import BrowseTree
    from ..widgets.findings import FilterInput, FindingsTable
    from .checklist import ChecklistScreen
    from .conflict import ConflictScreen
    from .deltas import DeltasScreen
    from .edit_family import EditFamilyScreen
    from .gates import GatesScreen
    from .help import HelpScreen
    from .main import MainScreen
    from .matrix import MatrixScreen
    from .tick import TickScreen

    from textual.screen import Screen

    everywhere = _bindings(type(app))
    if getattr(app, "ENABLE_COMMAND_PALETTE", False):
        everywhere.append(Binding(app.COMMAND_PALETTE_BINDING, "command_palette", "Command palette (every action, themes)"))
    scopes = [("Everywhere", everywhere), ("Focus", _bindings(Screen, textual=True))]
    for cls in (MainScreen, ChecklistScreen, DeltasScreen, MatrixScreen, GatesScreen,
                EditFamilyScreen, ConflictScreen, TickScreen, HelpScreen):
        scopes.append((getattr(cls, "SCOPE", cls.__name__), _bindings(cls)))
    scopes.append(("Browse tree", _bindings(BrowseTree, textual=True)))
    scopes.append(("Findings table", _bindings(FindingsTable, textual=True)))
    scopes.append(("Findings filter", _bindings(FilterInput, inherited=False)))
    return [(name, bindings) for name, bindings in scopes if bindings]
