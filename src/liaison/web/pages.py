"""Helpers shared by the web routes: page rendering with the shell's context."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from liaison.auth.dependencies import SESSION_COOKIE, get_runtime
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.web.templating import templates


def csrf_token(request: Request) -> str:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return get_runtime(request).csrf_for(cookie) if cookie else ""


def current_organization_id(ctx: Context) -> uuid.UUID | None:
    """The organization the page works in: the switcher's choice, or the first one."""
    if ctx.organization_id is not None:
        return ctx.organization_id
    principal = ctx.caller
    if principal.memberships:
        return sorted(principal.memberships, key=str)[0]
    return None


def render(
    request: Request,
    ctx: Context,
    template: str,
    *,
    block: str | None = None,
    status_code: int = 200,
    **data: Any,
) -> HTMLResponse:
    principal = ctx.caller
    organizations = directory_service.list_organizations(ctx)
    org_id = current_organization_id(ctx)
    current = next((o for o in organizations if o.id == org_id), None)
    if current is None and organizations and principal.memberships:
        current = next((o for o in organizations if o.id in principal.memberships), None)
    shell = {
        "principal": principal,
        "csrf_token": csrf_token(request),
        "organizations": [o for o in organizations if o.id in principal.memberships]
        or organizations,
        "current_org": current,
        "can_patients": principal.can(Permission.PATIENT_READ),
        "can_users": principal.can(Permission.USER_READ),
        "can_audit": principal.can(Permission.AUDIT_READ),
        "can_directory_write": principal.can(Permission.DIRECTORY_WRITE, current.id if current else None),
        "can_patient_write": principal.can(Permission.PATIENT_WRITE, current.id if current else None),
    }
    if block is not None:
        return templates.TemplateResponse(
            request, template, {**shell, **data}, block_name=block, status_code=status_code
        )
    return templates.TemplateResponse(request, template, {**shell, **data}, status_code=status_code)
