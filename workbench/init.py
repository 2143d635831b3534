"""`workbench init`: a starter `decisions/` for a root that has schemas but no decisions yet.

Writes `decisions/workspace.yaml` (the built-in defaults, spelled out and
commented; when no schema is where the defaults look, `ssot/schemas/`, the
`schemas.globs` of the folders where JSON Schemas were found: files declaring a
json-schema.org `$schema`, reading as one, or giving themselves structure in a
folder named like `schemas/`; plus the files they refer into, and the definitions
libraries found as `schemas.shared_globs`: `library_globs`) and one
`decisions/families/ID.yaml` per contract schema that is in no family, with an
`intent_class` *guessed* from the schema's name and shape and `guess: true`
(rule G011 keeps reporting it until an architect confirms).
Governance fields (owner, tier, decision, ...) are left out for a person to fill.

Only ever creates new files (exclusive create): an existing file is never
touched, so running it twice is harmless. Edits of existing decisions go
through `workbench/store.py`, not here.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .analysis.refs import proposed_aliases
from .config import WorkspaceConfig
from .loader import load_workspace
from .loader.decisions import DECISIONS_DIR
from .loader.files import Files
from .model import DRAFT_MARK, SchemaDoc, Workspace
from .schema.dialect import defines_only, gives_structure, looks_like_schema
from .schema.nodes import iter_refs

FAMILIES_DIR = f"{DECISIONS_DIR}/families"
_ID_OK = re.compile(r"^[a-z][a-z0-9_]*$")
_SCHEMA_PATH_OK = re.compile(r"^[^/\\#][^\\#]*\.json$")  # family.schema.json `schemas` item pattern
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./*-]*$")  # safe unquoted inside a YAML flow list
_WORDS = re.compile(r"[a-z]+|[0-9]+")
_ID_PARTS = re.compile(r"[a-z0-9]+")
PAIR_SUFFIXES = ("request", "response")

# intent class -> name words that suggest it; the first class (in this order) whose word
# appears in a schema's name wins, so `task.result` is a status and `spawn.spec` a job.
NAME_HINTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("event_log", frozenset({"event", "events", "log", "logs", "stream", "streams", "cursor", "envelope",
                             "telemetry", "audit", "trace", "journal", "feed"})),
    ("error", frozenset({"error", "errors", "reason", "reasons", "fault", "faults", "failure", "code", "codes"})),
    ("status", frozenset({"status", "result", "results", "decision", "decisions", "outcome", "verdict",
                          "state", "health", "report"})),
    ("job_invocation", frozenset({"queue", "spawn", "job", "jobs", "execute", "execution", "invocation",
                                  "invoke", "command", "dispatch"})),
    ("resource_spec", frozenset({"config", "configuration", "spec", "defaults", "settings", "profile",
                                 "profiles", "catalog", "capability", "capabilities", "manifest", "policy",
                                 "options", "limits", "strategies", "strategy"})),
)
# weak job words: a job only when the schema also takes inputs
WEAK_JOB_WORDS = frozenset({"request", "task", "tasks", "run", "action", "work"})
INPUT_FIELDS = frozenset({"input", "inputs", "args", "arguments", "params", "parameters", "argv", "command",
                          "payload"})
# top-level property shapes, used when the name says nothing
SHAPE_HINTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("event_log", frozenset({"event_type", "event_id", "sequence", "cursor", "emitted_at", "offset"})),
    ("error", frozenset({"error_code", "reason_code", "codes", "retryable", "grpc_status"})),
    ("status", frozenset({"status", "outcome", "verdict", "result", "state", "decided_at"})),
    ("job_invocation", INPUT_FIELDS),
)
FALLBACK = "resource_spec"

FAMILY_HEADER = f"""\
{DRAFT_MARK}, to confirm or correct.
# The grouping (schemas that overlap strongly and share a name stem are one draft)
# and `intent_class` were guessed from the schema names and fields. Check them,
# fill in owner, stability_tier, decision, rationale, wire_mapping and
# version_policy (see docs/reference/records.md), then remove `guess` (saving
# the record from the TUI's edit form removes it, and this header); until then
# G011 reports it.
"""

WORKSPACE_HEADER = """\
# Workbench workspace configuration (written by `workbench init`).
#
# Where the contract schemas and their examples live, the vocabularies a family
# record may use (intent classes, stability tiers), the thresholds of the
# overlap/duplication analysis, and where `workbench export` writes the docs.
# Every key is optional (an absent key keeps the built-in default) and every key
# is below: the values are the defaults, spelled out for review; a commented-out
# key is unset by default (uncomment it to use it). docs/reference/config.md has more.
"""


def init_decisions(root: Path, force: bool = False, drafts: list[Draft] | None = None) -> list[str]:
    """Write a starter decisions/ under `root`; return the relative paths written, sorted.

    Writes `decisions/workspace.yaml` when absent. Writes family files when
    `decisions/families/` holds none yet (a first run, or a decisions/ with only
    some single files); with `force`, also adds families next to existing ones
    for every contract schema that is in no family. Never overwrites a file.
    `drafts` receives the draft families written (`plan_families`: how the schemas were grouped).
    """
    root = Path(root)
    drafts = drafts if drafts is not None else []
    written: list[str] = []
    config = WorkspaceConfig()
    if not (root / DECISIONS_DIR / "workspace.yaml").exists():
        if not Files(root).glob_all(config.schema_globs)[0]:
            found = discover_schema_globs(root)  # the schemas live elsewhere than the default place
            config = replace(config, schema_globs=found) if found else config
        more, shared = library_globs(root, config)
        config = replace(config, schema_globs=config.schema_globs + more, shared_globs=config.shared_globs + shared)
        if not Files(root).glob_all(config.pin_manifests)[0]:
            config = replace(config, pin_manifests=discover_pin_manifests(root) or config.pin_manifests)
        # ids under a URL their references need
        config = replace(config, aliases=tuple(proposed_aliases(load_workspace(root, config=config))))
    if _create(root / DECISIONS_DIR / "workspace.yaml", workspace_yaml(config)):
        written.append(f"{DECISIONS_DIR}/workspace.yaml")

    families_dir = root / FAMILIES_DIR
    has_families = families_dir.is_dir() and any(families_dir.glob("*.yaml"))
    if has_families and not force:
        return sorted(written)

    ws = load_workspace(root)
    taken = {p.stem for p in families_dir.glob("*.yaml")} if families_dir.is_dir() else set()
    taken |= {f.id for f in ws.families}
    for draft in plan_families(ws, taken):
        rel = f"{FAMILIES_DIR}/{draft.id}.yaml"
        if _create(root / rel, family_yaml(draft, ws.config.intent_classes)):
            written.append(rel)
            drafts.append(draft)
    return sorted(written)


SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "venv", "site-packages", "dist", "build"})
MAX_CANDIDATES = 50_000  # JSON files looked at while discovering schemas


def discover_schema_globs(root: Path) -> tuple[str, ...]:
    """Globs for the JSON Schemas of a repository that keeps them outside `ssot/schemas/`
    (`_declares_schema`): `folder/**/*.json` for the topmost folders holding (`_nearly_all`) only schemas
    below them, else per folder `folder/*.json` (schemas there), `folder/*.schema.json` (the schemas are the
    `.schema.json` files) or the schema files themselves. Hidden and dependency folders are skipped
    (a folder holding one is never globbed with `**`); every read goes through the containment policy."""
    files = Files(root)
    by_folder: dict[str, tuple[list[str], list[str]]] = {}  # folder -> (schemas, other JSON files)
    impure: set[str] = set()  # folders with a skipped subfolder: `**` would reach into it
    seen = 0
    for folder, dirs, names in os.walk(files.root):
        rel_folder = Path(folder).relative_to(files.root).as_posix().removeprefix(".")
        kept = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        if len(kept) < len(dirs):
            impure.add(rel_folder)
        dirs[:] = kept
        schemas, others = by_folder.setdefault(rel_folder, ([], []))
        for name in sorted(n for n in names if n.endswith(".json")):
            seen += 1
            if seen > MAX_CANDIDATES:
                break
            rel = f"{rel_folder}/{name}" if rel_folder else name
            (schemas if _declares_schema(files, rel) else others).append(rel)

    def below(folder: str) -> list[str]:
        return [f for f in by_folder if f == folder or f.startswith(folder + "/")]

    def only_schemas(folder: str) -> bool:  # (nearly) every JSON file below `folder` is a schema, and `**` is safe
        if any(f in impure for f in below(folder)):
            return False
        return _nearly_all(sum(len(by_folder[f][0]) for f in below(folder)),
                           sum(len(by_folder[f][1]) for f in below(folder)))

    globs: list[str] = []
    covered: list[str] = []
    for folder, (schemas, others) in sorted(by_folder.items()):
        if any(folder == c or folder.startswith(c + "/") for c in covered):
            continue
        if folder and only_schemas(folder):
            globs.append(f"{folder}/**/*.json")
            covered.append(folder)
        elif schemas:
            prefix = f"{folder}/" if folder else ""
            if _nearly_all(len(schemas), len(others)):
                globs.append(f"{prefix}*.json")
            elif all(p.endswith(".schema.json") for p in schemas) and not any(p.endswith(".schema.json")
                                                                              for p in others):
                globs.append(f"{prefix}*.schema.json")
            else:
                globs.extend(schemas)
    return tuple(globs)


def library_globs(root: Path, config: WorkspaceConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(`schemas.globs`, `schemas.shared_globs`) to add for the definitions libraries: the files the schemas
    refer into that no glob matches yet (`"$ref": "config-linux.json#/linux"`), and, shared, every schema that
    `defines_only` (a `defs.json`, a `{"linux": {...}}` section) that `config.shared_globs` misses. Shared
    libraries of a folder sharing a name prefix are one glob (`schema/defs*.json`) when it matches no other
    schema, else listed by path."""
    files = Files(root)
    schemas = set(files.glob_all(config.schema_globs)[0])
    todo, referenced = sorted(schemas), list[str]()
    while todo and len(referenced) < MAX_CANDIDATES:
        rel = todo.pop()
        for _, ref in iter_refs(_json(files, rel)):
            target = ref.partition("#")[0]
            if not target or ":" in target or target.startswith("/"):
                continue  # inside the file, an absolute URI (a remote or `$id`-addressed schema)
            path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
            if path not in schemas and not path.startswith("../") and isinstance(_json(files, path), dict):
                schemas.add(path)
                referenced.append(path)
                todo.append(path)
    known = set(files.glob_all(config.shared_globs)[0])
    libraries = {rel for rel in sorted(schemas - known) if defines_only(_json(files, rel))}
    by_prefix: dict[str, list[str]] = {}
    for rel in sorted(libraries):
        folder, _, name = rel.rpartition("/")
        prefix = re.split(r"[-_.]", name, maxsplit=1)[0]
        by_prefix.setdefault(f"{folder}/{prefix}*.json" if folder else f"{prefix}*.json", []).append(rel)
    shared: list[str] = []
    for glob, found in by_prefix.items():
        shared.extend([glob] if set(files.glob_all((glob,))[0]) & schemas <= libraries else found)
    return tuple(sorted(referenced)), tuple(shared)


