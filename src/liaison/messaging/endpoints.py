"""HTTP edge of messaging: provider webhooks, timelines, messages, templates, recalls,
broadcasts, and the outbox's dead letters."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

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


_LINK_WORDS = {
    "en": {
        "expired_title": "Link expired",
        "expired": "This link is no longer valid. Please call the clinic.",
        "title": "Your appointment",
        "on": "Your appointment is on {when}.",
        "state": "This appointment is {status}.",
        "confirm": "Confirm",
        "cancel": "Cancel the appointment",
        "thanks": "Thank you",
        "confirmed": "Your appointment is confirmed.",
        "cancelled": "Your appointment is cancelled.",
        "late": "Your appointment is less than {hours} hours away, so it was not cancelled "
        "here. The clinic has your request and will call you.",
    },
    "es": {
        "expired_title": "Enlace vencido",
        "expired": "Este enlace ya no es válido. Por favor, llame a la clínica.",
        "title": "Su cita",
        "on": "Su cita es el {when}.",
        "state": "Esta cita está {status}.",
        "confirm": "Confirmar",
        "cancel": "Cancelar la cita",
        "thanks": "Gracias",
        "confirmed": "Su cita está confirmada.",
        "cancelled": "Su cita está cancelada.",
        "late": "Faltan menos de {hours} horas para su cita, así que no se canceló aquí. "
        "La clínica tiene su pedido y le llamará.",
    },
}


def _link_context(ctx: Context, appointment: Any) -> tuple[str, str, Any]:
    """(language, local time text, organization) for a link page: the patient's language
    and the visit's own time zone, never UTC."""
    from sqlalchemy import select

    from liaison.authz.scope import unscoped_system
    from liaison.messaging import templates
    from liaison.models import Location, Organization, Patient
    from liaison.scheduling.calendars import zone

    reason = "a signed link names its appointment"
    patient = ctx.session.scalar(
        unscoped_system(
            select(Patient).where(
                Patient.organization_id == appointment.organization_id,
                Patient.id == appointment.patient_id,
            ),
            reason,
        )
    )
    location = ctx.session.scalar(
        unscoped_system(
            select(Location).where(
                Location.organization_id == appointment.organization_id,
                Location.id == appointment.location_id,
            ),
            reason,
        )
    )
    org = ctx.session.get(Organization, appointment.organization_id)
    language = templates.language_of(patient.preferred_language if patient else None)
    tz = zone((location.time_zone if location else None) or org.time_zone)
    when = templates.when(appointment.start_at.astimezone(tz), language)
    return language, when, org


@links_router.get("/r/{token}")
def appointment_link(token: str, request: Request) -> Response:
    with system_unit(request) as ctx:
        appointment = _appointment_for(ctx, token)
        if appointment is None:
            words = _LINK_WORDS["en"]
            return links.page(words["expired_title"], words["expired"], status=404)
        ctx.audit(
            "read",
            "Appointment",
            appointment.id,
            patient_id=appointment.patient_id,
            organization_id=appointment.organization_id,
            via="link",
        )
        language, when, _ = _link_context(ctx, appointment)
        status = appointment.status
    words = _LINK_WORDS[language]
    if status != "booked":
        return links.page(words["title"], words["state"].format(status=status), lang=language)
    form = (
        f'<form method="post" action="/r/{token}/confirm">'
        f'<button type="submit">{words["confirm"]}</button></form>'
        f'<form method="post" action="/r/{token}/cancel">'
        f'<button type="submit" class="secondary">{words["cancel"]}</button></form>'
    )
    return links.page(words["title"], words["on"].format(when=when), form, lang=language)


@links_router.post("/r/{token}/{action}")
def appointment_link_action(
    token: str, action: Literal["confirm", "cancel"], request: Request
) -> Response:
    from datetime import timedelta

    from liaison.kit import clock
    from liaison.models import AppointmentHistory
    from liaison.scheduling import booking

    with system_unit(request) as ctx:
        appointment = _appointment_for(ctx, token)
        if appointment is None:
            words = _LINK_WORDS["en"]
            return links.page(words["expired_title"], words["expired"], status=404)
        language, _, org = _link_context(ctx, appointment)
        words = _LINK_WORDS[language]
        if appointment.status != "booked":
            return links.page(
                words["title"],
                words["state"].format(status=appointment.status),
                status=409,
                lang=language,
            )
        late = action == "cancel" and appointment.start_at - clock.now() < timedelta(
            hours=org.portal_cancel_window_hours
        )
        ctx.audit(
            "update",
            "Appointment",
            appointment.id,
            patient_id=appointment.patient_id,
            organization_id=appointment.organization_id,
            change="late-cancel-request" if late else action,
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
        elif late:
            # Inside the organization's window the clinic decides (a late cancellation
            # may be charged, or the time refilled): the visit stays booked and a
            # coordinator gets the request, as the portal does.
            from liaison.workqueue import service as queue

            queue.create(
                ctx,
                queue.NewTask(
                    organization_id=appointment.organization_id,
                    type="reschedule",
                    title="Patient asked by link to cancel a visit within the window",
                    priority="urgent",
                    patient_id=appointment.patient_id,
                    focus_type="Appointment",
                    focus_id=appointment.id,
                    source="link",
                ),
            )
            return links.page(
                words["thanks"],
                words["late"].format(hours=org.portal_cancel_window_hours),
                lang=language,
            )
        else:
            booking._cancel(ctx, appointment, "cancelled by the patient (link)", "patient")
    return links.page(
        words["thanks"],
        words["confirmed"] if action == "confirm" else words["cancelled"],
        lang=language,
    )
