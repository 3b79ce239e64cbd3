"""What the auth tests share: an ``AuthEnv`` (the module's server, its HTTP API, the SMTP server it
mails through) with steps that make users and sign them in, read mail, travel in time through the
database, and forge tokens with the real keys; plus ``bind``, which fills ``$name`` placeholders of a
scenario table row with the values a test created (ids, emails, tokens).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import httpx
import jwt

from baas.auth.tokens import TOKEN_OPTIONS
from baas.collections.model import Collection
from tests.api.scenarios import NO_BODY, Api, Call, Scenario, Sql
from tests.conftest import RunningServer
from tests.mail.smtp_server import ReceivedMail, SmtpServer

__all__ = [
    "PASSWORD",
    "AuthEnv",
    "User",
    "auth_collection_body",
    "b64",
    "bind",
    "claims_of",
    "signed_with",
    "tampered",
    "token_in",
    "unique_email",
    "unsigned",
]

PASSWORD = "password-123"
_numbers = itertools.count(1)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}{next(_numbers)}@example.com"


def b64(data: Mapping[str, Any]) -> str:
    """A JWT segment: base64url JSON without padding."""
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def claims_of(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return payload


def auth_collection_body(name: str, *, username: bool = False, **options: Any) -> dict[str, Any]:
    """A new auth collection with a ``name`` text field (and a unique ``username`` one) whose rules let
    a signed-in record see itself; ``options`` are collection keys (``otp``, ``mfa``, ``authRule``...)."""
    fields = [{"name": "name", "type": "text"}]
    indexes = [
        f"CREATE UNIQUE INDEX idx_{name}_tokenKey ON {name} (tokenKey)",
        f"CREATE UNIQUE INDEX idx_{name}_email ON {name} (email) WHERE email != ''",
    ]
    if username:
        fields.append({"name": "username", "type": "text"})
        indexes.append(f"CREATE UNIQUE INDEX idx_{name}_username ON {name} (username)")
    return {
        "name": name,
        "type": "auth",
        "fields": fields,
        "indexes": indexes,
        "listRule": "id = @request.auth.id",
        "viewRule": "id = @request.auth.id",
        **options,
    }


def tampered(token: str, **changes: Any) -> str:
    """``token`` with its payload changed and the original signature kept."""
    header, _, signature = token.split(".")
    return ".".join([header, b64({**claims_of(token), **changes}), signature])


def unsigned(token: str, **changes: Any) -> str:
    """``token``'s claims (changed) under ``alg: none``, with no signature."""
    return ".".join([b64({"alg": "none", "typ": "JWT"}), b64({**claims_of(token), **changes}), ""])