def _json(files: Files, rel: str) -> Any:
    """A JSON file's value, None when it does not read or parse."""
    try:
        return json.loads(files.read(rel))
    except (OSError, ValueError, RecursionError):
        return None


# folders whose JSON files are schemas even beside keywords of a vendor's own (`schemas/`, `json-schema/`)
SCHEMA_FOLDERS = frozenset({"schema", "schemas", "jsonschema", "jsonschemas", "json-schema", "json-schemas",
                            "json_schema", "json_schemas"})


def _nearly_all(schemas: int, others: int) -> bool:
    """Schemas are (nearly) all of a folder's JSON files: one glob for it rather than a list of thousands
    (a catalog keeps a stub or two, `{"typeName": ...}`, among its schemas; read as schemas they accept anything)."""
    return schemas > 0 and others * 20 <= schemas


def _declares_schema(files: Files, rel: str) -> bool:
    """Named `*.schema.json`, declaring a json-schema.org `$schema`, `looks_like_schema`, or in a folder
    named like `schemas/` and giving itself structure (`properties`, `definitions`, `type`, ...)."""
    if rel.endswith(".schema.json"):
        return True
    body = _json(files, rel)
    if body is None:
        return False
    in_schema_folder = not SCHEMA_FOLDERS.isdisjoint(rel.lower().split("/")[:-1])
    declared = body.get("$schema") if isinstance(body, dict) else None
    if isinstance(declared, str):  # else a vendor dialect's schema, or a document naming its schema (tsconfig)
        return "json-schema.org" in declared or (in_schema_folder and gives_structure(body))
    return looks_like_schema(body) or (in_schema_folder and gives_structure(body))


