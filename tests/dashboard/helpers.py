"""Signing in to the dashboard over plain HTTP, as a browser does (cookies, CSRF tokens from the page)."""

from __future__ import annotations

import re

import httpx

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def sign_in(http: httpx.AsyncClient, email: str = SUPERUSER_EMAIL, password: str = SUPERUSER_PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    page = await http.get("/_/login")
    response = await http.post(
        "/_/login", data={"_csrf": csrf_of(page.text), "email": email, "password": password, "next": "/_/collections"}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/_/collections"
    home = await http.get("/_/collections")
    assert home.status_code == 200
    return csrf_of(home.text)
