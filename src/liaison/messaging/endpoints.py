"""HTTP edge of messaging: provider webhooks, timelines, messages, templates, recalls,
broadcasts, and the outbox's dead letters."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from liaison.audit.trail import PendingAudit
from liaison.auth.dependencies import ApiContext, get_runtime, system_unit
from liaison.context import Context
from liaison.errors import PermissionDenied
from liaison.gateways import signing
from liaison.jobs import service as jobs_service
from liaison.messaging import inbound, links, service
from liaison.messaging.schemas import (
    BroadcastCreate,
    CommunicationRead,
    Count,
    MessageCreate,
    OutboxRead,
    Queued,
    RecallCampaignCreate,
    RecallRead,
    Rendered,
    TemplatePreview,
    TemplateRead,
    TemplateWrite,
)

router = APIRouter(prefix="/api/v1", tags=["messaging"])
webhooks = APIRouter(prefix="/webhooks", tags=["webhooks"])


def patient_messages(action: str) -> object:
    def dependency(request: Request, ctx: ApiContext) -> Context:
        raw = request.path_params.get("patient_id")
        ctx.audit_default = PendingAudit(
            action=action,
            resource_type="Communication",
            resource_id=None,
            patient_id=uuid.UUID(raw) if raw else None,
        )
        return ctx

    return Annotated[Context, Depends(dependency)]


Reading = patient_messages("read")
Writing = patient_messages("create")


# --- Webhooks -------------------------------------------------------------------------


async def _signed_form(request: Request) -> dict[str, str]:
    """The form of a provider webhook, if its signature is right; 403 otherwise."""
    runtime = get_runtime(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    url = runtime.public_url(request.url.path)
    if not signing.verify(
        runtime.settings.sms_auth_token.get_secret_value(),
        url,
        form,
        request.headers.get(signing.HEADER),
    ):
        raise PermissionDenied("The webhook signature is missing or wrong")
    return form


@webhooks.post("/sms/status", status_code=204, include_in_schema=True)
def sms_status(
    request: Request, form: Annotated[dict[str, str], Depends(_signed_form)]
) -> Response:
    """Delivery receipts from the SMS provider (Twilio's StatusCallback shape)."""
    sid, status = form.get("MessageSid"), form.get("MessageStatus")
    if sid and status:
        with system_unit(request) as ctx:
            inbound.delivery_receipt(ctx, sid, status)
    return Response(status_code=204)


@webhooks.post("/sms/inbound", include_in_schema=True)
def sms_inbound(
    request: Request, form: Annotated[dict[str, str], Depends(_signed_form)]
) -> Response:
    """A patient's text. Answered by queued messages (STOP, HELP, confirmations ...)."""
    sid, sender, receiver, body = (
        form.get("MessageSid"),
        form.get("From"),
        form.get("To"),
        form.get("Body", ""),
    )
    if sid and sender and receiver:
        with system_unit(request) as ctx:
            inbound.inbound_text(ctx, provider_id=sid, from_=sender, to=receiver, body=body)
    # An empty TwiML response: replies go out through the outbox, not inline.
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', media_type="application/xml"
    )


# --- Patients' messages ---------------------------------------------------------------


