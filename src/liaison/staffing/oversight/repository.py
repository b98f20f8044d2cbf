"""Aggregates for oversight, scoped to the organizations whose staffing the caller reads.

Only counts, means and durations leave these queries: no patient id, name, appointment
or task row.
Weeks are bucketed in SQL (seconds since a Monday, integer-divided by a week's
seconds) so that a large account is summed by the database, not row by row here; the
constants are inlined so that the GROUP BY expression is textually the SELECT's on
PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped
from liaison.models import (
    Appointment,
    AuditEvent,
    QualityReview,
    SatisfactionScore,
    SurveyResponse,
    Task,
    WaitlistEntry,
)

READ = Permission.STAFFING_READ
WEEK_SECONDS = 7 * 24 * 3600


def _bucket(column: Any, origin: date) -> Any:
    epoch = int(datetime.combine(origin, time(0), tzinfo=UTC).timestamp())
    seconds = cast(func.extract("epoch", column), BigInteger)
    # Floor division of non-negative integers: integer division on both engines.
    elapsed = seconds - literal_column(str(epoch), BigInteger)
    return (elapsed // literal_column(str(WEEK_SECONDS), BigInteger)).label("bucket")


def _error() -> Any:
    later = aliased(Appointment)
    rebooked = exists().where(
        later.organization_id == Appointment.organization_id,
        later.rescheduled_from_id == Appointment.id,
    )
    return or_(
        Appointment.status == "entered-in-error",
        and_(
            Appointment.status == "cancelled",
            Appointment.cancelled_by == "organization",
            rebooked,
        ),
    )


def booking_rows(
    session: Session,
    principal: Principal,
    user_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
    by_start: bool,
    weekly: bool = True,
) -> list[tuple[uuid.UUID, uuid.UUID, int, str, int, int]]:
    """(user, organization, week index since ``origin`` (0 when not weekly), status,
    count, errors) of appointments the users booked: by booking time, or by visit time
    for visits that have taken place (``by_start``)."""
    if not user_ids:
        return []
    column = Appointment.start_at if by_start else Appointment.created_at
    since = datetime.combine(origin, time(0), tzinfo=UTC)
    bucket = _bucket(column, origin) if weekly else literal_column("0").label("bucket")
    stmt = select(
        Appointment.created_by_user_id,
        Appointment.organization_id,
        bucket,
        Appointment.status,
        func.count(),
        func.sum(case((_error(), 1), else_=0)),
    ).where(
        Appointment.created_by_user_id.in_(list(user_ids)),
        column >= since,
        column <= until,
    )
    if organization_id is not None:
        stmt = stmt.where(Appointment.organization_id == organization_id)
    group = [Appointment.created_by_user_id, Appointment.organization_id, Appointment.status]
    stmt = stmt.group_by(*group, bucket) if weekly else stmt.group_by(*group)
    stmt = scoped(stmt, principal, Appointment, READ)
    return [
        (row[0], row[1], int(row[2]), row[3], int(row[4]), int(row[5] or 0))
        for row in session.execute(stmt)
    ]


def waitlist_rows(
    session: Session,
    principal: Principal,
    user_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, int]]:
    """(user, organization, week, entries) of waitlist entries the users added that
    filled a freed slot (status 'booked'), by when the patient took the slot.

    That instant is the booked appointment's ``booked_at``, set when the offer is
    accepted. Its ``created_at`` is when the hold was made (the offer round started,
    possibly in the week before), and the entry's ``updated_at`` moves with any later
    change to the entry; ``created_at`` only stands in for a booking without
    ``booked_at``."""
    if not user_ids:
        return []
    when = func.coalesce(Appointment.booked_at, Appointment.created_at)
    bucket = _bucket(when, origin)
    stmt = (
        select(
            WaitlistEntry.created_by_user_id, WaitlistEntry.organization_id, bucket, func.count()
        )
        .join(
            Appointment,
            and_(
                Appointment.organization_id == WaitlistEntry.organization_id,
                Appointment.id == WaitlistEntry.booked_appointment_id,
            ),
        )
        .where(
            WaitlistEntry.created_by_user_id.in_(list(user_ids)),
            WaitlistEntry.status == "booked",
            when >= datetime.combine(origin, time(0), tzinfo=UTC),
            when <= until,
        )
    )
    if organization_id is not None:
        stmt = stmt.where(WaitlistEntry.organization_id == organization_id)
    stmt = stmt.group_by(WaitlistEntry.created_by_user_id, WaitlistEntry.organization_id, bucket)
    # The join stays in the entry's organization (the composite key), so scoping the
    # entry scopes the appointment too.
    stmt = scoped(stmt, principal, WaitlistEntry, READ)
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in session.execute(stmt)]


def _weekly_means(
    session: Session,
    principal: Principal,
    model: Any,
    value: Any,
    at: Any,
    coordinator_ids: Sequence[uuid.UUID],
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, float, int]]:
    """(coordinator, organization, week, mean of ``value``, rows) of a scored table."""
    if not coordinator_ids:
        return []
    bucket = _bucket(at, origin)
    stmt = select(
        model.coordinator_id, model.organization_id, bucket, func.avg(value), func.count()
    ).where(
        model.coordinator_id.in_(list(coordinator_ids)),
        at >= datetime.combine(origin, time(0), tzinfo=UTC),
        at <= until,
    )
    if organization_id is not None:
        stmt = stmt.where(model.organization_id == organization_id)
    stmt = stmt.group_by(model.coordinator_id, model.organization_id, bucket)
    stmt = scoped(stmt, principal, model, READ)
    return [(r[0], r[1], int(r[2]), float(r[3]), int(r[4])) for r in session.execute(stmt)]


def review_rows(
    session: Session,
    principal: Principal,
    coordinator_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, float, int]]:
    """(coordinator, organization, week, mean score percent, reviews)."""
    return _weekly_means(
        session,
        principal,
        QualityReview,
        QualityReview.score_percent,
        QualityReview.reviewed_at,
        coordinator_ids,
        organization_id,
        origin,
        until,
    )


def satisfaction_rows(
    session: Session,
    principal: Principal,
    coordinator_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, float, int]]:
    """(coordinator, organization, week, mean score 1-5, responses) entered by staff."""
    return _weekly_means(
        session,
        principal,
        SatisfactionScore,
        SatisfactionScore.score,
        SatisfactionScore.received_at,
        coordinator_ids,
        organization_id,
        origin,
        until,
    )


def survey_rows(
    session: Session,
    principal: Principal,
    user_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
    weekly: bool = True,
) -> list[tuple[uuid.UUID, uuid.UUID, int, float, int]]:
    """(user, organization, week, mean score 1-5, responses) of the answers patients
    texted to Liaison's post-visit follow-up, credited to whoever booked the visit.
    Only the mean and the count leave the query, never the patient or the visit."""
    if not user_ids:
        return []
    bucket = (
        _bucket(SurveyResponse.received_at, origin)
        if weekly
        else literal_column("0").label("bucket")
    )
    stmt = (
        select(
            Appointment.created_by_user_id,
            SurveyResponse.organization_id,
            bucket,
            func.avg(SurveyResponse.score),
            func.count(),
        )
        .join(
            Appointment,
            and_(
                Appointment.organization_id == SurveyResponse.organization_id,
                Appointment.id == SurveyResponse.appointment_id,
            ),
        )
        .where(
            Appointment.created_by_user_id.in_(list(user_ids)),
            SurveyResponse.received_at >= datetime.combine(origin, time(0), tzinfo=UTC),
            SurveyResponse.received_at <= until,
        )
    )
    if organization_id is not None:
        stmt = stmt.where(SurveyResponse.organization_id == organization_id)
    group = [Appointment.created_by_user_id, SurveyResponse.organization_id]
    stmt = stmt.group_by(*group, bucket) if weekly else stmt.group_by(*group)
    stmt = scoped(stmt, principal, SurveyResponse, READ)
    return [(r[0], r[1], int(r[2]), float(r[3]), int(r[4])) for r in session.execute(stmt)]


def _per_week(
    session: Session,
    principal: Principal,
    model: Any,
    who: Any,
    at: Any,
    values: Sequence[Any],
    user_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
    where: Sequence[Any] = (),
    grouped: bool = True,
    until_inclusive: bool = True,
) -> list[Any]:
    """Rows (who, organization, week, *values) of ``model`` whose ``at`` falls in
    [origin, until] (or before ``until`` when not inclusive), for the given people,
    grouped by the three keys unless ``grouped`` is false (one row per record)."""
    bucket = _bucket(at, origin)
    stmt = select(who, model.organization_id, bucket, *values).where(
        who.in_(list(user_ids)),
        at >= datetime.combine(origin, time(0), tzinfo=UTC),
        at <= until if until_inclusive else at < until,
        *where,
    )
    if organization_id is not None:
        stmt = stmt.where(model.organization_id == organization_id)
    if grouped:
        stmt = stmt.group_by(who, model.organization_id, bucket)
    return list(session.execute(scoped(stmt, principal, model, READ)))


def activity_rows(
    session: Session,
    principal: Principal,
    user_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, int]]:
    """(user, organization, week, audit events): what the coordinator did in Liaison
    (reads, bookings, updates), counted, never listed."""
    if not user_ids:
        return []
    rows = _per_week(
        session,
        principal,
        AuditEvent,
        AuditEvent.user_id,
        AuditEvent.occurred_at,
        [func.count()],
        user_ids,
        organization_id=organization_id,
        origin=origin,
        until=until,
        where=[AuditEvent.organization_id.is_not(None), AuditEvent.outcome == "success"],
    )
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


# --- The work queue ---------------------------------------------------------------------
# Only timestamps are read from ``task``: never its title, description, patient or
# contact.


def task_completion_rows(
    session: Session,
    principal: Principal,
    user_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, int, int]]:
    """(user, organization, week, completed, late) of tasks the users completed, by the
    week of ``completed_at``; late: completed after ``due_at``. Only status 'completed'
    counts: a cancelled or failed task is closed but not completed."""
    if not user_ids:
        return []
    rows = _per_week(
        session,
        principal,
        Task,
        Task.completed_by_user_id,
        Task.completed_at,
        [func.count(), func.sum(case((Task.completed_at > Task.due_at, 1), else_=0))],
        user_ids,
        organization_id=organization_id,
        origin=origin,
        until=until,
        where=[Task.status == "completed"],
    )
    return [(r[0], r[1], int(r[2]), int(r[3]), int(r[4] or 0)) for r in rows]


def task_overdue_rows(
    session: Session,
    principal: Principal,
    user_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, int]]:
    """(user, organization, week, tasks) of open tasks the users own whose ``due_at``
    passed before ``until``, by the week of ``due_at``: breaches already.

    Read as the queue stands now: a task completed since counts, late, in the week it
    was completed (``task_completion_rows``) instead, once, for whoever completed it."""
    if not user_ids:
        return []
    rows = _per_week(
        session,
        principal,
        Task,
        Task.owner_user_id,
        Task.due_at,
        [func.count()],
        user_ids,
        organization_id=organization_id,
        origin=origin,
        until=until,
        where=[Task.is_open.is_(True)],
        until_inclusive=False,
    )
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def first_response_rows(
    session: Session,
    principal: Principal,
    user_ids: Sequence[uuid.UUID],
    *,
    organization_id: uuid.UUID | None,
    origin: date,
    until: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, float]]:
    """(user, organization, week, minutes): one row per task the users gave the first
    response to, by the week of ``first_response_at``, with the wall-clock minutes
    since the task was opened (``created_at``). Percentiles are taken over these, so
    each duration leaves the query, but nothing else of the task."""
    if not user_ids:
        return []
    seconds = cast(func.extract("epoch", Task.first_response_at), BigInteger) - cast(
        func.extract("epoch", Task.created_at), BigInteger
    )
    rows = _per_week(
        session,
        principal,
        Task,
        Task.first_response_by_user_id,
        Task.first_response_at,
        [seconds],
        user_ids,
        organization_id=organization_id,
        origin=origin,
        until=until,
        grouped=False,
    )
    return [(r[0], r[1], int(r[2]), int(r[3]) / 60) for r in rows]
