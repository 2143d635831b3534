"""The buf gate's runs: real `buf` (the `buf-bin` package) on a snapshot's `.proto` files, offline.

The files are written from the snapshot (never read again from the work tree)
into a temporary folder with the gate's own `buf.yaml` (v2, no dependencies:
only Google's well-known types, which buf carries, can be imported; a
repository's buf.yaml, buf.lock or remote plugins are never used), and buf runs
there with its cache, HOME and config in that folder and every proxy variable
pointing at a closed local port, so nothing can reach the network:

    buf build . -o cur.binpb --error-format json        (compile; the image the checks read)
    buf lint . --error-format json                      (lint: STANDARD)
    buf build <baseline> -o base.binpb                  (with --against: the baseline's proto folder)
    buf breaking cur.binpb --against base.binpb         (FILE), once both are built

The first three run at once.

Results are memoised by the files' content (the TUI re-checks on every save).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import cache

LINT = {"version": "v2", "lint": {"use": ["STANDARD"]}}
BREAKING = {"version": "v2", "breaking": {"use": ["FILE"]}}
# the gate's own buf.yaml (JSON is YAML): one module, the folder itself, no deps, the rules above
BUF_YAML = json.dumps(LINT | BREAKING) + "\n"
REFUSING_PROXY = "http://127.0.0.1:9"  # the discard port: a connection is refused at once
TIMEOUT = 120  # seconds per buf invocation
INSTALL = "pip install 'contract-workbench[wire]' (or: pip install buf-bin protobuf)"


@dataclass(frozen=True)
class Issue:
    """One line of buf's JSON output: a compile error (`type` COMPILE), a lint or a breaking finding."""

    path: str  # relative to the proto folder ("" when buf names none)
    line: int | None
    type: str  # buf's rule id (ENUM_VALUE_PREFIX, FIELD_NO_DELETE) or COMPILE
    message: str


@dataclass
class BufRun:
    """What the gate learnt from one set of files (and a baseline)."""

    buf: str = ""  # the executable, "" when none is installed
    failure: str = ""  # buf could not run, or crashed: what happened
    build: list[Issue] = field(default_factory=list)  # compile errors of the files
    image: bytes | None = None  # the built image (a FileDescriptorSet with imports and source info)
    lint: list[Issue] = field(default_factory=list)
    breaking: list[Issue] | None = None  # None: no baseline given
    baseline_build: list[Issue] = field(default_factory=list)  # the baseline's own compile errors
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failure and not self.build and self.image is not None


def find_buf() -> str:
    """The `buf` executable: the one buf-bin installed next to this interpreter, else one on PATH ("" if none)."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / ("buf.exe" if os.name == "nt" else "buf")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("buf") or ""


def offline_env(tmp: Path) -> dict[str, str]:
    """buf's environment: its cache, HOME and config under `tmp`, every proxy refusing, no token."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    proxies = {k: REFUSING_PROXY for k in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy",
                                           "all_proxy")}
    return keep | proxies | {"BUF_CACHE_DIR": str(tmp / "cache"), "HOME": str(home),
                             "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
                             "NO_PROXY": "", "no_proxy": ""}


def _parse(text: str) -> list[Issue]:
    """buf's `--error-format json` lines; a line that is not JSON becomes a message of its own."""
    out: list[Issue] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            item = json.loads(line)
        except ValueError:
            out.append(Issue("", None, "COMPILE", line[:500]))
            continue
        if isinstance(item, dict):
            start = item.get("start_line")
            out.append(Issue(str(item.get("path") or ""), start if isinstance(start, int) and start > 0 else None,
                             str(item.get("type") or "COMPILE"), str(item.get("message") or "")))
    return out


def _write(folder: Path, files: Mapping[str, str]) -> None:
    """The files (paths relative to the proto folder, checked to stay inside `folder`) and the gate's buf.yaml."""
    folder.mkdir(parents=True)
    for rel, text in files.items():
        parts = rel.split("/")
        if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
            continue
        target = folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (folder / "buf.yaml").write_text(BUF_YAML, encoding="utf-8")


