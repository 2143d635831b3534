"""Safe Markdown building blocks: every data value goes through `cell` or `code`.

Workspace text (rationales, descriptions) is data, never Markdown: `cell`
escapes whatever could start inline markup, break a table row (`|`, newlines)
or begin a block structure (`#`, `>`, `-`, `1.`), so a value renders as itself.
`Md` marks text that is already safe inline Markdown (a code span, a link);
`table` escapes every other value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

# inline markup (code, emphasis, links, HTML, strikethrough, GitHub math) and the table separator
_PUNCT = re.compile(r"([\\`*\[\]<>|~$])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")  # intraword `_` is inert
_BLOCK_MARK = re.compile(r"^(?=[#+=-])")  # heading, list, setext underline
_ORDERED = re.compile(r"^(\d+)(?=[.)])")  # ordered list item
_NO_CODE_SPAN = re.compile(r"[`|\n\r]")  # what a code span in a table cell cannot hold


class Md(str):
    """Text that is already safe inline Markdown (no newline, `|` escaped)."""


def cell(text: object) -> Md:
    """`text` as literal inline Markdown, safe in a table cell or a paragraph."""
    if text is None:
        return Md("")
    if isinstance(text, Md):
        return text
    return _escaped(str(text))


@lru_cache(maxsize=1 << 16)
def _escaped(text: str) -> Md:
    """`cell` of a string; memoised (docs repeat owners, tiers, decisions and names many times)."""
    s = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    s = _PUNCT.sub(r"\\\1", s)
    s = _ENTITY.sub(r"\\&", s)
    s = _UNDERSCORE.sub(r"\\_", s)
    s = _ORDERED.sub(r"\1\\", _BLOCK_MARK.sub("\\\\", s))
    return Md("<br>".join(s.split("\n")))


def code(text: object) -> Md:
    """`text` as a code span; escaped plain text when a code span cannot hold it safely
    (a backtick ends the span, a newline or `|` would break a table row)."""
    s = "" if text is None else str(text)
    if not s.strip() or _NO_CODE_SPAN.search(s):
        return cell(s)
    return Md("`" + s + "`")


def codes(items: Iterable[object], empty: str = "") -> Md:
    """A comma-separated list of code spans (`empty` when there are none)."""
    spans = [code(i) for i in items]
    return Md(", ".join(spans)) if spans else cell(empty)


def link(label: str, target: str) -> Md:
    """A relative link; the label is escaped, the target must be a plain relative path."""
    return Md(f"[{cell(label)}]({target.replace(' ', '%20').replace(')', '%29')})")


def table(headers: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A GFM pipe table; values that are not `Md` are escaped with `cell`."""
    head = [cell(h) for h in headers]
    lines = [_row(head), _row(["---"] * len(head))]
    for row in rows:
        values = [cell(v) for v in row]
        if len(values) != len(head):
            raise ValueError(f"table row has {len(values)} cells, header has {len(head)}")
        lines.append(_row(values))
    return "\n".join(lines) + "\n"


def _row(values: Sequence[str]) -> str:
    return "| " + " | ".join(values) + " |"


def section(title: str, *parts: str, level: int = 2) -> str:
    """A heading followed by its parts, separated by blank lines."""
    blocks = ["#" * level + " " + cell(title)] + [p.rstrip("\n") for p in parts if p]
    return "\n\n".join(blocks) + "\n"


def paragraph(*pieces: object) -> str:
    """One paragraph: the pieces (escaped unless `Md`) concatenated as given."""
    return "".join(_inline(p) for p in pieces) + "\n"


def _inline(piece: object) -> str:
    """Like `cell`, but keeps the piece's outer spaces (pieces are concatenated)."""
    if isinstance(piece, Md) or piece is None:
        return piece or ""
    text = str(piece)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    return lead + cell(text) + trail if text.strip() else text


def bullets(items: Iterable[object]) -> str:
    """A bullet list; each item escaped unless it is `Md`."""
    return "".join(f"- {cell(i)}\n" for i in items)
