"""ID token verification against the local provider's JWKS, and the small pure helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from baas.auth.oauth2.apple_names import remember_apple_name, take_apple_name
from baas.auth.oauth2.providers import OAuth2Error, provider_for
from baas.auth.oauth2.providers.idtoken import verify_id_token
from tests.auth.oauth2.idp import LocalIdP


def _claims(idp: LocalIdP, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": idp.issuer, "sub": "1001", "aud": idp.client_id, "iat": now, "exp": now + 60, **changes}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


async def _verify(idp: LocalIdP, token: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        return await verify_id_token(
            client, token, audience=idp.client_id, issuers=[idp.issuer], jwks_url=idp.url + "/jwks"
        )


async def test_a_valid_token(idp: LocalIdP) -> None:
    token = jwt.encode(_claims(idp), idp.key, algorithm="RS256", headers={"kid": idp.kid})
    assert (await _verify(idp, token))["sub"] == "1001"


@pytest.mark.parametrize(
    "case", ["alg none", "hmac with the public key", "unknown kid", "no kid", "other issuer", "no exp", "future iat"]
)
async def test_refused_tokens(case: str, idp: LocalIdP) -> None:
    public_pem = idp.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    claims, key, algorithm, headers = _claims(idp), idp.key, "RS256", {"kid": idp.kid}
    if case == "alg none":
        token = jwt.encode(claims, None, algorithm="none", headers=headers)
    elif case == "hmac with the public key":
        # the classic confusion: the public key (which anyone has) used as an HMAC secret
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", **headers}).encode())
        body = _b64(json.dumps(claims).encode())
        signature = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
        token = f"{head}.{body}.{_b64(signature)}"
    else:
        if case == "unknown kid":
            headers = {"kid": "someone-elses"}
        elif case == "no kid":
            headers = {}
        elif case == "other issuer":
            claims["iss"] = "https://evil.example"
        elif case == "no exp":
            del claims["exp"]
        elif case == "future iat":
            claims["iat"] = int(time.time()) + 3600
        token = jwt.encode(claims, key, algorithm=algorithm, headers=headers)
    with pytest.raises(OAuth2Error):
        await _verify(idp, token)


def test_authorization_url_is_encoded_like_go() -> None:
    provider = provider_for(
        {"name": "google", "clientId": "id 1", "authURL": "https://idp.example/auth?x=1"}, httpx.AsyncClient()
    )
    assert provider is not None
    url = provider.auth_url("st", "ch", "https://app.example/cb")
    assert url == (
        "https://idp.example/auth?x=1&client_id=id+1&code_challenge=ch&code_challenge_method=S256"
        "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code"
        "&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.profile+"
        "https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.email&state=st"
    )


def test_apple_names_are_taken_once() -> None:
    remember_apple_name("code-1", '{"name": {"firstName": "Ann", "lastName": "Lee"}}')
    remember_apple_name("code-2", "not json")
    remember_apple_name("code-3", '{"name": {"firstName": "", "lastName": ""}}')
    assert take_apple_name("code-1") == "Ann Lee"
    assert take_apple_name("code-1") == ""
    assert take_apple_name("code-2") == take_apple_name("code-3") == ""
