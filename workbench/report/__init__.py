"""CLI presenters for a `CheckResult`: text, json, github, sarif."""

from __future__ import annotations

import json
from itertools import groupby

from rich.console import Console
from rich.text import Text

from ..engine import CheckResult
from ..findings import Finding

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
        console.print(Text(path, style="bold underline"))
        for f in group:
            line = Text("  ")
            line.append(f"{f.line or '-':>4}  ", style="dim")
            line.append(f"{f.severity:<7}", style=STYLE[f.severity])
            line.append(f" {f.rule} ", style="bold")
            line.append(f.message)  # file text is data: appended, never parsed as markup
            if f.note:
                line.append(f"  [{f.note}]", style="dim")
            console.print(line, soft_wrap=True)
        console.print()
    console.print(Text(summary_line(result), style="bold"))


def render_json(result: CheckResult) -> str:
    doc = {"root": result.root, "summary": result.summary, "findings": [f.as_dict() for f in result.findings]}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def render_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    kind = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for f in shown(result):
        props = [f"file={_gh_escape(f.path, True)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_gh_escape(f'{f.rule} {f.category}', True)}")
        out.append(f"::{kind[f.severity]} {','.join(props)}::{_gh_escape(f.text())}")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"


def render_sarif(result: CheckResult) -> str:
    from .sarif import sarif_log

    return json.dumps(sarif_log(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
