"""The five mail templates of an auth collection: where each lives in the options, what it can use.

Template names are the ones of ``POST /api/settings/test/email``: ``verification``, ``password-reset``,
``email-change``, ``otp``, ``login-alert``. Every template gets ``app_name``, ``app_url`` and
``record`` (the auth record's non-hidden fields); each adds its own variables (``token``, ...), which
are also its PocketBase placeholders (``{TOKEN}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from baas.collections.model import Collection
from baas.dates import format_datetime
from baas.mail.render import validate

__all__ = ["COMMON_VARIABLES", "TEMPLATES", "TemplateSpec", "mail_context", "template_of", "validate_template"]

COMMON_VARIABLES = ("app_name", "app_url")


@dataclass(frozen=True)
class TemplateSpec:
    option_path: tuple[str, ...]
    variables: tuple[str, ...]  # besides COMMON_VARIABLES and ``record``

    @property
    def all_variables(self) -> tuple[str, ...]:
        return (*COMMON_VARIABLES, *self.variables)


TEMPLATES: dict[str, TemplateSpec] = {
    "verification": TemplateSpec(("verificationTemplate",), ("token",)),
    "password-reset": TemplateSpec(("resetPasswordTemplate",), ("token",)),
    "email-change": TemplateSpec(("confirmEmailChangeTemplate",), ("token",)),
    "otp": TemplateSpec(("otp", "emailTemplate"), ("otp", "otp_id")),
    "login-alert": TemplateSpec(("authAlert", "emailTemplate"), ("alert_info",)),
}


def template_of(collection: Collection, name: str) -> Mapping[str, Any]:
    """The ``{subject, body}`` template ``name`` of an auth collection."""
    node: Any = collection.auth_options
    for key in TEMPLATES[name].option_path:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return node if isinstance(node, Mapping) else {}


def _record_value(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


def mail_context(
    app_settings: Mapping[str, Any],
    collection: Collection,
    record: Mapping[str, Any],
    placeholders: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The Jinja variables of a template: settings, the record without hidden fields, and extras.

    ``placeholders`` are keyed by placeholder name, with or without braces (``TOKEN`` or ``{TOKEN}``);
    each becomes a lower-case variable (and may override ``app_name``/``app_url``). Hidden fields
    (password, tokenKey, ...) never reach a template.
    """
    meta = app_settings.get("meta", {})
    visible = {field.name for field in collection.fields if not field.hidden}
    context: dict[str, Any] = {
        "app_name": meta.get("appName", ""),
        "app_url": meta.get("appURL", ""),
        "record": {key: _record_value(value) for key, value in record.items() if key in visible},
    }
    for key, value in (placeholders or {}).items():
        variable = key.strip("{}").lower()
        if variable != "record":
            context[variable] = value
    return context


def validate_template(
    template: Mapping[str, Any], name: str | None = None, record_fields: Iterable[str] | None = None
) -> str | None:
    """Why ``template`` would fail to render, or None.

    Args:
        template: ``{subject, body}``.
        name: the template's kind (a ``TEMPLATES`` key) to check its variables; None allows every
            template's variables.
        record_fields: the collection's non-hidden field names; None accepts any ``record`` field.
    """
    if name is None:
        variables = {variable for spec in TEMPLATES.values() for variable in spec.all_variables}
    else:
        variables = set(TEMPLATES[name].all_variables)
    return validate(template, variables, record_fields)
