"""Workspace configuration (`decisions/workspace.yaml`): what another repo changes.

The limits (`budgets`, `thresholds.max_nesting`, `limits.*`) are bounded by `Ceilings`,
the built-in defaults: the repository may lower a limit, never raise it (a pull request
edits workspace.yaml too). A value above its ceiling is replaced by the ceiling and
recorded in `WorkspaceConfig.capped` (the loader reports it); `--raise-limits` on the
command line (`ceilings=None`) lets a repository the caller trusts raise them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

DEFAULT_INTENT_CLASSES = ("resource_spec", "status", "job_invocation", "event_log", "error")
DEFAULT_TIERS = ("stable/v1", "experimental", "internal")
DECISION_VALUES = ("reuse", "extend", "new")
COMPAT_MODES = ("backward", "forward", "full", "none")


@dataclass(frozen=True)
class Compatibility:
    """`compatibility:` in workspace.yaml: the mode for the workspace and per tier, and the `additive` reading.
    None means "not set here" (the family record, then the built-in tier/decision default decide)."""

    mode: str | None = None
    tiers: tuple[tuple[str, str], ...] = ()
    additive: bool | None = None

    def tier_mode(self, tier: str | None) -> str | None:
        return dict(self.tiers).get(tier or "")


@dataclass(frozen=True)
class Thresholds:
    overlap_warning: float = 0.6
    overlap_min_shared: int = 4
    duplication_min_properties: int = 3
    max_nesting: int = 64


@dataclass(frozen=True)
class Budgets:
    """Per-schema limits of the structural analysis (overlap, duplication, drift facts).

    A schema that exceeds one is analysed up to the limit and gets an L002 info
    finding naming the budget and where; the rest of the check goes on.
    """

    leaves: int = 5000  # instance-path leaves extracted from one schema
    depth: int = 24  # instance nesting followed below the schema root
    steps: int = 500_000  # leaves composed while extracting one schema (the work: deterministic)
    seconds: float = 20.0  # wall-clock time for one schema's extraction (a last resort: machine-dependent)


DEFAULT_MAX_FILE_BYTES = 20_000_000
DEFAULT_MAX_TOTAL_BYTES = 100_000_000


@dataclass(frozen=True)
class Ceilings:
    """The most decisions/workspace.yaml may set each limit to."""

    budgets: Budgets = field(default_factory=Budgets)
    max_nesting: int = Thresholds.max_nesting
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES


CEILINGS = Ceilings()


@dataclass(frozen=True)
class WorkspaceConfig:
    schema_globs: tuple[str, ...] = ("ssot/schemas/**/*.schema.json",)
    shared_globs: tuple[str, ...] = ("ssot/schemas/common/**/*.schema.json",)
    dialect: str = "2020-12"  # `schemas.dialect`: how a schema that declares no `$schema` is read
    # `schemas.dialects`: (custom `$schema` URI, the standard dialect it builds on), sorted
    dialects: tuple[tuple[str, str], ...] = ()
    example_patterns: tuple[str, ...] = ("ssot/examples/{name}.json", "ssot/examples/{name}/*.json")
    intent_classes: tuple[str, ...] = DEFAULT_INTENT_CLASSES
    stability_tiers: tuple[str, ...] = DEFAULT_TIERS
    thresholds: Thresholds = field(default_factory=Thresholds)
    budgets: Budgets = field(default_factory=Budgets)
    export_out: str = "doc/m0-runtime-contract-freeze"
    compatibility: Compatibility = field(default_factory=Compatibility)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES  # `limits.max_file_bytes`: larger files are refused, not read
    # `limits.max_total_bytes`: schemas and examples read in all; the files past it are refused, not read
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES
    # every schema and example glob stays in these: the top folder of each `schemas.globs` and `examples.patterns`
    # entry ("." when one starts with a wildcard) and those `limits.content_folders` adds (["."] opts out)
    content_folders: tuple[str, ...] = ("ssot",)
    # (dotted key, value set, ceiling applied) of each limit workspace.yaml set above its ceiling
    capped: tuple[tuple[str, Any, Any], ...] = ()
    undecided: str = "warning"  # `governance.undecided`: the severity of G001
    # `examples.map`: (schema glob, example globs): every file an example glob matches is an example
    # of every schema the schema glob matches; applies alongside `example_patterns`
    example_map: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # line in workspace.yaml of each configured pattern, by ("schemas.globs", pattern),
    # ("schemas.shared_globs", p), ("examples.patterns", p), ("examples.map", schema glob[, example glob])
    pattern_lines: dict[tuple[str, ...], int] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def line(self, *where: str) -> int | None:
        """Line in workspace.yaml of a configured pattern (`line("schemas.globs", pattern)`), else of its list."""
        while where and where not in self.pattern_lines:
            where = where[:-1]
        return self.pattern_lines.get(where) if where else None

    @classmethod
    def from_data(cls, data: dict[str, Any], lines: dict[tuple[Any, ...], int] | None = None,
                  ceilings: Ceilings | None = CEILINGS) -> WorkspaceConfig:
        """Build from validated `workspace.yaml` data (`lines`: its field lines by path, as parsed); absent
        keys keep defaults. Entries the loader dropped as invalid (left as None) are skipped. A limit
        above its ceiling in `ceilings` is capped (None: no ceiling, for `--raise-limits`)."""
        base = cls()
        capped: list[tuple[str, Any, Any]] = []

        def limit(key: str, value: Any, ceiling: Any) -> Any:
            """`value` (a limit set under `key`) within `ceiling`."""
            if ceilings is not None and value > ceiling:
                capped.append((key, value, ceiling))
                return ceiling
            return value

        lines = lines or {}
        schemas = data.get("schemas") or {}
        examples = data.get("examples") or {}
        where: dict[tuple[str, ...], int] = {}

        def strings(path: tuple[str, ...], value: Any) -> tuple[str, ...]:
            """The string entries of the list at `path`, their lines recorded under the dotted path."""
            key = ".".join(path[:2])
            out = []
            for i, item in enumerate(value if isinstance(value, list) else []):
                if isinstance(item, str):
                    out.append(item)
                    _note(where, (key, *path[2:], item), lines.get((*path, i)))
            _note(where, (key, *path[2:]), lines.get(path))
            return tuple(out)

        def listed(section: dict[str, Any], path: tuple[str, str], default: tuple[str, ...]) -> tuple[str, ...]:
            return strings(path, section[path[1]]) if path[1] in section else default

        example_map = tuple(
            (glob, strings(("examples", "map", glob), targets))
            for glob, targets in (examples.get("map") or {}).items() if isinstance(targets, list)
        )
        _note(where, ("examples.map",), lines.get(("examples", "map")))
        compat = data.get("compatibility") or {}
        thresholds = {
            k: v for k, v in (data.get("thresholds") or {}).items() if k in Thresholds.__dataclass_fields__
        }
        top = ceilings or CEILINGS
        if "max_nesting" in thresholds:
            thresholds["max_nesting"] = limit("thresholds.max_nesting", thresholds["max_nesting"], top.max_nesting)
        budgets = {k: limit(f"budgets.{k}", v, getattr(top.budgets, k))
                   for k, v in (data.get("budgets") or {}).items() if k in Budgets.__dataclass_fields__}
        limits = data.get("limits") or {}
        max_file_bytes = limit("limits.max_file_bytes", limits.get("max_file_bytes", base.max_file_bytes),
                               top.max_file_bytes)
        max_total_bytes = limit("limits.max_total_bytes", limits.get("max_total_bytes", base.max_total_bytes),
                                top.max_total_bytes)
        schema_globs = listed(schemas, ("schemas", "globs"), base.schema_globs)
        example_patterns = listed(examples, ("examples", "patterns"), base.example_patterns)
        folders = limits.get("content_folders")
        return cls(
            schema_globs=schema_globs,
            shared_globs=listed(schemas, ("schemas", "shared_globs"), base.shared_globs),
            dialect=schemas.get("dialect") or base.dialect,
            dialects=tuple(sorted((uri, name) for uri, name in (schemas.get("dialects") or {}).items()
                                  if isinstance(name, str))),
            example_patterns=example_patterns,
            example_map=example_map,
            pattern_lines=where,
            intent_classes=tuple(data.get("intent_classes", base.intent_classes)),
            stability_tiers=tuple(data.get("stability_tiers", base.stability_tiers)),
            thresholds=Thresholds(**thresholds),
            budgets=Budgets(**budgets),
            export_out=(data.get("export") or {}).get("out", base.export_out),
            compatibility=Compatibility(compat.get("mode"), tuple(sorted((compat.get("tiers") or {}).items())),
                                        compat.get("additive")),
            max_file_bytes=max_file_bytes,
            max_total_bytes=max_total_bytes,
            content_folders=tuple(sorted(set(_tops(schema_globs + example_patterns)).union(
                posixpath.normpath(f) for f in (folders if isinstance(folders, list) else ())))),
            capped=tuple(capped),
            undecided=(data.get("governance") or {}).get("undecided", base.undecided),
        )


def _note(where: dict[tuple[str, ...], int], key: tuple[str, ...], line: int | None) -> None:
    if line is not None:
        where.setdefault(key, line)


def _tops(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The top folder of each pattern ("." for one starting with a wildcard or naming a root file), sorted."""
    tops = set()
    for pattern in patterns:
        head, sep, _ = posixpath.normpath(pattern.replace("\\", "/")).partition("/")
        tops.add(head if sep and head and not any(c in head for c in "*?[{") else ".")
    return tuple(sorted(tops))
