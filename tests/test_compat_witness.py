"""The change classifier against a witness search (tests/witness.py): a document one version accepts and the
other rejects proves a narrowing (valid before) or a widening (valid after), so a narrowing witness must come
with a narrowed/both verdict and a widening witness with widened/both. Run on every case of the compatibility
table and on pairs made by mutating real schemas (the shipped ones, check-jsonschema's vendored catalog).

Each test counts the cases it really checked (at least one candidate document one version accepts) and fails
under a floor; it reports, as a warning, how many verdicts a witness backs and which cases hypothesis-jsonschema
could build no strategy for."""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from compat_cases import CASES
from conftest import REPO_ROOT
from witness import disagreement, search

from workbench.analysis.compat import BOTH, NARROWED, WIDENED, combine, compare_schemas

TABLE_FLOOR = 250
REAL_FLOOR = 100  # 108 with the oldest check-jsonschema allowed (8 catalog schemas), 184 with today's


class WitnessReport(UserWarning):
    """What a witness search checked: shown in pytest's warnings summary."""


def verdict(old: Any, new: Any) -> str:
    return combine(c.effect for c in compare_schemas(old, new))


def run(pairs: list[tuple[str, Any, Any]], what: str, floor: int) -> None:
    problems: list[str] = []
    checked, no_strategy = 0, []
    backed = {NARROWED: [0, 0], WIDENED: [0, 0]}
    for name, old, new in pairs:
        effect = verdict(old, new)
        found = search(old, new)
        checked += found.checked
        if found.strategies < 2:
            no_strategy.append(name)
        for side, witness in ((NARROWED, found.found_n), (WIDENED, found.found_w)):
            if effect in (side, BOTH):
                backed[side][0] += 1
                backed[side][1] += witness
        why = disagreement(effect, found)
        if why:
            problems.append(f"{name}: {why}")
    warnings.warn(WitnessReport(
        f"{what}: {checked} of {len(pairs)} cases checked; witnesses back {backed[NARROWED][1]} of "
        f"{backed[NARROWED][0]} narrowing and {backed[WIDENED][1]} of {backed[WIDENED][0]} widening verdicts; "
        f"no hypothesis-jsonschema strategy for one or both versions of {len(no_strategy)}: {no_strategy}"),
        stacklevel=2)
    assert not problems, "\n".join(problems)
    assert checked >= floor, f"only {checked} {what} cases checked (floor {floor})"


@pytest.mark.slow
def test_table_verdicts_agree_with_witnesses():
    run([(c[0], c[1], c[2]) for c in CASES], "table", TABLE_FLOOR)


# --- pairs made by mutating real schemas ------------------------------------------------------------------
MAX_SIZE = 2500  # characters of JSON: a standalone subschema larger than this is left out (bounded time)
PER_SCHEMA = 4  # pairs taken from one real schema


def real_schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, body) of the shipped contract schemas (file references inlined) and check-jsonschema's catalog."""
    shipped = REPO_ROOT / "ssot/schemas"
    for path in sorted(shipped.glob("*.schema.json")):
        yield path.name, _inline(json.loads(path.read_text()), path)
    import check_jsonschema

    vendor = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor"
    for path in sorted(vendor.glob("*.json")):
        yield path.name, json.loads(path.read_text())


