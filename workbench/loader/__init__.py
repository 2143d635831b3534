"""Files on disk -> one immutable `Workspace`. Never raises on workspace content.

Pass the same `LoadCache` to successive loads (the TUI does) and only files
whose size or mtime changed are read and parsed again.

The limits workspace.yaml sets are held to `ceilings` (`config.CEILINGS`, the
built-in defaults; None for `--raise-limits`): a value above one is an L001
warning and the ceiling applies. Schemas, then examples, are read in path order
until `limits.max_total_bytes` is spent; the files past it are L001s, not read.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import model as m
from ..allocation import paused_gc
from ..config import CEILINGS, Ceilings, WorkspaceConfig
from .decisions import DECISIONS_DIR, FileReader, read_config, read_decisions
from .examples import configured_glob, example_files, example_globs, parse_example
from .files import Files, Refused, fixed_prefix
from .jsonfile import Parsed, decode, parse_json
from .pins import Hashes, read_pins
from .yamlfile import ParsedYaml

SCHEMA_SUFFIX = ".schema.json"
MAX_CLIENT_BYTES = 2_000_000  # client files larger than this are reported (I001), not scanned


@dataclass
class LoadCache:
    """Parsed files keyed by relative path, reused while (mtime, size) is unchanged: `json` holds the
    schemas and examples (JSON, YAML or TOML documents), `yaml` the decisions files."""

    json: dict[str, tuple[tuple[int, int], Parsed]] = field(default_factory=dict)
    yaml: dict[str, tuple[tuple[int, int], ParsedYaml]] = field(default_factory=dict)
    hashes: Hashes = field(default_factory=dict)  # SHA-256 of the pinned files


CONFIG = f"{DECISIONS_DIR}/workspace.yaml"


@dataclass
class Allowance:
    """The bytes of schemas and examples one load may still read (`limits.max_total_bytes`)."""

    left: int

    def take(self, rel: str, size: int, total: int) -> None:
        if size > self.left:
            self.left = 0
            raise Refused(f"{size} bytes, past the {total}-byte limit on all schemas and examples read "
                          "(limits.max_total_bytes)")
        self.left -= size


def _read_json(files: Files, rel: str, cache: LoadCache, config: WorkspaceConfig,
               parse: Callable[[str, bytes, int], Parsed] | None = None,
               allowance: Allowance | None = None) -> Parsed:
    """A schema (JSON) or, with `parse=parse_example`, an example (JSON, YAML or TOML by its suffix);
    reused from the cache while unchanged; charged to `allowance` (by size, cached or not)."""
    try:
        stat = files.stat(rel)
        if allowance is not None:
            allowance.take(rel, stat.st_size, config.max_total_bytes)
        key = (stat.st_mtime_ns, stat.st_size)
        hit = cache.json.get(rel)
        if hit and hit[0] == key:
            return hit[1]
        parsed = (parse or parse_json)(rel, files.read(rel), config.thresholds.max_nesting)
    except OSError as exc:
        return Parsed(None, None, (m.Problem(rel, f"cannot read: {exc.strerror or exc}", kind="fatal"),))
    cache.json[rel] = (key, parsed)
    return parsed


def _configured_globs(files: Files, config: WorkspaceConfig, key: str,
                      patterns: tuple[str, ...]) -> tuple[list[str], list[m.Problem]]:
    """Every file matching the configured `patterns` (config key `key`), refused ones reported at their line."""
    found: set[str] = set()
    problems: list[m.Problem] = []
    for pattern in patterns:
        got, probs = configured_glob(files, pattern, CONFIG, config.line(key, pattern), config.content_folders)
        found.update(got)
        problems.extend(probs)
    return sorted(found), problems


def schema_name(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    return name[: -len(SCHEMA_SUFFIX)] if name.endswith(SCHEMA_SUFFIX) else name.rsplit(".", 1)[0]


def load_workspace(root: str | Path, cache: LoadCache | None = None,
                   config: WorkspaceConfig | None = None, ceilings: Ceilings | None = CEILINGS) -> m.Workspace:
    """Load `root` into a snapshot; every unreadable thing becomes a `Problem`. `config`: read it with this
    configuration instead of its own decisions/workspace.yaml (a baseline read as the working tree is).
    `ceilings`: the most workspace.yaml may set each limit to (None: what it says, for `--raise-limits`)."""
    with paused_gc():
        return _load(root, cache, config, ceilings)


def _load(root: str | Path, cache: LoadCache | None, given: WorkspaceConfig | None = None,
          ceilings: Ceilings | None = CEILINGS) -> m.Workspace:
    root = Path(root).resolve()
    cache = cache if cache is not None else LoadCache()
    problems: list[m.Problem] = []
    if not root.is_dir():
        problems.append(m.Problem(".", f"root {root} is not a directory"))
        return m.Workspace(root, WorkspaceConfig(), (), (), m.Decisions(), tuple(problems))

    reader = FileReader(root, cache.yaml)
    config = given if given is not None else read_config(reader, ceilings)
    files = reader.files = Files(root, config.max_file_bytes, listings={})  # one listing per folder and load
    allowance = Allowance(config.max_total_bytes)
    sources: dict[str, m.Source] = {}
    read: set[str] = set()  # every JSON file looked at (cached even when it did not decode)

    shared_found, shared_problems = _configured_globs(files, config, "schemas.shared_globs", config.shared_globs)
    shared = set(shared_found)
    schema_files, schema_problems = _configured_globs(files, config, "schemas.globs", config.schema_globs)
    manifests, pin_problems = _configured_globs(files, config, "pins.manifests", config.pin_manifests)
    problems.extend({(p.path, p.message): p for p in shared_problems + schema_problems + pin_problems}.values())
    pins = read_pins(reader, manifests, cache.hashes)
    pinned = {a.path: a for pm in pins for a in pm.artifacts}
    for rel in [k for k in cache.hashes if k not in pinned]:
        cache.hashes.pop(rel, None)
    # pinned schemas are upstream's: loaded like the others, marked with their pin (read-only)
    schema_files = sorted({*schema_files, *(p for p, a in pinned.items() if a.schema and a.actual is not None)})
    schemas: list[m.SchemaDoc] = []
    unloaded: set[str] = set()  # contract schemas that did not load (`diff` withholds their changes, says why)
    for rel in schema_files:
        read.add(rel)
        parsed = _read_json(files, rel, cache, config, allowance=allowance)
        problems.extend(parsed.problems)
        if parsed.source:
            sources[rel] = parsed.source
        if parsed.source is None or parsed.value is None:
            unloaded.add(rel)
            continue
        if not isinstance(parsed.value, dict):
            problems.append(m.Problem(rel, f"a schema must be a JSON object, not {type(parsed.value).__name__}", 1))
            unloaded.add(rel)
            continue
        schemas.append(m.SchemaDoc(rel, schema_name(rel), parsed.value, parsed.source, rel in shared, pinned.get(rel)))
    if not schemas and not any(p.path != "." for p in problems):
        problems.append(m.Problem(".", f"no schemas match {', '.join(config.schema_globs)}"))

    examples: list[m.Example] = []
    reported: set[str] = set()  # an example of several schemas is read (and its problems reported) once
    for schema, rel in example_files(files, config, schemas, CONFIG, problems):
        read.add(rel)
        parsed = _read_json(files, rel, cache, config, parse_example, allowance)
        if rel not in reported:
            problems.extend(parsed.problems)
            reported.add(rel)
        if parsed.source:
            sources[rel] = parsed.source
        if parsed.source is not None and (parsed.value is not None or not parsed.problems):
            examples.append(m.Example(rel, schema.path, parsed.value, parsed.source))

    decisions = read_decisions(reader)
    problems.extend(reader.problems)
    problems.extend(_dangling(decisions, {s.path for s in schemas}, files, pinned))
    if not decisions.present:
        undecided = "no decisions/ folder: every schema is undecided (run `workbench init`)"
        problems.append(m.Problem(DECISIONS_DIR, undecided, kind="info"))
    clients = _clients(files, decisions.invocation)
    docs = _texts(files, [f"{config.export_out.rstrip('/')}/*"], CONFIG) if decisions.present else ()
    protos = _texts(files, [f"{config.wire.out.rstrip('/')}/**/*.proto"], CONFIG)
    evidence = {e for item in decisions.checklist for e in item.evidence if files.exists(e)}
    present = frozenset(read | reader.read_ok | evidence
                        | {t.path for t in (*clients, *docs, *protos) if t.text is not None})

    # drop cache entries for files that are gone, so the cache cannot grow without bound
    for rel in [k for k in cache.json if k not in read]:
        cache.json.pop(rel, None)
    problems.sort(key=lambda p: (p.path, p.line or 0, p.message))
    return m.Workspace(root, config, tuple(schemas), tuple(examples), decisions, tuple(problems), sources,
                       clients, docs, protos, present, pins, frozenset(unloaded - shared))


def _texts(files: Files, patterns: list[str] | tuple[str, ...], source: str) -> tuple[m.TextFile, ...]:
    """Every file matching `patterns`, read as UTF-8 text; a refused match (a link out of the root,
    a FIFO) or an unreadable file is kept with the reason, never with content."""
    found, refused = files.glob_all(patterns, source)
    out = [m.TextFile(p.path, None, p.message) for p in refused]
    for rel in found:
        try:
            text = decode(rel, files.read(rel))
        except OSError as exc:
            out.append(m.TextFile(rel, None, f"cannot read: {exc.strerror or exc}"))
            continue
        if isinstance(text, m.Problem):
            out.append(m.TextFile(rel, None, text.message, text.line))
        else:
            out.append(m.TextFile(rel, text))
    return tuple(sorted(out, key=lambda t: t.path))


def _clients(files: Files, policy: m.InvocationPolicy | None) -> tuple[m.TextFile, ...]:
    """The files the thin-client policy scans: its `scan` globs minus `approved`, size-capped."""
    if policy is None:
        return ()
    capped = Files(files.root, min(MAX_CLIENT_BYTES, files.max_bytes))
    return tuple(t for t in _texts(capped, policy.scan, policy.path)
                 if not any(fnmatch.fnmatchcase(t.path, a) for a in policy.approved))


def _dangling(decisions: m.Decisions, schema_paths: set[str], files: Files,
              pinned: dict[str, m.Pin]) -> list[m.Problem]:
    """Decisions that name schemas not in the workspace, or a schema claimed twice."""
    out: list[m.Problem] = []
    owner: dict[str, str] = {}
    for fam in decisions.families:
        for i, path in enumerate(fam.schemas):
            line = fam.line(f"schemas.{i}")
            if path not in schema_paths:
                why = "does not exist" if not files.exists(path) else "is not a loadable schema"
                if path in pinned and not pinned[path].schema:
                    why = f'is pinned as a file, not a schema (set "kind": "schema" in {pinned[path].manifest})'
                out.append(m.Problem(fam.path, f"family {fam.id!r} names schema {path} which {why}", line,
                                     field="schemas"))
            elif path in owner:
                out.append(m.Problem(fam.path, f"schema {path} is already in family {owner[path]!r}", line,
                                     field="schemas"))
            else:
                owner[path] = fam.id
    return out


def watched_paths(ws: m.Workspace) -> tuple[str, ...]:
    """What the check reads, as paths relative to the root ("." for the root itself):
    the fixed folder of every schema, example and client-scan glob, `decisions/`, the
    export folder, the pin folders (and pinned files) and the checklist's evidence paths;
    a path inside another is left out.
    A file watcher watches these (recursively)."""
    cfg = ws.config
    patterns = [*cfg.schema_globs, *cfg.shared_globs, *example_globs(cfg), DECISIONS_DIR, cfg.export_out,
                cfg.wire.out]
    patterns += [pm.folder or pm.path for pm in ws.pins] + [a.path for pm in ws.pins for a in pm.artifacts]
    if ws.decisions.invocation is not None:
        patterns += ws.decisions.invocation.scan
    patterns += [e for item in ws.decisions.checklist for e in item.evidence]
    bases = sorted({base for p in patterns if (base := fixed_prefix(p)) is not None})
    if "." in bases:
        return (".",)
    return tuple(b for b in bases if not any(b.startswith(o + "/") for o in bases))