class _Buf:
    """buf processes in `tmp`, offline; several at once (independent steps run in parallel)."""

    def __init__(self, exe: str, tmp: Path):
        self.exe, self.tmp, self.env = exe, tmp, offline_env(tmp)

    def start(self, cwd: Path, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([self.exe, *args], cwd=cwd, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace")

    @staticmethod
    def wait(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return -1, "", f"timed out after {TIMEOUT} s"
        return proc.returncode, out, err


def _built(step: str, done: tuple[int, str, str]) -> list[Issue] | str:
    """A build's compile errors ([] when it built), or what went wrong otherwise."""
    code, out, err = done
    if code == 0:
        return []
    issues = _parse(out + "\n" + err)
    return issues if code == 100 and issues else f"buf {step} exited {code}: {(err or out).strip()[:500]}"


def run_gate(files: Mapping[str, str], baseline: Mapping[str, str] | None = None) -> BufRun:
    """Build and lint `files` (path relative to the proto folder -> text) and, with a `baseline` (the same for
    the baseline's proto folder), compare them with `buf breaking`. Memoised by content."""
    exe = find_buf()
    key = hashlib.sha256(json.dumps([exe, sorted(files.items()), sorted(baseline.items()) if baseline is not None
                                     else None]).encode()).hexdigest()
    hit = _RUNS.get(key)
    if hit is None:
        hit = _run(exe, files, baseline)
        if not hit.failure:
            _RUNS[key] = hit
    return hit


_RUNS: dict[str, BufRun] = cache.memo("buf.runs", 8)


def _run(exe: str, files: Mapping[str, str], baseline: Mapping[str, str] | None) -> BufRun:
    start = time.perf_counter()
    run = BufRun(buf=exe)
    if not exe:
        run.failure = f"buf is not installed: {INSTALL}"
        return run
    with tempfile.TemporaryDirectory(prefix="workbench-buf-") as name:
        tmp = Path(name)
        buf = _Buf(exe, tmp)
        try:
            cur, image = tmp / "cur", tmp / "cur.binpb"
            _write(cur, files)
            base, base_image = tmp / "base", tmp / "base.binpb"
            if baseline is not None:
                _write(base, baseline)
            # build, lint and the baseline's build are independent: they run at once
            steps = {"build": buf.start(cur, "build", ".", "--error-format", "json", "-o", str(image)),
                     "lint": buf.start(cur, "lint", ".", "--error-format", "json")}
            if baseline is not None:
                steps["base"] = buf.start(base, "build", ".", "--error-format", "json", "-o", str(base_image))
            done = {step: buf.wait(proc) for step, proc in steps.items()}
            built = _built("build", done["build"])
            if isinstance(built, str):
                run.failure = built
                return run
            run.build = built
            if built:
                return run
            run.image = image.read_bytes()
            code, out, err = done["lint"]
            if code not in (0, 100):
                run.failure = f"buf lint exited {code}: {(err or out).strip()[:500]}"
                return run
            run.lint = _parse(out)
            if baseline is None:
                return run
            base_built = _built("build", done["base"])
            if base_built:
                run.baseline_build = base_built if isinstance(base_built, list) else [
                    Issue("", None, "COMPILE", base_built)]
                run.breaking = []
                return run
            config = json.dumps(BREAKING)
            code, out, err = buf.wait(buf.start(cur, "breaking", str(image), "--against", str(base_image),
                                                "--config", config, "--against-config", config,
                                                "--error-format", "json"))
            if code not in (0, 100):
                run.failure = f"buf breaking exited {code}: {(err or out).strip()[:500]}"
                return run
            run.breaking = _parse(out)
        except OSError as exc:
            run.failure = f"cannot run {exe}: {exc}"
        finally:
            run.seconds = time.perf_counter() - start
    return run
