"""Mail use cases: send an auth collection's template through the outbox, and the settings test mail."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from baas.auth.tokens import issue_token
from baas.collections.fields.formats import is_email
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.collections.scaffolds import SUPERUSERS
from baas.dates import format_datetime, now
from baas.errors import BadRequestError, FieldError, ValidationError
from baas.ids import random_string
from baas.mail.message import Message, build_email, sender_of
from baas.mail.outbox import enqueue
from baas.mail.render import render
from baas.mail.smtp import DeliveryError, SmtpConfig, deliver
from baas.mail.templates import TEMPLATES, mail_context, template_of

__all__ = ["compose", "send_template", "send_test_email"]

_TEST_FAILED = "Failed to send the test email."
# PocketBase's test mail: the claims of each template's token (None: the template has no token).
_TEST_TOKENS = {
    "verification": ("verification", "verificationToken"),
    "password-reset": ("passwordReset", "passwordResetToken"),
    "email-change": ("emailChange", "emailChangeToken"),
}


def compose(
    app_settings: Mapping[str, Any],
    collection: Collection,
    template: str,
    record: Mapping[str, Any],
    *,
    to: str | None = None,
    placeholders: Mapping[str, Any] | None = None,
) -> Message:
    """Render template ``template`` (a ``TEMPLATES`` key) of ``collection`` for ``record``.

    Raises:
        KeyError: an unknown template name.
        TemplateError: the collection's template cannot be rendered.
        ValueError: no recipient (``to`` not given and the record has no email).
    """
    spec = TEMPLATES[template]
    context = mail_context(app_settings, collection, record, placeholders)
    missing = [name for name in spec.variables if name not in context]
    if missing:
        raise ValueError(f"the {template} template needs the placeholders {', '.join(m.upper() for m in missing)}")
    rendered = render(template_of(collection, template), context)
    address = to or record.get("email")
    if not isinstance(address, str) or not address:
        raise ValueError("the mail has no recipient")
    return Message(to=(address,), subject=rendered.subject, html=rendered.html, text=rendered.text)


async def send_template(
    connection: AsyncConnection,
    *,
    app_settings: Mapping[str, Any],
    collection: Collection,
    template: str,
    record: Mapping[str, Any],
    to: str | None = None,
    placeholders: Mapping[str, Any] | None = None,
) -> str:
    """Render ``collection``'s template for ``record`` and queue it in the caller's transaction.

    ``placeholders`` are the template's own values: ``{"TOKEN": ...}`` (verification, password-reset,
    email-change), ``{"OTP": ..., "OTP_ID": ...}`` (otp), ``{"ALERT_INFO": ...}`` (login-alert).
    The mail goes to ``to`` or else ``record["email"]``. Returns the outbox id. Raises as ``compose``.
    """
    message = compose(app_settings, collection, template, record, to=to, placeholders=placeholders)
    return await enqueue(connection, message)


def _test_request(body: Any, schema: Schema) -> tuple[str, str, Collection]:
    keys = ("email", "template", "collection")
    if not isinstance(body, Mapping) or not all(isinstance(body.get(key, ""), str) for key in keys):
        raise BadRequestError("An error occurred while loading the submitted data.")
    email, template, name = body.get("email", ""), body.get("template", ""), body.get("collection", "")
    errors: dict[str, FieldError] = {}
    collection = schema.find(name or SUPERUSERS)
    if name and (len(name) > 255 or collection is None or not collection.is_auth):
        errors["collection"] = FieldError(
            "validation_invalid_auth_collection", "Must be a valid auth collection id or name."
        )
    if not email:
        errors["email"] = FieldError("validation_required", "Cannot be blank.")
    elif len(email) > 255:
        errors["email"] = FieldError(
            "validation_length_out_of_range", "The length must be between 1 and 255.", {"max": 255, "min": 1}
        )
    elif not is_email(email):
        errors["email"] = FieldError("validation_is_email", "Must be a valid email address.")
    if not template:
        errors["template"] = FieldError("validation_required", "Cannot be blank.")
    elif template not in TEMPLATES:
        errors["template"] = FieldError("validation_in_invalid", "Must be a valid value.")
    if errors or collection is None:
        raise ValidationError(errors, _TEST_FAILED)
    return email, template, collection


def _test_placeholders(collection: Collection, template: str, email: str) -> dict[str, str]:
    if template == "otp":
        return {"OTP_ID": "_PB_TEST_OTP_ID_", "OTP": "123456"}
    if template == "login-alert":
        return {"ALERT_INFO": f"{format_datetime(now())} - 127.0.0.1 TEST_USER_AGENT"}
    token_type, option = _TEST_TOKENS[template]
    claims = {"id": "", "collectionId": collection.id, "type": token_type, "email": email}
    if template == "email-change":
        claims["newEmail"] = email
    options = collection.auth_options.get(option, {})
    # Signed with a throwaway tokenKey: the token looks real but opens nothing.
    token = issue_token(
        claims,
        collection_secret=str(options.get("secret", "")),
        token_key=random_string(50),
        duration_seconds=int(options.get("duration", 1800)),
    )
    return {"TOKEN": token}


async def send_test_email(app_settings: Mapping[str, Any], schema: Schema, body: Any) -> None:
    """``POST /api/settings/test/email``: render the template for a sample record and send it now.

    Raises:
        ValidationError: an invalid request (400, PocketBase's field codes).
        BadRequestError: rendering or SMTP failed (400 with the reason, never the password).
    """
    email, template, collection = _test_request(body, schema)
    record = {field.name: f"__pb_test_{field.name}__" for field in collection.fields if not field.hidden}
    record["email"] = email
    try:
        message = compose(
            app_settings,
            collection,
            template,
            record,
            to=email,
            placeholders=_test_placeholders(collection, template, email),
        )
        config = SmtpConfig.from_settings(app_settings)
        await asyncio.to_thread(deliver, config, build_email(message, sender_of(app_settings)))
    except (DeliveryError, ValueError) as exc:  # TemplateError is a ValueError
        raise BadRequestError(f"{_TEST_FAILED} Raw error: \n{exc}") from None
