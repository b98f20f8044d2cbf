"""The inbox: patients' messages become (or update) tasks, triaged on arrival.

A conversation is an open ``inquiry`` task: the first message from a patient (or from a
number nobody recognises) opens one, later messages land on it until it is closed.
Triage suggests a category and urgency with its reasons; a message that describes an
emergency raises the task to ``stat`` at once, notifies the team lead, and sends the
patient a safety reply in their language on the channel they used. A coordinator
confirms or corrects the suggestion; corrections are kept for retraining.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped, unscoped_system
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.kit import clock
from liaison.messaging import service as messaging
from liaison.messaging.dispatch import queue as queue_message
from liaison.models import Communication, Patient, Task, TriageCorrection
from liaison.workqueue import repository, rules, service

READ, WRITE = Permission.TASK_READ, Permission.TASK_WRITE
SYSTEM = "an inbound message is filed by the system, for the organization it was sent to"
MAX_BODY = 1600
TITLES = {
    "scheduling": "Scheduling message",
    "refill": "Prescription refill request",
    "billing": "Billing question",
    "clinical": "Clinical question",
    "records": "Records request",
    "other": "Patient message",
}


@dataclass(frozen=True)
class Filed:
    task: Task
    created: bool
    emergency: bool


def receive(ctx: Context, communication: Communication, *, reply_to: str | None = None) -> Filed:
    """File an inbound message: triage it, then open a conversation task or add it to
    the open one. ``reply_to`` is the sender's address for a safety reply (SMS)."""
    from liaison import triage

    session = ctx.session
    suggestion = triage.suggest(communication.body)
    patient = (
        session.scalar(
            unscoped_system(
                select(Patient).where(
                    Patient.organization_id == communication.organization_id,
                    Patient.id == communication.patient_id,
                ),
                "the message's patient, matched by the webhook or checked by the caller",
            )
        )
        if communication.patient_id
        else None
    )
    language = (patient.preferred_language if patient else None) or suggestion.language
    reason = "; ".join(suggestion.reasons)[:500]
    existing = _open_conversation(ctx, communication)
    emergency = suggestion.emergency
    if existing is None:
        task = service.create(
            ctx,
            service.NewTask(
                organization_id=communication.organization_id,
                type="inquiry",
                title=TITLES.get(suggestion.category, TITLES["other"])
                + ("" if patient else " (unknown sender)"),
                priority=rules.priority_for_urgency(suggestion.urgency),
                patient_id=communication.patient_id,
                focus_type="Communication",
                focus_id=communication.id,
                contact=None if patient else communication.from_address,
                language=(language or "en").split("-")[0],
                category=suggestion.category,
                urgency=suggestion.urgency,
                triage_reason=reason,
                source=communication.channel,
            ),
        )
        service._event(ctx, task, "message-in", to_value=communication.channel)
        created = True
    else:
        task = existing
        created = False
        service._event(ctx, task, "message-in", to_value=communication.channel)
        task.snoozed_until = None
        more_urgent = rules.URGENCIES.index(suggestion.urgency) < rules.URGENCIES.index(
            task.urgency or "routine"
        )
        if more_urgent:
            task.urgency, task.triage_confirmed = suggestion.urgency, False
            task.triage_reason = reason
            _raise_priority(ctx, task, rules.priority_for_urgency(suggestion.urgency))
        task.updated_at = clock.now()
    if emergency:
        _emergency(ctx, task, communication, language, reply_to)
    ctx.session.flush()
    return Filed(task, created, emergency)


def _raise_priority(ctx: Context, task: Task, priority: str) -> None:
    if rules.PRIORITY_RANK[priority] < task.priority_rank:
        service._event(ctx, task, "priority", from_value=task.priority, to_value=priority)
        task.priority, task.priority_rank = priority, rules.PRIORITY_RANK[priority]


