"""Apple's first-consent name, carried from the redirect to ``auth-with-oauth2``.

Apple posts the user's name (the ``user`` form field) to the redirect URL once, at the first consent,
and never puts it in a token. The redirect handler (``/api/oauth2-redirect``, with realtime) calls
:func:`remember_apple_name`; the sign-in with the same code takes it back with :func:`take_apple_name`.
Kept in this process for a minute, like PocketBase's app store; a deployment with several nodes
loses the name when the two requests land on different nodes (the sign-in still succeeds).
"""

from __future__ import annotations

import json
import time

__all__ = ["remember_apple_name", "take_apple_name"]

_TTL_SECONDS = 60.0
_MAX_ENTRIES = 1000
_names: dict[str, tuple[float, str]] = {}


def remember_apple_name(code: str, user_json: str) -> None:
    """Keep the full name from Apple's ``user`` form value (``{"name": {"firstName", "lastName"}}``)."""
    if not code or len(code) > 1000 or not user_json or len(user_json) > 10_000:
        return
    try:
        data = json.loads(user_json)
    except ValueError:
        return
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, dict):
        return
    parts = [name.get("firstName"), name.get("lastName")]
    full = " ".join(p for p in parts if isinstance(p, str))[:150].strip()
    if not full:
        return
    now = time.monotonic()
    for key in [k for k, (expires, _) in _names.items() if expires <= now]:
        del _names[key]
    if len(_names) < _MAX_ENTRIES:
        _names[code] = (now + _TTL_SECONDS, full)


def take_apple_name(code: str) -> str:
    """The name remembered for ``code`` (once), or ''."""
    entry = _names.pop(code, None)
    if entry is None or entry[0] <= time.monotonic():
        return ""
    return entry[1]
