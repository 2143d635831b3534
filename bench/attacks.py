"""Hostile workspaces (issue 25) and what the check costs on each: wall time and peak memory of
`workbench --check --format json` in its own process (`os.wait4` rusage), never a timed test.

    .venv/bin/python bench/attacks.py                  # every attack, this tree
    .venv/bin/python bench/attacks.py --tree OLD regex  # one attack, another source tree (PYTHONPATH)

The builders are shared with tests/test_containment_limits.py (smaller sizes there).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from corpus import dag_schema

SCHEMAS, EXAMPLES = "ssot/schemas", "ssot/examples"


def _write(root: Path, rel: str, data: object) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")


def regex_hang(root: Path) -> None:
    """A `pattern` jsonschema-rs refuses (`\\Z` is not ECMA-262): it once sent the schema to python-jsonschema,
    whose backtracking `re` never finished on 40 `a`s and a `!`."""
    _write(root, f"{SCHEMAS}/r.schema.json", {"type": "string", "pattern": "^(a+)+\\Z"})
    _write(root, f"{EXAMPLES}/r.json", json.dumps("a" * 40 + "!"))


def regex_fallback(root: Path) -> None:
    """A pattern jsonschema-rs accepts in a schema it cannot build (a `$ref` to nothing): python-jsonschema
    validates it, once with Python's `re`."""
    _write(root, f"{SCHEMAS}/f.schema.json", {"properties": {"gone": {"$ref": "#/$defs/missing"},
                                                             "name": {"pattern": "^(a+)+$"}}})
    _write(root, f"{EXAMPLES}/f.json", {"name": "a" * 40 + "!"})


def regex_lookaround(root: Path, strings: int = 100_000) -> None:
    """A lookaround pattern (fancy-regex backtracks) over many strings that each exhaust the backtracking limit."""
    _write(root, f"{SCHEMAS}/l.schema.json", {"type": "array", "items": {"pattern": "^(a|a)*(?=b)$"}})
    _write(root, f"{EXAMPLES}/l.json", [f"{'a' * 40}!{i}" for i in range(strings)])


def ref_chain(root: Path, n: int = 60_000) -> None:
    """`n` chained `$ref`s in one file (2.3 MB for 60,000): jsonschema-rs overflowed its stack (SIGSEGV)."""
    defs: dict[str, object] = {f"d{i}": {"$ref": f"#/$defs/d{i + 1}"} for i in range(n)}
    defs[f"d{n}"] = {"type": "string"}
    _write(root, f"{SCHEMAS}/chain.schema.json", {"$ref": "#/$defs/d0", "$defs": defs})
    _write(root, f"{EXAMPLES}/chain.json", json.dumps("x"))


def quadratic_map(root: Path, n: int = 1_000) -> None:
    """`examples.map` from every one of `n` schemas to every one of `n` example files (n^2 pairs)."""
    for i in range(n):
        _write(root, f"{SCHEMAS}/s{i}.schema.json", {"type": "object"})
        _write(root, f"ssot/ex/e{i}.json", {"n": i})
    _write(root, "decisions/workspace.yaml",
           'version: 1\nexamples:\n  map:\n    "ssot/schemas/*.schema.json": ["ssot/ex/*.json"]\n')


RAISED = "budgets:\n  leaves: 100000000\n  depth: 100000\n  steps: 100000000000\n  seconds: 100000\n"


def raised_limits(root: Path) -> None:
    """The DAG schema (40 definitions referring to 3 others each) with workspace.yaml raising every budget."""
    _write(root, f"{SCHEMAS}/dag.schema.json", dag_schema()[0])
    _write(root, "decisions/workspace.yaml", "version: 1\n" + RAISED)


def big_example(root: Path, items: int = 3_300_000) -> None:
    """One 20 MB example of 3.3 million items, each invalid."""
    _write(root, f"{SCHEMAS}/b.schema.json", {"type": "array", "items": {"type": "integer"}})
    _write(root, f"{EXAMPLES}/b.json", json.dumps(["ab"] * items))


ATTACKS: dict[str, Callable[[Path], None]] = {
    "regex": regex_hang, "regex-fallback": regex_fallback, "regex-lookaround": regex_lookaround,
    "ref-chain": ref_chain, "quadratic-map": quadratic_map, "raised-limits": raised_limits,
    "big-example": big_example,
}


def measure(root: Path, tree: Path, timeout: float) -> tuple[str, float, float, int]:
    """(outcome, wall seconds, CPU seconds, peak RSS in MB) of `workbench --check` on `root`, `tree` on
    PYTHONPATH (CPU: less sensitive than the wall clock to other work on the machine)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "workbench", "--check", "--format", "json", "--root",
                                 str(root)], stdout=out, stderr=subprocess.DEVNULL, env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        wall = time.monotonic() - started
        out.seek(0)
        text = out.read()
    code, peak, cpu = os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime
    if wall >= timeout:
        return f"killed after {timeout:g} s", wall, cpu, peak
    if code < 0:
        return f"signal {-code}", wall, cpu, peak
    try:
        rules = sorted({f["rule"] for f in json.loads(text)["findings"] if f["severity"] != "info"})
    except (ValueError, KeyError):
        rules = []
    return f"exit {code} {','.join(rules)}", wall, cpu, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("attacks", nargs="*", metavar="ATTACK", help=f"some of: {', '.join(ATTACKS)} (default: all)")
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1],
                        help="source tree to run (default: this one)")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.attacks) - set(ATTACKS))
    if unknown:
        parser.error(f"unknown attack(s): {', '.join(unknown)}")
    print(f"{'attack':<18} {'outcome':<40} {'wall s':>7} {'cpu s':>7} {'peak MB':>8}")
    for name in args.attacks or ATTACKS:
        with tempfile.TemporaryDirectory(prefix=f"attack-{name}-") as tmp:
            ATTACKS[name](Path(tmp))
            outcome, wall, cpu, peak = measure(Path(tmp), args.tree, args.timeout)
        print(f"{name:<18} {outcome:<40} {wall:>7.2f} {cpu:>7.2f} {peak:>8}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
