"""Sign in with Apple: no userinfo endpoint; the user is the verified ID token of the token response.

Apple sends the user's name only once, as the ``user`` form field posted to the redirect URL on the
first consent; :mod:`baas.auth.oauth2.apple_names` carries it from the redirect to the sign-in.
``extra.jwksURL`` may replace Apple's key set URL (ours, for tests against a local provider).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from baas.auth.oauth2.providers.base import AuthUser, Provider, Token, text, truthy
from baas.auth.oauth2.providers.http import OAuth2Error
from baas.auth.oauth2.providers.idtoken import verify_id_token

__all__ = ["Apple"]

ISSUER = "https://appleid.apple.com"


class Apple(Provider):
    NAME = "apple"
    DISPLAY_NAME = "Apple"
    SCOPES = ("name", "email")
    AUTH_URL = "https://appleid.apple.com/auth/authorize"
    EXCHANGE_URL = "https://appleid.apple.com/auth/token"
    JWKS_URL = "https://appleid.apple.com/auth/keys"

    def auth_params(self) -> dict[str, str]:
        # Apple posts the code (and the first-time name) to the redirect URL.
        return {"response_mode": "form_post"}

    async def fetch_raw_user(self, token: Token) -> dict[str, Any]:
        jwks_url = text(self.extra, "jwksURL") or self.JWKS_URL
        claims = await verify_id_token(
            self.client, text(token.extra, "id_token"), audience=self.client_id, issuers=[ISSUER], jwks_url=jwks_url
        )
        raw_user = text(token.extra, "user")
        if raw_user:
            try:
                user = json.loads(raw_user)
            except ValueError as exc:
                raise OAuth2Error("invalid Apple user data") from exc
            if isinstance(user, dict):
                claims["user"] = user
        return claims

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        name = text(raw, "name")
        user = raw.get("user")
        names = user.get("name") if isinstance(user, dict) else None
        if not name and isinstance(names, dict):
            name = f"{text(names, 'firstName')} {text(names, 'lastName')}".strip()
        return AuthUser(
            id=text(raw, "sub"),
            name=name,
            email=text(raw, "email") if truthy(raw.get("email_verified")) else "",
        )
