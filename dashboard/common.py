"""Small helpers shared by the page modules."""

from __future__ import annotations

from baas.collections.model import Collection
from baas.errors import ApiError, NotFoundError
from baas.records import service as records
from baas.runtime import Runtime
from dashboard.sessions import DashboardSession

__all__ = ["collection_or_404", "quote_literal", "record_count"]


def collection_or_404(runtime: Runtime, id_or_name: str) -> Collection:
    collection = runtime.registry.schema.find(id_or_name)
    if collection is None:
        raise NotFoundError()
    return collection


async def record_count(
    runtime: Runtime, session: DashboardSession, collection: Collection, filter_text: str = ""
) -> int | None:
    """How many records the collection holds (None when it cannot be counted, e.g. a broken view)."""
    try:
        listing = await records.list_(runtime, collection, session.caller, {"perPage": "1", "filter": filter_text})
    except ApiError:
        return None
    return int(listing["totalItems"])


def quote_literal(text: str) -> str:
    """``text`` as a quoted string of the filter language."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
