"""ID tokens (OIDC, Apple): the claims are always checked, the signature against the provider's JWKS.

Checked: ``aud`` contains the client id, ``exp`` (required) and ``iat`` with PocketBase's 5 minute
leeway, ``iss`` when issuers are known, and the signature when a JWKS URL is known. The algorithm
comes from the JWK (or the header) and must be an asymmetric one: ``none`` and the HMAC family,
whose "key" would be public, are refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import jwt
from jwt.types import Options

from baas.auth.oauth2.providers.http import OAuth2Error, get_public_json

__all__ = ["LEEWAY_SECONDS", "verify_id_token"]

LEEWAY_SECONDS = 300
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


async def _find_jwk(client: httpx.AsyncClient, jwks_url: str, kid: str) -> Mapping[str, Any]:
    # A kid we have not seen may be a freshly rotated key: fetch the set again once.
    for refresh in (False, True):
        document = await get_public_json(client, jwks_url, refresh=refresh)
        keys = document.get("keys") if isinstance(document, dict) else None
        for key in keys if isinstance(keys, list) else []:
            if isinstance(key, dict) and key.get("kid") == kid:
                return key
    raise OAuth2Error("no JWK matches the id_token kid")


async def _signing_key(client: httpx.AsyncClient, jwks_url: str, header: Mapping[str, Any]) -> tuple[Any, str]:
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise OAuth2Error("the id_token has no kid")
    jwk = await _find_jwk(client, jwks_url, kid)
    algorithm = jwk.get("alg") or header.get("alg")
    if algorithm not in ALGORITHMS or header.get("alg") != algorithm:
        raise OAuth2Error("unsupported or mismatched id_token algorithm")
    try:
        return jwt.PyJWK(dict(jwk), algorithm=str(algorithm)).key, str(algorithm)
    except jwt.PyJWTError as exc:
        raise OAuth2Error("unusable JWK") from exc


async def verify_id_token(
    client: httpx.AsyncClient,
    id_token: str,
    *,
    audience: str,
    issuers: Sequence[str] = (),
    jwks_url: str = "",
) -> dict[str, Any]:
    """The verified claims of ``id_token``; :class:`OAuth2Error` for anything invalid."""
    if not id_token:
        raise OAuth2Error("empty id_token")
    if not audience:
        raise OAuth2Error("the provider has no client id to check the id_token audience with")
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as exc:
        raise OAuth2Error("malformed id_token") from exc
    options: Options = {
        "verify_signature": bool(jwks_url),
        "verify_exp": True,
        "verify_iat": True,
        "verify_nbf": True,
        "verify_aud": True,
        "verify_iss": bool(issuers),
        "require": ["exp"],
    }
    try:
        if jwks_url:
            key, algorithm = await _signing_key(client, jwks_url, header)
            claims = jwt.decode(
                id_token,
                key,
                algorithms=[algorithm],
                audience=audience,
                issuer=list(issuers) or None,
                leeway=LEEWAY_SECONDS,
                options=options,
            )
        else:
            # PocketBase trusts an id_token read over TLS from the token endpoint when no JWKS is configured.
            claims = jwt.decode(
                id_token, audience=audience, issuer=list(issuers) or None, leeway=LEEWAY_SECONDS, options=options
            )
    except jwt.PyJWTError as exc:
        raise OAuth2Error(f"invalid id_token ({type(exc).__name__})") from None
    if not isinstance(claims, dict):
        raise OAuth2Error("invalid id_token claims")
    return claims
