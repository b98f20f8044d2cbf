"""The work queue's background work: escalating breaches, and the tasks that domain
events open (no-show outreach)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.context import Context
from liaison.jobs import registry
from liaison.models import Appointment, OutboxMessage, Task
from liaison.workqueue import service

SYSTEM = "the worker opens tasks for appointment events of every organization"


@registry.sweep("escalate-breached-tasks", every_seconds=60)
def escalate_breached_tasks(ctx: Context) -> int:
    return service.escalate_breaches(ctx)


@registry.handles("appointment.noshow")
def no_show_outreach(ctx: Context, message: OutboxMessage) -> None:
    """A missed visit is work for a coordinator: call the patient, rebook. One task per
    appointment, however often the event is delivered."""
    appointment_id = uuid.UUID(message.payload["appointment_id"])
    appointment = ctx.session.scalar(
        unscoped_system(select(Appointment).where(Appointment.id == appointment_id), SYSTEM)
    )
    if appointment is None:
        return
    exists = ctx.session.scalar(
        unscoped_system(
            select(Task.id).where(
                Task.organization_id == appointment.organization_id,
                Task.focus_id == appointment.id,
                Task.type == "no-show-outreach",
            ),
            SYSTEM,
        )
    )
    if exists is not None:
        return
    service.create(
        ctx,
        service.NewTask(
            organization_id=appointment.organization_id,
            type="no-show-outreach",
            title="Missed visit: reach the patient and rebook",
            patient_id=appointment.patient_id,
            focus_type="Appointment",
            focus_id=appointment.id,
            checklist=[
                {"text": "Call the patient", "done": False},
                {"text": "Offer a new time", "done": False},
            ],
            source="event",
        ),
    )
