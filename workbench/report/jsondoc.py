"""JSON report: the whole result, every finding with its anchors (baselined ones marked)."""

from __future__ import annotations

from ..engine import CheckResult
from . import reporter, sanitize


@reporter("json", is_json=True, order=10)
def render_json(result: CheckResult) -> str:
    doc = {"root": result.root, "summary": result.summary, "findings": [f.as_dict() for f in result.findings]}
    return sanitize.dumps(doc, indent=2, sort_keys=True) + "\n"
