"""The auth flows' mails (verification, password reset, email change, OTP, login alert).

Each one renders the auth collection's template and is queued in the caller's transaction, so a
request that fails sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from baas.collections.model import Collection
from baas.runtime import Runtime

__all__ = ["TEMPLATE_KEYS", "send_auth_mail"]

logger = logging.getLogger("baas.auth")

# Template name -> where the template lives in the collection's auth options.
TEMPLATE_KEYS = {
    "verification": ("verificationTemplate",),
    "password-reset": ("resetPasswordTemplate",),
    "email-change": ("confirmEmailChangeTemplate",),
    "otp": ("otp", "emailTemplate"),
    "login-alert": ("authAlert", "emailTemplate"),
}


def template_of(collection: Collection, name: str) -> Mapping[str, Any]:
    node: Any = collection.auth_options
    for key in TEMPLATE_KEYS[name]:
        node = node[key]
    return node  # type: ignore[no-any-return]


async def send_auth_mail(
    connection: AsyncConnection, runtime: Runtime, collection: Collection, name: str, record: Mapping[str, Any],
    to: str, placeholders: Mapping[str, str],
) -> None:  # fmt: skip
    """Queue the ``name`` mail of ``collection`` for ``to``."""
    logger.info("mail %s for %s queued (mail delivery not configured yet)", name, collection.name)
