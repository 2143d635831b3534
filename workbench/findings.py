"""Findings: what rules report, and what every presenter shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

CATEGORIES = (
    "load", "validity", "overlap", "duplication", "drift",
    "governance", "compatibility", "provenance", "invocation", "export",
)
SEVERITIES = ("error", "warning", "info")
RANK = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True)
class Finding:
    rule: str
    category: str
    severity: str
    message: str
    path: str
    line: int | None = None
    subjects: tuple[str, ...] = ()
    note: str = ""  # e.g. the reason a decision waived it
    # rule-specific structured fields (JSON `data`, SARIF `properties`), e.g. C001's change/pointer/old/new/breaks/mode
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.rule, self.message, self.subjects)

    def as_dict(self) -> dict:
        out = {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "subjects": list(self.subjects),
        }
        if self.note:
            out["note"] = self.note
        if self.data:
            out["data"] = dict(self.data)
        return out


def at_least(severity: str, level: str) -> bool:
    return RANK[severity] >= RANK[level]
