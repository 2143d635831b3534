"""Text report: findings grouped by file, for a human at a terminal or in a CI log."""

from __future__ import annotations

import io
import os
from itertools import groupby
from typing import TextIO

from rich.console import Console
from rich.text import Text

from ..engine import CheckResult
from ..findings import Finding
from . import reporter, sanitize

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def console_for(stream: TextIO) -> Console:
    """Colour only on a terminal (and never with NO_COLOR); lines never re-wrapped in logs."""
    color = stream.isatty() and "NO_COLOR" not in os.environ
    return Console(file=stream, no_color=not color, force_terminal=color, highlight=False,
                   width=None if color else 200, soft_wrap=not color)


def summary_line(result: CheckResult) -> str:
    s = result.summary
    accepted = (f"; {s['baselined']} accepted in decisions/baseline.yaml, not shown (--no-baseline shows them)"
                if s["baselined"] else "")
    return f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info in {len(result.rules)} rules{accepted}"


def shown(result: CheckResult) -> list[Finding]:
    """The findings a human-facing report lists: those the baseline does not accept."""
    return [f for f in result.findings if not f.baselined]


def print_text(result: CheckResult, console: Console) -> None:
    """Grouped by file; file text is data: appended, never parsed as markup."""
    for path, group in groupby(shown(result), key=lambda f: f.path):
        console.print(Text(sanitize.text(path), style="bold underline"), soft_wrap=True)  # never re-wrapped
        for f in group:
            line = Text("  ")
            line.append(f"{f.line or '-':>4}  ", style="dim")
            line.append(f"{f.severity:<7}", style=STYLE[f.severity])
            line.append(f" {sanitize.text(f.rule)} ", style="bold")
            line.append(sanitize.text_block(f.message))
            if f.note:
                line.append(f"  [{sanitize.text(f.note)}]", style="dim")
            console.print(line, soft_wrap=True)
        console.print()
    console.print(Text(summary_line(result), style="bold"))


@reporter("text", order=0)
def render_text(result: CheckResult, stream: TextIO | None = None) -> str:
    """The text report; written to `stream` (coloured when it is a terminal) when given, else returned plain."""
    if stream is not None:
        print_text(result, console_for(stream))
        return ""
    out = io.StringIO()
    print_text(result, console_for(out))
    return out.getvalue()
