"""Stored rows to API JSON: hidden fields removed, email visibility applied, keys sorted like PocketBase."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.collections.model import Collection

__all__ = ["record_json"]


# Never output, not even to superusers: an auth record's password hash and token signing key.
# (Other password fields are always served as "".)
_SECRET_FIELDS = frozenset({"password", "tokenKey"})


def record_json(
    collection: Collection, row: Mapping[str, Any], *, show_email: bool = False, show_hidden: bool = False
) -> dict[str, Any]:
    """One record as the API serves it.

    ``show_email``: the viewer may see the email whatever ``emailVisibility`` says (the record itself,
    a superuser, or a manager through ``manageRule``). ``show_hidden``: a superuser, who also sees
    hidden fields (but never password hashes or token keys).
    """
    out: dict[str, Any] = {"collectionId": collection.id, "collectionName": collection.name}
    for item in collection.fields:
        if item.name not in row or (item.hidden and not show_hidden):
            continue
        if collection.is_auth and item.name in _SECRET_FIELDS:
            continue
        if collection.is_auth and item.name == "email" and not (show_email or row.get("emailVisibility")):
            continue
        out[item.name] = item.to_json_value(row[item.name])
    return dict(sorted(out.items()))
