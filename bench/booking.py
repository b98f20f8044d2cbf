"""Booking throughput over HTTP on PostgreSQL and SQLite, with PostgreSQL's own
single-connection commit rate measured in the same run as the physical reference.

    .venv/bin/python bench/booking.py [--bookings 600] [--pg-url postgresql://postgres@127.0.0.1:5432/liaison_bench_booking]

Each database gets a fresh clinic: one organization, PRACTITIONERS practitioners with
weekday availability 08:00-18:00 and a 15-minute visit type, so there are enough
distinct free slots for every booking to succeed (a failed booking would measure the
conflict path, not booking). The server is `liaison`'s ASGI app under uvicorn in a
subprocess; clients keep their connections alive and post
`POST /api/v1/appointments` bodies for distinct slots. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from liaison.auth import service as auth_service  # noqa: E402
from liaison.config import Settings  # noqa: E402
from liaison.kit import migrate  # noqa: E402
from liaison.kit.text import search_key  # noqa: E402
from liaison.models import (  # noqa: E402
    AvailabilityRule,
    HealthcareService,
    Location,
    Membership,
    Organization,
    Patient,
    Practitioner,
    PractitionerRole,
    PractitionerRoleService,
    Schedule,
    User,
)
from liaison.runtime import Runtime  # noqa: E402

PRACTITIONERS = 40
ZONE = ZoneInfo("America/New_York")
SECRET = "bench-secret-key-0123456789-0123456789-abcdef"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_for(url: str) -> Settings:
    return Settings(
        env="development",
        database_url=url,
        secret_key=SECRET,
        log_level="WARNING",  # type: ignore[arg-type]
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )


def build_clinic(url: str) -> tuple[str, dict[str, object]]:
    """A fresh clinic; returns a bearer token and the ids bookings need."""
    runtime = Runtime.from_settings(settings_for(url))
    migrate.upgrade(runtime.db.engine)
    with runtime.db.session() as s:
        org = Organization(
            name="Bench Clinic",
            slug=f"bench-{uuid.uuid4().hex[:8]}",
            time_zone="America/New_York",
            business_hours={},
        )
        s.add(org)
        s.flush()
        loc = Location(organization_id=org.id, name="Main", time_zone="America/New_York")
        svc = HealthcareService(
            organization_id=org.id,
            code="q",
            name="Quick visit",
            duration_minutes=15,
            min_notice_minutes=0,
            booking_horizon_days=365,
        )
        patient = Patient(
            organization_id=org.id,
            mrn="B1",
            given_name="Bench",
            family_name="Patient",
            given_key="bench",
            family_key=search_key("Patient"),
            birth_date=date(1980, 1, 1),
            administrative_sex="other",
        )
        s.add_all([loc, svc, patient])
        s.flush()
        roles = []
        for i in range(PRACTITIONERS):
            p = Practitioner(organization_id=org.id, given_name=f"P{i}", family_name=f"Bench{i}")
            s.add(p)
            s.flush()
            role = PractitionerRole(
                organization_id=org.id, practitioner_id=p.id, location_id=loc.id
            )
            s.add(role)
            s.flush()
            sched = Schedule(
                organization_id=org.id, practitioner_role_id=role.id, location_id=loc.id
            )
            s.add_all(
                [
                    PractitionerRoleService(
                        organization_id=org.id,
                        practitioner_role_id=role.id,
                        healthcare_service_id=svc.id,
                    ),
                    sched,
                ]
            )
            s.flush()
            s.add(
                AvailabilityRule(
                    organization_id=org.id,
                    schedule_id=sched.id,
                    weekdays=[1, 2, 3, 4, 5],
                    start_time=dtime(8),
                    end_time=dtime(18),
                    valid_from=date(2020, 1, 1),
                )
            )
            roles.append(role.id)
        user = User(
            email=f"bench-{uuid.uuid4().hex[:6]}@example.org",
            display_name="Bench",
            password_hash=runtime.passwords.hash("bench password long"),
        )
        s.add(user)
        s.flush()
        s.add(Membership(organization_id=org.id, user_id=user.id, role="coordinator"))
        s.flush()
        token, _ = auth_service.issue_api_token(s, runtime.settings, user, "bench")
        ids = {
            "org": str(org.id),
            "service": str(svc.id),
            "patient": str(patient.id),
            "roles": [str(r) for r in roles],
        }
    runtime.db.dispose()
    return token, ids


def slots(roles: list[str], count: int) -> list[tuple[str, datetime]]:
    """Distinct (role, start) pairs on weekdays from next week, 15-minute steps."""
    day = date.today() + timedelta(days=7)
    out: list[tuple[str, datetime]] = []
    while len(out) < count:
        if day.isoweekday() <= 5:
            for minute in range(0, 600, 15):
                start = datetime.combine(day, dtime(8), tzinfo=ZONE) + timedelta(minutes=minute)
                for role in roles:
                    out.append((role, start.astimezone(UTC)))
        day += timedelta(days=1)
    return out[:count]


class Server:
    def __init__(self, url: str) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "LIAISON_DATABASE_URL": url,
            "LIAISON_SECRET_KEY": SECRET,
            "LIAISON_LOG_LEVEL": "WARNING",
            # Measure the requests alone: no background worker in the server process.
            "LIAISON_EMBEDDED_WORKER": "false",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "liaison.app:asgi",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=str(ROOT),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def run_bookings(
    base: str, token: str, ids: dict[str, object], work: list[tuple[str, datetime]], threads: int
) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    chunks = [work[i::threads] for i in range(threads)]

    def worker(items: list[tuple[str, datetime]]) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for role, start in items:
                body = {
                    "organization_id": ids["org"],
                    "patient_id": ids["patient"],
                    "healthcare_service_id": ids["service"],
                    "practitioner_role_id": role,
                    "start": start.isoformat(),
                }
                t0 = time.perf_counter()
                response = client.post("/api/v1/appointments", json=body)
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != 201:
                        failures.append(response.status_code)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "bookings": len(work),
        "failed": len(failures),
        "per_s": round(len(work) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
    }


def commit_rate(pg_url: str, n: int = 2000) -> float:
    """Single-connection INSERT + COMMIT round trips per second: the physical floor of
    a booking's own commit on this machine's PostgreSQL (fsync included)."""
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TEMP TABLE bench_commit (id bigint)")
        conn.commit()
        started = time.perf_counter()
        for i in range(n):
            conn.execute("INSERT INTO bench_commit VALUES (%s)", (i,))
            conn.commit()
        return n / (time.perf_counter() - started)


def bench_database(url: str, n: int) -> dict[str, object]:
    result: dict[str, object] = {}
    for label, threads in (("sequential", 1), ("concurrent_8", 8), ("concurrent_32", 32)):
        token, ids = build_clinic(url)
        work = slots(ids["roles"], n)  # type: ignore[arg-type]
        server = Server(url)
        try:
            run_bookings(server.base, token, ids, work[:20], 1)  # warm up (first-request costs)
            log(f"  {label}: {n} bookings with {threads} client(s)")
            result[label] = run_bookings(server.base, token, ids, work[20:], threads)
        finally:
            server.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=600)
    parser.add_argument(
        "--pg-url", default="postgresql://postgres@127.0.0.1:5432/liaison_bench_booking"
    )
    args = parser.parse_args()

    admin_url = args.pg_url.rsplit("/", 1)[0] + "/postgres"
    db_name = args.pg_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    sqlite_dir = tempfile.mkdtemp(prefix="liaison-bench-")
    sqlite_url = f"sqlite:///{sqlite_dir}/booking.db"

    log("PostgreSQL commit-rate reference")
    reference = commit_rate(args.pg_url)
    log("PostgreSQL bookings over HTTP")
    postgres = bench_database(args.pg_url, args.bookings)
    log("SQLite bookings over HTTP")
    sqlite = bench_database(sqlite_url, args.bookings)
    sequential = postgres["sequential"]["per_s"]  # type: ignore[index]
    print(
        json.dumps(
            {
                "setup": {
                    "practitioners": PRACTITIONERS,
                    "bookings_per_run": args.bookings - 20,
                    "server": "uvicorn, 1 process",
                    "cpus": os.cpu_count(),
                },
                "postgres": postgres,
                "sqlite": sqlite,
                "reference": {"postgres_single_connection_commits_per_s": round(reference, 1)},
                "targets": {
                    "postgres_sequential_per_s": {
                        "target": 150,
                        "measured": sequential,
                        "met": sequential >= 150,
                    },
                    "postgres_sequential_share_of_commit_rate": {
                        "target": 0.40,
                        "measured": round(sequential / reference, 3),
                        "met": sequential / reference >= 0.40,
                    },
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
