"""Command line: `workbench` (the TUI), `workbench --check` (CI) and subcommands.

Exit codes: 0 nothing reached the fail level, 1 something did, 2 the command
itself could not run (bad arguments, missing root, an unknown baseline ref) or
failed unexpectedly (`workbench: internal error: ...` on one stderr line; the
traceback with `--debug`). Exit 1 means findings, never a crash.

Everything printed that comes from the repository (file names, messages) goes
through `report.sanitize`, stderr lines included.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.text import Text

from . import __version__, cache
from .config import CEILINGS, Ceilings
from .errors import UsageError, WorkbenchError
from .findings import CATEGORIES
from .loader import load_workspace
from .model import Workspace

if TYPE_CHECKING:
    from .baseline import Baseline
    from .init import Draft
from .pipeline import check
from .report import reporters, sanitize
from .report.text import console_for, render_text

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _console(stream: TextIO | None = None) -> Console:
    return console_for(stream or sys.stdout)


def _stderr(kind: str, message: object) -> None:
    """One line on stderr: `workbench: KIND: MESSAGE`, the message escaped (it may hold file names)."""
    print(f"workbench: {kind}: {sanitize.text(message)}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    _stderr("warning", message)


def _utf8(stream: object) -> bool:
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "utf-8"
    except LookupError:
        return False


def _write(out: str, is_json: bool = False) -> None:
    """Write a rendered document to stdout; JSON is ASCII-escaped for a stream that is not UTF-8."""
    if is_json and not _utf8(sys.stdout):
        out = sanitize.ascii_json(out)
    sys.stdout.write(out)


def _dump(doc: Any) -> None:
    _write(sanitize.dumps(doc, indent=2, sort_keys=True) + "\n", is_json=True)


def user_path(value: str | os.PathLike[str], what: str = "path") -> Path:
    """A path the user gave (`--root`, `--out`, `--against-dir`, `--against ./DIR`), resolved once against the
    directory the command runs in: absolute from here on, so no later step reads it against another folder
    (the root, an output folder). `~` is expanded; links are kept (the path names what the user named)."""
    text = os.fspath(value)
    if not text:
        raise UsageError(f"{what} is empty")
    try:
        return Path(os.path.abspath(os.path.expanduser(text)))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{what} {sanitize.text(text[:200])!r} cannot be used: {exc}") from exc


def shown(path: str | os.PathLike[str]) -> str:
    """How a printed path reads: relative to the current directory when it is under it (`doc/x.md`, as the
    user would type it here), else absolute; POSIX separators."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix() or "."
    except (ValueError, OSError):
        return absolute.as_posix()


def _root(args: argparse.Namespace) -> Path:
    root = user_path(args.root, "root")
    if not root.is_dir():
        raise UsageError(f"root {shown(root)} is not a directory")
    return root


def _ceilings(args: argparse.Namespace) -> Ceilings | None:
    """The most decisions/workspace.yaml may raise the limits to: the built-in ceilings, or none with
    `--raise-limits` (for a repository the caller trusts)."""
    return None if getattr(args, "raise_limits", False) else CEILINGS


def _use_cache(args: argparse.Namespace) -> None:
    """The disk cache for this run (`--cache-dir`, `--no-cache`); a folder inside the root is refused with a warning."""
    given = getattr(args, "cache_dir", None)
    _, note = cache.configure(user_path(args.root, "root"), user_path(given, "--cache-dir") if given else None,
                              enabled=not getattr(args, "no_cache", False))
    if note:
        warn(note)


def _load(args: argparse.Namespace) -> Workspace:
    return load_workspace(_root(args), ceilings=_ceilings(args))


def _baseline(root: Path, args: argparse.Namespace, against: str | None) -> Baseline | None:
    """The baseline of `--against REF` / `--against-dir DIR` (read with `--baseline-config`), or None. A folder
    (`--against-dir DIR`, or `--against` written as a path: `./DIR`) is resolved against the current directory."""
    if against is None and args.against_dir is None:
        return None
    from .baseline import read_baseline, written_as_path

    folder: Path | None = None
    if args.against_dir is not None:
        folder = user_path(args.against_dir, "--against-dir")
    elif against is not None and against and written_as_path(against):
        folder, against = user_path(against, "--against"), None
    return read_baseline(root, against, folder=folder, warn=warn,
                         own_config=getattr(args, "baseline_config", "worktree") == "own")


