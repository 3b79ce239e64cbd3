"""``auth-with-oauth2``: exchange the code (with its PKCE verifier) at the provider, fetch the user,
sign in to the linked, matching or a new record, and answer ``{token, record, meta}``.

Statuses follow PocketBase: OAuth2 off → 403; a bad body → 400 "An error occurred while loading the
submitted data." (an unknown provider is a ``validation_invalid_provider`` field error); a failed
exchange → 400 "Failed to fetch OAuth2 token."; a failed profile (or ID token) → 400 "Failed to fetch
OAuth2 user."; a refused sign-up passes on the records API's own error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx

from baas.auth.oauth2.accounts import sign_in_account
from baas.auth.oauth2.apple_names import take_apple_name
from baas.auth.oauth2.providers import AuthUser, OAuth2Error, Provider, provider_for
from baas.auth.oauth2.providers.http import new_client
from baas.auth.signin import SignIn, complete_sign_in
from baas.collections.model import Collection
from baas.errors import ApiError, BadRequestError, FieldError, ForbiddenError, ValidationError
from baas.runtime import Runtime

__all__ = ["DISABLED", "LOAD_FAILED", "OAuth2Request", "authenticate_with_oauth2", "read_request", "require_enabled"]

logger = logging.getLogger("baas.auth.oauth2")

DISABLED = "The collection is not configured to allow OAuth2 authentication."
LOAD_FAILED = "An error occurred while loading the submitted data."
EXCHANGE_FAILED = "Failed to fetch OAuth2 token."
USER_FAILED = "Failed to fetch OAuth2 user."
# PocketBase gives the whole provider round trip 30 seconds.
PROVIDER_TIMEOUT_SECONDS = 30.0
_REQUIRED = FieldError("validation_required", "Cannot be blank.")


@dataclass(frozen=True)
class OAuth2Request:
    provider: str
    code: str
    code_verifier: str
    redirect_url: str
    create_data: dict[str, Any] = field(default_factory=dict)


def require_enabled(collection: Collection) -> None:
    if not collection.auth_options["oauth2"]["enabled"]:
        raise ForbiddenError(DISABLED)


def _provider_config(collection: Collection, name: str) -> Mapping[str, Any] | None:
    for config in collection.auth_options["oauth2"]["providers"]:
        if config.get("name") == name:
            return dict(config)
    return None


def read_request(collection: Collection, body: Any) -> OAuth2Request:
    """The submitted form, checked the way PocketBase binds and validates it."""
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        raise BadRequestError(LOAD_FAILED)
    values: dict[str, str] = {}
    for key in ("provider", "code", "codeVerifier", "redirectURL", "redirectUrl"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise BadRequestError(LOAD_FAILED)
        values[key] = value or ""
    create_data = body.get("createData")
    if create_data is not None and not isinstance(create_data, Mapping):
        raise BadRequestError(LOAD_FAILED)
    redirect_url = values["redirectURL"] or values["redirectUrl"]  # redirectUrl: the legacy spelling
    provider = values["provider"]
    errors: dict[str, FieldError] = {}
    if not provider:
        errors["provider"] = _REQUIRED
    elif len(provider) > 100:
        errors["provider"] = FieldError(
            "validation_length_too_long", "The length must be no more than 100.", {"max": 100}
        )
    elif _provider_config(collection, provider) is None:
        errors["provider"] = FieldError(
            "validation_invalid_provider",
            f"Provider with name {provider} is missing or is not enabled.",
            {"name": provider},
        )
    if not values["code"]:
        errors["code"] = _REQUIRED
    if not redirect_url:
        errors["redirectURL"] = _REQUIRED
    if errors:
        raise ValidationError(errors, LOAD_FAILED)
    return OAuth2Request(provider, values["code"], values["codeVerifier"], redirect_url, dict(create_data or {}))


async def _fetch_user(provider: Provider, form: OAuth2Request) -> AuthUser:
    try:
        async with asyncio.timeout(PROVIDER_TIMEOUT_SECONDS):
            await provider.prepare()
            token = await provider.exchange(form.code, form.code_verifier, form.redirect_url)
    except (OAuth2Error, TimeoutError) as exc:
        logger.info("oauth2 %s: code exchange failed: %s", provider.name, exc or "timeout")
        raise BadRequestError(EXCHANGE_FAILED) from None
    try:
        async with asyncio.timeout(PROVIDER_TIMEOUT_SECONDS):
            user = await provider.fetch_user(token)
        if not user.id:
            raise OAuth2Error("the provider gave no user id")
    except (OAuth2Error, TimeoutError) as exc:
        logger.info("oauth2 %s: user fetch failed: %s", provider.name, exc or "timeout")
        raise BadRequestError(USER_FAILED) from None
    return user


async def authenticate_with_oauth2(
    runtime: Runtime, collection: Collection, body: Any, sign_in: SignIn, client: httpx.AsyncClient | None = None
) -> dict[str, Any]:
    """The auth response for a code from the provider named in ``body`` (``sign_in.caller`` is the
    request's caller, with ``@request.context`` "oauth2": a signed-in caller links the provider)."""
    require_enabled(collection)
    form = read_request(collection, body)
    config = _provider_config(collection, form.provider)
    async with AsyncExitStack() as stack:
        http = client if client is not None else await stack.enter_async_context(new_client())
        provider = provider_for(config or {}, http)
        if provider is None:
            raise ApiError(f"Failed to init provider {form.provider}")
        user = await _fetch_user(provider, form)
    if form.provider == "apple" and not user.name:
        user.name = take_apple_name(form.code)
    outcome = await sign_in_account(runtime, collection, sign_in.caller, form.provider, user, form.create_data)
    await runtime.bus.publish(outcome.events)
    meta = user.meta(is_new=outcome.is_new)
    return await complete_sign_in(runtime, collection, outcome.record, "oauth2", sign_in, meta)
