"""Settings forms described as data: each input is a JSON path into the settings (or auth options)
document, so one template renders them and one reader turns a post back into a PATCH body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Input", "body_from_form", "value_at"]


@dataclass(frozen=True)
class Input:
    """``kind``: text, email, url, int, bool, secret (blank keeps the stored value), select, list, textarea."""

    path: str
    label: str
    kind: str = "text"
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return "s-" + self.path.replace(".", "-")


def value_at(document: Mapping[str, Any], path: str) -> Any:
    node: Any = document
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node = body
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


def body_from_form(inputs: Sequence[Input], form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """(PATCH body, input errors keyed by path) from a posted form (``dashboard.forms.Form``)."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in inputs:
        raw = form.get(item.id)
        if item.kind == "bool":
            _put(body, item.path, form.has(item.id))
        elif item.kind == "int":
            try:
                _put(body, item.path, int(raw.strip() or "0"))
            except ValueError:
                errors[item.path] = "Must be a whole number."
        elif item.kind == "secret":
            if raw:
                _put(body, item.path, raw)
        elif item.kind == "list":
            _put(body, item.path, [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()])
        else:
            _put(body, item.path, raw)
    return body, errors
