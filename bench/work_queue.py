"""The coordinator's queue under load, and triage quality on the held-out message set.

    .venv/bin/python bench/queue.py [--database-url URL] [--tasks N] [--requests N]

(``bench/queue.py`` runs this file; the code lives here because a module named
``queue`` in bench/ must stand in for the standard library's, see that file.)

Loads the small demo (three organizations, their coordinators and patients), adds
``--tasks`` open tasks (100,000 by default) spread over the three organizations and
their coordinators with deadlines in each organization's business hours, then asks for
the first page of "my queue" with the filters coordinators use (organization, SLA
at-risk / breached, type, priority, team, unassigned) as ``GET /api/v1/tasks`` against
uvicorn in a subprocess, and the same through ``service.queue`` in process. The caller
is the demo's coordinator placed at two organizations. Then it trains the triage
classifier on the training split and reports accuracy and urgent-message recall on the
held-out split. Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import func, select, text  # noqa: E402

from liaison.auth.service import principal_for  # noqa: E402
from liaison.authz.scope import unscoped_system  # noqa: E402
from liaison.context import unit_of_work  # noqa: E402
from liaison.demo import loader, workqueue  # noqa: E402
from liaison.demo.bulk import insert_rows  # noqa: E402
from liaison.demo.ids import DemoIds  # noqa: E402
from liaison.kit import clock, migrate  # noqa: E402
from liaison.models import (  # noqa: E402
    Membership,
    Organization,
    OrganizationHoliday,
    Patient,
    Task,
    User,
    WorkTeam,
)
from liaison.runtime import Runtime  # noqa: E402
from liaison.workqueue import repository, service, sla  # noqa: E402


def _shared() -> Any:
    """bench/patient_search.py's helpers (server start-up, progress, settings)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("patient_search", HERE / "patient_search.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ps = _shared()
_progress, _settings, console = _ps._progress, _ps._settings, _ps.console

DEFAULT_URL = f"sqlite:///{HERE / 'results' / 'queue.db'}"
CALLER = "float@liaison.example"  # Jordan Reyes, placed at Harbor and Lakeshore
SEED = 11
PAGE = 50
WARMUP = 20
SYSTEM = "the benchmark fills and inspects every organization's queue"


def views(harbor: str, lakeshore: str) -> list[tuple[str, dict[str, Any]]]:
    """The queue views a coordinator opens, as query parameters."""
    return [
        ("mine", {"view": "mine"}),
        ("mine_one_organization", {"view": "mine", "organization_id": harbor}),
        ("mine_at_risk", {"view": "mine", "sla": "at-risk"}),
        ("mine_breached", {"view": "mine", "sla": "breached"}),
        ("mine_inquiries", {"view": "mine", "type": "inquiry"}),
        ("mine_urgent", {"view": "mine", "priority": "urgent"}),
        ("my_team", {"view": "team"}),
        ("unassigned_one_organization", {"view": "unassigned", "organization_id": lakeshore}),
        ("organization_breached", {"view": "all", "organization_id": harbor, "sla": "breached"}),
    ]


def fill(runtime: Runtime, total: int) -> dict[str, Any]:
    """Add ``total`` open tasks over the demo's organizations (unless already there)."""
    now = clock.now()
    with runtime.db.session() as session:
        have = session.scalar(
            unscoped_system(select(func.count()).select_from(Task).where(Task.is_open), SYSTEM)
        )
        if have and have >= total:
            return {"reused_existing_tasks": True}
        orgs = list(session.scalars(select(Organization).order_by(Organization.name)))
        per_org = total // len(orgs)
        started = time.perf_counter()
        for index, org in enumerate(orgs):
            holidays = session.scalars(
                unscoped_system(
                    select(OrganizationHoliday.date).where(
                        OrganizationHoliday.organization_id == org.id
                    ),
                    SYSTEM,
                )
            )
            owners = sorted(
                session.scalars(
                    unscoped_system(
                        select(Membership.user_id).where(
                            Membership.organization_id == org.id,
                            Membership.role == "coordinator",
                        ),
                        SYSTEM,
                    )
                )
            )
            patients = list(
                session.scalars(
                    unscoped_system(
                        select(Patient.id).where(Patient.organization_id == org.id).limit(2000),
                        SYSTEM,
                    )
                )
            )
            team = session.scalar(
                unscoped_system(
                    select(WorkTeam.id).where(WorkTeam.organization_id == org.id), SYSTEM
                )
            )
            queue = workqueue.Queue(
                org.id,
                sla.BusinessCalendar.from_hours(org.time_zone, org.business_hours, list(holidays)),
                owners,
                patients,
                team,
            )
            count = per_org + (total - per_org * len(orgs) if index == 0 else 0)
            rng = random.Random(f"{SEED}:{org.slug}")
            ids = DemoIds(SEED, f"bench-queue:{org.slug}")
            for start in range(0, count, 10_000):
                rows, _ = workqueue.task_rows(
                    queue,
                    min(10_000, count - start),
                    now,
                    rng,
                    ids,
                    open_share=1.0,
                    days=20,
                    events=False,
                )
                insert_rows(session, "task", rows)
        seconds = time.perf_counter() - started
    with runtime.db.engine.connect() as conn:
        if runtime.db.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text('ANALYZE "task"'))
        conn.commit()
    return {"reused_existing_tasks": False, "fill_seconds": round(seconds, 1)}


