"""The caller's IP behind a proxy (settings ``trustedProxy``): health's ``realIP``, rate limits per
real client, and the dashboard's ``Secure`` cookie behind a TLS-terminating proxy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, RunningServer


@dataclass
class Case:
    name: str
    trusted: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    leftmost: bool = False
    real_ip: str = "127.0.0.1"
    possible_proxy_header: str = ""


CASES = [
    Case("no proxy, no headers", []),
    Case(
        "untrusted X-Forwarded-For is ignored but reported",
        [],
        {"X-Forwarded-For": "1.1.1.1"},
        possible_proxy_header="X-Forwarded-For",
    ),
    Case("untrusted X-Real-IP", [], {"X-Real-IP": "1.1.1.1"}, possible_proxy_header="X-Real-IP"),
    Case(
        "trusted X-Forwarded-For: the rightmost",
        ["X-Forwarded-For"],
        {"X-Forwarded-For": "1.1.1.1, 2.2.2.2"},
        real_ip="2.2.2.2",
    ),
    Case(
        "trusted X-Forwarded-For: the leftmost",
        ["X-Forwarded-For"],
        {"X-Forwarded-For": "1.1.1.1, 2.2.2.2"},
        leftmost=True,
        real_ip="1.1.1.1",
    ),
    Case(
        "invalid entries are skipped", ["X-Forwarded-For"], {"X-Forwarded-For": "3.3.3.3, garbage"}, real_ip="3.3.3.3"
    ),
    Case("IPv6", ["X-Forwarded-For"], {"X-Forwarded-For": "2001:db8::1"}, real_ip="2001:db8::1"),
    Case("nothing valid: the peer", ["X-Forwarded-For"], {"X-Forwarded-For": "unknown"}),
    Case("the trusted header is missing: the peer", ["X-Forwarded-For"], {"X-Real-IP": "4.4.4.4"}),
    Case(
        "the first trusted header that has an IP wins",
        ["CF-Connecting-IP", "X-Real-IP"],
        {"X-Real-IP": "5.5.5.5", "X-Forwarded-For": "6.6.6.6"},
        real_ip="5.5.5.5",
    ),
]


async def _trust(admin: httpx.AsyncClient, headers: list[str], leftmost: bool = False) -> None:
    body = {"trustedProxy": {"headers": headers, "useLeftmostIP": leftmost}}
    response = await admin.patch("/api/settings", json=body)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_real_ip(admin: httpx.AsyncClient, case: Case) -> None:
    await _trust(admin, case.trusted, case.leftmost)
    response = await admin.get("/api/health", headers=case.headers)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()["data"]
    assert (data["realIP"], data["possibleProxyHeader"]) == (case.real_ip, case.possible_proxy_header)


async def test_rate_limits_count_per_real_client(server: RunningServer, admin: httpx.AsyncClient) -> None:
    await _trust(admin, ["X-Forwarded-For"])
    rule = {"label": "/api/health", "maxRequests": 2, "duration": 60, "audience": ""}
    response = await admin.patch("/api/settings", json={"rateLimits": {"enabled": True, "rules": [rule]}})
    assert response.status_code == 200, response.text
    async with httpx.AsyncClient(base_url=server.url) as guest:
        first = {"X-Forwarded-For": "7.7.7.7"}
        statuses = [(await guest.get("/api/health", headers=first)).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        other = await guest.get("/api/health", headers={"X-Forwarded-For": "8.8.8.8"})
        assert other.status_code == 200, "another client behind the same proxy has its own count"


@pytest.mark.parametrize(
    ("trusted", "proto", "secure"),
    [([], "https", False), (["X-Forwarded-For"], "https", True), (["X-Forwarded-For"], "http", False)],
)
async def test_dashboard_cookie_is_secure_behind_a_tls_proxy(
    server: RunningServer, admin: httpx.AsyncClient, trusted: list[str], proto: str, secure: bool
) -> None:
    await _trust(admin, trusted)
    async with httpx.AsyncClient(base_url=server.url, headers={"X-Forwarded-Proto": proto}) as browser:
        page = await browser.get("/_/login")
        csrf = page.text.split('name="_csrf" value="')[1].split('"')[0]
        # The browser talks https to the proxy and sends Secure cookies; this client, talking http to
        # baas directly, must be told to.
        pre_session = page.headers["set-cookie"].split(";")[0]
        form = {"_csrf": csrf, "email": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD, "next": "/_/collections"}
        response = await browser.post("/_/login", data=form, headers={"Cookie": pre_session})
    assert response.status_code == 303, response.text
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("baas_session="))
    assert ("; secure" in cookie.lower()) is secure, cookie
