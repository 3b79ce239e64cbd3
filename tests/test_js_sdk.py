"""The official PocketBase JavaScript SDK (npm ``pocketbase``) drives a live baas server."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from tests.auth.oauth2.idp import IdpUser, LocalIdP
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, RunningServer

JS_DIR = Path(__file__).parent / "js"


async def run_node(script: str, server: RunningServer, **env: str) -> str:
    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "pocketbase").exists():
        pytest.fail("node and tests/js/node_modules are required (scripts/test installs them)")
    process = await asyncio.create_subprocess_exec(
        node, str(JS_DIR / script),
        env={**os.environ, "BAAS_URL": server.url, "SU_EMAIL": SUPERUSER_EMAIL, "SU_PASSWORD": SUPERUSER_PASSWORD,
             **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    return text


async def test_records_with_the_pocketbase_js_sdk(server: RunningServer, superuser_token: str) -> None:
    output = await run_node("records.mjs", server)
    assert "records acceptance: ok" in output


async def test_oauth2_with_the_pocketbase_js_sdk(server: RunningServer, superuser_token: str) -> None:
    idp = LocalIdP()
    await idp.start()
    try:
        idp.login_as(IdpUser(sub="1001", email="ann@example.com", name="Ann Lee", username="ann"))
        output = await run_node("oauth2.mjs", server, IDP_URL=idp.url, IDP_CLIENT_ID=idp.client_id,
                                IDP_CLIENT_SECRET=idp.client_secret)  # fmt: skip
    finally:
        await idp.stop()
    assert "oauth2 acceptance: ok" in output
