"""The official PocketBase JavaScript SDK (npm ``pocketbase``) drives a live baas server."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.auth.oauth2.idp import IdpUser, LocalIdP
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, RunningServer
from tests.mail.smtp_server import SmtpServer, configure_smtp

JS_DIR = Path(__file__).parent / "js"


async def run_node(script: str, server: RunningServer, **env: str) -> str:
    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "pocketbase").exists():
        pytest.fail("node and tests/js/node_modules are required (scripts/test installs them)")
    process = await asyncio.create_subprocess_exec(
        node,
        str(JS_DIR / script),
        env={
            **os.environ,
            "BAAS_URL": server.url,
            "SU_EMAIL": SUPERUSER_EMAIL,
            "SU_PASSWORD": SUPERUSER_PASSWORD,
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    return text


async def test_records_with_the_pocketbase_js_sdk(server: RunningServer, superuser_token: str) -> None:
    output = await run_node("records.mjs", server)
    assert "records acceptance: ok" in output


async def test_realtime_with_the_pocketbase_js_sdk(server: RunningServer, superuser_token: str) -> None:
    output = await run_node("realtime.mjs", server)
    assert "realtime acceptance: ok" in output


async def test_oauth2_with_the_pocketbase_js_sdk(server: RunningServer, superuser_token: str) -> None:
    idp = LocalIdP()
    await idp.start()
    try:
        idp.login_as(IdpUser(sub="1001", email="ann@example.com", name="Ann Lee", username="ann"))
        output = await run_node(
            "oauth2.mjs", server, IDP_URL=idp.url, IDP_CLIENT_ID=idp.client_id, IDP_CLIENT_SECRET=idp.client_secret
        )
    finally:
        await idp.stop()
    assert "oauth2 acceptance: ok" in output


async def test_files_with_the_pocketbase_js_sdk(server: RunningServer, superuser_token: str) -> None:
    output = await run_node("files.mjs", server)
    assert "files acceptance: ok" in output


class _MailHandler(BaseHTTPRequestHandler):
    """``GET /mails?to=ADDRESS``: what the SMTP server received for ADDRESS, oldest first, as JSON."""

    smtp: SmtpServer

    def do_GET(self) -> None:
        address = parse_qs(urlsplit(self.path).query).get("to", [""])[0]
        with self.smtp.lock:
            received = [m for m in self.smtp.messages if address in m.rcpt_tos]
        body = json.dumps(
            [{"subject": m.subject, "text": m.text, "html": m.html, "links": m.links()} for m in received]
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


async def test_auth_with_the_pocketbase_js_sdk(
    server: RunningServer, superuser_token: str, smtp_server: SmtpServer
) -> None:
    await configure_smtp(server, smtp_server)
    handler = type("Handler", (_MailHandler,), {"smtp": smtp_server})
    mail_http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=mail_http.serve_forever, daemon=True)
    thread.start()
    try:
        output = await run_node("auth.mjs", server, MAIL_URL=f"http://127.0.0.1:{mail_http.server_address[1]}")
    finally:
        mail_http.shutdown()
        mail_http.server_close()
    assert "auth acceptance: ok" in output
