"""Use cases of oversight: scorecards, account health, coaching, reviews and surveys.

KPIs come from Liaison's own records: appointments the coordinator booked (and what
became of them), waitlist entries they added that filled a freed slot, the tasks of the
work queue they completed, answered first and owned past their due time, the audit
trail (activity), quality reviews, satisfaction scores entered by supervisors, and
patients' answers to Liaison's follow-up texts on visits the coordinator booked.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import NotFound, PermissionDenied
from liaison.kit import clock
from liaison.models import (
    CoachingTask,
    Coordinator,
    Opening,
    Organization,
    Placement,
    QualityReview,
    User,
)
from liaison.staffing import access
from liaison.staffing.oversight import repository, rules
from liaison.staffing.profiles import repository as profiles_repository
from liaison.staffing.training import rules as training_rules

READ, WRITE = Permission.STAFFING_READ, Permission.STAFFING_WRITE
# The window the matching's performance record and coaching thresholds look at.
RECORD_WEEKS = 12
COACHING_WEEKS = 4

KPIS: tuple[tuple[str, str, str], ...] = (
    ("bookings", "Appointments booked", "count"),
    ("scheduling_accuracy", "Scheduling accuracy", "percent"),
    ("noshow_rate", "No-show rate of booked appointments", "percent"),
    ("quality", "Quality review score", "score"),
    ("satisfaction", "Patient satisfaction (1-5)", "rating"),
    ("activity", "Actions recorded in Liaison", "count"),
    ("tasks_completed", "Tasks completed", "count"),
    ("first_response_median", "First response, median", "minutes"),
    ("first_response_p90", "First response, 90th percentile", "minutes"),
    ("sla_adherence", "SLA adherence", "percent"),
    ("sla_breaches", "SLA breaches", "count"),
    ("waitlist_filled", "Waitlist slots filled", "count"),
)


@dataclass
class Cell:
    counts: rules.BookingCounts = field(default_factory=rules.BookingCounts)
    review_sum: float = 0.0
    reviews: int = 0
    satisfaction_sum: float = 0.0
    responses: int = 0
    activity: int = 0
    waitlist_filled: int = 0
    tasks: rules.TaskCounts = field(default_factory=rules.TaskCounts)

    def merge(self, other: Cell) -> None:
        self.counts.merge(other.counts)
        self.review_sum += other.review_sum
        self.reviews += other.reviews
        self.satisfaction_sum += other.satisfaction_sum
        self.responses += other.responses
        self.activity += other.activity
        self.waitlist_filled += other.waitlist_filled
        self.tasks.merge(other.tasks)

    def values(self) -> dict[str, tuple[float | None, int]]:
        c, t = self.counts, self.tasks
        median, p90, responses = rules.first_response_minutes(t)
        adherence, breaches, judged = rules.sla(t)
        return {
            "bookings": (float(c.booked), c.booked),
            "scheduling_accuracy": (rules.scheduling_accuracy(c), c.booked),
            "noshow_rate": (rules.noshow_rate(c), c.noshow + c.attended),
            "quality": (self.review_sum / self.reviews if self.reviews else None, self.reviews),
            "satisfaction": (
                self.satisfaction_sum / self.responses if self.responses else None,
                self.responses,
            ),
            "activity": (float(self.activity), self.activity),
            "tasks_completed": (float(t.completed), t.completed),
            "first_response_median": (median, responses),
            "first_response_p90": (p90, responses),
            "sla_adherence": (adherence, judged),
            "sla_breaches": (float(breaches), judged),
            "waitlist_filled": (float(self.waitlist_filled), self.waitlist_filled),
        }


@dataclass
class Kpi:
    """One KPI over the weeks measured. ``available`` and ``reason`` are part of the
    API's shape: every KPI is measured from Liaison's records now, so they are always
    True and None."""

    key: str
    label: str
    unit: str
    value: float | None
    sample: int
    available: bool
    reason: str | None
    trend: list[tuple[date, float | None]]


@dataclass
class Measures:
    """Cells per (coordinator, organization, week index) over ``weeks``."""

    weeks: list[date]
    cells: dict[tuple[uuid.UUID, uuid.UUID, int], Cell]

    def total(
        self, keep: Iterable[tuple[uuid.UUID, uuid.UUID]] | None = None, week: int | None = None
    ) -> Cell:
        wanted = set(keep) if keep is not None else None
        total = Cell()
        for (cid, oid, w), cell in self.cells.items():
            if (wanted is None or (cid, oid) in wanted) and (week is None or w == week):
                total.merge(cell)
        return total


def measure(
    ctx: Context,
    people: dict[uuid.UUID, uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    weeks: int,
    now: datetime | None = None,
) -> Measures:
    """``people``: coordinator id -> user id; the weeks end with the one holding the
    instant before ``now``. Ten queries, whatever the number of people."""
    now = now or clock.now()
    starts = rules.week_starts((now - timedelta(microseconds=1)).date(), weeks)
    origin = starts[0]
    by_user = {u: c for c, u in people.items()}
    cells: dict[tuple[uuid.UUID, uuid.UUID, int], Cell] = defaultdict(Cell)
    session, principal = ctx.session, ctx.caller
    common = {"organization_id": organization_id, "origin": origin}
    for by_start in (False, True):
        for user_id, org_id, week, status, count, errors in repository.booking_rows(
            session, principal, list(by_user), until=now, by_start=by_start, **common
        ):
            if user_id in by_user and 0 <= week < weeks:
                cells[(by_user[user_id], org_id, week)].counts.add(
                    status, count, errors, by_start=by_start
                )
    for cid, org_id, week, avg, n in repository.review_rows(
        session, principal, list(people), until=now, **common
    ):
        if 0 <= week < weeks:
            cell = cells[(cid, org_id, week)]
            cell.review_sum += avg * n
            cell.reviews += n
    for cid, org_id, week, avg, n in repository.satisfaction_rows(
        session, principal, list(people), until=now, **common
    ):
        if 0 <= week < weeks:
            cell = cells[(cid, org_id, week)]
            cell.satisfaction_sum += avg * n
            cell.responses += n
    # Answers to Liaison's own follow-up texts, credited to whoever booked the visit.
    for user_id, org_id, week, avg, n in repository.survey_rows(
        session, principal, list(by_user), until=now, **common
    ):
        if user_id in by_user and 0 <= week < weeks:
            cell = cells[(by_user[user_id], org_id, week)]
            cell.satisfaction_sum += avg * n
            cell.responses += n
    for user_id, org_id, week, n in repository.activity_rows(
        session, principal, list(by_user), until=now, **common
    ):
        if user_id in by_user and 0 <= week < weeks:
            cells[(by_user[user_id], org_id, week)].activity += n
    for user_id, org_id, week, n in repository.waitlist_rows(
        session, principal, list(by_user), until=now, **common
    ):
        if user_id in by_user and 0 <= week < weeks:
            cells[(by_user[user_id], org_id, week)].waitlist_filled += n
    # The work queue: tasks completed (and whether by their due time), tasks still
    # open past it, and the minutes to each first response.
    for user_id, org_id, week, n, late in repository.task_completion_rows(
        session, principal, list(by_user), until=now, **common
    ):
        if user_id in by_user and 0 <= week < weeks:
            tasks = cells[(by_user[user_id], org_id, week)].tasks
            tasks.completed += n
            tasks.late += late
    for user_id, org_id, week, n in repository.task_overdue_rows(
        session, principal, list(by_user), until=now, **common
    ):
        if user_id in by_user and 0 <= week < weeks:
            cells[(by_user[user_id], org_id, week)].tasks.overdue += n
    for user_id, org_id, week, minutes in repository.first_response_rows(
        session, principal, list(by_user), until=now, **common
    ):
        if user_id in by_user and 0 <= week < weeks:
            cells[(by_user[user_id], org_id, week)].tasks.response_minutes.append(minutes)
    return Measures(starts, dict(cells))


def kpis(
    measures: Measures, keep: Iterable[tuple[uuid.UUID, uuid.UUID]] | None = None
) -> list[Kpi]:
    keep = list(keep) if keep is not None else None
    overall = measures.total(keep).values()
    weekly = [measures.total(keep, w).values() for w in range(len(measures.weeks))]
    found = []
    for key, label, unit in KPIS:
        value, sample = overall[key]
        trend = [(measures.weeks[w], weekly[w][key][0]) for w in range(len(measures.weeks))]
        found.append(Kpi(key, label, unit, value, sample, True, None, trend))
    return found


# --- Performance record for matching ----------------------------------------------------


def performance_by_user(
    ctx: Context, user_ids: list[uuid.UUID], as_of: date
) -> dict[uuid.UUID, float | None]:
    """A 0-1 performance index per coordinator user over the last weeks (None: no record)."""
    if not user_ids:
        return {}
    session, principal = ctx.session, ctx.caller
    now = clock.now()
    origin = rules.week_starts(as_of, RECORD_WEEKS)[0]
    counts: dict[uuid.UUID, rules.BookingCounts] = defaultdict(rules.BookingCounts)
    for by_start in (False, True):
        for user_id, _, _, status, count, errors in repository.booking_rows(
            session,
            principal,
            user_ids,
            organization_id=None,
            origin=origin,
            until=now,
            by_start=by_start,
            weekly=False,
        ):
            counts[user_id].add(status, count, errors, by_start=by_start)
    coordinators = dict(
        session.execute(
            select(Coordinator.id, Coordinator.user_id).where(Coordinator.user_id.in_(user_ids))
        ).all()
    )
    reviews: dict[uuid.UUID, list[float]] = defaultdict(list)
    for cid, _, _, avg, n in repository.review_rows(
        session, principal, list(coordinators), organization_id=None, origin=origin, until=now
    ):
        reviews[coordinators[cid]] += [avg] * n
    surveys: dict[uuid.UUID, list[float]] = defaultdict(list)
    for cid, _, _, avg, n in repository.satisfaction_rows(
        session, principal, list(coordinators), organization_id=None, origin=origin, until=now
    ):
        surveys[coordinators[cid]] += [avg] * n
    for user_id, _, _, avg, n in repository.survey_rows(
        session, principal, user_ids, organization_id=None, origin=origin, until=now, weekly=False
    ):
        surveys[user_id] += [avg] * n
    found = {}
    for user_id in user_ids:
        c = counts.get(user_id, rules.BookingCounts())
        found[user_id] = rules.performance_index(
            {
                "quality": (rules.mean(reviews[user_id]), len(reviews[user_id])),
                "satisfaction": (rules.mean(surveys[user_id]), len(surveys[user_id])),
                "noshow_rate": (rules.noshow_rate(c), c.noshow + c.attended),
                "scheduling_accuracy": (rules.scheduling_accuracy(c), c.booked),
            }
        )
    return found


# --- Scorecards -----------------------------------------------------------------------


@dataclass
class Scorecard:
    coordinator: Coordinator
    user: User
    weeks: list[date]
    kpis: list[Kpi]
    accounts: list[tuple[uuid.UUID, str, list[Kpi]]]
    breaches: list[rules.Breach]
    coaching: list[CoachingTask]
    reviews: list[QualityReview]


def require_reader(ctx: Context) -> None:
    if not ctx.caller.can(READ):
        raise PermissionDenied("Scorecards are for the staffing team and client administrators")


def scorecard(
    ctx: Context,
    coordinator_id: uuid.UUID,
    *,
    organization_id: uuid.UUID | None = None,
    weeks: int = 8,
) -> Scorecard:
    coordinator = access.access_coordinator(ctx, coordinator_id)
    require_reader(ctx)
    if organization_id is not None:
        ctx.require(READ, organization_id)
    user = ctx.session.get(User, coordinator.user_id)
    assert user is not None
    measures = measure(
        ctx, {coordinator.id: coordinator.user_id}, organization_id=organization_id, weeks=weeks
    )
    orgs = sorted({oid for (_, oid, _) in measures.cells})
    names = dict(
        ctx.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(list(orgs)))
        ).all()
    )
    accounts = [(oid, names.get(oid, ""), kpis(measures, [(coordinator.id, oid)])) for oid in orgs]
    recent = rules.week_starts(clock.now().date(), COACHING_WEEKS)[0]
    recent_index = measures.weeks.index(recent) if recent in measures.weeks else 0
    window = Cell()
    for w in range(recent_index, len(measures.weeks)):
        window.merge(measures.total(week=w))
    tasks = list(
        ctx.session.scalars(
            select(CoachingTask)
            .where(CoachingTask.coordinator_id == coordinator.id)
            .order_by(CoachingTask.opened_at.desc())
        )
    )
    visible_orgs = access.account_organizations(ctx.caller)
    if isinstance(visible_orgs, frozenset):
        tasks = [t for t in tasks if t.organization_id in visible_orgs]
    review_stmt = scoped(
        select(QualityReview)
        .where(QualityReview.coordinator_id == coordinator.id)
        .order_by(QualityReview.reviewed_at.desc())
        .limit(10),
        ctx.caller,
        QualityReview,
        READ,
    )
    if organization_id is not None:
        review_stmt = review_stmt.where(QualityReview.organization_id == organization_id)
    ctx.audit("read", "Scorecard", coordinator.id, organization_id=organization_id)
    return Scorecard(
        coordinator,
        user,
        measures.weeks,
        kpis(measures),
        accounts,
        rules.breaches(window.values()),
        tasks,
        list(ctx.session.scalars(review_stmt)),
    )


# --- Accounts -------------------------------------------------------------------------


@dataclass
class CoordinatorRow:
    coordinator_id: uuid.UUID
    name: str
    status: str  # the placement's
    kpis: list[Kpi]


@dataclass
class AccountHealth:
    organization: Organization
    weeks: list[date]
    kpis: list[Kpi]
    coordinators: list[CoordinatorRow]
    health: rules.Health
    open_seats: int
    overdue_seats: int
    onboarding: int
    expiring_certifications: list[tuple[str, str, date]]
    coaching: list[CoachingTask]


def placements_at(ctx: Context, organization_id: uuid.UUID) -> list[Placement]:
    stmt = scoped(
        select(Placement).where(
            Placement.organization_id == organization_id, Placement.status != "proposed"
        ),
        ctx.caller,
        Placement,
        READ,
    )
    return list(ctx.session.scalars(stmt))


def account_health(ctx: Context, organization_id: uuid.UUID, weeks: int = 8) -> AccountHealth:
    ctx.require(READ, organization_id)
    organization = ctx.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organization")
    now = clock.now()
    placements = placements_at(ctx, organization_id)
    window_start = datetime.combine(rules.week_starts(now.date(), weeks)[0], time(0), tzinfo=UTC)
    relevant = [
        p
        for p in placements
        if p.status in ("onboarding", "active") or (p.ended_at and p.ended_at >= window_start)
    ]
    people_rows = profiles_repository.with_users(
        ctx.session, coordinator_ids={p.coordinator_id for p in relevant}
    )
    people = {c.id: c.user_id for c, _ in people_rows}
    names = {c.id: u.display_name for c, u in people_rows}
    measures = measure(ctx, people, organization_id=organization_id, weeks=weeks, now=now)
    order = {"active": 0, "onboarding": 1, "ended": 2}
    status_of: dict[uuid.UUID, str] = {}
    for p in sorted(relevant, key=lambda p: order.get(p.status, 3), reverse=True):
        status_of[p.coordinator_id] = p.status
    rows = [
        CoordinatorRow(
            cid, names.get(cid, ""), status_of[cid], kpis(measures, [(cid, organization_id)])
        )
        for cid in sorted(status_of, key=lambda c: (order.get(status_of[c], 3), names.get(c, "")))
    ]
    openings = list(
        ctx.session.scalars(
            scoped(
                select(Opening).where(
                    Opening.organization_id == organization_id, Opening.status == "open"
                ),
                ctx.caller,
                Opening,
                READ,
            )
        )
    )
    active_by_opening: dict[uuid.UUID, int] = defaultdict(int)
    for p in placements:
        if p.status == "active":
            active_by_opening[p.opening_id] += 1
    open_seats = sum(max(o.headcount - active_by_opening[o.id], 0) for o in openings)
    overdue = sum(
        max(o.headcount - active_by_opening[o.id], 0)
        for o in openings
        if o.starts_on and o.starts_on < now.date()
    )
    active_ids = [p.coordinator_id for p in placements if p.status == "active"]
    certs = profiles_repository.certifications(ctx.session, active_ids)
    expiring = []
    for cid in active_ids:
        for cert in training_rules.current_certifications(certs.get(cid, [])).values():
            if (
                cert.expires_on
                and training_rules.certification_state(cert.expires_on, now.date(), 30) != "valid"
            ):
                expiring.append((names.get(cid, ""), cert.code, cert.expires_on))
    coaching = list(
        ctx.session.scalars(
            select(CoachingTask).where(
                CoachingTask.organization_id == organization_id, CoachingTask.status == "open"
            )
        )
    )
    recent = rules.week_starts(now.date(), COACHING_WEEKS)[0]
    window = Cell()
    for w, start in enumerate(measures.weeks):
        if start >= recent:
            window.merge(measures.total(week=w))
    health = rules.account_health(
        rules.breaches(window.values()), open_seats, overdue, len(expiring), len(coaching)
    )
    ctx.audit("read", "AccountHealth", organization_id, organization_id=organization_id)
    return AccountHealth(
        organization,
        measures.weeks,
        kpis(measures),
        rows,
        health,
        open_seats,
        overdue,
        sum(1 for p in placements if p.status == "onboarding"),
        sorted(expiring, key=lambda e: e[2]),
        coaching,
    )


@dataclass
class AccountSummary:
    organization: Organization
    health: rules.Health
    active: int
    onboarding: int
    open_seats: int


def accounts(ctx: Context) -> list[AccountSummary]:
    orgs = access.account_organizations(ctx.caller)
    stmt = select(Organization).where(Organization.active.is_(True)).order_by(Organization.name)
    if isinstance(orgs, frozenset):
        if not orgs:
            raise PermissionDenied(
                "Account health is for the staffing team and client administrators"
            )
        stmt = stmt.where(Organization.id.in_(list(orgs)))
    found = []
    for organization in ctx.session.scalars(stmt):
        health = account_health(ctx, organization.id, weeks=COACHING_WEEKS)
        found.append(
            AccountSummary(
                organization,
                health.health,
                sum(1 for r in health.coordinators if r.status == "active"),
                health.onboarding,
                health.open_seats,
            )
        )
    return found
