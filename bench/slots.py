"""Slot search latency on the large demo: "first 10 available across all eligible
practitioners" in process and over HTTP, and one practitioner's month over HTTP.

    .venv/bin/python bench/slots.py [--database-url URL] [--queries 400]

The large demo has 520 practitioners with weekly availability and about three months
of appointments (history and the booking horizon), more than 100,000 of them. Queries
are made as coordinator@harbor.example across Harbor Family Health's visit types, half
of them ranked for a patient (language, continuity, preferences), from start dates
spread over the next two weeks. Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from liaison.auth.service import issue_api_token, principal_for  # noqa: E402
from liaison.authz.scope import unscoped_system  # noqa: E402
from liaison.config import Settings  # noqa: E402
from liaison.context import unit_of_work  # noqa: E402
from liaison.demo import loader  # noqa: E402
from liaison.demo.catalog import HARBOR  # noqa: E402
from liaison.kit import clock, migrate  # noqa: E402
from liaison.models import (  # noqa: E402
    Appointment,
    HealthcareService,
    Organization,
    Patient,
    Practitioner,
    PractitionerRole,
    PractitionerRoleService,
    User,
)
from liaison.runtime import Runtime  # noqa: E402
from liaison.scheduling.schemas import SlotSearch  # noqa: E402
from liaison.scheduling.search import search_slots  # noqa: E402

SEED = 7
CALLER = f"coordinator@{HARBOR.domain}"
SECRET = "bench-slots-secret-0123456789-0123456789-abcdef"
SYSTEM = "the benchmark samples demo rows to build its queries"
WARMUP = 20


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key=SECRET, log_level="WARNING")  # type: ignore[arg-type]


def ensure_demo(runtime: Runtime) -> tuple[float | None, dict[str, int]]:
    migrate.upgrade(runtime.db.engine)
    with runtime.db.session() as session:
        appointments = (
            session.scalar(unscoped_system(select(func.count()).select_from(Appointment), SYSTEM))
            or 0
        )
        loaded = loader.is_loaded(session)
    seconds = None
    if not loaded or appointments < 100_000:
        log("building the large demo (about a minute)")
        summary = loader.load(runtime, seed=SEED, size="large", reset=True)
        seconds = round(summary.seconds, 1)
    with runtime.db.session() as session:

        def count(model: Any) -> int:
            return (
                session.scalar(unscoped_system(select(func.count()).select_from(model), SYSTEM))
                or 0
            )

        sizes = {
            "practitioners": count(Practitioner),
            "patients": count(Patient),
            "appointments": count(Appointment),
        }
    return seconds, sizes


def build_queries(
    runtime: Runtime, n: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    rng = random.Random(SEED)
    with runtime.db.session() as session:
        org = session.scalar(select(Organization).where(Organization.slug == HARBOR.slug))
        services = session.execute(
            unscoped_system(
                select(HealthcareService.id, func.count(PractitionerRoleService.id))
                .join(
                    PractitionerRoleService,
                    PractitionerRoleService.healthcare_service_id == HealthcareService.id,
                )
                .where(HealthcareService.organization_id == org.id)
                .group_by(HealthcareService.id),
                SYSTEM,
            )
        ).all()
        patients = list(
            session.scalars(
                unscoped_system(
                    select(Patient.id).where(Patient.organization_id == org.id).limit(3000), SYSTEM
                )
            )
        )
        practitioners = list(
            session.scalars(
                unscoped_system(
                    select(PractitionerRole.practitioner_id)
                    .where(PractitionerRole.organization_id == org.id)
                    .distinct(),
                    SYSTEM,
                )
            )
        )
        user = session.scalars(select(User).where(User.email == CALLER)).one()
    today = clock.now().date()
    weights = [c for _, c in services]
    first_ten = []
    for _ in range(n):
        service_id, _ = rng.choices(services, weights=weights)[0]
        body: dict[str, Any] = {
            "organization_id": str(org.id),
            "healthcare_service_id": str(service_id),
            "count": 10,
            "mode": "first",
            "start_date": (today + timedelta(days=rng.randint(0, 14))).isoformat(),
        }
        if rng.random() < 0.5:
            body["patient_id"] = str(rng.choice(patients))
        first_ten.append(body)
    month = []
    for _ in range(max(50, n // 4)):
        service_id, _ = rng.choices(services, weights=weights)[0]
        month.append(
            {
                "organization_id": str(org.id),
                "healthcare_service_id": str(service_id),
                "practitioner_ids": [str(rng.choice(practitioners))],
                "mode": "per-day",
                "count": 48,
                "start_date": today.isoformat(),
                "end_date": (today + timedelta(days=30)).isoformat(),
            }
        )
    return first_ten, month, user


def stats(ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "queries": len(ms),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


def in_process(runtime: Runtime, user: User, queries: list[dict[str, Any]]) -> dict[str, Any]:
    with runtime.db.session() as session:
        principal = principal_for(session, session.merge(user))
    found, samples = [], []
    for i, body in enumerate(queries[:WARMUP] + queries):
        data = SlotSearch.model_validate(body)
        started = time.perf_counter()
        with unit_of_work(runtime.db, principal=principal, audit_key=runtime.audit_key) as ctx:
            slots, _ = search_slots(ctx, data)
        if i >= WARMUP:
            samples.append((time.perf_counter() - started) * 1000)
            found.append(len(slots))
    return {**stats(samples), "mean_slots_returned": round(statistics.fmean(found), 1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def over_http(url: str, token: str, queries: list[dict[str, Any]]) -> dict[str, Any]:
    port = free_port()
    env = {
        **os.environ,
        "LIAISON_DATABASE_URL": url,
        "LIAISON_SECRET_KEY": SECRET,
        "LIAISON_LOG_LEVEL": "WARNING",
        # Measure the requests alone: no background worker in the server process.
        "LIAISON_EMBEDDED_WORKER": "false",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "liaison.app:asgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx2.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        samples, found = [], []
        with httpx2.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            for i, body in enumerate(queries[:WARMUP] + queries):
                started = time.perf_counter()
                response = client.post("/api/v1/slots/search", json=body)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(
                        f"search failed: {response.status_code} {response.text[:300]}"
                    )
                if i >= WARMUP:
                    samples.append(elapsed)
                    found.append(len(response.json()["slots"]))
        return {**stats(samples), "mean_slots_returned": round(statistics.fmean(found), 1)}
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'results' / 'slots-large.db'}"
    )
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    runtime = Runtime.from_settings(settings(args.database_url))
    load_seconds, sizes = ensure_demo(runtime)
    first_ten, month, user = build_queries(runtime, args.queries)
    with runtime.db.session() as session:
        token, _ = issue_api_token(session, runtime.settings, session.merge(user), "bench")
    log("first 10 across practitioners, in process")
    in_proc = in_process(runtime, user, first_ten)
    log("first 10 across practitioners, over HTTP")
    http_first = over_http(args.database_url, token, first_ten)
    log("one practitioner's month, over HTTP")
    http_month = over_http(args.database_url, token, month)
    result = {
        "dataset": {
            "database": runtime.db.dialect,
            **sizes,
            "demo_load_seconds": load_seconds,
            "cpus": os.cpu_count(),
        },
        "first_10_across_practitioners": {"in_process": in_proc, "http": http_first},
        "one_practitioner_month": {"http": http_month},
        "targets": {
            "in_process_p95_ms": {
                "target": 20,
                "measured": in_proc["p95_ms"],
                "met": in_proc["p95_ms"] <= 20,
            },
            "one_practitioner_month_http_p50_ms": {
                "target": 10,
                "measured": http_month["p50_ms"],
                "met": http_month["p50_ms"] <= 10,
            },
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
