"""Helpers shared by the web routes: page rendering with the shell's context."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from liaison.auth.dependencies import SESSION_COOKIE, get_runtime
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import NotFound
from liaison.models import Organization
from liaison.web.templating import templates

# Messages shown after a redirect-after-post. The redirect names a key, never the text:
# a link must not be able to put words of its own choosing on a Liaison page.
FLASH_MESSAGES = {
    "created": "Created.",
    "saved": "Your changes were saved.",
    "patient-created": "The patient record was created.",
    "consent": "The consent decision was recorded.",
    "holiday-added": "The holiday was added.",
    "holiday-removed": "The holiday was removed.",
    "user-created": "The user was created.",
    "membership": "The membership was updated.",
    "password": "Your password was changed. Other sessions and all API tokens were signed out.",
    "token-revoked": "The API token was revoked.",
    "booked": "The appointment was booked.",
    "released": "The hold was released; the time is free again.",
    "cancelled": "The appointment was cancelled.",
    "rescheduled": "The appointment was moved; the old time was released.",
    "status": "The appointment's status was updated.",
    "schedule-created": "The schedule was set up. Add its weekly hours below.",
    "rule-added": "The weekly hours were added.",
    "rule-removed": "The weekly hours were removed.",
    "override-added": "The date override was added.",
    "override-removed": "The date override was removed.",
    "block-added": "The blocked time was added.",
    "block-removed": "The blocked time was removed.",
    "message-sent": "The message is queued; it goes out on the patient's consented channel.",
    "template-saved": "The wording was saved; messages from now on use it.",
    "template-reset": "The wording is back to Liaison's default.",
    "retried": "The message is queued again; the worker retries it now.",
    "waitlist-added": "The patient is on the waitlist.",
    "waitlist-cancelled": "The patient was taken off the waitlist.",
    "offer-accepted": "The patient has the time: it is booked.",
    "offer-declined": "The offer was declined; the others offered the time can still take it.",
}


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


def working_organization(ctx: Context) -> Organization:
    """The organization a page works in, loaded (404 when the caller may not see it)."""
    org_id = current_organization_id(ctx)
    if org_id is not None:
        return directory_service.get_organization(ctx, org_id)
    # Platform roles have no membership: they work in the first organization they see
    # until they pick one in the switcher.
    organizations = directory_service.list_organizations(ctx)
    if not organizations:
        raise NotFound("Organization")
    return organizations[0]


def flashes(request: Request) -> list[str]:
    key = request.query_params.get("done")
    return [FLASH_MESSAGES[key]] if key in FLASH_MESSAGES else []


def redirect(url: str, done: str | None = None) -> RedirectResponse:
    """Redirect-after-post (303, so the browser follows with GET)."""
    if done:
        url = f"{url}{'&' if '?' in url else '?'}done={done}"
    return RedirectResponse(url, status_code=303)


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
    current_id = current.id if current else None
    shell = {
        "principal": principal,
        "csrf_token": csrf_token(request),
        "organizations": [o for o in organizations if o.id in principal.memberships]
        or organizations,
        "current_org": current,
        "can_patients": principal.can(Permission.PATIENT_READ),
        "can_users": principal.can(Permission.USER_READ),
        "can_audit": principal.can(Permission.AUDIT_READ),
        "can_schedule": principal.can(Permission.APPOINTMENT_READ),
        "can_directory_write": principal.can(Permission.DIRECTORY_WRITE, current_id),
        "can_patient_write": principal.can(Permission.PATIENT_WRITE, current_id),
    }
    data.setdefault("flashes", flashes(request))
    if block is not None:
        response = templates.TemplateResponse(
            request, template, {**shell, **data}, block_name=block, status_code=status_code
        )
    else:
        response = templates.TemplateResponse(
            request, template, {**shell, **data}, status_code=status_code
        )
    # Signed-in pages carry patient data: no copy in the browser's or a proxy's cache.
    # Vary, because one URL answers htmx with a fragment and the browser with a page.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response
