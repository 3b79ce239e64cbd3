"""Google: the OpenID userinfo endpoint; the email only when Google marks it verified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.auth.oauth2.providers.base import AuthUser, Provider, text, truthy

__all__ = ["Google"]


class Google(Provider):
    NAME = "google"
    DISPLAY_NAME = "Google"
    SCOPES = ("https://www.googleapis.com/auth/userinfo.profile", "https://www.googleapis.com/auth/userinfo.email")
    AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
    EXCHANGE_URL = "https://oauth2.googleapis.com/token"
    USERINFO_URL = "https://www.googleapis.com/oauth2/v3/userinfo"

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        return AuthUser(
            id=text(raw, "sub"),
            name=text(raw, "name"),
            avatar_url=text(raw, "picture"),
            email=text(raw, "email") if truthy(raw.get("email_verified")) else "",
        )
