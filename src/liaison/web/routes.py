"""The web UI's routes: sign-in, the shell, and each area's pages."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from liaison.auth import service as auth_service
from liaison.auth.dependencies import (
    SESSION_COOKIE,
    ApiContext,
    client_ip,
    get_runtime,
    request_id,
)
from liaison.config import Settings
from liaison.context import unit_of_work
from liaison.web.pages import current_organization_id, render
from liaison.web.templating import templates

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "liaison_login_csrf"
STATIC_DIR = Path(__file__).parent / "static"
# Front-end packages installed by `npm ci` at the project root; served, never copied.
NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"
VENDOR = {
    "htmx": "htmx.org/dist",
    "pico": "@picocss/pico/css",
    "chartjs": "chart.js/dist",
    "axe": "axe-core",
    "swagger": "swagger-ui-dist",
}


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in is a phishing tool."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "login_csrf": token, "error": None}
    )
    settings = get_runtime(request).settings
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=3600,
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    runtime = get_runtime(request)
    settings = runtime.settings
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return templates.TemplateResponse(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "login_csrf": expected or "",
                "error": "The sign-in form expired. Please try again.",
                "email": email,
            },
            status_code=400,
        )
    with unit_of_work(
        runtime.db,
        principal=None,
        audit_key=runtime.audit_key,
        request_id=request_id(request),
        client_ip=client_ip(request),
    ) as ctx:
        sign_in = auth_service.check_password(
            ctx.session, settings, runtime.passwords, email, password, client_ip(request)
        )
        token = None
        if sign_in.ok and sign_in.user is not None:
            principal = auth_service.principal_for(ctx.session, sign_in.user)
            first_org = sorted(principal.memberships, key=str)[0] if principal.memberships else None
            token, _ = auth_service.start_session(
                ctx.session,
                settings,
                sign_in.user,
                client_ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
                organization_id=first_org,
            )
    if token is None:
        error = (
            f"Too many failed attempts. Try again in {sign_in.retry_after_s} seconds."
            if sign_in.retry_after_s
            else "E-mail address or password is incorrect."
        )
        return templates.TemplateResponse(
            request,
            "login.html",
            {"next": _safe_next(next), "login_csrf": expected, "error": error, "email": email},
            status_code=429 if sign_in.retry_after_s else 401,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_max_age_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, ctx: ApiContext) -> Response:
    user_session = request.state.user_session
    if user_session is not None:
        auth_service.end_session(ctx.session, user_session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/session/organization")
def switch_organization(
    request: Request,
    ctx: ApiContext,
    organization_id: Annotated[uuid.UUID, Form()],
) -> Response:
    user_session = request.state.user_session
    if user_session is not None:
        auth_service.switch_organization(ctx.session, user_session, ctx.caller, organization_id)
    referer = request.headers.get("referer")
    return RedirectResponse(_safe_next(urlparse(referer).path if referer else "/"), status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: ApiContext) -> Response:
    caller = ctx.caller
    if caller.platform_role is None and all(r == "patient" for r in caller.memberships.values()):
        # Patients and proxies have no staff pages: their start page is the portal.
        return RedirectResponse("/portal", status_code=303)
    return render(request, ctx, "home.html", nav="home", org_id=current_organization_id(ctx))


def mount(app: FastAPI, settings: Settings) -> None:
    app.mount("/static/vendor", _vendor_app(), name="vendor")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    from liaison.web import areas, forms

    app.add_exception_handler(forms.FormRejected, forms.rejected_page)

    for area_router in areas.routers():
        app.include_router(area_router)
    # The work queue, the inbox and supervision (liaison.web.workqueue).
    from liaison.web import workqueue

    for queue_router in workqueue.routers():
        app.include_router(queue_router)
    # The patient portal (liaison.web.portal).
    from liaison.web import portal

    for portal_router in portal.routers():
        app.include_router(portal_router)


def _vendor_app() -> FastAPI:
    vendor = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    for name, relative in VENDOR.items():
        directory = NODE_MODULES / relative
        if directory.is_dir():
            vendor.mount(f"/{name}", StaticFiles(directory=directory), name=name)
    return vendor
