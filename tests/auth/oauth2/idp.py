"""A real, local OAuth2/OIDC identity provider for the tests (served by uvicorn on 127.0.0.1).

It issues single-use authorization codes bound to the client, the redirect URI and the PKCE
challenge; access and refresh tokens; RS256 ID tokens with a JWKS and an OIDC discovery document;
and user profiles in the shapes of each provider baas speaks, each under its own prefix
(``/oidc``, ``/google``, ``/apple``, ``/github``, ``/gitlab``, ``/discord``, ``/facebook``,
``/microsoft``). Tests choose who is "signed in" at the provider with :meth:`LocalIdP.login_as` (or
``login_hint``) and can make the ID tokens misbehave with ``id_token_mode``.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import io
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar import Litestar, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response
from PIL import Image

SHAPES = ("oidc", "google", "apple", "github", "gitlab", "discord", "facebook", "microsoft")
APPLE_ISSUER = "https://appleid.apple.com"
# Like the real ones, these two take client credentials in the form only (baas then retries so).
PARAMS_ONLY = {"github", "facebook"}


@functools.cache
def _keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    """The signing key and a rogue key with the same kid (made once per test process)."""
    return tuple(rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))  # type: ignore[return-value]


@functools.cache
def _png() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@dataclass
class IdpUser:
    sub: str  # digits, so that the shapes with numeric ids can use it too
    email: str = ""
    email_verified: bool = True
    name: str = ""
    username: str = ""
    picture: str = ""
    public_email: bool = True  # GitHub: False hides it from /user (then /user/emails has it)


@dataclass
class _Grant:
    shape: str
    client_id: str
    redirect_uri: str
    challenge: str
    method: str
    user: IdpUser
    expires: float
    used: bool = False


@dataclass
class LocalIdP:
    client_id: str = "baas-client"
    client_secret: str = "baas-secret"
    url: str = ""
    id_token_mode: str = "valid"  # valid | bad_signature | wrong_audience | expired | missing
    form_tokens: bool = False  # answer the token request form-encoded instead of JSON
    current: IdpUser | None = None
    users: dict[str, IdpUser] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _tokens: dict[str, IdpUser] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.kid = "local-key-1"
        self.key, self.rogue_key = _keys()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    # ----- test controls -------------------------------------------------------------------------

    def add_user(self, user: IdpUser) -> IdpUser:
        self.users[user.sub] = user
        return user

    def login_as(self, user: IdpUser) -> IdpUser:
        self.current = self.add_user(user)
        return user

    @property
    def issuer(self) -> str:
        return self.url + "/oidc"

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    # ----- protocol ------------------------------------------------------------------------------

    def authorize(self, shape: str, params: dict[str, str]) -> Response[Any]:
        user = self.users.get(params.get("login_hint", "")) or self.current
        if params.get("client_id") != self.client_id or params.get("response_type") != "code" or user is None:
            return Response({"error": "invalid_request"}, status_code=400)
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri:
            return Response({"error": "invalid_request", "error_description": "redirect_uri"}, status_code=400)
        code = secrets.token_urlsafe(24)
        self._grants[code] = _Grant(
            shape,
            self.client_id,
            redirect_uri,
            params.get("code_challenge", ""),
            params.get("code_challenge_method", ""),
            user,
            time.time() + 60,
        )
        separator = "&" if "?" in redirect_uri else "?"
        query = urlencode({"code": code, "state": params.get("state", "")})
        return Redirect(redirect_uri + separator + query, status_code=302)

    def _client_ok(self, shape: str, headers: dict[str, str], form: dict[str, str]) -> bool:
        basic = headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            if shape in PARAMS_ONLY:
                return False
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            return unquote_plus(client_id) == self.client_id and unquote_plus(secret) == self.client_secret
        return form.get("client_id") == self.client_id and form.get("client_secret") == self.client_secret

    def token(self, shape: str, headers: dict[str, str], form: dict[str, str]) -> Response[Any]:
        self.token_requests.append({"shape": shape, **form, "basic": str("authorization" in headers)})
        if not self._client_ok(shape, headers, form):
            return Response({"error": "invalid_client"}, status_code=401)
        grant = self._grants.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None or grant.shape != shape:
            return Response({"error": "invalid_grant"}, status_code=400)
        if grant.used or grant.expires < time.time() or grant.redirect_uri != form.get("redirect_uri"):
            return Response({"error": "invalid_grant"}, status_code=400)
        if grant.challenge:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if grant.method != "S256" or not verifier or digest != grant.challenge:
                return Response({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
        grant.used = True
        access = "at-" + secrets.token_urlsafe(24)
        self._tokens[access] = grant.user
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": 3600,
            "refresh_token": "rt-" + secrets.token_urlsafe(16),
        }
        if shape in {"oidc", "google", "apple"} and self.id_token_mode != "missing":
            body["id_token"] = self.id_token(shape, grant.user)
        if self.form_tokens:
            return Response(urlencode(body), media_type="application/x-www-form-urlencoded")
        return Response(body)

    def id_token(self, shape: str, user: IdpUser) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": APPLE_ISSUER if shape == "apple" else self.issuer,
            "sub": user.sub,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 600,
            "email": user.email,
            # Apple sends email_verified as a string
            "email_verified": ("true" if user.email_verified else "false") if shape == "apple" else user.email_verified,
        }
        if shape != "apple":
            claims.update(name=user.name, preferred_username=user.username, picture=user.picture)
        key = self.key
        if self.id_token_mode == "bad_signature":
            key = self.rogue_key
        elif self.id_token_mode == "wrong_audience":
            claims["aud"] = "another-client"
        elif self.id_token_mode == "expired":
            claims.update(iat=now - 7200, exp=now - 3600)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def profile(self, shape: str, headers: dict[str, str]) -> Response[Any]:
        auth = headers.get("authorization", "")
        user = self._tokens.get(auth[7:]) if auth.lower().startswith("bearer ") else None
        if user is None:
            return Response({"error": "invalid_token"}, status_code=401)
        shapes: dict[str, Any] = {
            "oidc": {
                "sub": user.sub,
                "name": user.name,
                "preferred_username": user.username,
                "picture": user.picture,
                "email": user.email,
                "email_verified": user.email_verified,
            },
            "google": {
                "sub": user.sub,
                "name": user.name,
                "picture": user.picture,
                "email": user.email,
                "email_verified": user.email_verified,
            },
            "github": {
                "id": int(user.sub),
                "login": user.username,
                "name": user.name,
                "avatar_url": user.picture,
                "email": user.email if user.public_email else None,
            },
            "github-emails": [
                {"email": "old-" + user.email, "verified": True, "primary": False},
                {"email": user.email, "verified": user.email_verified, "primary": True},
            ],
            "gitlab": {
                "id": int(user.sub),
                "username": user.username,
                "name": user.name,
                "email": user.email,
                "avatar_url": user.picture,
            },
            "discord": {
                "id": user.sub,
                "username": user.username,
                "discriminator": "0",
                "avatar": "a1b2",
                "email": user.email,
                "verified": user.email_verified,
            },
            "facebook": {
                "id": user.sub,
                "name": user.name,
                "email": user.email,
                "picture": {"data": {"url": user.picture}},
            },
            "microsoft": {"id": user.sub, "displayName": user.name, "mail": user.email},
        }
        return Response(shapes[shape])

    # ----- serving -------------------------------------------------------------------------------

    def app(self) -> Litestar:
        idp = self

        @get("/oidc/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            base = idp.url
            return {
                "issuer": idp.issuer,
                "authorization_endpoint": base + "/oidc/authorize",
                "token_endpoint": base + "/oidc/token",
                "userinfo_endpoint": base + "/oidc/userinfo",
                "jwks_uri": base + "/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }

        @get("/jwks")
        async def jwks() -> dict[str, Any]:
            return idp.jwks()

        @get("/{shape:str}/authorize")
        async def authorize(request: Request[Any, Any, Any], shape: FromPath[str]) -> Response[Any]:
            return idp.authorize(shape, dict(request.query_params))

        @post("/{shape:str}/token")
        async def token(request: Request[Any, Any, Any], shape: FromPath[str]) -> Response[Any]:
            form = {k: str(v) for k, v in (await request.form()).items()}
            return idp.token(shape, dict(request.headers), form)

        @get(
            [
                "/oidc/userinfo",
                "/google/userinfo",
                "/github/user",
                "/github/user/emails",
                "/gitlab/api/v4/user",
                "/discord/users/@me",
                "/facebook/me",
                "/microsoft/me",
            ]
        )
        async def profile(request: Request[Any, Any, Any]) -> Response[Any]:
            path = request.url.path
            shape = "github-emails" if path.endswith("/emails") else path.split("/")[1]
            return idp.profile(shape, dict(request.headers))

        @get("/avatars/{name:str}")
        async def avatar(name: FromPath[str]) -> Response[bytes]:
            """Profile pictures: ``ann.png`` a real PNG, ``huge.png`` over 1 MB, ``page.png`` HTML."""
            if name == "huge.png":
                return Response(_png() + b"\0" * (1024 * 1024 + 1), media_type="image/png")
            if name == "page.png":
                return Response(b"<html><script>alert(1)</script></html>", media_type="image/png")
            if name != "ann.png":
                return Response(b"", status_code=404)
            return Response(_png(), media_type="image/png")

        return Litestar([discovery, jwks, authorize, token, profile, avatar], openapi_config=None)

    async def start(self) -> None:
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    # ----- provider configs pointing here --------------------------------------------------------

    def provider_config(self, shape: str, name: str = "", **overrides: Any) -> dict[str, Any]:
        """A baas provider config for ``shape`` whose endpoints are this IdP's."""
        base = f"{self.url}/{shape}"
        userinfo = {
            "oidc": "",
            "google": base + "/userinfo",
            "apple": "",
            "github": base + "/user",
            "gitlab": base + "/api/v4/user",
            "discord": base + "/users/@me",
            "facebook": base + "/me?fields=name,email,picture.type(large)",
            "microsoft": base + "/me",
        }[shape]
        config: dict[str, Any] = {
            "name": name or shape,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "authURL": base + "/authorize",
            "tokenURL": base + "/token",
            "userInfoURL": userinfo,
        }
        if shape == "oidc":
            config["extra"] = {"jwksURL": self.url + "/jwks", "issuers": [self.issuer]}
        if shape == "apple":
            config["extra"] = {"jwksURL": self.url + "/jwks"}
        config.update(overrides)
        return config
