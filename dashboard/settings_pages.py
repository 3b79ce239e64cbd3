"""Application settings: application, mail (with a test email), file storage (with a connection
test), batch, rate limits and sign-in lockout — saved through the same ``SettingsStore`` as the API."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from baas.errors import ApiError, ValidationError
from baas.files.backends import check_s3
from baas.files.storage import StorageError
from baas.mail.service import send_test_email
from baas.mail.templates import TEMPLATES
from baas.settings.model import public_settings
from dashboard.access import SessionDep, runtime_of
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.sessions import DashboardSession
from dashboard.settings_form import Input, body_from_form
from dashboard.templating import redirect, render

__all__ = ["SECTIONS", "settings_home", "settings_page", "settings_save", "settings_test"]

_AUDIENCES = (("", "Everyone"), ("@guest", "Guests"), ("@auth", "Signed-in records"))
SECTIONS: dict[str, tuple[str, list[Input]]] = {
    "application": (
        "Application",
        [
            Input("meta.appName", "Application name"),
            Input("meta.appURL", "Application URL", "url", "Used in emails and OAuth2 redirects."),
            Input("meta.senderName", "Sender name", help="The name emails come from."),
            Input("meta.senderAddress", "Sender address", "email"),
            Input(
                "trustedProxy.headers",
                "Trusted proxy headers",
                "list",
                "Headers holding the client IP behind a proxy, e.g. X-Forwarded-For.",
            ),
            Input(
                "trustedProxy.useLeftmostIP",
                "Use the leftmost IP",
                "bool",
                "Of a list of IPs, take the first (the client as the outermost proxy saw it), not the last.",
            ),
        ],
    ),
    "mail": (
        "Mail",
        [
            Input("smtp.enabled", "Send through an SMTP server", "bool"),
            Input("smtp.host", "SMTP host"),
            Input("smtp.port", "Port", "int"),
            Input("smtp.username", "Username"),
            Input("smtp.password", "Password", "secret", "Leave blank to keep the stored password."),
            Input(
                "smtp.authMethod",
                "Auth method",
                "select",
                choices=(("", "Auto"), ("PLAIN", "PLAIN"), ("LOGIN", "LOGIN")),
            ),
            Input("smtp.tls", "Always use TLS", "bool"),
            Input("smtp.localName", "Local name (HELO)"),
        ],
    ),
    "storage": (
        "File storage",
        [
            Input("s3.enabled", "Store files in S3 (otherwise in the data directory)", "bool"),
            Input("s3.bucket", "Bucket"),
            Input("s3.region", "Region"),
            Input("s3.endpoint", "Endpoint", "url"),
            Input("s3.accessKey", "Access key"),
            Input("s3.secret", "Secret", "secret", "Leave blank to keep the stored secret."),
            Input("s3.forcePathStyle", "Force path-style addressing", "bool"),
        ],
    ),
    "batch": (
        "Batch",
        [
            Input("batch.enabled", "Allow batch requests (/api/batch)", "bool"),
            Input("batch.maxRequests", "Max requests per batch", "int"),
            Input("batch.timeout", "Timeout (seconds)", "int"),
            Input("batch.maxBodySize", "Max body size (bytes)", "int", "0 uses the default."),
        ],
    ),
    "rate-limits": (
        "Rate limits",
        [
            Input("rateLimits.enabled", "Limit request rates", "bool"),
            Input("rateLimits.excludedIPs", "Excluded IPs", "list"),
        ],
    ),
    "lockout": (
        "Sign-in lockout",
        [
            Input("lockout.enabled", "Lock an identity out after repeated failed sign-ins", "bool"),
            Input("lockout.maxAttempts", "Failed attempts", "int"),
            Input("lockout.window", "Within (seconds)", "int"),
            Input("lockout.duration", "Lockout duration (seconds)", "int"),
        ],
    ),
}


def _section(name: str) -> tuple[str, list[Input]]:
    if name not in SECTIONS:
        from baas.errors import NotFoundError

        raise NotFoundError()
    return SECTIONS[name]


async def _page(
    request: Request[Any, Any, Any],
    session: DashboardSession,
    name: str,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    rules: list[dict[str, Any]] | None = None,
    status: int = 200,
    test: dict[str, str] | None = None,
) -> Template:
    runtime = runtime_of(request)
    title, inputs = _section(name)
    current = public_settings(runtime.app_settings.current)
    auth_collections = sorted((c for c in runtime.registry.schema if c.is_auth), key=lambda c: c.name.lower())
    return await render(
        request,
        "settings/section.html.j2",
        session,
        title=f"Settings · {title}",
        section=name,
        heading=title,
        inputs=inputs,
        document=current,
        errors=errors or {},
        error=error,
        sections=[(key, value[0]) for key, value in SECTIONS.items()],
        rules=rules if rules is not None else current["rateLimits"]["rules"],
        audiences=_AUDIENCES,
        templates=list(TEMPLATES),
        auth_collections=auth_collections,
        test=test or {"email": session.email, "template": "verification", "collection": "_superusers"},
        status=status,
    )


@get("/settings")
async def settings_home() -> Response[Any]:
    return Response(None, status_code=303, headers={"Location": "/_/settings/application"})


@get("/settings/{section:str}")
async def settings_page(request: Request[Any, Any, Any], session: SessionDep, section: FromPath[str]) -> Template:
    return await _page(request, session, section)


def _rules_from_form(form: Any) -> list[dict[str, Any]]:
    rules = []
    positions = [
        key[len("rule-") : -len("-label")] for key in form.names() if key.startswith("rule-") and key.endswith("-label")
    ]
    for n in positions:
        if form.has(f"rule-{n}-remove"):
            continue
        rules.append(
            {
                "label": form.get(f"rule-{n}-label").strip(),
                "audience": form.get(f"rule-{n}-audience"),
                "duration": _int(form.get(f"rule-{n}-duration")),
                "maxRequests": _int(form.get(f"rule-{n}-maxRequests")),
            }
        )
    return rules


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return 0


@post("/settings/{section:str}", status_code=200)
async def settings_save(request: Request[Any, Any, Any], session: SessionDep, section: FromPath[str]) -> Response[Any]:
    runtime = runtime_of(request)
    _title, inputs = _section(section)
    form = form_of(request)
    body, errors = body_from_form(inputs, form)
    rules = None
    if section == "rate-limits":
        rules = _rules_from_form(form)
        if form.get("action") == "add":
            rules.append({"label": "", "audience": "", "duration": 10, "maxRequests": 100})
            return await _page(request, session, section, rules=rules)
        body.setdefault("rateLimits", {})["rules"] = rules
    if errors:
        return await _page(
            request, session, section, errors=errors, error="Check the values below.", rules=rules, status=400
        )
    try:
        await runtime.app_settings.update(runtime.engine, body)
    except ValidationError as exc:
        return await _page(
            request, session, section, errors=field_messages(exc.data), error=exc.message, rules=rules, status=400
        )
    except ApiError as exc:
        return await _page(request, session, section, error=exc.message, rules=rules, status=400)
    return await redirect(request, session, f"/_/settings/{section}", "The settings were saved.")


@post("/settings/{section:str}/test", status_code=200)
async def settings_test(request: Request[Any, Any, Any], session: SessionDep, section: FromPath[str]) -> Response[Any]:
    """Mail: send a test email now. Storage: write and delete a test object with the saved S3 settings."""
    runtime = runtime_of(request)
    form = form_of(request)
    back = f"/_/settings/{section}"
    if section == "mail":
        test = {
            "email": form.get("email").strip(),
            "template": form.get("template"),
            "collection": form.get("collection"),
        }
        try:
            await send_test_email(runtime.app_settings.current, runtime.registry.schema, test)
        except ValidationError as exc:
            text = "; ".join(f"{k}: {v}" for k, v in field_messages(exc.data).items())
            return await _page(request, session, section, error=f"{exc.message} {text}", test=test, status=400)
        except ApiError as exc:
            return await _page(request, session, section, error=exc.message, test=test, status=400)
        return await redirect(request, session, back, f"A test email was sent to {test['email']}.")
    if section == "storage":
        s3 = runtime.app_settings.current["s3"]
        if not s3["enabled"]:
            return await redirect(request, session, back, "S3 is not enabled: save S3 settings first.", "error")
        try:
            await check_s3(s3)
        except StorageError as exc:
            return await redirect(request, session, back, f"The S3 connection failed: {exc}", "error")
        return await redirect(
            request, session, back, "The S3 connection works (a test object was written and deleted)."
        )
    return await redirect(request, session, back, "Nothing to test here.", "error")
