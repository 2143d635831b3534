"""The published SARIF 2.1.0 schema (from ../shared/schemas, which CI provides) and a validator for it.

A missing schema skips the test on a developer machine, but fails it when `CI` is set: a validation
that silently never runs in CI proves nothing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json"
# RFC 3986 characters outside a host (brackets are for IPv6 hosts only): unreserved, sub-delims, : @ / ? #, %XX
_URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def sarif_schema() -> dict:
    if not SARIF_SCHEMA.is_file():
        why = (f"SARIF 2.1.0 schema not found at {SARIF_SCHEMA}: CI provides ../shared/schemas (README, "
               "Development: skipped tests)")
        if in_ci():
            pytest.fail(f"{why}; CI is set, so the SARIF validation must run")
        pytest.skip(why)
    return json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))


def is_uri_reference(value: str) -> bool:
    if not _URI_REFERENCE.fullmatch(value):
        return False
    if urlsplit(value).scheme:
        return True
    first_segment = re.split(r"[/?#]", value, maxsplit=1)[0]
    return ":" not in first_segment  # else the reference would read as a scheme


def is_uri(value: str) -> bool:
    return bool(_SCHEME.match(value)) and is_uri_reference(value)


def format_checker() -> jsonschema.FormatChecker:
    """The default checker plus `uri` and `uri-reference` (jsonschema checks those only with optional packages)."""
    checker = jsonschema.FormatChecker()
    checker.checks("uri")(is_uri)
    checker.checks("uri-reference")(is_uri_reference)
    return checker


def sarif_errors(log: dict) -> list[str]:
    """Every way `log` breaks the published schema (formats included), as readable lines."""
    schema = sarif_schema()
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft4Validator  # what the schema declares
    errors = sorted(cls(schema, format_checker=format_checker()).iter_errors(log), key=lambda e: list(e.absolute_path))
    return [f"{list(e.absolute_path)}: {e.message}" for e in errors]
