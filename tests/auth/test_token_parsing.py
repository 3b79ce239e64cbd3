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
# Issued at import: valid for as long as any test run lasts.
GOOD = issue_token(CLAIMS, collection_secret=SECRET, token_key="k", duration_seconds=86_400)
HEADER, PAYLOAD, SIGNATURE = GOOD.split(".")


def test_reads_the_claims_and_verify_agrees() -> None:
    claims = decode_unverified(GOOD)
    assert {k: claims[k] for k in CLAIMS} == CLAIMS
    assert verify_token(GOOD, collection_secret=SECRET, token_key="k") == claims


MALFORMED = {
    "empty": "",
    "one segment": "abc",
    "two segments": f"{HEADER}.{PAYLOAD}",
    "four segments": f"{HEADER}.{PAYLOAD}.{SIGNATURE}.x",
    "padding is not base64url": f"{HEADER}=.{PAYLOAD}.{SIGNATURE}",
    "nor are + and /": f"{HEADER}.{PAYLOAD}+/.{SIGNATURE}",
    "not base64": f"{HEADER}.@@@.{SIGNATURE}",
    "alg none": f"{_segment({'alg': 'none'})}.{PAYLOAD}.",
    "alg HS512": f"{_segment({'alg': 'HS512'})}.{PAYLOAD}.{SIGNATURE}",
    "header not an object": f"{_segment(['HS256'])}.{PAYLOAD}.{SIGNATURE}",
    "claims not an object": f"{HEADER}.{_segment(['not', 'a', 'dict'])}.{SIGNATURE}",
    "claims not JSON": f"{HEADER}.{_raw(b'{not json')}.{SIGNATURE}",
    "claims not UTF-8": f"{HEADER}.{_raw(INVALID_UTF8)}.{SIGNATURE}",
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_tokens_are_refused(case: str) -> None:
    with pytest.raises(TokenError):
        decode_unverified(MALFORMED[case])
