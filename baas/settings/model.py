"""The settings document: PocketBase's shape and defaults, merging of PATCH bodies, validation.

Secrets (``smtp.password``, ``s3.secret``, ``backups.s3.secret``) are stored but never served;
a PATCH that leaves them out keeps the stored value.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from baas.errors import FieldError

__all__ = [
    "SECRET_PATHS",
    "InvalidSettingsError",
    "default_settings",
    "merge_settings",
    "public_settings",
    "validate_settings",
]


class InvalidSettingsError(ValueError):
    """A submitted value has the wrong JSON type."""


def _s3() -> dict[str, Any]:
    return {
        "enabled": False,
        "bucket": "",
        "region": "",
        "endpoint": "",
        "accessKey": "",
        "secret": "",
        "forcePathStyle": False,
    }


_DEFAULTS: dict[str, Any] = {
    "superuserIPs": [],
    "smtp": {
        "enabled": False,
        "port": 587,
        "host": "smtp.example.com",
        "username": "",
        "password": "",
        "authMethod": "",
        "tls": False,
        "localName": "",
    },
    "backups": {"cron": "", "cronMaxKeep": 3, "s3": _s3()},
    "s3": _s3(),
    "meta": {
        "accentColor": "#1055c9",
        "appName": "Acme",
        "appURL": "http://localhost:8090",
        "senderName": "Support",
        "senderAddress": "support@example.com",
        "hideControls": False,
    },
    # Unlike PocketBase (off by default), baas limits the auth endpoints out of the box; the other
    # PocketBase default rules (create, batch, the whole API) are offered in the docs.
    "rateLimits": {
        "rules": [{"label": "*:auth", "audience": "", "duration": 3, "maxRequests": 4}],
        "excludedIPs": [],
        "enabled": True,
    },
    "trustedProxy": {"headers": [], "useLeftmostIP": False},
    "batch": {"enabled": False, "maxRequests": 50, "timeout": 3, "maxBodySize": 0},
    "logs": {"maxDataSize": 0, "maxDays": 5, "minLevel": 0, "logIP": True, "logAuthId": False},
    # Ours: lock an identity out after repeated failed sign-ins (see docs/auth.md).
    "lockout": {"enabled": True, "maxAttempts": 10, "window": 900, "duration": 900},
}

SECRET_PATHS = (("smtp", "password"), ("s3", "secret"), ("backups", "s3", "secret"))
_RULE_KEYS = {"label": str, "audience": str, "duration": int, "maxRequests": int}


def default_settings() -> dict[str, Any]:
    return copy.deepcopy(_DEFAULTS)


def merge_settings(current: Mapping[str, Any], submitted: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a PATCH body: objects merge key by key, lists and scalars replace; unknown keys are ignored."""
    result = copy.deepcopy(dict(current))
    for key, default in _DEFAULTS.items():
        if key in submitted:
            result[key] = _merge(key, default, result.get(key, default), submitted[key])
    return result


def _merge(path: str, default: Any, current: Any, value: Any) -> Any:
    if value is None:
        return current
    if path == "rateLimits.rules":
        return _rules(value)
    if isinstance(default, dict):
        if not isinstance(value, Mapping):
            raise InvalidSettingsError(path)
        merged = dict(current)
        for key, sub_default in default.items():
            if key in value:
                merged[key] = _merge(f"{path}.{key}", sub_default, merged.get(key, sub_default), value[key])
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
    elif isinstance(default, list) and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidSettingsError(path)


