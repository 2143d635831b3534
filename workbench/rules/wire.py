"""wire: the buf gate on the proto folder (`wire.out`) and the generated proto skeleton (`wire.package`).

One run of real `buf` per check (`analysis.buf.run_gate`: build, lint STANDARD,
breaking FILE against the `--against` baseline's proto folder, offline) is shared
by W001-W005 (kept on the context); W004 and W005 read the built image with the
`protobuf` package (E002, in export_drift, judges the generated files). A tool
failure is an error that says what to install, never a pass: the gate is only
quiet when buf judged the files.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..analysis import buf
from ..analysis.protoimage import Image, compare, read_image
from ..analysis.protojson import DELTA_KINDS, Difference, Reader, pool_of, round_trip
from ..analysis.wire import WirePlan, plan_of
from ..model import Family, Workspace
from .compatibility import policy_of
from .registry import Hit, RuleContext, rule
from .validity import _errors, _validator

KEY = "_wire_gate"


@dataclass
class Gate:
    ws: Workspace
    files: dict[str, str]  # relative to the proto folder -> text
    run: buf.BufRun | None  # None: no .proto file to judge
    image: Image | None = None
    protobuf: bool = True  # the protobuf package is importable

    @property
    def plan(self) -> WirePlan:
        """The wire plan (built on first use: a workspace without .proto files never needs it)."""
        return plan_of(self.ws)


def _relative(ws: Workspace, path: str) -> str:
    return path.removeprefix(ws.config.wire.out.rstrip("/") + "/")


def _files(ws: Workspace) -> dict[str, str]:
    return {_relative(ws, t.path): t.text for t in ws.protos if t.text is not None}


def gate(ctx: RuleContext) -> Gate:
    """The check's one buf run (and the plan and image the wire rules share)."""
    found: Gate | None = ctx.__dict__.get(KEY)
    if found is None:
        ws = ctx.ws
        files = _files(ws)
        base = _files(ctx.baseline) if ctx.baseline is not None else None
        run = buf.run_gate(files, base or None) if files else None
        found = Gate(ws, files, run, protobuf=importlib.util.find_spec("google.protobuf") is not None)
        if run is not None and run.ok and found.protobuf:
            found.image = read_image(run.image or b"")
        ctx.__dict__[KEY] = found
    return found


def tier_severity(ws: Workspace, family: str | None) -> str:
    """A wire break's severity by the owning family's tier, as C001's: error, warning when experimental, info
    when its compatibility mode is none."""
    fam = ws.family(family) if family else None
    policy = policy_of(ws, fam)
    return "info" if policy.mode == "none" else "warning" if policy.warn_only else "error"


def _worst(severities: list[str]) -> str:
    for s in ("error", "warning", "info"):
        if s in severities:
            return s
    return "error"


def _at(ws: Workspace, rel: str) -> str:
    return f"{ws.config.wire.out.rstrip('/')}/{rel}" if rel else ws.config.wire.out


@rule("W001", "wire-gate-failed", "wire", "error")
def wire_gate_failed(ctx: RuleContext) -> Iterator[Hit]:
    """The buf gate could not judge the proto folder (`wire.out` in decisions/workspace.yaml, default
    proto/): buf (from the `buf-bin` package) or `protobuf` is not installed while .proto files exist, buf
    failed, or a file does not compile (each compile error at its line; only Google's well-known types can
    be imported: the gate fetches no dependency). Never a silent pass: install the `wire` extra (`pip install
    'contract-workbench[wire]'`). A baseline (`--against`) whose proto files do not compile is a warning:
    buf breaking did not run."""
    ws = ctx.ws
    for t in ws.protos:
        if t.text is None:
            yield Hit(f"cannot read: {t.error}", t.path, t.line, (t.path,))
    g = gate(ctx)
    if g.run is None:
        return
    out = ws.config.wire.out
    if g.run.failure:
        yield Hit(f"the buf gate did not run on {len(g.files)} .proto file(s): {g.run.failure}", out, None,
                  ("buf",))
        return
    for issue in g.run.build:
        hint = (" (only Google's well-known types can be imported: the gate fetches no dependency)"
                if "import" in issue.message else "")
        yield Hit(f"does not compile: {issue.message}{hint}", _at(ws, issue.path), issue.line,
                  (issue.path or out, "build"))
    for issue in g.run.baseline_build:
        yield Hit(f"the baseline's proto files do not compile ({issue.path}:{issue.line or ''} {issue.message}): "
                  f"buf breaking did not run (against {ctx.baseline_label})", out, None, ("baseline",), "warning")
    if g.run.ok and not g.protobuf:
        yield Hit(f"the protobuf package is not installed: hand-written messages (W004) and ProtoJSON (W005) are "
                  f"not checked; {buf.INSTALL}", out, None, ("protobuf",))


