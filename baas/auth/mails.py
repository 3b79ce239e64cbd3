"""The auth flows' mails (verification, password reset, email change, OTP, login alert).

Each one renders the auth collection's template and is queued in the caller's transaction (the
mail outbox), so a request that fails sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from baas.collections.model import Collection
from baas.mail import send_template
from baas.runtime import Runtime

__all__ = ["send_auth_mail"]

logger = logging.getLogger("baas.auth")


async def send_auth_mail(
    connection: AsyncConnection,
    runtime: Runtime,
    collection: Collection,
    name: str,
    record: Mapping[str, Any],
    to: str,
    placeholders: Mapping[str, str],
) -> None:
    """Queue the ``name`` mail of ``collection`` (e.g. "verification") for ``to``.

    A template that cannot be rendered is logged, not raised: the request flows answer the same
    whatever happens to the mail (no enumeration), and templates are checked when saved.
    """
    try:
        await send_template(
            connection,
            app_settings=runtime.app_settings.current,
            collection=collection,
            template=name,
            record=record,
            to=to,
            placeholders=placeholders,
        )
    except ValueError as exc:
        logger.error("the %s mail of %s could not be rendered: %s", name, collection.name, exc)