def _inline(node: Any, path: Path, depth: int = 0) -> Any:
    """`node` with references to other files replaced by what they point at (the shipped common libraries)."""
    if isinstance(node, list):
        return [_inline(x, path, depth) for x in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#") and depth < 8:
        file, _, pointer = ref.partition("#")
        target_path = (path.parent / file).resolve()
        target: Any = json.loads(target_path.read_text())
        for token in pointer.strip("/").split("/") if pointer.strip("/") else []:
            target = target[token]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {**_inline(target, target_path, depth + 1), **_inline(rest, path, depth)}
    return {k: _inline(v, path, depth) for k, v in node.items()}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for x in node:
            yield from _refs(x)


def standalone(root: dict[str, Any], sub: Any) -> dict[str, Any] | None:
    """`sub` as a schema of its own: the root's dialect and the definitions it reaches; None when it refers
    elsewhere (another file, a pointer that is not a definition, the root)."""
    if not isinstance(sub, dict):
        return None
    defs: dict[str, dict[str, Any]] = {}
    todo = [sub]
    while todo:
        for ref in _refs(todo.pop()):
            parts = ref.split("/")
            if len(parts) != 3 or parts[0] != "#" or parts[1] not in ("definitions", "$defs"):
                return None
            table = root.get(parts[1])
            target = table.get(parts[2]) if isinstance(table, dict) else None
            if target is None:
                return None
            if parts[2] not in defs.setdefault(parts[1], {}):
                defs[parts[1]][parts[2]] = target
                todo.append(target)
    out = dict(sub) | {k: v for k, v in defs.items() if v}
    if "$schema" in root:
        out["$schema"] = root["$schema"]
    return out if len(json.dumps(out)) <= MAX_SIZE else None


def mutations(node: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, edited copy) for one edit of `node`'s own keywords."""
    def edit(label: str, change) -> tuple[str, dict[str, Any]]:
        out = copy.deepcopy(node)
        change(out)
        return label, out

    t = node.get("type")
    if isinstance(t, str):
        yield edit("type made nullable", lambda n: n.update(type=[t, "null"]))
        yield edit("type changed", lambda n: n.update(type="integer" if t != "integer" else "string"))
    elif isinstance(t, list) and len(t) > 1:
        yield edit("type dropped", lambda n: n.update(type=t[:-1]))
    if isinstance(node.get("enum"), list) and len(node["enum"]) > 1:
        yield edit("enum value removed", lambda n: n["enum"].pop())
        yield edit("enum value added", lambda n: n["enum"].append("zz-new"))
    props = node.get("properties")
    if isinstance(props, dict) and props:
        first, last = sorted(props)[0], sorted(props)[-1]
        yield edit("property removed", lambda n: n["properties"].pop(last))
        yield edit("property added", lambda n: n["properties"].update(zz_new={"type": "string"}))
        yield edit("required property added", lambda n: (n["properties"].update(zz_new={"type": "string"}),
                                                         n.update(required=[*n.get("required", []), "zz_new"])))
        yield edit("property retyped", lambda n: n["properties"].update({first: {"type": "integer"}}))
        optional = [p for p in sorted(props) if p not in node.get("required", [])]
        if optional:
            yield edit("property made required", lambda n: n.update(required=[*n.get("required", []), optional[0]]))
        if node.get("additionalProperties") is False:
            yield edit("object opened", lambda n: n.pop("additionalProperties"))
        elif "additionalProperties" not in node:
            yield edit("object closed", lambda n: n.update(additionalProperties=False))
    if isinstance(node.get("required"), list) and node["required"]:
        yield edit("required dropped", lambda n: n["required"].pop(0))
    if isinstance(node.get("pattern"), str):
        yield edit("pattern removed", lambda n: n.pop("pattern"))
    for key in ("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"):
        value = node.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            yield edit(f"{key} raised", lambda n, k=key, v=value: n.update({k: v + 1}))
            if value > 0:
                yield edit(f"{key} lowered", lambda n, k=key, v=value: n.update({k: v - 1}))
    if isinstance(node.get("items"), dict):
        yield edit("items retyped", lambda n: n.update(items={"type": "string"}))
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list) and len(node[key]) > 1:
            yield edit(f"{key} branch removed", lambda n, k=key: n[k].pop())
    if "const" in node:
        yield edit("const changed", lambda n: n.update(const="zz-new"))
    yield edit("description changed", lambda n: n.update(description="changed"))


def real_pairs() -> list[tuple[str, Any, Any]]:
    """Pairs made by editing real subschemas (each property and definition of each real schema)."""
    out: list[tuple[str, Any, Any]] = []
    for name, root in real_schemas():
        subs: list[tuple[str, Any]] = [("", root)]
        for key in ("properties", "definitions", "$defs"):
            table = root.get(key)
            if isinstance(table, dict):
                subs.extend((f"/{key}/{k}", v) for k, v in sorted(table.items()))
        taken = 0
        for where, sub in subs:
            schema = standalone(root, sub)
            if schema is None:
                continue
            edits = list(mutations(schema))
            for label, changed in (edits[(taken + i) % len(edits)] for i in range(min(2, len(edits)))):
                if taken < PER_SCHEMA:  # two edits of each subschema, a different kind each time
                    out.append((f"{name}#{where} {label}", schema, changed))
                    taken += 1
    return out


@pytest.mark.slow
def test_real_schema_mutations_agree_with_witnesses():
    pairs = real_pairs()
    run(pairs, "mutated real schemas", REAL_FLOOR)
