"""Discord: ``/users/@me``; the email only when Discord marks the account verified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.auth.oauth2.providers.base import AuthUser, Provider, text

__all__ = ["Discord"]


class Discord(Provider):
    NAME = "discord"
    DISPLAY_NAME = "Discord"
    SCOPES = ("identify", "email")
    AUTH_URL = "https://discord.com/api/oauth2/authorize"
    EXCHANGE_URL = "https://discord.com/api/oauth2/token"
    USERINFO_URL = "https://discord.com/api/users/@me"

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        user_id, username = text(raw, "id"), text(raw, "username")
        return AuthUser(
            id=user_id,
            # PocketBase's shapes: the name carries the discriminator, the avatar is a CDN URL
            name=f"{username}#{text(raw, 'discriminator')}",
            username=username,
            avatar_url=f"https://cdn.discordapp.com/avatars/{user_id}/{text(raw, 'avatar')}.png",
            email=text(raw, "email") if raw.get("verified") is True else "",
        )