def _emergency(
    ctx: Context,
    task: Task,
    communication: Communication,
    language: str | None,
    reply_to: str | None,
) -> None:
    now = clock.now()
    _raise_priority(ctx, task, "stat")
    task.escalated_at = now
    service._event(ctx, task, "escalated", note="the message describes an emergency")
    service.notify(
        ctx,
        task,
        repository.lead_of(ctx.session, task.organization_id, task.team_id)
        + ([task.owner_user_id] if task.owner_user_id else []),
        "emergency",
        "Urgent: a patient message describes an emergency",
    )
    channel = communication.channel
    queue_message(
        ctx,
        kind="safety",
        organization_id=task.organization_id,
        patient_id=communication.patient_id,
        key=f"safety:{communication.id}",
        language=(language or "en").split("-")[0],
        **(
            {"channel": "sms", "to": reply_to}
            if channel == "sms" and reply_to
            else {"channels": [channel if channel in ("sms", "email") else "sms"]}
        ),
    )


def _open_conversation(ctx: Context, communication: Communication) -> Task | None:
    stmt = select(Task).where(
        Task.organization_id == communication.organization_id,
        Task.is_open.is_(True),
        Task.type == "inquiry",
    )
    if communication.patient_id is not None:
        stmt = stmt.where(Task.patient_id == communication.patient_id)
    elif communication.from_address:
        stmt = stmt.where(Task.patient_id.is_(None), Task.contact == communication.from_address)
    else:
        return None
    return ctx.session.scalar(
        unscoped_system(stmt.order_by(Task.created_at.desc()).limit(1).with_for_update(), SYSTEM)
    )


def receive_message(ctx: Context, data: Any) -> Filed:
    """An integration (the portal, an email gateway) hands over a patient's message."""
    audit = ctx.audit(
        "create", "Communication", patient_id=data.patient_id, organization_id=data.organization_id
    )
    principal = ctx.require(WRITE, data.organization_id)
    referenced(
        ctx.session,
        principal,
        Patient,
        data.organization_id,
        data.patient_id,
        Permission.PATIENT_READ,
        "patient_id",
    )
    body = (data.body or "").strip()
    if not body:
        raise InvalidInput("body", "is empty")
    now = clock.now()
    communication = Communication(
        organization_id=data.organization_id,
        patient_id=data.patient_id,
        channel=data.channel,
        direction="inbound",
        kind="message",
        status="received",
        subject=data.subject,
        body=body,
        created_at=now,
        sent_at=now,
    )
    ctx.session.add(communication)
    ctx.session.flush()
    audit.about(resource_id=communication.id)
    return receive(ctx, communication)


# --- Working a conversation -----------------------------------------------------------


def conversation(ctx: Context, task: Task, limit: int = 100) -> list[Communication]:
    """The messages of the task's patient across channels, oldest first; for an unknown
    sender, the messages from their number."""
    stmt = select(Communication).where(Communication.organization_id == task.organization_id)
    if task.patient_id is not None:
        stmt = stmt.where(Communication.patient_id == task.patient_id)
    elif task.contact:
        stmt = stmt.where(
            Communication.patient_id.is_(None),
            (Communication.from_address == task.contact)
            | (Communication.to_address == task.contact),
        )
    else:
        return []
    stmt = scoped(
        stmt.order_by(Communication.created_at.desc()).limit(limit),
        ctx.caller,
        Communication,
        Permission.PATIENT_READ,
    )
    return list(reversed(list(ctx.session.scalars(stmt))))


def reply(ctx: Context, task_id: uuid.UUID, body: str, channel: str | None) -> Task:
    """A coordinator answers: the message goes out on the patient's channel (or the one
    chosen) after the commit; the first answer records the first response."""
    task = service._editable(ctx, task_id, None, "update")
    if not task.is_open:
        raise Conflict(f"A {task.status} task cannot be answered; open a new one")
    text = (body or "").strip()
    if not text:
        raise InvalidInput("body", "is empty")
    if len(text) > MAX_BODY:
        raise InvalidInput("body", f"is longer than {MAX_BODY} characters")
    if task.patient_id is None:
        raise Conflict(
            "Identify the patient first: replies go to a patient's consented channels",
            field="patient_id",
        )
    messaging.send_message(ctx, task.organization_id, task.patient_id, text, channel)
    me = ctx.caller.user_id
    service._event(ctx, task, "message-out", user_id=me, to_value=channel or "preferred")
    service._responded(task, clock.now(), me)
    if task.owner_user_id is None:
        task.owner_user_id, task.assigned_at = me, clock.now()
    if task.status in ("requested", "accepted"):
        service._event(
            ctx, task, "status", user_id=me, from_value=task.status, to_value="in-progress"
        )
        task.status = "in-progress"
    service._flush(ctx)
    return task


