"""Patient search latency on the demo data set, in process and over HTTP.

    .venv/bin/python bench/patient_search.py [--database-url URL] [--size large|small] [--queries N]

Builds the demo of the given size (or reuses it when the database already holds it),
then runs one mix of coordinator search-box queries twice: through
``patients.service.search_patients`` in a unit of work (what an endpoint does, audit
row and commit included), and as ``GET /api/v1/patients`` against uvicorn in a
subprocess. Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from liaison.auth.service import principal_for
from liaison.authz.scope import unscoped_system
from liaison.config import Settings
from liaison.context import unit_of_work
from liaison.demo import loader
from liaison.demo.catalog import DEMO_PASSWORD, HARBOR, PATIENTS
from liaison.kit import migrate
from liaison.models import Organization, Patient, PatientTelecom, Practitioner, User
from liaison.patients.service import search_patients
from liaison.runtime import Runtime

HERE = Path(__file__).resolve().parent
DEFAULT_URL = f"sqlite:///{HERE / 'results' / 'patient_search.db'}"
CALLER = f"coordinator@{HARBOR.domain}"
SEED = 7
WARMUP = 25
PAGE = 25
# Share of each kind of query in the mix: what a front desk types most.
MIX = {
    "surname_prefix": 0.35,
    "given_family": 0.15,
    "family_comma_given": 0.10,
    "birth_date": 0.15,
    "phone": 0.15,
    "mrn": 0.10,
}
console = Console(stderr=True)
SYSTEM = "the benchmark samples demo patients to build its queries"


def _settings(url: str, secret: str) -> Settings:
    return Settings(
        database_url=url,
        secret_key=secret,  # type: ignore[arg-type]
        log_level="WARNING",
    )


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def ensure_demo(runtime: Runtime, size: str) -> tuple[float | None, bool]:
    """Load the demo unless this size of it is already there: (seconds, reused)."""
    with runtime.db.session() as session:
        loaded = loader.is_loaded(session)
        patients = (
            session.scalar(unscoped_system(select(func.count()).select_from(Patient), SYSTEM)) or 0
        )
    if loaded and patients == PATIENTS[size]:
        return None, True
    with _progress() as bar:
        summary = loader.load(
            runtime, seed=SEED, size=size, reset=loaded or patients > 0, progress=bar
        )
    return summary.seconds, False


def build_queries(runtime: Runtime, organization_id: Any, count: int) -> list[tuple[str, str]]:
    """(kind, q) pairs as a coordinator would type them, from real demo patients."""
    rng = random.Random(SEED)
    with runtime.db.session() as session:
        total = (
            session.scalar(
                unscoped_system(
                    select(func.count())
                    .select_from(Patient)
                    .where(Patient.organization_id == organization_id),
                    SYSTEM,
                )
            )
            or 0
        )
        # Every n-th patient by id: a spread sample without ORDER BY random().
        step = max(1, total // 2000)
        sample_stmt = (
            select(
                Patient.id, Patient.mrn, Patient.given_name, Patient.family_name, Patient.birth_date
            )
            .where(Patient.organization_id == organization_id, Patient.active.is_(True))
            .order_by(Patient.id)
        )
        people = [
            row
            for i, row in enumerate(session.execute(unscoped_system(sample_stmt, SYSTEM)))
            if i % step == 0
        ]
        phones_stmt = select(PatientTelecom.value).where(
            PatientTelecom.organization_id == organization_id,
            PatientTelecom.patient_id.in_([p.id for p in people[:500]]),
        )
        phones = [v for (v,) in session.execute(unscoped_system(phones_stmt, SYSTEM))]
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    queries = []
    for kind in kinds:
        p = rng.choice(people)
        if kind == "surname_prefix":
            q = p.family_name[: rng.randint(2, 4)]
        elif kind == "given_family":
            q = f"{p.given_name} {p.family_name}"
        elif kind == "family_comma_given":
            q = f"{p.family_name}, {p.given_name}"
        elif kind == "birth_date":
            b = p.birth_date
            q = b.isoformat() if rng.random() < 0.5 else f"{b.month}/{b.day}/{b.year}"
        elif kind == "phone":
            digits = rng.choice(phones)[2:]  # +1 NPA NXX XXXX -> as people write it
            q = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if rng.random() < 0.5 else digits
        else:
            q = p.mrn
        queries.append((kind, q))
    return queries


def summarize(samples: list[tuple[str, float, int]]) -> dict[str, Any]:
    def stats(ms: list[float]) -> dict[str, Any]:
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        return {
            "queries": len(ms),
            "p50_ms": round(cuts[49], 2),
            "p95_ms": round(cuts[94], 2),
            "p99_ms": round(cuts[98], 2),
            "max_ms": round(max(ms), 2),
        }

    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, ms, _ in samples:
        by_kind[kind].append(ms)
    return {
        **stats([ms for _, ms, _ in samples]),
        "mean_results_per_query": round(statistics.fmean(n for *_, n in samples), 1),
        "queries_without_results": sum(1 for *_, n in samples if n == 0),
        "by_kind": {kind: stats(ms) for kind, ms in sorted(by_kind.items()) if len(ms) >= 2},
    }


def run(label: str, queries: list[tuple[str, str]], one: Callable[[str], int]) -> dict[str, Any]:
    samples = []
    with _progress() as bar:
        task = bar.add_task(label, total=len(queries) + WARMUP)
        for _, q in queries[:WARMUP]:
            one(q)
            bar.update(task, advance=1)
        for kind, q in queries:
            started = time.perf_counter()
            results = one(q)
            samples.append((kind, (time.perf_counter() - started) * 1000, results))
            bar.update(task, advance=1)
    return summarize(samples)


def in_process(runtime: Runtime, queries: list[tuple[str, str]]) -> dict[str, Any]:
    with runtime.db.session() as session:
        user = session.scalars(select(User).where(User.email == CALLER)).one()
        principal = principal_for(session, user)

    def one(q: str) -> int:
        # A whole unit of work, as an endpoint runs it: the search, the audit row, commit.
        with unit_of_work(runtime.db, principal=principal, audit_key=runtime.audit_key) as ctx:
            patients, _, _ = search_patients(ctx, q=q, limit=PAGE)
        return len(patients)

    return run("In process", queries, one)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def signed_in_server(url: str, secret: str, email: str) -> Iterator[httpx2.Client]:
    """``liaison serve`` on a free port (no background worker: the requests alone are
    measured), and a client holding a bearer token for ``email``."""
    port = _free_port()
    env = {
        **os.environ,
        "LIAISON_DATABASE_URL": url,
        "LIAISON_SECRET_KEY": secret,
        "LIAISON_LOG_LEVEL": "WARNING",
        "LIAISON_EMBEDDED_WORKER": "false",
    }
    liaison = Path(sys.executable).parent / "liaison"
    server = subprocess.Popen(
        [str(liaison), "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
            issued = client.post(
                "/api/v1/auth/token",
                json={"email": email, "password": DEMO_PASSWORD, "name": "benchmark"},
            )
            issued.raise_for_status()
            client.headers["Authorization"] = f"Bearer {issued.json()['token']}"
            yield client
    finally:
        server.terminate()
        server.wait(timeout=30)


def over_http(url: str, secret: str, queries: list[tuple[str, str]]) -> dict[str, Any]:
    with signed_in_server(url, secret, CALLER) as client:

        def one(q: str) -> int:
            response = client.get("/api/v1/patients", params={"q": q, "limit": PAGE})
            response.raise_for_status()
            return len(response.json()["items"])

        return run("Over HTTP", queries, one)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--size", choices=sorted(PATIENTS), default="large")
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()

    (HERE / "results").mkdir(exist_ok=True)
    # The audit chain is keyed by the secret; a bench-only key keeps it separate from
    # any real installation's.
    secret = os.environ.get("LIAISON_SECRET_KEY") or secrets.token_urlsafe(48)
    runtime = Runtime.from_settings(_settings(args.database_url, secret))
    migrate.upgrade(runtime.db.engine)
    load_seconds, reused = ensure_demo(runtime, args.size)

    with runtime.db.session() as session:
        harbor = session.scalars(select(Organization).where(Organization.slug == HARBOR.slug)).one()
        counts = {
            "patients": session.scalar(
                unscoped_system(select(func.count()).select_from(Patient), SYSTEM)
            ),
            "practitioners": session.scalar(
                unscoped_system(select(func.count()).select_from(Practitioner), SYSTEM)
            ),
            "caller_organization_patients": session.scalar(
                unscoped_system(
                    select(func.count())
                    .select_from(Patient)
                    .where(Patient.organization_id == harbor.id),
                    SYSTEM,
                )
            ),
        }
        harbor_id = harbor.id
    queries = build_queries(runtime, harbor_id, args.queries)
    report: dict[str, Any] = {
        # Latencies are only comparable on a quiet machine; this says how quiet it was.
        "host": {
            "cpus": os.cpu_count(),
            "load_average_1m_before_queries": round(os.getloadavg()[0], 2),
        },
        "dataset": {
            "size": args.size,
            "database": runtime.db.dialect,
            "organizations": 3,
            **counts,
            "reused_existing_data": reused,
        },
        "load_seconds": round(load_seconds, 1) if load_seconds is not None else None,
        "caller": f"{CALLER} (coordinator of {HARBOR.name})",
        "page_size": PAGE,
        "warmup_queries_not_counted": WARMUP,
        "query_mix": dict(Counter(kind for kind, _ in queries)),
    }
    report["in_process"] = in_process(runtime, queries)
    runtime.db.dispose()
    report["http"] = over_http(args.database_url, secret, queries)
    report["host"]["load_average_1m_after_queries"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
