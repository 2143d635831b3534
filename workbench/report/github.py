"""GitHub Actions workflow commands: one annotation per finding not in the baseline."""

from __future__ import annotations

from ..engine import CheckResult
from . import reporter, sanitize
from .text import shown, summary_line

KIND = {"error": "error", "warning": "warning", "info": "notice"}


@reporter("github", order=20)
def render_github(result: CheckResult) -> str:
    """Each annotation carries file, line and title; its message includes the waiver's reason."""
    out = []
    for f in shown(result):
        props = [f"file={sanitize.gh_property(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={sanitize.gh_property(f'{f.rule} {f.category}')}")
        out.append(f"::{KIND[f.severity]} {','.join(props)}::{sanitize.gh_data(f.text())}")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"
