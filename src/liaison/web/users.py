"""User administration for the current organization: who works here, in which role."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth.dependencies import ApiContext, get_runtime
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.models import Organization
from liaison.users import service
from liaison.users.schemas import MembershipUpdate, UserCreate
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text, values_of
from liaison.web.pages import redirect, render, working_organization

router = APIRouter(prefix="/users", include_in_schema=False)
ROLES = [
    ("admin", "Administrator"),
    ("coordinator", "Coordinator"),
    ("practitioner", "Practitioner"),
    ("patient", "Patient"),
]


def _page(
    request: Request,
    ctx: Context,
    org: Organization,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    people = []
    for user, memberships in service.list_users(ctx, org.id):
        here = next((m for m in memberships if m.organization_id == org.id), None)
        people.append((user, here))
    return render(
        request,
        ctx,
        "users/list.html",
        status_code=status_code,
        nav="users",
        org=org,
        people=people,
        roles=ROLES,
        role_names=dict(ROLES),
        can_manage=ctx.caller.can(Permission.USER_MANAGE, org.id),
        values=values or {"role": "coordinator"},
        errors=errors or {},
    )


@router.get("", response_class=HTMLResponse)
def list_users(request: Request, ctx: ApiContext) -> Response:
    org = working_organization(ctx)
    ctx.require(Permission.USER_READ, org.id)
    return _page(request, ctx, org)


@router.post("", response_class=HTMLResponse)
def create_user(request: Request, ctx: ApiContext, form: Form) -> Response:
    org = working_organization(ctx)
    ctx.require(Permission.USER_MANAGE, org.id)
    password = form.get("password")
    payload: dict[str, Any] = {
        "email": text(form, "email"),
        "display_name": text(form, "display_name"),
        # Passwords are taken as typed: spaces are part of a passphrase.
        "password": password if isinstance(password, str) else None,
        "memberships": [{"organization_id": org.id, "role": text(form, "role")}],
    }
    errors: dict[str, str] = {}
    try:
        data = UserCreate.model_validate(payload)
        service.create_user(ctx, get_runtime(request).passwords, data)
    except (ValidationError, InvalidInput, Conflict) as exc:
        errors = {k.replace("memberships-0-", ""): v for k, v in errors_of(exc).items()}
    if errors:
        forms.discard(ctx)
        values = values_of(form)
        values.pop("password", None)
        reject(_page(request, ctx, org, values=values, errors=errors, status_code=422))
    return redirect("/users", "user-created")


@router.post("/{user_id}/membership", response_class=HTMLResponse)
def update_membership(
    request: Request, user_id: uuid.UUID, ctx: ApiContext, form: Form
) -> Response:
    org = working_organization(ctx)
    change = text(form, "change")
    try:
        if change == "role":
            data = MembershipUpdate.model_validate({"role": text(form, "role")})
        else:
            data = MembershipUpdate(active=change == "activate")
        service.update_membership(ctx, user_id, org.id, data)
    except (ValidationError, InvalidInput) as exc:
        forms.discard(ctx)
        message = "; ".join(errors_of(exc).values())
        reject(_page(request, ctx, org, errors={forms.FORM_LEVEL: message}, status_code=422))
    return redirect("/users", "membership")
