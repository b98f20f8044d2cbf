"""Crash test: 1,000 due reminders, worker processes killed with SIGKILL at random
moments and restarted, against the sandbox provider over HTTP. Every reminder reaches
the provider exactly once per idempotency key; none is lost. And four workers running
side by side never send one message twice (not even an attempt the provider absorbs)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from sqlalchemy import func, insert, select

from liaison.authz.scope import unscoped_system
from liaison.kit.ids import uuid7
from liaison.models import (
    Appointment,
    Communication,
    CommunicationConsent,
    Organization,
    OutboxMessage,
    PatientTelecom,
)

REMINDERS = 1000


def _count(runtime, stmt) -> int:
    with runtime.db.session() as s:
        return s.scalar(unscoped_system(stmt, "test")) or 0


def _due_reminders(api, runtime, count: int, key: str) -> None:
    """``count`` reminders due now, for 20 patients who agreed to texts."""
    org = api.organization(time_zone="UTC")
    with runtime.db.session() as s:
        row = s.get(Organization, org.id)
        row.sms_number, row.quiet_hours_start, row.quiet_hours_end = (
            "+16175550100",
            "00:00",
            "00:00",
        )
    location = api.location(org, time_zone="UTC")
    service = api.service(org)
    role = api.role(api.practitioner(org), location, [service])
    patients = [api.patient(org) for _ in range(20)]
    api._save(
        *[
            PatientTelecom(
                organization_id=org.id,
                patient_id=p.id,
                use="mobile",
                value=f"+1617555{2000 + i:04d}",
                rank=1,
            )
            for i, p in enumerate(patients)
        ]
    )
    api._save(
        *[
            CommunicationConsent(
                organization_id=org.id,
                patient_id=p.id,
                channel="sms",
                status="granted",
                given_by="patient",
                method="verbal",
                recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            for p in patients
        ]
    )
    now = datetime.now(UTC)
    appointments, messages = [], []
    for n in range(count):
        start = now + timedelta(days=3, minutes=30 * n)
        appointment_id = uuid7()
        patient = patients[n % len(patients)]
        appointments.append(
            {
                "organization_id": org.id,
                "id": appointment_id,
                "status": "booked",
                "patient_id": patient.id,
                "healthcare_service_id": service.id,
                "practitioner_role_id": role.id,
                "location_id": location.id,
                "start_at": start,
                "end_at": start + timedelta(minutes=30),
                "modality": "in-person",
                "overbooked": False,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        messages.append(
            {
                "id": uuid7(),
                "organization_id": org.id,
                "topic": "message.send",
                "appointment_id": appointment_id,
                "payload": {
                    "kind": "reminder",
                    "appointment_id": str(appointment_id),
                    "patient_id": str(patient.id),
                },
                "idempotency_key": f"{key}:{n}",
                "status": "pending",
                "attempts": 0,
                "available_at": now,
                "created_at": now,
            }
        )
    with runtime.db.session() as s:
        s.execute(insert(Appointment), appointments)
        s.execute(insert(OutboxMessage), messages)


def _worker_command(
    runtime, settings, live, batch_size: int = 25, lease_seconds: int = 2
) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "LIAISON_DATABASE_URL": settings.database_url,
        "LIAISON_SECRET_KEY": settings.secret_key.get_secret_value(),
        "LIAISON_BASE_URL": live.base,
        "LIAISON_LOG_LEVEL": "ERROR",
        "LIAISON_ENV": "test",
    }
    command = [
        sys.executable,
        "-m",
        "liaison.cli",
        "worker",
        "--batch-size",
        str(batch_size),
        "--idle-sleep",
        "0.1",
        "--lease-seconds",
        str(lease_seconds),
    ]
    return command, env


@pytest.mark.slow
def test_sigkilled_workers_deliver_every_reminder_exactly_once(api, runtime, settings, live):
    _due_reminders(api, runtime, REMINDERS, "crash")
    command, env = _worker_command(runtime, settings, live)
    rng = random.Random(1)
    kills = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        pending = _count(
            runtime,
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "done"),
        )
        if pending == 0:
            break
        worker = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.3, 2.5))
        if kills < 12:
            worker.send_signal(signal.SIGKILL)
            kills += 1
        else:
            time.sleep(3)  # let the last worker finish (leases of killed claims expire)
            worker.send_signal(signal.SIGTERM)
        worker.wait(20)

    assert (
        _count(
            runtime,
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "done"),
        )
        == 0
    )
    stats = httpx2.get(f"{live.base}/sandbox/sms/stats").json()
    assert stats["messages"] == REMINDERS  # one per idempotency key: none lost, none twice
    assert (
        _count(
            runtime,
            select(func.count()).select_from(Communication).where(Communication.kind == "reminder"),
        )
        == REMINDERS
    )
    print(f"kills={kills} provider_stats={stats}")


@pytest.mark.slow
def test_four_workers_side_by_side_never_send_twice(api, runtime, settings, live):
    """On PostgreSQL the workers share the work through FOR UPDATE SKIP LOCKED; on SQLite
    they take turns at the one writer. Either way no message is sent twice: the provider
    sees each idempotency key once, with no repeated attempt to absorb."""
    count = 600
    _due_reminders(api, runtime, count, "four")
    command, env = _worker_command(runtime, settings, live, batch_size=20, lease_seconds=120)
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(4)
    ]
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if (
                _count(
                    runtime,
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status != "done"),
                )
                == 0
            ):
                break
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(20)

    assert (
        _count(
            runtime,
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "done"),
        )
        == 0
    )
    assert httpx2.get(f"{live.base}/sandbox/sms/stats").json() == {
        "messages": count,
        "repeated_attempts": 0,
    }
    assert (
        _count(
            runtime,
            select(func.count()).select_from(Communication).where(Communication.kind == "reminder"),
        )
        == count
    )
