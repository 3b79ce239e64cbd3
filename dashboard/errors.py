"""Field errors of a ValidationError, flattened for forms: ``{"fields.3.name": "Cannot be blank."}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["field_messages", "under"]


def field_messages(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    messages: dict[str, str] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and isinstance(value.get("message"), str) and "code" in value:
            messages[path] = value["message"]
        elif isinstance(value, Mapping):
            messages.update(field_messages(value, path + "."))
    return messages


def under(messages: Mapping[str, str], prefix: str) -> dict[str, str]:
    """The messages below ``prefix`` (``"fields.3."``), keyed by the rest of their path."""
    return {key[len(prefix) :]: text for key, text in messages.items() if key.startswith(prefix)}
