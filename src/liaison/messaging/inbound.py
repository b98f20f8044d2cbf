"""What comes back from the SMS provider: delivery receipts and patients' texts.

Both arrive as signed webhooks (``gateways.signing``); an unsigned or forged one is
refused before anything is read. Each is idempotent: a receipt only moves a message's
status forward, and a text is recorded once per provider message id, so a provider
that delivers a webhook twice changes nothing the second time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.context import Context
from liaison.kit import clock
from liaison.kit.validation import normalize_phone
from liaison.messaging import rules
from liaison.messaging.dispatch import queue
from liaison.models import (
    Appointment,
    AppointmentHistory,
    Communication,
    CommunicationConsent,
    Organization,
    PatientTelecom,
    SurveyResponse,
)

SYSTEM = "a provider webhook is matched to its organization by number"
ORDER = {"queued": 0, "sent": 1, "delivered": 2, "failed": 2, "bounced": 2}
FINAL = 2
STATUS = {
    "sent": "sent",
    "delivered": "delivered",
    "failed": "failed",
    "undelivered": "failed",
    "bounced": "bounced",
}


def delivery_receipt(ctx: Context, provider_id: str, provider_status: str) -> bool:
    """Move a sent message's status forward. False when the message is unknown."""
    status = STATUS.get(provider_status.lower())
    communication = ctx.session.scalar(
        unscoped_system(
            select(Communication).where(Communication.provider_message_id == provider_id), SYSTEM
        )
    )
    if communication is None or status is None:
        return communication is not None
    current = ORDER.get(communication.status, 0)
    if status == communication.status or ORDER[status] < current or current == FINAL:
        return True  # repeated, late, or after a final status: nothing changes
    communication.status = status
    if status == "delivered":
        communication.delivered_at = clock.now()
    if status in ("failed", "bounced"):
        communication.error = f"provider reported {provider_status.lower()}"
    ctx.audit(
        "update",
        "Communication",
        communication.id,
        patient_id=communication.patient_id,
        organization_id=communication.organization_id,
        status=status,
    )
    return True


@dataclass(frozen=True)
class InboundResult:
    organization_id: uuid.UUID | None
    communication_id: uuid.UUID | None
    intent: str


def inbound_text(
    ctx: Context, *, provider_id: str, from_: str, to: str, body: str
) -> InboundResult:
    session = ctx.session
    try:
        sender, receiver = normalize_phone(from_), normalize_phone(to)
    except ValueError:
        return InboundResult(None, None, "unreadable")
    org = session.scalar(select(Organization).where(Organization.sms_number == receiver))
    if org is None:
        return InboundResult(None, None, "unknown-number")
    key = f"inbound:{provider_id}"
    existing = session.scalar(
        unscoped_system(select(Communication).where(Communication.idempotency_key == key), SYSTEM)
    )
    if existing is not None:
        return InboundResult(org.id, existing.id, "duplicate")

    owners = list(
        session.scalars(
            unscoped_system(
                select(PatientTelecom.patient_id).where(
                    PatientTelecom.organization_id == org.id, PatientTelecom.value == sender
                ),
                SYSTEM,
            )
        )
    )
    patient_id = _most_recently_texted(ctx, org.id, owners, sender)
    reply = rules.read_reply(body)
    now = clock.now()
    communication = Communication(
        organization_id=org.id,
        patient_id=patient_id,
        channel="sms",
        direction="inbound",
        kind="message",
        status="received",
        from_address=sender,
        to_address=receiver,
        body=body[:1600],
        idempotency_key=key,
        provider_message_id=provider_id,
        created_at=now,
        sent_at=now,
    )
    session.add(communication)
    session.flush()
    ctx.audit(
        "create",
        "Communication",
        communication.id,
        patient_id=patient_id,
        organization_id=org.id,
        intent=reply.intent,
    )

    def answer(kind: str, **extra: object) -> None:
        queue(
            ctx,
            kind=kind,
            organization_id=org.id,
            patient_id=patient_id,
            key=f"reply:{provider_id}",
            channel="sms",
            to=sender,
            **extra,
        )

    if reply.intent in ("stop", "start"):
        status = "revoked" if reply.intent == "stop" else "granted"
        for owner in owners or []:
            session.add(
                CommunicationConsent(
                    organization_id=org.id,
                    patient_id=owner,
                    channel="sms",
                    status=status,
                    given_by="patient",
                    method="sms-keyword",
                    recorded_at=now,
                )
            )
        communication.kind = "keyword"
        answer("stopped" if reply.intent == "stop" else "started")
        return InboundResult(org.id, communication.id, reply.intent)
    if reply.intent == "help":
        communication.kind = "keyword"
        answer("help")
        return InboundResult(org.id, communication.id, "help")
    if patient_id is None:
        # An unknown number: a conversation task for a coordinator to identify.
        _file(ctx, communication, sender)
        return InboundResult(org.id, communication.id, "unidentified")

    if reply.intent in ("confirm", "cancel", "reschedule"):
        appointment = _reminded_appointment(ctx, org.id, patient_id)
        if appointment is None:
            _file(ctx, communication, sender)
            return InboundResult(org.id, communication.id, "message")
        communication.appointment_id = appointment.id
        communication.kind = f"reply-{reply.intent}"
        if reply.intent == "confirm":
            session.add(
                AppointmentHistory(
                    organization_id=org.id,
                    appointment_id=appointment.id,
                    at=now,
                    action="confirmed-by-patient",
                    from_status=appointment.status,
                    to_status=appointment.status,
                    reason="text reply",
                )
            )
            answer("reply-confirmed", appointment_id=appointment.id)
        elif reply.intent == "cancel":
            from liaison.scheduling import booking

            booking._cancel(ctx, appointment, "cancelled by text reply", "patient")
            answer("reply-cancelled")
        else:
            answer("reply-reschedule")
            _reschedule_task(ctx, communication, appointment)
        return InboundResult(org.id, communication.id, reply.intent)

    if reply.intent == "score":
        asked = session.scalar(
            unscoped_system(
                select(Communication)
                .where(
                    Communication.organization_id == org.id,
                    Communication.patient_id == patient_id,
                    Communication.kind == "follow-up",
                    Communication.direction == "outbound",
                )
                .order_by(Communication.created_at.desc())
                .limit(1),
                SYSTEM,
            )
        )
        if asked is not None and asked.appointment_id is not None:
            session.add(
                SurveyResponse(
                    organization_id=org.id,
                    appointment_id=asked.appointment_id,
                    patient_id=patient_id,
                    score=reply.score or 0,
                    received_at=now,
                )
            )
            communication.kind = "survey-answer"
            communication.appointment_id = asked.appointment_id
            answer("survey-thanks")
            return InboundResult(org.id, communication.id, "score")
    _file(ctx, communication, sender)
    return InboundResult(org.id, communication.id, "message")


