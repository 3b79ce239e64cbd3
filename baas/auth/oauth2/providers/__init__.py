"""OAuth2 providers by name: a small module per provider, all behind :class:`Provider`.

``provider_for(config, client)`` builds the provider a collection's config names; an extension may
add its own class to ``PROVIDERS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from baas.auth.oauth2.providers.apple import Apple
from baas.auth.oauth2.providers.base import AuthUser, Provider, Token
from baas.auth.oauth2.providers.discord import Discord
from baas.auth.oauth2.providers.facebook import Facebook
from baas.auth.oauth2.providers.github import Github
from baas.auth.oauth2.providers.gitlab import Gitlab
from baas.auth.oauth2.providers.google import Google
from baas.auth.oauth2.providers.http import OAuth2Error
from baas.auth.oauth2.providers.microsoft import Microsoft
from baas.auth.oauth2.providers.oidc import OIDC, OIDC2, OIDC3

__all__ = ["PROVIDERS", "AuthUser", "OAuth2Error", "Provider", "Token", "provider_for"]

PROVIDERS: dict[str, type[Provider]] = {
    cls.NAME: cls for cls in (Apple, Discord, Facebook, Github, Gitlab, Google, Microsoft, OIDC, OIDC2, OIDC3)
}


def provider_for(config: Mapping[str, Any], client: httpx.AsyncClient) -> Provider | None:
    """The provider named by ``config["name"]``; None when no such provider exists."""
    cls = PROVIDERS.get(str(config.get("name") or ""))
    return cls(config, client) if cls is not None else None
