"""Delivering one MIME message over SMTP, the way PocketBase's mailer does (blocking: call it in a thread).

``tls: true`` is implicit TLS (``SMTP_SSL``, usually port 465). Otherwise the connection starts in
plain text and upgrades with STARTTLS when the server offers it (certificates are verified). With a
username or password set, ``authMethod`` ``LOGIN`` uses AUTH LOGIN and anything else AUTH PLAIN; like
Go's ``smtp.PlainAuth``, credentials are only sent over TLS or to localhost. ``localName`` is the
EHLO name (``localhost`` when empty).

Every failure comes out as ``DeliveryError`` whose text never contains the password (nor its base64
forms, which an SMTP server could echo back).
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

__all__ = ["DeliveryError", "SmtpConfig", "SmtpDisabledError", "deliver"]

_LOCALHOST = frozenset({"localhost", "127.0.0.1", "::1"})


class DeliveryError(Exception):
    """A message could not be handed to the SMTP server. ``permanent``: retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class SmtpDisabledError(DeliveryError):
    def __init__(self) -> None:
        super().__init__("SMTP is disabled in the settings (smtp.enabled is false).")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    auth_method: str = ""
    tls: bool = False
    local_name: str = ""
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, app_settings: Mapping[str, Any], *, timeout: float = 30.0) -> SmtpConfig:
        """The SMTP part of the settings document; ``SmtpDisabledError`` when it is switched off."""
        smtp = app_settings.get("smtp", {})
        if not smtp.get("enabled"):
            raise SmtpDisabledError()
        return cls(
            host=smtp.get("host", ""),
            port=int(smtp.get("port", 0)),
            username=smtp.get("username", ""),
            password=smtp.get("password", ""),
            auth_method=smtp.get("authMethod", ""),
            tls=bool(smtp.get("tls")),
            local_name=smtp.get("localName", ""),
            timeout=timeout,
        )

    def redact(self, text: str) -> str:
        """``text`` without the password or the base64 forms an AUTH exchange would carry it in."""
        if not self.password:
            return text
        plain = f"\0{self.username}\0{self.password}".encode()
        for secret in (self.password, _b64(self.password.encode()), _b64(plain)):
            text = text.replace(secret, "***")
        return text


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    local = config.local_name or "localhost"
    if config.tls:
        return smtplib.SMTP_SSL(
            config.host, config.port, local_hostname=local, timeout=config.timeout, context=ssl.create_default_context()
        )
    return smtplib.SMTP(config.host, config.port, local_hostname=local, timeout=config.timeout)


def _login(client: smtplib.SMTP, config: SmtpConfig, encrypted: bool) -> None:
    if not (config.username or config.password):
        return
    if not encrypted and config.host.lower() not in _LOCALHOST:
        raise DeliveryError(
            "refusing to send SMTP credentials over an unencrypted connection "
            "(enable tls, or use a server that offers STARTTLS)"
        )
    client.user, client.password = config.username, config.password
    if config.auth_method == "LOGIN":
        client.auth("LOGIN", client.auth_login)
    else:
        client.auth("PLAIN", client.auth_plain)


def _send(config: SmtpConfig, message: EmailMessage) -> None:
    with _connect(config) as client:
        client.ehlo()
        encrypted = config.tls
        if not encrypted and client.has_extn("starttls"):
            # Loading the CA store costs ~0.1 s: only when the connection is encrypted.
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
            encrypted = True
        _login(client, config, encrypted)
        client.send_message(message)


def _is_permanent(exc: Exception) -> bool:
    # 5xx answers to the envelope or the data: the server will refuse this message again.
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "all recipients were refused: " + "; ".join(
            f"{address}: {code} {reply.decode(errors='replace')}" for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{type(exc).__name__}: {exc.smtp_code} {reply}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def deliver(config: SmtpConfig, message: EmailMessage) -> None:
    """Send ``message`` to the addresses in its headers. Blocking: run it with ``asyncio.to_thread``.

    Raises:
        DeliveryError: connection, TLS, authentication or SMTP failure (password redacted).
    """
    try:
        _send(config, message)
    except DeliveryError as exc:
        raise DeliveryError(config.redact(exc.message), permanent=exc.permanent) from None
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        # ``from None``: the original exception (and its arguments) stays out of logs and tracebacks.
        raise DeliveryError(config.redact(_describe(exc)), permanent=_is_permanent(exc)) from None
