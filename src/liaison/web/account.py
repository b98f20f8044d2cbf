"""The signed-in person's own account: password and API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth import service as auth_service
from liaison.auth.dependencies import ApiContext, get_runtime
from liaison.auth.passwords import MIN_PASSWORD_LENGTH
from liaison.auth.schemas import PasswordChange
from liaison.context import Context
from liaison.errors import InvalidInput
from liaison.kit import clock
from liaison.users import service as users_service
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text, values_of
from liaison.web.pages import redirect, render

router = APIRouter(prefix="/account", include_in_schema=False)
EXPIRY_CHOICES = [("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year")]


def _page(
    request: Request,
    ctx: Context,
    *,
    password_errors: dict[str, str] | None = None,
    token_values: dict[str, Any] | None = None,
    token_errors: dict[str, str] | None = None,
    new_token: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        ctx,
        "account/index.html",
        status_code=status_code,
        nav="account",
        tokens=auth_service.list_api_tokens(ctx.session, ctx.caller.user_id),
        password_errors=password_errors or {},
        token_errors=token_errors or {},
        token_values=token_values or {"name": "", "days": "30"},
        new_token=new_token,
        expiry_choices=EXPIRY_CHOICES,
        now=clock.now(),
        min_password_length=MIN_PASSWORD_LENGTH,
    )


@router.get("", response_class=HTMLResponse)
def account(request: Request, ctx: ApiContext) -> Response:
    return _page(request, ctx)


def _raw(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.post("/password", response_class=HTMLResponse)
def change_password(request: Request, ctx: ApiContext, form: Form) -> Response:
    current, new = _raw(form, "current_password"), _raw(form, "new_password")
    errors: dict[str, str] = {}
    if new != _raw(form, "confirm_password"):
        errors["confirm_password"] = "does not match the new password"  # noqa: S105 - a message
    try:
        data = PasswordChange(current_password=current, new_password=new)
    except ValidationError as exc:
        errors = errors_of(exc) | errors
    if not errors:
        try:
            # This browser's session stays; every other session and every token ends.
            auth_service.change_own_password(
                ctx, get_runtime(request).passwords, data.current_password, data.new_password
            )
        except InvalidInput as exc:
            errors = errors_of(exc)
    if errors:
        forms.discard(ctx)
        reject(_page(request, ctx, password_errors=errors, status_code=422))
    return redirect("/account", "password")


@router.post("/tokens", response_class=HTMLResponse)
def create_token(request: Request, ctx: ApiContext, form: Form) -> Response:
    name, days = text(form, "name"), text(form, "days")
    errors: dict[str, str] = {}
    if name is None:
        errors["name"] = "is required"
    elif len(name) > 100:
        errors["name"] = "must be at most 100 characters"
    if days is not None and not days.isdigit():
        errors["days"] = "must be a number of days"
    if not errors:
        user, _ = users_service.get_user(ctx, ctx.caller.user_id)
        try:
            token, _record = auth_service.issue_api_token(
                ctx.session,
                get_runtime(request).settings,
                user,
                name or "",
                int(days) if days else None,
            )
        except InvalidInput as exc:
            errors = {"days": exc.problems[0].message}
    if errors:
        forms.discard(ctx)
        reject(
            _page(request, ctx, token_values=values_of(form), token_errors=errors, status_code=422)
        )
    # The secret is shown on this response only: it is stored hashed and cannot be shown
    # again, so this page is not a redirect.
    return _page(request, ctx, new_token=token)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: uuid.UUID, ctx: ApiContext) -> Response:
    auth_service.revoke_api_token(ctx.session, ctx.caller.user_id, token_id)
    return redirect("/account", "token-revoked")
