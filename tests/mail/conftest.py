"""Mail API fixtures: one server, database and SMTP server per module, the app pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.api.conftest import _api
from tests.api.scenarios import Api
from tests.conftest import RunningServer
from tests.mail.smtp_server import SmtpServer, configure_smtp


@pytest.fixture(scope="module")
def module_smtp() -> Iterator[SmtpServer]:
    smtp = SmtpServer()
    smtp.start()
    try:
        yield smtp
    finally:
        smtp.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def mail_api(
    module_server: RunningServer, module_database_url: str, module_smtp: SmtpServer
) -> AsyncIterator[Api]:
    """Superuser and user tokens on the module's server, whose SMTP settings point at ``module_smtp``."""
    await configure_smtp(module_server, module_smtp)
    async for value in _api(module_server, module_database_url):
        yield value