@rule("W002", "proto-lint", "wire", "error")
def proto_lint(ctx: RuleContext) -> Iterator[Hit]:
    """`buf lint` (the STANDARD rules) reports a problem in a .proto file of the proto folder: enum values
    without their enum's prefix or an `_UNSPECIFIED` zero value, a package that does not match its folder, a
    file or field name that is not lower_snake_case, and so on. The generated files are lint-clean; a finding
    is in a hand-written file (or a generated one edited by hand: regenerate with `workbench export`)."""
    g = gate(ctx)
    if g.run is None:
        return
    for issue in g.run.lint:
        yield Hit(f"{issue.type}: {issue.message}", _at(ctx.ws, issue.path), issue.line, (issue.path, issue.type))


def _families_of(plan: WirePlan, rel: str) -> list[str | None]:
    found: list[str | None] = [m.family for m in plan.messages.values() if m.file == rel]
    found += [e.family for e in plan.enums.values() if e.file == rel]
    found += [t.family for t in plan.lock.types if t.file == rel]
    return found or [None]


@rule("W003", "proto-breaking", "wire", "error", needs_baseline=True)
def proto_breaking(ctx: RuleContext) -> Iterator[Hit]:
    """`buf breaking` (the FILE rules) between the proto folder and the same folder in the baseline given with
    `--against REF|DIR` (the ref C001 compares the schemas with): a deleted field (reserved or not), a changed
    type, number, JSON name or label, a deleted message or file. Severity by the owning family's tier, as
    C001: an error, a warning for an experimental family, info for one whose compatibility mode is none
    (a file holding several families' types takes the strictest)."""
    g = gate(ctx)
    if g.run is None or not g.run.breaking:
        return
    base_plan = plan_of(ctx.baseline) if ctx.baseline is not None else None
    label = f" (against {ctx.baseline_label})" if ctx.baseline_label else ""
    for issue in g.run.breaking:
        families = _families_of(g.plan, issue.path)
        if families == [None] and base_plan is not None:
            families = _families_of(base_plan, issue.path)
        severity = _worst([tier_severity(ctx.ws, f) for f in families])
        owners = sorted(f for f in families if f)
        yield Hit(f"{issue.type}: {issue.message}{label}", _at(ctx.ws, issue.path), issue.line,
                  (issue.path, issue.type), severity, {"type": issue.type, "families": owners})


@rule("W004", "proto-hand-written-mismatch", "wire", "error")
def hand_written_mismatch(ctx: RuleContext) -> Iterator[Hit]:
    """A hand-written message that maps a schema (a message in a hand-written .proto of the proto folder named
    like the message export would generate for a mapped schema; export then generates the schema's other
    types around it and never writes that file) differs from the mapping: a missing or extra field, another
    type, cardinality (repeated, map) or presence (`optional` for a property the schema does not require), a
    JSON name other than the schema's key, or a number other than the one decisions/wire_lock.yaml holds.
    Messages its fields use are compared in turn. Severity by the family's tier, as W003."""
    g = gate(ctx)
    if g.image is None:
        return
    for schema, name in sorted(g.plan.roots.items()):
        exp = g.plan.messages[name]
        if not exp.hand_written:
            continue
        if name not in g.image.messages:
            continue  # the hand-written file does not compile (W001)
        severity = tier_severity(ctx.ws, exp.family)
        for m in compare(g.plan, g.image, exp, name):
            yield Hit(f"{m.message} maps {schema}: {m.text}", _at(ctx.ws, m.file), m.line, (name, m.field),
                      severity, schema=schema, family=exp.family)


