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
from textual.screen import Screen
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


@dataclass(frozen=True)
class Key:
    """One key as the footer shows it (what `FooterKey` is built from); `group` labels grouped keys."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str
    group: str | None = None  # the label of the group this key belongs to
    compact_group: bool = False
    palette: bool = False


class WorkbenchFooter(Footer):
    """A compact footer that fits its width by dropping whole keys (see the module).

    It is rebuilt only when what it shows changes: Textual signals a bindings change on every
    focus move, and rebuilding the keys each time costs more than everything else a key press does."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0
        self._shown: tuple[Key, ...] | None = None

    def _room(self) -> int:
        return self.size.width or self.screen.size.width or self.app.size.width

    def _keys(self) -> tuple[Key, ...]:
        """The keys to show now, in order (see `fitting`)."""
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
        keys: list[Key] = []
        for unit in fitting(units, room, display):
            if unit.group is not None:
                keys.extend(Key(b.key, display[b.action], "", b.action, enabled, tooltip or b.description,
                                unit.group.description, unit.group.compact) for b, enabled, tooltip in unit.bindings)
            else:
                b, enabled, tooltip = unit.bindings[0]
                keys.append(Key(b.key, display[b.action], b.description, b.action, enabled, tooltip))
        if palette is not None:
            _node, b, enabled, _tooltip = palette
            keys.append(Key(b.key, self.app.get_key_display(b), b.description, b.action, enabled,
                            b.tooltip or b.description, palette=True))
        return tuple(keys)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._shown = keys = self._keys()
        for label, same in groupby(keys, lambda k: k.group):
            grouped = list(same)
            if label is not None:
                with KeyGroup(classes="-compact" if grouped[0].compact_group else ""):
                    for k in grouped:
                        yield FooterKey(k.key, k.display, "", k.action, disabled=not k.enabled,
                                        tooltip=k.tooltip, classes="-grouped").data_bind(compact=Footer.compact)
                yield FooterLabel(label)
                continue
            for k in grouped:
                yield FooterKey(k.key, k.display, k.description, k.action, disabled=not k.enabled,
                                tooltip=k.tooltip, classes="-command-palette" if k.palette else ""
                                ).data_bind(compact=Footer.compact)

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._refresh_keys)

    async def _refresh_keys(self) -> None:
        if self.is_attached and self._keys() != self._shown:
            await self.recompose()

    def on_resize(self) -> None:
        if self._bindings_ready and self.size.width != self._width:
            self.call_after_refresh(self.recompose)
