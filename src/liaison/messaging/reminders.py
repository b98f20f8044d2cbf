"""Reminders: written, moved and removed in the same transaction as the booking change.

A reminder is an outbox message (topic ``message.send``, kind ``reminder``) due some
time before the visit, carrying the appointment's id. Cancelling or rescheduling the
appointment cancels its pending reminders in the same transaction; the worker locks a
reminder before sending it and skips it if it was cancelled, so a cancellation that
races the dispatch either commits first (nothing is sent) or waits for the send that
had already begun — no reminder ever goes out for an appointment cancelled before it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update

from liaison.authz.scope import unscoped_system
from liaison.context import Context
from liaison.jobs.outbox import enqueue
from liaison.kit import clock
from liaison.messaging import rules
from liaison.models import Appointment, HealthcareService, Organization, OutboxMessage, Patient
from liaison.scheduling.calendars import zone

SEND = "message.send"
# A reminder due this close to the visit is pointless; it is not sent at all.
TOO_LATE = timedelta(minutes=30)


def schedule(
    ctx: Context,
    appointment: Appointment,
    service: HealthcareService,
    patient: Patient | None = None,
) -> int:
    """Queue the visit type's reminders for a booked appointment. Returns how many."""
    org = ctx.session.get(Organization, appointment.organization_id)
    if org is None:
        return 0
    tz = zone((patient.time_zone if patient and patient.time_zone else None) or org.time_zone)
    now = clock.now()
    queued = 0
    for minutes in sorted(set(service.reminder_offsets_minutes or []), reverse=True):
        due = rules.reminder_due(
            appointment.start_at,
            timedelta(minutes=minutes),
            tz,
            org.quiet_hours_start,
            org.quiet_hours_end,
        )
        if due <= now or appointment.start_at - due < TOO_LATE:
            continue
        message = enqueue(
            ctx.session,
            SEND,
            {
                "kind": "reminder",
                "appointment_id": str(appointment.id),
                "patient_id": str(appointment.patient_id),
                "offset_minutes": minutes,
            },
            idempotency_key=f"reminder:{appointment.id}:{minutes}",
            organization_id=appointment.organization_id,
            available_at=due,
        )
        message.appointment_id = appointment.id
        queued += 1
    return queued


def cancel(ctx: Context, appointment_id: uuid.UUID) -> None:
    """Cancel every message still waiting for this appointment (reminders above all)."""
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.appointment_id == appointment_id,
            OutboxMessage.status.in_(("pending", "processing")),
        )
        .values(status="cancelled", locked_until=None)
        .execution_options(synchronize_session=False)
    )
    ctx.session.execute(
        unscoped_system(stmt, "outbox rows of an appointment the caller just changed")
    )
