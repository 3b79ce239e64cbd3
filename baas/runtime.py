"""What request handlers need from the running app, injected as the ``runtime`` dependency."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from baas.auth.passwords import PasswordHasher
from baas.collections.registry import CollectionRegistry
from baas.config import Settings
from baas.events import EventBus
from baas.files.store import FileStore
from baas.settings.store import SettingsStore

__all__ = ["Runtime"]


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    registry: CollectionRegistry
    hasher: PasswordHasher
    bus: EventBus
    app_settings: SettingsStore
    files: FileStore
