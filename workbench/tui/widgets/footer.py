"""The footer every workbench screen shows: Textual's compact `Footer`, fitted to the width.

Textual's footer lays its keys out in a row and cuts the row at the screen's edge, so at
80 columns a key could end half shown (`x Ex`). This one drops whole keys instead, the
least useful first (`DROP_ORDER`: quitting by `q` before the pages, the pages before
help), and never the keys of what is selected (edit, open, details, add to family, ...):
those are what the footer is for. Help (`?`) lists everything that was dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

# binding ids (a group by its first binding's id), dropped in this order when the keys do not fit;
# any other key (what the screen offers for its selection) is dropped only after all of these
DROP_ORDER = (
    "browse.quit",  # ctrl+q quits everywhere
    "workbench.quit",
    "workbench.export",
    "browse.findings",  # tab, or the mouse, reaches the table too
    "workbench.checklist",  # the pages group (c d m g v)
    "browse.filter",
    "workbench.help",  # last: it lists every key
)
PALETTE = "command_palette"


@dataclass
class Unit:
    """What the footer shows as one piece: a key, or a group of keys with its label."""

    bindings: list[tuple[Binding, bool, str]]  # (binding, enabled, tooltip)
    group: Binding.Group | None = None

    @property
    def id(self) -> str:
        return self.bindings[0][0].id or self.bindings[0][0].action

    def width(self, display: dict[str, str]) -> int:
        """Cells it takes in a compact footer, its margin included."""
        if self.group is not None:  # " k k k Label ": each key with a collapsed one-cell margin, the label's
            keys = [display[b.action] for b, _e, _t in self.bindings]
            return sum(len(k) for k in keys) + len(keys) + 1 + len(self.group.description) + 1
        b = self.bindings[0][0]
        key = display[b.action]
        return len(key) + (1 + len(b.description) if b.description else 0) + 1


def fitting(units: list[Unit], room: int, display: dict[str, str]) -> list[Unit]:
    """`units` less the least useful ones, until they fit in `room` cells (order kept)."""
    kept = list(units)

    def rank(unit: Unit) -> int:
        return DROP_ORDER.index(unit.id) if unit.id in DROP_ORDER else len(DROP_ORDER)

    while kept and sum(u.width(display) for u in kept) > room:
        worst = min(range(len(kept)), key=lambda i: (rank(kept[i]), -i))  # of equals, the rightmost goes first
        del kept[worst]
    return kept


class WorkbenchFooter(Footer):
    """A compact footer that fits its width by dropping whole keys (see the module)."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0

    def _room(self) -> int:
        return self.size.width or self.screen.size.width or self.app.size.width

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        units: list[Unit] = []
        for group, same in groupby(by_action.values(), lambda multi: multi[0][0].group):
            multis = list(same)
            if group is not None and len(multis) > 1:
                units.append(Unit([m[0] for m in multis], group))
            else:
                units.extend(Unit([m[0]]) for m in multis)
        display = {b.action: self.app.get_key_display(b) for u in units for b, _e, _t in u.bindings}
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if (
            self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE) else None
        room = self._width = self._room()
        if palette is not None:
            _node, binding, _enabled, _tooltip = palette
            room -= len(self.app.get_key_display(binding)) + 1 + len(binding.description) + 2  # "▏^p palette "
        for unit in fitting(units, room, display):
            if unit.group is not None:
                with KeyGroup(classes="-compact" if unit.group.compact else ""):
                    for binding, enabled, tooltip in unit.bindings:
                        yield FooterKey(binding.key, display[binding.action], "", binding.action,
                                        disabled=not enabled, tooltip=tooltip or binding.description,
                                        classes="-grouped").data_bind(compact=Footer.compact)
                yield FooterLabel(unit.group.description)
            else:
                binding, enabled, tooltip = unit.bindings[0]
                yield FooterKey(binding.key, display[binding.action], binding.description, binding.action,
                                disabled=not enabled, tooltip=tooltip).data_bind(compact=Footer.compact)
        if palette is not None:
            _node, binding, enabled, tooltip = palette
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)

    def on_resize(self) -> None:
        if self._bindings_ready and self.size.width != self._width:
            self.call_after_refresh(self.recompose)