PIN_MANIFEST = "pin_manifest.json"


def discover_pin_manifests(root: Path) -> tuple[str, ...]:
    """Globs for the pin manifests of a repository that keeps them elsewhere than `ssot/pins/*/`: for a
    manifest in `PARENT/UPSTREAM/`, `PARENT/*/pin_manifest.json` (one glob for all the pin folders side by
    side). Hidden and dependency folders are skipped; only contained regular files count."""
    files = Files(root)
    globs: set[str] = set()
    for folder, dirs, names in os.walk(files.root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        rel = Path(folder).relative_to(files.root).as_posix().removeprefix(".")
        if PIN_MANIFEST in names and files.is_file(f"{rel}/{PIN_MANIFEST}" if rel else PIN_MANIFEST):
            parent = re.sub(r"([*?\[])", r"[\1]", rel.rpartition("/")[0])  # a name, not a pattern
            globs.add(f"{parent}/*/{PIN_MANIFEST}" if parent else f"*/{PIN_MANIFEST}" if rel else PIN_MANIFEST)
    return tuple(sorted(globs))


@dataclass(frozen=True)
class Pair:
    """Two loose schemas that overlap (the overlap rule's score), and the name stem they share, if any."""

    a: SchemaDoc
    b: SchemaDoc
    score: float
    shared: int  # fields they share
    stem: tuple[str, ...]  # the name words both have ("event"), () when none

    def other(self, s: SchemaDoc) -> SchemaDoc:
        return self.b if s.path == self.a.path else self.a


@dataclass
class Draft:
    """A draft family `init` proposes: its schemas, why they are one family, and the pairs it leaves to the
    architect (overlapping schemas it did not group)."""

    id: str
    schemas: list[SchemaDoc]
    why: str = ""  # "" for a single schema
    noted: list[Pair] = field(default_factory=list)  # overlapping pairs with one schema here, left to decide

    @property
    def notes(self) -> list[str]:
        """One line per noted pair, from this draft's side."""
        inside = {s.path for s in self.schemas}
        out = []
        for p in self.noted:
            mine = p.a if p.a.path in inside else p.b
            because = f"shares the name stem {'/'.join(p.stem)!r}" if p.stem else "no shared name stem"
            out.append(f"{mine.path} overlaps {p.other(mine).path} (score {p.score:.2f}, {p.shared} fields; "
                       f"{because}): one family? not grouped")
        return out


def plan_families(ws: Workspace, taken: Iterable[str] = ()) -> list[Draft]:
    """A draft family for every contract schema in no family (pinned upstream schemas aside: a family reuses
    one by an architect's decision); ids unique and not in `taken`, from the schemas' own names.

    Grouped in one draft: an `X.request` / `X.response` pair, and schemas that overlap strongly (the overlap
    rule's score at least `thresholds.overlap_warning`, over `overlap_min_shared` fields) and share a name
    stem (a name word, `event` in `event.envelope` and `control.event`) that every schema of the group has.
    Weaker pairs (an overlap without a shared stem, or a shared stem with some overlap) are noted in each
    draft for the architect, never merged."""
    loose = [s for s in ws.undecided if _SCHEMA_PATH_OK.match(s.path)]
    names = {s.path: readable_name(s) for s in loose}
    stems = _stems(loose, names)
    pairs = overlapping_pairs(ws, loose, stems)
    th = ws.config.thresholds
    strong = [p for p in pairs if p.stem and p.score >= th.overlap_warning and p.shared >= th.overlap_min_shared]

    groups: dict[str, list[SchemaDoc]] = {}  # group key -> schemas
    group_of: dict[str, str] = {}  # schema path -> group key
    why: dict[str, list[str]] = {}
    merged: set[str] = set()  # groups made by overlap and a shared stem
    name_set = {names[s.path] for s in loose}
    for s in loose:
        key = _group_key(names[s.path], name_set)
        if key == names[s.path]:
            key = s.path  # alone (two schemas may carry one title)
        else:
            why.setdefault(key, [f"a request/response pair ({key}.request, {key}.response)"])
        groups.setdefault(key, []).append(s)
        group_of[s.path] = key
    for p in sorted(strong, key=lambda p: (-p.score, p.a.path, p.b.path)):
        ka, kb = group_of[p.a.path], group_of[p.b.path]
        if ka == kb:
            continue
        common = set.intersection(*(stems[s.path] for s in groups[ka] + groups[kb]))
        if not common:  # every schema of a group shares its stem: no chain event ~ event.control ~ control.x
            continue
        for s in groups.pop(kb):
            groups[ka].append(s)
            group_of[s.path] = ka
        merged.add(ka)
        why.setdefault(ka, []).extend(why.pop(kb, []))
        why[ka].append(f"{p.a.path} and {p.b.path} overlap (score {p.score:.2f}, {p.shared} fields) and share "
                       f"the name stem {'/'.join(p.stem)!r}")

    used = set(taken)
    out: list[Draft] = []
    for key in sorted(groups, key=lambda k: min(s.path for s in groups[k])):
        members = sorted(groups[key], key=lambda s: s.path)
        if len(members) == 1:
            base = family_id_for(names[members[0].path])
        elif key in merged:  # named by the stem its schemas share, in the order the first name has it
            words = [w for w in _name_words(names[members[0].path]) if all(w in stems[m.path] for m in members)]
            base = family_id_for("_".join(dict.fromkeys(words)) or key)
        else:  # a request/response pair: its common name
            base = family_id_for(key)
        family_id = _unique(base, used)
        used.add(family_id)
        inside = {m.path for m in members}
        noted = [p for p in pairs if (p.a.path in inside) != (p.b.path in inside)]  # not both here (grouped)
        out.append(Draft(family_id, members, "; ".join(why.get(key, [])), noted))
    return out


# name words that say nothing about what a schema is for (never a stem two schemas "share")
GENERIC_WORDS = frozenset({"schema", "schemas", "json", "jsonschema", "type", "types", "data", "def", "defs",
                           "definitions", "common", "base", "the", "of", "and", "for", "v", "x"})
NOTE_SCORE = 0.1  # a shared stem with at least this overlap (over 2 fields) is noted in the drafts
MAX_NOTED = 5_000  # pairs looked at for notes (a catalog of thousands of schemas)


def _name_words(name: str) -> list[str]:
    """The words of a schema name, singular (`strategies` -> `strategy`), generic ones and hashes left out."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    out = []
    for word in (w for part in _ID_PARTS.findall(spaced.lower()) if not _HASHY.match(part)
                 for w in _WORDS.findall(part)):
        if word in GENERIC_WORDS or word.isdigit() or re.fullmatch(r"v[0-9]+", word):
            continue
        out.append(_singular(word))
    return out


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _stems(loose: list[SchemaDoc], names: dict[str, str]) -> dict[str, set[str]]:
    """Schema path -> its name words that can be a shared stem: not a word nearly every name has (a vendor's
    prefix: `aws` in `AWS::S3::Bucket`)."""
    words = {s.path: set(_name_words(names[s.path])) for s in loose}
    df: dict[str, int] = {}
    for ws_ in words.values():
        for w in ws_:
            df[w] = df.get(w, 0) + 1
    common = {w for w, n in df.items() if len(loose) >= 4 and n * 2 > len(loose)}
    return {path: ws_ - common for path, ws_ in words.items()}


def overlapping_pairs(ws: Workspace, loose: list[SchemaDoc], stems: dict[str, set[str]]) -> list[Pair]:
    """Pairs of `loose` schemas that overlap (the overlap rule's scorer, on these schemas alone): at least
    `thresholds.overlap_warning`, or `NOTE_SCORE` when they share a name stem."""
    from .analysis.fields import Structure
    from .analysis.similarity import Scorer

    if len(loose) < 2:
        return []
    th = ws.config.thresholds
    scorer = Scorer(Structure(ws), ((s.path, (s,)) for s in loose))
    by_path = {s.path: s for s in loose}
    out = []
    for ka, kb in scorer.candidates()[:MAX_NOTED]:
        ov = scorer.best(ka, kb)
        if ov is None:
            continue
        a, b = sorted((by_path[ka], by_path[kb]), key=lambda s: s.path)
        stem = tuple(sorted(stems[a.path] & stems[b.path]))
        if ov.score >= th.overlap_warning or (stem and ov.score >= NOTE_SCORE and ov.shared >= 2):
            out.append(Pair(a, b, ov.score, ov.shared, stem))
    return sorted(out, key=lambda p: (p.a.path, p.b.path))


_HASHY = re.compile(r"^(?=[a-z]*[0-9])(?=[0-9]*[a-z])[0-9a-f]{8,}$|^[0-9a-f]{12,}$")  # 72c42b7d08edd4dc


def readable_name(s: SchemaDoc) -> str:
    """What a schema is called, for its family id and title: its file name, unless that is a hash or a
    number (a vendor catalog's `72c42b7d08edd4dc.json`): then its vendor key (`typeName`), `title` or `$id`."""
    if _says_something(s.name):
        return s.name
    for key in ("typeName", "title", "$id", "id"):
        value = s.body.get(key)
        if isinstance(value, str):
            if key in ("$id", "id"):
                value = value.rstrip("/#").rsplit("/", 1)[-1].removesuffix(".json").removesuffix(".schema")
            if _says_something(value):
                return value
    return s.name


def _says_something(name: str) -> bool:
    """A name with a word in it: not only hashes (`72c42b7d08edd4dc`) and numbers."""
    return any(not (_HASHY.match(w) or w.isdigit()) for w in _ID_PARTS.findall(name.lower()))


def _group_key(name: str, names: set[str]) -> str:
    """`X.request` and `X.response` group as `X` when both exist; any other name stands alone."""
    for suffix in PAIR_SUFFIXES:
        for sep in (".", "_", "-"):
            if name.endswith(sep + suffix):
                stem = name[: -len(suffix) - 1]
                if all(any(stem + s + other in names for s in (".", "_", "-")) for other in PAIR_SUFFIXES):
                    return stem
    return name


def family_id_for(name: str) -> str:
    """Schema name -> family id (`gate.decision` -> `gate_decision`, `AWS::S3::Bucket` -> `aws_s3_bucket`),
    always a valid id."""
    family_id = "_".join(_ID_PARTS.findall(name.lower())) or "family"
    return family_id if _ID_OK.match(family_id) else f"f_{family_id}"


def _unique(family_id: str, used: set[str]) -> str:
    candidate, n = family_id, 2
    while candidate in used:
        candidate, n = f"{family_id}_{n}", n + 1
    return candidate


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def _properties(body: dict[str, Any]) -> set[str]:
    props = body.get("properties")
    return {k.lower() for k in props} if isinstance(props, dict) else set()


def guess_intent_class(schemas: list[SchemaDoc], vocabulary: Iterable[str] = ()) -> str:
    """An intent class from the schemas' names first, then their top-level fields."""
    vocabulary = tuple(vocabulary) or WorkspaceConfig().intent_classes
    names = [w for s in schemas for w in _words(s.name)]
    props = set().union(*(_properties(s.body) for s in schemas)) if schemas else set()
    guess = _from_words(names, props) or _from_words([w for s in schemas for w in _words(s.title)], props)
    if guess is None:
        scores = {cls: len(props & fields) for cls, fields in SHAPE_HINTS}
        best = max(scores.values(), default=0)
        guess = next((cls for cls, _ in SHAPE_HINTS if scores[cls] == best), None) if best >= 2 else None
    guess = guess or FALLBACK
    return guess if guess in vocabulary else vocabulary[0]


def _from_words(words: list[str], props: set[str]) -> str | None:
    present = set(words)
    for cls, hints in NAME_HINTS:
        if present & hints:
            return cls
    if present & WEAK_JOB_WORDS and props & INPUT_FIELDS:
        return "job_invocation"
    return None


def _title(family_id: str, draft: Draft) -> str:
    schemas = draft.schemas
    if len(schemas) == 1:
        title = schemas[0].title.strip()
        if title and title != schemas[0].name:
            return title
        name = readable_name(schemas[0])
        if name != schemas[0].name:
            return name  # a vendor key (`AWS::S3::Bucket`) says more than a hashed file name
    return family_id.replace("_", " ").capitalize()


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=True)


def _flow(values: Iterable[str], quote: bool = False) -> str:
    items = [v if not quote and _PLAIN.match(v) else _q(v) for v in values]
    return "[" + ", ".join(items) + "]"


def _comment(text: str) -> list[str]:
    """`text` as comment lines (control characters from file names escaped: a comment never ends early)."""
    return ["# " + json.dumps(line, ensure_ascii=True)[1:-1] for line in text.splitlines()]


def family_yaml(draft: Draft, vocabulary: Iterable[str] = ()) -> str:
    """A draft family record: `FAMILY_HEADER`, why its schemas are one family, the overlapping schemas left to
    the architect, then the record with `guess: true`."""
    lines = [FAMILY_HEADER.rstrip("\n")]
    if draft.why:
        lines += _comment(f"Grouped: {draft.why}.")
    if draft.notes:
        lines.append("# To decide (not grouped: a weaker overlap, or no shared name stem):")
        lines += [c for note in draft.notes for c in _comment(f"  {note}")]
    lines += [
        f"family: {draft.id}",
        f"title: {_q(_title(draft.id, draft))}",
        f"intent_class: {guess_intent_class(draft.schemas, vocabulary)}",
        "schemas:",
        *(f"  - {_q(s.path)}" for s in draft.schemas),
        "guess: true",
    ]
    return "\n".join(lines) + "\n"


def workspace_yaml(config: WorkspaceConfig) -> str:
    """decisions/workspace.yaml spelling out every key of the configuration (`config`'s values; a key unset by
    default commented out). A test holds it to the packaged workspace schema: no key left out."""
    t, b = config.thresholds, config.budgets
    return WORKSPACE_HEADER + "\n".join([
        "version: 1",
        "schemas:",
        f"  globs: {_flow(config.schema_globs, quote=True)}",
        f"  shared_globs: {_flow(config.shared_globs, quote=True)}",
        "  # the dialect of a schema that declares no $schema: draft-04, draft-06, draft-07, 2019-09 or 2020-12",
        f"  dialect: {_q(config.dialect)}",
        "  # custom meta-schemas (a vendor dialect's $schema URI) -> the standard dialect each builds on",
        '  # dialects: {"https://example.com/provider.schema.json": draft-07}',
        "  # URI prefixes -> folders here: schemas published under a URL and stored in a folder",
        "  aliases: {" + ", ".join(f"{_q(p)}: {_q(f or '.')}" for p, f in config.aliases) + "}" if config.aliases
        else '  # aliases: {"https://example.com/schemas/": ssot/schemas}',
        "examples:",
        '  # {name}: schema file name without ".schema.json"',
        f"  patterns: {_flow(config.example_patterns, quote=True)}",
        "  # examples not named after their schema: a schema glob -> example globs (JSON, YAML, TOML)",
        '  # map: {"schemas/tool.manifest.schema.json": ["tools/*/manifest.yaml"]}',
        "pins:",
        "  # upstream pin folders: each pin_manifest.json pins the files of its folder by SHA-256",
        f"  manifests: {_flow(config.pin_manifests, quote=True)}",
        f"intent_classes: {_flow(config.intent_classes)}",
        f"stability_tiers: {_flow(config.stability_tiers)}",
        "thresholds:",
        f"  overlap_warning: {t.overlap_warning}     # structural similarity score (0..1) to warn",
        f"  overlap_min_shared: {t.overlap_min_shared}    # shared property paths needed before scoring",
        f"  duplication_min_properties: {t.duplication_min_properties}",
        f"  max_nesting: {t.max_nesting}",
        "# limits of the analysis: a repository may lower them, never raise them (`--raise-limits` can)",
        "budgets:  # per schema",
        f"  leaves: {b.leaves}        # instance-path leaves extracted",
        f"  depth: {b.depth}            # nesting followed below the schema root",
        f"  steps: {b.steps}       # work while extracting",
        f"  seconds: {b.seconds}        # wall-clock time, a last resort",
        "limits:",
        f"  max_file_bytes: {config.max_file_bytes}     # larger files are refused, not read",
        f"  max_total_bytes: {config.max_total_bytes}   # schemas and examples read in all",
        "  # folders examples.map may reach besides those of the globs above ([\".\"]: anywhere)",
        f"  content_folders: {_flow(config.extra_content_folders, quote=True)}",
        "compatibility:  # C001 and `workbench diff`, against `--against REF`",
        "  # mode: unset, so each family's tier and decision decide (stable reuse: full; stable extend/new and",
        "  # undecided: backward; experimental: backward, as warnings; internal: none); or backward|forward|full|none",
        f"  additive: {'true' if config.compatibility.additive else 'false'}"
        "  # an optional property added to an open object is compatible; false: the strict reading",
        "  tiers: {}  # per tier: a mode, or a mode and a reading: {stable/v1: {mode: full, additive: false}}",
        "# where `workbench export` writes the plan's documents: set it (or write decisions/plan.yaml)",
        "# when this repository runs the plan, and E001 checks them",
        "# export:",
        f"#   out: {config.export_out if _PLAIN.match(config.export_out) else _q(config.export_out)}",
        "# the wire contract: with a package, `workbench export` writes one .proto per mapped schema (README)",
        "# wire:",
        "#   package: acme.contracts.v1",
        f"#   out: {config.wire.out}",
        "#   families: []        # default: every new/extend family",
        "#   string_enums: []    # schema locations whose string enums stay `string`",
        "governance:",
        f"  undecided: {config.undecided}   # G001 (a schema in no family); `error` once every schema must be decided",
    ]) + "\n"


def _create(path: Path, text: str) -> bool:
    """Create `path` with `text`; False (and nothing written) when it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        return False
    return True
