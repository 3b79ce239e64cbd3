"""GitHub: ``/user``, and ``/user/emails`` for the verified primary email when the profile hides it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.auth.oauth2.providers.base import AuthUser, Provider, Token, text
from baas.auth.oauth2.providers.http import OAuth2Error, send

__all__ = ["Github"]


class Github(Provider):
    NAME = "github"
    DISPLAY_NAME = "GitHub"
    SCOPES = ("read:user", "user:email")
    AUTH_URL = "https://github.com/login/oauth/authorize"
    EXCHANGE_URL = "https://github.com/login/oauth/access_token"
    USERINFO_URL = "https://api.github.com/user"

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        return AuthUser(
            id=text(raw, "id"),
            name=text(raw, "name"),
            username=text(raw, "login"),
            email=text(raw, "email"),
            avatar_url=text(raw, "avatar_url"),
        )

    async def fetch_user(self, token: Token) -> AuthUser:
        user = await super().fetch_user(token)
        if not user.email:
            # "Keep my email address private": ask for the verified primary address instead.
            user.email = await self._primary_email(token)
        return user

    async def _primary_email(self, token: Token) -> str:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {token.access_token}"}
        reply = await send(self.client, "GET", self.userinfo_url.rstrip("/") + "/emails", headers=headers)
        if reply.status in {401, 403, 404}:
            return ""  # the token lacks the user:email scope: the email is optional
        if not reply.ok:
            raise OAuth2Error(f"the GitHub emails endpoint answered {reply.status}")
        emails = reply.json()
        for item in emails if isinstance(emails, list) else []:
            if isinstance(item, dict) and item.get("verified") is True and item.get("primary") is True:
                return text(item, "email")
        return ""
