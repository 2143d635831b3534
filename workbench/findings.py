"""Findings: what rules report, and the formatting every presenter shares.

A finding is anchored by typed fields, not by parsing its message: the `file` it
is reported in (with `line` and JSON `pointer`), the `schema` and `family` it is
about, and `related` locations (the other side of an overlap, every copy of a
duplicated sub-schema). `subjects` are the names a waiver or a baseline entry
matches on, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = (
    "load", "validity", "overlap", "duplication", "drift",
    "governance", "compatibility", "provenance", "invocation", "pin", "wire", "export",
)
SEVERITIES = ("error", "warning", "info")
RANK = {"error": 3, "warning": 2, "info": 1}
Fingerprint = tuple[str, tuple[str, ...], str | None]  # what a baseline entry matches: rule, subjects, pointer
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` as valid Unicode: a lone surrogate (a JSON key may hold one, `"\\ud800"`) written as its
    escape `\\ud800`, as the text report shows it; what decisions/baseline.yaml records and matches."""
    return text if text.isascii() else _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True)
class Location:
    """A place a finding points at: a file (root-relative), optionally a line and a JSON pointer,
    and the schema / family that place belongs to."""

    file: str
    line: int | None = None
    pointer: str | None = None
    schema: str | None = None  # schema path
    family: str | None = None  # family id

    def text(self) -> str:
        """`file:line` (or just `file`)."""
        return f"{self.file}:{self.line}" if self.line else self.file

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in (("file", self.file), ("line", self.line), ("pointer", self.pointer),
                                  ("schema", self.schema), ("family", self.family)) if v is not None}


@dataclass(frozen=True)
class Finding:
    rule: str
    category: str
    severity: str
    message: str
    file: str
    line: int | None = None
    subjects: tuple[str, ...] = ()  # names waivers and baseline entries match on
    note: str = ""  # e.g. the reason a decision waived it
    pointer: str | None = None
    schema: str | None = None
    family: str | None = None
    related: tuple[Location, ...] = ()
    baselined: bool = False  # accepted in decisions/baseline.yaml: shown, never failing
    # rule-specific structured fields (JSON `data`, SARIF `properties`), e.g. C001's change/pointer/old/new/breaks/mode
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def path(self) -> str:
        """The file the finding is reported in (`file`)."""
        return self.file

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.pointer, self.schema, self.family)

    @property
    def where(self) -> str:
        """`file:line` (or just `file`), as every presenter shows it."""
        return self.location.text()

    @property
    def locations(self) -> tuple[Location, ...]:
        """Where it is reported, then every related place."""
        return (self.location, *self.related)

    @property
    def fingerprint(self) -> Fingerprint:
        """What a baseline entry matches: rule, subjects and pointer (not line or message), `storable`."""
        pointer = None if self.pointer is None else storable(self.pointer)
        return (self.rule, tuple(map(storable, self.subjects)), pointer)

    @property
    def names(self) -> frozenset[str]:
        """What a waiver's `subject` may name: a subject, or a file, schema or family the finding is about."""
        return frozenset((*self.subjects, *(loc.file for loc in self.locations), *self.schemas, *self.families))

    @property
    def families(self) -> tuple[str, ...]:
        """Every family the finding is about (its own, then related ones), each once."""
        return tuple(dict.fromkeys(loc.family for loc in self.locations if loc.family))

    @property
    def schemas(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(loc.schema for loc in self.locations if loc.schema))

    def text(self) -> str:
        """The message with the waiver note, as one string (for annotations and one-line outputs)."""
        return f"{self.message} ({self.note})" if self.note else self.message

    def sort_key(self) -> tuple[str, int, str, str, tuple[str, ...]]:
        return (self.file, self.line or 0, self.rule, self.message, self.subjects)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "path": self.file,
            "line": self.line,
            "subjects": list(self.subjects),
        }
        for key in ("pointer", "schema", "family"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.related:
            out["related"] = [loc.as_dict() for loc in self.related]
        if self.note:
            out["note"] = self.note
        if self.baselined:
            out["baselined"] = True
        if self.data:
            out["data"] = dict(self.data)
        return out


def at_least(severity: str, level: str) -> bool:
    return RANK[severity] >= RANK[level]


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then in report order (file, line, rule)."""
    return sorted(findings, key=lambda f: (-RANK[f.severity], f.sort_key()))


def worst(findings: Iterable[Finding]) -> str | None:
    """The highest severity among `findings`, None when there are none."""
    best = max((RANK[f.severity] for f in findings), default=0)
    return next((s for s in SEVERITIES if RANK[s] == best), None)
