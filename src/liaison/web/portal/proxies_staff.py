"""Staff page: who has portal access to a patient (``/patients/{id}/portal-access``).

Lists the patient's proxies (how each signs in, as much as may be shown: "•••• 1234"),
grants access to someone by the phone number or e-mail address they sign in with, and
revokes it. The same service as the API (``liaison.portal.proxies``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import patient_data
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import Conflict, InvalidInput
from liaison.patients import service as patients_service
from liaison.portal import proxies
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text, values_of
from liaison.web.pages import redirect, render

router = APIRouter(prefix="/patients", include_in_schema=False)
Reading = patient_data("read")
Updating = patient_data("update")
Creating = patient_data("create")

RELATIONSHIPS = [
    ("parent", "Parent"),
    ("guardian", "Guardian"),
    ("caregiver", "Caregiver"),
    ("spouse", "Spouse or partner"),
    ("other", "Other"),
]
SCOPES = [
    ("manage", "Manage: see, book, change and write"),
    ("read", "Read only: see visits and messages"),
]
DONE = {
    "granted": "Access granted: they sign in with a code sent to that number or address.",
    "revoked": "Portal access was revoked; it ends now.",
}


def _page(
    request: Request,
    ctx: Context,
    patient_id: uuid.UUID,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    record = patients_service.get_patient(ctx, patient_id)
    patient = record.patient
    views = proxies.list_for(ctx, patient_id)
    done = request.query_params.get("done")
    return render(
        request,
        ctx,
        "patients/portal_access.html",
        status_code=status_code,
        nav="patients",
        patient=patient,
        org=directory_service.get_organization(ctx, patient.organization_id),
        proxies=views,
        relationships=RELATIONSHIPS,
        scopes=SCOPES,
        relationship_names=dict(RELATIONSHIPS),
        values=values or {"relationship": "parent", "scope": "manage"},
        errors=errors or {},
        can_write=ctx.caller.can(Permission.PATIENT_WRITE, patient.organization_id),
        flashes=[DONE[done]] if done in DONE else [],
    )


@router.get("/{patient_id}/portal-access", response_class=HTMLResponse)
def portal_access(request: Request, patient_id: uuid.UUID, ctx: Reading) -> Response:
    return _page(request, ctx, patient_id)


def _date(form: Any, name: str) -> date | None:
    raw = text(form, name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(name, "is not a date") from exc


@router.post("/{patient_id}/portal-access", response_class=HTMLResponse)
def grant(request: Request, patient_id: uuid.UUID, ctx: Creating, form: Form) -> Response:
    how = text(form, "destination") or ""
    try:
        data = proxies.Grant(
            relationship=text(form, "relationship") or "",
            scope=text(form, "scope") or "manage",
            phone=None if "@" in how else (how or None),
            email=how if "@" in how else None,
            starts_on=_date(form, "starts_on"),
            ends_on=_date(form, "ends_on"),
        )
        proxies.grant(ctx, patient_id, data)
    except (InvalidInput, Conflict) as exc:
        forms.discard(ctx)
        errors = errors_of(exc)
        for field in ("phone", "email"):
            if field in errors:
                errors["destination"] = errors.pop(field)
        if isinstance(exc, Conflict):
            errors = {"destination": exc.detail}
        reject(
            _page(
                request,
                ctx,
                patient_id,
                values=values_of(form),
                errors=errors,
                status_code=409 if isinstance(exc, Conflict) else 422,
            )
        )
    return redirect(f"/patients/{patient_id}/portal-access", "granted")


@router.post("/{patient_id}/portal-access/{proxy_id}/revoke")
def revoke(request: Request, patient_id: uuid.UUID, proxy_id: uuid.UUID, ctx: Updating) -> Response:
    proxies.revoke(ctx, patient_id, proxy_id)
    return redirect(f"/patients/{patient_id}/portal-access", "revoked")
