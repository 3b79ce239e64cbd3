"""The ``fields`` query parameter: keep only the listed keys of a JSON response.

``fields=id,title,expand.owner.name,*`` keeps those paths (``*`` = every key at that level);
``body:excerpt(200,true)`` turns an HTML string into a plain-text excerpt. Paths apply inside lists
element by element, and at the top level of paginated lists they apply to each item.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from baas.errors import BadRequestError

__all__ = ["FieldPicker", "parse_fields"]

_EXCERPT = re.compile(r"^(?P<name>[^:]+):excerpt\(\s*(?P<max>\d+)\s*(?:,\s*(?P<ellipsis>\w+)\s*)?\)$")
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_MAX_PATHS = 5000


@dataclass
class FieldPicker:
    children: dict[str, FieldPicker] = field(default_factory=dict)
    excerpts: dict[str, tuple[int, bool]] = field(default_factory=dict)
    everything: bool = False

    def apply(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.apply(item) for item in value]
        if not isinstance(value, dict):
            return value
        result = {}
        for key, item in value.items():
            if key in self.excerpts:
                limit, ellipsis = self.excerpts[key]
                result[key] = _excerpt(item, limit, ellipsis)
            elif key in self.children:
                child = self.children[key]
                result[key] = child.apply(item) if (child.children or child.excerpts) and not child.everything else item
            elif self.everything:
                result[key] = item
        return result


def parse_fields(raw: str | None) -> FieldPicker | None:
    """None when every field is wanted."""
    if not raw or not raw.strip():
        return None
    root = FieldPicker()
    paths = [p.strip() for p in _split(raw)]
    if len(paths) > _MAX_PATHS:
        raise BadRequestError()
    for path in paths:
        if not path:
            continue
        parts = path.split(".")
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "*":
                node.everything = True
                break
            if ":" in part:
                # The only field modifier is :excerpt(max[, ellipsis]); anything else is an error.
                match = _EXCERPT.match(part) if last else None
                if match is None:
                    raise BadRequestError()
                digits = match["max"]
                # Astronomic lengths mean "no limit" (and must not reach int()'s 4300-digit guard).
                limit = int(digits) if len(digits) <= 9 else 10**9
                node.excerpts[match["name"]] = (limit, (match["ellipsis"] or "").lower() in {"true", "1"})
                break
            node = node.children.setdefault(part, FieldPicker())
    return root


def _split(raw: str) -> list[str]:
    """Split on commas that are not inside parentheses (``body:excerpt(10,true)`` is one path)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(raw):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append(raw[start:index])
            start = index + 1
    parts.append(raw[start:])
    return parts


def _excerpt(value: Any, limit: int, ellipsis: bool) -> Any:
    if not isinstance(value, str):
        return value
    plain = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", value))).strip()
    if len(plain) <= limit:
        return plain
    cut = plain[:limit].rstrip()
    return cut + "..." if ellipsis else cut
