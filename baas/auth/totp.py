"""TOTP (RFC 6238) second factor for auth records: enrolment with a QR-able otpauth URL, confirmation
with a first code (which returns one-time recovery codes), verification, and disabling with a code.

The state lives in ``baas.totp`` (never exposed through the records API). Codes are 6 digits over
30-second steps with one step of clock drift allowed either way; a step that was used once cannot
be used again (no replay within its window). Recovery codes are stored as SHA-256 hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import struct
import time
from typing import Any
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = [
    "code_at",
    "confirm_totp",
    "disable_totp",
    "has_totp",
    "start_enrolment",
    "verify_totp",
]

STEP = 30
DIGITS = 6
RECOVERY_CODES = 10


def _hotp(secret: bytes, counter: int) -> str:
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def _decode(secret_b32: str) -> bytes:
    padded = secret_b32 + "=" * (-len(secret_b32) % 8)
    return base64.b32decode(padded, casefold=True)


def code_at(secret_b32: str, moment: float | None = None) -> str:
    """The code for a moment (now by default): what an authenticator app shows."""
    return _hotp(_decode(secret_b32), int((time.time() if moment is None else moment) // STEP))


def _matching_step(secret_b32: str, code: str) -> int | None:
    if not code.isdigit() or len(code) != DIGITS:
        return None
    current = int(time.time() // STEP)
    key = _decode(secret_b32)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(_hotp(key, step), code):
            return step
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()


async def _row(connection: AsyncConnection, collection_id: str, record_id: str, *, lock: bool = False) -> Any:
    query = "SELECT * FROM baas.totp WHERE collection_id = :c AND record_id = :r" + (" FOR UPDATE" if lock else "")
    return (await connection.execute(text(query), {"c": collection_id, "r": record_id})).mappings().first()


async def has_totp(connection: AsyncConnection, collection_id: str, record_id: str) -> bool:
    row = await _row(connection, collection_id, record_id)
    return row is not None and bool(row["confirmed"])


async def start_enrolment(
    connection: AsyncConnection, collection_id: str, record_id: str, issuer: str, account: str
) -> dict[str, str]:
    """A new secret (replacing an unconfirmed one); refuses when TOTP is already on."""
    if await has_totp(connection, collection_id, record_id):
        raise ValueError("TOTP is already enabled; disable it first.")
    secret = base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")
    await connection.execute(
        text(
            "INSERT INTO baas.totp (collection_id, record_id, secret, confirmed, recovery_codes, last_step) "
            "VALUES (:c, :r, :s, false, '[]'::jsonb, 0) ON CONFLICT (collection_id, record_id) "
            "DO UPDATE SET secret = excluded.secret, confirmed = false, recovery_codes = '[]'::jsonb, last_step = 0"
        ),
        {"c": collection_id, "r": record_id, "s": secret},
    )
    label = quote(f"{issuer}:{account}")
    url = f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&algorithm=SHA1&digits={DIGITS}&period={STEP}"
    return {"secret": secret, "otpauthURL": url}


async def confirm_totp(connection: AsyncConnection, collection_id: str, record_id: str, code: str) -> list[str] | None:
    """Turn TOTP on with a first valid code; returns the recovery codes (shown once), None if invalid."""
    row = await _row(connection, collection_id, record_id, lock=True)
    if row is None or row["confirmed"]:
        return None
    step = _matching_step(row["secret"], code)
    if step is None:
        return None
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    await connection.execute(
        text(
            "UPDATE baas.totp SET confirmed = true, last_step = :step, recovery_codes = CAST(:codes AS jsonb) "
            "WHERE collection_id = :c AND record_id = :r"
        ),
        {"step": step, "codes": _json([_hash(c) for c in codes]), "c": collection_id, "r": record_id},
    )
    return codes


async def verify_totp(connection: AsyncConnection, collection_id: str, record_id: str, code: str) -> bool:
    """A current code (not used before) or an unused recovery code (consumed)."""
    row = await _row(connection, collection_id, record_id, lock=True)
    if row is None or not row["confirmed"]:
        return False
    step = _matching_step(row["secret"], code.strip())
    if step is not None:
        if step <= row["last_step"]:
            return False  # replay of a code that was already accepted
        await connection.execute(
            text("UPDATE baas.totp SET last_step = :step WHERE collection_id = :c AND record_id = :r"),
            {"step": step, "c": collection_id, "r": record_id},
        )
        return True
    hashed = _hash(code)
    remaining = list(row["recovery_codes"])
    if hashed not in remaining:
        return False
    remaining.remove(hashed)
    await connection.execute(
        text("UPDATE baas.totp SET recovery_codes = CAST(:codes AS jsonb) WHERE collection_id = :c AND record_id = :r"),
        {"codes": _json(remaining), "c": collection_id, "r": record_id},
    )
    return True


async def disable_totp(connection: AsyncConnection, collection_id: str, record_id: str, code: str) -> bool:
    if not await verify_totp(connection, collection_id, record_id, code):
        return False
    await connection.execute(
        text("DELETE FROM baas.totp WHERE collection_id = :c AND record_id = :r"), {"c": collection_id, "r": record_id}
    )
    return True


def _json(value: Any) -> str:
    return json.dumps(value)
