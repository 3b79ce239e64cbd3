"""Options of ``auth`` collections: defaults, merging of submitted values, validation, secrets.

The options are kept as plain JSON-shaped dicts (they are stored and served that way); this module
knows their shape. Token secrets and OAuth2 client secrets are generated/kept here and never leave
the server: ``public_auth_options`` strips them.
"""

from __future__ import annotations

import copy
import secrets
import string
from collections.abc import Mapping
from typing import Any

from baas.collections.fields.base import InvalidOptionsError
from baas.errors import FieldError

__all__ = [
    "AUTH_OPTION_KEYS",
    "OAUTH2_PROVIDER_NAMES",
    "TOKEN_KINDS",
    "default_auth_options",
    "merge_options",
    "public_auth_options",
    "validate_auth_options",
]

# The OAuth2 providers baas implements (baas.auth.oauth2.providers.PROVIDERS has one class for each).
OAUTH2_PROVIDER_NAMES = frozenset(
    {"oidc", "oidc2", "oidc3", "google", "apple", "github", "microsoft", "gitlab", "discord", "facebook"}
)

TOKEN_KINDS = ("authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken")

_VERIFICATION_BODY = (
    "<p>Hello,</p>\n<p>Thank you for joining us at {APP_NAME}.</p>\n"
    "<p>Click on the button below to verify your email address.</p>\n<p>\n"
    '  <a class="btn" href="{APP_URL}/_/#/auth/confirm-verification/{TOKEN}" target="_blank" '
    'rel="noopener">Verify</a>\n</p>\n<p><i>If you didn\'t recently register, please ignore this email.</i></p>\n'
    "<p>\n  Thanks,<br/>\n  {APP_NAME} team\n</p>"
)
_RESET_BODY = (
    "<p>Hello,</p>\n<p>Click on the button below to reset your password.</p>\n<p>\n"
    '  <a class="btn" href="{APP_URL}/_/#/auth/confirm-password-reset/{TOKEN}" target="_blank" '
    'rel="noopener">Reset password</a>\n</p>\n'
    "<p><i>If you didn't ask to reset your password, please ignore this email.</i></p>\n<p>\n"
    "  Thanks,<br/>\n  {APP_NAME} team\n</p>"
)
_EMAIL_CHANGE_BODY = (
    "<p>Hello,</p>\n<p>Click on the button below to confirm your new email address.</p>\n<p>\n"
    '  <a class="btn" href="{APP_URL}/_/#/auth/confirm-email-change/{TOKEN}" target="_blank" '
    'rel="noopener">Confirm new email</a>\n</p>\n'
    "<p><i>If you didn't ask to change your email address, please ignore this email.</i></p>\n<p>\n"
    "  Thanks,<br/>\n  {APP_NAME} team\n</p>"
)
_OTP_BODY = (
    "<p>Hello,</p>\n<p>Your one-time password is: <strong>{OTP}</strong></p>\n"
    "<p><i>If you didn't ask for the one-time password, you can ignore this email.</i></p>\n<p>\n"
    "  Thanks,<br/>\n  {APP_NAME} team\n</p>"
)
_ALERT_BODY = (
    "<p>Hello,</p>\n<p>We noticed a login to your {APP_NAME} account from a new location:</p>\n"
    "<p><em>{ALERT_INFO}</em></p>\n"
    "<p><strong>If this wasn't you, you should immediately change your {APP_NAME} account password to "
    "revoke access from all other locations.</strong></p>\n"
    "<p>If this was you, you may disregard this email.</p>\n<p>\n  Thanks,<br/>\n  {APP_NAME} team\n</p>"
)

_DEFAULTS: dict[str, Any] = {
    "authRule": "",
    "manageRule": None,
    "authAlert": {
        "enabled": True,
        "emailTemplate": {"subject": "Login from a new location", "body": _ALERT_BODY},
    },
    "oauth2": {
        "providers": [],
        "mappedFields": {"id": "", "name": "", "username": "", "avatarURL": ""},
        "enabled": False,
    },
    "passwordAuth": {"enabled": True, "identityFields": ["email"]},
    "mfa": {"enabled": False, "duration": 600, "rule": ""},
    "otp": {
        "enabled": False,
        "duration": 180,
        "length": 8,
        "emailTemplate": {"subject": "OTP for {APP_NAME}", "body": _OTP_BODY},
    },
    "authToken": {"duration": 432000},
    "passwordResetToken": {"duration": 1800},
    "emailChangeToken": {"duration": 1800},
    "verificationToken": {"duration": 86400},
    "fileToken": {"duration": 180},
    "verificationTemplate": {"subject": "Verify your {APP_NAME} email", "body": _VERIFICATION_BODY},
    "resetPasswordTemplate": {"subject": "Reset your {APP_NAME} password", "body": _RESET_BODY},
    "confirmEmailChangeTemplate": {"subject": "Confirm your {APP_NAME} new email address", "body": _EMAIL_CHANGE_BODY},
}

