"""Create the same schema, users and records on either server, through its public API only.

Records go in through ``POST /api/batch`` (1,000 creates per request) so both servers take the
same write path; the generator is seeded, so both get the same titles, views and flags.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from servers import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, Server

__all__ = ["COLLECTION", "RULE", "Dataset", "seed"]

COLLECTION = "posts"
RULE = "published = true || owner = @request.auth.id"
CREATE_RULE = '@request.auth.id != "" && owner = @request.auth.id'
BATCH_SIZE = 1000
USERS = 10
USER_PASSWORD = "user-password-123"  # noqa: S105 - throwaway accounts in a temporary directory
VIEW_IDS = 1000  # how many visible record ids the view scenario picks from

# Titles draw three of these words, so a `~` filter on one word matches roughly 1 record in 17.
_TEXT = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
    "quebec romeo sierra tango uniform victor whiskey xray yankee zulu lorem ipsum dolor sit amet "
    "consectetur adipiscing elit sed tempor incididunt labore magna aliqua enim minim veniam quis "
    "nostrud exercitation ullamco laboris nisi aliquip commodo"
)
WORDS = tuple(_TEXT.split())


@dataclass(frozen=True)
class Dataset:
    """What the load scenarios need from a seeded server."""

    user_id: str
    user_token: str
    visible_ids: list[str]
    seconds: float


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        request = response.request
        raise RuntimeError(
            f"{request.method} {request.url} -> {response.status_code}\n"
            f"request body: {request.content[:500]!r}\nresponse: {response.text[:2000]}"
        )
    return response.json() if response.content else None


def _login(client: httpx.Client, collection: str, email: str, password: str) -> tuple[str, str]:
    body = _check(
        client.post(f"/api/collections/{collection}/auth-with-password", json={"identity": email, "password": password})
    )
    return str(body["token"]), str(body["record"]["id"])


def _posts_schema(users_id: str) -> dict[str, Any]:
    return {
        "name": COLLECTION,
        "type": "base",
        "fields": [
            {"name": "title", "type": "text", "required": True, "max": 200},
            {"name": "views", "type": "number"},
            {"name": "published", "type": "bool"},
            {"name": "owner", "type": "relation", "collectionId": users_id, "maxSelect": 1},
            {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
        ],
        "indexes": [
            f"CREATE INDEX `idx_{COLLECTION}_views` ON `{COLLECTION}` (`views`)",
            f"CREATE INDEX `idx_{COLLECTION}_published` ON `{COLLECTION}` (`published`)",
        ],
        "listRule": RULE,
        "viewRule": RULE,
        "createRule": CREATE_RULE,
    }


def _records(count: int, owners: list[str]) -> Iterator[dict[str, Any]]:
    rng = random.Random(20261121)
    for index in range(count):
        yield {
            "title": " ".join(rng.sample(WORDS, 3)) + f" #{index}",
            "views": rng.randrange(1000),
            "published": rng.random() < 0.5,
            "owner": owners[index % len(owners)],
        }


def _batches(count: int, owners: list[str]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in _records(count, owners):
        batch.append({"method": "POST", "url": f"/api/collections/{COLLECTION}/records", "body": record})
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _visible(results: list[dict[str, Any]], user_id: str) -> list[str]:
    return [r["body"]["id"] for r in results if r["body"]["published"] or r["body"]["owner"] == user_id]


def seed(server: Server, records: int, *, workers: int = 2) -> Dataset:
    """Schema, ``USERS`` users and ``records`` posts; returns the first user's token and visible ids."""
    started = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=600) as client:
        token, _ = _login(client, "_superusers", SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        client.headers["Authorization"] = token
        _check(
            client.patch(
                "/api/settings",
                json={"batch": {"enabled": True, "maxRequests": BATCH_SIZE, "timeout": 600, "maxBodySize": 0}},
            )
        )
        users_id = _check(client.get("/api/collections/users"))["id"]
        owners = []
        for n in range(USERS):
            email = f"user{n}@example.com"
            body = {"email": email, "password": USER_PASSWORD, "passwordConfirm": USER_PASSWORD, "verified": True}
            owners.append(_check(client.post("/api/collections/users/records", json=body))["id"])
        _check(client.post("/api/collections", json=_posts_schema(users_id)))

        def send(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
            results: list[dict[str, Any]] = _check(client.post("/api/batch", json={"requests": batch}))
            return results

        # Two batches in flight keep the server busy while the client builds and parses JSON.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            visible = [i for results in pool.map(send, _batches(records, owners)) for i in _visible(results, owners[0])]
        user_token, user_id = _login(client, "users", "user0@example.com", USER_PASSWORD)
    sample = random.Random(7).sample(visible, min(VIEW_IDS, len(visible)))
    return Dataset(user_id=user_id, user_token=user_token, visible_ids=sample, seconds=time.monotonic() - started)
