"""Reminder dispatch throughput on PostgreSQL: 100,000 due reminders through 1 and 4
worker processes to the sandbox SMS provider over HTTP.

    .venv/bin/python bench/dispatch.py [--reminders 100000] [--pg-url postgresql://postgres@127.0.0.1:5432/liaison_bench_dispatch]

Each run starts from a fresh database holding REMINDERS booked appointments (of 500
patients who agreed to texts) and one due reminder each. Workers are `liaison worker`
processes; the provider is `liaison sandbox` (Twilio's REST shape, de-duplicating on
the idempotency token; delivery receipts off, so the measurement is the sending path).
Reported: messages per second (first claim to last send), p95 lateness (sent minus
due), and — from the provider's own count — messages lost or sent twice.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx2
import psycopg
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from liaison.authz.scope import unscoped_system  # noqa: E402
from liaison.config import Settings  # noqa: E402
from liaison.kit import migrate  # noqa: E402
from liaison.kit.ids import uuid7  # noqa: E402
from liaison.models import (  # noqa: E402
    Appointment,
    Communication,
    CommunicationConsent,
    HealthcareService,
    Location,
    Organization,
    OutboxMessage,
    Patient,
    PatientTelecom,
    Practitioner,
    PractitionerRole,
)
from liaison.runtime import Runtime  # noqa: E402

SECRET = "bench-dispatch-secret-0123456789-0123456789-abcdef"
PATIENTS = 500


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database(pg_url: str) -> None:
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(runtime: Runtime, reminders: int) -> None:
    now = datetime.now(UTC)
    with runtime.db.session() as s:
        org = Organization(
            name="Bench",
            slug="bench",
            time_zone="UTC",
            business_hours={},
            sms_number="+16175550100",
            quiet_hours_start="00:00",
            quiet_hours_end="00:00",
        )
        s.add(org)
        s.flush()
        location = Location(organization_id=org.id, name="Main", time_zone="UTC")
        service = HealthcareService(
            organization_id=org.id, code="v", name="Visit", duration_minutes=15
        )
        practitioner = Practitioner(organization_id=org.id, given_name="P", family_name="Bench")
        s.add_all([location, service, practitioner])
        s.flush()
        role = PractitionerRole(
            organization_id=org.id, practitioner_id=practitioner.id, location_id=location.id
        )
        s.add(role)
        s.flush()
        patients = [
            {
                "organization_id": org.id,
                "id": uuid7(),
                "mrn": f"B{i}",
                "given_name": f"Pat{i}",
                "family_name": "Bench",
                "given_key": f"pat{i}",
                "family_key": "bench",
                "birth_date": date(1980, 1, 1),
                "administrative_sex": "other",
                "preferred_language": "en" if i % 3 else "es",
                "active": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(PATIENTS)
        ]
        s.execute(insert(Patient), patients)
        s.execute(
            insert(PatientTelecom),
            [
                {
                    "organization_id": org.id,
                    "id": uuid7(),
                    "patient_id": p["id"],
                    "use": "mobile",
                    "value": f"+1617555{1000 + i:04d}",
                    "rank": 1,
                }
                for i, p in enumerate(patients)
            ],
        )
        s.execute(
            insert(CommunicationConsent),
            [
                {
                    "organization_id": org.id,
                    "id": uuid7(),
                    "patient_id": p["id"],
                    "channel": "sms",
                    "status": "granted",
                    "given_by": "patient",
                    "method": "verbal",
                    "recorded_at": now,
                }
                for p in patients
            ],
        )
        for start in range(0, reminders, 10_000):
            appointments, messages = [], []
            for n in range(start, min(reminders, start + 10_000)):
                appointment_id = uuid7()
                at = now + timedelta(days=2, minutes=15 * n)
                patient = patients[n % PATIENTS]
                appointments.append(
                    {
                        "organization_id": org.id,
                        "id": appointment_id,
                        "status": "booked",
                        "patient_id": patient["id"],
                        "healthcare_service_id": service.id,
                        "practitioner_role_id": role.id,
                        "location_id": location.id,
                        "start_at": at,
                        "end_at": at + timedelta(minutes=15),
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
                            "patient_id": str(patient["id"]),
                        },
                        "idempotency_key": f"bench:{n}",
                        "status": "pending",
                        "attempts": 0,
                        "available_at": now,
                        "created_at": now,
                    }
                )
            s.execute(insert(Appointment), appointments)
            s.execute(insert(OutboxMessage), messages)
    with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        from sqlalchemy import text

        for table in (
            "appointment",
            "outbox_message",
            "patient",
            "patient_telecom",
            "communication_consent",
        ):
            conn.execute(text(f"ANALYZE {table}"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU a live process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL server process on this machine, by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found[int(entry.name)] = cpu_seconds(int(entry.name))
            except OSError:
                continue  # gone meanwhile
    return found


def run(pg_url: str, reminders: int, workers: int) -> dict[str, object]:
    fresh_database(pg_url)
    sandbox_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"liaison-bench-{uuid.uuid4().hex[:6]}"
    sandbox_dir.mkdir()
    settings = Settings(database_url=pg_url, secret_key=SECRET, log_level="ERROR")  # type: ignore[arg-type]
    runtime = Runtime.from_settings(settings)
    migrate.upgrade(runtime.db.engine)
    log(f"  seeding {reminders:,} due reminders")
    seed(runtime, reminders)
    port = free_port()
    env = {
        **os.environ,
        "LIAISON_DATABASE_URL": pg_url,
        "LIAISON_SECRET_KEY": SECRET,
        "LIAISON_LOG_LEVEL": "ERROR",
        "LIAISON_SMS_BASE_URL": f"http://127.0.0.1:{port}",
        "LIAISON_SANDBOX_PATH": str(sandbox_dir / "sandbox.db"),
        "LIAISON_BASE_URL": "http://127.0.0.1:1",
    }
    provider = subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", "sandbox", "--port", str(port), "--no-receipts"],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            httpx2.get(f"http://127.0.0.1:{port}/stats", timeout=1)
            break
        except httpx2.HTTPError:
            time.sleep(0.1)
    log(f"  {workers} worker(s)")
    started = time.perf_counter()
    pg_before = postgres_cpu()
    worker_log = (sandbox_dir / "workers.log").open("w")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "liaison.cli",
                "worker",
                "--batch-size",
                "200",
                "--idle-sleep",
                "0.2",
            ],
            env={**env, "LIAISON_LOG_LEVEL": "WARNING"},
            cwd=str(ROOT),
            stdout=worker_log,
            stderr=worker_log,
        )
        for _ in range(workers)
    ]
    try:
        while True:
            time.sleep(1)
            with runtime.db.session() as s:
                left = s.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_(("pending", "processing")))
                )
            if not left:
                break
        wall = time.perf_counter() - started
        pg_after = postgres_cpu()
        cpu = {
            "workers": sum(cpu_seconds(p.pid) for p in procs),
            "provider": cpu_seconds(provider.pid),
            "postgres": sum(seconds - pg_before.get(pid, 0.0) for pid, seconds in pg_after.items()),
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(20)
    worker_log.close()
    failures = [
        line for line in (sandbox_dir / "workers.log").read_text().splitlines() if "_failed" in line
    ]
    if failures:
        log(f"  {len(failures)} failed cycles; first: {failures[0][:2000]}")
    stats = httpx2.get(f"http://127.0.0.1:{port}/stats").json()
    provider.terminate()
    provider.wait(10)
    with runtime.db.session() as s:
        rows = s.execute(
            unscoped_system(
                select(Communication.sent_at, OutboxMessage.available_at).join(
                    OutboxMessage,
                    Communication.idempotency_key == OutboxMessage.idempotency_key + ":sms",
                ),
                "bench",
            )
        ).all()
        first_send = min(r.sent_at for r in rows)
        last_send = max(r.sent_at for r in rows)
        dead = s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "dead")
        )
    lateness = sorted((r.sent_at - r.available_at).total_seconds() for r in rows)
    sending_seconds = (last_send - first_send).total_seconds() or wall
    runtime.db.dispose()
    return {
        "workers": workers,
        "reminders": reminders,
        "messages_per_s": round(len(rows) / sending_seconds, 1),
        "wall_seconds": round(wall, 1),
        "p95_lateness_s": round(lateness[int(len(lateness) * 0.95) - 1], 2),
        "provider_messages": stats["messages"],
        "lost": reminders - stats["messages"],
        "duplicated": len(rows) - stats["messages"],
        "resends_absorbed_by_idempotency": stats["repeated_attempts"],
        "dead_letters": dead,
        "failed_batches_retried": len(failures),
        "cpu_ms_per_message": {
            name: round(seconds * 1000 / reminders, 2) for name, seconds in cpu.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument(
        "--pg-url", default="postgresql://postgres@127.0.0.1:5432/liaison_bench_dispatch"
    )
    args = parser.parse_args()
    log("1 worker")
    one = run(args.pg_url, args.reminders, 1)
    log("4 workers")
    four = run(args.pg_url, args.reminders, 4)
    print(
        json.dumps(
            {
                "database": "postgresql",
                "cpus": os.cpu_count(),
                "one_worker": one,
                "four_workers": four,
                "target": {
                    "messages_per_s_with_4_workers": 1000,
                    "measured": four["messages_per_s"],
                    "met": four["messages_per_s"] >= 1000,
                    "lost": four["lost"],
                    "duplicated": four["duplicated"],
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
