"""What the rule compiler needs to know about collections; implemented by ``baas.collections``.

Field types are PocketBase's: text, number, bool, email, url, editor, date, autodate, select,
file, relation, json, geoPoint, password. An unknown type (from an extension) is treated as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

__all__ = ["CollectionInfo", "FieldInfo", "SchemaInfo"]


class FieldInfo(Protocol):
    """One field of a collection."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def hidden(self) -> bool: ...

    @property
    def is_multiple(self) -> bool:
        """``maxSelect > 1`` for select, file and relation fields; ``False`` otherwise."""
        ...

    @property
    def relation_collection_id(self) -> str | None:
        """The target collection id of a relation field; ``None`` for other types."""
        ...


class CollectionInfo(Protocol):
    """A collection: its identity, type ("base", "auth" or "view"), fields and read rules."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def fields(self) -> Sequence[FieldInfo]: ...

    @property
    def list_rule(self) -> str | None: ...

    @property
    def view_rule(self) -> str | None: ...

    def get_field(self, name: str) -> FieldInfo | None:
        """The field called ``name``, or ``None``."""
        ...


class SchemaInfo(Protocol):
    """All collections, as the compiler sees them for one compilation."""

    def find_collection(self, id_or_name: str) -> CollectionInfo | None:
        """The collection with this id, or this name compared case-insensitively."""
        ...

    def collections(self) -> Iterable[CollectionInfo]:
        """Every collection (used to resolve back-relations ``<collection>_via_<field>``)."""
        ...
