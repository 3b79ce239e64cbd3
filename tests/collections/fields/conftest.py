"""Fixtures for the field-type tables: a settings context with a few other collections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from baas.collections.fields import SettingsContext
from baas.errors import FieldError


@dataclass
class Target:
    id: str
    name: str
    type: str


TARGETS = {
    "_pb_users_auth_": Target("_pb_users_auth_", "users", "auth"),
    "pbc_posts": Target("pbc_posts", "posts", "base"),
    "pbc_view": Target("pbc_view", "stats", "view"),
}


def _context(collection_type: str = "base") -> SettingsContext:
    return SettingsContext(
        collection_id="pbc_self",
        collection_name="self",
        collection_type=collection_type,
        fields=[],
        find_collection=TARGETS.get,
    )


@pytest.fixture
def context() -> SettingsContext:
    return _context()


@pytest.fixture
def make_context() -> Callable[[str], SettingsContext]:
    return _context


def _rendered(errors: Any) -> Any:
    if isinstance(errors, FieldError):
        return errors.to_json()
    return {key: _rendered(value) for key, value in errors.items()}


@pytest.fixture
def rendered() -> Callable[[Any], Any]:
    """Option errors as the JSON envelope shows them."""
    return _rendered


@pytest.fixture
def error_of() -> Callable[..., dict[str, Any] | None]:
    """Call a function and return its FieldError as JSON (None when it did not raise)."""

    def call(function: Callable[..., Any], *args: Any) -> dict[str, Any] | None:
        try:
            function(*args)
        except FieldError as exc:
            return exc.to_json()
        return None

    return call
