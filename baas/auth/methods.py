"""``GET /api/collections/{collection}/auth-methods``: what a client may offer to sign in."""

from __future__ import annotations

from typing import Any

from baas.collections.model import Collection

__all__ = ["auth_methods"]


def auth_methods(collection: Collection, oauth2: dict[str, Any] | None = None) -> dict[str, Any]:
    options = collection.auth_options
    password = options["passwordAuth"]
    identity_fields = list(password["identityFields"])
    mfa, otp = options["mfa"], options["otp"]
    oauth2_section = oauth2 or {"providers": [], "enabled": False}
    return {
        "password": {"identityFields": identity_fields, "enabled": bool(password["enabled"])},
        "oauth2": oauth2_section,
        # Durations are reported as 0 while the method is off, like PocketBase.
        "mfa": {"enabled": bool(mfa["enabled"]), "duration": int(mfa["duration"]) if mfa["enabled"] else 0},
        "otp": {"enabled": bool(otp["enabled"]), "duration": int(otp["duration"]) if otp["enabled"] else 0},
        # Legacy keys kept by PocketBase for older SDKs.
        "authProviders": oauth2_section.get("providers", []),
        "usernamePassword": bool(password["enabled"]) and "username" in identity_fields,
        "emailPassword": bool(password["enabled"]) and "email" in identity_fields,
    }
