"""Keyword options shared by the record methods of both clients (typed for ``**options``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

__all__ = ["AuthOptions", "ListOptions", "OAuth2Options", "RecordOptions"]


class RecordOptions(TypedDict, total=False):
    """``expand``/``fields`` of the answer, plus any extra ``query`` parameters."""

    expand: str | None
    fields: str | None
    query: Mapping[str, Any] | None


class ListOptions(RecordOptions, total=False):
    """``filter``/``sort`` of a list; ``skip_total`` saves the count query."""

    filter: str | None
    sort: str | None
    skip_total: bool


class AuthOptions(TypedDict, total=False):
    identity_field: str | None
    mfa_id: str | None
    expand: str | None
    fields: str | None


class OAuth2Options(TypedDict, total=False):
    create_data: Mapping[str, Any] | None
    mfa_id: str | None
