"""CLI presenters for a `CheckResult`: text, json, github, sarif.

Every string that comes from the repository goes through `report.sanitize`
(escaping rules per output are documented there).
"""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.text import Text

from ..engine import CheckResult
from ..findings import Finding
from . import sanitize

FORMATS = ("text", "json", "github", "sarif")
STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def summary_line(result: CheckResult) -> str:
    s = result.summary
    accepted = (f"; {s['baselined']} accepted in decisions/baseline.yaml, not shown (--no-baseline shows them)"
                if s["baselined"] else "")
    return f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info in {len(result.rules)} rules{accepted}"


def shown(result: CheckResult) -> list[Finding]:
    """The findings a human-facing report lists: those the baseline does not accept."""
    return [f for f in result.findings if not f.baselined]


def render_text(result: CheckResult, console: Console) -> None:
    """Grouped by file; colour only on a terminal (rich honours NO_COLOR)."""
    for path, group in groupby(shown(result), key=lambda f: f.path):
        console.print(Text(sanitize.text(path), style="bold underline"), soft_wrap=True)  # never re-wrapped
        for f in group:
            line = Text("  ")
            line.append(f"{f.line or '-':>4}  ", style="dim")
            line.append(f"{f.severity:<7}", style=STYLE[f.severity])
            line.append(f" {sanitize.text(f.rule)} ", style="bold")
            line.append(sanitize.text_block(f.message))  # file text is data: appended, never parsed as markup
            if f.note:
                line.append(f"  [{sanitize.text(f.note)}]", style="dim")
            console.print(line, soft_wrap=True)
        console.print()
    console.print(Text(summary_line(result), style="bold"))


def render_json(result: CheckResult) -> str:
    doc = {"root": result.root, "summary": result.summary, "findings": [f.as_dict() for f in result.findings]}
    return sanitize.dumps(doc, indent=2, sort_keys=True) + "\n"


def render_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: one annotation per finding (the waiver's reason in its message)."""
    kind = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for f in shown(result):
        props = [f"file={sanitize.gh_property(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={sanitize.gh_property(f'{f.rule} {f.category}')}")
        out.append(f"::{kind[f.severity]} {','.join(props)}::{sanitize.gh_data(f.text())}")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"


def render_sarif(result: CheckResult) -> str:
    from .sarif import sarif_log

    return sanitize.dumps(sarif_log(result), indent=2, sort_keys=True) + "\n"
