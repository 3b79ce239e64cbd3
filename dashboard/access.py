"""Who may use the dashboard: guards for the session and CSRF, and what a refusal looks like.

Every protected route runs ``session_guard``: no live superuser session, no page (a redirect to the
sign-in page, or 401 for the JSON helpers). Every POST, signed in or not, passes a CSRF check before
its handler runs. API tokens are never accepted here, only the dashboard's own cookie.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect, Template

from baas.errors import ApiError
from baas.records.service import max_body_size
from baas.runtime import Runtime
from dashboard.forms import CsrfError, FormReadError, verify_csrf
from dashboard.sessions import COOKIE, DashboardSession, load

__all__ = [
    "CSRF_COOKIE",
    "EXCEPTION_HANDLERS",
    "LoginRequiredError",
    "SessionDep",
    "provide_session",
    "public_csrf_guard",
    "runtime_of",
    "session_guard",
]

logger = logging.getLogger("baas.dashboard")

CSRF_COOKIE = "baas_csrf"
_STATE_KEY = "dashboard_session"
SessionDep = NamedDependency[DashboardSession]


class LoginRequiredError(Exception):
    """No live superuser session."""


def runtime_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime


def _body_limit(connection: ASGIConnection[Any, Any, Any, Any]) -> int:
    runtime = runtime_of(connection)
    name = connection.path_params.get("collection")
    collection = runtime.registry.schema.find(name) if isinstance(name, str) else None
    if collection is not None and not collection.is_view:
        return max(max_body_size(runtime, collection), runtime.settings.max_body_size)
    return runtime.settings.max_body_size


def _request(connection: ASGIConnection[Any, Any, Any, Any]) -> Request[Any, Any, Any]:
    if not isinstance(connection, Request):
        raise LoginRequiredError()
    return connection


async def session_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    session = await load(runtime_of(connection), connection.cookies.get(COOKIE))
    if session is None:
        raise LoginRequiredError()
    connection.state[_STATE_KEY] = session
    if connection.scope.get("method") == "POST":
        await verify_csrf(_request(connection), session.csrf, _body_limit(connection))


async def public_csrf_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Sign-in and setup forms: the token must match the (SameSite=Strict) ``baas_csrf`` cookie."""
    if connection.scope.get("method") == "POST":
        await verify_csrf(_request(connection), connection.cookies.get(CSRF_COOKIE, ""), 64 * 1024)


def provide_session(request: Request[Any, Any, Any]) -> DashboardSession:
    session = request.state.get(_STATE_KEY)
    if not isinstance(session, DashboardSession):
        raise LoginRequiredError()
    return session


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/_/api/")


def _error_page(request: Request[Any, Any, Any], status: int, title: str, message: str) -> Response[Any]:
    if _wants_json(request):
        return Response({"message": message}, status_code=status)
    return Template("error.html.j2", context={"title": title, "message": message, "status": status}, status_code=status)


def _login_required(request: Request[Any, Any, Any], _exc: LoginRequiredError) -> Response[Any]:
    if _wants_json(request):
        return Response({"message": "Sign in to the dashboard first."}, status_code=401)
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return Redirect(f"/_/login?next={quote(target, safe='')}", status_code=303)


def _csrf_failed(request: Request[Any, Any, Any], _exc: CsrfError) -> Response[Any]:
    return _error_page(
        request,
        403,
        "Form expired",
        "This form was not accepted (its security token is missing or out of date). "
        "Go back, reload the page and try again.",
    )


def _form_failed(request: Request[Any, Any, Any], exc: FormReadError) -> Response[Any]:
    return _error_page(request, 400, "Invalid form", str(exc))


def _api_error(request: Request[Any, Any, Any], exc: ApiError) -> Response[Any]:
    if exc.status == 404:
        return _error_page(request, 404, "Not found", "This page does not exist (or no longer exists).")
    return _error_page(request, exc.status, "Something went wrong", exc.message)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status in (404, 405):
        return _error_page(request, 404, "Not found", "This page does not exist.")
    if status >= 500:
        logger.error("dashboard error on %s %s: %s", request.method, request.url.path, exc.detail)
        return _error_page(request, 500, "Something went wrong", "The server failed to show this page.")
    return _error_page(request, status, "Request refused", "The request could not be processed.")


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled dashboard error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(request, 500, "Something went wrong", "The server failed to show this page.")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    LoginRequiredError: _login_required,
    CsrfError: _csrf_failed,
    FormReadError: _form_failed,
    ApiError: _api_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