def stats(ms: list[float]) -> dict[str, Any]:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "requests": len(ms),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "max_ms": round(max(ms), 2),
    }


def measure(label: str, plan: list[tuple[str, dict[str, Any]]], one: Any) -> dict[str, Any]:
    samples: dict[str, list[float]] = {}
    rows: list[int] = []
    with _progress() as bar:
        task = bar.add_task(label, total=len(plan) + WARMUP)
        for _, params in plan[:WARMUP]:
            one(params)
            bar.update(task, advance=1)
        for name, params in plan:
            started = time.perf_counter()
            rows.append(one(params))
            samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            bar.update(task, advance=1)
    everything = [ms for values in samples.values() for ms in values]
    return {
        **stats(everything),
        "mean_rows_per_page": round(statistics.fmean(rows), 1),
        "by_view": {name: stats(ms) for name, ms in samples.items() if len(ms) >= 2},
    }


def in_process(runtime: Runtime, plan: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    import uuid

    with runtime.db.session() as session:
        user = session.scalars(select(User).where(User.email == CALLER)).one()
        principal = principal_for(session, user)

    def one(params: dict[str, Any]) -> int:
        filters = repository.Filters(
            view=params.get("view", "mine"),
            organization_id=uuid.UUID(params["organization_id"])
            if "organization_id" in params
            else None,
            task_type=params.get("type"),
            priority=params.get("priority"),
            sla=params.get("sla"),
        )
        with unit_of_work(runtime.db, principal=principal, audit_key=runtime.audit_key) as ctx:
            items, _ = service.queue(ctx, filters, limit=PAGE)
        return len(items)

    return measure("In process", plan, one)


def over_http(url: str, secret: str, plan: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    with _ps.signed_in_server(url, secret, CALLER) as client:

        def one(params: dict[str, Any]) -> int:
            response = client.get("/api/v1/tasks", params={**params, "limit": PAGE})
            response.raise_for_status()
            return len(response.json()["items"])

        return measure("Over HTTP", plan, one)


def triage_quality() -> dict[str, Any]:
    from liaison import triage

    return triage.evaluate()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=900)
    args = parser.parse_args()

    (HERE / "results").mkdir(exist_ok=True)
    secret = os.environ.get("LIAISON_SECRET_KEY") or secrets.token_urlsafe(48)
    runtime = Runtime.from_settings(_settings(args.database_url, secret))
    migrate.upgrade(runtime.db.engine)
    with runtime.db.session() as session:
        loaded = loader.is_loaded(session)
    load_seconds = None
    if not loaded:
        with _progress() as bar:
            load_seconds = loader.load(
                runtime, seed=SEED, size="small", reset=False, progress=bar
            ).seconds
    console.print("Filling the queue ...")
    filled = fill(runtime, args.tasks)
    with runtime.db.session() as session:
        slugs = {o.slug: str(o.id) for o in session.scalars(select(Organization))}
        caller = session.scalars(select(User).where(User.email == CALLER)).one()
        open_tasks = session.scalar(
            unscoped_system(select(func.count()).select_from(Task).where(Task.is_open), SYSTEM)
        )
        per_org = dict(
            session.execute(
                unscoped_system(
                    select(Organization.slug, func.count())
                    .join(Task, Task.organization_id == Organization.id)
                    .where(Task.is_open)
                    .group_by(Organization.slug),
                    SYSTEM,
                )
            ).all()
        )
        callers_tasks = session.scalar(
            unscoped_system(
                select(func.count())
                .select_from(Task)
                .where(Task.is_open, Task.owner_user_id == caller.id),
                SYSTEM,
            )
        )
    names = sorted(slugs)
    harbor = next(v for k, v in slugs.items() if k.startswith("harbor"))
    lakeshore = next((v for k, v in slugs.items() if k.startswith("lakeshore")), slugs[names[1]])
    rng = random.Random(SEED)
    kinds = views(harbor, lakeshore)
    plan = [rng.choice(kinds) for _ in range(args.requests)]
    report: dict[str, Any] = {
        "host": {"cpus": os.cpu_count(), "load_average_1m_before": round(os.getloadavg()[0], 2)},
        "dataset": {
            "database": runtime.db.dialect,
            "open_tasks": open_tasks,
            "open_tasks_per_organization": per_org,
            "callers_open_tasks": callers_tasks,
            **filled,
            "demo_load_seconds": round(load_seconds, 1) if load_seconds else None,
        },
        "caller": f"{CALLER} (coordinator at two organizations)",
        "page_size": PAGE,
        "target_http_p95_ms": 50,
    }
    report["in_process"] = in_process(runtime, plan)
    runtime.db.dispose()
    report["http"] = over_http(args.database_url, secret, plan)
    report["http"]["meets_target"] = report["http"]["p95_ms"] <= 50
    report["triage_held_out"] = triage_quality()
    report["host"]["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
