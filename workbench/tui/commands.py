"""Command palette (ctrl+p): every bound action, plus "go to" any family or schema.

Actions come from the same BINDINGS the footer and the help screen read, so the
palette never drifts from the keys. Text from workspace files is passed as
`rich.text.Text` (the palette treats plain strings as markup).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .host import host

if TYPE_CHECKING:
    from textual.app import App
    from textual.binding import Binding
    from textual.dom import DOMNode
    from textual.screen import Screen


def literal_markup(text: str) -> str:
    """Text for an API that insists on markup: every `[` escaped (textual's escape misses `[TODO]`)."""
    return text.replace("[", "\\[")


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]
    discover: bool = True


class WorkbenchCommands(Provider):
    """Every action of the app and the current screen, and navigation to any node."""

    def _commands(self) -> list[PaletteCommand]:
        app = host(self)
        screen = self.screen
        out: list[PaletteCommand] = []
        seen: set[str] = set()
        for scope, bindings, target in _action_sources(self.app, screen):
            for b in bindings:
                if not b.description or b.action in seen:
                    continue
                if target is screen and screen.check_action(b.action.split("(")[0], ()) is False:
                    continue
                seen.add(b.action)
                key = app.effective_key(b)
                title = f"{b.description} ({key})"
                out.append(PaletteCommand(title, literal_markup(b.tooltip or scope),
                                          partial(app.run_action, b.action, target)))
        snap = app.snapshot
        if snap is not None:
            from .view import FAMILY, SCHEMA, NodeRef

            for fam in snap.ws.families:
                out.append(PaletteCommand(f"Go to family {fam.id}", literal_markup(fam.path),
                                          partial(_goto, app, NodeRef(FAMILY, fam.id)), discover=False))
            for s in snap.ws.schemas:
                out.append(PaletteCommand(f"Go to schema {s.name}", literal_markup(s.path),
                                          partial(_goto, app, NodeRef(SCHEMA, s.path)), discover=False))
        return out

    async def discover(self) -> Hits:
        for cmd in self._commands():
            if cmd.discover:
                yield DiscoveryHit(Text(cmd.title), cmd.run, text=cmd.title, help=cmd.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for cmd in self._commands():
            score, offsets = matcher.fuzzy_search.match(query, cmd.title)
            if score > 0:
                label = Text(cmd.title)
                for i in offsets:
                    label.stylize("bold reverse", i, i + 1)
                yield Hit(score, label, cmd.run, text=cmd.title, help=cmd.help)


def _action_sources(app: App[Any], screen: Screen[Any] | None) -> list[tuple[str, list[Binding], DOMNode]]:
    """(scope, bindings, the node they act on): the screen's first, then the app's."""
    from textual.binding import Binding

    sources: list[tuple[str, list[Binding], DOMNode]] = [("workbench", list(Binding.make_bindings(app.BINDINGS)), app)]
    if screen is not None and not screen.__class__.__module__.startswith("textual."):
        scope = getattr(screen, "SCOPE", "this screen")
        sources.insert(0, (scope, list(Binding.make_bindings(screen.BINDINGS)), screen))
    return sources


async def _goto(app, ref) -> None:
    """Show `ref` in the browse tree: a filter hiding it is cleared (the notification says so); a node
    the tree does not have says why nothing moved."""
    from .screens.main import MainScreen

    await app.action_mode("browse")
    main = app.screen
    if isinstance(main, MainScreen) and not main.select_ref(ref, focus_tree=True, clear_filter=True):
        app.notify(f"{ref.kind} {ref.key} is not in the browse tree (reloaded meanwhile?)", timeout=4, markup=False)
