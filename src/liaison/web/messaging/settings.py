"""Messaging settings: the organization's texting number, quiet hours and waitlist
rhythm, and each visit type's reminder policy. The directory service validates and
stores them (update_organization, update_service); administrators change them,
everyone else who reads the directory sees them."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth.dependencies import ApiContext
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.directory.schemas import HealthcareServiceUpdate, OrganizationUpdate
from liaison.errors import Conflict, InvalidInput
from liaison.models import HealthcareService, Organization
from liaison.web import forms
from liaison.web.directory_resources import every
from liaison.web.forms import Form, checked, errors_of, reject, text, values_of
from liaison.web.messaging.durations import humane, humane_list, parse_offsets
from liaison.web.pages import redirect, render, working_organization

router = APIRouter(prefix="/messaging", include_in_schema=False)
WRITE = Permission.DIRECTORY_WRITE
ORG_FIELDS = (
    "sms_number",
    "quiet_hours_start",
    "quiet_hours_end",
    "waitlist_batch_size",
    "waitlist_round_minutes",
)
POLICY_FIELDS = ("reminders", "follow_up_hours", "backfill_min_hours")


@router.get("", include_in_schema=False)
def messaging_home() -> Response:
    return redirect("/messaging/settings")


def _org_values(org: Organization) -> dict[str, Any]:
    return {
        "sms_number": org.sms_number or "",
        "quiet_hours_start": org.quiet_hours_start,
        "quiet_hours_end": org.quiet_hours_end,
        "waitlist_batch_size": str(org.waitlist_batch_size),
        "waitlist_round_minutes": str(org.waitlist_round_minutes),
    }


def _settings_page(
    request: Request,
    ctx: Context,
    org: Organization,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    services = sorted(every(directory_service.list_services, ctx, org.id), key=lambda s: s.name)
    return render(
        request,
        ctx,
        "messaging/settings.html",
        status_code=status_code,
        nav="messaging",
        section="settings",
        org=org,
        values=values or _org_values(org),
        errors=errors or {},
        services=services,
        humane=humane,
        humane_list=humane_list,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, ctx: ApiContext) -> Response:
    return _settings_page(request, ctx, working_organization(ctx))


@router.post("/settings", response_class=HTMLResponse)
def update_settings(request: Request, ctx: ApiContext, form: Form) -> Response:
    org = working_organization(ctx)
    ctx.require(WRITE, org.id)
    errors: dict[str, str] = {}
    payload: dict[str, Any] = {"sms_number": text(form, "sms_number")}
    for name in ORG_FIELDS[1:]:
        if (value := text(form, name)) is None:
            errors[name] = "is required"
        else:
            payload[name] = value
    try:
        data = OrganizationUpdate.model_validate(payload)
    except ValidationError as exc:
        errors = _org_errors(exc) | errors
    if not errors:
        try:
            directory_service.update_organization(ctx, org.id, data)
        except (InvalidInput, Conflict) as exc:
            errors = _org_errors(exc)
    if errors:
        forms.discard(ctx)
        page = _settings_page(
            request, ctx, org, values=values_of(form), errors=errors, status_code=422
        )
        reject(page)
    return redirect("/messaging/settings", "saved")


def _org_errors(exc: Exception) -> dict[str, str]:
    found = {k if k in ORG_FIELDS else forms.FORM_LEVEL: v for k, v in errors_of(exc).items()}
    for name in ("quiet_hours_start", "quiet_hours_end"):
        if name in found:
            found[name] = "must be a time of day (HH:MM)"
    return found


# --- A visit type's reminder policy ---------------------------------------------------


def _policy_values(service: HealthcareService) -> dict[str, Any]:
    return {
        "reminders": humane_list(service.reminder_offsets_minutes or []),
        "follow_up_hours": "" if service.follow_up_hours is None else str(service.follow_up_hours),
        "backfill_min_hours": str(service.backfill_min_hours),
        "same_day_backfill_urgent_only": "on" if service.same_day_backfill_urgent_only else "",
    }


def _policy_page(
    request: Request,
    ctx: Context,
    service: HealthcareService,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    org = directory_service.get_organization(ctx, service.organization_id)
    return render(
        request,
        ctx,
        "messaging/policy.html",
        status_code=status_code,
        nav="messaging",
        section="settings",
        org=org,
        service=service,
        values=values or _policy_values(service),
        errors=errors or {},
        can_write=ctx.caller.can(WRITE, service.organization_id),
        humane_list=humane_list,
    )


@router.get("/visit-types/{service_id}", response_class=HTMLResponse)
def policy_page(request: Request, service_id: uuid.UUID, ctx: ApiContext) -> Response:
    return _policy_page(request, ctx, directory_service.get_service(ctx, service_id))


@router.post("/visit-types/{service_id}", response_class=HTMLResponse)
def update_policy(request: Request, service_id: uuid.UUID, ctx: ApiContext, form: Form) -> Response:
    service = directory_service.get_service(ctx, service_id)
    ctx.require(WRITE, service.organization_id)
    errors: dict[str, str] = {}
    offsets, problem = parse_offsets(text(form, "reminders") or "")
    if problem:
        errors["reminders"] = problem
    payload: dict[str, Any] = {
        "reminder_offsets_minutes": offsets,
        "follow_up_hours": text(form, "follow_up_hours"),
        "backfill_min_hours": text(form, "backfill_min_hours"),
        "same_day_backfill_urgent_only": checked(form, "same_day_backfill_urgent_only"),
    }
    if payload["backfill_min_hours"] is None:
        errors["backfill_min_hours"] = "is required"
    data = None
    try:
        data = HealthcareServiceUpdate.model_validate(payload)
    except ValidationError as exc:
        errors = _policy_errors(exc, offsets) | errors
    if not errors and data is not None:
        try:
            directory_service.update_service(ctx, service_id, data)
        except (InvalidInput, Conflict) as exc:
            errors = _policy_errors(exc, offsets)
    if errors:
        forms.discard(ctx)
        service = directory_service.get_service(ctx, service_id)
        page = _policy_page(
            request, ctx, service, values=values_of(form), errors=errors, status_code=422
        )
        reject(page)
    return redirect(f"/messaging/visit-types/{service_id}", "saved")


def _policy_errors(exc: Exception, offsets: list[int]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, message in errors_of(exc).items():
        head, _, index = key.partition("-")
        if head == "reminder_offsets_minutes":
            # Say which of the typed durations is out of range, in the words typed.
            if index.isdigit() and int(index) < len(offsets):
                message = (
                    f"{humane(offsets[int(index)])} is out of range: each reminder goes out "
                    "between 15 minutes and 60 days before the visit"
                )
            elif "at most" in message:
                message = "are at most 6 per visit type"
            found.setdefault("reminders", message)
        elif head in POLICY_FIELDS:
            found.setdefault(head, message)
        else:
            found.setdefault(forms.FORM_LEVEL, message)
    return found
