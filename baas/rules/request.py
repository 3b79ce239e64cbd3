"""The request context a rule is evaluated for (``@request.*`` in the language)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from baas.rules.schema import CollectionInfo

__all__ = ["AuthInfo", "RequestInfo", "normalize_header_name"]


@dataclass(frozen=True)
class AuthInfo:
    """The authenticated record: its auth collection and every field value, hidden ones included.

    Values are plain Python values: ``str`` for text-like fields and single relations/selects/files,
    ``float``/``int`` for numbers, ``bool``, ``list`` for multi-valued fields, ``datetime`` or a
    PocketBase datetime string for dates, and any JSON value for json and geoPoint fields.
    """

    collection: CollectionInfo
    record: Mapping[str, Any]

    @property
    def id(self) -> str:
        """The record id."""
        return str(self.record.get("id") or "")


@dataclass(frozen=True)
class RequestInfo:
    """What ``@request.*`` resolves to.

    ``headers`` keys are lower-cased with ``-`` replaced by ``_`` (see ``normalize_header_name``);
    ``body`` holds the submitted values already normalised by the field types.
    """

    auth: AuthInfo | None = None
    body: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "GET"
    context: str = "default"
    is_superuser: bool = False


def normalize_header_name(name: str) -> str:
    """``X-Test-Id`` -> ``x_test_id``, the form ``@request.headers.*`` uses."""
    return name.lower().replace("-", "_")
