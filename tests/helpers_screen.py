"""The text a Pilot test's screen shows, line by line (what a person would read)."""

from __future__ import annotations


def screen_lines(app) -> list[str]:
    """The current screen as plain text lines (styles dropped)."""
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


def footer_line(app) -> str:
    return screen_lines(app)[-1]
