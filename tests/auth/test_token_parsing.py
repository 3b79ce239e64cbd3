"""``decode_unverified``: the cheap first read of a token (which record and secret sign it)."""

from __future__ import annotations

import base64
import json

import pytest

from baas.auth.tokens import TokenError, decode_unverified, issue_token, verify_token

SECRET = "s" * 40
INVALID_UTF8 = bytes([0xFF, 0xFE])


def _raw(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: object) -> str:
    return _raw(json.dumps(value).encode())


CLAIMS = {"id": "r1", "type": "auth", "collectionId": "c1"}
GOOD = issue_token(CLAIMS, collection_secret=SECRET, token_key="k", duration_seconds=60)
HEADER, PAYLOAD, SIGNATURE = GOOD.split(".")


def test_reads_the_claims_and_verify_agrees() -> None:
    claims = decode_unverified(GOOD)
    assert {k: claims[k] for k in CLAIMS} == CLAIMS
    assert verify_token(GOOD, collection_secret=SECRET, token_key="k") == claims


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        f"{HEADER}.{PAYLOAD}",
        f"{HEADER}.{PAYLOAD}.{SIGNATURE}.x",
        f"{HEADER}=.{PAYLOAD}.{SIGNATURE}",  # padding is not base64url
        f"{HEADER}.{PAYLOAD}+/.{SIGNATURE}",  # nor are + and /
        f"{HEADER}.@@@.{SIGNATURE}",
        f"{_segment({'alg': 'none'})}.{PAYLOAD}.",
        f"{_segment({'alg': 'HS512'})}.{PAYLOAD}.{SIGNATURE}",
        f"{_segment(['HS256'])}.{PAYLOAD}.{SIGNATURE}",
        f"{HEADER}.{_segment(['not', 'a', 'dict'])}.{SIGNATURE}",
        f"{HEADER}.{_raw(b'{not json')}.{SIGNATURE}",
        f"{HEADER}.{_raw(INVALID_UTF8)}.{SIGNATURE}",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenError):
        decode_unverified(token)
