"""A cancellation racing the dispatch of its reminder never lets the reminder out
after the cancellation: the send holds the appointment (or SQLite's write lock) until
it is recorded, and the cancellation marks the reminder cancelled in its own
transaction. Repeated many times with the two truly concurrent."""

from __future__ import annotations

import random
import threading
import time as time_module
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from liaison.auth import service as auth_service
from liaison.authz.scope import unscoped_system
from liaison.context import unit_of_work
from liaison.jobs.outbox import enqueue
from liaison.kit import clock
from liaison.models import (
    Appointment,
    AppointmentHistory,
    Communication,
    CommunicationConsent,
    Organization,
    PatientTelecom,
    User,
)
from liaison.scheduling import booking
from tests.scheduling.conftest import add_schedule

ROUNDS = 40


@pytest.mark.slow
def test_cancel_racing_dispatch_never_lets_a_reminder_out_after_it(api, runtime, live):
    org = api.organization(time_zone="UTC")
    with runtime.db.session() as s:
        row = s.get(Organization, org.id)
        row.sms_number, row.quiet_hours_start, row.quiet_hours_end = (
            "+16175550100",
            "00:00",
            "00:00",
        )
    location = api.location(org, time_zone="UTC")
    service = api.service(org, min_notice_minutes=0)
    role = api.role(api.practitioner(org), location, [service])
    add_schedule(api, role, hours=(0, 23), weekdays=(1, 2, 3, 4, 5, 6, 7))
    patient = api.patient(org)
    api._save(
        PatientTelecom(
            organization_id=org.id,
            patient_id=patient.id,
            use="mobile",
            value="+16175551234",
            rank=1,
        ),
        CommunicationConsent(
            organization_id=org.id,
            patient_id=patient.id,
            channel="sms",
            status="granted",
            given_by="patient",
            method="verbal",
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
    )
    coordinator = api.user(org, "coordinator")
    with runtime.db.session() as s:
        principal = auth_service.principal_for(s, s.get(User, coordinator.id))
    tomorrow = (clock.now() + timedelta(days=2)).date()
    sent_before, not_sent = 0, 0
    for n in range(ROUNDS):
        start = datetime.combine(tomorrow, time(0), tzinfo=UTC) + timedelta(minutes=30 * n)
        with unit_of_work(
            runtime.db, principal=principal, audit_key=runtime.audit_key, runtime=live.runtime
        ) as ctx:
            appointment = booking.book_appointment(
                ctx,
                organization_id=org.id,
                patient_id=patient.id,
                service_id=service.id,
                role_id=role.id,
                start=start,
            ).appointment
            message = enqueue(
                ctx.session,
                "message.send",
                {
                    "kind": "reminder",
                    "appointment_id": str(appointment.id),
                    "patient_id": str(patient.id),
                },
                idempotency_key=f"race:{n}",
                organization_id=org.id,
                available_at=clock.now() - timedelta(seconds=1),
            )
            message.appointment_id = appointment.id
        barrier = threading.Barrier(2)

        def dispatch(barrier=barrier):
            barrier.wait()
            live.worker.run_once()

        def cancel(appointment_id=appointment.id, delay=random.uniform(0, 0.04), barrier=barrier):
            barrier.wait()
            time_module.sleep(delay)  # sometimes before the claim, sometimes mid-send
            with unit_of_work(
                runtime.db, principal=principal, audit_key=runtime.audit_key, runtime=live.runtime
            ) as ctx:
                booking.cancel_appointment(ctx, appointment_id, "race", "patient")

        threads = [threading.Thread(target=dispatch), threading.Thread(target=cancel)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with runtime.db.session() as s:
            sent = s.scalars(
                unscoped_system(
                    select(Communication).where(
                        Communication.appointment_id == appointment.id,
                        Communication.kind == "reminder",
                        Communication.status == "sent",
                    ),
                    "test",
                )
            ).all()
            cancelled = s.scalar(
                unscoped_system(
                    select(AppointmentHistory.at).where(
                        AppointmentHistory.appointment_id == appointment.id,
                        AppointmentHistory.to_status == "cancelled",
                    ),
                    "test",
                )
            )
            status = s.scalar(
                unscoped_system(
                    select(Appointment.status).where(Appointment.id == appointment.id), "test"
                )
            )
        assert status == "cancelled"
        if sent:
            assert all(c.sent_at <= cancelled for c in sent), (
                n,
                [c.sent_at for c in sent],
                cancelled,
            )
            sent_before += 1
        else:
            not_sent += 1
    assert sent_before + not_sent == ROUNDS
    print(f"sent before the cancellation: {sent_before}, not sent: {not_sent}")
