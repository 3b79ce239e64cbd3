"""Microsoft (Entra ID, the ``common`` tenant by default): Microsoft Graph's ``/me``.

Like PocketBase the ``mail`` attribute is taken as the email. It is set by the account's tenant, so
for sign-ins that link to existing accounts by email, pin ``authURL``/``tokenURL`` to your own tenant
(see docs/auth-oauth2.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.auth.oauth2.providers.base import AuthUser, Provider, text

__all__ = ["Microsoft"]


class Microsoft(Provider):
    NAME = "microsoft"
    DISPLAY_NAME = "Microsoft"
    SCOPES = ("User.Read",)
    AUTH_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    EXCHANGE_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    USERINFO_URL = "https://graph.microsoft.com/v1.0/me"

    def to_user(self, raw: Mapping[str, Any]) -> AuthUser:
        return AuthUser(id=text(raw, "id"), name=text(raw, "displayName"), email=text(raw, "mail"))
