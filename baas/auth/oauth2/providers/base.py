"""What every OAuth2 provider shares: the authorization URL, the code exchange, the user profile.

A provider is built per sign-in from the collection's provider config (``clientId``, ``clientSecret``,
``authURL``, ``tokenURL``, ``userInfoURL``, ``displayName``, ``pkce``, ``extra``); a non-empty URL in
the config replaces the provider's default, which is how self-hosted servers (and the tests' local
provider) are used. Subclasses set the class constants and turn the provider's profile JSON into an
:class:`AuthUser` in :meth:`Provider.to_user`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote_plus, urlencode

import httpx

from baas import dates
from baas.auth.oauth2.providers.http import OAuth2Error, Reply, get_json, send

__all__ = ["AuthUser", "Provider", "Token", "text", "truthy"]


@dataclass(frozen=True)
class Token:
    access_token: str
    refresh_token: str = ""
    expiry: datetime | None = None
    # the whole token response: ``id_token`` and provider specific values live here
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class AuthUser:
    """The provider's account, normalised. ``email`` is set only when the provider vouches for it."""

    id: str
    name: str = ""
    username: str = ""
    email: str = ""
    avatar_url: str = ""
    access_token: str = ""
    refresh_token: str = ""
    expiry: datetime | None = None
    raw_user: dict[str, Any] = field(default_factory=dict)

    def meta(self, *, is_new: bool) -> dict[str, Any]:
        """The ``meta`` of the auth response (``avatarUrl`` is PocketBase's legacy spelling)."""
        body = {
            "accessToken": self.access_token,
            "avatarURL": self.avatar_url,
            "avatarUrl": self.avatar_url,
            "email": self.email,
            "expiry": dates.format_datetime(self.expiry),
            "id": self.id,
            "isNew": is_new,
            "name": self.name,
            "rawUser": self.raw_user,
            "refreshToken": self.refresh_token,
            "username": self.username,
        }
        return body


def text(data: Mapping[str, Any], key: str) -> str:
    """A string member of provider JSON; numbers are accepted as their decimal text, anything else is ''."""
    value = data.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def truthy(value: Any) -> bool:
    """``email_verified`` may be a bool, a string ("true") or a number, depending on the provider."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"1", "t", "true"}
    return isinstance(value, int | float) and value != 0


class Provider:
    NAME: ClassVar[str] = ""
    DISPLAY_NAME: ClassVar[str] = ""
    SCOPES: ClassVar[tuple[str, ...]] = ()
    PKCE: ClassVar[bool] = True
    AUTH_URL: ClassVar[str] = ""
    EXCHANGE_URL: ClassVar[str] = ""
    USERINFO_URL: ClassVar[str] = ""

    def __init__(self, config: Mapping[str, Any], client: httpx.AsyncClient) -> None:
        self.client = client
        self.name = str(config.get("name") or self.NAME)
        self.client_id = str(config.get("clientId") or "")
        self.client_secret = str(config.get("clientSecret") or "")
        self.display_name = str(config.get("displayName") or self.DISPLAY_NAME)
        self.authorize_url = str(config.get("authURL") or self.AUTH_URL)
        self.token_url = str(config.get("tokenURL") or self.EXCHANGE_URL)
        self.userinfo_url = str(config.get("userInfoURL") or self.USERINFO_URL)
        pkce = config.get("pkce")
        self.pkce = pkce if isinstance(pkce, bool) else self.PKCE
        extra = config.get("extra")
        self.extra: dict[str, Any] = dict(extra) if isinstance(extra, Mapping) else {}
        self.scopes = list(self.SCOPES)

    async def prepare(self) -> None:
        """Load remote configuration (OIDC discovery); nothing for most providers."""

    def auth_params(self) -> dict[str, str]:
        """Provider specific parameters of the authorization URL."""
        return {}

    def auth_url(self, state: str, code_challenge: str = "", redirect_url: str = "") -> str:
        """The consent page URL (parameters sorted by name, like Go's ``url.Values.Encode``)."""
        params = {"client_id": self.client_id, "response_type": "code", "state": state, **self.auth_params()}
        if redirect_url:
            params["redirect_uri"] = redirect_url
        if self.scopes:
            params["scope"] = " ".join(self.scopes)
        if self.pkce and code_challenge:
            params.update(code_challenge=code_challenge, code_challenge_method="S256")
        separator = "&" if "?" in self.authorize_url else "?"
        return self.authorize_url + separator + urlencode(sorted(params.items()))

    async def exchange(self, code: str, code_verifier: str, redirect_url: str) -> Token:
        """Trade the authorization code (and PKCE verifier) for tokens at the token endpoint."""
        form = {"grant_type": "authorization_code", "code": code}
        if redirect_url:
            form["redirect_uri"] = redirect_url
        if self.pkce and code_verifier:
            form["code_verifier"] = code_verifier
        headers = {"Accept": "application/json"}
        # Like Go's oauth2 package: client credentials in a Basic header first, then in the form.
        reply = await send(
            self.client,
            "POST",
            self.token_url,
            headers=headers,
            data=form,
            auth=(quote_plus(self.client_id), quote_plus(self.client_secret)),
        )
        if not reply.ok:
            with_credentials = {**form, "client_id": self.client_id}
            if self.client_secret:
                with_credentials["client_secret"] = self.client_secret
            reply = await send(self.client, "POST", self.token_url, headers=headers, data=with_credentials)
        return _parse_token(reply)

    async def fetch_raw_user(self, token: Token) -> dict[str, Any]:
        data = await get_json(self.client, self.userinfo_url, bearer=token.access_token)
        if not isinstance(data, dict):
            raise OAuth2Error("the user profile is not a JSON object")
        return data

    async def fetch_user(self, token: Token) -> AuthUser:
        raw = await self.fetch_raw_user(token)
        user = self.to_user(raw)
        user.raw_user = raw
        user.access_token, user.refresh_token, user.expiry = token.access_token, token.refresh_token, token.expiry
        return user

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        raise NotImplementedError


def _parse_token(reply: Reply) -> Token:
    if not reply.ok:
        raise OAuth2Error(f"the token endpoint answered {reply.status}")
    if reply.content_type in {"application/x-www-form-urlencoded", "text/plain"}:
        data: Any = dict(parse_qsl(reply.body.decode("utf-8", "replace")))
    else:
        data = reply.json()
    if not isinstance(data, dict):
        raise OAuth2Error("the token response is not an object")
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        # Some providers (GitHub) answer 200 with {"error": ...}: no token is the failure signal.
        raise OAuth2Error("the token response has no access_token")
    refresh_token = data.get("refresh_token")
    return Token(
        access_token=access_token,
        refresh_token=refresh_token if isinstance(refresh_token, str) else "",
        expiry=_expiry(data.get("expires_in", data.get("expires"))),
        extra=data,
    )


def _expiry(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    if seconds <= 0 or seconds > 10 * 365 * 86400:
        return None
    return dates.now() + timedelta(seconds=seconds)
