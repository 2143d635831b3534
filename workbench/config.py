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
    additive: bool = True  # the additive reading unless asked for the strict one
    tier_additive: tuple[tuple[str, bool], ...] = ()  # `tiers: {T: {additive: false}}`: the reading per tier

    def tier_mode(self, tier: str | None) -> str | None:
        return dict(self.tiers).get(tier or "")

    def tier_reading(self, tier: str | None) -> bool | None:
        return dict(self.tier_additive).get(tier or "")

    @classmethod
    def read(cls, data: Any) -> Compatibility:
        """From workspace.yaml's `compatibility:` (a tier's value: a mode, or `{mode, additive}`)."""
        data = data if isinstance(data, dict) else {}
        tiers = data.get("tiers") if isinstance(data.get("tiers"), dict) else {}
        entries = {t: v if isinstance(v, dict) else {"mode": v} for t, v in tiers.items()}
        return cls(data.get("mode"),
                   tuple(sorted((t, v["mode"]) for t, v in entries.items() if isinstance(v.get("mode"), str))),
                   data["additive"] if isinstance(data.get("additive"), bool) else True,
                   tuple(sorted((t, v["additive"]) for t, v in entries.items() if isinstance(v.get("additive"), bool))))


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
class Wire:
    """`wire:` in workspace.yaml: the proto skeleton `workbench export` generates, and the folder the
    buf gate judges. Nothing is generated without a `package`; the gate runs whenever `out` holds
    `.proto` files."""

    package: str | None = None  # proto package, e.g. dome.gateway.v1
    out: str = "proto"  # the proto folder (buf module root), inside the root
    families: tuple[str, ...] | None = None  # families whose schemas are mapped (None: every new/extend family
    # whose wire_mapping is not "none: ...")
    string_enums: tuple[str, ...] = ()  # schema locations (`path#/pointer`) whose string enums stay `string`


@dataclass(frozen=True)
class WorkspaceConfig:
    schema_globs: tuple[str, ...] = ("ssot/schemas/**/*.schema.json",)
    shared_globs: tuple[str, ...] = ("ssot/schemas/common/**/*.schema.json",)
    dialect: str = "2020-12"  # `schemas.dialect`: how a schema that declares no `$schema` is read
    # `schemas.dialects`: (custom `$schema` URI, the standard dialect it builds on), sorted
    dialects: tuple[tuple[str, str], ...] = ()
    # `schemas.aliases`: (URI prefix, folder relative to the root, "" for the root), longest prefix first
    aliases: tuple[tuple[str, str], ...] = ()
    example_patterns: tuple[str, ...] = ("ssot/examples/{name}.json", "ssot/examples/{name}/*.json")
    intent_classes: tuple[str, ...] = DEFAULT_INTENT_CLASSES
    stability_tiers: tuple[str, ...] = DEFAULT_TIERS
    thresholds: Thresholds = field(default_factory=Thresholds)
    budgets: Budgets = field(default_factory=Budgets)
    export_out: str = "doc/m0-runtime-contract-freeze"
    wire: Wire = field(default_factory=Wire)
    export_set: bool = False  # `export.out` is written in workspace.yaml: the plan's documents are expected (E001)
    compatibility: Compatibility = field(default_factory=Compatibility)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES  # `limits.max_file_bytes`: larger files are refused, not read
    # `limits.max_total_bytes`: schemas and examples read in all; the files past it are refused, not read
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES
    # `limits.content_folders`: folders added to `content_folders` (["."] opts out of the policy)
    extra_content_folders: tuple[str, ...] = ()
    # (dotted key, value set, ceiling applied) of each limit workspace.yaml set above its ceiling
    capped: tuple[tuple[str, Any, Any], ...] = ()
    undecided: str = "warning"  # `governance.undecided`: the severity of G001
    # `examples.map`: (schema glob, example globs): every file an example glob matches is an example
    # of every schema the schema glob matches; applies alongside `example_patterns`
    example_map: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # `pins.manifests`: globs of the upstream pin manifests (each pins the files of its folder)
    pin_manifests: tuple[str, ...] = ("ssot/pins/*/pin_manifest.json",)
    # line in workspace.yaml of each configured pattern, by ("schemas.globs", pattern),
    # ("schemas.shared_globs", p), ("examples.patterns", p), ("examples.map", schema glob[, example glob]),
    # ("pins.manifests", p)
    pattern_lines: dict[tuple[str, ...], int] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def content_folders(self) -> tuple[str, ...]:
        """Every schema, example and pin glob stays in these: the top folder of each `schemas.globs`,
        `examples.patterns` and `pins.manifests` entry ("." when one starts with a wildcard) and those
        `limits.content_folders` adds."""
        return tuple(sorted(set(_tops(self.schema_globs + self.example_patterns + self.pin_manifests))
                            | set(self.extra_content_folders)))

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
        pins = data.get("pins") or {}
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
        pin_manifests = listed(pins, ("pins", "manifests"), base.pin_manifests)  # pin folders hold content too
        folders = limits.get("content_folders")
        return cls(
            schema_globs=schema_globs,
            shared_globs=listed(schemas, ("schemas", "shared_globs"), base.shared_globs),
            dialect=schemas.get("dialect") or base.dialect,
            dialects=tuple(sorted((uri, name) for uri, name in (schemas.get("dialects") or {}).items()
                                  if isinstance(name, str))),
            aliases=tuple(sorted(((prefix, folder.strip("/").removeprefix("./").strip("/") if folder.strip("/") != "."
                                   else "") for prefix, folder in (schemas.get("aliases") or {}).items()
                                  if isinstance(folder, str)), key=lambda a: (-len(a[0]), a[0]))),
            example_patterns=example_patterns,
            example_map=example_map,
            pin_manifests=pin_manifests,
            pattern_lines=where,
            intent_classes=tuple(data.get("intent_classes", base.intent_classes)),
            stability_tiers=tuple(data.get("stability_tiers", base.stability_tiers)),
            thresholds=Thresholds(**thresholds),
            budgets=Budgets(**budgets),
            export_out=(data.get("export") or {}).get("out", base.export_out),
            wire=_wire(data.get("wire") or {}),
            export_set=(data.get("export") or {}).get("out") is not None,
            compatibility=Compatibility.read(compat),
            max_file_bytes=max_file_bytes,
            max_total_bytes=max_total_bytes,
            extra_content_folders=tuple(sorted({posixpath.normpath(f) for f in (folders if isinstance(folders, list)
                                                                                else ()) if isinstance(f, str)})),
            capped=tuple(capped),
            undecided=(data.get("governance") or {}).get("undecided", base.undecided),
        )


def _wire(data: dict[str, Any]) -> Wire:
    families = data.get("families")
    return Wire(data.get("package"), data.get("out") or Wire.out,
                tuple(families) if isinstance(families, list) else None, tuple(data.get("string_enums") or ()))


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
