"""HTTP edge of authentication: API tokens, the caller, password changes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from liaison.auth import service
from liaison.auth.dependencies import ApiContext, client_ip, get_runtime, request_id
from liaison.auth.schemas import (
    MembershipRead,
    MeRead,
    PasswordChange,
    TokenIssued,
    TokenRead,
    TokenRequest,
)
from liaison.context import unit_of_work

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenIssued, status_code=201)
def issue_token(body: TokenRequest, request: Request) -> TokenIssued:
    """Exchange an e-mail address and password for an expiring bearer token."""
    runtime = get_runtime(request)
    with unit_of_work(
        runtime.db,
        principal=None,
        audit_key=runtime.audit_key,
        request_id=request_id(request),
        client_ip=client_ip(request),
    ) as ctx:
        sign_in = service.check_password(
            ctx.session,
            runtime.settings,
            runtime.passwords,
            body.email,
            body.password,
            client_ip(request),
        )
        issued = None
        if sign_in.ok:
            assert sign_in.user is not None
            issued = service.issue_api_token(
                ctx.session, runtime.settings, sign_in.user, body.name, body.expires_in_days
            )
    # Failures are raised only after the throttle counters were committed above.
    sign_in.raise_if_failed()
    assert issued is not None
    token, record = issued
    return TokenIssued(id=record.id, token=token, name=record.name, expires_at=record.expires_at)


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(ctx: ApiContext) -> list[TokenRead]:
    return [
        TokenRead.model_validate(t)
        for t in service.list_api_tokens(ctx.session, ctx.caller.user_id)
    ]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: uuid.UUID, ctx: ApiContext) -> Response:
    service.revoke_api_token(ctx.session, ctx.caller.user_id, token_id)
    return Response(status_code=204)


@router.get("/me", response_model=MeRead)
def me(ctx: ApiContext) -> MeRead:
    principal = ctx.caller
    return MeRead(
        id=principal.user_id,
        email=principal.email,
        display_name=principal.display_name,
        platform_role=principal.platform_role.value if principal.platform_role else None,
        memberships=[
            MembershipRead(organization_id=org, role=role.value)
            for org, role in sorted(principal.memberships.items(), key=lambda kv: str(kv[0]))
        ],
    )


@router.post("/password", status_code=204)
def change_password(body: PasswordChange, request: Request, ctx: ApiContext) -> Response:
    """Change your password. Every other session and every API token stops working."""
    service.change_own_password(
        ctx, get_runtime(request).passwords, body.current_password, body.new_password
    )
    return Response(status_code=204)