def _file(ctx: Context, communication: Communication, sender: str) -> None:
    """A message for a person: the inbox triages it and opens or updates a task."""
    from liaison.workqueue import inbox

    inbox.receive(ctx, communication, reply_to=sender)


def _reschedule_task(ctx: Context, communication: Communication, appointment: Appointment) -> None:
    """ "R" to a reminder: the patient is told someone will call, so someone must."""
    from liaison.workqueue import service

    service.create(
        ctx,
        service.NewTask(
            organization_id=appointment.organization_id,
            type="reschedule",
            title="Patient asked by text to reschedule",
            priority="routine",
            patient_id=appointment.patient_id,
            focus_type="Appointment",
            focus_id=appointment.id,
            source="sms",
        ),
    )


def _most_recently_texted(
    ctx: Context, organization_id: uuid.UUID, owners: list[uuid.UUID], number: str
) -> uuid.UUID | None:
    """Several patients may share a phone (a family): the reply is taken to be about the
    one Liaison texted last at that number."""
    if not owners:
        return None
    if len(owners) == 1:
        return owners[0]
    last = ctx.session.scalar(
        unscoped_system(
            select(Communication.patient_id)
            .where(
                Communication.organization_id == organization_id,
                Communication.to_address == number,
                Communication.direction == "outbound",
                Communication.patient_id.in_(owners),
            )
            .order_by(Communication.created_at.desc())
            .limit(1),
            SYSTEM,
        )
    )
    return last or owners[0]


def _reminded_appointment(
    ctx: Context, organization_id: uuid.UUID, patient_id: uuid.UUID
) -> Appointment | None:
    """The upcoming booked appointment a reply is about: the one last reminded of, else
    the next one."""
    now = clock.now()
    reminded = ctx.session.scalar(
        unscoped_system(
            select(Appointment)
            .join(
                Communication,
                (Communication.organization_id == Appointment.organization_id)
                & (Communication.appointment_id == Appointment.id),
            )
            .where(
                Communication.patient_id == patient_id,
                Communication.kind.in_(("reminder", "confirmation", "rescheduled")),
                Appointment.status == "booked",
                Appointment.start_at > now,
            )
            .order_by(Communication.created_at.desc())
            .limit(1),
            SYSTEM,
        )
    )
    if reminded is not None:
        return reminded
    return ctx.session.scalar(
        unscoped_system(
            select(Appointment)
            .where(
                Appointment.organization_id == organization_id,
                Appointment.patient_id == patient_id,
                Appointment.status == "booked",
                Appointment.start_at > now,
            )
            .order_by(Appointment.start_at)
            .limit(1),
            SYSTEM,
        )
    )
