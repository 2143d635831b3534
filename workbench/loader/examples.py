"""Examples: which files are examples of which schema, and reading them (JSON, YAML or TOML).

Two ways to name examples, both from `decisions/workspace.yaml`, both applied:

- `examples.patterns`: path patterns with a `{name}` placeholder (the schema file
  name without `.schema.json`): `ssot/examples/{name}/*.json`;
- `examples.map`: schema glob -> example globs, for examples not named after
  their schema (`schemas/tool.manifest.schema.json: [tools/*/manifest.yaml]`).
  Every file an entry's globs match is an example of every schema its key
  matches; entries are taken in order while their pairs fit `MAP_FANOUT` per
  contract schema and mapped file (1,000 schemas x 1,000 files is one refused
  entry, not a million validations).

Every glob goes through the containment policy (`Files.glob`) and must stay in
the content folders (`limits.content_folders`; by default the top folders of
`schemas.globs` and `examples.patterns`, `["."]` opts out): a file a CI step left
elsewhere (credentials) is never read as an example and quoted in a V002. A
refused one is a problem on workspace.yaml at the pattern's line. A document is read by its
suffix: `.yaml`/`.yml` with the libyaml reader of `yamlfile.py` (standard tags,
bounded aliases, a line per value), `.toml` with `tomllib` (`tomlfile.py`),
anything else as JSON. YAML and TOML sources carry their value lines, so
`Source.line_of(pointer)` answers for them as it does for JSON.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

from .. import model as m
from ..config import WorkspaceConfig
from ..jsontext import Tokens
from .files import Files, escapes, within
from .jsonfile import Parsed, decode, make_source, parse_json
from .tomlfile import parse_toml
from .yamlfile import parse_yaml

YAML_SUFFIXES = (".yaml", ".yml")
# `examples.map` pairs (schema, example file) allowed per contract schema or mapped file, all entries together:
# the cost of mapping (and validating) is bounded by the number of files, never by their product
MAP_FANOUT = 16
TOML_SUFFIXES = (".toml",)


def configured_glob(files: Files, pattern: str, source: str, line: int | None,
                    folders: tuple[str, ...] = (".",)) -> tuple[list[str], list[m.Problem]]:
    """`files.glob(pattern)`, a refused pattern reported on `source` (workspace.yaml) at `line`, the pattern's;
    a pattern reaching outside the content `folders` (`limits.content_folders`) is refused too."""
    if not escapes(pattern) and not within(pattern, folders):
        return [], [m.Problem(source, f"pattern {pattern!r} reaches outside the content folders "
                                      f"({', '.join(folders)}; limits.content_folders): ignored", line)]
    found, problems = files.glob(pattern, source)
    return found, [replace(p, line=line) if p.path == source and p.line is None else p for p in problems]


def example_files(files: Files, config: WorkspaceConfig, schemas: list[m.SchemaDoc], source: str,
                  problems: list[m.Problem]) -> list[tuple[m.SchemaDoc, str]]:
    """(schema, example path) pairs, sorted: the `{name}` patterns matched back to schema names,
    then `examples.map`. Shared `$defs` libraries have no examples."""
    contracts = [s for s in schemas if not s.shared]
    by_name = {s.name: s for s in contracts}
    pairs: set[tuple[str, str]] = set()
    for pattern in config.example_patterns:
        if "{name}" not in pattern:
            continue
        regex = re.compile(
            "".join("(?P<name>[^/]+)" if part == "{name}" else _glob_regex(part)
                    for part in re.split(r"(\{name\})", pattern))
        )
        rels, probs = configured_glob(files, pattern.replace("{name}", "*"), source,
                                      config.line("examples.patterns", pattern), config.content_folders)
        problems.extend(probs)
        for rel in rels:
            match = regex.fullmatch(rel)
            schema = by_name.get(match.group("name")) if match else None
            if schema:
                pairs.add((schema.path, rel))
    index = {s.path: s for s in schemas}
    entries = []  # (schema glob, contract schemas it matches, [(example glob, files)])
    for key, globs in config.example_map:
        found, probs = configured_glob(files, key, source, config.line("examples.map", key), config.content_folders)
        problems.extend(probs)
        targets = [p for p in found if p in index and not index[p].shared]
        if not probs and not targets:
            problems.append(m.Problem(source, f"examples.map.{key}: matches no contract schema, so no example is "
                                              "read for it", config.line("examples.map", key),
                                      field=f"examples.map.{key}"))
        matched = []
        for glob in globs:
            rels, probs = configured_glob(files, glob, source, config.line("examples.map", key, glob),
                                          config.content_folders)
            problems.extend(probs)
            matched.append((glob, [rel for rel in rels if rel not in index]))
        entries.append((key, targets, matched))
    mapped = {rel for _, _, matched in entries for _, rels in matched for rel in rels}
    allowed = MAP_FANOUT * (len(contracts) + len(mapped))
    for key, targets, matched in entries:
        rels = sorted({rel for _, found in matched for rel in found})
        if len(targets) * len(rels) > allowed:  # never made: each of these pairs would be validated
            problems.append(m.Problem(
                source, f"examples.map.{key}: makes every one of its {len(rels)} example files an example of each of "
                        f"its {len(targets)} schemas ({len(targets) * len(rels)} pairs), over the {allowed} left of "
                        f"{MAP_FANOUT} per mapped schema or file: ignored (map each schema to its own examples)",
                config.line("examples.map", key), field=f"examples.map.{key}"))
            continue
        allowed -= len(targets) * len(rels)
        pairs.update((schema, rel) for schema in targets for rel in rels)
    return [(index[sp], rel) for sp, rel in sorted(pairs)]


def _glob_regex(pattern: str) -> str:
    """A glob fragment as a regex: `**/` any folders, `*` within one name, `?` one character."""
    out = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
    return out.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")


def example_globs(config: WorkspaceConfig) -> list[str]:
    """Every glob naming examples (the `{name}` patterns with `*`), for watchers."""
    return [*(p.replace("{name}", "*") for p in config.example_patterns),
            *(g for _, globs in config.example_map for g in globs)]


def parse_example(path: str, data: bytes, max_nesting: int = 64) -> Parsed:
    """An example document by its suffix: YAML, TOML, else JSON; every failure a `Problem` with a line."""
    lower = path.lower()
    if lower.endswith(YAML_SUFFIXES):
        got = parse_yaml(path, data)
        if got.source is None or got.value is None and got.problems:
            return Parsed(got.source, None, tuple(replace(p, kind="fatal") for p in got.problems))
        source = replace(got.source, lines={tuple(map(str, k)): v for k, v in got.lines.items()})
        return _checked(source, got.value, max_nesting, "YAML")
    if lower.endswith(TOML_SUFFIXES):
        text = decode(path, data)
        if isinstance(text, m.Problem):
            return Parsed(None, None, (text,))
        value, lines, problems = parse_toml(path, text)
        source = replace(make_source(path, text), lines=lines)
        if problems:
            return Parsed(source, None, problems)
        return _checked(source, value, max_nesting, "TOML")
    return parse_json(path, data, max_nesting)


def _checked(source: m.Source, value: Any, max_nesting: int, kind: str) -> Parsed:
    """`value` unless it is no JSON document: nested deeper than `max_nesting`, or a NaN/infinite number."""
    deep = _deep_path(value, max_nesting)
    if deep is not None:
        return Parsed(source, None, (m.Problem(source.path, f"nesting deeper than {max_nesting} levels",
                                               source.line_of(deep), kind="fatal"),))
    bad = _non_finite(value)
    if bad is not None:
        ptr = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in bad)
        return Parsed(source, None, (m.Problem(source.path, f"{ptr or '/'}: NaN and infinite numbers are not JSON "
                                               f"(a {kind} example must be a JSON document)", source.line_of(bad),
                                               kind="fatal"),))
    return Parsed(source, value, ())


def _deep_path(value: Any, limit: int) -> Tokens | None:
    """Path of a container nested deeper than `limit` (the root counts as 1), or None."""
    stack: list[tuple[Any, Tokens]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if len(path) + 1 > limit:
            return path
        if isinstance(node, dict):
            stack.extend((v, path + (k,)) for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, path + (i,)) for i, v in enumerate(node) if isinstance(v, (dict, list)))
    return None


def _non_finite(value: Any) -> Tokens | None:
    """Path of the first NaN/infinite float, or None."""
    stack: list[tuple[Any, Tokens]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return path
        if isinstance(node, dict):
            stack.extend((v, path + (k,)) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((v, path + (i,)) for i, v in reversed(list(enumerate(node))))
    return None
