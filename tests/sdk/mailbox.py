"""A minimal SMTP server that keeps every message, so auth flows can read their codes and tokens."""

from __future__ import annotations

import email
import email.policy
import re
import socketserver
import threading
import time
from email.message import EmailMessage


class _Session(socketserver.StreamRequestHandler):
    server: Mailbox

    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._say("220 sdk-tests ESMTP")
        recipients: list[str] = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode(errors="replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 sdk-tests")
            elif verb == "MAIL":
                recipients = []
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with .")
                lines: list[bytes] = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                self.server.received.append((recipients, message))  # type: ignore[arg-type]
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 OK")


class Mailbox(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.received: list[tuple[list[str], EmailMessage]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def wait_for(self, recipient: str, after: int = 0, timeout: float = 10) -> str:
        """The text of the first message to ``recipient`` among those received after index ``after``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for recipients, message in self.received[after:]:
                if recipient in recipients:
                    body = message.get_body(("html", "plain"))
                    return str(body.get_content() if body is not None else message.get_content())
            time.sleep(0.05)
        raise AssertionError(f"no mail to {recipient}")


def find_token(text: str) -> str:
    match = re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", text)
    assert match, text
    return match.group(0)


def find_code(text: str) -> str:
    match = re.search(r"\b(\d{6,10})\b", re.sub(r"<[^>]+>", " ", text))
    assert match, text
    return match.group(1)
