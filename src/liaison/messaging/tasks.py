"""Messaging's work in the background: sending (``dispatch``), and the messages that
follow appointment events — confirmations, notices, no-show outreach, follow-ups."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.context import Context
from liaison.jobs import registry
from liaison.messaging import dispatch  # noqa: F401 - registers the message.send handler
from liaison.messaging.dispatch import queue
from liaison.models import Appointment, HealthcareService, OutboxMessage

SYSTEM = "the worker reacts to appointment events of every organization"


def _appointment(ctx: Context, message: OutboxMessage) -> Appointment | None:
    appointment_id = uuid.UUID(message.payload["appointment_id"])
    stmt = select(Appointment).where(Appointment.id == appointment_id)
    return ctx.session.scalar(unscoped_system(stmt, SYSTEM))


def _tell(
    ctx: Context, message: OutboxMessage, kind: str, *, only_booked: bool = False, **extra: object
) -> None:
    """Queue one ``kind`` message to the patient of the event's appointment, keyed on
    the event (a redelivered event queues nothing new)."""
    appointment = _appointment(ctx, message)
    if appointment is None or (only_booked and appointment.status != "booked"):
        return
    queue(
        ctx,
        kind=kind,
        organization_id=appointment.organization_id,
        patient_id=appointment.patient_id,
        appointment_id=appointment.id,
        key=f"{kind}:{message.id}",
        **extra,
    )


@registry.handles("appointment.booked")
def confirm_booking(ctx: Context, message: OutboxMessage) -> None:
    _tell(ctx, message, "confirmation", only_booked=True)


@registry.handles("appointment.rescheduled")
def confirm_new_time(ctx: Context, message: OutboxMessage) -> None:
    _tell(ctx, message, "rescheduled", only_booked=True)


@registry.handles("appointment.cancelled")
def tell_about_cancellation(ctx: Context, message: OutboxMessage) -> None:
    # A patient who cancelled knows; one whose visit the clinic cancelled must be told.
    if message.payload.get("cancelled_by") != "patient":
        _tell(ctx, message, "cancellation", note=message.payload.get("reason"))


@registry.handles("appointment.noshow")
def reach_out_after_no_show(ctx: Context, message: OutboxMessage) -> None:
    _tell(ctx, message, "no-show")


@registry.handles("appointment.fulfilled")
def ask_how_it_went(ctx: Context, message: OutboxMessage) -> None:
    appointment = _appointment(ctx, message)
    if appointment is None:
        return
    service = ctx.session.scalar(
        unscoped_system(
            select(HealthcareService).where(
                HealthcareService.id == appointment.healthcare_service_id
            ),
            SYSTEM,
        )
    )
    if service is None or service.follow_up_hours is None:
        return
    queue(
        ctx,
        kind="follow-up",
        organization_id=appointment.organization_id,
        patient_id=appointment.patient_id,
        appointment_id=appointment.id,
        key=f"follow-up:{appointment.id}",
        available_at=appointment.end_at + timedelta(hours=service.follow_up_hours),
    )


registry.INFORMATIONAL.update(
    {"appointment.arrived", "appointment.checked-in", "appointment.entered-in-error"}
)
