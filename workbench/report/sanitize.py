"""The one place repository text becomes output: every presenter writes through here.

File names, schema keys, messages, subjects and notes all come from the
repository under check, which on a pull request is untrusted. Printed as they
are they could move the terminal cursor or recolour it (ESC, C1 controls),
forge a line of their own (a newline, a carriage return), spoof their reading
order (bidi controls), or forge a GitHub Actions workflow command: the runner
obeys a log line that starts with `::` after leading whitespace, and the
legacy `##[command]` form anywhere in a line. A non-UTF-8 file name reaches
Python as lone surrogates (`'\\udcff'`), which a strict UTF-8 stdout cannot
encode and a JSON reader cannot accept.

Rules, by output:

* text (`text`, `text_block`; terminal, CI log, stderr lines):
  - paths, subjects, labels and notes are one line: every control character
    (C0 including newline, CR and tab; DEL; C1), bidi control and line/paragraph
    separator is shown escaped (`\\n`, `\\r`, `\\t`, `\\x1b`, `\\x7f`, `\\x9b`,
    `\\u202e`); a byte of a non-UTF-8 file name shows as `\\xff` (the byte).
  - messages (`text_block`) are escaped the same way, except that a newline is
    kept as a line break: a message may carry a multi-line excerpt (E001's diff).
    Each continuation line is indented (`CONTINUATION`), so it can never stand
    at the start of a line as if it were output of its own.
  - workflow commands are defused in every line: a line whose first
    non-whitespace characters are `::` shows its first colon as `\\x3a`, and
    `##[` shows as `##[\\` (the runner's own neutralisation of its markers).
* github (`gh_data`, `gh_property`): workflow-command escaping of every field,
  file names included (`%` -> `%25`, CR -> `%0D`, LF -> `%0A`; in properties
  also `:` -> `%3A`, `,` -> `%2C`), so the runner reads back the exact name;
  other control characters, bidi controls and surrogates are shown escaped as
  in text. Every line starts with `::`, so the runner parses it as one command
  and never tries the legacy form on it; `##[` is defused in the message anyway
  (not in `file=`, which must name the file).
* json and sarif (`dumps`, `data`): every string (keys too) is valid Unicode
  (a lone surrogate becomes U+FFFD); DEL, C1, bidi controls and U+2028/U+2029
  are written as `\\uXXXX` escapes and `[` after `##` as `\\u005b`: the JSON
  value is unchanged, but no raw control or command marker reaches a log that
  prints it. `ascii_json` escapes the rest for a stream that is not UTF-8.
* SARIF locations (`uri`): a relative URI reference, percent-encoded from the
  file name's bytes (space, `#`, `?`, `[`, `%`, `:`, non-ASCII; a non-UTF-8 byte
  as itself), so the reference names exactly the file.

Rich markup is never parsed from file text: presenters build `rich.text.Text`
from these strings (`cli._console` and `render_text`), never markup strings.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote_from_bytes

CONTINUATION = "      "  # indent of a message's continuation lines in text output

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_SEPARATORS = "\u2028\u2029"
_SURROGATES = "\ud800-\udfff"
# shown escaped in text and github output (newline is handled by the caller's rule)
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_SEPARATORS}{_SURROGATES}]")
_UNSAFE_KEEP_NL = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}{_SEPARATORS}{_SURROGATES}]")
_UNSAFE_KEEP_CRLF = re.compile(f"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}{_SEPARATORS}{_SURROGATES}]")
_SURROGATE = re.compile(f"[{_SURROGATES}]")
# written as \\u escapes in JSON (json.dumps already escapes C0)
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}{_SEPARATORS}]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a non-UTF-8 file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _defuse(line: str) -> str:
    """No workflow command in one output line: `::` at its start, `##[` anywhere."""
    line = line.replace("##[", "##[\\")
    stripped = line.lstrip()
    if stripped.startswith("::"):
        at = len(line) - len(stripped)
        line = line[:at] + "\\x3a" + line[at + 1:]
    return line


def text(value: Any) -> str:
    """A one-line field for text output (a path, subject, label, note): everything unsafe escaped."""
    return _defuse(_UNSAFE.sub(_escape, str(value)))


def text_block(value: Any, indent: str = CONTINUATION) -> str:
    """A message for text output: escaped like `text`, newlines kept as indented continuation lines."""
    first, *rest = _UNSAFE_KEEP_NL.sub(_escape, str(value)).split("\n")
    return "\n".join([_defuse(first), *(_defuse(indent + line) for line in rest)])


def _gh_escape(value: Any) -> str:
    escaped = _UNSAFE_KEEP_CRLF.sub(_escape, str(value))
    return escaped.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_data(value: Any) -> str:
    """The message part of a GitHub workflow command (`##[` defused too)."""
    return _gh_escape(value).replace("##[", "##[\\")


def gh_property(value: Any) -> str:
    """A property value (`file=`, `title=`): a file name round-trips exactly unless it holds a control character."""
    return _gh_escape(value).replace(":", "%3A").replace(",", "%2C")


def data(value: Any) -> Any:
    """A JSON-ready copy of `value` in which every string (keys too) is valid Unicode."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {data(k) if isinstance(k, str) else k: data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [data(v) for v in value]
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """`json.dumps` for output: valid Unicode, no raw control character or `##[` in the text."""
    out = json.dumps(data(value), ensure_ascii=False, **kwargs)
    # these characters occur only inside strings, so the escapes leave the JSON value as it was
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", out).replace("##[", "##\\u005b")


def ascii_json(out: str) -> str:
    """JSON text from `dumps` with every non-ASCII character escaped (for a stream that is not UTF-8)."""
    def esc(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x10000:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return _NON_ASCII.sub(esc, out)


def fs_bytes(path: str) -> bytes:
    """The bytes of a file name as the OS has them (a non-UTF-8 byte back as itself)."""
    try:
        return path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        return _SURROGATE.sub("\ufffd", path).encode("utf-8")


def uri(path: str) -> str:
    """A relative path as a percent-encoded relative URI reference (`/` kept as the separator)."""
    return quote_from_bytes(fs_bytes(path), safe="/")
