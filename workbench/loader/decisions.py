"""Read `decisions/`: validate each file against its packaged schema, build records.

A field that fails validation is reported (file, line, field) and dropped; the
rest of the record still loads. In the containers listed in `ENTRY_WISE` (the
pattern lists of workspace.yaml) each invalid entry is dropped on its own, so
one bad pattern never takes the valid ones (or the whole section) with it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import Field, fields
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from jsonschema import Draft202012Validator

from .. import model as m
from ..cache import memo
from ..config import ABSENT, CEILINGS, Ceilings, WorkspaceConfig, is_list, lookup, yaml_key
from ..jsontext import Tokens
from .files import Files
from .yamlfile import ParsedYaml, parse_yaml

if TYPE_CHECKING:
    import jsonschema_rs
    from _typeshed import DataclassInstance

DECISIONS_DIR = "decisions"
T = TypeVar("T")
R = TypeVar("R", bound="DataclassInstance")
QUOTED = 24  # characters of a value a message quotes from a decisions file (not a schema or example)

# file (relative to decisions/) -> packaged schema name
SINGLE_FILES = {
    "checklist.yaml": "checklist",
    "work_packages.yaml": "work_packages",
    "gates.yaml": "gates",
    "risks.yaml": "risks",
    "identifiers.yaml": "identifiers",
    "provenance.yaml": "provenance",
    "error_mapping.yaml": "error_mapping",
    "invocation.yaml": "invocation",
    "waivers.yaml": "waivers",
    "baseline.yaml": "baseline",
    "plan.yaml": "plan",
    "wire_lock.yaml": "wire_lock",
}


# the records of each decisions file: packaged schema -> the key of a list of records ("" for the file itself)
# -> the record (docs/reference/records.md shows each one's defaults)
RECORDS: dict[str, dict[str, type[Any]]] = {
    "workspace": {"": WorkspaceConfig},
    "family": {"": m.Family, "waivers": m.Waiver, "representation_deltas": m.RecordedDelta},
    "delta": {"": m.Delta},
    "checklist": {"items": m.ChecklistItem},
    "work_packages": {"packages": m.WorkPackage, "handoff": m.Handoff},
    "gates": {"gates": m.Gate, "change_classes": m.ChangeClass},
    "risks": {"risks": m.Risk},
    "identifiers": {"identifiers": m.Identifier},
    "provenance": {"": m.Provenance},
    "error_mapping": {"": m.ErrorMappingPolicy, "mappings": m.ErrorMapping},
    "invocation": {"": m.InvocationPolicy},
    "waivers": {"waivers": m.Waiver},
    "baseline": {"findings": m.BaselineEntry},
    "plan": {"": m.Plan, "phases": m.Phase, "downstream": m.DownstreamIssue, "service_items": m.ServiceItem},
}


# containers (paths; "*" is any key) whose invalid entries are dropped one by one, per file kind;
# elsewhere an error drops the top-level field, or the entry of a top-level list
ENTRY_WISE: dict[str, tuple[tuple[str, ...], ...]] = {
    "workspace": (("schemas",), ("schemas", "globs"), ("schemas", "shared_globs"), ("schemas", "aliases"),
                  ("examples",), ("examples", "patterns"), ("examples", "map"), ("examples", "map", "*"),
                  ("pins",), ("pins", "manifests")),
}


@cache
def decisions_schema(kind: str) -> dict[str, Any]:
    """The packaged JSON Schema for one decisions file kind (the TUI form reads its descriptions)."""
    text = resources.files("workbench").joinpath(f"decisions_schemas/{kind}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(decisions_schema(kind))


@cache
def fast_validator(kind: str) -> jsonschema_rs.Validator:
    """jsonschema-rs for the common case (valid files); python jsonschema explains failures."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(decisions_schema(kind))


