"""The Jinja environment (autoescaped: every user value is escaped) and the page renderer."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request
from litestar.datastructures import Cookie
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from baas.api.client_ip import forwarded_https
from baas.collections.model import Collection
from baas.runtime import Runtime
from dashboard import display
from dashboard.access import CSRF_COOKIE, runtime_of
from dashboard.sessions import DashboardSession, add_flash, take_flashes
from dashboard.settings_form import value_at

__all__ = ["TEMPLATES", "redirect", "render", "render_public", "template_config"]

TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(display.FILTERS)
    env.filters["value_at"] = value_at
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(_environment()))


def navigation(runtime: Runtime) -> dict[str, list[Collection]]:
    collections = sorted(runtime.registry.schema, key=lambda c: c.name.lower())
    return {
        "collections": [c for c in collections if not c.system],
        "system": [c for c in collections if c.system],
    }


async def render(
    request: Request[Any, Any, Any], template: str, session: DashboardSession, *, status: int = 200, **context: Any
) -> Template:
    """A signed-in page: the layout's navigation, the flash messages and the CSRF token come along."""
    runtime = runtime_of(request)
    flashes = await take_flashes(runtime, session)
    context.setdefault("title", "")
    context.setdefault("current", None)
    return Template(
        template,
        status_code=status,
        context={
            **context,
            "session": session,
            "csrf": session.csrf,
            "flashes": flashes,
            "nav": navigation(runtime),
            "app_name": runtime.app_settings.current["meta"]["appName"],
            "path": request.url.path,
        },
    )


def render_public(request: Request[Any, Any, Any], template: str, *, status: int = 200, **context: Any) -> Template:
    """A page for visitors without a session (sign-in, setup); sets the pre-session CSRF cookie."""
    runtime = runtime_of(request)
    token = request.cookies.get(CSRF_COOKIE, "")
    cookies = []
    if len(token) < 32:
        token = secrets.token_urlsafe(32)
        cookies.append(
            Cookie(
                key=CSRF_COOKIE,
                value=token,
                path="/_",
                httponly=True,
                samesite="strict",
                secure=forwarded_https(request.scope),
            )
        )
    context.setdefault("flashes", [])
    return Template(
        template,
        status_code=status,
        cookies=cookies,
        context={
            **context,
            "csrf": token,
            "app_name": runtime.app_settings.current["meta"]["appName"],
        },
    )


async def redirect(
    request: Request[Any, Any, Any], session: DashboardSession, url: str, message: str = "", kind: str = "success"
) -> Redirect:
    """A 303 to ``url`` (a dashboard path), with a flash message for the next page."""
    if message:
        await add_flash(runtime_of(request), session, message, kind)
    return Redirect(url, status_code=303)
