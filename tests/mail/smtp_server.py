"""A real SMTP server for tests (aiosmtpd, in its own thread) that records what it receives.

Used through the ``smtp_server`` fixture (tests/conftest.py) and ``configure_smtp``, which points a
running app's SMTP settings at it::

    async def test_reset(server, smtp_server):
        await configure_smtp(server, smtp_server)
        ...  # trigger a mail
        [mail] = await smtp_server.wait_for(1)
        token = mail.links()[0].rsplit("/", 1)[1]
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

__all__ = ["ReceivedMail", "SmtpServer", "configure_smtp", "smtp_settings"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += [value for key, value in attrs if key == "href" and value]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    helo: str | None = None
    login: str | None = None
    tls: bool = False

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        return "" if part is None else str(part.get_content())  # type: ignore[attr-defined]

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        return "" if part is None else str(part.get_content())  # type: ignore[attr-defined]

    def links(self) -> list[str]:
        parser = _Links()
        parser.feed(self.html)
        return parser.links

    def find(self, pattern: str) -> str:
        """The first match (group 1 if the pattern has one) of ``pattern`` in the text part."""
        match = re.search(pattern, self.text)
        assert match is not None, f"{pattern!r} not found in:\n{self.text}"
        return match.group(1) if match.groups() else match.group(0)


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        owner = self.owner
        with owner.lock:
            owner.attempts += 1
            if owner.rejections > 0:
                owner.rejections -= 1
                return owner.rejection
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=policy.default).parsebytes(raw if isinstance(raw, bytes) else raw.encode())
        auth = session.auth_data
        mail = ReceivedMail(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            message=message,  # type: ignore[arg-type]
            helo=session.host_name,
            login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
            tls=session.ssl is not None,
        )
        with owner.lock:
            owner.messages.append(mail)
        return "250 OK"


class _Controller(Controller):
    def _trigger_server(self) -> None:
        # Bound to port 0: learn the real port before the readiness probe connects.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SmtpServer:
    """An SMTP server on 127.0.0.1. ``credentials`` (login, password) makes AUTH mandatory;
    ``tls_context`` offers STARTTLS, or with ``implicit_tls`` serves TLS from the first byte."""

    credentials: tuple[str, str] | None = None
    tls_context: ssl.SSLContext | None = None
    implicit_tls: bool = False
    host: str = "127.0.0.1"
    messages: list[ReceivedMail] = field(default_factory=list)
    attempts: int = 0
    rejections: int = 0
    rejection: str = "451 4.3.0 Try again later"
    lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    @property
    def port(self) -> int:
        assert self._controller is not None
        return int(self._controller.port)

    def start(self) -> None:
        options: dict[str, Any] = {"auth_require_tls": False}
        if self.credentials is not None:
            options |= {"auth_required": True, "authenticator": self._authenticate}
        if self.tls_context is not None and not self.implicit_tls:
            options["tls_context"] = self.tls_context
        self._controller = _Controller(
            _Handler(self),
            hostname=self.host,
            port=0,
            ready_timeout=10,
            server_hostname="localhost",
            ssl_context=self.tls_context if self.implicit_tls else None,
            **options,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        assert self.credentials is not None
        if isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == self.credentials:
            return AuthResult(success=True, auth_data=data)
        # A careless server that echoes what it got: the client must still keep the password out of errors.
        echoed = data.password.decode() if isinstance(data, LoginPassword) else "?"
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 Bad credentials ({echoed})")

    def reject(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        """Refuse the next ``count`` messages at DATA with ``reply``."""
        with self.lock:
            self.rejections, self.rejection = count, reply

    async def wait_for(self, count: int = 1, within: float = 15.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + within
        while True:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} mail(s), received {len(self.messages)}")
            await asyncio.sleep(0.02)


def smtp_settings(smtp: SmtpServer | None, **overrides: Any) -> dict[str, Any]:
    """The ``smtp`` settings section pointing at ``smtp`` (None: enabled, but nothing listens there)."""
    settings: dict[str, Any] = {
        "enabled": True,
        "host": "127.0.0.1",
        "port": smtp.port if smtp else 1,
        "tls": False,
        "username": "",
        "password": "",
        "authMethod": "",
        "localName": "",
    }
    if smtp is not None and smtp.credentials is not None:
        settings |= {"username": smtp.credentials[0], "password": smtp.credentials[1]}
    return settings | overrides


async def configure_smtp(server: Any, smtp: SmtpServer | None, **overrides: Any) -> None:
    """Point a ``RunningServer``'s SMTP settings at ``smtp`` (``overrides`` change single keys)."""
    runtime = server.runtime
    await runtime.app_settings.update(runtime.engine, {"smtp": smtp_settings(smtp, **overrides)})
