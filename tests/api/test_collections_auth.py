"""Who may call the collections API: superusers only; guests get 401, other records 403.

Every endpoint is tried as a guest, with a garbage token, with a JWT signed by someone else and with a
``users`` record's token; the Authorization header forms PocketBase accepts are tried on the list.
Auth is checked before the body is read, and a refused request changes nothing.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.scenarios import GUEST, NO_BODY, SUPERUSER, USER, Api, Scenario, params, run
from tests.api.shapes import URL

pytestmark = pytest.mark.asyncio(loop_scope="module")

UNAUTHORIZED = {"data": {}, "message": "The request requires valid record authorization token.", "status": 401}
FORBIDDEN = {"data": {}, "message": "The authorized record is not allowed to perform this action.", "status": 403}


def _jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{'A' * 43}"


FORGED = _jwt(
    {"collectionId": "pbc_3142635823", "exp": 4102444800, "id": "nosuchrecord000", "refreshable": True, "type": "auth"}
)
UNSIGNED = _jwt({"collectionId": "pbc_3142635823", "exp": 4102444800, "id": "x", "type": "auth"})
NONE_ALG = UNSIGNED.rsplit(".", 1)[0] + "."

ENDPOINTS = [
    ("list", "GET", URL, NO_BODY),
    ("view", "GET", f"{URL}/users", NO_BODY),
    ("scaffolds", "GET", f"{URL}/meta/scaffolds", NO_BODY),
    ("create", "POST", URL, {"name": "auth_created"}),
    ("update", "PATCH", f"{URL}/users", {"listRule": ""}),
    ("delete", "DELETE", f"{URL}/users", NO_BODY),
    ("truncate", "DELETE", f"{URL}/users/truncate", NO_BODY),
    ("import", "PUT", f"{URL}/import", {"collections": [{"name": "auth_imported"}], "deleteMissing": True}),
]
CALLERS = [
    ("guest", GUEST, 401, UNAUTHORIZED),
    ("garbage token", "garbage", 401, UNAUTHORIZED),
    ("JWT with a bad signature", FORGED, 401, UNAUTHORIZED),
    ("unsigned JWT", NONE_ALG, 401, UNAUTHORIZED),
    ("users record", USER, 403, FORBIDDEN),
]


REFUSED = [
    Scenario(
        f"{endpoint} as {caller}", method, url, body, auth=auth, status=status, contains=[expected], unchanged=True
    )
    for endpoint, method, url, body in ENDPOINTS
    for caller, auth, status, expected in CALLERS
]

HEADERS = [
    Scenario("raw token", "GET", f"{URL}?perPage=1&fields=name", auth=SUPERUSER, contains=[{"perPage": 1}]),
    Scenario("Bearer token", "GET", f"{URL}?perPage=1&fields=name", auth="Bearer {superuser}"),
    Scenario("bearer token in lower case", "GET", f"{URL}?perPage=1&fields=name", auth="bearer {superuser}"),
    Scenario(
        "Bearer with two spaces",
        "GET",
        URL,
        auth="Bearer  {superuser}",
        status=401,
        contains=[UNAUTHORIZED],
    ),
    Scenario("Bearer alone", "GET", URL, auth="Bearer", status=401, contains=[UNAUTHORIZED]),
    Scenario("empty Authorization header", "GET", URL, auth="", status=401, contains=[UNAUTHORIZED]),
    Scenario(
        "token in the query is not used", "GET", f"{URL}?token=x", auth=GUEST, status=401, contains=[UNAUTHORIZED]
    ),
    Scenario(
        "auth is checked before the body",
        "POST",
        URL,
        b"notjson",
        content_type="application/json",
        auth=GUEST,
        status=401,
        contains=[UNAUTHORIZED],
    ),
    Scenario(
        "a user cannot send an invalid body either",
        "PATCH",
        f"{URL}/users",
        b"notjson",
        content_type="application/json",
        auth=USER,
        status=403,
        contains=[FORBIDDEN],
    ),
    Scenario(
        "an error with an Origin header",
        "GET",
        URL,
        auth=GUEST,
        headers={"Origin": "http://example.com"},
        status=401,
        contains=[UNAUTHORIZED],
    ),
]


@pytest.mark.parametrize("scenario", params(REFUSED + HEADERS))
async def test_auth(api: Api, scenario: Scenario) -> None:
    await run(api, scenario)


async def test_token_of_a_deleted_superuser_is_refused(fresh_api: Api) -> None:
    await run(fresh_api, Scenario("before", "GET", f"{URL}?perPage=1"))
    await fresh_api.sql('DELETE FROM data."_superusers"')
    await run(fresh_api, Scenario("after", "GET", URL, status=401, contains=[UNAUTHORIZED]))


async def test_token_is_revoked_by_a_new_token_key(fresh_api: Api) -> None:
    await fresh_api.sql('UPDATE data."_superusers" SET "tokenKey" = repeat(\'z\', 50)')
    await run(fresh_api, Scenario("after", "GET", URL, status=401, contains=[UNAUTHORIZED]))
