"""Auth test fixtures: ``env`` is one server, database and SMTP server per module (an ``AuthEnv``).

Modules using it run in the module's event loop: ``pytestmark = pytest.mark.asyncio(loop_scope="module")``.
Tests on a shared server make their own records (``await env.user()``) so that they never see each
other's state; tests that change settings (rate limits, lockout) live in modules of their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from baas.auth import totp
from tests.api.conftest import _api
from tests.auth.flows import TotpClock
from tests.auth.support import AuthEnv
from tests.conftest import RunningServer
from tests.mail.smtp_server import SmtpServer, configure_smtp


@pytest.fixture(scope="module")
def auth_smtp() -> Iterator[SmtpServer]:
    smtp = SmtpServer()
    smtp.start()
    try:
        yield smtp
    finally:
        smtp.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(module_server: RunningServer, module_database_url: str, auth_smtp: SmtpServer) -> AsyncIterator[AuthEnv]:
    await configure_smtp(module_server, auth_smtp)
    async for api in _api(module_server, module_database_url):
        yield AuthEnv(api=api, server=module_server, smtp=auth_smtp)


@pytest.fixture
def totp_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[TotpClock]:
    """Freezes the server's TOTP time (it runs in this process) at a step's middle; tests move it."""
    clock = TotpClock()
    monkeypatch.setattr(totp, "time", clock)
    return clock
