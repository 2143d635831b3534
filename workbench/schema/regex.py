"""A repository's regular expressions (`pattern`, `patternProperties`) never run on a backtracking engine
without a bound.

- jsonschema-rs runs them (ECMA-262, translated for Rust's `fancy-regex`): a pattern without lookaround or
  backreferences runs on the `regex` crate (linear time); one with them backtracks, each match bounded by
  `BACKTRACK_LIMIT` steps (over it, the match fails with "Max limit for backtracking count exceeded": a
  finding, never a hang). `needs_backtracking` tells which patterns those are, so a caller can budget them.
- A pattern jsonschema-rs refuses is named by `refused` (the non-ECMA-262 construct when it is a known
  one: `\\Z`, `(?P=name)`, `(?#...)`, ...), for V001; nothing falls back to Python's `re`.
- python-jsonschema, where it validates what jsonschema-rs refuses to build, matches with google-re2
  (linear time) inside `with linear_patterns():` (in that thread only; its own decisions schemas, trusted,
  keep Python's `re` elsewhere). Its keyword modules call the module function `re.search` for `pattern`,
  `patternProperties`, `additionalProperties` and `unevaluatedProperties`; `linear_python_jsonschema()`
  gives them a `re` whose `search` answers from re2 inside the block. A pattern re2 cannot run
  (lookaround, backreferences) raises `NotLinear` (a finding for the caller).
"""

from __future__ import annotations

import importlib.util
import re
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import jsonschema_rs
import re2

from ..jsontext import Tokens
from .dialect import STANDARD, Reading
from .nodes import walk

BACKTRACK_LIMIT = 10_000  # backtracking steps one match of a lookaround/backreference pattern may take
SIZE_LIMIT = 1 << 22  # bytes of one compiled pattern (`a{1000}{1000}` is refused, not built)
PATTERN_OPTIONS = jsonschema_rs.FancyRegexOptions(backtrack_limit=BACKTRACK_LIMIT, size_limit=SIZE_LIMIT,
                                                  dfa_size_limit=SIZE_LIMIT)
_LINEAR_OPTIONS = jsonschema_rs.RegexOptions(size_limit=SIZE_LIMIT, dfa_size_limit=SIZE_LIMIT)
_RE2 = re2.Options()
_RE2.log_errors = False  # re2 would log each refused pattern to stderr
_RE2.max_mem = SIZE_LIMIT

# constructs of other regex flavours (Python, PCRE, Perl) that ECMA-262 does not have, as jsonschema-rs refuses them
_FOREIGN = (
    (re.compile(r"\\[AZ]"), "string anchors \\A and \\Z are Python/PCRE syntax (ECMA-262 writes ^ and $)"),
    (re.compile(r"\(\?P[=>]"), "(?P=name) backreferences are Python syntax"),
    (re.compile(r"\(\?#"), "(?#...) comments are Python/PCRE syntax"),
    (re.compile(r"\(\?>"), "atomic groups (?>...) are PCRE syntax"),
    (re.compile(r"\\(?:[hHRKGXQEeNlLU]|u(?![0-9A-Fa-f]{4}|\{))"), "this escape is PCRE/Perl syntax, not ECMA-262"),
    (re.compile(r"\{,\d"), "{,n} is Python syntax (ECMA-262 writes {0,n})"),
    # what ECMA-262 allows only without the `u` flag JSON Schema asks for (its Annex B: web browsers' leniency)
    (re.compile(r"\\(?:[dDwWsS]|[pP]\{[^}]*\})-(?!\])"),
     "a range from a class escape (`[\\w-.]`) is refused with the `u` flag JSON Schema asks for (write `-` last)"),
    (re.compile(r"\{\d+(?:,\d*)?\}[*+{]"),
     "a quantifier on a quantifier (`{n}{m}`, possessive `{n}+`) is not ECMA-262"),
    (re.compile(r"\(\?<?[=!][^()]*\)[*+?{]"),
     "a quantified lookaround is refused with the `u` flag JSON Schema asks for"),
)