def _rules(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InvalidSettingsError("rateLimits.rules")
    rules = []
    for item in value:
        if not isinstance(item, Mapping):
            raise InvalidSettingsError("rateLimits.rules")
        rule: dict[str, Any] = {"label": "", "audience": "", "duration": 0, "maxRequests": 0}
        for key, kind in _RULE_KEYS.items():
            raw = item.get(key, rule[key])
            if kind is int and isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            if not isinstance(raw, kind) or isinstance(raw, bool):
                raise InvalidSettingsError(f"rateLimits.rules.{key}")
            rule[key] = raw
        rules.append(rule)
    return rules


def public_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    public = copy.deepcopy(dict(settings))
    for path in SECRET_PATHS:
        node = public
        for key in path[:-1]:
            node = node.get(key, {})
        node.pop(path[-1], None)
    return public


def _min(value: int, low: int) -> FieldError | None:
    if value < low:
        return FieldError(
            "validation_min_greater_equal_than_required", f"Must be no less than {low}.", {"threshold": low}
        )
    return None


def validate_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    meta = settings["meta"]
    meta_errors = {}
    if not meta["appName"].strip():
        meta_errors["appName"] = FieldError("validation_required", "Cannot be blank.")
    elif len(meta["appName"]) > 255:
        meta_errors["appName"] = FieldError(
            "validation_length_too_long", "The length must be no more than 255.", {"max": 255, "min": 0}
        )
    if not meta["appURL"].strip():
        meta_errors["appURL"] = FieldError("validation_required", "Cannot be blank.")
    if not meta["senderName"].strip():
        meta_errors["senderName"] = FieldError("validation_required", "Cannot be blank.")
    if "@" not in meta["senderAddress"]:
        meta_errors["senderAddress"] = FieldError("validation_is_email", "Must be a valid email address.")
    if meta_errors:
        errors["meta"] = meta_errors
    batch = settings["batch"]
    batch_errors = {}
    if batch["maxRequests"] <= 0:
        batch_errors["maxRequests"] = FieldError("validation_required", "Cannot be blank.")
    for key in ("timeout", "maxBodySize"):
        problem = _min(batch[key], 0)
        if problem:
            batch_errors[key] = problem
    if batch_errors:
        errors["batch"] = batch_errors
    smtp = settings["smtp"]
    if smtp["enabled"]:
        smtp_errors = {}
        if not smtp["host"].strip():
            smtp_errors["host"] = FieldError("validation_required", "Cannot be blank.")
        if not 0 < smtp["port"] < 65536:
            smtp_errors["port"] = FieldError("validation_required", "Cannot be blank.")
        if smtp["authMethod"] not in ("", "PLAIN", "LOGIN"):
            smtp_errors["authMethod"] = FieldError("validation_in_invalid", "Must be a valid value.")
        if smtp_errors:
            errors["smtp"] = smtp_errors
    for key in ("s3",):
        s3 = settings[key]
        if s3["enabled"]:
            s3_errors = {
                name: FieldError("validation_required", "Cannot be blank.")
                for name in ("bucket", "region", "endpoint", "accessKey", "secret")
                if not s3[name]
            }
            if s3_errors:
                errors[key] = s3_errors
    rate = settings["rateLimits"]
    rule_errors: dict[str, Any] = {}
    for index, rule in enumerate(rate["rules"]):
        problems: dict[str, FieldError | None] = {}
        if not rule["label"]:
            problems["label"] = FieldError("validation_required", "Cannot be blank.")
        if rule["audience"] not in ("", "@guest", "@auth"):
            problems["audience"] = FieldError("validation_in_invalid", "Must be a valid value.")
        if rule["duration"] < 1:
            problems["duration"] = _min(rule["duration"], 1)
        if rule["maxRequests"] < 1:
            problems["maxRequests"] = _min(rule["maxRequests"], 1)
        problems = {key: problem for key, problem in problems.items() if problem is not None}
        if problems:
            rule_errors[str(index)] = problems
    if rule_errors:
        errors["rateLimits"] = {"rules": rule_errors}
    lockout = settings["lockout"]
    lockout_errors = {k: e for k in ("maxAttempts", "window", "duration") if (e := _min(lockout[k], 1))}
    if lockout_errors:
        errors["lockout"] = lockout_errors
    logs_errors = {
        k: e
        for k in ("maxDays", "maxDataSize", "minLevel")
        if (e := _min(settings["logs"][k], 0 if k != "minLevel" else -100))
    }
    if logs_errors:
        errors["logs"] = logs_errors
    return errors
