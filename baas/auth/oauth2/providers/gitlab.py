"""GitLab (gitlab.com, or a self-hosted instance through the config URLs): ``/api/v4/user``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.auth.oauth2.providers.base import AuthUser, Provider, text

__all__ = ["Gitlab"]


class Gitlab(Provider):
    NAME = "gitlab"
    DISPLAY_NAME = "GitLab"
    SCOPES = ("read_user",)
    AUTH_URL = "https://gitlab.com/oauth/authorize"
    EXCHANGE_URL = "https://gitlab.com/oauth/token"
    USERINFO_URL = "https://gitlab.com/api/v4/user"

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        return AuthUser(
            id=text(raw, "id"),
            name=text(raw, "name"),
            username=text(raw, "username"),
            email=text(raw, "email"),
            avatar_url=text(raw, "avatar_url"),
        )
