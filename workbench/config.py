"""Workspace configuration (`decisions/workspace.yaml`): what another repo changes.

The limits are bounded by `Ceilings`: a value above its ceiling is replaced by the ceiling and
recorded in `WorkspaceConfig.capped` (the loader reports it); `--raise-limits` (`ceilings=None`)
lets a repository the caller trusts raise them. The rest of this docstring is the user reference
of the workspace's files, rendered into docs/reference/workspace.md by `make docs`.

# The workspace: files, limits, dialects, references, examples

## `ssot/`
- `ssot/schemas/NAME.schema.json`: one JSON Schema (draft 2020-12) per contract.
  No `$id` is needed: each schema's base URI is `file:///` + its path relative
  to the root, so relative `$ref`s (`common/ids.schema.json#/$defs/run_id`)
  resolve inside the workspace. A `$ref` that resolves to `http(s)://` is a
  finding, never fetched.
- `ssot/schemas/common/*.schema.json`: shared `$defs` libraries (identifiers,
  hashes, timestamps). They belong to no family (config `schemas.shared_globs`).
- `ssot/examples/NAME.json` and `ssot/examples/NAME/*.json`: examples of
  `ssot/schemas/NAME.schema.json`; every one must validate. Examples elsewhere,
  or in YAML/TOML, are configured in `workspace.yaml` (`examples`).
- `ssot/pins/UPSTREAM/`: files copied from an upstream repository, pinned by
  hash in the folder's `pin_manifest.json` (found by `pins.manifests`; its shape
  is `workbench/decisions_schemas/pin_manifest.schema.json`):
  ```json
  {"source_repository": "github.com/dome-platform/xtrlv2", "source_ref": "v2.4.0",
   "artifacts": [{"local_path": "ssot/pins/xtrlv2/artifact.attestation.schema.json",
                  "upstream_path": "contracts/artifact.attestation.schema.json",
                  "sha256": "485ed866...", "kind": "schema"}]}
  ```
  `local_path` is root-relative (a path leaving the root is an L001); `kind` is
  `schema` (default for `*.schema.json`) or `file` (hashed only). The loader
  (`loader/pins.py`) hashes every artifact (SHA-256 of its bytes, through the
  containment policy) and lists the folder for files no entry names. A pinned
  schema loads read-only as an upstream schema (`SchemaDoc.pin`): a family
  reuses it by naming it in `schemas`; one no family reuses is neither
  undecided (G001) nor owed an example (V006), and `init` writes no family for
  it. Overlap, duplication, drift and C001 treat pinned schemas like any other
  (a local copy of an upstream concept is an O001, or an O002 for a `new`
  family; a pin update is classified against `--against`); U001-U003 judge the
  pins themselves. The docs list every pin (repository, ref, source path, hash,
  the families depending on it) and the TUI marks pinned schemas `(pinned)`,
  shows their provenance and refuses to open them in an editor.

## `decisions/`

One small YAML file per record, so an architect's edit is a small, conflict-free diff; each file's keys are in
[records.md](records.md) and [config.md](config.md), and the shipped `decisions/` folder is a complete example.

| file | content |
| --- | --- |
| `workspace.yaml` | config: schema/example globs, vocabularies, thresholds |
| `families/ID.yaml` | one contract family (file stem == `family`) |
| `deltas/ID.yaml` | one delta register entry (file stem == `delta`) |
| `plan.yaml` | optional: how the documents and pages name the plan (issue, phases, sections, header metadata) |
| `checklist.yaml` | the plan's checklist items, their derivation and manual ticks |
| `work_packages.yaml` | the work packages (`D1`, ...) and the cross-issue handoff |
| `gates.yaml` | CI gates (with the rule IDs enforcing them) and change classes |
| `risks.yaml` | the plan's overlap risks |
| `identifiers.yaml` | identifier/correlation conventions (D3) |
| `provenance.yaml` | canonical provenance record (D6) |
| `error_mapping.yaml` | reason code -> rpc error -> grpc status mapping |
| `invocation.yaml` | thin-client-only policy (what to scan, what is forbidden) |
| `wire_lock.yaml` | the field-number lock of the generated proto (written by `workbench export` only) |
| `waivers.yaml` | waivers of findings that belong to no family record |
| `baseline.yaml` | findings accepted as they are (`workbench baseline`, the TUI's `b`) |

## `decisions/workspace.yaml`
```yaml
version: 1
schemas:
  globs: ["ssot/schemas/**/*.schema.json"]
  shared_globs: ["ssot/schemas/common/**/*.schema.json"]
  dialect: "2020-12"               # a schema declaring no $schema is read in this one
  dialects:                        # custom meta-schema URIs -> the standard dialect each builds on (default: none)
    "https://schema.cloudformation.us-east-1.amazonaws.com/provider.definition.schema.v1.json": draft-07
  aliases:                         # URI prefix -> folder: schemas published under a URL, stored here (default: none)
    "https://spec.example.org/schemas/": spec/schemas
examples:
  # {name}: schema file name without ".schema.json"
  patterns: ["ssot/examples/{name}.json", "ssot/examples/{name}/*.json"]
  map:                             # examples not named after their schema (default: none)
    ssot/schemas/tool.manifest.schema.json: ["tools/*/manifest.yaml"]
intent_classes: [resource_spec, status, job_invocation, event_log, error]
stability_tiers: [stable/v1, experimental, internal]
compatibility:                     # C001 policy; every key optional (see [compatibility.md](compatibility.md))
  mode: backward                   # workspace mode
  tiers: {experimental: none, stable/v1: {mode: full, additive: false}}  # a mode (and reading) per tier
  additive: true                   # the additive reading (default; false: the strict reading)
thresholds:
  overlap_warning: 0.6     # structural similarity score (0..1) to warn
  overlap_min_shared: 4    # shared property paths needed before scoring
  duplication_min_properties: 3
  max_nesting: 64
budgets:                   # per schema, for the structural facts; a schema over one gets an L002 info
  leaves: 5000             # instance-path leaves kept
  depth: 24                # instance nesting followed
  steps: 500000            # leaves composed while extracting (the work, counted the same on every machine)
  seconds: 20              # wall clock: a last resort, machine-dependent
limits:                    # what the loader reads from the (untrusted) repository
  max_file_bytes: 20000000 # a larger file is an L001, not read
  max_total_bytes: 100000000  # schemas, then examples, in path order: the files past it are L001s
  content_folders: [tools] # folders globs may reach besides those of schemas.globs/examples.patterns ([.]: anywhere)
export:                    # set it (or write decisions/plan.yaml) when the repository runs the plan: E001 then
  out: doc/m0-runtime-contract-freeze   # expects the documents (`init` writes it commented out)
pins:
  manifests: ["ssot/pins/*/pin_manifest.json"]   # upstream pin manifests (default; `[]`: no pins)
wire:                      # the generated proto skeleton and its buf gate (see [wire.md](wire.md))
  package: dome.gateway.v1 # nothing is generated without it
  out: proto               # the proto folder (buf module root); the gate runs whenever it holds .proto files
  families: [...]          # default: every new/extend family whose wire_mapping is not "none: ..."
  string_enums: ["ssot/schemas/reason.codes.schema.json#/$defs/reason_code"]  # string enums kept as `string`
```

### Limits

The values above (`budgets`, `thresholds.max_nesting`, `limits.max_*`)
are the defaults and the ceilings (`config.Ceilings`): workspace.yaml may lower
one, never raise it (a pull request edits it too). A higher value is an L001
warning at its line and the ceiling applies; `--raise-limits` on the command
line honours it (a repository the caller trusts).

### Dialects

- Every schema is read in the dialect its `$schema` names (draft-04, -06, -07,
  2019-09, 2020-12); one declaring none in `schemas.dialect` (default 2020-12).
- A vendor dialect (CloudFormation's resource provider schemas, an OpenAPI
  schema object) declares its own meta-schema URI. Nothing is fetched, so it is
  mapped under `schemas.dialects` to the standard dialect it builds on: it is
  then read, resolved (`id` vs `$id`, tuple `items`), validated and compared as
  that dialect, its meta-schema validation against the standard one (a vendor's
  extra keywords are allowed there). Unmapped, it is a V001 error naming the
  key to set, and is read as `schemas.dialect`. `workbench init` lists the
  unknown URIs it finds with the lines to add.

### References

- A `$ref` resolves against the base URI in force where it is written: the
  schema's root `$id` (draft-04 `id`), a nested one, else the file's path. The
  same resolver (`analysis/refs.py`) serves `--check`, `diff` and every rule.
- `schemas.aliases` maps a URI prefix to a folder of the workspace, as a
  specification project's own validator does: a URI under the prefix that no
  schema declares names the file at the same place under the folder (never
  fetched; no such file is a V003, not a V004). Validators are given each
  schema under those URIs too. `workbench init` proposes the aliases the
  references need (a schema's `$id` ending with its own file name gives the
  candidate; it is written when a reference that does not resolve today would).
- Two documents declaring one `$id` are one V007 error naming both; inside each
  the URI names that document itself; from elsewhere it resolves only when the
  copies are identical (otherwise the examples reaching it are not validated,
  and V007 says so), never by path order.
- The standard meta-schemas come from the bundled copies, `http` or `https`.

### Examples

- `examples.patterns` names examples after their schema: `{name}` is the schema
  file name without `.schema.json` (shared schemas have no examples).
- `examples.map` maps a schema glob (root-relative, matched against the schema
  paths, e.g. `schemas/**/manifest.schema.json`) to a list of example globs;
  every file an example glob matches is an example of every contract schema the
  key matches (usually one). A key matching no contract schema is an L001.
- Both apply (an absent `patterns` keeps the default, so `map` alone adds to it;
  `patterns: []` turns the by-name convention off).
- Every glob (schemas, shared, examples, both sides of `map`) goes through the
  containment policy (`loader/files.py`): a pattern with `..` or an absolute
  path is an L001 at its line in workspace.yaml, links out of the root are not
  followed, only regular files within `limits.max_file_bytes` are read. Each
  must also stay in the content folders (the top folder of each `schemas.globs`
  and `examples.patterns` entry, plus `limits.content_folders`; `[.]` opts
  out): a credentials file a CI step left at the root is never read as an
  example and quoted in a V002. A message quotes at most 24 characters of a
  value from a decisions file (neither a schema nor an example).
- `examples.map` entries are taken in order while their (schema, example) pairs
  fit 16 per contract schema and mapped file: one mapping every one of 1,000
  schemas to every one of 1,000 files is an L001 (and ignored), never a million
  validations.
- An example is read by its suffix: `.yaml`/`.yml` with the libyaml reader
  (`loader/yamlfile.py`: standard tags only, bounded aliases, duplicate keys are
  problems), `.toml` with `tomllib`, anything else as JSON; one document per
  file, which must be a JSON document (no NaN/infinity, nesting within
  `thresholds.max_nesting`). V002 judges all three alike, at the line of the
  offending value: YAML keeps a line per value; for TOML (tomllib keeps no
  positions) a scan of `[table]`/`[[array]]` headers and `key =` lines gives the
  line of the key, table or array-of-tables entry holding the value (a value
  inside an inline array/table gets its key's line; the message has the pointer).
  A file that does not parse is an L001 with its line; the rest still loads.
- Dates and times stay strings, as in JSON: a YAML scalar YAML would resolve to a
  timestamp (`2024-01-01`, `2024-01-01 10:00:00`) is kept exactly as written,
  a TOML date/time becomes its `isoformat()` (`1979-05-27`,
  `1979-05-27T07:32:00+00:00`), so `{"type": "string", "format": "date"}`
  judges them as it judges a JSON string. Other YAML 1.1 scalars resolve as
  PyYAML resolves them (`no` is false, `0777` an integer): quote them. The
  store quotes a new string value itself when a YAML 1.1 reader would take it
  for something else (`'no'`, `'1:20'`): ruamel writes YAML 1.2, where they are
  plain strings.

### Entries that break the format

A workspace.yaml entry that breaks the format is an L001 at its line and only
that entry is dropped: one bad pattern in `schemas.globs`, `schemas.shared_globs`,
`examples.patterns`, `pins.manifests` or an `examples.map` list (or a bad `map` key, or an unknown
key in `schemas`/`examples`) leaves the other entries in force; defaults apply
only to keys that are absent (or whose whole value has the wrong type).
"""

