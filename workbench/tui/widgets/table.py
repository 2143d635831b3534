"""A DataTable that fits its width: flexible columns share what fixed ones leave,
long cells end in "…" (no sideways scrolling) or wrap onto more lines, rows keep the cursor on resize."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable

# (label, width[, "left" | "wrap"]): an int width is fixed; None (weight 1.0) or a float weight shares
# the width left over; "left" cuts long cells at the start (paths keep their file name), "wrap" wraps them
# (the row grows as tall as its tallest cell: nothing is cut).
Column = tuple


class FitTable(DataTable):
    DEFAULT_CSS = """
    FitTable { overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None, min_flex: int = 12) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.min_flex = min_flex
        self._fit_spec: list[Column] = []
        self._fit_rows: list[list[Text]] = []
        self._fit_widths: list[int] = []

    def set_data(self, columns: list[Column], rows: list[list[Text]], cursor: int | None = None) -> None:
        """Replace columns and rows; the cursor stays on `cursor` (default: the same row index)."""
        keep = self.cursor_row if cursor is None else cursor
        y = self.scroll_y
        rows = [list(r) for r in rows]
        if list(columns) != self._fit_spec or rows != self._fit_rows:  # the same rows (a re-check that changed
            self._fit_spec, self._fit_rows = list(columns), rows  # nothing here): thousands need no re-render
            self._render_rows()
        if self._fit_rows:
            self.move_cursor(row=max(0, min(keep, len(self._fit_rows) - 1)), animate=False, scroll=False)
        self.scroll_to(y=y, animate=False, immediate=True)

    def _fit(self) -> list[int]:
        """Column widths: ints are fixed; None (weight 1) or a float weight share the rest."""
        parent = self.parent
        width = self.size.width or (parent.size.width if isinstance(parent, Widget) else 0) or 100
        scrollbar = self.styles.scrollbar_size_vertical or 0
        pad = 2 * self.cell_padding
        widths = [col[1] if isinstance(col[1], int) else 0 for col in self._fit_spec]
        weights = {i: (1.0 if col[1] is None else float(col[1])) for i, col in enumerate(self._fit_spec)
                   if not isinstance(col[1], int)}
        if weights:
            left = width - scrollbar - sum(widths) - pad * len(self._fit_spec)
            total = sum(weights.values())
            for i, weight in weights.items():
                widths[i] = max(self.min_flex, int(left * weight / total))
            last = max(weights)
            widths[last] = max(self.min_flex, widths[last] + left - sum(widths[i] for i in weights))
        return widths

    def _render_rows(self) -> None:
        widths = self._fit()
        self._fit_widths = widths
        self.clear(columns=True)
        for col, width in zip(self._fit_spec, widths, strict=True):
            self.add_column(Text(col[0]), width=width)
        how = [col[2] if len(col) > 2 else "" for col in self._fit_spec]
        for i, row in enumerate(self._fit_rows):
            cells = []
            height = 1
            for cell, width, mode in zip(row, widths, how, strict=False):  # a short row: its cells
                if cell.cell_len > width:
                    if mode == "left":
                        cell = Text("…") + cell[len(cell) - width + 1:]
                    elif mode == "wrap":
                        lines = cell.wrap(self.app.console, width)
                        height = max(height, len(lines))
                        cell = Text("\n").join(lines)
                    else:
                        cell = cell.copy()
                        cell.truncate(width, overflow="ellipsis")
                cells.append(cell)
            self.add_row(*cells, key=str(i), height=height)

    def on_resize(self) -> None:
        if self._fit_spec and self._fit() != self._fit_widths:
            row, y = self.cursor_row, self.scroll_y
            self._render_rows()
            if self._fit_rows:
                self.move_cursor(row=max(0, min(row, len(self._fit_rows) - 1)), animate=False, scroll=False)
            self.scroll_to(y=y, animate=False, immediate=True)
