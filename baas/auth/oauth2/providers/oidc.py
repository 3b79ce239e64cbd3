"""Generic OpenID Connect (``oidc``, ``oidc2``, ``oidc3``: three slots for three identity providers).

As in PocketBase the endpoints come from the config (``authURL``, ``tokenURL``, ``userInfoURL``) and
``extra`` may hold ``jwksURL`` and ``issuers``. The user comes from ``userInfoURL`` when set, else
from the ID token's claims.

Ours: ``extra.issuer`` (or ``extra.discoveryURL``) turns on OIDC discovery: the document at
``<issuer>/.well-known/openid-configuration`` fills whatever the config left empty (endpoints,
``jwksURL``, and ``issuers`` = the issuer), and its ``issuer`` must equal the configured one. When an
ID token arrives and a JWKS URL is known it is verified even if the profile comes from userinfo,
and both must name the same subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.auth.oauth2.providers.base import AuthUser, Provider, Token, text, truthy
from baas.auth.oauth2.providers.http import OAuth2Error, get_public_json
from baas.auth.oauth2.providers.idtoken import verify_id_token

__all__ = ["OIDC", "OIDC2", "OIDC3"]

_WELL_KNOWN = "/.well-known/openid-configuration"


class OIDC(Provider):
    NAME = "oidc"
    DISPLAY_NAME = "OIDC"
    SCOPES = ("openid", "email", "profile")

    @property
    def jwks_url(self) -> str:
        return text(self.extra, "jwksURL")

    @property
    def issuers(self) -> list[str]:
        issuers = self.extra.get("issuers")
        return [i for i in issuers if isinstance(i, str) and i] if isinstance(issuers, list) else []

    async def prepare(self) -> None:
        issuer = text(self.extra, "issuer").rstrip("/")
        url = text(self.extra, "discoveryURL") or (issuer + _WELL_KNOWN if issuer else "")
        if not url:
            return
        document = await get_public_json(self.client, url)
        if not isinstance(document, dict):
            raise OAuth2Error("the OIDC discovery document is not an object")
        announced = text(document, "issuer")
        if issuer and announced.rstrip("/") != issuer:
            raise OAuth2Error("the OIDC discovery document names another issuer")
        self.authorize_url = self.authorize_url or text(document, "authorization_endpoint")
        self.token_url = self.token_url or text(document, "token_endpoint")
        self.userinfo_url = self.userinfo_url or text(document, "userinfo_endpoint")
        if not self.jwks_url and text(document, "jwks_uri"):
            self.extra["jwksURL"] = text(document, "jwks_uri")
        if not self.issuers and announced:
            self.extra["issuers"] = [announced]

    async def _id_claims(self, token: Token) -> dict[str, Any]:
        return await verify_id_token(
            self.client,
            text(token.extra, "id_token"),
            audience=self.client_id,
            issuers=self.issuers,
            jwks_url=self.jwks_url,
        )

    async def fetch_raw_user(self, token: Token) -> dict[str, Any]:
        if not self.userinfo_url:
            return await self._id_claims(token)
        profile = await super().fetch_raw_user(token)
        if self.jwks_url and text(token.extra, "id_token"):
            claims = await self._id_claims(token)
            if text(claims, "sub") != text(profile, "sub"):
                raise OAuth2Error("the userinfo subject differs from the id_token subject")
        return profile

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        return AuthUser(
            id=text(raw, "sub"),
            name=text(raw, "name"),
            username=text(raw, "preferred_username"),
            avatar_url=text(raw, "picture"),
            email=text(raw, "email") if truthy(raw.get("email_verified")) else "",
        )


class OIDC2(OIDC):
    NAME = "oidc2"


class OIDC3(OIDC):
    NAME = "oidc3"
