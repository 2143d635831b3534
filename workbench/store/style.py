"""Scalar and list styles for new values, matching what the file already uses."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

FOLD_WIDTH = 80  # the decisions files wrap folded scalars at 80 columns
_READER = yaml.resolver.Resolver()  # how the loader (YAML 1.1, like most readers) resolves a plain scalar
_STR = "tag:yaml.org,2002:str"


def unambiguous(text: str) -> Any:
    """`text`, single-quoted when a YAML 1.1 reader would take the plain scalar for something else
    (`no`, `on`, `~`, `1:20`): ruamel writes YAML 1.2, where those are plain strings."""
    if _READER.resolve(yaml.ScalarNode, text, (True, False)) != _STR:  # type: ignore[no-untyped-call]
        return SingleQuotedScalarString(text)
    return text


def _fold_positions(text: str, width: int) -> list[int] | None:
    """Indexes of the spaces a folded scalar breaks at, or None if folding would change the text."""
    if "\n" in text or "  " in text or text != text.strip() or "\t" in text:
        return None
    lines = textwrap.wrap(text, width=max(20, width), break_long_words=False, break_on_hyphens=False)
    if not lines or " ".join(lines) != text:
        return None
    positions, offset = [], 0
    for line in lines[:-1]:
        offset += len(line)
        positions.append(offset)  # the space after this line
        offset += 1
    return positions


def _style_string(old: Any, new: str, key_col: int, key: str) -> Any:
    """Give a new string value the scalar style the file already uses for that key:
    quoted stays quoted, folded stays folded (re-wrapped at 80 columns), a plain value
    that no longer fits on its line becomes folded like the other long values."""
    if "\n" in new:
        return LiteralScalarString(new)
    if isinstance(old, (DoubleQuotedScalarString, SingleQuotedScalarString, LiteralScalarString)):
        return type(old)(new)
    fits = key_col + len(key) + 2 + len(new) <= FOLD_WIDTH
    if isinstance(old, FoldedScalarString) or not fits:
        indent = key_col + 2
        pos = _fold_positions(new, FOLD_WIDTH - indent)
        if pos is None:
            return DoubleQuotedScalarString(new)
        s = FoldedScalarString(new)
        s.fold_pos = pos
        return s
    return unambiguous(new)


def _same_key_style(doc: Any, key: str) -> bool | None:
    """Flow (True) or block (False) style of a non-empty list under `key` elsewhere in the file."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            value = node.get(key)
            if isinstance(value, CommentedSeq) and len(value) and value.fa.flow_style() is not None:
                return bool(value.fa.flow_style())
            stack.extend(v for v in node.values() if isinstance(v, (CommentedMap, CommentedSeq)))
        elif isinstance(node, CommentedSeq):
            stack.extend(v for v in node if isinstance(v, (CommentedMap, CommentedSeq)))
    return None


def _style_list(old: Any, new: list[Any], hint: bool | None = None) -> CommentedSeq:
    """A new list in the style of the old one; an empty `[]` (no recorded style) follows
    the same key elsewhere in the file (`hint`), else stays flow."""
    seq = CommentedSeq()
    quote = None
    if isinstance(old, CommentedSeq):
        flow = old.fa.flow_style() if (len(old) or hint is None) else hint
        seq.fa.set_block_style() if flow is False else seq.fa.set_flow_style()
        quoted = (DoubleQuotedScalarString, SingleQuotedScalarString)
        quote = next((type(v) for v in old if isinstance(v, quoted)), None)
    else:
        seq.fa.set_block_style() if hint is False else seq.fa.set_flow_style()
    if new and all(isinstance(item, dict) for item in new):  # a list of records reads only in block style
        seq.fa.set_block_style()
    for item in new:
        if isinstance(item, str) and (quote is not None or item.startswith(("#", "@", "*", "&", "!", "%", "`"))):
            item = (quote or DoubleQuotedScalarString)(item)
        seq.append(_new_value(item))
    return seq


def _new_value(value: Any) -> Any:
    """A new list item or record: every plain string in it `unambiguous`."""
    if type(value) is str:
        return unambiguous(value)
    if isinstance(value, dict):
        return {k: _new_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_new_value(v) for v in value]
    return value


def styled(old: Any, new: Any, key_col: int, key: str, doc: Any = None) -> Any:
    if isinstance(new, str):
        return _style_string(old, new, key_col, key)
    if isinstance(new, (list, tuple)):
        return _style_list(old, list(new), _same_key_style(doc, key) if doc is not None and key else None)
    return _new_value(new)
