"""A mail to send, and its MIME form (``multipart/alternative``: plain text, then HTML)."""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from baas.mail.text import html_to_text

__all__ = ["Message", "build_email", "sender_of"]


@dataclass(frozen=True)
class Message:
    """One mail. ``text`` empty: derived from ``html``. ``headers`` may set ``From``, ``Reply-To``, ..."""

    to: tuple[str, ...]
    subject: str
    html: str
    text: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


def sender_of(app_settings: Mapping[str, Any]) -> str:
    """``"Sender Name <sender@address>"`` from the settings' ``meta``."""
    meta = app_settings.get("meta", {})
    return email.utils.formataddr((meta.get("senderName", ""), meta.get("senderAddress", "")))


def _clean(value: str) -> str:
    # A line break in a header value would start a new header.
    return " ".join(value.split())


def build_email(message: Message, sender: str) -> EmailMessage:
    """The MIME message, with ``From`` = ``sender`` unless the message's headers set one.

    Raises:
        ValueError: an address or header the mail format cannot carry.
    """
    mime = EmailMessage(policy=email.policy.SMTP)
    headers = {key: value for key, value in message.headers.items()}
    mime["From"] = _clean(headers.pop("From", "") or sender)
    mime["To"] = ", ".join(_clean(address) for address in message.to)
    mime["Subject"] = _clean(message.subject)
    mime["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    domain = email.utils.parseaddr(str(mime["From"]))[1].rpartition("@")[2] or None
    if not any(key.lower() == "message-id" for key in headers):
        mime["Message-ID"] = email.utils.make_msgid(domain=domain)
    for key, value in headers.items():
        if not key or any(c in key for c in ":\r\n ") or key.lower() in {"to", "subject", "date"}:
            raise ValueError(f"invalid mail header name {key!r}")
        mime[key] = _clean(value)
    mime.set_content(message.text or html_to_text(message.html))
    mime.add_alternative(message.html, subtype="html")
    return mime
