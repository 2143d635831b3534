"""`Groups`: union-find, for the rules that gather related schemas or copies of one sub-schema."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class Groups(Generic[T]):
    """Disjoint groups of items: `union` merges two items' groups; an item is added when first met."""

    def __init__(self, items: Iterable[T] = ()):
        self.parent: dict[T, T] = {item: item for item in items}

    def root(self, item: T) -> T:
        """The representative of `item`'s group."""
        parent = self.parent
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: T, b: T) -> None:
        self.parent[self.root(a)] = self.root(b)

    def roots(self) -> dict[T, T]:
        """Every item -> its representative."""
        return {item: self.root(item) for item in list(self.parent)}

    def groups(self) -> list[list[T]]:
        """The items of each group."""
        out: dict[T, list[T]] = defaultdict(list)
        for item in list(self.parent):
            out[self.root(item)].append(item)
        return list(out.values())
