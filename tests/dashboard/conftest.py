"""Browser fixtures: one headless Debian Chromium per module (Playwright, never ``playwright install``),
a fresh database and server per test in the module's event loop, and a page that fails the test on
any console error (a CSP violation is one) or
failed sub-resource."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import RunningServer, create_database, drop_database, make_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
HAVE_CHROMIUM = CHROMIUM.exists()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        pytest.skip("Debian's chromium is missing (scripts/test installs it with apt)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def fresh_server(pg_admin_url: str, template_database: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    url = await create_database(pg_admin_url, template_database)
    running = RunningServer(make_settings(url, tmp_path / "data"))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
        await drop_database(pg_admin_url, url)


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    opened = await context.new_page()
    problems: list[str] = []

    def on_console(message: Any) -> None:
        # Failed loads are judged by on_response: form pages answer 400 on purpose.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} {response.url}")

    opened.on("console", on_console)
    opened.on("response", on_response)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    try:
        yield opened
    finally:
        await context.close()
    assert not problems, f"console errors in the browser: {problems}"


async def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    """Playwright creates the folder."""
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
