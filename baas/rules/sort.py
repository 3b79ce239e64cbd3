"""The ``sort`` parameter: a comma list of fields, ``-`` for descending, ``+`` or nothing ascending."""

from __future__ import annotations

import re
from dataclasses import dataclass

from baas.rules.errors import RuleLimitError, RuleSyntaxError

__all__ = ["MAX_SORT_FIELDS", "MAX_SORT_FIELD_LENGTH", "RANDOM", "ROWID", "SortItem", "parse_sort"]

#: PocketBase's limit of sort fields per request.
MAX_SORT_FIELDS = 8
#: PocketBase's limit on the length of one sort field.
MAX_SORT_FIELD_LENGTH = 255
#: Special sort keys.
RANDOM = "@random"
ROWID = "@rowid"

# a field path (same shape as a filter identifier) or one of the special keys
_NAME_RE = re.compile(r"[@#_]?[A-Za-z0-9_.:]*[A-Za-z0-9_]\Z")


@dataclass(frozen=True, slots=True)
class SortItem:
    """One sort field."""

    name: str
    descending: bool = False
    pos: int = 0


def parse_sort(text: str) -> list[SortItem]:
    """Parse a ``sort`` parameter such as ``-created,title``.

    An empty string means no sorting. Whether a name exists is decided when it is compiled.

    Raises:
        RuleLimitError: more than ``MAX_SORT_FIELDS`` fields or a field longer than
            ``MAX_SORT_FIELD_LENGTH`` characters.
        RuleSyntaxError: an empty or malformed field.
    """
    if text == "":
        return []
    items: list[SortItem] = []
    offset = 0
    for part in text.split(","):
        pos = offset + len(part) - len(part.lstrip())
        offset += len(part) + 1
        name = part.strip()
        descending = name.startswith("-")
        # like PocketBase, exactly one sign is stripped ("++a" keeps a "+")
        name = name[1:] if descending or name.startswith("+") else name
        if len(name) > MAX_SORT_FIELD_LENGTH:
            raise RuleLimitError(f"sort field at {pos} is too long (max {MAX_SORT_FIELD_LENGTH})", pos)
        if not _NAME_RE.match(name):
            shown = name or part
            raise RuleSyntaxError(f"invalid sort field {shown!r} at {pos}", pos)
        items.append(SortItem(name, descending, pos))
    if len(items) > MAX_SORT_FIELDS:
        raise RuleLimitError(f"too many sort fields (max {MAX_SORT_FIELDS})", items[MAX_SORT_FIELDS].pos)
    return items
