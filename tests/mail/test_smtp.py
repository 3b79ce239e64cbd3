"""SMTP delivery (implicit TLS, opportunistic STARTTLS, errors) and the MIME message, without a database."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from baas.mail.message import Message, build_email
from baas.mail.smtp import DeliveryError, SmtpConfig, SmtpDisabledError, deliver
from tests.mail.smtp_server import SmtpServer

MESSAGE = Message(to=("ann@example.com",), subject="Hi", html="<p>Hi <a href='https://x.test'>there</a></p>")


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (PEM files: certificate, key)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server TLS context whose certificate the client trusts (through ``SSL_CERT_FILE``)."""
    cert, key = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _serve(**options: object) -> Iterator[SmtpServer]:
    smtp = SmtpServer(**options)  # type: ignore[arg-type]
    smtp.start()
    try:
        yield smtp
    finally:
        smtp.stop()


def test_plain_connection_upgrades_with_starttls_when_offered(tls_context: ssl.SSLContext) -> None:
    for smtp in _serve(tls_context=tls_context):
        deliver(SmtpConfig(host="127.0.0.1", port=smtp.port), build_email(MESSAGE, "a@example.com"))
        [mail] = smtp.messages
        assert mail.tls


def test_plain_connection_without_starttls_stays_plain() -> None:
    for smtp in _serve():
        deliver(SmtpConfig(host="127.0.0.1", port=smtp.port), build_email(MESSAGE, "a@example.com"))
        [mail] = smtp.messages
        assert not mail.tls


def test_tls_true_means_implicit_tls(tls_context: ssl.SSLContext) -> None:
    for smtp in _serve(tls_context=tls_context, implicit_tls=True):
        deliver(SmtpConfig(host="localhost", port=smtp.port, tls=True), build_email(MESSAGE, "a@example.com"))
        assert len(smtp.messages) == 1


def test_tls_true_against_a_plain_server_fails_cleanly() -> None:
    for smtp in _serve():
        with pytest.raises(DeliveryError, match="SSLError"):
            deliver(
                SmtpConfig(host="127.0.0.1", port=smtp.port, tls=True, timeout=5), build_email(MESSAGE, "a@example.com")
            )


def test_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)  # not made trusted: no SSL_CERT_FILE
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    for smtp in _serve(tls_context=context):
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            deliver(SmtpConfig(host="127.0.0.1", port=smtp.port), build_email(MESSAGE, "a@example.com"))


def test_config_from_settings() -> None:
    with pytest.raises(SmtpDisabledError):
        SmtpConfig.from_settings({"smtp": {"enabled": False}})
    config = SmtpConfig.from_settings(
        {
            "smtp": {
                "enabled": True,
                "host": "h",
                "port": 465,
                "username": "u",
                "password": "p4ssw0rd",
                "authMethod": "LOGIN",
                "tls": True,
                "localName": "me",
            }
        }
    )
    assert (config.host, config.port, config.auth_method, config.tls) == ("h", 465, "LOGIN", True)
    assert config.local_name == "me"
    assert "p4ssw0rd" not in repr(config)


def test_mime_message() -> None:
    mime = build_email(
        Message(
            to=("ann@example.com", "Bob <bob@example.com>"),
            subject="Hé\nBcc: x@example.com",
            html="<p>Hi</p>",
            headers={"Reply-To": "help@example.com"},
        ),
        "Ünïcode Team <team@example.com>",
    )
    assert mime["Subject"] == "Hé Bcc: x@example.com"
    assert mime["Bcc"] is None
    assert mime["To"] == "ann@example.com, Bob <bob@example.com>"
    assert mime["From"] == "Ünïcode Team <team@example.com>"
    assert mime["Reply-To"] == "help@example.com"
    assert mime["Message-ID"].endswith("@example.com>")
    assert [part.get_content_type() for part in mime.iter_parts()] == ["text/plain", "text/html"]
    plain = build_email(MESSAGE, "x@example.com").get_body(("plain",))
    assert plain is not None
    assert plain.get_content().strip() == "Hi [there](https://x.test)"  # type: ignore[attr-defined]
    override = build_email(
        Message(to=("a@example.com",), subject="s", html="h", headers={"From": "o@example.org"}), "x@example.com"
    )
    assert override["From"] == "o@example.org"
    with pytest.raises(ValueError, match="invalid mail header"):
        build_email(Message(to=("a@example.com",), subject="s", html="h", headers={"X-A\nB": "v"}), "x@example.com")