AUTH_OPTION_KEYS = tuple(_DEFAULTS)

_SECRET_ALPHABET = string.ascii_letters + string.digits


def _new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(50))


def default_auth_options() -> dict[str, Any]:
    """Fresh defaults, with newly generated token secrets."""
    options = copy.deepcopy(_DEFAULTS)
    for kind in TOKEN_KINDS:
        options[kind]["secret"] = _new_secret()
    return options


def merge_options(current: Mapping[str, Any], submitted: Mapping[str, Any]) -> dict[str, Any]:
    """Apply submitted auth options over current ones, the way Go's decoder fills an existing struct.

    Objects merge key by key; lists and scalars replace. Every value must have the JSON type of the
    default it replaces (``InvalidOptionsError`` otherwise); unknown keys are ignored.
    """
    result = copy.deepcopy(dict(current))
    for key, default in _DEFAULTS.items():
        if key in submitted:
            result[key] = _merge_value(key, default, result.get(key), submitted[key])
    return result


def _merge_value(path: str, default: Any, current: Any, value: Any) -> Any:
    if path in {"authRule", "manageRule"}:
        if value is None or isinstance(value, str):
            return value
        raise InvalidOptionsError(f"invalid {path}")
    if isinstance(default, dict):
        if value is None:
            return current
        if not isinstance(value, Mapping):
            raise InvalidOptionsError(f"invalid {path}")
        merged = dict(current or {})
        for key, sub_default in default.items():
            if key in value:
                merged[key] = _merge_value(f"{path}.{key}", sub_default, merged.get(key), value[key])
        if path.endswith("Token") and isinstance(value.get("secret"), str) and value["secret"]:
            merged["secret"] = value["secret"]
        return merged
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
            return int(value)
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif isinstance(default, list):
        if path == "oauth2.providers":
            return _merge_providers(current or [], value)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return list(dict.fromkeys(value))
    if value is None:
        return current
    raise InvalidOptionsError(f"invalid {path}")


_PROVIDER_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "clientId": str,
    "clientSecret": str,
    "authURL": str,
    "tokenURL": str,
    "userInfoURL": str,
    "displayName": str,
    "pkce": (bool, type(None)),
    "extra": (dict, type(None)),
}


