"""Facebook: the Graph API's ``/me`` with name, email and a large picture."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.auth.oauth2.providers.base import AuthUser, Provider, text

__all__ = ["Facebook"]


class Facebook(Provider):
    NAME = "facebook"
    DISPLAY_NAME = "Facebook"
    SCOPES = ("email",)
    AUTH_URL = "https://www.facebook.com/v3.2/dialog/oauth"
    EXCHANGE_URL = "https://graph.facebook.com/v3.2/oauth/access_token"
    USERINFO_URL = "https://graph.facebook.com/me?fields=name,email,picture.type(large)"

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        picture = raw.get("picture")
        data = picture.get("data") if isinstance(picture, dict) else None
        return AuthUser(
            id=text(raw, "id"),
            name=text(raw, "name"),
            email=text(raw, "email"),
            avatar_url=text(data, "url") if isinstance(data, dict) else "",
        )
