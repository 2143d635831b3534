"""Does one regular expression admit every string of another? (`pattern` compatibility) Does a
pattern match a name? (`patternProperties`)

A repository's pattern is only ever run by RE2 (`google-re2`: linear time, bounded memory), never
by Python's backtracking `re` (which is only used to parse a pattern into pieces); a pattern RE2
refuses (look-arounds, back-references, `\\Z`) is undetermined. Containment is decided only where
it is sound to decide: both patterns parse into the same
sequence of pieces (literals, character classes, repeats, groups, anchors) and
every piece of one admits at least what the matching piece of the other admits;
dropping an anchor widens. Anything else (alternations, look-arounds, negated
classes, different shapes) is undecided and the caller says so.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _constants as C  # type: ignore[attr-defined]  # private module typeshed does not describe
from re import _parser as P  # type: ignore[attr-defined]  # same (its sre_parse stubs miss literal pieces)
from typing import Any

import re2

# one parsed piece: (opcode, argument); the argument's shape depends on the opcode
Piece = tuple[Any, Any]
# what one single-character piece matches: (code point intervals, class escapes)
CharSet = tuple[list[tuple[int, int]], frozenset[Any]]

MAXCODE = 0x10FFFF
# the ASCII part of the class escapes: ECMA-262 means only these, but Python's and Rust's validators match
# Unicode digits/letters/spaces too (`\\d` admits "٠"), so a class escape is only ever covered by itself
CATEGORIES = {
    C.CATEGORY_DIGIT: [(48, 57)],
    C.CATEGORY_WORD: [(48, 57), (65, 90), (95, 95), (97, 122)],
    C.CATEGORY_SPACE: [(9, 13), (32, 32)],
}
EQ, SUB, SUP = "eq", "sub", "sup"  # new == old, new admits less, new admits more


RE2_MEMORY = 8 << 20  # bytes RE2 may use for one compiled pattern; over it, the pattern is refused


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> Any:
    """The pattern compiled by RE2, or None when RE2 refuses it (or it is over RE2_MEMORY)."""
    options = re2.Options()
    options.log_errors = False  # a refused pattern is reported by its caller, not on stderr
    options.max_mem = RE2_MEMORY
    try:
        return re2.compile(pattern, options=options)
    except Exception:  # re2.error, or a pattern that is not text
        return None


def search(pattern: str, text: str) -> bool | None:
    """Whether `pattern` matches somewhere in `text` (JSON Schema's unanchored match), in linear time;
    None when RE2 refuses the pattern (undetermined)."""
    compiled = _compiled(pattern)
    if compiled is None:
        return None
    try:
        return compiled.search(text) is not None
    except Exception:  # a budget RE2 ran out of while matching
        return None


def pattern_relation(old: str, new: str) -> str | None:
    """`narrowed`/`widened`/`none` when provable, else None (undecided, also when RE2 refuses either)."""
    if old == new:
        return "none"
    if _compiled(old) is None or _compiled(new) is None:
        return None
    try:
        a, b = list(P.parse(old)), list(P.parse(new))
    except (re.error, RecursionError, OverflowError, TypeError):
        return None
    if not b:  # the empty pattern matches every string
        return "widened"
    if not a:
        return "narrowed"
    rel = _ends(a, b)
    if rel is None:
        return None
    inner = _seq(a, b)
    out = _join(rel, inner) if inner else None
    return {EQ: "none", SUB: "narrowed", SUP: "widened"}.get(out or "")


def _ends(a: list[Piece], b: list[Piece]) -> str | None:
    """Strip the anchors one side has and the other lacks (in place); dropping one widens."""
    rel: str | None = EQ
    for index, anchors in ((0, (C.AT_BEGINNING, C.AT_BEGINNING_STRING)), (-1, (C.AT_END, C.AT_END_STRING))):
        ha = bool(a) and a[index][0] is C.AT and a[index][1] in anchors
        hb = bool(b) and b[index][0] is C.AT and b[index][1] in anchors
        if ha and not hb:
            a.pop(index)
            rel = _join(rel, SUP)
        elif hb and not ha:
            b.pop(index)
            rel = _join(rel, SUB)
        if rel is None:
            return None
    return rel


def _join(x: str | None, y: str | None) -> str | None:
    if x is None or y is None:
        return None
    if x == EQ:
        return y
    return x if y in (EQ, x) else None


def _seq(a: list[Piece], b: list[Piece]) -> str | None:
    if len(a) != len(b):
        return None
    rel: str | None = EQ
    for pa, pb in zip(a, b, strict=True):  # same length: checked above
        rel = _join(rel, _piece(pa, pb))
        if rel is None:
            return None
    return rel


def _piece(pa: Piece, pb: Piece) -> str | None:
    (oa, va), (ob, vb) = pa, pb
    sa, sb = _charset(oa, va), _charset(ob, vb)
    if sa is not None and sb is not None:
        return _sets(sa, sb)
    if oa is not ob:
        return None
    if oa in (C.MAX_REPEAT, C.MIN_REPEAT):
        (lo_a, hi_a, sub_a), (lo_b, hi_b, sub_b) = va, vb
        inner = _seq(list(sub_a), list(sub_b))
        if lo_a == lo_b and hi_a == hi_b:
            count = EQ
        elif lo_b <= lo_a and hi_b >= hi_a:
            count = SUP
        elif lo_b >= lo_a and hi_b <= hi_a:
            count = SUB
        else:
            return None
        return _join(count, inner)
    if oa is C.SUBPATTERN:
        return _seq(list(va[-1]), list(vb[-1])) if va[1:3] == vb[1:3] else None
    return EQ if va == vb and oa in (C.AT, C.LITERAL) else None


def _charset(op: Any, value: Any) -> CharSet | None:
    """(code point intervals, class escapes) one piece matches; None if it is not a single character."""
    if op is C.LITERAL:
        return [(value, value)], frozenset()
    if op is C.ANY:
        return [(0, 9), (11, MAXCODE)], frozenset()
    if op is C.IN:
        out: list[tuple[int, int]] = []
        cats: set[Any] = set()
        for kind, av in value:
            if kind is C.LITERAL:
                out.append((av, av))
            elif kind is C.RANGE:
                out.append(av)
            elif kind is C.CATEGORY and av in CATEGORIES:
                cats.add(av)
            else:  # negation, unknown category
                return None
        return _merge(out), frozenset(cats)
    return None


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return out


def _covers(outer: list[tuple[int, int]], inner: list[tuple[int, int]]) -> bool:
    return all(any(lo >= a and hi <= b for a, b in outer) for lo, hi in inner)


def _within(a: CharSet, b: CharSet) -> bool:
    """Every character of `a` is one of `b` (whatever a class escape means to the validator)."""
    spans, cats = a
    return cats <= b[1] and _covers(_merge(b[0] + [r for c in b[1] for r in CATEGORIES[c]]), spans)


def _sets(a: CharSet, b: CharSet) -> str | None:
    sub, sup = _within(b, a), _within(a, b)
    return EQ if sub and sup else SUB if sub else SUP if sup else None
