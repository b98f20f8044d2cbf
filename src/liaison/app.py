"""create_app(): the ASGI application with its middleware, routers and error handlers."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liaison import problems
from liaison.config import Settings, get_settings
from liaison.errors import LiaisonError
from liaison.kit import logging as kit_logging
from liaison.runtime import Runtime

log = structlog.get_logger("liaison.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
]


class RequestMiddleware:
    """Request id, security headers and one access-log line per request.

    The log line names the route template (``/api/v1/patients/{patient_id}``), not the
    path or query string: search terms and ids in URLs are patient data.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            log.info(
                "request",
                method=scope["method"],
                route=getattr(route, "path", None) or "unmatched",
                status=status_holder["status"],
                ms=round((time.perf_counter() - started) * 1000, 1),
                request_id=request_id,
            )


API_DOCS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Liaison API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/swagger/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script></body></html>"""


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/fhir/", "/healthz")):
        return False
    return (
        "text/html" in request.headers.get("accept", "")
        or request.headers.get("hx-request") == "true"
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The embedded worker: `liaison serve` on the SQLite default runs it in-process."""
    runtime: Runtime = app.state.runtime
    worker = None
    if runtime.settings.runs_worker_in_process:
        from liaison.jobs.worker import run_in_thread

        worker, _thread = run_in_thread(runtime)
    if runtime.settings.env != "test":
        # Train the triage model now, off the request path: the first patient message
        # would otherwise wait for it (about a second).
        import threading

        from liaison.triage import default_model

        threading.Thread(target=default_model, name="triage-warm-up", daemon=True).start()
    yield
    if worker is not None:
        worker.stop()


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or get_settings()
    kit_logging.configure(settings.log_level, settings.log_json)
    runtime = runtime or Runtime.from_settings(settings)

    app = FastAPI(
        lifespan=_lifespan,
        title="Liaison API",
        version="1",
        description=(
            "Patient coordination: directory, patients, scheduling and the work queue. "
            "Errors are RFC 9457 problem documents; authenticate with a bearer token from "
            "`POST /api/v1/auth/token`."
        ),
        # Served below with Swagger UI from our own origin (npm), not a CDN: the
        # Content-Security-Policy allows scripts from 'self' only.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.runtime = runtime

    from liaison.web import html_errors

    @app.exception_handler(LiaisonError)
    async def _liaison_error(request: Request, exc: LiaisonError) -> Response:
        if _wants_html(request):
            return html_errors.render(request, exc.status, exc.detail, exc)
        return problems.from_liaison_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _wants_html(request):
            return html_errors.render(request, 422, "Some fields are invalid.", exc)
        return problems.from_validation_error(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_html(request):
            return html_errors.render(request, exc.status_code, str(exc.detail), exc)
        return problems.from_http_exception(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error(
            "unhandled_error",
            request_id=getattr(request.state, "request_id", None),
            exc_info=exc,
        )
        if _wants_html(request):
            return html_errors.render(request, 500, "Something went wrong on our side.", exc)
        return problems.internal_error(request)

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> Response:
        return HTMLResponse(API_DOCS)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> JSONResponse:
        try:
            with runtime.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # the point is to report any failure, not to crash
            log.error("healthz_database_down", exc_info=exc)
            return JSONResponse({"status": "fail", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "pass", "database": runtime.db.dialect})

    from liaison.audit import endpoints as audit_endpoints
    from liaison.auth import endpoints as auth_endpoints
    from liaison.directory import endpoints as directory_endpoints
    from liaison.messaging import endpoints as messaging_endpoints
    from liaison.patients import endpoints as patient_endpoints
    from liaison.scheduling import endpoints as scheduling_endpoints
    from liaison.staffing import endpoints as staffing_endpoints
    from liaison.users import endpoints as user_endpoints
    from liaison.waitlist import endpoints as waitlist_endpoints
    from liaison.web import routes as web_routes
    from liaison.workqueue import endpoints as workqueue_endpoints

    for router in (
        auth_endpoints.router,
        directory_endpoints.router,
        patient_endpoints.router,
        scheduling_endpoints.router,
        messaging_endpoints.router,
        waitlist_endpoints.router,
        user_endpoints.router,
        audit_endpoints.router,
        workqueue_endpoints.router,
    ):
        app.include_router(router)
    for router in staffing_endpoints.routers():
        app.include_router(router)
    from liaison import portal

    for router in portal.api_routers():
        app.include_router(router)
    app.include_router(scheduling_endpoints.public_router)
    app.include_router(messaging_endpoints.webhooks)
    app.include_router(messaging_endpoints.links_router)
    app.include_router(waitlist_endpoints.public)
    if settings.sms_sandbox:
        from liaison.gateways.sandbox import SandboxStore, create_sandbox

        # The local SMS provider, at the address the SMS gateway uses by default.
        app.mount(
            "/sandbox/sms",
            create_sandbox(
                SandboxStore(settings.sandbox_path),
                account_sid=settings.sms_account_sid,
                auth_token=settings.sms_auth_token.get_secret_value(),
                inbound_url=runtime.public_url("/webhooks/sms/inbound"),
            ),
        )
    web_routes.mount(app, settings)

    app.add_middleware(RequestMiddleware, hsts=settings.cookie_secure)
    return app


def asgi() -> Any:
    """Entry point for ``uvicorn --factory liaison.app:asgi``."""
    return create_app()
