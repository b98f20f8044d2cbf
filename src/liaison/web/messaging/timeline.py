"""A patient's messages: the timeline of what was sent and received, and a one-off
message from the desk. A region of the patient record (htmx), or a page of its own."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth.dependencies import patient_data
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import InvalidInput
from liaison.messaging import service
from liaison.messaging.schemas import MessageCreate
from liaison.patients import service as patients_service
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text, values_of
from liaison.web.messaging.common import SEND_CHANNELS
from liaison.web.pages import redirect, render
from liaison.web.scheduling.common import asks_for, is_htmx

router = APIRouter(prefix="/patients", include_in_schema=False)

Reading = patient_data("read")
Sending = patient_data("create")

REGION = "messages"
TIMELINE_LIMIT = 100


def _page(
    request: Request,
    ctx: Context,
    patient_id: uuid.UUID,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    sent: bool = False,
    status_code: int = 200,
) -> Response:
    patient = patients_service.get_patient(ctx, patient_id).patient
    org = directory_service.get_organization(ctx, patient.organization_id)
    in_record = asks_for(request, REGION)
    return render(
        request,
        ctx,
        "messaging/timeline.html",
        block=REGION if in_record else None,
        in_record=in_record,
        status_code=status_code,
        nav="patients",
        patient=patient,
        org=org,
        messages=service.timeline(ctx, patient.id, TIMELINE_LIMIT),
        limit=TIMELINE_LIMIT,
        can_send=ctx.caller.can(Permission.PATIENT_WRITE, patient.organization_id),
        send_channels=SEND_CHANNELS,
        values=values or {},
        errors=errors or {},
        sent=sent,
    )


@router.get("/{patient_id}/messages", response_class=HTMLResponse)
def timeline(request: Request, patient_id: uuid.UUID, ctx: Reading) -> Response:
    return _page(request, ctx, patient_id)


@router.post("/{patient_id}/messages", response_class=HTMLResponse)
def send_message(request: Request, patient_id: uuid.UUID, ctx: Sending, form: Form) -> Response:
    # The patient first: another organization's patient is 404 before the form is read.
    patient = patients_service.access_patient(ctx, patient_id)
    ctx.require(Permission.PATIENT_WRITE, patient.organization_id)
    try:
        data = MessageCreate.model_validate(
            {
                "organization_id": patient.organization_id,
                "patient_id": patient.id,
                "body": text(form, "body") or "",
                "channel": text(form, "channel"),
            }
        )
        service.send_message(ctx, data.organization_id, data.patient_id, data.body, data.channel)
    except (ValidationError, InvalidInput) as exc:
        forms.discard(ctx)
        errors = {
            k if k in ("body", "channel") else forms.FORM_LEVEL: v
            for k, v in errors_of(exc).items()
        }
        reject(
            _page(request, ctx, patient_id, values=values_of(form), errors=errors, status_code=422)
        )
    if is_htmx(request):
        # The region again, with the form emptied and word that the message is on its way.
        return _page(request, ctx, patient_id, sent=True)
    return redirect(f"/patients/{patient_id}/messages", "message-sent")
