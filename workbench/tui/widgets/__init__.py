"""Widgets of the workbench TUI."""