def cmd_check(args: argparse.Namespace) -> int:
    root = _root(args)
    ws = load_workspace(root, ceilings=_ceilings(args))
    baseline = _baseline(root, args, args.against)
    if baseline is not None and baseline.differs:  # the two configurations differ: say which one read both sides
        _stderr("note", f"baseline {baseline.label} is read with {baseline.configuration}")
    result = check(ws, args.select or (), args.ignore or (), baseline.workspace if baseline else None,
                   baseline.label if baseline else "", use_baseline=not args.no_baseline)
    for note in result.notes:
        warn(note)
    if args.format == "text":
        render_text(result, sys.stdout)  # coloured on a terminal
    else:
        fmt = reporters()[args.format]
        _write(fmt.render(result), is_json=fmt.is_json)
    return EXIT_FAIL if result.failed(args.fail_on) else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    ws = _load(args)
    data = status_data(ws)
    if args.json:
        _dump(data)
        return EXIT_OK
    out = _console()
    out.print(Text(f"workspace {sanitize.text(ws.root)}", style="bold"))
    out.print(Text(f"{data['schemas']} schemas ({data['shared_schemas']} shared), {data['examples']} examples, "
                   f"{len(ws.families)} families"))
    for intent, row in data["intent_classes"].items():
        out.print(Text(f"  {sanitize.text(intent):<16} {row['families']:>3} families {row['schemas']:>4} schemas"))
    out.print(Text("decisions: " + ", ".join(f"{sanitize.text(k)} {v}" for k, v in data["decisions"].items())))
    for p in data["problems"]:
        out.print(Text(f"  {sanitize.text(p['path'])}:{p['line'] or '-'}  {sanitize.text_block(p['message'])}"))
    out.print(Text(f"{len(data['problems'])} problem(s)", style="bold"))
    return EXIT_OK


def status_data(ws: Workspace) -> dict[str, Any]:
    """What was loaded, per intent class and decision state (shared by `status` and tests)."""
    intents: dict[str, dict[str, int]] = {c: {"families": 0, "schemas": 0} for c in ws.config.intent_classes}
    for fam in ws.families:
        row = intents.setdefault(fam.intent_class or "unclassified", {"families": 0, "schemas": 0})
        row["families"] += 1
        row["schemas"] += len(fam.schemas)
    intents["undecided"] = {"families": 0, "schemas": len(ws.undecided)}
    states = Counter(f.decision or "undecided" for f in ws.families)
    return {
        "root": str(ws.root),
        "schemas": len(ws.schemas),
        "shared_schemas": len(ws.schemas) - len(ws.contract_schemas),
        "examples": len(ws.examples),
        "intent_classes": intents,
        "decisions": dict(sorted(states.items())),
        "problems": [{"path": p.path, "line": p.line, "message": p.message} for p in ws.problems],
    }


def cmd_rules(args: argparse.Namespace) -> int:
    from .rules.registry import all_rules

    out = _console()
    for r in all_rules():
        status = "" if r.status == "stable" else f"  ({r.status}{', use ' + r.replaced_by if r.replaced_by else ''})"
        out.print(Text(f"{r.id}  {r.category:<13} {r.severity:<8} {r.name}{status}"))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from .rules.registry import resolve

    r, note = resolve(args.rule)
    if r is None:
        raise UsageError(f"unknown rule {args.rule[:80]!r} (see `workbench rules`)")
    out = _console()
    if note:
        warn(note)
    out.print(Text(f"{r.id} {r.name}", style="bold"))
    out.print(Text(f"category: {r.category}   default severity: {r.severity}   status: {r.status}"))
    for paragraph in r.explanation.split("\n\n"):
        out.print()
        out.print(Text(paragraph))
    if r.details:
        out.print()
        for line in r.details:
            out.print(Text(line), soft_wrap=True)
    return EXIT_OK