def _escaped_spans(pattern: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of each escape (`\\x`) and each other character of `pattern`, in order."""
    i = 0
    while i < len(pattern):
        step = 2 if pattern[i] == "\\" and i + 1 < len(pattern) else 1
        yield i, pattern[i:i + step]
        i += step


def _foreign(pattern: str) -> str | None:
    """The first construct of another regex flavour in `pattern` (an escaped `\\\\Z` is not one), or None."""
    starts = {i for i, _ in _escaped_spans(pattern)}  # a construct starts on a character, never inside an escape
    found = [(m.start(), m.group(), why) for rx, why in _FOREIGN for m in rx.finditer(pattern) if m.start() in starts]
    if not found:
        return None
    _, text, why = min(found)
    return f"`{text}`: {why}"


@lru_cache(maxsize=65536)
def refused(pattern: str) -> str | None:
    """Why `pattern` is not the ECMA-262 regular expression a schema's `pattern` or `patternProperties` key
    must be, as jsonschema-rs compiles them (naming the construct when it is a known foreign one), or None.
    A pattern jsonschema-rs refuses only for its lone-surrogate escapes (`\\uD800`, in AWS's character
    classes) or for its compiled size (`[\\p{L}]{1,128}`) is ECMA-262: None (python-jsonschema validates its
    examples, on re2, or says they are not validated)."""
    if _compiles(pattern) or (_SURROGATE.search(pattern) and _compiles(_SURROGATE.sub(r"\\uFFFD", pattern))):
        return None
    foreign = _foreign(pattern)
    if foreign is None and _COUNTED.search(pattern) and _compiles(_COUNTED.sub(_once, pattern)):
        return None  # valid, only larger than `SIZE_LIMIT` compiled: python-jsonschema validates on re2, or says not
    return foreign or "jsonschema-rs cannot compile it as an ECMA-262 regular expression"


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")  # UTF-16 surrogates: no UTF-8 text holds one
_COUNTED = re.compile(r"(?<!\\)\{(\d+)(?:,(\d*))?\}")  # a counted repetition: `[\p{L}]{1,128}` is megabytes compiled


def _once(m: re.Match[str]) -> str:
    """A counted repetition as `{1}` (the same syntax, a small program), unless its bounds are reversed."""
    low, high = int(m.group(1)), m.group(2)
    return m.group(0) if high and int(high) < low else "{1}"


def _compiles(pattern: str) -> bool:
    try:
        jsonschema_rs.Draft202012Validator({"pattern": pattern}, pattern_options=PATTERN_OPTIONS)
    except jsonschema_rs.ValidationError:
        return False
    return True


_BACKTRACKING = re.compile(r"\(\?<?[=!]|\\[1-9]|\\k<")  # lookaround, backreferences: what fancy-regex backtracks for


@lru_cache(maxsize=65536)
def needs_backtracking(pattern: str) -> bool:
    """Whether `pattern` (one jsonschema-rs compiles) needs lookaround or backreferences: it then runs on
    fancy-regex's backtracking engine, each match bounded by `BACKTRACK_LIMIT`, instead of in linear time.
    A pattern with no lookaround or backreference syntax at all is not compiled again to tell."""
    if not _BACKTRACKING.search(pattern):
        return False
    try:
        jsonschema_rs.Draft202012Validator({"pattern": pattern}, pattern_options=_LINEAR_OPTIONS)
        return False
    except jsonschema_rs.ValidationError:
        return _compiles(pattern)


def patterns(body: Any, reading: Reading = STANDARD) -> Iterator[tuple[Tokens, str]]:
    """(pointer, pattern) of every `pattern` value and `patternProperties` key of a schema document."""
    for ptr, node, _ in walk(body, reading):
        value = node.get("pattern")
        if isinstance(value, str):
            yield ptr + ("pattern",), value
        keyed = node.get("patternProperties")
        if isinstance(keyed, dict):
            for key in keyed:
                yield ptr + ("patternProperties", key), key


_ECMA_U = re.compile(r"\\u([0-9A-Fa-f]{4})")


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> Any:
    return re2.compile(_fix_u(pattern), options=_RE2)


def _fix_u(pattern: str) -> str:
    """`pattern` with each ECMA-262 `\\uXXXX` escape written as re2's `\\x{XXXX}`."""
    out: list[str] = []
    spans = list(_escaped_spans(pattern))
    skip = 0
    for i, text in spans:
        if skip:
            skip -= 1
            continue
        if text == "\\u" and _ECMA_U.match(pattern, i):
            out.append(f"\\x{{{pattern[i + 2:i + 6]}}}")
            skip = 4  # the four hex digits
        else:
            out.append(text)
    return "".join(out)


class NotLinear(ValueError):
    """A pattern re2 cannot run in linear time (lookaround, backreferences): not evaluated."""


def search(pattern: str, string: str, flags: int = 0) -> Any:
    """`re.search` in linear time (google-re2); `NotLinear` when re2 cannot run `pattern`."""
    if flags:
        raise NotLinear(f"pattern {pattern!r} with flags {flags}: not evaluated")
    try:
        compiled = _compiled(pattern)
    except re2.error as exc:
        why = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise NotLinear(f"pattern {pattern!r} needs a backtracking engine (re2: {why}): not evaluated") from None
    return compiled.search(string)


_LINEAR = threading.local()


@contextmanager
def linear_patterns() -> Iterator[None]:
    """Within the block (in this thread), python-jsonschema matches patterns with re2 (`search`)."""
    before = getattr(_LINEAR, "on", False)
    _LINEAR.on = True
    try:
        yield
    finally:
        _LINEAR.on = before


def _search(pattern: Any, string: str, flags: int = 0) -> Any:
    if getattr(_LINEAR, "on", False):
        return search(pattern, string, flags)
    return re.search(pattern, string, flags)


# where python-jsonschema matches `pattern`/`patternProperties`: `_keywords` since 4.20, `_validators` before
_KEYWORD_MODULES = ("jsonschema._keywords", "jsonschema._legacy_keywords", "jsonschema._validators",
                    "jsonschema._legacy_validators", "jsonschema._utils")


def linear_python_jsonschema() -> None:
    """Let `linear_patterns()` reach python-jsonschema's keyword modules (idempotent)."""
    names = {name: getattr(re, name) for name in re.__all__}
    shim = types.SimpleNamespace(**{**names, "search": _search})
    for name in filter(importlib.util.find_spec, _KEYWORD_MODULES):
        module = importlib.import_module(name)
        if getattr(module, "re", None) is re:
            module.re = shim  # type: ignore[attr-defined]
