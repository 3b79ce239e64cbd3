"""Sample data for mail tests: the ``users`` collection of a fresh installation."""

from __future__ import annotations

from baas.collections.model import Collection
from baas.collections.scaffolds import system_collections

__all__ = ["users_collection"]


def users_collection() -> Collection:
    [users] = [doc for doc in system_collections() if doc["name"] == "users"]
    return Collection.from_json(users)