def _recorded(fam: Family | None, schema: str, d: Difference) -> bool:
    if fam is None:
        return False
    for r in fam.recorded_deltas:
        if r.kind == d.kind and (not r.fields or d.field in r.fields or f"{schema}:{d.field}" in r.fields):
            return True
    return False


@rule("W005", "protojson-delta", "wire", "error")
def protojson_delta(ctx: RuleContext) -> Iterator[Hit]:
    """The JSON protobuf's own `json_format` writes for an example of a mapped schema does not validate
    against the schema, and the family does not record that difference in its `representation_deltas`.
    The example is read into its message as the mapping says (keys by JSON name, strings to enum constants, a
    union's value to the oneof member whose variant it validates against), written back with
    `MessageToDict`, and each difference is judged alone: int64_string (64-bit integers become strings),
    enum_name (enum constants), oneof_shape (a union under its member's name), key_case (a field without the
    schema's key as json_name), default_omitted (zero, empty or null values of fields without presence are
    left out), other. Record an accepted one in the family as `representation_deltas: [{kind, fields: [...],
    note}]` (field paths as the handoff's mapping table writes them), or change the schema (bounds that fit 32
    bits, an optional field) or the mapping (`wire.string_enums`). Severity by the family's tier, as W003."""
    g = gate(ctx)
    if g.image is None or g.run is None or g.run.image is None:
        return
    ws, refs = ctx.ws, ctx.refs
    pool = pool_of(g.run.image)
    reader = Reader(ws, g.plan, g.image)
    for schema_path, name in sorted(g.plan.roots.items()):
        schema = ws.schema(schema_path)
        examples = ws.examples_of(schema_path)
        if schema is None or not examples or name not in g.image.messages:
            continue
        validator, _ = _validator(refs, schema, refs.closure(schema))
        if validator is None:
            continue  # V002 reports it
        fam = ws.family_of(schema_path)
        severity = tier_severity(ws, fam.id if fam else None)
        seen: dict[tuple[str, str], list[tuple[str, Difference, str]]] = {}
        for ex in examples:
            if list(_errors(validator, ex.body)):
                continue  # an invalid example is V002's
            trip = round_trip(reader, pool, g.plan.messages[name], name, ex.body)
            if trip.output is None:
                yield Hit(f"cannot be read into {name}: {trip.error}", ex.path, 1, (schema.name, ex.path, "read"),
                          severity, schema=schema_path)
                continue
            for d in trip.differences:
                errors = list(_errors(validator, d.applied))
                if errors and not _recorded(fam, schema_path, d):
                    seen.setdefault((d.field, d.kind), []).append((ex.path, d, errors[0][1]))
            if not trip.differences and list(_errors(validator, trip.output)):
                ptr, msg = next(_errors(validator, trip.output))
                seen.setdefault(("", "other"), []).append((ex.path, Difference("", "", "other", None, None, None),
                                                           msg))
        for (field, kind), where in sorted(seen.items()):
            path, d, error = where[0]
            others = f" (and {len(where) - 1} more example(s))" if len(where) > 1 else ""
            shown = f"{_short(d.old)} is written {_short(d.new)}" if kind != "default_omitted" else \
                f"{_short(d.old)} is left out"
            yield Hit(f"ProtoJSON of {name} differs from {schema_path} at `{field or '/'}` ({kind}: "
                      f"{DELTA_KINDS[kind]}): {shown}, which the schema rejects ({error[:160]}){others}; record "
                      f"`{kind}` for `{field}` in the family's representation_deltas or change the mapping",
                      path, None, (schema.name, field, kind), severity, {"kind": kind, "field": field},
                      pointer=d.pointer or None, schema=schema_path, family=fam.id if fam else None)


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