def _merge_providers(current: list[dict[str, Any]], value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InvalidOptionsError("invalid oauth2.providers")
    previous = {p.get("name"): p for p in current}
    providers = []
    for item in value:
        if not isinstance(item, Mapping):
            raise InvalidOptionsError("invalid oauth2.providers")
        provider: dict[str, Any] = {
            "pkce": None,
            "name": "",
            "clientId": "",
            "clientSecret": "",
            "authURL": "",
            "tokenURL": "",
            "userInfoURL": "",
            "displayName": "",
            "extra": None,
        }
        for key, kind in _PROVIDER_KEYS.items():
            if key in item:
                if not isinstance(item[key], kind):
                    raise InvalidOptionsError(f"invalid oauth2.providers.{key}")
                provider[key] = item[key]
        # The dashboard and SDKs never see the client secret, so an update without it keeps it.
        if not provider["clientSecret"] and provider["name"] in previous:
            provider["clientSecret"] = previous[provider["name"]].get("clientSecret", "")
        providers.append(provider)
    return providers


def _in_default_order(value: Any, default: Any) -> Any:
    """``value`` with its keys in the order of ``default`` (PocketBase's struct order; JSONB sorts keys)."""
    if not isinstance(value, Mapping) or not isinstance(default, Mapping):
        return value
    ordered = {key: _in_default_order(value[key], default[key]) for key in default if key in value}
    ordered.update((key, item) for key, item in value.items() if key not in ordered)
    return ordered


def public_auth_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options as served by the API: without token secrets and OAuth2 client secrets."""
    public: dict[str, Any] = _in_default_order(copy.deepcopy(dict(options)), _DEFAULTS)
    oauth2 = public.get("oauth2")
    if isinstance(oauth2, dict) and isinstance(oauth2.get("providers"), list):
        oauth2["providers"] = [_in_default_order(p, _PROVIDER_KEYS) for p in oauth2["providers"]]
    for kind in TOKEN_KINDS:
        public.get(kind, {}).pop("secret", None)
    for provider in public.get("oauth2", {}).get("providers", []):
        provider.pop("clientSecret", None)
    return public


def validate_auth_options(options: Mapping[str, Any], field_names: set[str], unique_single: set[str]) -> dict[str, Any]:
    """Errors keyed like the JSON (``{"mfa": {"enabled": FieldError}}``); empty when valid.

    Rules (authRule, manageRule, mfa.rule) are checked by the caller with the rule checker.
    ``unique_single`` are the field names that have a single-column UNIQUE index.
    """
    errors: dict[str, Any] = {}
    for kind in TOKEN_KINDS:
        token = options[kind]
        problems: dict[str, FieldError] = {}
        if not 30 <= len(token.get("secret", "")) <= 255:
            problems["secret"] = FieldError("validation_length_out_of_range", "The length must be between 30 and 255.")
        if not 10 <= token["duration"] <= 94670856:
            problems["duration"] = _range_error(10, 94670856, token["duration"])
        if problems:
            errors[kind] = problems
    for key in ("otp", "mfa"):
        section = options[key]
        if section["enabled"] and not 10 <= section["duration"] <= 86400:
            errors[key] = {"duration": _range_error(10, 86400, section["duration"])}
    if options["otp"]["enabled"] and options["otp"]["length"] < 4:
        errors.setdefault("otp", {})["length"] = FieldError(
            "validation_min_greater_equal_than_required", "Must be no less than 4.", {"threshold": 4}
        )
    for key in ("verificationTemplate", "resetPasswordTemplate", "confirmEmailChangeTemplate"):
        template_errors = _template_errors(options[key])
        if template_errors:
            errors[key] = template_errors
    for key in ("authAlert", "otp"):
        template_errors = _template_errors(options[key]["emailTemplate"])
        if template_errors:
            errors.setdefault(key, {})["emailTemplate"] = template_errors
    if options["manageRule"] == "":
        errors["manageRule"] = FieldError("validation_nil_or_not_empty_required", "Must be blank or not empty.")
    mfa = options["mfa"]
    enabled = sum(bool(options[k]["enabled"]) for k in ("passwordAuth", "oauth2", "otp"))
    if mfa["enabled"] and enabled < 2:
        errors.setdefault("mfa", {})["enabled"] = FieldError(
            "validation_mfa_not_enough_auths", "MFA requires at least 2 auth methods to be enabled."
        )
    password_auth = options["passwordAuth"]
    if password_auth["enabled"]:
        identity_error = _identity_error(password_auth["identityFields"], field_names, unique_single)
        if identity_error:
            errors["passwordAuth"] = {"identityFields": identity_error}
    if options["oauth2"]["enabled"]:
        provider_errors = _provider_errors(options["oauth2"]["providers"])
        if provider_errors:
            errors.setdefault("oauth2", {})["providers"] = provider_errors
    return errors


def _provider_errors(providers: list[dict[str, Any]]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    seen: set[str] = set()
    for index, provider in enumerate(providers):
        problems: dict[str, FieldError] = {}
        name = provider["name"]
        if not name:
            problems["name"] = FieldError("validation_required", "Cannot be blank.")
        elif name not in OAUTH2_PROVIDER_NAMES:
            problems["name"] = FieldError("validation_missing_provider", "Invalid or missing provider.")
        elif name in seen:
            problems["name"] = FieldError(
                "validation_duplicated_provider", f"The provider {name} is already registered.", {"name": name}
            )
        for key in ("clientId", "clientSecret"):
            if not provider[key]:
                problems[key] = FieldError("validation_required", "Cannot be blank.")
        if problems:
            errors[str(index)] = problems
        seen.add(name)
    return errors


def _identity_error(identity: list[str], field_names: set[str], unique_single: set[str]) -> FieldError | None:
    if not identity:
        return FieldError("validation_required", "Cannot be blank.")
    for name in identity:
        if name not in field_names:
            return FieldError("validation_missing_field", f"Invalid or missing field {name}", {"fieldName": name})
        if name not in unique_single:
            return FieldError(
                "validation_missing_unique_constraint",
                f"The field {name} doesn't have a UNIQUE constraint.",
                {"fieldName": name},
            )
    return None


def _template_errors(template: Mapping[str, Any]) -> dict[str, FieldError]:
    return {
        key: FieldError("validation_required", "Cannot be blank.")
        for key in ("subject", "body")
        if not template.get(key)
    }


def _range_error(low: int, high: int, value: int) -> FieldError:
    if value < low:
        return FieldError(
            "validation_min_greater_equal_than_required", f"Must be no less than {low}.", {"threshold": low}
        )
    return FieldError(
        "validation_max_less_equal_than_required", f"Must be no greater than {high}.", {"threshold": high}
    )
