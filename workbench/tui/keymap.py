"""The user's keymap: binding id -> keys, read from a TOML file, with its problems.

The file holds one table, `[keymap]`, of `"<binding id>" = "<keys>"` entries
(`"browse.edit" = "E"`); `?` lists every binding id. It is read from
$WORKBENCH_KEYMAP, else ~/.config/workbench/keymap.toml (XDG_CONFIG_HOME honoured).
A file that cannot be read or parsed, a value that is not a string and an unknown
binding id are reported (the app shows them at start), never raised.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

KEYMAP_ENV = "WORKBENCH_KEYMAP"
RENAMED = {"findings.goto": "findings.details"}  # old binding id -> new: a keymap written for the old one works


@dataclass(frozen=True)
class Keymap:
    keys: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    path: Path | None = None

    def unknown(self, known: Iterable[str]) -> list[str]:
        """Entries naming no binding id of the app."""
        ids = set(known)
        return sorted(k for k in self.keys if k not in ids)

    def report(self, known: Iterable[str]) -> list[str]:
        """Every problem worth telling the user at start, one line each."""
        where = str(self.path) if self.path else "keymap"
        out = list(self.problems)
        unknown = self.unknown(known)
        if unknown:
            out.append(f"{where}: unknown binding id(s) {', '.join(unknown)} (press ? for the ids)")
        return out


def default_path() -> Path:
    env = os.environ.get(KEYMAP_ENV)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "workbench" / "keymap.toml"


def load_keymap(path: str | os.PathLike | None = None) -> Keymap:
    """The keymap at `path` (default: `default_path()`); a missing default file is no keymap."""
    explicit = path is not None or bool(os.environ.get(KEYMAP_ENV))
    file = Path(path) if path is not None else default_path()
    try:
        text = file.read_text("utf-8")
    except FileNotFoundError:
        return Keymap(problems=(f"{file}: no such keymap file",) if explicit else (), path=file)
    except (OSError, UnicodeDecodeError) as exc:
        return Keymap(problems=(f"{file}: cannot read ({exc})",), path=file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Keymap(problems=(f"{file}: not valid TOML ({exc}); keys left as they are",), path=file)
    table = data.get("keymap", data)
    if not isinstance(table, dict):
        return Keymap(problems=(f"{file}: [keymap] must be a table of binding id = keys",), path=file)
    keys = {str(k): v.strip() for k, v in table.items() if isinstance(v, str) and v.strip()}
    bad = sorted(str(k) for k, v in table.items() if not (isinstance(v, str) and v.strip()))
    why = "the keys must be a non-empty string such as \"E\" or \"ctrl+e\""
    problems = [f"{file}: {', '.join(bad)}: {why}"] if bad else []
    for old, new in RENAMED.items():
        if old in keys:
            value = keys.pop(old)
            keys.setdefault(new, value)
            problems.append(f"{file}: {old} is now called {new}; it still applies, rename it in the file")
    return Keymap(keys, tuple(problems), file)
