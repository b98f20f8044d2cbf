"""FastAPI dependencies: who is calling, and the unit of work their request runs in."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from liaison.audit.trail import PendingAudit
from liaison.auth import service as auth_service
from liaison.authz.principal import Principal
from liaison.context import Context, unit_of_work
from liaison.errors import PermissionDenied, Unauthenticated
from liaison.models import UserSession
from liaison.runtime import Runtime

SESSION_COOKIE = "liaison_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a browser sent with an unsafe request: header (htmx) or form field."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it for the endpoint's own parsing
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def system_unit(request: Request):  # type: ignore[no-untyped-def]
    """A unit of work for a request that acts as Liaison itself: a provider's signed
    webhook, or a patient following a signed link. Audited with the request's id and IP."""
    from liaison.authz.principal import system_principal

    runtime = get_runtime(request)
    return unit_of_work(
        runtime.db,
        principal=system_principal(),
        audit_key=runtime.audit_key,
        request_id=request_id(request),
        client_ip=client_ip(request),
        runtime=runtime,
    )


def authenticate(
    ctx: Context, runtime: Runtime, request: Request, csrf: str | None
) -> tuple[Principal, UserSession | None]:
    session = ctx.session
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer <token>'")
        found = auth_service.resolve_api_token(session, token.strip())
        if found is None:
            raise Unauthenticated("The API token is invalid, expired or revoked")
        record, user = found
        return auth_service.principal_for(session, user, api_token_id=record.id), None

    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated()
    resolved = auth_service.resolve_session(session, runtime.settings, cookie)
    if resolved is None:
        raise Unauthenticated("Your session has ended. Please sign in again.")
    user_session, user = resolved
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
        csrf or "", runtime.csrf_for(cookie)
    ):
        raise PermissionDenied("The form has expired or did not come from Liaison (CSRF check).")
    principal = auth_service.principal_for(session, user, session_id=user_session.id)
    return principal, user_session


def context(
    request: Request, csrf: Annotated[str | None, Depends(submitted_csrf)]
) -> Iterator[Context]:
    runtime = get_runtime(request)
    with unit_of_work(
        runtime.db,
        principal=None,
        audit_key=runtime.audit_key,
        request_id=request_id(request),
        client_ip=client_ip(request),
        runtime=runtime,
    ) as ctx:
        principal, user_session = authenticate(ctx, runtime, request, csrf)
        ctx.principal = principal
        request.state.principal = principal
        request.state.user_session = user_session
        if user_session is not None:
            ctx.organization_id = user_session.active_organization_id
        yield ctx


# scope="function": the unit of work commits (or rolls back) before the response is
# sent, so a client never sees success for a change that failed to commit.
ApiContext = Annotated[Context, Depends(context, scope="function")]


def patient_data(action: str, resource_type: str = "Patient", id_param: str = "patient_id"):  # type: ignore[no-untyped-def]
    """A context for a request about patient data: it leaves one audit row, always.

    The service fills the row in (which patient, which record); if the request fails
    before that (bad input, another tenant's id), the row records the attempt with its
    outcome.
    """

    def dependency(request: Request, ctx: ApiContext) -> Context:
        raw = request.path_params.get(id_param)
        patient_id = None
        if raw and resource_type == "Patient":
            try:
                patient_id = uuid.UUID(str(raw))
            except ValueError:
                patient_id = None
        ctx.audit_default = PendingAudit(
            action=action,
            resource_type=resource_type,
            resource_id=str(raw) if raw else None,
            patient_id=patient_id,
        )
        return ctx

    return Annotated[Context, Depends(dependency)]
