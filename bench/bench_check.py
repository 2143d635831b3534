"""Benchmark `workbench --check` (run by `make bench`; not a test).

Workloads, each measured in a fresh process (`--sizes`, default all):

- N generated schemas (100, 1000, 5000): a workspace of that many contract
  schemas with realistic overlap (families of variants of one concept, generic
  fields and shared identifiers everywhere, a few concepts duplicated into a
  second family, some of them renamed), one valid example per schema and a
  decisions/ folder grouping them;
- `corpus`: real schemas (bench/corpus.py): check-jsonschema's vendored catalog,
  jsonschema-specifications' meta-schemas and, when present, the SARIF 2.1.0
  schema from ../shared/schemas, copied into a temporary workspace (nothing is
  vendored in this repository);
- `adversarial`: generated schemas that once defeated the workbench (a DAG of 40
  definitions with 3^20 instance paths, a recursive tree, draft-04 `id` and
  `$id`-addressed cross-schema references, a draft-07 tuple schema);
- `shipped`: this repository's own workspace (ssot/, decisions/, proto/, doc/,
  clients/), whose wire contract the buf gate judges;
- a folder's path: your repository (with its decisions/), measured on a copy.

For each it prints, measured in the same run (best of `--repeat` runs):

- parse: read + `json.loads` of every JSON file (the floor any check pays),
- load: `load_workspace` (cold),
- check: every rule (cold caches), and its ratio to parse (wall clock, and CPU time),
- wire: the wire rules alone (cold: real buf builds and lints the proto folder,
  protobuf reads the examples), and their share of check,
- structural: overlap + duplication + drift alone (cold),
- re-check: reload with the `LoadCache` + check after editing one schema file
  (what the TUI does on save), and how many schemas the structural cache recomputed,
- cli: `workbench --check --format json` as a user runs it, in its own process:
  wall time and peak RSS (os.wait4 of that process only).

    .venv/bin/python bench/bench_check.py --sizes 100 1000 5000 corpus adversarial shipped
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(1, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

from workbench import cache as wbcache  # noqa: E402
from workbench.analysis import fields  # noqa: E402
from workbench.loader import LoadCache, load_workspace  # noqa: E402
from workbench.pipeline import check  # noqa: E402

DIALECT = "https://json-schema.org/draft/2020-12/schema"
WORDS = ("amount account address batch bucket cluster commit cost count currency device digest domain email "
         "endpoint image invoice ledger level limit locale margin metric model node order owner parcel payload "
         "period plan policy port price quota rate region release replica route rule sample scope secret sensor "
         "shard sku slot source stage target tenant ticket token topic unit vendor volume window zone").split()
IDS = ("run_id", "task_id", "event_id", "correlation_id", "tenant_id")


def field_template(rng: random.Random, serial: int) -> tuple[dict, object]:
    """(subschema, a value it accepts) for one concept-specific field."""
    kind = rng.randrange(6)
    if kind == 0:
        prefix = f"p{serial}"
        return {"type": "string", "pattern": f"^{prefix}-[0-9]{{6}}$"}, f"{prefix}-123456"
    if kind == 1:
        values = [f"v{serial}_{i}" for i in range(rng.randint(2, 5))]
        return {"type": "string", "enum": values}, values[0]
    if kind == 2:
        low = rng.randint(0, 10)
        return {"type": "integer", "minimum": low, "maximum": low + rng.randint(10, 1000)}, low
    if kind == 3:
        return {"type": "number", "minimum": 0}, 1.5
    if kind == 4:
        return {"type": "boolean"}, True
    inner = {f"{rng.choice(WORDS)}_{serial}_{i}": {"type": "string", "maxLength": 64 + i} for i in range(3)}
    return ({"type": "object", "properties": inner, "required": [], "additionalProperties": False},
            {k: "x" for k in inner})


def concept(rng: random.Random, index: int) -> list[tuple[str, dict, object]]:
    """A domain concept: 6-14 specific fields."""
    out = []
    for i in range(rng.randint(6, 14)):
        schema, value = field_template(rng, index * 100 + i)
        out.append((f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{index}_{i}", schema, value))
    return out


def generic_fields(rng: random.Random) -> list[tuple[str, dict, object]]:
    status = rng.sample(["new", "active", "done", "failed", "archived", "pending"], 3)
    out = [
        ("id", {"type": "string", "minLength": 1}, "x1"),
        ("name", {"type": "string"}, "n"),
        ("description", {"type": "string"}, "d"),
        ("status", {"type": "string", "enum": status}, status[0]),
        ("created_at", {"$ref": "common/types.schema.json#/$defs/timestamp"}, "2024-01-01T00:00:00Z"),
    ]
    out += [(n, {"$ref": f"common/ids.schema.json#/$defs/{n}"}, f"{n.split('_')[0][:4]}_" + "0" * 26)
            for n in rng.sample(IDS, 3)]
    return out


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def generate(root: Path, size: int, seed: int = 7) -> None:
    """A workspace of `size` contract schemas under `root`."""
    rng = random.Random(seed)
    ids = {n: {"type": "string", "pattern": f"^{n.split('_')[0][:4]}_[0-9a-z]{{26}}$"} for n in IDS}
    write(root / "ssot/schemas/common/ids.schema.json", {"$schema": DIALECT, "$defs": ids})
    write(root / "ssot/schemas/common/types.schema.json",
          {"$schema": DIALECT, "$defs": {"timestamp": {"type": "string", "format": "date-time"}}})
    families: dict[str, list[str]] = {}
    concepts = [concept(rng, i) for i in range(max(1, size // 3))]
    for n in range(size):
        c = n % len(concepts)
        first = n == c  # the concept's first schema holds its shared sub-objects in $defs
        fid = f"family_{c}" if not (c % 20 == 0 and n // len(concepts) == 1) else f"family_{c}_copy"
        chosen = [f for f in concepts[c] if rng.random() < 0.85]
        if fid.endswith("_copy") and c % 40 == 0:  # a renamed copy of the concept
            chosen = [(f"renamed_{name}", s, v) for name, s, v in chosen]
        chosen += generic_fields(rng)
        own = [field_template(rng, 10_000_000 + n * 10 + i) for i in range(rng.randint(1, 3))]
        chosen += [(f"own_{n}_{i}", s, v) for i, (s, v) in enumerate(own)]
        name = f"c{c}.v{n}"
        defs = {k: s for k, s, _ in concepts[c] if s.get("type") == "object"}
        inline = c % 25 == 0  # a few concepts copy their sub-objects instead of referencing them
        where = "#/$defs/" if first else f"c{c}.v{c}.schema.json#/$defs/"
        props = {k: s if inline or k not in defs else {"$ref": where + k} for k, s, _ in chosen}
        body = {"$schema": DIALECT, "title": name, "type": "object", "properties": props,
                "required": [k for k, _, _ in chosen[:3]], "additionalProperties": False}
        if first and defs and not inline:
            body["$defs"] = defs
        write(root / f"ssot/schemas/{name}.schema.json", body)
        write(root / f"ssot/examples/{name}.json", {k: v for k, _, v in chosen})
        families.setdefault(fid, []).append(f"ssot/schemas/{name}.schema.json")
    for fid, schemas in families.items():
        copy = fid.endswith("_copy")
        write(root / f"decisions/families/{fid}.yaml", {
            "family": fid, "title": fid, "intent_class": "status", "schemas": schemas, "owner": "team",
            "stability_tier": "experimental" if copy else "stable/v1", "decision": "new" if copy else "reuse",
            "rationale": f"Evaluated family_{fid.split('_')[1]}." if copy else "Existing contract.",
            "alternatives_considered": [f"family_{fid.split('_')[1]}"] if copy else [],
            "wire_mapping": "none", "version_policy": "additive", "downstream_consumers": ["#58"]})


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


class Best:
    """Smallest wall and CPU time of each step over interleaved repeats: on a shared machine
    noise only adds, and interleaving gives every step the same chances of a quiet moment."""

    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def __call__(self, step: str, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        value = fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.wall[step] = min(wall, self.wall.get(step, wall))
        self.cpu[step] = min(cpu, self.cpu.get(step, cpu))
        return value


def parse_all(root: Path) -> int:
    files = [p for p in root.rglob("*.json")]
    for p in files:
        json.loads(p.read_bytes())
    return len(files)


def parse_yaml(root: Path) -> int:
    """read + libyaml `load` of every YAML file (the decisions): the rest of the floor of a whole run."""
    files = [p for p in root.rglob("*.yaml")]
    for p in files:
        yaml.load(p.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return len(files)


def cold(ws=None) -> None:
    """Forget content-hash caches (and `ws`'s reference index and wire plan) so 'check' measures a first run
    (the buf gate included: buf runs again)."""
    wbcache.configure(None, enabled=False)  # no disk cache
    wbcache.forget()  # every in-process memo
    if ws is not None:
        ws.__dict__.pop("_ref_index", None)
        ws.__dict__.pop("_wire_plan", None)


def user_check(root: Path, cache_dir: Path | None = None) -> dict:
    """`workbench --check --format json` as a user runs it, in its own process: wall time and peak RSS;
    with the disk cache at `cache_dir`, else none (`--no-cache`)."""
    # what the `workbench` console script runs, with this tree's package first on the path
    cmd = [sys.executable, "-c", "from workbench.cli import run; run()",
           "--check", "--format", "json", "--root", str(root),
           *(["--cache-dir", str(cache_dir)] if cache_dir is not None else ["--no-cache"])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO)] + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=root)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    summary = json.loads(out)["summary"] if out else {}
    return {"wall": wall, "mb": usage.ru_maxrss / 1024, "exit": proc.returncode, "summary": summary}


def make(size: int | str, root: Path) -> None:
    """Write workspace `size` (a number of generated schemas, "corpus", "adversarial", or the path of a
    repository's folder, copied without its `.git`: the bench edits a schema) under `root`."""
    if size == "shipped":
        for part in ("ssot", "decisions", "proto", "doc", "clients"):
            if (REPO / part).is_dir():
                shutil.copytree(REPO / part, root / part)
    elif size == "corpus":
        corpus.real_corpus(root)
    elif size == "adversarial":
        corpus.adversarial(root)
    elif not str(size).isdigit():
        shutil.copytree(Path(size), root, dirs_exist_ok=True, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    else:
        generate(root, int(size))


def measure(size: int | str, repeat: int = 3, given: Path | None = None) -> dict:
    """One row: `size` generated schemas, or the "corpus" / "adversarial" workspace (already
    written at `given`, else made in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as tmp:
        root = given or Path(tmp)
        if given is None:
            make(size, root)
        best = Best()
        for _ in range(repeat):
            nfiles = best("parse", lambda: parse_all(root))
            best("parse_yaml", lambda: parse_yaml(root))
            ws = best("load", lambda: load_workspace(root, LoadCache()))
            cold(ws)
            result = best("check", lambda ws=ws: check(ws))
            cold(ws)
            best("structural", lambda ws=ws: check(ws, ("overlap", "duplication", "drift")))
            cold(ws)
            best("wire", lambda ws=ws: check(ws, ("wire",)))
        cache = LoadCache()
        ws = load_workspace(root, cache)
        check(ws)  # warm
        one = next(s for s in ws.contract_schemas if isinstance(s.body.get("properties"), dict))
        body = json.loads((root / one.path).read_text())
        body["description"] = "edited"
        body["properties"]["added_field"] = {"type": "string"}
        (root / one.path).write_text(json.dumps(body, indent=2))
        misses = fields.STATS["misses"]
        t_reload, ws2 = timed(lambda: load_workspace(root, cache))
        t_recheck, _ = timed(lambda: check(ws2))
        recomputed = fields.STATS["misses"] - misses
        t_restruct, _ = timed(lambda: check(ws2, ("overlap", "duplication", "drift")))
        warm = warm_rows(root, one.path, best)
        return {"size": size, "schemas": len(ws.schemas), "files": nfiles, **best.wall, **warm,
                "cpu": best.cpu, "reload": t_reload, "recheck": t_recheck,
                "restruct": t_restruct, "recomputed": recomputed, "findings": result.summary,
                "rules": dict(sorted(Counter(f.rule for f in result.findings).items()))}


def warm_rows(root: Path, edited: str, best: Best) -> dict[str, float]:
    """A run as the CLI makes it with the disk cache warm (new `LoadCache`, no memos: only the disk), then the
    same after editing one more schema (the one `edited` was, again), each best of 3: load + check seconds."""
    with tempfile.TemporaryDirectory(prefix="workbench-bench-cache-") as folder:
        def run() -> None:
            wbcache.forget()
            wbcache.configure(root, Path(folder))
            check(load_workspace(root, LoadCache()))

        run()  # fills the disk cache
        for _ in range(3):
            best("warm", run)
        path = root / edited
        body = json.loads(path.read_text())
        for i in range(3):  # a different edit each time: every run meets one file the cache has not seen
            body["description"] = f"edited again {i}"
            path.write_text(json.dumps(body, indent=2))
            best("warm1", run)
        wbcache.configure(None, enabled=False)
        wbcache.forget()
    return {}


LIMIT_S, LIMIT_MB = 600, 6000


def whole(cpu: dict[str, float]) -> float:
    """What a run costs against what reading its inputs costs: (load + check) / (parse of every JSON
    and YAML file), CPU time."""
    return (cpu["load"] + cpu["check"]) / max(cpu["parse"] + cpu["parse_yaml"], 1e-6)


def isolated(size: str, repeat: int) -> dict | str:
    """One row, each part in a fresh process bounded in time and memory: a child writes the
    workspace, this (small) process runs `workbench --check` on it (a child's peak RSS starts
    at its parent's: the CLI must not be started by the big measuring process), then a child
    measures it in-process (so no row inherits another's caches or heap)."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_MB << 20, LIMIT_MB << 20))

    def child(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=LIMIT_S,
                              preexec_fn=cap)

    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as tmp, \
            tempfile.TemporaryDirectory(prefix="workbench-bench-cache-") as folder:
        try:
            done = child("--make", size, "--root", tmp)
            if not done.returncode:
                user = user_check(Path(tmp))
                user_check(Path(tmp), Path(folder))  # fills the disk cache
                warm = user_check(Path(tmp), Path(folder))
                done = child("--one", size, "--repeat", str(repeat), "--root", tmp)  # leaves one schema edited
                edited = user_check(Path(tmp), Path(folder)) if not done.returncode else warm
        except subprocess.TimeoutExpired:
            return f"did not finish in {LIMIT_S} s"
    if done.returncode:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"failed ({tail[:80]}; address space capped at {LIMIT_MB} MB)"
    row = json.loads(done.stdout)
    if user["summary"] != row["findings"]:
        return f"workbench --check found {user['summary']}, check() {row['findings']}"
    if warm["summary"] != user["summary"]:
        return f"workbench --check with a warm cache found {warm['summary']}, without {user['summary']}"
    return row | {"cli": user["wall"], "cli_mb": user["mb"], "cli_warm": warm["wall"], "cli_warm_mb": warm["mb"],
                  "cli_edit": edited["wall"]}


def label(size: str) -> str:
    """A row's name: the workload, or the last part of a folder's path."""
    return size if size.isdigit() or size in ("corpus", "adversarial", "shipped") else Path(size).name[-11:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100", "1000", "5000", "corpus", "adversarial", "shipped"],
                        metavar="N", help="generated sizes, and/or `corpus` (real schemas), `adversarial`, `shipped` "
                        "(this repository's workspace), or the path of a repository with decisions/ (measured on a "
                        "copy)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the smallest is shown (default 3)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--make", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make:
        make(args.make, Path(args.root))
        return 0
    if args.one:
        measure(20, 1)  # warm-up: imports and one-time setup are not what is measured
        print(json.dumps(measure(args.one, args.repeat, Path(args.root) if args.root else None)))
        return 0
    head = (f"{'workspace':>11} {'schemas':>7} {'parse s':>8} {'load s':>7} {'check s':>8} {'check/parse':>11} "
            f"{'cpu':>5} {'whole cpu':>9} {'wire s':>6} {'wire %':>6} "
            f"{'structural s':>12} {'re-load+check s':>15} {'re-structural s':>15} {'recomputed':>10} "
            f"{'cli s':>6} {'cli MB':>6}  findings")
    print(head)
    print("-" * len(head))
    rows = {}
    for size in args.sizes:
        r = isolated(size, args.repeat)
        if isinstance(r, str):
            print(f"{label(size):>11} {r}", flush=True)
            continue
        rows[size] = r
        s = r["findings"]
        print(f"{label(r['size']):>11} {r['schemas']:>7} {r['parse']:>8.3f} {r['load']:>7.3f} {r['check']:>8.3f} "
              f"{r['check'] / r['parse']:>11.1f} {r['cpu']['check'] / max(r['cpu']['parse'], 1e-6):>5.1f} "
              f"{whole(r['cpu']):>9.1f} {r['wire']:>6.3f} {100 * r['wire'] / r['check']:>6.1f} "
              f"{r['structural']:>12.3f} {r['reload'] + r['recheck']:>15.3f} "
              f"{r['restruct']:>15.3f} {r['recomputed']:>10} {r['cli']:>6.2f} {r['cli_mb']:>6.0f}  "
              f"{s['error']}E {s['warning']}W {s['info']}I  {r['rules']}", flush=True)
    if rows:
        head = (f"\n{'workspace':>11} {'parse s':>8} {'cold x':>7} {'cold cpu x':>10} {'re-check x':>10} "
                f"{'warm x':>7} {'warm cpu x':>10} {'warm+1 x':>8} {'warm+1 cpu x':>12} {'cli cold s':>10} "
                f"{'cli warm s':>10} {'cli warm+1 s':>12} {'cold MB':>7} {'warm MB':>7}")
        print(head)
        print("-" * len(head))
    for r in rows.values():
        p, c = r["parse"], max(r["cpu"]["parse"], 1e-6)
        print(f"{label(r['size']):>11} {p:>8.3f} {(r['load'] + r['check']) / p:>7.1f} "
              f"{(r['cpu']['load'] + r['cpu']['check']) / c:>10.1f} {(r['reload'] + r['recheck']) / p:>10.1f} "
              f"{r['warm'] / p:>7.1f} {r['cpu']['warm'] / c:>10.1f} {r['warm1'] / p:>8.1f} "
              f"{r['cpu']['warm1'] / c:>12.1f} {r['cli']:>10.2f} {r['cli_warm']:>10.2f} {r['cli_edit']:>12.2f} "
              f"{r['cli_mb']:>7.0f} {r['cli_warm_mb']:>7.0f}", flush=True)
    sizes = sorted(int(k) for k in rows if k.isdigit())
    for lo, hi in pairwise(sizes):
        a, b = rows[str(lo)], rows[str(hi)]
        print(f"\n{lo} -> {hi} schemas (x{hi / lo:g}): parse x{b['parse'] / a['parse']:.1f}, "
              f"load x{b['load'] / a['load']:.1f}, check x{b['check'] / a['check']:.1f} "
              f"(CPU: parse x{b['cpu']['parse'] / a['cpu']['parse']:.1f}, "
              f"check x{b['cpu']['check'] / a['cpu']['check']:.1f})",
              end="")
    print(f"\n\nTimes are the best of {args.repeat} interleaved runs (wall clock). parse = read + json.loads of every"
          " JSON file (the floor). check = every rule, caches cleared; check/parse its ratio, cpu the same ratio of"
          " process CPU times (less sensitive to other processes on the machine); whole cpu = (load + check) /"
          " (parse + libyaml load of every YAML file), CPU: a whole run against reading its inputs."
          " wire = the wire rules alone, cold (buf build + lint of the proto folder, ProtoJSON of the mapped"
          " examples), and wire % its share of check."
          " structural = overlap + duplication"
          " + drift alone,"
          " cold. After editing one schema file: re-load+check = reload with the LoadCache + every rule;"
          " re-structural = the structural rules alone; recomputed = schemas whose structural facts were extracted"
          " again (content-hash cache). cli s / cli MB = `workbench --check --format json` run as a user runs it"
          " (interpreter start, imports, load, check, report), its wall time and peak RSS, in its own process."
          "\n\nThe cache table, each a ratio to parse: cold x = load + check, cold (no memo, no disk cache);"
          " re-check x = the TUI's re-check after one edit (one LoadCache, the process memos); warm x = a run"
          " with the disk cache warm and nothing in memory (a new CLI run without interpreter start and imports);"
          " warm+1 x = the same after editing one schema; cpu: the same ratios of CPU times. cli cold / warm /"
          " warm+1 s = `workbench --check` in its own process: --no-cache, the disk cache warm, and warm after"
          " one schema was edited; cold / warm MB = their peak RSS.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
