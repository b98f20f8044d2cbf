"""Recurring visits: a series books every occurrence, each one checked like a single
booking; changes apply to one occurrence, this and the following ones, or all.

Occurrences keep their local time of day across daylight-saving changes: a weekly
09:00 visit stays at 09:00 on the wall clock, so its UTC instant moves by an hour
twice a year.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, LiaisonError
from liaison.kit import clock
from liaison.models import (
    Appointment,
    AppointmentSeries,
    HealthcareService,
    Location,
    PractitionerRole,
)
from liaison.scheduling import booking, calendars
from liaison.scheduling.schemas import SeriesChange, SeriesCreate
from liaison.scheduling.search import SearchRequest, Slot, find_slots

MAX_OCCURRENCES = 104
WRITE, READ = Permission.APPOINTMENT_WRITE, Permission.APPOINTMENT_READ


@dataclass(frozen=True)
class OccurrenceProblem:
    occurrence: int
    start: datetime
    problem: str
    alternatives: list[Slot]


@dataclass
class SeriesView:
    series: AppointmentSeries
    appointments: list[booking.AppointmentView]
    skipped: list[OccurrenceProblem] = field(default_factory=list)


class SeriesConflicts(Conflict):
    slug = "series-conflicts"
    title = "Some occurrences cannot be booked"


def occurrence_starts(
    first: datetime, zone_name: str, every_weeks: int, count: int | None, until: date | None
) -> list[datetime]:
    """Starts at the same local time of day, every ``every_weeks`` weeks."""
    zone = calendars.zone(zone_name)
    local = first.astimezone(zone)
    starts: list[datetime] = []
    k = 0
    while len(starts) < MAX_OCCURRENCES:
        day = local.date() + timedelta(weeks=every_weeks * k)
        if count is not None and k >= count:
            break
        if until is not None and day > until:
            break
        starts.append(
            datetime.combine(day, local.time(), tzinfo=zone).astimezone(first.tzinfo or zone)
        )
        k += 1
    return starts


def _alternatives(
    ctx: Context,
    service: HealthcareService,
    role: PractitionerRole,
    start: datetime,
    zone_name: str,
    error: LiaisonError,
) -> list[Slot]:
    """Nearest free times for an occurrence that did not fit: same practitioner, from
    that day. (A taken slot already carries nearby times from the booking check.)"""
    day = start.astimezone(calendars.zone(zone_name)).date()
    slots, _ = find_slots(
        ctx,
        SearchRequest(
            role.organization_id,
            service,
            3,
            role_ids=[role.id],
            start_date=day,
            end_date=day + timedelta(days=6),
        ),
    )
    return slots


def _problem_text(error: LiaisonError) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(f"{p.field} {p.message}" for p in error.problems)
    return error.detail


def create_series(ctx: Context, d: SeriesCreate) -> SeriesView:
    audit = ctx.audit(
        "create", "AppointmentSeries", patient_id=d.patient_id, organization_id=d.organization_id
    )
    principal = ctx.require(WRITE, d.organization_id)
    org = d.organization_id
    service = referenced(
        ctx.session,
        principal,
        HealthcareService,
        org,
        d.healthcare_service_id,
        Permission.DIRECTORY_READ,
        "healthcare_service_id",
    )
    role = referenced(
        ctx.session,
        principal,
        PractitionerRole,
        org,
        d.practitioner_role_id,
        Permission.DIRECTORY_READ,
        "practitioner_role_id",
    )
    location = referenced(
        ctx.session,
        principal,
        Location,
        org,
        role.location_id,
        Permission.DIRECTORY_READ,
        "practitioner_role_id",
    )
    starts = occurrence_starts(d.start, location.time_zone, d.every_weeks, d.count, d.until)
    if len(starts) < 2:
        raise InvalidInput("until", "the series must have at least two occurrences")
    series = AppointmentSeries(
        organization_id=org,
        patient_id=d.patient_id,
        healthcare_service_id=service.id,
        practitioner_role_id=role.id,
        first_start_at=d.start,
        every_weeks=d.every_weeks,
        count=d.count,
        until=d.until,
    )
    ctx.session.add(series)
    ctx.session.flush()
    audit.about(resource_id=series.id)

    booked: list[booking.AppointmentView] = []
    problems: list[OccurrenceProblem] = []
    for number, start in enumerate(starts, start=1):
        try:
            # Each occurrence in its own savepoint: one that does not fit leaves the
            # others' work intact (on_conflict=skip) and is reported with alternatives.
            with ctx.session.begin_nested():
                view = booking.book_appointment(
                    ctx,
                    organization_id=org,
                    patient_id=d.patient_id,
                    service_id=service.id,
                    role_id=role.id,
                    start=start,
                    comment=d.comment,
                    series_id=series.id,
                    audited=False,
                )
            booked.append(view)
        except (InvalidInput, Conflict) as error:
            if isinstance(error, InvalidInput) and error.problems[0].field not in (
                "start",
                "overbook",
            ):
                raise  # a wrong patient or visit type is wrong for every occurrence
            alternatives = _alternatives(ctx, service, role, start, location.time_zone, error)
            problems.append(OccurrenceProblem(number, start, _problem_text(error), alternatives))
    audit.details["appointments"] = [str(v.appointment.id) for v in booked]
    if problems and (d.on_conflict == "fail" or not booked):
        raise SeriesConflicts(
            f"{len(problems)} of {len(starts)} occurrences cannot be booked; nothing was booked",
            conflicts=[_problem_json(p) for p in problems],
        )
    return SeriesView(series, booked, problems)


def _problem_json(problem: OccurrenceProblem) -> dict[str, object]:
    return {
        "occurrence": problem.occurrence,
        "start": problem.start.isoformat(),
        "problem": problem.problem,
        "alternatives": [
            {
                "start": s.start.isoformat(),
                "local_start": s.local_start.isoformat(),
                "practitioner_role_id": str(s.role_id),
            }
            for s in problem.alternatives
        ],
    }


def get_series(ctx: Context, series_id: uuid.UUID) -> SeriesView:
    audit = ctx.audit("read", "AppointmentSeries", series_id)
    series = access_one(
        ctx.session, ctx.caller, AppointmentSeries, series_id, READ, "AppointmentSeries"
    )
    audit.about(patient_id=series.patient_id, organization_id=series.organization_id)
    return SeriesView(series, _members(ctx, series))


def _members(ctx: Context, series: AppointmentSeries) -> list[booking.AppointmentView]:
    stmt = select(Appointment).where(
        Appointment.organization_id == series.organization_id, Appointment.series_id == series.id
    )
    rows = ctx.session.scalars(
        scoped(stmt.order_by(Appointment.start_at), ctx.caller, Appointment, READ)
    )
    return [booking.view(ctx, a, with_history=False) for a in rows]


def change_series(ctx: Context, series_id: uuid.UUID, d: SeriesChange) -> SeriesView:
    """Cancel or move one occurrence, it and the following ones, or all to come."""
    audit = ctx.audit("update", "AppointmentSeries", series_id, scope=d.scope, change=d.action)
    series = access_one(
        ctx.session, ctx.caller, AppointmentSeries, series_id, READ, "AppointmentSeries"
    )
    audit.about(patient_id=series.patient_id, organization_id=series.organization_id)
    ctx.require(WRITE, series.organization_id)
    anchor = access_one(ctx.session, ctx.caller, Appointment, d.appointment_id, READ, "Appointment")
    if anchor.series_id != series.id:
        raise InvalidInput("appointment_id", "is not an occurrence of this series")
    now = clock.now()
    active = [
        v.appointment
        for v in _members(ctx, series)
        if v.appointment.status in ("proposed", "booked")
    ]
    if d.scope == "one":
        targets = [anchor]
    elif d.scope == "following":
        targets = [a for a in active if a.start_at >= anchor.start_at]
    else:
        targets = [a for a in active if a.start_at >= now]
    if not targets or anchor.status not in ("proposed", "booked"):
        raise Conflict(
            f"The chosen occurrence is {anchor.status}; only booked occurrences can change"
        )

    if d.action == "cancel":
        for appointment in targets:
            booking._cancel(ctx, appointment, d.reason, d.cancelled_by)
        if d.scope == "all":
            series.status = "cancelled"
        ctx.session.flush()
        return SeriesView(series, _members(ctx, series))

    location = referenced(
        ctx.session,
        ctx.caller,
        Location,
        series.organization_id,
        anchor.location_id,
        Permission.DIRECTORY_READ,
        "appointment_id",
    )
    zone = calendars.zone(location.time_zone)
    assert d.new_start is not None  # SeriesChange requires it for a move
    new_anchor = d.new_start.astimezone(zone)
    day_shift = new_anchor.date() - anchor.start_at.astimezone(zone).date()
    problems: list[OccurrenceProblem] = []
    # Free every target first, so occurrences may move into each other's old times.
    for appointment in targets:
        booking._release(ctx, appointment)
    ctx.session.flush()
    service = referenced(
        ctx.session,
        ctx.caller,
        HealthcareService,
        series.organization_id,
        series.healthcare_service_id,
        Permission.DIRECTORY_READ,
        "healthcare_service_id",
    )
    role = referenced(
        ctx.session,
        ctx.caller,
        PractitionerRole,
        series.organization_id,
        anchor.practitioner_role_id,
        Permission.DIRECTORY_READ,
        "appointment_id",
    )
    for number, appointment in enumerate(sorted(targets, key=lambda a: a.start_at), start=1):
        local_day = appointment.start_at.astimezone(zone).date() + day_shift
        start = datetime.combine(local_day, new_anchor.time(), tzinfo=zone)
        try:
            with ctx.session.begin_nested():
                new = booking.book_appointment(
                    ctx,
                    organization_id=series.organization_id,
                    patient_id=series.patient_id,
                    service_id=series.healthcare_service_id,
                    role_id=appointment.practitioner_role_id,
                    start=start,
                    comment=appointment.comment,
                    series_id=series.id,
                    rescheduled_from=appointment,
                    emit_event=False,
                    audited=False,
                )
            booking._cancel(
                ctx, appointment, d.reason, d.cancelled_by, event=False, action="rescheduled"
            )
            booking.emit(
                ctx,
                "appointment.rescheduled",
                new.appointment,
                previous_appointment_id=appointment.id,
            )
        except (InvalidInput, Conflict) as error:
            problems.append(
                OccurrenceProblem(
                    number,
                    start,
                    _problem_text(error),
                    _alternatives(ctx, service, role, start, location.time_zone, error),
                )
            )
    if problems:
        raise SeriesConflicts(
            f"{len(problems)} of {len(targets)} occurrences cannot move there; nothing was changed",
            conflicts=[_problem_json(p) for p in problems],
        )
    ctx.session.flush()
    return SeriesView(series, _members(ctx, series))
