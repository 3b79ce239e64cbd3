"""The rows a filter can reach through relations, and how they become EXISTS subqueries.

PocketBase LEFT JOINs every relation a filter touches onto the main query (``SELECT DISTINCT``),
so all conditions of one filter see the *same* joined row: ``members.name ?= 'Bob' &&
members.email ?~ 'bob@'`` needs one member matching both. We reproduce that without duplicating
rows: the joins live in a ``JoinScope`` and the conditions that use them are evaluated inside
``EXISTS (SELECT 1 FROM (SELECT 1) LEFT JOIN ... WHERE ...)`` correlated to the main row. The
one-row base keeps LEFT JOIN's "no related rows still gives one row of NULLs" behaviour.

Joins are keyed by their path, so two references to ``members.*`` share one joined row, as
PocketBase's path-derived aliases do. A ``Chain`` builds the same joins with fresh aliases, for the
"every value must match" subqueries (``NOT EXISTS (... WHERE NOT cond)``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.expression import FromClause

from baas.rules.schema import CollectionInfo, FieldInfo
from baas.rules.tables import ROWID_COLUMN, table_for
from baas.rules.values import Sql

__all__ = [
    "Chain",
    "JoinNode",
    "JoinScope",
    "Row",
    "Source",
    "exists_over",
    "needed_nodes",
    "one_row",
    "scalar_over",
    "unnest",
]


@dataclass(eq=False)
class JoinNode:
    """One joined path in a scope (compared by identity)."""

    key: Hashable
    parent: JoinNode | None
    froms: list[tuple[FromClause, Sql]]
    index: int
    collection: CollectionInfo | None = None
    ordinal: Sql | None = None

    @property
    def root(self) -> JoinNode:
        """The first join of this path (joins under one root share rows)."""
        node = self
        while node.parent is not None:
            node = node.parent
        return node


@dataclass(frozen=True)
class Row:
    """A row of a collection reachable from the filtered row."""

    alias: FromClause
    collection: CollectionInfo
    key: Hashable
    node: JoinNode | None = None
    # None when the row always exists (the filtered row itself)
    present: Sql | None = None

    def col(self, name: str) -> Sql:
        """A column of this row."""
        return self.alias.c[name]

    @property
    def nodes(self) -> frozenset[JoinNode]:
        """The scope joins this row depends on."""
        return frozenset() if self.node is None else frozenset({self.node})


# node indexes order joins (parents before children) across every scope
_node_index = count()


def one_row() -> FromClause:
    """``(SELECT 1)``: the left side of the LEFT JOIN chains."""
    return sa.select(sa.literal_column("1").label("one")).subquery()


def _order_column(alias: FromClause, collection: CollectionInfo) -> Sql:
    name = "id" if collection.type == "view" else ROWID_COLUMN
    return alias.c[name]


def unnest(array: Sql) -> FromClause:
    """``LATERAL unnest(array) WITH ORDINALITY AS x(value, ord)``."""
    return sa.func.unnest(array).table_valued("value", with_ordinality="ord").render_derived().lateral()


class _Builder:
    """The join steps a path can take; subclasses decide where the joins go."""

    def _add(
        self,
        key: Hashable,
        parent: Row | None,
        froms: list[tuple[FromClause, Sql]],
        collection: CollectionInfo | None,
        ordinal: Sql | None,
    ) -> JoinNode | None:
        raise NotImplementedError

    def _target(
        self,
        key: Hashable,
        parent: Row | None,
        collection: CollectionInfo,
        froms: list[tuple[FromClause, Sql]],
        alias: FromClause,
        ordinal: Sql | None,
    ) -> Row:
        node = self._add(key, parent, froms, collection, ordinal)
        return Row(alias, collection, key, node, alias.c["id"].is_not(None))

    def rel(self, row: Row, rel_field: FieldInfo, target: CollectionInfo) -> Row:
        """Follow a relation field to its target collection."""
        key = (row.key, "rel", rel_field.name)
        alias = table_for(target).alias()
        if not rel_field.is_multiple:
            return self._target(key, row, target, [(alias, alias.c["id"] == row.col(rel_field.name))], alias, None)
        items = unnest(row.col(rel_field.name))
        froms = [(items, sa.true()), (alias, alias.c["id"] == items.c.value)]
        return self._target(key, row, target, froms, alias, items.c.ord)

    def back(self, row: Row, source: CollectionInfo, rel_field: FieldInfo) -> Row:
        """Follow a back-relation: the ``source`` records whose ``rel_field`` points at ``row``."""
        key = (row.key, "back", source.id, rel_field.name)
        alias = table_for(source).alias()
        column = alias.c[rel_field.name]
        on = sa.any_(column) == row.col("id") if rel_field.is_multiple else column == row.col("id")
        return self._target(key, row, source, [(alias, on)], alias, _order_column(alias, source))

    def every(self, key: Hashable, collection: CollectionInfo) -> Row:
        """Every record of ``collection`` (``@collection.name``)."""
        alias = table_for(collection).alias()
        return self._target(key, None, collection, [(alias, sa.true())], alias, _order_column(alias, collection))

    def by_ids(self, key: Hashable, collection: CollectionInfo, ids: Sequence[str]) -> Row:
        """The records of ``collection`` with the given ids (relations of ``@request.*`` values)."""
        alias = table_for(collection).alias()
        bound = sa.literal(list(ids), sa.ARRAY(sa.Text()))
        on = alias.c["id"] == sa.any_(bound)
        return self._target(key, None, collection, [(alias, on)], alias, _order_column(alias, collection))

    def back_of_id(self, key: Hashable, source: CollectionInfo, rel_field: FieldInfo, record_id: str) -> Row:
        """The ``source`` records whose ``rel_field`` points at the record ``record_id``."""
        alias = table_for(source).alias()
        column, bound = alias.c[rel_field.name], sa.literal(record_id, sa.Text())
        on = sa.any_(column) == bound if rel_field.is_multiple else column == bound
        return self._target(key, None, source, [(alias, on)], alias, _order_column(alias, source))

    def each(self, row: Row, name: str) -> tuple[Sql, JoinNode | None]:
        """One row per item of the text[] column ``name``; returns the item column."""
        items = unnest(row.col(name))
        node = self._add((row.key, "each", name), row, [(items, sa.true())], None, items.c.ord)
        return items.c.value, node

    def each_json(self, key: Hashable, json_text: str) -> tuple[Sql, JoinNode | None]:
        """One row per element of a JSON array given as text (``@request.body.x:each``)."""
        array = sa.cast(sa.literal(json_text, sa.Text()), JSONB())
        items = sa.func.jsonb_array_elements(array).table_valued("value").render_derived().lateral()
        node = self._add(key, None, [(items, sa.true())], None, None)
        return items.c.value, node


@dataclass
class JoinScope(_Builder):
    """The joins shared by every condition compiled for one query."""

    nodes: dict[Hashable, JoinNode] = field(default_factory=dict)
    # called once for every new join onto a collection (client filters apply its listRule)
    on_collection: Any = None

    def _add(
        self,
        key: Hashable,
        parent: Row | None,
        froms: list[tuple[FromClause, Sql]],
        collection: CollectionInfo | None,
        ordinal: Sql | None,
    ) -> JoinNode:
        existing = self.nodes.get(key)
        if existing is not None:
            self._touch(existing, collection)
            return existing
        node = JoinNode(key, parent.node if parent else None, froms, next(_node_index), collection, ordinal)
        self.nodes[key] = node
        self._touch(node, collection)
        return node

    def _touch(self, node: JoinNode, collection: CollectionInfo | None) -> None:
        # every reference counts: a join first made by a rule still gets the listRule check
        # when a restricted filter reaches it too
        if collection is not None and self.on_collection is not None:
            self.on_collection(node, collection)

    def _target(
        self,
        key: Hashable,
        parent: Row | None,
        collection: CollectionInfo,
        froms: list[tuple[FromClause, Sql]],
        alias: FromClause,
        ordinal: Sql | None,
    ) -> Row:
        existing = self.nodes.get(key)
        if existing is not None:
            # reuse the alias the first registration created
            self._touch(existing, collection)
            shared = existing.froms[-1][0]
            return Row(shared, collection, key, existing, shared.c["id"].is_not(None))
        return super()._target(key, parent, collection, froms, alias, ordinal)

    def each(self, row: Row, name: str) -> tuple[Sql, JoinNode | None]:
        key = (row.key, "each", name)
        existing = self.nodes.get(key)
        if existing is not None:
            return existing.froms[-1][0].c.value, existing
        return super().each(row, name)

    def each_json(self, key: Hashable, json_text: str) -> tuple[Sql, JoinNode | None]:
        existing = self.nodes.get(key)
        if existing is not None:
            return existing.froms[-1][0].c.value, existing
        return super().each_json(key, json_text)


@dataclass
class Chain(_Builder):
    """Private joins for one "every value" subquery: always fresh aliases, in order."""

    froms: list[tuple[FromClause, Sql]] = field(default_factory=list)
    ordinals: list[Sql] = field(default_factory=list)

    def _add(
        self,
        key: Hashable,
        parent: Row | None,
        froms: list[tuple[FromClause, Sql]],
        collection: CollectionInfo | None,
        ordinal: Sql | None,
    ) -> None:
        self.froms.extend(froms)
        if ordinal is not None:
            self.ordinals.append(ordinal)

    def source(self) -> Source:
        """``(SELECT 1) LEFT JOIN ...`` for the chain."""
        return Source.chain(self.froms)


@dataclass(frozen=True)
class Source:
    """A FROM clause and the items it introduces (everything else is correlated)."""

    clause: FromClause
    items: tuple[FromClause, ...]

    @classmethod
    def chain(cls, froms: Iterable[tuple[FromClause, Sql]]) -> Source:
        """``(SELECT 1) LEFT JOIN a ON .. LEFT JOIN b ON ..``."""
        base = one_row()
        clause: FromClause = base
        items = [base]
        for item, on in froms:
            clause = clause.outerjoin(item, on)
            items.append(item)
        return cls(clause, tuple(items))

    def cross(self, other: Source) -> Source:
        """Both sources side by side (every combination of their rows)."""
        return Source(self.clause.join(other.clause, sa.true()), self.items + other.items)

    def select(self, *columns: Sql) -> sa.Select[Any]:
        """``SELECT columns FROM`` this source, correlated to everything outside it.

        Explicit correlation matters when subqueries nest (an "every value" subquery inside an
        EXISTS over joined rows still refers to the filtered row two levels up).
        """
        return sa.select(*columns).select_from(self.clause).correlate_except(*self.items)


def needed_nodes(nodes: Iterable[JoinNode]) -> list[JoinNode]:
    """``nodes`` with their ancestors, in registration order."""
    seen: dict[int, JoinNode] = {}
    for node in nodes:
        current: JoinNode | None = node
        while current is not None and current.index not in seen:
            seen[current.index] = current
            current = current.parent
    return [seen[i] for i in sorted(seen)]


def exists_over(nodes: Iterable[JoinNode], where: Sql) -> Sql:
    """``EXISTS (SELECT 1 FROM (SELECT 1) LEFT JOIN <nodes> WHERE where)``."""
    froms = [item for node in needed_nodes(nodes) for item in node.froms]
    return sa.exists(Source.chain(froms).select(sa.literal_column("1")).where(where))


def scalar_over(nodes: Iterable[JoinNode], value: Sql) -> Sql:
    """The first value of ``value`` over the joined rows (ordered by relation order)."""
    ordered = needed_nodes(nodes)
    froms = [item for node in ordered for item in node.froms]
    ordinals = [node.ordinal for node in ordered if node.ordinal is not None]
    return Source.chain(froms).select(value).order_by(*ordinals).limit(1).scalar_subquery()
