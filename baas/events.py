"""Domain events and the after-commit bus.

Services collect events while their transaction runs and hand them to ``EventBus.publish`` only
after the commit succeeded, so a rolled-back write never produces an event. Realtime, push and
hooks subscribe here; the services never know who listens.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["CollectionEvent", "Event", "EventBus", "RecordEvent"]

logger = logging.getLogger("baas.events")


@dataclass(frozen=True)
class RecordEvent:
    """A record was created, updated or deleted (``record`` is the stored row; for deletes, as it was)."""

    action: Literal["create", "update", "delete"]
    collection_id: str
    collection_name: str
    record: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class CollectionEvent:
    action: Literal["create", "update", "delete"]
    collection_id: str
    collection_name: str


Event = RecordEvent | CollectionEvent
Handler = Callable[[Any], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = {}

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers.setdefault(event_type, []).append(handler)

    async def publish(self, events: Iterable[Event]) -> None:
        """Deliver committed events; a failing subscriber is logged and never fails the request."""
        for event in events:
            for handler in self._handlers.get(type(event), []):
                try:
                    await handler(event)
                except Exception:
                    logger.exception("event handler failed for %s", event)