from __future__ import annotations

import posixpath
from dataclasses import Field, dataclass, field, fields
from typing import Any

# Every dataclass field read from a decisions/ YAML file is read from one key: its own name, or the key
# its metadata declares ({"yaml": "schemas.globs"}, dotted for a nested key); LOADED marks a field the
# loader fills itself (a path, lines), read from no key.
LOADED: dict[str, Any] = {"yaml": None}
ABSENT: Any = object()  # `lookup`'s default where absence must be told from None


def yaml_key(f: Field[Any]) -> str | None:
    """The (dotted) YAML key a dataclass field is read from; None when it is read from none."""
    key: str | None = f.metadata.get("yaml", f.name)
    return key


def is_list(f: Field[Any]) -> bool:
    """Whether a dataclass field holds a YAML list (as a tuple)."""
    return str(f.type).startswith("tuple")


def lookup(data: Any, key: str, default: Any = None) -> Any:
    """The value at a dotted YAML key in `data`, or `default` when a part of it is absent (or not a mapping)."""
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


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
    # `tiers: {T: {additive: false}}`: the reading per tier
    tier_additive: tuple[tuple[str, bool], ...] = field(default=(), metadata={"yaml": "tiers"})

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
    schema_globs: tuple[str, ...] = field(default=("ssot/schemas/**/*.schema.json",),
                                          metadata={"yaml": "schemas.globs"})
    shared_globs: tuple[str, ...] = field(default=("ssot/schemas/common/**/*.schema.json",),
                                          metadata={"yaml": "schemas.shared_globs"})
    # how a schema that declares no `$schema` is read
    dialect: str = field(default="2020-12", metadata={"yaml": "schemas.dialect"})
    # (custom `$schema` URI, the standard dialect it builds on), sorted
    dialects: tuple[tuple[str, str], ...] = field(default=(), metadata={"yaml": "schemas.dialects"})
    # (URI prefix, folder relative to the root, "" for the root), longest prefix first
    aliases: tuple[tuple[str, str], ...] = field(default=(), metadata={"yaml": "schemas.aliases"})
    example_patterns: tuple[str, ...] = field(default=("ssot/examples/{name}.json", "ssot/examples/{name}/*.json"),
                                              metadata={"yaml": "examples.patterns"})
    intent_classes: tuple[str, ...] = DEFAULT_INTENT_CLASSES
    stability_tiers: tuple[str, ...] = DEFAULT_TIERS
    thresholds: Thresholds = field(default_factory=Thresholds)
    budgets: Budgets = field(default_factory=Budgets)
    export_out: str = field(default="doc/m0-runtime-contract-freeze", metadata={"yaml": "export.out"})
    wire: Wire = field(default_factory=Wire)
    # `export.out` is written in workspace.yaml: the plan's documents are expected (E001)
    export_set: bool = field(default=False, metadata=LOADED)
    compatibility: Compatibility = field(default_factory=Compatibility)
    # larger files are refused, not read
    max_file_bytes: int = field(default=DEFAULT_MAX_FILE_BYTES, metadata={"yaml": "limits.max_file_bytes"})
    # schemas and examples read in all; the files past it are refused, not read
    max_total_bytes: int = field(default=DEFAULT_MAX_TOTAL_BYTES, metadata={"yaml": "limits.max_total_bytes"})
    # folders added to `content_folders` (["."] opts out of the policy)
    extra_content_folders: tuple[str, ...] = field(default=(), metadata={"yaml": "limits.content_folders"})
    # (dotted key, value set, ceiling applied) of each limit workspace.yaml set above its ceiling
    capped: tuple[tuple[str, Any, Any], ...] = field(default=(), metadata=LOADED)
    undecided: str = field(default="warning", metadata={"yaml": "governance.undecided"})  # the severity of G001
    # (schema glob, example globs): every file an example glob matches is an example of every schema
    # the schema glob matches; applies alongside `example_patterns`
    example_map: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), metadata={"yaml": "examples.map"})
    # globs of the upstream pin manifests (each pins the files of its folder)
    pin_manifests: tuple[str, ...] = field(default=("ssot/pins/*/pin_manifest.json",),
                                           metadata={"yaml": "pins.manifests"})
    # line in workspace.yaml of each configured pattern, by ("schemas.globs", pattern),
    # ("schemas.shared_globs", p), ("examples.patterns", p), ("examples.map", schema glob[, example glob]),
    # ("pins.manifests", p)
    pattern_lines: dict[tuple[str, ...], int] = field(default_factory=dict, compare=False, hash=False, repr=False,
                                                      metadata=LOADED)

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
        keys = {f.name: yaml_key(f) or "" for f in fields(cls)}
        where: dict[tuple[str, ...], int] = {}

        def at(name: str, default: Any = None) -> Any:
            """The value under field `name`'s key."""
            return lookup(data, keys[name], default)

        def strings(name: str, value: Any, *sub: str) -> tuple[str, ...]:
            """The string entries of the list at field `name`'s key (then `sub`), their lines recorded."""
            path = (*keys[name].split("."), *sub)
            out = []
            for i, item in enumerate(value if isinstance(value, list) else []):
                if isinstance(item, str):
                    out.append(item)
                    _note(where, (keys[name], *sub, item), lines.get((*path, i)))
            _note(where, (keys[name], *sub), lines.get(path))
            return tuple(out)

        def listed(name: str) -> tuple[str, ...]:
            value = at(name, ABSENT)
            return getattr(base, name) if value is ABSENT else strings(name, value)

        example_map = tuple(
            (glob, strings("example_map", targets, glob))
            for glob, targets in (at("example_map") or {}).items() if isinstance(targets, list)
        )
        _note(where, (keys["example_map"],), lines.get(tuple(keys["example_map"].split("."))))
        thresholds = {k: v for k, v in (at("thresholds") or {}).items() if k in Thresholds.__dataclass_fields__}
        top = ceilings or CEILINGS
        if "max_nesting" in thresholds:
            thresholds["max_nesting"] = limit(f"{keys['thresholds']}.max_nesting", thresholds["max_nesting"],
                                              top.max_nesting)
        budgets = {k: limit(f"{keys['budgets']}.{k}", v, getattr(top.budgets, k))
                   for k, v in (at("budgets") or {}).items() if k in Budgets.__dataclass_fields__}
        max_file_bytes = limit(keys["max_file_bytes"], at("max_file_bytes", base.max_file_bytes), top.max_file_bytes)
        max_total_bytes = limit(keys["max_total_bytes"], at("max_total_bytes", base.max_total_bytes),
                                top.max_total_bytes)
        schema_globs = listed("schema_globs")
        example_patterns = listed("example_patterns")
        pin_manifests = listed("pin_manifests")  # pin folders hold content too
        folders = at("extra_content_folders")
        return cls(
            schema_globs=schema_globs,
            shared_globs=listed("shared_globs"),
            dialect=at("dialect") or base.dialect,
            dialects=tuple(sorted((uri, name) for uri, name in (at("dialects") or {}).items()
                                  if isinstance(name, str))),
            aliases=tuple(sorted(((prefix, folder.strip("/").removeprefix("./").strip("/") if folder.strip("/") != "."
                                   else "") for prefix, folder in (at("aliases") or {}).items()
                                  if isinstance(folder, str)), key=lambda a: (-len(a[0]), a[0]))),
            example_patterns=example_patterns,
            example_map=example_map,
            pin_manifests=pin_manifests,
            pattern_lines=where,
            intent_classes=tuple(at("intent_classes", base.intent_classes)),
            stability_tiers=tuple(at("stability_tiers", base.stability_tiers)),
            thresholds=Thresholds(**thresholds),
            budgets=Budgets(**budgets),
            export_out=at("export_out", base.export_out),
            wire=_wire(at("wire") or {}),
            export_set=at("export_out") is not None,
            compatibility=Compatibility.read(at("compatibility") or {}),
            max_file_bytes=max_file_bytes,
            max_total_bytes=max_total_bytes,
            extra_content_folders=tuple(sorted({posixpath.normpath(f) for f in (folders if isinstance(folders, list)
                                                                                else ()) if isinstance(f, str)})),
            capped=tuple(capped),
            undecided=at("undecided", base.undecided),
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
