"""SARIF 2.1.0: the rules in the tool's driver, one result per finding.

Locations are percent-encoded relative URI references (`sanitize.uri`) against `ROOT`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from ..engine import CheckResult
from ..findings import Location
from . import reporter, sanitize

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def artifact_location(path: str) -> dict[str, str]:
    """A relative path as a percent-encoded URI reference against ROOT; an absolute one as a file URI."""
    if path.startswith("/"):
        return {"uri": Path(path).as_uri()}
    return {"uri": sanitize.uri(path), "uriBaseId": "ROOT"}


def _location(loc: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(loc.file)}
    if loc.line:
        physical["region"] = {"startLine": loc.line}
    out: dict[str, Any] = {"physicalLocation": physical}
    if loc.pointer:
        out["logicalLocations"] = [{"fullyQualifiedName": loc.pointer, "kind": "member"}]
    return out


def sarif_log(result: CheckResult) -> dict[str, Any]:
    """The log as plain data; strings are made JSON-safe by `sanitize.dumps` in `render_sarif`."""
    rules = sorted(result.rules, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    driver = {
        "name": "workbench",
        "informationUri": "https://github.com/contract-workbench/workbench",
        "version": __version__,
        "rules": [
            {
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.name.replace("-", " ")},
                "fullDescription": {"text": r.explanation or r.name},
                "defaultConfiguration": {"level": LEVEL[r.severity]},
                "properties": {"category": r.category},
            }
            for r in rules
        ],
    }
    results: list[dict[str, Any]] = []
    has_baseline = any(f.baselined for f in result.findings)
    for f in result.findings:
        res: dict[str, Any] = {
            "ruleId": f.rule,
            "level": LEVEL[f.severity],
            "message": {"text": f.text()},
            "locations": [_location(f.location)],
            "properties": {"category": f.category, "subjects": list(f.subjects)} | dict(f.data),
        }
        if f.related:
            res["relatedLocations"] = [_location(loc) | {"id": i} for i, loc in enumerate(f.related, 1)]
        if f.rule in index:
            res["ruleIndex"] = index[f.rule]
        if has_baseline:
            res["baselineState"] = "unchanged" if f.baselined else "new"
        results.append(res)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {"ROOT": {"uri": Path(result.root).as_uri() + "/"}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


@reporter("sarif", is_json=True, order=30)
def render_sarif(result: CheckResult) -> str:
    return sanitize.dumps(sarif_log(result), indent=2, sort_keys=True) + "\n"