def cmd_checklist(args: argparse.Namespace) -> int:
    from .pipeline import derive

    ws = _load(args)
    rows = derive(ws).checklist
    if args.json:
        _dump([r.as_dict() for r in rows])
        return EXIT_OK
    out = _console()
    for r in rows:
        mark = {"done": "[x]", "open": "[ ]", "contradicted": "[!]"}.get(r.status, "[?]")
        out.print(Text(f"{mark} {sanitize.text(r.item.text)}"))
        out.print(Text(f"      {sanitize.text(r.status)} ({sanitize.text(r.source)}): {sanitize.text(r.evidence_text)}",
                       style="dim"))
    return EXIT_OK


MAX_GROUPS_SHOWN = 20


def cmd_init(args: argparse.Namespace) -> int:
    from .init import init_decisions

    root = _root(args)
    drafts: list[Draft] = []
    written = init_decisions(root, force=args.force, drafts=drafts)
    for path in written:
        print(f"wrote {sanitize.text(shown(root / path))}")
    _grouping(drafts)
    if not written:
        print("nothing to write: decisions/ already has these files (use --force to add missing families)")
    ws = load_workspace(root)
    globs = ws.config.schema_globs
    listed = ": " + ", ".join(sanitize.text(g) for g in globs) if 0 < len(globs) <= 5 else ""
    print(f"{len(ws.schemas)} schema(s) match the {len(globs)} schemas.globs of decisions/workspace.yaml{listed}")
    if not ws.schemas:
        print("set schemas.globs there to where your schemas are, then run `workbench init` again")
    _unknown_dialects(ws)
    return EXIT_OK


def _grouping(drafts: list[Draft]) -> None:
    """How `init` grouped the schemas into draft families: the groups and why, then the pairs left to decide."""
    if not drafts:
        return
    grouped = [d for d in drafts if len(d.schemas) > 1]
    schemas = sum(len(d.schemas) for d in drafts)
    how = (f"{len(grouped)} of them grouping schemas that overlap and share a name stem, or a request/response "
           "pair (each draft says why: regroup before removing `guess` if that is wrong)" if grouped else
           "one per schema: no two overlap strongly and share a name stem")
    print(f"grouping: {schemas} schema(s) into {len(drafts)} draft family(ies), {how}")
    for d in grouped[:MAX_GROUPS_SHOWN]:
        print(f"  {sanitize.text(d.id)}: {', '.join(sanitize.text(s.path) for s in d.schemas)}")
        print(f"    {sanitize.text(d.why)}")
    if len(grouped) > MAX_GROUPS_SHOWN:
        print(f"  and {len(grouped) - MAX_GROUPS_SHOWN} more group(s)")
    pairs = {(p.a.path, p.b.path): p for d in drafts for p in d.noted}
    if pairs:
        print(f"to decide: {len(pairs)} overlapping pair(s) left in separate drafts (noted in both):")
        for (a, b), p in sorted(pairs.items())[:MAX_GROUPS_SHOWN]:
            why = f"share the name stem {'/'.join(p.stem)!r}" if p.stem else "no shared name stem"
            print(f"  {sanitize.text(a)} ~ {sanitize.text(b)}: score {p.score:.2f}, {p.shared} fields, {why}")
        if len(pairs) > MAX_GROUPS_SHOWN:
            print(f"  and {len(pairs) - MAX_GROUPS_SHOWN} more")


def _unknown_dialects(ws: Workspace) -> None:
    """Say which `$schema` URIs no dialect reads (V001 errors), with the `schemas.dialects` lines that map them."""
    from .schema.dialect import reading_of

    reading = reading_of(ws.config)
    unknown = Counter(uri for s in ws.schemas if (uri := reading.unknown(s.body)) is not None)
    if not unknown:
        return
    print(f"{unknown.total()} schema(s) declare {len(unknown)} $schema URI(s) naming no standard dialect (V001): "
          "map each to the dialect it builds on in decisions/workspace.yaml, for example")
    print("  schemas:\n    dialects:")
    for uri, count in sorted(unknown.items())[:10]:
        print(f"      {sanitize.text(json.dumps(uri))}: draft-07  # {count} schema(s): check which draft it extends")
    if len(unknown) > 10:
        print(f"      # and {len(unknown) - 10} more (`workbench --check --select V001` lists them)")