def signed_with(token: str, key: str, **changes: Any) -> str:
    """``token``'s claims (changed), signed HS256 with another key (which may be empty)."""
    signing_input = b64({"alg": "HS256", "typ": "JWT"}) + "." + b64({**claims_of(token), **changes})
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        # Longest names first: "$alice_token" before "$alice".
        for name in sorted(values, key=len, reverse=True):
            value = value.replace("$" + name, values[name])
        return value
    if isinstance(value, bytes):
        return _fill(value.decode(), values).encode()
    if isinstance(value, Mapping):
        return {_fill(k, values): _fill(v, values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_fill(v, values) for v in value)
    if isinstance(value, Call | Sql):
        return replace(value, **{f.name: _fill(getattr(value, f.name), values) for f in fields(value)})
    return value


def bind(scenario: Scenario, **values: str) -> Scenario:
    """``scenario`` with ``$name`` replaced by ``values[name]`` in its URL, body, auth, headers,
    setup steps and expected fragments."""
    names = ("url", "body", "auth", "headers", "setup", "contains", "not_contains")
    return replace(scenario, **{name: _fill(getattr(scenario, name), values) for name in names})


@dataclass
class User:
    id: str
    email: str
    password: str
    token: str
    collection: str = "users"


@dataclass
class AuthEnv:
    api: Api
    server: RunningServer
    smtp: SmtpServer

    @property
    def http(self) -> httpx.AsyncClient:
        return self.api.http

    def collection(self, name: str) -> Collection:
        found = self.server.runtime.registry.schema.find(name)
        assert found is not None, name
        return found

    # ----- records and sign-ins ----------------------------------------------------------------

    async def user(
        self,
        collection: str = "users",
        *,
        email: str | None = None,
        password: str = PASSWORD,
        sign_in: bool = True,
        **values: Any,
    ) -> User:
        """A new record (created by the superuser), signed in unless ``sign_in=False``."""
        email = email or unique_email()
        body = {"email": email, "password": password, "passwordConfirm": password, **values}
        created = await self.api.call("POST", f"/api/collections/{collection}/records", body)
        assert created.status_code == 200, created.text
        token = ""
        if sign_in:
            token = await self.token(email, password, collection)
        return User(id=created.json()["id"], email=email, password=password, token=token, collection=collection)

    async def sign_in(self, identity: str, password: str, collection: str = "users", **extra: Any) -> httpx.Response:
        body = {"identity": identity, "password": password, **extra.pop("body", {})}
        return await self.http.post(f"/api/collections/{collection}/auth-with-password", json=body, **extra)

    async def token(self, identity: str, password: str, collection: str = "users") -> str:
        response = await self.sign_in(identity, password, collection)
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token

    async def refresh(self, token: str, collection: str = "users") -> httpx.Response:
        return await self.http.post(f"/api/collections/{collection}/auth-refresh", headers={"Authorization": token})

    async def ok(self, method: str, url: str, body: Any = None, *, auth: str = "superuser", status: int = 200) -> Any:
        """A request that must answer ``status``; returns the parsed body (None when empty)."""
        response = await self.api.call(method, url, body if body is not None else NO_BODY, auth=auth)
        assert response.status_code == status, f"{method} {url} -> {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def auth_collection(self, name: str, **options: Any) -> Collection:
        """A new auth collection (see ``auth_collection_body``)."""
        await self.ok("POST", "/api/collections", auth_collection_body(name, **options))
        return self.collection(name)

    async def settings(self, body: Mapping[str, Any]) -> None:
        await self.ok("PATCH", "/api/settings", dict(body))

    # ----- the database ----------------------------------------------------------------------

    async def row(self, collection: str, record_id: str) -> dict[str, Any]:
        rows = await self.api.sql(f'SELECT * FROM data."{collection}" WHERE id = $1', record_id)
        assert rows, f"{collection}/{record_id} is missing"
        return dict(rows[0])

    async def age(self, table: str, row_id: str, seconds: int) -> None:
        """Time travel: make a row of ``_otps``/``_mfas`` ``seconds`` older."""
        await self.api.sql(
            f'UPDATE data."{table}" SET created = created - make_interval(secs => $2) WHERE id = $1',
            row_id,
            float(seconds),
        )

    # ----- tokens ---------------------------------------------------------------------------

    async def forge(
        self, collection: str, record_id: str, *, kind: str = "auth", expires_in: int = 3600, **claims: Any
    ) -> str:
        """A token signed exactly as the server signs one (the record's tokenKey + the collection's
        secret for ``kind``), with chosen claims: e.g. an expired one (``expires_in=-60``)."""
        target = self.collection(collection)
        row = await self.row(target.name, record_id)
        secret = target.auth_options[TOKEN_OPTIONS[kind]]["secret"]
        payload = {"collectionId": target.id, "id": record_id, "type": kind, "exp": int(time.time()) + expires_in}
        if kind == "auth":
            payload["refreshable"] = True
        payload.update(claims)
        return jwt.encode(payload, (row["tokenKey"] + secret).encode(), algorithm="HS256")

    # ----- mail -----------------------------------------------------------------------------

    async def mails_to(self, address: str, count: int = 1, within: float = 15.0) -> list[ReceivedMail]:
        """The first ``count`` mails received for ``address`` (waits for them)."""
        deadline = time.monotonic() + within
        while True:
            with self.smtp.lock:
                received = [m for m in self.smtp.messages if address in m.rcpt_tos]
            if len(received) >= count:
                return received[:count]
            assert time.monotonic() < deadline, f"expected {count} mail(s) to {address}, got {len(received)}"
            await asyncio.sleep(0.02)

    async def mail_to(self, address: str, number: int = 1) -> ReceivedMail:
        """The ``number``-th mail received for ``address``."""
        return (await self.mails_to(address, number))[number - 1]

    def mail_count(self, address: str) -> int:
        with self.smtp.lock:
            return sum(address in m.rcpt_tos for m in self.smtp.messages)

    async def outbox(self, address: str) -> list[dict[str, Any]]:
        """The queued mail for ``address`` (sent or not), oldest first."""
        rows = await self.api.sql(
            "SELECT subject, html, status FROM baas.mail_outbox WHERE recipients ? $1 ORDER BY created", address
        )
        return [dict(r) for r in rows]

    async def mail_token(self, address: str, number: int = 1) -> str:
        """The token in the link of a verification / reset / email change mail."""
        mail = await self.mail_to(address, number)
        return token_in(mail)


def token_in(mail: ReceivedMail) -> str:
    for link in mail.links():
        match = re.search(r"/confirm-[a-z-]+/([\w.-]+)$", link)
        if match:
            return match.group(1)
    raise AssertionError(f"no confirmation link in: {mail.links()}")
