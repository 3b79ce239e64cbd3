"""Record tokens: HS256 JWTs signed with the record's tokenKey plus the collection's secret.

Because the record's ``tokenKey`` is part of the key, changing it (on a password or email change,
or on demand) revokes every token issued before. Claims follow PocketBase: ``id``, ``collectionId``,
``type``, ``exp`` and, for auth tokens, ``refreshable``; there is no ``iat``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping
from typing import Any

import jwt

__all__ = ["TOKEN_OPTIONS", "TokenError", "decode_unverified", "issue_token", "verify_token"]

ALGORITHM = "HS256"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
# Token type (the ``type`` claim) -> the auth collection option holding its secret and duration.
TOKEN_OPTIONS = {
    "auth": "authToken",
    "file": "fileToken",
    "verification": "verificationToken",
    "passwordReset": "passwordResetToken",
    "emailChange": "emailChangeToken",
}


class TokenError(ValueError):
    """The token is malformed, expired or not signed with the expected key."""


def _key(collection_secret: str, token_key: str) -> bytes:
    return (token_key + collection_secret).encode()


def issue_token(claims: Mapping[str, Any], *, collection_secret: str, token_key: str, duration_seconds: int) -> str:
    payload = dict(claims)
    payload["exp"] = int(time.time()) + int(duration_seconds)
    # PocketBase emits the claims in alphabetical order; so do we.
    ordered = dict(sorted(payload.items()))
    return jwt.encode(ordered, _key(collection_secret, token_key), algorithm=ALGORITHM)


def decode_unverified(token: str) -> dict[str, Any]:
    """The claims before the signature is checked (to find which record/secret signs it).

    A plain base64url + JSON read of the first two segments: the one full PyJWT pass of a request
    is ``verify_token``'s, which checks the signature and everything else.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("not enough segments" if len(parts) < 3 else "too many segments")
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
    except (ValueError, binascii.Error) as exc:
        raise TokenError("invalid token encoding") from exc
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        raise TokenError("unsupported token algorithm")
    if not isinstance(claims, dict):
        raise TokenError("invalid claims")
    return claims


def _b64url(segment: str) -> bytes:
    if not _BASE64URL.fullmatch(segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def verify_token(token: str, *, collection_secret: str, token_key: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            _key(collection_secret, token_key),
            algorithms=[ALGORITHM],
            options={"require": ["exp"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    return dict(claims)