def cmd_export(args: argparse.Namespace) -> int:
    from .pipeline import export

    out = user_path(args.out, "--out") if args.out is not None else None
    ws = _load(args)
    changed = export(ws, out, force=args.force, ceilings=_ceilings(args))
    for path, state in changed:  # root-relative inside the root, else absolute: printed from here
        print(f"{state:<9} {sanitize.text(shown(ws.root / path))}")
    return EXIT_OK


def cmd_baseline(args: argparse.Namespace) -> int:
    from .store.baseline import write_baseline

    ws = _load(args)
    if not ws.decisions.present:
        raise UsageError(f"no decisions/ folder in {ws.root}: run `workbench init` first")
    result = check(ws, use_baseline=False)
    path, count = write_baseline(ws.root, result.findings)
    print(f"wrote {sanitize.text(shown(path))}: {count} accepted finding(s) "
          f"({result.summary['error']} error(s), {result.summary['warning']} warning(s)); "
          "`--check` now fails only on new ones")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from .report.diff import render_diff
    from .rules.compatibility import judge

    if (args.ref is None) == (args.against_dir is None):
        raise UsageError("diff needs one baseline: a git ref (REF, or ./DIR for a folder) or --against-dir DIR")
    root = _root(args)
    ws = load_workspace(root, ceilings=_ceilings(args))
    baseline = _baseline(root, args, args.ref)
    assert baseline is not None  # exactly one of REF and --against-dir is given
    verdicts = judge(ws, baseline.workspace)
    _write(render_diff(verdicts, baseline.label, args.format, baseline.configuration), is_json=args.format == "json")
    return EXIT_FAIL if any(v.breaking for v in verdicts) else EXIT_OK