class FileReader:
    """Reads decisions files, collecting problems; `cache` skips unchanged files."""

    def __init__(self, root: Path, cache: dict[str, tuple[tuple[int, int], ParsedYaml]] | None = None,
                 files: Files | None = None):
        self.root = root
        self.files = files or Files(root)  # the loader swaps in the configured size cap after the config
        self.problems: list[m.Problem] = []
        self.cache = cache if cache is not None else {}
        self.read_ok: set[str] = set()  # files that were read (parsed or not)

    def read(self, rel: str, parse: Callable[[str, bytes], ParsedYaml] | None = None) -> ParsedYaml | None:
        """`rel` parsed (YAML, or what `parse` reads), reused from the cache while unchanged."""
        try:
            stat = self.files.stat(rel)
            key = (stat.st_mtime_ns, stat.st_size)
            hit = self.cache.get(rel)
            if hit and hit[0] == key:
                parsed = hit[1]
            else:
                parsed = (parse or parse_yaml)(rel, self.files.read(rel))
                self.cache[rel] = (key, parsed)
        except OSError as exc:
            self.problems.append(m.Problem(rel, f"cannot read: {exc.strerror or exc}"))
            return None
        self.read_ok.add(rel)
        self.problems.extend(parsed.problems)
        return parsed if parsed.value is not None or not parsed.problems else None

    def validated(self, rel: str, kind: str, parse: Callable[[str, bytes], ParsedYaml] | None = None
                  ) -> tuple[dict[str, Any], ParsedYaml] | None:
        """Parse + validate; drop each invalid top-level field (or entry, see `ENTRY_WISE`) after reporting it.
        An unchanged file (the same parsed file from the `LoadCache`) is not validated again."""
        parsed = self.read(rel, parse)
        if parsed is None:
            return None
        hit = _VALIDATED.get((rel, kind))
        if hit is not None and hit[0] is parsed:
            self.problems.extend(hit[2])
            return hit[1]
        start = len(self.problems)
        found = self._validate(rel, kind, parsed)
        _VALIDATED[(rel, kind)] = (parsed, found, tuple(self.problems[start:]))
        return found

    def _validate(self, rel: str, kind: str, parsed: ParsedYaml) -> tuple[dict[str, Any], ParsedYaml] | None:
        data = parsed.value
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.problems.append(m.Problem(rel, "expected a mapping at the top level", 1))
            return None
        fine = ENTRY_WISE.get(kind, ())
        bad: set[Tokens] = set()
        for path in _non_finite(data):  # `.nan` and `.inf` pass every numeric bound of a schema
            field = ".".join(map(str, path))
            self.problems.append(m.Problem(rel, f"{field}: NaN and infinite numbers are not allowed",
                                           parsed.line(path), field=field))
            bad.add(_unit(path, fine))
        dropped = frozenset(bad)  # already reported (a dropped list entry is None now)
        if bad:
            data = _without(data, bad)
            bad = set()
        if fast_validator(kind).is_valid(data):
            return data, parsed
        for err in sorted(validator(kind).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            path = tuple(err.absolute_path)
            if path in dropped:
                continue
            if err.validator == "required" and not path:
                self.problems.append(m.Problem(rel, err.message, 1, field="(root)"))
                return None
            entries = _entries(err, path) if _within(path, fine) else None
            if entries:  # unknown keys or repeated entries of an entry-wise container: each one on its own
                for at, message in entries:
                    field = ".".join(map(str, at))
                    self.problems.append(m.Problem(rel, f"{field}: {message}", parsed.line(at), field=field))
                    bad.add(at)
                continue
            field = ".".join(map(str, path)) or "(root)"
            self.problems.append(m.Problem(rel, f"{field}: {_quoting(err)}", parsed.line(path), field=field))
            bad.add(_unit(path, fine))
        return _without(data, bad), parsed


def _clip(text: str) -> str:
    return text if len(text) <= QUOTED else text[:QUOTED] + "..."


def _quoting(err: Any) -> str:
    """python-jsonschema's message with the offending value clipped to `QUOTED` characters: a decisions file
    is neither a schema nor an example, so a message never echoes much of it (a secret pasted by mistake)."""
    message: str = err.message
    shown = repr(err.instance)
    return message.replace(shown, _clip(shown)) if len(shown) > QUOTED else message


def _within(path: Tokens, containers: tuple[tuple[str, ...], ...]) -> bool:
    """Whether `path` is one of `containers` ("*" matching any key)."""
    return any(len(c) == len(path) and all(a == "*" or a == b for a, b in zip(c, path, strict=True))
               for c in containers)


def _entries(err: Any, path: Tokens) -> list[tuple[Tokens, str]] | None:
    """(path, message) of each offending entry when `err` is about some entries of the container
    at `path` (keys `additionalProperties: false` refuses, later copies of a repeated list entry)."""
    inst = err.instance
    if "propertyNames" in err.relative_schema_path and isinstance(inst, str):  # the instance is the bad key
        return [(path + (inst,), f"key {_quoting(err)}: ignored")]
    if err.validator == "additionalProperties" and err.validator_value is False and isinstance(inst, dict):
        known = err.schema.get("properties", {})
        allowed = ", ".join(known) or "none"
        return [(path + (k,), f"unknown key (allowed here: {allowed}): ignored") for k in inst if k not in known]
    if err.validator == "uniqueItems" and isinstance(inst, list):
        seen: list[Any] = []
        out: list[tuple[Tokens, str]] = []
        for i, item in enumerate(inst):
            if item in seen:
                out.append((path + (i,), f"{_clip(repr(item))} is listed twice: ignored"))
            else:
                seen.append(item)
        return out
    return None


def _unit(path: Tokens, fine: tuple[tuple[str, ...], ...] = ()) -> Tokens:
    """The smallest unit dropped for an error at `path`: an entry of the innermost entry-wise container
    holding it, else a top-level list entry, else the top-level field."""
    for n in range(len(path) - 1, 0, -1):
        if _within(path[:n], fine):
            return path[: n + 1]
    return path[:2] if len(path) > 1 and isinstance(path[1], int) else path[:1]


def _non_finite(data: Any) -> list[Tokens]:
    """Paths of the NaN/infinite floats in parsed YAML."""
    out: list[Tokens] = []
    stack: list[tuple[Tokens, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            out.append(path)
        elif isinstance(node, dict):
            stack.extend((path + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
    return sorted(out, key=lambda p: list(map(str, p)))


def _without(data: dict[str, Any], bad: set[Tokens]) -> dict[str, Any]:
    """`data` minus the invalid fields and list entries named in `bad` (paths); a dropped list
    entry becomes None, which keeps later entries at their index (and line)."""
    inner = {p[:i] for p in bad for i in range(1, len(p))}

    def drop(node: Any, path: Tokens) -> Any:
        if isinstance(node, dict):
            return {k: drop(v, path + (k,)) if path + (k,) in inner else v
                    for k, v in node.items() if path + (k,) not in bad}
        if isinstance(node, list):
            return [None if path + (i,) in bad else drop(v, path + (i,)) if path + (i,) in inner else v
                    for i, v in enumerate(node)]
        return node

    out: dict[str, Any] = drop(data, ())
    return out


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(v for v in value if v is not None) if isinstance(value, list) else ()


@cache
def _declared(cls: type[Any]) -> tuple[tuple[Field[Any], str | None, bool], ...]:
    """(field, its YAML key, whether it is a list) for each field of a record."""
    return tuple((f, yaml_key(f), is_list(f)) for f in fields(cls))


def record(cls: type[R], data: dict[str, Any], line: int | None = None, **given: Any) -> R:
    """A `cls` built from its YAML mapping: each field from its declared key (a list as a tuple, None entries
    left out); an absent key keeps the field's default, or takes the value of the field its `or` names (also
    when empty). `line` fills a `line` field; `given` sets fields the loader builds itself."""
    values = dict(given)
    for f, key, listed in _declared(cls):
        if f.name in values:
            continue
        if f.name == "line":
            values["line"] = line
        elif key is not None and (value := lookup(data, key, ABSENT)) is not ABSENT:
            values[f.name] = _tuple(value) if listed else value
    for f, _key, listed in _declared(cls):
        if (other := f.metadata.get("or")) and not values.get(f.name):
            values[f.name] = (values[other],) if listed else values[other]
    return cls(**values)


def _lines(parsed: ParsedYaml) -> dict[str, int]:
    """Field lines keyed by dotted path ("owner", "schemas.1", "waivers.0.rule")."""
    return {".".join(map(str, p)): line for p, line in parsed.lines.items() if p}


def read_config(reader: FileReader, ceilings: Ceilings | None = CEILINGS) -> WorkspaceConfig:
    """decisions/workspace.yaml (defaults when absent), its limits held to `ceilings` (None: none):
    a limit set above its ceiling is a warning at its line."""
    rel = f"{DECISIONS_DIR}/workspace.yaml"
    if not reader.files.is_file(rel) and not os.path.lexists(reader.root / rel):
        return WorkspaceConfig()
    got = reader.validated(rel, "workspace")
    if not got:
        return WorkspaceConfig()
    config = WorkspaceConfig.from_data(got[0], got[1].lines, ceilings)
    for key, value, ceiling in config.capped:
        path = tuple(key.split("."))
        reader.problems.append(m.Problem(
            rel, f"{key}: {value} is above the built-in ceiling {ceiling}, which applies (a repository may "
                 "lower a limit, not raise it; run with --raise-limits for a repository you trust)",
            got[1].line(path), field=key, kind="warning"))
    return config


def _family(rel: str, data: dict[str, Any], parsed: ParsedYaml) -> m.Family:
    return record(m.Family, data, path=rel, representation_deltas=_prose(data.get("representation_deltas")),
                  recorded_deltas=_record_list("family", "representation_deltas", data, parsed),
                  waivers=_record_list("family", "waivers", data, parsed, path=rel), lines=_lines(parsed))


def _prose(deltas: Any) -> str | None:
    """`representation_deltas` as one line for the reuse matrix: the text, or each recorded delta
    ("int64_string (sequence): why; enum_name")."""
    if not isinstance(deltas, list):
        return deltas if isinstance(deltas, str) else None
    parts = [d["kind"] + (f" ({', '.join(_tuple(d.get('fields')))})" if d.get("fields") else "")
             + (f": {d['note']}" if d.get("note") else "") for d in deltas if isinstance(d, dict)]
    return "; ".join(parts) or None


def _lock(data: dict[str, Any]) -> m.WireLock:
    """The field-number lock; types by full name, messages then enums."""
    types = [m.LockedType(name, kind, e["schema"], e["pointer"], e.get("family"), e["file"],
                          tuple(sorted((e.get(key) or {}).items(), key=lambda kv: kv[1])),
                          tuple(sorted((e.get("retired") or {}).items(), key=lambda kv: kv[1])),
                          bool(e.get("removed", False)))
             for group, kind, key in (("messages", "message", "fields"), ("enums", "enum", "values"))
             for name, e in sorted((data.get(group) or {}).items()) if isinstance(e, dict)]
    return m.WireLock(data.get("package", ""), tuple(types))


def _delta(rel: str, data: dict[str, Any], parsed: ParsedYaml) -> m.Delta:
    return record(m.Delta, data, path=rel, lines=_lines(parsed))


def _plan(rel: str, data: dict[str, Any], parsed: ParsedYaml) -> m.Plan:
    """The plan's labels; a key that is absent (or was dropped as invalid) keeps its neutral default."""
    sections: dict[str, Any] = data["sections"] if isinstance(data.get("sections"), dict) else {}
    documents: dict[str, Any] = data["documents"] if isinstance(data.get("documents"), dict) else {}
    return record(
        m.Plan, data,
        sections=tuple(sorted((k, v) for k, v in sections.items() if isinstance(v, str))),
        phases=_record_list("plan", "phases", data, parsed),
        downstream=_record_list("plan", "downstream", data, parsed),
        service_items=_record_list("plan", "service_items", data, parsed),
        header=record(m.DocHeader, data["header"]) if isinstance(data.get("header"), dict) else m.DocHeader(),
        documents=tuple(sorted((name, record(m.DocLabels, d, header=record(m.DocHeader, d)))
                               for name, d in documents.items() if isinstance(d, dict))),
        path=rel,
        lines=_lines(parsed),
    )


# (file, kind) -> (the parsed file, what `validated` gave for it, the problems it reported): kept while the file is
Validated = tuple[dict[str, Any], ParsedYaml] | None
_VALIDATED: dict[tuple[str, str], tuple[ParsedYaml, Validated, tuple[m.Problem, ...]]] = memo("decisions.validated")
# (file, record builder) -> (the parsed file, the record built from it)
_BUILT: dict[tuple[str, Any], tuple[ParsedYaml, Any]] = memo("decisions.records")


def _records(reader: FileReader, folder: str, kind: str, key: str,
             build: Callable[[str, dict[str, Any], ParsedYaml], T]) -> list[T]:
    out: list[T] = []
    seen: dict[str, str] = {}
    rels, problems = reader.files.glob(f"{DECISIONS_DIR}/{folder}/*.yaml")
    reader.problems.extend(problems)
    for rel in rels:
        path = PurePosixPath(rel)
        got = reader.validated(rel, kind)
        if not got:
            continue
        data, parsed = got
        if key not in data:  # invalid identity: already reported
            continue
        if data[key] != path.stem:
            reader.problems.append(
                m.Problem(rel, f"{key} {data[key]!r} does not match the file name {path.stem!r}", parsed.line((key,)),
                          field=key)
            )
        if data[key] in seen:
            reader.problems.append(m.Problem(rel, f"{key} {data[key]!r} is also defined in {seen[data[key]]}",
                                             parsed.line((key,)), field=key))
            continue
        seen[data[key]] = rel
        hit = _BUILT.get((rel, build))
        if hit is None or hit[0] is not parsed:
            hit = _BUILT[(rel, build)] = (parsed, build(rel, data, parsed))
        out.append(hit[1])
    return out


def _record_list(kind: str, key: str, data: dict[str, Any], parsed: ParsedYaml, **given: Any) -> tuple[Any, ...]:
    """The records of the list at `key` in a `kind` file (see `RECORDS`), each with its line."""
    items = data.get(key)
    return tuple(record(RECORDS[kind][key], item, parsed.line((key, i)), **given)
                 for i, item in enumerate(items if isinstance(items, list) else []) if isinstance(item, dict))


def read_decisions(reader: FileReader) -> m.Decisions:
    """Everything under decisions/, each file validated; problems go to the reader."""
    try:
        if not reader.files.real(DECISIONS_DIR).is_dir():
            return m.Decisions()
    except OSError as exc:
        reader.problems.append(m.Problem(DECISIONS_DIR, exc.strerror or str(exc)))
        return m.Decisions()
    families = _records(reader, "families", "family", "family", _family)
    deltas = _records(reader, "deltas", "delta", "delta", _delta)
    single: dict[str, dict[str, Any]] = {}
    parsed_by: dict[str, ParsedYaml] = {}
    for name, kind in SINGLE_FILES.items():
        rel = f"{DECISIONS_DIR}/{name}"
        if reader.files.is_file(rel) or os.path.lexists(reader.root / rel):
            got = reader.validated(rel, kind)
            if got:
                single[kind], parsed_by[kind] = got
    empty = ParsedYaml(None, {})

    def part(kind: str) -> tuple[dict[str, Any], ParsedYaml]:
        return single.get(kind, {}), parsed_by.get(kind, empty)

    def entries(kind: str, key: str, **given: Any) -> tuple[Any, ...]:
        return _record_list(kind, key, *part(kind), **given)

    prov, errs, inv, plan, lock = (single.get(kind) for kind in
                                   ("provenance", "error_mapping", "invocation", "plan", "wire_lock"))
    return m.Decisions(
        families=tuple(sorted(families, key=lambda f: f.id)),
        deltas=tuple(sorted(deltas, key=lambda d: d.id)),
        checklist=entries("checklist", "items"),
        work_packages=entries("work_packages", "packages"),
        handoff=entries("work_packages", "handoff"),
        gates=entries("gates", "gates"),
        change_classes=entries("gates", "change_classes"),
        risks=entries("risks", "risks"),
        identifiers=entries("identifiers", "identifiers"),
        provenance=record(m.Provenance, prov, lines=_lines(parsed_by["provenance"])) if prov else None,
        error_mapping=record(m.ErrorMappingPolicy, errs, mappings=entries("error_mapping", "mappings"),
                             lines=_lines(parsed_by["error_mapping"])) if errs is not None else None,
        invocation=record(m.InvocationPolicy, inv) if inv is not None else None,
        waivers=entries("waivers", "waivers", path=f"{DECISIONS_DIR}/waivers.yaml"),
        baseline=entries("baseline", "findings") if "baseline" in single else None,
        plan=_plan(f"{DECISIONS_DIR}/plan.yaml", plan, parsed_by["plan"]) if plan is not None else m.Plan(),
        wire_lock=_lock(lock) if lock is not None and "package" in lock else None,
        present=True,
    )
