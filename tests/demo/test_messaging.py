"""The demo's messaging: each clinic texts from its own number, reminders wait for
booked visits only, history went only to patients who agreed to texts, and the worker
delivers a due reminder of the demo through the sandbox provider."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import httpx2
from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.demo.loader import load as load_demo
from liaison.kit import clock
from liaison.models import (
    Appointment,
    Communication,
    CommunicationConsent,
    Organization,
    OutboxMessage,
    WaitlistEntry,
)
from tests.messaging.conftest import live, mailbox  # noqa: F401 - fixtures reused

SYSTEM = "test"


def _all(runtime, stmt):
    with runtime.db.session() as session:
        return list(session.execute(unscoped_system(stmt, SYSTEM)))


def test_demo_messages_follow_consent_and_bookings(runtime):
    load_demo(runtime, seed=7, size="small", reset=False, patients=600)
    numbers = [n for (n,) in _all(runtime, select(Organization.sms_number))]
    assert len(numbers) == 3 and len(set(numbers)) == 3 and all(n.startswith("+1") for n in numbers)

    reminders = _all(
        runtime,
        select(
            OutboxMessage.status,
            Appointment.status,
            OutboxMessage.available_at,
            Appointment.start_at,
        ).join(Appointment, Appointment.id == OutboxMessage.appointment_id),
    )
    assert reminders, "the demo has reminders still to send"
    now = clock.now()
    assert {(r[0], r[1]) for r in reminders} == {("pending", "booked")}
    assert all(now < due < start for _, _, due, start in reminders)

    # Every text the demo says it sent went to a patient whose newest SMS decision is yes.
    latest: dict[uuid.UUID, str] = {}
    for patient_id, status in _all(
        runtime,
        select(CommunicationConsent.patient_id, CommunicationConsent.status)
        .where(CommunicationConsent.channel == "sms")
        .order_by(CommunicationConsent.recorded_at),
    ):
        latest[patient_id] = status
    sent = _all(
        runtime,
        select(Communication.patient_id, Communication.kind, Communication.body).where(
            Communication.direction == "outbound"
        ),
    )
    assert sent and all(latest.get(pid) == "granted" for pid, _, _ in sent)
    kinds = Counter(kind for _, kind, _ in sent)
    assert kinds["reminder"] > kinds["reply-confirmed"] > 0 and kinds["follow-up"] > 0
    assert not any("{{" in body for _, _, body in sent)

    entries = _all(
        runtime,
        select(
            WaitlistEntry.priority, WaitlistEntry.current_appointment_id, WaitlistEntry.latest_date
        ).where(WaitlistEntry.status == "active"),
    )
    assert {p for p, _, _ in entries} == {"routine", "urgent"}
    assert all(current is not None for _, current, _ in entries)
    # A few already filled a freed slot, credited to the coordinator who booked that client.
    filled = _all(
        runtime,
        select(WaitlistEntry.booked_appointment_id, WaitlistEntry.created_by_user_id).where(
            WaitlistEntry.status == "booked"
        ),
    )
    assert filled and all(booked is not None for booked, _ in filled)
    assert any(by is not None for _, by in filled)


def test_the_worker_sends_a_due_demo_reminder_through_the_sandbox(runtime, live):
    load_demo(runtime, seed=7, size="small", reset=False, patients=600)
    ((message_id, due),) = _all(
        runtime,
        select(OutboxMessage.id, OutboxMessage.available_at)
        .where(OutboxMessage.status == "pending")
        .order_by(OutboxMessage.available_at)
        .limit(1),
    )
    with clock.frozen_at(due + timedelta(seconds=30)):
        assert live.drain() >= 1
    ((status,),) = _all(runtime, select(OutboxMessage.status).where(OutboxMessage.id == message_id))
    assert status == "done"
    # Every reminder due by then went out (several demo reminders can share a due time),
    # and the sandbox provider holds exactly the text Liaison recorded for each.
    sent = _all(
        runtime,
        select(Communication.to_address, Communication.body).where(
            Communication.idempotency_key.like("reminder:%"),
            Communication.created_at > due - timedelta(seconds=1),
        ),
    )
    assert sent
    for to, body in sent:
        received = httpx2.get(f"{live.base}/sandbox/sms/messages", params={"to": to}).json()
        assert body in [m["body"] for m in received]
