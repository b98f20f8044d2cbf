"""``liaison demo``: load the deterministic demo data set.

Three client organizations (primary care in Boston, telehealth behavioral health in
Illinois, orthopedics with rooms and imaging in Orange County), their staff, 3,000
patients (100,000 with ``size="large"``) and a sign-in account for every role.

The whole load is one transaction: a load that fails half-way leaves nothing behind,
so "an organization with the demo's slug exists" reliably means "the demo is loaded"
and ``make demo`` can skip the work on every later start. Rows go in as bulk Core
inserts (``COPY`` on PostgreSQL, see ``bulk``): no ORM objects, no per-row queries.
The loader writes as the system: seeding is not an access to patient data and leaves
no audit rows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.progress import Progress
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from liaison.authz.scope import unscoped_system
from liaison.demo import messaging, scheduling, staffing, workqueue
from liaison.demo import portal as portal_demo
from liaison.demo.accounts import ACCOUNTS, DEMO_EMAILS, ROLE_ORDER, AccountIds
from liaison.demo.bulk import insert_rows
from liaison.demo.catalog import (
    DEMO_PASSWORD,
    DEMO_SLUGS,
    HARBOR,
    NEAR_DUPLICATE_RATE,
    ORGANIZATIONS,
    PATIENTS,
)
from liaison.demo.directory import OrgDirectory, build_organization
from liaison.demo.patients import PatientGenerator
from liaison.kit import clock
from liaison.models import (
    Appointment,
    Base,
    Location,
    Membership,
    Organization,
    Patient,
    Practitioner,
    User,
)
from liaison.runtime import Runtime

SIZES = tuple(PATIENTS)
# Parents before children: the composite foreign keys are checked row by row.
DIRECTORY_TABLES = (
    "organization",
    "organization_holiday",
    "location",
    "device",
    "healthcare_service",
    "practitioner",
    "practitioner_role",
    "practitioner_role_service",
)
PATIENT_BATCH = {"small": 500, "large": 5_000}
SCHEDULING_TABLES = (
    "schedule",
    "availability_rule",
    "appointment",
    "appointment_participant",
    "appointment_history",
)
LOADED_TABLES = (
    *DIRECTORY_TABLES,
    *SCHEDULING_TABLES,
    "patient",
    "patient_telecom",
    "patient_identifier",
    "communication_consent",
    "app_user",
    "membership",
    *staffing.TABLES,
    *messaging.TABLES,
    *workqueue.TABLES,
    *portal_demo.TABLES,
)
SYSTEM = "the demo loader seeds and summarises every organization's data"


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    name: str
    organizations: tuple[str, ...]


@dataclass
class Summary:
    logins: list[Login]
    counts: dict[str, int]
    already_loaded: bool
    password: str = DEMO_PASSWORD
    seconds: float = 0.0
    seed: int | None = None
    size: str | None = None
    # (original MRN, near-duplicate MRN): known only right after building.
    near_duplicates: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        c = self.counts
        what = (
            f"{c['organizations']} organizations, {c['locations']} locations, "
            f"{c['practitioners']:,} practitioners, {c['patients']:,} patients, "
            f"{c.get('appointments', 0):,} appointments, {c['users']} users"
        )
        if self.already_loaded:
            head = f"Demo data already loaded ({what}); `liaison demo --reset` rebuilds it."
        else:
            head = (
                f"Demo data loaded in {self.seconds:.1f} s (seed {self.seed}, {self.size}): {what}."
            )
        lines = [head, f"Password for every demo login: {self.password}"]
        width = max(len(login.email) for login in self.logins)
        for login in self.logins:
            where = f"  ({', '.join(login.organizations)})" if login.organizations else ""
            role = login.role.replace("_", " ")
            lines.append(f"  {role:<17} {login.email:<{width}}  {login.name}{where}")
        if self.near_duplicates:
            pairs = ", ".join(f"{a} ~ {b}" for a, b in self.near_duplicates[:3])
            lines.append(f"Near-duplicate records (same birth date, a typo in the name): {pairs}")
        return lines


def load(
    runtime: Runtime,
    *,
    seed: int,
    size: str,
    reset: bool,
    progress: Progress | None = None,
    patients: int | None = None,
    appointments: bool = True,
) -> Summary:
    """Build the demo (or, when it is already there and ``reset`` is false, describe it).

    ``patients`` overrides the number of patients of ``size`` and ``appointments=False``
    leaves the calendars without bookings (tests that are not about them use both).
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    started = time.perf_counter()
    with runtime.db.session() as session:
        if not reset and is_loaded(session):
            return summarize(session, already_loaded=True)
        if reset:
            empty_database(session, runtime.db.dialect)
        near_duplicates = _build(
            session, runtime, seed, size, patients or PATIENTS[size], progress, appointments
        )
        summary = summarize(session, already_loaded=False)
    refresh_statistics(runtime)
    summary.seconds = time.perf_counter() - started
    summary.seed, summary.size, summary.near_duplicates = seed, size, near_duplicates
    return summary


