"""Messaging use cases for people: a patient's timeline, a message from a coordinator,
template overrides with preview, recall lists and campaigns, closure broadcasts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, delete, func, select

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import InvalidInput
from liaison.kit import clock
from liaison.kit.ids import new_token
from liaison.messaging import templates
from liaison.messaging.dispatch import queue
from liaison.models import (
    Appointment,
    Communication,
    HealthcareService,
    Location,
    MessageTemplate,
    OutboxMessage,
    Patient,
)
from liaison.scheduling.calendars import zone

READ, WRITE = Permission.PATIENT_READ, Permission.PATIENT_WRITE


def timeline(ctx: Context, patient_id: uuid.UUID, limit: int = 100) -> list[Communication]:
    audit = ctx.audit("read", "Communication", patient_id=patient_id)
    patient = access_one(ctx.session, ctx.caller, Patient, patient_id, READ, "Patient")
    audit.about(organization_id=patient.organization_id)
    stmt = select(Communication).where(
        Communication.organization_id == patient.organization_id,
        Communication.patient_id == patient.id,
    )
    stmt = scoped(
        stmt.order_by(Communication.created_at.desc()).limit(limit), ctx.caller, Communication, READ
    )
    return list(ctx.session.scalars(stmt))


def send_message(
    ctx: Context, organization_id: uuid.UUID, patient_id: uuid.UUID, body: str, channel: str | None
) -> OutboxMessage:
    """A coordinator writes to a patient: it goes out on the patient's consented channel
    (or the one chosen), after this transaction commits."""
    audit = ctx.audit(
        "create",
        "Communication",
        patient_id=patient_id,
        organization_id=organization_id,
        kind="message",
    )
    principal = ctx.require(WRITE, organization_id)
    referenced(ctx.session, principal, Patient, organization_id, patient_id, READ, "patient_id")
    if not body.strip():
        raise InvalidInput("body", "is empty")
    message = queue(
        ctx,
        kind="message",
        organization_id=organization_id,
        patient_id=patient_id,
        key=f"message:{new_token(12)}",
        note=body.strip(),
        channels=[channel] if channel else None,
    )
    audit.about(resource_id=message.id)
    return message


# --- Templates ------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateView:
    kind: str
    channel: str
    language: str
    subject: str | None
    body: str
    overridden: bool


def list_templates(ctx: Context, organization_id: uuid.UUID) -> list[TemplateView]:
    ctx.require(Permission.DIRECTORY_READ, organization_id)
    overrides = {
        (t.kind, t.channel, t.language): t
        for t in ctx.session.scalars(
            scoped(
                select(MessageTemplate).where(MessageTemplate.organization_id == organization_id),
                ctx.caller,
                MessageTemplate,
                Permission.DIRECTORY_READ,
            )
        )
    }
    views = []
    for (kind, channel, language), (subject, body) in sorted(templates.DEFAULTS.items()):
        own = overrides.get((kind, channel, language))
        views.append(
            TemplateView(
                kind,
                channel,
                language,
                own.subject if own else subject,
                own.body if own else body,
                own is not None,
            )
        )
    return views


def _check_key(kind: str, channel: str, language: str) -> None:
    if kind not in templates.KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(templates.KINDS)}")
    if language not in templates.LANGUAGES:
        raise InvalidInput("language", f"must be one of {', '.join(templates.LANGUAGES)}")
    if (kind, channel, language) not in templates.DEFAULTS:
        raise InvalidInput("channel", f"{kind} messages are not sent by {channel}")


def save_template(
    ctx: Context,
    organization_id: uuid.UUID,
    kind: str,
    channel: str,
    language: str,
    subject: str | None,
    body: str,
) -> MessageTemplate:
    ctx.require(Permission.DIRECTORY_WRITE, organization_id)
    _check_key(kind, channel, language)
    templates.check(channel, subject, body)
    stmt = select(MessageTemplate).where(
        MessageTemplate.organization_id == organization_id,
        MessageTemplate.kind == kind,
        MessageTemplate.channel == channel,
        MessageTemplate.language == language,
    )
    row = ctx.session.scalar(scoped(stmt, ctx.caller, MessageTemplate, Permission.DIRECTORY_READ))
    if row is None:
        row = MessageTemplate(
            organization_id=organization_id,
            kind=kind,
            channel=channel,
            language=language,
            body=body,
            subject=subject,
            updated_at=clock.now(),
        )
        ctx.session.add(row)
    row.subject, row.body, row.updated_at, row.updated_by_user_id = (
        subject,
        body,
        clock.now(),
        ctx.caller.user_id,
    )
    ctx.session.flush()
    ctx.audit(
        "update",
        "MessageTemplate",
        row.id,
        organization_id=organization_id,
        template=f"{kind}/{channel}/{language}",
    )
    return row


def reset_template(
    ctx: Context, organization_id: uuid.UUID, kind: str, channel: str, language: str
) -> None:
    ctx.require(Permission.DIRECTORY_WRITE, organization_id)
    _check_key(kind, channel, language)
    stmt = delete(MessageTemplate).where(
        MessageTemplate.organization_id == organization_id,
        MessageTemplate.kind == kind,
        MessageTemplate.channel == channel,
        MessageTemplate.language == language,
    )
    ctx.session.execute(scoped(stmt, ctx.caller, MessageTemplate, Permission.DIRECTORY_WRITE))
    ctx.audit(
        "delete",
        "MessageTemplate",
        organization_id=organization_id,
        template=f"{kind}/{channel}/{language}",
    )


def preview(
    kind: str, channel: str, language: str, subject: str | None, body: str | None
) -> templates.Rendered:
    """Render a template (given, or the default) with sample data."""
    _check_key(kind, channel, language)
    if body is None:
        subject, body = templates.DEFAULTS[(kind, channel, language)]
    return templates.check(channel, subject, body)


# --- Recalls and broadcasts -----------------------------------------------------------


@dataclass(frozen=True)
class RecallCandidate:
    patient: Patient
    last_visit: datetime


def recall_list(
    ctx: Context, organization_id: uuid.UUID, service_id: uuid.UUID, months: int, limit: int = 500
) -> list[RecallCandidate]:
    """Patients whose last fulfilled visit of this type is more than ``months`` ago and
    who have nothing of it booked."""
    audit = ctx.audit("read", "Patient", organization_id=organization_id, purpose="recall-list")
    principal = ctx.require(READ, organization_id)
    referenced(
        ctx.session,
        principal,
        HealthcareService,
        organization_id,
        service_id,
        Permission.DIRECTORY_READ,
        "healthcare_service_id",
    )
    if not 1 <= months <= 120:
        raise InvalidInput("months", "must be between 1 and 120")
    cutoff = clock.now() - timedelta(days=round(months * 30.44))
    last = (
        select(Appointment.patient_id, func.max(Appointment.start_at).label("last_visit"))
        .where(
            Appointment.organization_id == organization_id,
            Appointment.healthcare_service_id == service_id,
            Appointment.status == "fulfilled",
        )
        .group_by(Appointment.patient_id)
    )
    last = scoped(last, principal, Appointment, Permission.APPOINTMENT_READ).subquery()
    upcoming = scoped(
        select(Appointment.patient_id).where(
            Appointment.organization_id == organization_id,
            Appointment.healthcare_service_id == service_id,
            Appointment.status == "booked",
            Appointment.start_at > clock.now(),
        ),
        principal,
        Appointment,
        Permission.APPOINTMENT_READ,
    )
    stmt = (
        select(Patient, last.c.last_visit)
        .join(last, and_(last.c.patient_id == Patient.id))
        .where(
            Patient.organization_id == organization_id,
            Patient.active.is_(True),
            last.c.last_visit < cutoff,
            Patient.id.not_in(upcoming.scalar_subquery()),
        )
        .order_by(last.c.last_visit)
        .limit(limit)
    )
    rows = ctx.session.execute(scoped(stmt, principal, Patient, READ)).all()
    audit.details["results"] = len(rows)
    return [RecallCandidate(p, last_visit) for p, last_visit in rows]


def recall_campaign(
    ctx: Context, organization_id: uuid.UUID, service_id: uuid.UUID, months: int
) -> int:
    """Send the recall message to everyone on the recall list. Returns how many."""
    candidates = recall_list(ctx, organization_id, service_id, months)
    ctx.require(WRITE, organization_id)
    campaign = new_token(8)
    for candidate in candidates:
        queue(
            ctx,
            kind="recall",
            organization_id=organization_id,
            patient_id=candidate.patient.id,
            key=f"recall:{campaign}:{candidate.patient.id}",
            link=ctx.runtime.public_url("/") if ctx.runtime else None,
        )
    ctx.audit(
        "execute",
        "RecallCampaign",
        campaign,
        organization_id=organization_id,
        patients=len(candidates),
    )
    return len(candidates)


def broadcast(
    ctx: Context, organization_id: uuid.UUID, location_id: uuid.UUID, day: date, note: str
) -> int:
    """Tell everyone booked at a location on a day (a closure, a storm). Returns how many."""
    principal = ctx.require(WRITE, organization_id)
    location = referenced(
        ctx.session,
        principal,
        Location,
        organization_id,
        location_id,
        Permission.DIRECTORY_READ,
        "location_id",
    )
    if not note.strip():
        raise InvalidInput("note", "is empty")
    tz = zone(location.time_zone)
    start = datetime.combine(day, time(), tzinfo=tz)
    stmt = select(Appointment).where(
        Appointment.organization_id == organization_id,
        Appointment.location_id == location_id,
        Appointment.status == "booked",
        Appointment.start_at >= start,
        Appointment.start_at < start + timedelta(days=1),
    )
    appointments = list(
        ctx.session.scalars(scoped(stmt, principal, Appointment, Permission.APPOINTMENT_READ))
    )
    batch = new_token(8)
    for appointment in appointments:
        queue(
            ctx,
            kind="broadcast",
            organization_id=organization_id,
            patient_id=appointment.patient_id,
            appointment_id=appointment.id,
            key=f"broadcast:{batch}:{appointment.id}",
            note=note.strip(),
        )
    ctx.audit(
        "execute",
        "Broadcast",
        batch,
        organization_id=organization_id,
        appointments=len(appointments),
    )
    return len(appointments)
