"""An auth collection's options: password auth, OAuth2 providers, OTP, MFA, login alerts, token
durations and mail templates — saved with ``update_collection`` like the collections API does."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from baas.collections import service
from baas.collections.auth_options import OAUTH2_PROVIDER_NAMES, public_auth_options
from baas.collections.model import Collection
from baas.collections.rule_check import check_rule
from baas.errors import ApiError, NotFoundError, ValidationError
from dashboard.access import SessionDep, runtime_of
from dashboard.common import collection_or_404
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.sessions import DashboardSession
from dashboard.settings_form import Input, body_from_form
from dashboard.templating import redirect, render

__all__ = ["OPTION_SECTIONS", "options_page", "options_save"]


def _template(path: str, what: str) -> list[Input]:
    return [Input(f"{path}.subject", f"{what} subject"), Input(f"{path}.body", f"{what} body (HTML)", "textarea")]


OPTION_SECTIONS: dict[str, tuple[str, list[Input]]] = {
    "password": (
        "Password sign-in",
        [
            Input("passwordAuth.enabled", "Allow sign-in with a password", "bool"),
            Input(
                "passwordAuth.identityFields",
                "Identity fields",
                "list",
                "Fields with a unique index, e.g. email, username.",
            ),
        ],
    ),
    "otp": (
        "One-time password (email)",
        [
            Input("otp.enabled", "Allow sign-in with a one-time password", "bool"),
            Input("otp.duration", "Valid for (seconds)", "int"),
            Input("otp.length", "Length", "int"),
            *_template("otp.emailTemplate", "Email"),
        ],
    ),
    "mfa": (
        "Multi-factor authentication",
        [
            Input("mfa.enabled", "Require a second sign-in method", "bool"),
            Input("mfa.duration", "Time to complete the second step (seconds)", "int"),
            Input(
                "mfa.rule",
                "Only when this rule matches (empty: always)",
                help="A rule expression, e.g. @request.context != 'oauth2'",
            ),
        ],
    ),
    "alert": (
        "Login alerts",
        [
            Input("authAlert.enabled", "Email the record on a sign-in from a new location", "bool"),
            *_template("authAlert.emailTemplate", "Email"),
        ],
    ),
    "tokens": (
        "Token durations (seconds)",
        [
            Input("authToken.duration", "Auth token", "int"),
            Input("verificationToken.duration", "Email verification token", "int"),
            Input("passwordResetToken.duration", "Password reset token", "int"),
            Input("emailChangeToken.duration", "Email change token", "int"),
            Input("fileToken.duration", "Protected file token", "int"),
        ],
    ),
    "templates": (
        "Mail templates",
        [
            *_template("verificationTemplate", "Verification"),
            *_template("resetPasswordTemplate", "Password reset"),
            *_template("confirmEmailChangeTemplate", "Email change"),
        ],
    ),
    "oauth2": (
        "OAuth2",
        [
            Input("oauth2.enabled", "Allow sign-in with OAuth2 providers", "bool"),
            Input("oauth2.mappedFields.name", "Map the provider's name to field"),
            Input("oauth2.mappedFields.username", "Map the username to field"),
            Input("oauth2.mappedFields.avatarURL", "Map the avatar to (file) field"),
        ],
    ),
}
_PROVIDER_KEYS = ("name", "clientId", "clientSecret", "displayName", "authURL", "tokenURL", "userInfoURL")


def _auth_or_404(request: Request[Any, Any, Any], name: str) -> Collection:
    target = collection_or_404(runtime_of(request), name)
    if not target.is_auth:
        raise NotFoundError()
    return target


async def _page(
    request: Request[Any, Any, Any],
    session: DashboardSession,
    target: Collection,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    section: str = "",
    providers: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Template:
    options = public_auth_options(target.auth_options)
    return await render(
        request,
        "collections/options.html.j2",
        session,
        title=f"{target.name} · Auth options",
        current=target,
        tab="options",
        sections=OPTION_SECTIONS,
        options=options,
        errors=errors or {},
        error=error,
        failed_section=section,
        providers=providers if providers is not None else options["oauth2"]["providers"],
        provider_names=sorted(OAUTH2_PROVIDER_NAMES),
        status=status,
    )


@get("/collections/{collection:str}/options")
async def options_page(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    return await _page(request, session, _auth_or_404(request, collection))


def _providers(form: Any) -> list[dict[str, Any]]:
    positions = [k[len("p-") : -len("-name")] for k in form.names() if k.startswith("p-") and k.endswith("-name")]
    providers = []
    for n in positions:
        if form.has(f"p-{n}-remove"):
            continue
        provider: dict[str, Any] = {key: form.get(f"p-{n}-{key}").strip() for key in _PROVIDER_KEYS}
        provider["pkce"] = True if form.has(f"p-{n}-pkce") else None
        providers.append(provider)
    return providers


@post("/collections/{collection:str}/options", status_code=200)
async def options_save(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = _auth_or_404(request, collection)
    form = form_of(request)
    section = form.get("section")
    if section not in OPTION_SECTIONS:
        raise NotFoundError()
    body, errors = body_from_form(OPTION_SECTIONS[section][1], form)
    providers = None
    if section == "oauth2":
        providers = _providers(form)
        if form.get("action") == "add":
            providers.append(
                {
                    "name": form.get("new_provider"),
                    "clientId": "",
                    "clientSecret": "",
                    "displayName": "",
                    "authURL": "",
                    "tokenURL": "",
                    "userInfoURL": "",
                    "pkce": None,
                }
            )
            return await _page(request, session, target, providers=providers, section=section)
        body.setdefault("oauth2", {})["providers"] = providers
    if errors:
        return await _page(
            request,
            session,
            target,
            errors=errors,
            error="Check the values below.",
            section=section,
            providers=providers,
            status=400,
        )
    try:
        await service.update_collection(runtime.engine, runtime.registry, target.id, body, check_rule)
    except ValidationError as exc:
        return await _page(
            request,
            session,
            target,
            errors=field_messages(exc.data),
            error=exc.message,
            section=section,
            providers=providers,
            status=400,
        )
    except ApiError as exc:
        return await _page(
            request, session, target, error=exc.message, section=section, providers=providers, status=400
        )
    title = OPTION_SECTIONS[section][0]
    return await redirect(request, session, f"/_/collections/{target.name}/options#{section}", f"{title}: saved.")
