"""The ``oauth2`` section of ``GET /api/collections/{collection}/auth-methods``.

For each configured provider: a fresh random ``state``, a PKCE verifier and its S256 challenge, and
the authorization URL ending in ``&redirect_uri=`` for the client to complete (PocketBase's shape).
The server keeps nothing: the client checks ``state`` and sends the verifier back with the code.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from contextlib import AsyncExitStack
from typing import Any

import httpx

from baas.auth.oauth2.providers import OAuth2Error, provider_for
from baas.auth.oauth2.providers.http import new_client
from baas.collections.model import Collection
from baas.ids import random_string

__all__ = ["auth_methods_oauth2", "s256_challenge"]

logger = logging.getLogger("baas.auth.oauth2")
_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def auth_methods_oauth2(collection: Collection, client: httpx.AsyncClient | None = None) -> dict[str, Any]:
    """``{"providers": [...], "enabled": bool}``; a provider that cannot be set up is left out."""
    options = collection.auth_options["oauth2"]
    if not options["enabled"]:
        return {"providers": [], "enabled": False}
    providers = []
    async with AsyncExitStack() as stack:
        http = client if client is not None else await stack.enter_async_context(new_client())
        for config in options["providers"]:
            provider = provider_for(config, http)
            if provider is None:
                continue
            try:
                await provider.prepare()
            except OAuth2Error as exc:
                logger.warning("oauth2 provider %s skipped: %s", provider.name, exc)
                continue
            state = random_string(30, _ALPHANUMERIC)
            verifier = challenge = method = ""
            if provider.pkce:
                verifier = random_string(43, _ALPHANUMERIC)
                challenge, method = s256_challenge(verifier), "S256"
            url = provider.auth_url(state, challenge) + "&redirect_uri="
            providers.append(
                {
                    "name": provider.name,
                    "displayName": provider.display_name or provider.name,
                    "state": state,
                    "authURL": url,
                    "authUrl": url,
                    "codeVerifier": verifier,
                    "codeChallenge": challenge,
                    "codeChallengeMethod": method,
                }
            )
    return {"providers": providers, "enabled": True}