def cmd_tui(args: argparse.Namespace) -> int:
    root = _root(args)
    if not sys.stdout.isatty():
        return cmd_status(args)
    from .baseline import written_as_path
    from .tui.app import WorkbenchApp

    against, against_dir = args.against, args.against_dir
    if against and written_as_path(against):  # a folder: read from here, like --against-dir
        against, against_dir = None, against
    folder = user_path(against_dir, "--against-dir") if against_dir is not None else None
    app = WorkbenchApp(root, against=against, against_dir=str(folder) if folder is not None else None)
    app.run()
    if app.fatal is not None:
        raise app.fatal  # reported by main(): one line and exit 2 (the traceback with --debug)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    root_help = "workspace root (default: current directory)"
    debug_help = "on an unexpected error, print the traceback (exit 2 either way)"
    common = argparse.ArgumentParser(add_help=False)  # subcommands: --root only when given
    common.add_argument("--root", default=argparse.SUPPRESS, metavar="DIR", help=root_help)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    raise_help = ("let decisions/workspace.yaml raise budgets and limits above the built-in ceilings "
                  "(only for a repository you trust: a pull request edits that file too)")
    common.add_argument("--raise-limits", action="store_true", default=argparse.SUPPRESS, help=raise_help)
    cache_help = ("keep derived results between runs in DIR (default: $WORKBENCH_CACHE_DIR, else "
                  "$XDG_CACHE_HOME/workbench, else ~/.cache/workbench; never a folder inside the root)")
    nocache_help = "neither read nor write the cache (every result computed again)"
    common.add_argument("--cache-dir", metavar="DIR", default=argparse.SUPPRESS, help=cache_help)
    common.add_argument("--no-cache", action="store_true", default=argparse.SUPPRESS, help=nocache_help)

    p = argparse.ArgumentParser(
        prog="workbench",
        description="Govern a repository's JSON Schema contracts. Without a command, opens the workbench TUI.",
    )
    p.add_argument("--root", default=".", metavar="DIR", help=root_help)
    p.add_argument("--version", action="version", version=f"workbench {__version__}")
    p.add_argument("--debug", action="store_true", help=debug_help)
    p.add_argument("--raise-limits", action="store_true", help=raise_help)
    p.add_argument("--cache-dir", metavar="DIR", help=cache_help)
    p.add_argument("--no-cache", action="store_true", help=nocache_help)
    p.add_argument("--check", action="store_true", help="run every rule headlessly (for CI) and exit 0/1/2")
    p.add_argument("--format", choices=tuple(reporters()), default="text", help="report format for --check")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error", help="lowest severity that fails")
    p.add_argument("--select", nargs="+", metavar="CAT|ID",
                   help=f"only these rules or categories ({', '.join(CATEGORIES)})")
    p.add_argument("--ignore", nargs="+", metavar="CAT|ID", help="skip these rules or categories")
    against = p.add_mutually_exclusive_group()
    against.add_argument("--against", metavar="REF", help="compare schemas with a git ref (REF...: the merge base of "
                         "REF and HEAD; a folder when written as a path: ./DIR, DIR/, /abs/DIR)")
    against.add_argument("--against-dir", metavar="DIR", help="compare schemas with another folder")
    config_help = ("read the baseline with the working tree's decisions/workspace.yaml (default: both sides are read "
                   "alike) or with its own")
    p.add_argument("--baseline-config", choices=("worktree", "own"), default="worktree", help=config_help)
    p.add_argument("--no-baseline", action="store_true",
                   help="report findings accepted in decisions/baseline.yaml as failing too")
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("status", parents=[common], help="print what was loaded")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_status)
    sub.add_parser("rules", parents=[common], help="list every rule").set_defaults(func=cmd_rules)
    s = sub.add_parser("explain", parents=[common], help="explain one rule")
    s.add_argument("rule", metavar="ID")
    s.set_defaults(func=cmd_explain)
    s = sub.add_parser("checklist", parents=[common], help="the checklist, derived from evidence")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_checklist)
    s = sub.add_parser("init", parents=[common], help="write a starter decisions/ for this root")
    s.add_argument("--force", action="store_true", help="add files for schemas not yet in a family")
    s.set_defaults(func=cmd_init)
    s = sub.add_parser("export", parents=[common], help="write the M1 docs")
    s.add_argument("--out", metavar="DIR", help="output folder (default from decisions/workspace.yaml)")
    s.add_argument("--force", action="store_true", help="replace documents that export did not write")
    s.set_defaults(func=cmd_export)
    sub.add_parser("baseline", parents=[common],
                   help="accept today's findings in decisions/baseline.yaml: --check then fails only on new ones"
                   ).set_defaults(func=cmd_baseline)
    s = sub.add_parser("diff", parents=[common], help="classified schema changes against a git ref or folder; "
                                                      "exit 1 when one breaks under the policy")
    s.add_argument("ref", metavar="REF", nargs="?",
                   help="a git ref (REF...: the merge base of REF and HEAD; a folder when written as a path: "
                        "./DIR, DIR/, /abs/DIR)")
    s.add_argument("--against-dir", metavar="DIR", help="compare with another folder instead of a git ref")
    s.add_argument("--baseline-config", choices=("worktree", "own"), default=argparse.SUPPRESS, help=config_help)
    s.add_argument("--format", choices=("text", "json"), default="text")
    s.set_defaults(func=cmd_diff)
    return p


def _safe_stream(stream: object) -> None:
    """A stream that cannot encode all of Unicode (not UTF-8) escapes what it cannot encode instead of raising."""
    if not _utf8(stream) and hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (OSError, ValueError):
            pass


def run() -> None:
    """The `workbench` command: `main`, then the exit without tearing the interpreter down. A check leaves
    millions of objects behind (the snapshot, its facts, the memos): freeing them one by one took 1.4 s of
    a 5.9 s check of the CloudFormation catalog, and nothing is left to do by then (the output is flushed
    here, the disk cache committed by the check, the terminal restored by the TUI). While another thread
    still works (a TUI export finishing its writes), the interpreter exits as usual: it waits for it."""
    code = main()
    if any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        _safe_stream(stream)
    try:
        _use_cache(args)
        if args.check:
            return cmd_check(args)
        if args.command:
            func: Callable[[argparse.Namespace], int] = args.func
            return func(args)
        return cmd_tui(args)
    except WorkbenchError as exc:
        _stderr("error", exc)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug or an unforeseen input: exit 2, never 1 (1 means findings)
        if getattr(args, "debug", False):  # the traceback, each line escaped (it may quote repository text)
            for line in traceback.format_exc().splitlines():
                print(sanitize.text(line), file=sys.stderr)
        else:
            _stderr("internal error", f"{type(exc).__name__}: {str(exc)[:500]} (rerun with --debug for the traceback)")
        return EXIT_USAGE