def refresh_statistics(runtime: Runtime) -> None:
    """Give the query planner statistics about the freshly loaded tables.

    Without them both engines guess, and guess badly for patient search: SQLite (no
    ``sqlite_stat1``) walks the whole organization in name order for a birth-date or
    phone search, to avoid sorting a handful of rows; PostgreSQL right after a bulk
    load still believes the tables are empty. Measured on the large demo, a birth-date
    search took ~130 ms on SQLite before ``ANALYZE`` and ~4 ms after.
    """
    with runtime.db.engine.connect() as conn:
        if runtime.db.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in LOADED_TABLES:
            conn.execute(text(f'ANALYZE "{table}"'))
        conn.commit()


def _analyze_early(session: Session, tables: Sequence[str]) -> None:
    """Statistics for parent tables in the middle of the load, on PostgreSQL.

    Each foreign-key check is a query PostgreSQL plans once per session and keeps. On a
    freshly created (never analysed) table that plan is a sequential scan, and it stays
    one while the table grows to 100,000 rows: every phone and consent row then scans
    the patient table. Measured on a new database: 449 s for the large demo without
    this, 50-80 s with it (two busy cores). ANALYZE inside the transaction counts the
    transaction's own new rows and makes the checks be planned again.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))


def is_loaded(session: Session) -> bool:
    found = session.scalar(
        select(Organization.id).where(Organization.slug.in_(DEMO_SLUGS)).limit(1)
    )
    return found is not None


def empty_database(session: Session, dialect: str) -> None:
    """Delete every row of every table (the migration history table is not a model)."""
    tables = list(reversed(Base.metadata.sorted_tables))
    if dialect == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        session.execute(text(f"TRUNCATE {names} CASCADE"))
        return
    for table in tables:
        session.execute(unscoped_system(delete(table), SYSTEM))


def _patient_counts(total: int) -> list[int]:
    counts = [int(total * spec.patient_share) for spec in ORGANIZATIONS]
    counts[0] += total - sum(counts)
    return counts


def _build(
    session: Session,
    runtime: Runtime,
    seed: int,
    size: str,
    total_patients: int,
    progress: Progress | None,
    appointments: bool = True,
) -> list[tuple[str, str]]:
    def task(description: str, total: int) -> Any:
        return progress.add_task(description, total=total) if progress else None

    def advance(task_id: Any, n: int) -> None:
        if progress is not None:
            progress.update(task_id, advance=n)

    accounts = AccountIds(seed)
    directory_task = task("Directory", len(DIRECTORY_TABLES))
    orgs: list[OrgDirectory] = [build_organization(spec, seed, size) for spec in ORGANIZATIONS]
    for index, org in enumerate(orgs):
        scheduling.apply_policies(org)
        messaging.configure(org, index)
    for table in DIRECTORY_TABLES:
        insert_rows(session, table, [row for org in orgs for row in org.rows.get(table, [])])
        advance(directory_task, 1)
    _analyze_early(session, DIRECTORY_TABLES)

    patient_task = task("Patients", total_patients)
    near_duplicates: list[tuple[str, str]] = []
    portal: tuple[uuid.UUID, str] | None = None
    first_batch = True
    patient_ids: dict[uuid.UUID, list[uuid.UUID]] = {}
    for org, count in zip(orgs, _patient_counts(total_patients), strict=True):
        generator = PatientGenerator(
            org,
            seed,
            count,
            near_duplicates=max(1, round(count * NEAR_DUPLICATE_RATE[size])),
            coordinator_ids=accounts.coordinators_of(org.spec.key),
            portal_email=f"patient@{HARBOR.domain}" if org.spec is HARBOR else None,
        )
        for batch in generator.batches(PATIENT_BATCH[size]):
            patient_ids.setdefault(org.id, []).extend(row["id"] for row in batch.patients)
            insert_rows(session, "patient", batch.patients)
            if first_batch:
                _analyze_early(session, ("patient",))
                first_batch = False
            insert_rows(session, "patient_telecom", batch.telecoms)
            insert_rows(session, "patient_identifier", batch.identifiers)
            insert_rows(session, "communication_consent", batch.consents)
            advance(patient_task, len(batch.patients))
        near_duplicates += generator.stats.near_duplicates
        portal = portal or generator.stats.portal_patient
    if portal is None:
        raise RuntimeError("no patient qualified for the portal login; raise the patient count")

    # Calendars are dated from the day of loading: a demo calendar must show this week.
    today = clock.now().date()
    calendar_task = task("Calendars", len(orgs))
    for org in orgs:
        calendars = scheduling.build(
            org, patient_ids.get(org.id, []) if appointments else [], seed, size, today
        )
        for table in SCHEDULING_TABLES:
            insert_rows(session, table, calendars.rows.get(table, []))
        _analyze_early(session, ("schedule", "appointment"))
        advance(calendar_task, 1)

    # Messages and the waitlist: about the appointments above, to patients who agreed.
    messaging_task = task("Messages", 1)
    messaging.seed(session, orgs, seed, size, clock.now())
    advance(messaging_task, 1)

    users_task = task("Users", 1)
    # One hash for every demo account: argon2 is deliberately slow.
    password_hash = runtime.passwords.hash(DEMO_PASSWORD)
    users, memberships = accounts.rows(
        password_hash,
        org_ids={org.spec.key: org.id for org in orgs},
        practitioners={
            org.spec.key: (org.clinicians[0].id, org.clinicians[0].display_name) for org in orgs
        },
        patient=(HARBOR.key, portal[0], portal[1]),
    )
    insert_rows(session, "app_user", users)
    insert_rows(session, "membership", memberships)
    # The patient login's portal account (sign-in by code) and the people it acts for.
    portal_demo.seed(
        session,
        runtime.secret,
        seed_value=seed,
        organization_id=next(org.id for org in orgs if org.spec is HARBOR),
        user_id=accounts.by_key["patient"],
        patient_id=portal[0],
        today=today,
    )
    advance(users_task, 1)

    # Staffing last: it credits placed coordinators with the appointments above.
    staffing_task = task("Staffing", 1)
    staffing.seed(session, orgs, accounts, password_hash, seed, size, today)
    advance(staffing_task, 1)

    # The work queue last: tasks are owned by the coordinators placed above.
    queue_task = task("Work queue", 1)
    workqueue.seed(session, orgs, seed, size, clock.now())
    advance(queue_task, 1)
    return near_duplicates


def summarize(session: Session, *, already_loaded: bool) -> Summary:
    """What the database holds of the demo: counts and the demo's logins."""
    org_rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.slug.in_(DEMO_SLUGS))
    ).all()
    org_names = {row.id: row.name for row in org_rows}
    org_ids = list(org_names)

    def count(model: Any) -> int:
        stmt = select(func.count()).select_from(model).where(model.organization_id.in_(org_ids))
        return session.scalar(unscoped_system(stmt, SYSTEM)) or 0

    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_(DEMO_EMAILS)))}
    memberships: dict[uuid.UUID, list[tuple[str, str]]] = {}
    stmt = select(Membership).where(Membership.user_id.in_([u.id for u in users.values()]))
    for m in session.scalars(unscoped_system(stmt, SYSTEM)):
        memberships.setdefault(m.user_id, []).append(
            (m.role, org_names.get(m.organization_id, "?"))
        )

    logins = []
    for account in ACCOUNTS:
        user = users.get(account.email)
        if user is None:
            continue  # deleted by someone trying the demo
        held = sorted(memberships.get(user.id, []), key=lambda rm: rm[1])
        role = user.platform_role or (held[0][0] if held else "none")
        logins.append(Login(role, user.email, user.display_name, tuple(name for _, name in held)))
    logins.sort(
        key=lambda login: (
            ROLE_ORDER.index(login.role) if login.role in ROLE_ORDER else len(ROLE_ORDER)
        )
    )
    return Summary(
        logins=logins,
        counts={
            "organizations": len(org_ids),
            "locations": count(Location),
            "practitioners": count(Practitioner),
            "patients": count(Patient),
            "appointments": count(Appointment),
            "users": len(users),
        },
        already_loaded=already_loaded,
    )
