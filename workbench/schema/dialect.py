"""JSON Schema dialects (draft-04 to 2020-12) and the keyword vocabulary of each.

`dialect_of(body)` reads `$schema` (2020-12 when absent or unknown); a
workspace's `Reading` (`reading_of(config)`) adds its configured default and
its custom meta-schema URIs (`schemas.dialect`, `schemas.dialects`). A
`Dialect` says which keywords hold one subschema, a list of them, a map of
name -> subschema, which keyword declares a base URI (`id` in draft-04), and
which `referencing` specification and python-jsonschema validator apply.

    d = dialect_of({"$schema": "http://json-schema.org/draft-07/schema#"})
    d.name == "draft-07"; "additionalItems" in d.one; "dependencies" in d.maps
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import jsonschema
from referencing import jsonschema as specs

from ..config import WorkspaceConfig

if TYPE_CHECKING:
    from jsonschema.protocols import Validator
    from referencing import Specification

# annotations: never change which documents a schema accepts (`content*` included: an
# annotation in every draft unless a validator is told to assert it)
ANNOTATIONS = frozenset({
    "description", "title", "examples", "$comment", "default", "deprecated", "readOnly", "writeOnly",
    "$schema", "$id", "id", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$vocabulary",
    "contentMediaType", "contentEncoding",
})
# the formats the drafts define (draft-04 to 2020-12): a validator told to assert formats checks these; any
# other `format` value is an annotation for every spec-following validator
SPEC_FORMATS = frozenset({
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6",
    "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template", "json-pointer",
    "relative-json-pointer", "regex", "host-name", "ip-address", "color", "style", "phone", "utc-millisec",
})
# keywords whose value is data (never a subschema), in every draft
DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default", "description", "title", "$comment"})
# keywords whose value is a set (order carries no meaning)
SET_KEYWORDS = frozenset({"required", "enum", "type"})
# keywords applied to the same instance location (a `$ref` cycle through only these never terminates)
IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas")
REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


@dataclass(frozen=True)
class Dialect:
    name: str  # "draft-07"
    uri: str  # canonical `$schema` value, without a trailing "#"
    one: frozenset[str]  # value is one subschema
    lists: frozenset[str]  # value is a list of subschemas
    # value maps names to subschemas (non-schema values, e.g. draft-07 `dependencies` arrays, are skipped)
    maps: frozenset[str]
    one_or_list: frozenset[str]  # one subschema or a list (pre-2020 `items`)
    id_keyword: str  # "$id", or "id" in draft-04
    specification: Specification[Any]  # how `referencing` reads this dialect's resources
    validator: type[Validator]  # python-jsonschema validator class
    booleans: bool = True  # `true`/`false` are schemas (draft-06 and later)

    def __repr__(self) -> str:
        return f"Dialect({self.name})"

    @property
    def keywords(self) -> frozenset[str]:
        """Every keyword holding subschemas in this dialect."""
        return self.one | self.lists | self.maps | self.one_or_list


_D4_ONE = frozenset({"additionalItems", "additionalProperties", "not"})
_D4_MAPS = frozenset({"properties", "patternProperties", "definitions", "dependencies"})
_D6_ONE = _D4_ONE | {"contains", "propertyNames"}
_D7_ONE = _D6_ONE | {"if", "then", "else"}
_D2019_ONE = _D7_ONE | {"unevaluatedItems", "unevaluatedProperties", "contentSchema"}
_D2019_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_LISTS = frozenset({"allOf", "anyOf", "oneOf"})

DRAFT4 = Dialect("draft-04", "http://json-schema.org/draft-04/schema", _D4_ONE, _LISTS, _D4_MAPS,
                 frozenset({"items"}), "id", specs.DRAFT4, jsonschema.Draft4Validator, booleans=False)
DRAFT6 = Dialect("draft-06", "http://json-schema.org/draft-06/schema", _D6_ONE, _LISTS, _D4_MAPS,
                 frozenset({"items"}), "$id", specs.DRAFT6, jsonschema.Draft6Validator)
DRAFT7 = Dialect("draft-07", "http://json-schema.org/draft-07/schema", _D7_ONE, _LISTS, _D4_MAPS,
                 frozenset({"items"}), "$id", specs.DRAFT7, jsonschema.Draft7Validator)
DRAFT201909 = Dialect("2019-09", "https://json-schema.org/draft/2019-09/schema", _D2019_ONE, _LISTS, _D2019_MAPS,
                      frozenset({"items"}), "$id", specs.DRAFT201909, jsonschema.Draft201909Validator)
DRAFT202012 = Dialect("2020-12", "https://json-schema.org/draft/2020-12/schema",
                      (_D2019_ONE - {"additionalItems"}) | {"items"}, _LISTS | {"prefixItems"}, _D2019_MAPS,
                      frozenset(), "$id", specs.DRAFT202012, jsonschema.Draft202012Validator)

DIALECTS: tuple[Dialect, ...] = (DRAFT4, DRAFT6, DRAFT7, DRAFT201909, DRAFT202012)
_BY_URI = {d.uri: d for d in DIALECTS}
_BY_URI.update({d.uri.replace("http://", "https://"): d for d in DIALECTS if d.uri.startswith("http://")})
DEFAULT = DRAFT202012

# every keyword that holds subschemas in some dialect (what a dialect-agnostic caller may follow)
ALL_ONE = frozenset().union(*(d.one | d.one_or_list for d in DIALECTS))
ALL_LISTS = frozenset().union(*(d.lists for d in DIALECTS))
ALL_MAPS = frozenset().union(*(d.maps for d in DIALECTS))


# keywords whose value is data (assertions and annotations), in some dialect
VALUE_KEYWORDS = frozenset({
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
    "maxProperties", "minProperties", "required", "dependentRequired", "format", "$dynamicRef", "$recursiveRef",
}) | ANNOTATIONS | DATA_KEYWORDS
KNOWN_KEYWORDS = VALUE_KEYWORDS | ALL_ONE | ALL_LISTS | ALL_MAPS | {"$ref"}


def looks_like_schema(body: Any) -> bool:
    """A JSON document that reads as a schema without declaring `$schema`: an object whose keys are all
    JSON Schema keywords (or `x-` extensions), with at least one that gives it structure."""
    return (isinstance(body, dict) and all(k in KNOWN_KEYWORDS or k.startswith("x-") for k in body)
            and gives_structure(body))


def gives_structure(body: Any) -> bool:
    """An object with a keyword that gives a schema structure (`properties`, `definitions`, `allOf`,
    `if`, `items`, `$ref`, `type`, ...): with a vendor's own keywords beside them, still a schema in a
    schemas folder."""
    if not isinstance(body, dict) or not body:
        return False
    return (any(isinstance(body.get(k), dict) for k in ALL_MAPS | ALL_ONE)
            or any(isinstance(body.get(k), list) for k in ALL_LISTS)
            or isinstance(body.get("$ref"), str) or isinstance(body.get("type"), (str, list)))


# keywords a definitions library's root may hold beside its definitions: they never constrain a document
_LIBRARY_ROOT = ANNOTATIONS | {"$defs", "definitions"}
_CONSTRAINING = KNOWN_KEYWORDS - _LIBRARY_ROOT


def defines_only(body: Any) -> bool:
    """A definitions library (`defs.json`): a document whose root constrains nothing (annotations and
    definitions, or a bag of named subschemas such as `{"linux": {...}}`) and holds a subschema: it is
    only ever used through references into it, never as a schema of its own."""
    return (isinstance(body, dict) and _CONSTRAINING.isdisjoint(body)
            and any(isinstance(v, dict) for v in body.values()))


def by_uri(uri: Any) -> Dialect | None:
    """The dialect a `$schema` value names (trailing "#" and http/https ignored), None when unknown."""
    return _BY_URI.get(uri.rstrip("#")) if isinstance(uri, str) else None


def dialect_of(body: Any, default: Dialect = DEFAULT) -> Dialect:
    """The dialect `body` declares with `$schema`; `default` when it declares none or an unknown one."""
    if isinstance(body, dict):
        return by_uri(body.get("$schema")) or default
    return default


BY_NAME: dict[str, Dialect] = {d.name: d for d in DIALECTS}


@dataclass(frozen=True)
class Reading:
    """How a workspace reads `$schema` (`schemas.dialect` and `schemas.dialects` in workspace.yaml):
    the dialect of a schema that declares none, and custom meta-schema URIs (a vendor's dialect built
    on a standard one) read as the dialect each builds on. Never fetched: an unmapped unknown URI is
    read as the enclosing (or default) dialect, and V001 says so."""

    default: Dialect = DEFAULT
    custom: tuple[tuple[str, Dialect], ...] = ()  # (URI without a trailing "#", dialect), sorted

    def of(self, body: Any, parent: Dialect | None = None) -> Dialect:
        """The dialect `body` is read in; `parent` (else the default) when it declares none or an unknown one."""
        if isinstance(body, dict) and "$schema" in body:
            found = by_uri(body["$schema"]) or self.mapped(body["$schema"])
            if found is not None:
                return found
        return parent or self.default

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The same as plain data (a disk cache key): the default dialect's name, each custom URI's."""
        return self.default.name, tuple((uri, d.name) for uri, d in self.custom)

    def mapped(self, uri: Any) -> Dialect | None:
        """The dialect a custom `$schema` URI is mapped to, None when it is not."""
        if isinstance(uri, str):
            key = uri.rstrip("#")
            for custom, dialect in self.custom:
                if custom == key:
                    return dialect
        return None

    def unknown(self, body: Any) -> str | None:
        """The `$schema` of `body` when it names no known dialect and no mapped one."""
        if isinstance(body, dict) and "$schema" in body:
            uri = body["$schema"]
            if by_uri(uri) is None and self.mapped(uri) is None:
                return uri if isinstance(uri, str) else repr(uri)
        return None


STANDARD = Reading()


def reading_of(config: WorkspaceConfig) -> Reading:
    """How the workspace of `config` reads `$schema`."""
    return _reading(config.dialect, config.dialects)


@lru_cache(maxsize=16)
def _reading(default: str, custom: tuple[tuple[str, str], ...]) -> Reading:
    # unknown names fall back to the defaults: the workspace.yaml schema reports them
    return Reading(BY_NAME.get(default, DEFAULT),
                   tuple(sorted((uri.rstrip("#"), BY_NAME[name]) for uri, name in custom if name in BY_NAME)))