def identify(ctx: Context, task_id: uuid.UUID, patient_id: uuid.UUID, version: int | None) -> Task:
    """Name the patient behind an unknown number: the task and every unmatched message
    from that number become theirs."""
    task = service._editable(ctx, task_id, version, "update")
    if task.patient_id is not None:
        raise Conflict("The task already names its patient", field="patient_id")
    referenced(
        ctx.session,
        ctx.caller,
        Patient,
        task.organization_id,
        patient_id,
        Permission.PATIENT_WRITE,
        "patient_id",
    )
    if task.contact:
        stmt = (
            update(Communication)
            .where(
                Communication.organization_id == task.organization_id,
                Communication.patient_id.is_(None),
                Communication.from_address == task.contact,
            )
            .values(patient_id=patient_id)
            .execution_options(synchronize_session=False)
        )
        ctx.session.execute(scoped(stmt, ctx.caller, Communication, Permission.PATIENT_WRITE))
    task.patient_id = patient_id
    task.title = task.title.replace(" (unknown sender)", "")
    service._event(ctx, task, "patient-identified", user_id=ctx.caller.user_id)
    ctx.audit(
        "update",
        "Communication",
        patient_id=patient_id,
        organization_id=task.organization_id,
        identified_from="unknown number",
    )
    service._flush(ctx)
    return task


def confirm_triage(
    ctx: Context, task_id: uuid.UUID, category: str, urgency: str, version: int | None
) -> Task:
    """A coordinator confirms or corrects the suggestion; either way it is kept as a
    labeled example for retraining."""
    task = service._editable(ctx, task_id, version, "update")
    if category not in rules.CATEGORIES:
        raise InvalidInput("category", f"must be one of {', '.join(rules.CATEGORIES)}")
    if urgency not in rules.URGENCIES:
        raise InvalidInput("urgency", f"must be one of {', '.join(rules.URGENCIES)}")
    me = ctx.caller.user_id
    ctx.session.add(
        TriageCorrection(
            organization_id=task.organization_id,
            task_id=task.id,
            communication_id=task.focus_id if task.focus_type == "Communication" else None,
            suggested_category=task.category,
            suggested_urgency=task.urgency,
            category=category,
            urgency=urgency,
            user_id=me,
            at=clock.now(),
        )
    )
    changed = (category, urgency) != (task.category, task.urgency)
    service._event(
        ctx,
        task,
        "triage",
        user_id=me,
        from_value=f"{task.category}/{task.urgency}",
        to_value=f"{category}/{urgency}",
        note="corrected" if changed else "confirmed",
    )
    task.category, task.urgency, task.triage_confirmed = category, urgency, True
    if task.is_open:
        _raise_priority(ctx, task, rules.priority_for_urgency(urgency))
    service._flush(ctx)
    return task


def correction_examples(ctx: Context) -> list[tuple[str, str, str]]:
    """(text, category, urgency) of every correction the caller's organizations kept:
    the extra training data for ``triage.train``."""
    stmt = (
        select(Communication.body, TriageCorrection.category, TriageCorrection.urgency)
        .join(
            Communication,
            (Communication.organization_id == TriageCorrection.organization_id)
            & (Communication.id == TriageCorrection.communication_id),
        )
        .order_by(TriageCorrection.at)
    )
    stmt = scoped(stmt, ctx.caller, TriageCorrection, Permission.QUEUE_MANAGE)
    return [(b, c, u) for b, c, u in ctx.session.execute(stmt)]


def unread_count(ctx: Context) -> int:
    stmt = (
        select(func.count())
        .select_from(Task)
        .where(Task.is_open.is_(True), Task.type == "inquiry", Task.first_response_at.is_(None))
    )
    return int(ctx.session.scalar(scoped(stmt, ctx.caller, Task, READ)) or 0)


def get(ctx: Context, task_id: uuid.UUID) -> Task:
    return access_one(ctx.session, ctx.caller, Task, task_id, READ, "Task")