@router.get("/patients/{patient_id}/communications", response_model=list[CommunicationRead])
def timeline(
    patient_id: uuid.UUID, ctx: Reading, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[CommunicationRead]:
    return [CommunicationRead.model_validate(c) for c in service.timeline(ctx, patient_id, limit)]


@router.post("/messages", response_model=Queued, status_code=202)
def send_message(body: MessageCreate, ctx: Writing) -> Queued:
    """Send a patient a message; it goes out after this request, on a consented channel."""
    return Queued.model_validate(
        service.send_message(ctx, body.organization_id, body.patient_id, body.body, body.channel)
    )


# --- Templates ------------------------------------------------------------------------


@router.get("/organizations/{organization_id}/message-templates", response_model=list[TemplateRead])
def list_templates(organization_id: uuid.UUID, ctx: ApiContext) -> list[TemplateRead]:
    return [
        TemplateRead.model_validate(v.__dict__)
        for v in service.list_templates(ctx, organization_id)
    ]


@router.put(
    "/organizations/{organization_id}/message-templates/{kind}/{channel}/{language}",
    response_model=TemplateRead,
)
def save_template(
    organization_id: uuid.UUID,
    kind: str,
    channel: Literal["sms", "email", "portal"],
    language: str,
    body: TemplateWrite,
    ctx: ApiContext,
) -> TemplateRead:
    row = service.save_template(
        ctx, organization_id, kind, channel, language, body.subject, body.body
    )
    return TemplateRead(
        kind=row.kind,
        channel=row.channel,
        language=row.language,
        subject=row.subject,
        body=row.body,
        overridden=True,
    )


@router.delete(
    "/organizations/{organization_id}/message-templates/{kind}/{channel}/{language}",
    status_code=204,
)
def reset_template(
    organization_id: uuid.UUID,
    kind: str,
    channel: Literal["sms", "email", "portal"],
    language: str,
    ctx: ApiContext,
) -> Response:
    service.reset_template(ctx, organization_id, kind, channel, language)
    return Response(status_code=204)


@router.post("/message-templates/preview", response_model=Rendered)
def preview_template(body: TemplatePreview, ctx: ApiContext) -> Rendered:
    ctx.caller  # signed-in users only  # noqa: B018
    rendered = service.preview(body.kind, body.channel, body.language, body.subject, body.body)
    return Rendered(subject=rendered.subject, body=rendered.body)


# --- Recalls and broadcasts -----------------------------------------------------------


@router.get("/recalls", response_model=list[RecallRead])
def recall_list(
    ctx: ApiContext,
    organization_id: uuid.UUID,
    healthcare_service_id: uuid.UUID,
    months: Annotated[int, Query(ge=1, le=120)] = 12,
) -> list[RecallRead]:
    found = service.recall_list(ctx, organization_id, healthcare_service_id, months)
    return [
        RecallRead(
            patient_id=c.patient.id,
            given_name=c.patient.given_name,
            family_name=c.patient.family_name,
            last_visit=c.last_visit,
        )
        for c in found
    ]


@router.post("/recalls/campaigns", response_model=Count, status_code=202)
def recall_campaign(body: RecallCampaignCreate, ctx: ApiContext) -> Count:
    return Count(
        count=service.recall_campaign(
            ctx, body.organization_id, body.healthcare_service_id, body.months
        )
    )


@router.post("/broadcasts", response_model=Count, status_code=202)
def broadcast(body: BroadcastCreate, ctx: ApiContext) -> Count:
    """Tell everyone booked at a location on a day (a closure)."""
    return Count(
        count=service.broadcast(ctx, body.organization_id, body.location_id, body.date, body.note)
    )


# --- Outbox ---------------------------------------------------------------------------


@router.get("/outbox", response_model=list[OutboxRead])
def outbox(
    ctx: ApiContext,
    status: Literal["dead", "pending", "processing", "done", "cancelled"] = "dead",
    organization_id: uuid.UUID | None = None,
) -> list[OutboxRead]:
    return [
        OutboxRead.model_validate(m)
        for m in jobs_service.list_messages(ctx, status, organization_id)
    ]


@router.post("/outbox/{message_id}/retry", response_model=OutboxRead)
def retry(message_id: uuid.UUID, ctx: ApiContext) -> OutboxRead:
    return OutboxRead.model_validate(jobs_service.retry(ctx, message_id))


# --- The patient's reminder link ------------------------------------------------------

links_router = APIRouter(include_in_schema=False)


def _appointment_for(ctx: Context, token: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from liaison.authz.scope import unscoped_system
    from liaison.kit import clock
    from liaison.messaging import links
    from liaison.models import Appointment

    target = links.read(ctx.runtime.secret, token, clock.now())
    if target is None or target.purpose != "appointment":
        return None
    return ctx.session.scalar(
        unscoped_system(
            select(Appointment).where(Appointment.id == target.record_id),
            "a signed link names its appointment",
        )
    )


@links_router.get("/r/{token}")
def appointment_link(token: str, request: Request) -> Response:
    with system_unit(request) as ctx:
        appointment = _appointment_for(ctx, token)
        if appointment is None:
            return links.page(
                "Link expired", "This link is no longer valid. Please call the clinic.", status=404
            )
        ctx.audit(
            "read",
            "Appointment",
            appointment.id,
            patient_id=appointment.patient_id,
            organization_id=appointment.organization_id,
            via="link",
        )
        status, when = appointment.status, appointment.start_at.strftime("%Y-%m-%d %H:%M UTC")
    if status != "booked":
        return links.page("Appointment", f"This appointment is {status}.")
    form = (
        f'<form method="post" action="/r/{token}/confirm">'
        '<button type="submit">Confirm</button></form>'
        f'<form method="post" action="/r/{token}/cancel">'
        '<button type="submit" class="secondary">Cancel the appointment</button></form>'
    )
    return links.page("Your appointment", f"Your appointment is on {when}.", form)


@links_router.post("/r/{token}/{action}")
def appointment_link_action(
    token: str, action: Literal["confirm", "cancel"], request: Request
) -> Response:
    from liaison.kit import clock
    from liaison.models import AppointmentHistory
    from liaison.scheduling import booking

    with system_unit(request) as ctx:
        appointment = _appointment_for(ctx, token)
        if appointment is None:
            return links.page(
                "Link expired", "This link is no longer valid. Please call the clinic.", status=404
            )
        if appointment.status != "booked":
            return links.page(
                "Appointment", f"This appointment is {appointment.status}.", status=409
            )
        ctx.audit(
            "update",
            "Appointment",
            appointment.id,
            patient_id=appointment.patient_id,
            organization_id=appointment.organization_id,
            change=action,
            via="link",
        )
        if action == "confirm":
            ctx.session.add(
                AppointmentHistory(
                    organization_id=appointment.organization_id,
                    appointment_id=appointment.id,
                    at=clock.now(),
                    action="confirmed-by-patient",
                    from_status="booked",
                    to_status="booked",
                    reason="link",
                )
            )
        else:
            booking._cancel(ctx, appointment, "cancelled by the patient (link)", "patient")
    return links.page(
        "Thank you",
        "Your appointment is confirmed."
        if action == "confirm"
        else "Your appointment is cancelled.",
    )
