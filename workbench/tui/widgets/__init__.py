"""Widgets of the workbench TUI."""

from textual.widgets import Select

# the value of a Select with nothing chosen: `Select.NULL` from Textual 8, `Select.BLANK` before (7.5 is supported)
NO_SELECTION = Select.NULL if hasattr(Select, "NULL") else Select.BLANK
