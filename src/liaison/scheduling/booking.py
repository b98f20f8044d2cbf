"""Booking: holds, bookings, cancellations, reschedules and status changes.

Double bookings are impossible at the database: on PostgreSQL an exclusion constraint
on appointment_participant (schedule, lane, time range) refuses an overlapping row even
when two requests pass the availability check at the same moment; on SQLite every unit
of work holds the write lock from its first statement (BEGIN IMMEDIATE), so the check
and the insert below cannot interleave with another booking.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.jobs.outbox import enqueue
from liaison.kit import clock
from liaison.messaging import reminders
from liaison.models import (
    Appointment,
    AppointmentHistory,
    AppointmentParticipant,
    Device,
    HealthcareService,
    Location,
    Patient,
    Practitioner,
    PractitionerRole,
    PractitionerRoleService,
    Schedule,
)
from liaison.models.base import new_id
from liaison.scheduling import calendars, lifecycle, repository
from liaison.scheduling.rules import Span, find_starts

WRITE, READ = Permission.APPOINTMENT_WRITE, Permission.APPOINTMENT_READ


class SlotTaken(Conflict):
    slug = "slot-taken"
    title = "This time was just taken"


@dataclass
class AppointmentView:
    appointment: Appointment
    participants: list[AppointmentParticipant]
    history: list[AppointmentHistory]
    # Loaded when asked for (calendars show who is booked).
    patient: Patient | None = None

    @property
    def device_ids(self) -> list[uuid.UUID]:
        return [p.device_id for p in self.participants if p.device_id is not None]


# --- Loading --------------------------------------------------------------------------


def access_appointment(
    ctx: Context, appointment_id: uuid.UUID, permission: Permission = READ
) -> Appointment:
    return access_one(
        ctx.session, ctx.caller, Appointment, appointment_id, permission, "Appointment"
    )


def view(ctx: Context, appointment: Appointment, with_history: bool = True) -> AppointmentView:
    participants = repository.participants_of(ctx.session, ctx.caller, [appointment.id])
    history = repository.history_of(ctx.session, ctx.caller, appointment.id) if with_history else []
    return AppointmentView(appointment, participants, history)


def get_appointment(ctx: Context, appointment_id: uuid.UUID) -> AppointmentView:
    audit = ctx.audit("read", "Appointment", appointment_id)
    appointment = access_appointment(ctx, appointment_id)
    audit.about(patient_id=appointment.patient_id, organization_id=appointment.organization_id)
    return view(ctx, appointment)


# --- Checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A practitioner's role at a location, with its schedule: where a visit is booked."""

    role: PractitionerRole
    schedule: Schedule
    location: Location
    practitioner_name: str


def _seat(
    ctx: Context, organization_id: uuid.UUID, role_id: uuid.UUID, service: HealthcareService
) -> Seat:
    """The role, its schedule and location, in one query; and whether it offers the
    visit type, in a second."""
    principal = ctx.caller
    row = ctx.session.execute(
        scoped(
            select(PractitionerRole, Schedule, Location, Practitioner)
            .join(
                Schedule,
                and_(
                    Schedule.organization_id == PractitionerRole.organization_id,
                    Schedule.practitioner_role_id == PractitionerRole.id,
                ),
                isouter=True,
            )
            .join(
                Location,
                and_(
                    Location.organization_id == PractitionerRole.organization_id,
                    Location.id == PractitionerRole.location_id,
                ),
            )
            .join(
                Practitioner,
                and_(
                    Practitioner.organization_id == PractitionerRole.organization_id,
                    Practitioner.id == PractitionerRole.practitioner_id,
                ),
            )
            .where(
                PractitionerRole.organization_id == organization_id, PractitionerRole.id == role_id
            ),
            principal,
            PractitionerRole,
            Permission.DIRECTORY_READ,
        )
    ).first()
    if row is None:
        raise InvalidInput("practitioner_role_id", "does not exist in this organization")
    role, schedule, location, practitioner = row
    if not (role.active and practitioner.active and location.active):
        raise InvalidInput("practitioner_role_id", "is not active")
    offers = ctx.session.scalar(
        scoped(
            select(PractitionerRoleService.id).where(
                PractitionerRoleService.organization_id == organization_id,
                PractitionerRoleService.practitioner_role_id == role.id,
                PractitionerRoleService.healthcare_service_id == service.id,
            ),
            principal,
            PractitionerRoleService,
            Permission.DIRECTORY_READ,
        )
    )
    if offers is None:
        raise InvalidInput(
            "healthcare_service_id", "is not a visit type this practitioner offers at this location"
        )
    if schedule is None or not schedule.active:
        raise InvalidInput("practitioner_role_id", "has no availability set up")
    return Seat(role, schedule, location, practitioner.display_name)


def _booking_context(
    ctx: Context,
    organization_id: uuid.UUID,
    patient_id: uuid.UUID,
    service_id: uuid.UUID,
    role_id: uuid.UUID,
) -> tuple[Patient, HealthcareService, Seat]:
    """Patient, visit type and seat of a booking in one query when all is well; when
    something is missing or inactive, the step-by-step checks say exactly what."""
    principal = ctx.caller
    offers = (
        select(PractitionerRoleService.id)
        .where(
            PractitionerRoleService.organization_id == PractitionerRole.organization_id,
            PractitionerRoleService.practitioner_role_id == PractitionerRole.id,
            PractitionerRoleService.healthcare_service_id == HealthcareService.id,
        )
        .exists()
    )
    stmt = (
        select(Patient, HealthcareService, PractitionerRole, Schedule, Location, Practitioner)
        .select_from(PractitionerRole)
        .join(
            Schedule,
            and_(
                Schedule.organization_id == PractitionerRole.organization_id,
                Schedule.practitioner_role_id == PractitionerRole.id,
            ),
        )
        .join(
            Location,
            and_(
                Location.organization_id == PractitionerRole.organization_id,
                Location.id == PractitionerRole.location_id,
            ),
        )
        .join(
            Practitioner,
            and_(
                Practitioner.organization_id == PractitionerRole.organization_id,
                Practitioner.id == PractitionerRole.practitioner_id,
            ),
        )
        .join(
            HealthcareService,
            and_(
                HealthcareService.organization_id == PractitionerRole.organization_id,
                HealthcareService.id == service_id,
            ),
        )
        .join(
            Patient,
            and_(
                Patient.organization_id == PractitionerRole.organization_id,
                Patient.id == patient_id,
            ),
        )
        .where(
            PractitionerRole.organization_id == organization_id,
            PractitionerRole.id == role_id,
            PractitionerRole.active.is_(True),
            Practitioner.active.is_(True),
            Location.active.is_(True),
            Schedule.active.is_(True),
            HealthcareService.active.is_(True),
            Patient.active.is_(True),
            offers,
        )
    )
    stmt = scoped(
        scoped(stmt, principal, PractitionerRole, Permission.DIRECTORY_READ),
        principal,
        Patient,
        Permission.PATIENT_READ,
    )
    row = ctx.session.execute(stmt).first()
    if row is not None:
        patient, service, role, schedule, location, practitioner = row
        return patient, service, Seat(role, schedule, location, practitioner.display_name)
    patient = referenced(
        ctx.session,
        principal,
        Patient,
        organization_id,
        patient_id,
        Permission.PATIENT_READ,
        "patient_id",
    )
    if not patient.active:
        raise InvalidInput("patient_id", "is an inactive patient record")
    service = referenced(
        ctx.session,
        principal,
        HealthcareService,
        organization_id,
        service_id,
        Permission.DIRECTORY_READ,
        "healthcare_service_id",
    )
    if not service.active:
        raise InvalidInput("healthcare_service_id", "is not an active visit type")
    return patient, service, _seat(ctx, organization_id, role_id, service)


def _check_time_rules(service: HealthcareService, start: datetime, now: datetime) -> None:
    policy = calendars.policy_of(service)
    if start < now:
        raise InvalidInput("start", "is in the past")
    if start < now + policy.min_notice:
        raise InvalidInput(
            "start",
            "is closer than the visit type's minimum notice of "
            f"{service.min_notice_minutes} minutes",
        )
    if start > now + policy.horizon:
        raise InvalidInput(
            "start", f"is beyond the booking horizon of {service.booking_horizon_days} days"
        )
    if start.second or start.microsecond:
        raise InvalidInput("start", "must be on a whole minute")


# Alternatives offered when a time is taken are looked for in this many days from the
# requested one, within the calendar already loaded for the check (no extra queries).
NEARBY_DAYS = 3


@dataclass(frozen=True)
class Placement:
    """Where a visit lands: the practitioner's lane and the devices it takes."""

    practitioner_schedule: uuid.UUID
    lane: int
    devices: list[tuple[uuid.UUID, uuid.UUID]]  # (device_id, schedule_id)
    # Free starts near the requested one; ``stale=True`` when someone else has just
    # taken the requested time, so starts overlapping it are left out too.
    nearby: Callable[[bool], list[dict[str, object]]]
    # True when a hold that ran out still sits on the time: release it before inserting.
    releases_holds: bool = False

    @property
    def schedule_ids(self) -> list[uuid.UUID]:
        return [self.practitioner_schedule, *(schedule for _, schedule in self.devices)]


def place(
    ctx: Context,
    service: HealthcareService,
    seat: Seat,
    start: datetime,
    *,
    device_ids: list[uuid.UUID] | None = None,
    overbook: bool = False,
) -> Placement:
    """Check that a visit fits at ``start`` and decide its lane and devices.

    Raises InvalidInput when the time is outside availability (nothing could ever be
    booked there) and SlotTaken, with nearby alternatives, when it is open but taken.
    """
    session, principal = ctx.session, ctx.caller
    schedule, location = seat.schedule, seat.location
    now = clock.now()
    policy = calendars.policy_of(service)
    tz = calendars.zone(location.time_zone)
    visit = Span(start, start + policy.duration)
    blocked = policy.blocked_span(start)
    kinds = list(dict.fromkeys(service.required_device_kinds))
    devices = (
        repository.device_schedules(
            session, principal, schedule.organization_id, [location.id], kinds
        )
        if kinds
        else []
    )
    refs = [calendars.ScheduleRef(schedule.id, location.time_zone)] + [
        calendars.ScheduleRef(d.schedule_id, d.time_zone) for d in devices
    ]
    first = visit.start.astimezone(tz).date()
    last = max(visit.end.astimezone(tz).date(), first + timedelta(days=NEARBY_DAYS - 1))
    cals = calendars.load(
        session,
        principal,
        schedule.organization_id,
        refs,
        first,
        last,
        now,
        service_id=service.id,
        count_per_day=policy.max_per_day is not None,
    )
    calendar = cals[schedule.id]
    companions = [[cals[d.schedule_id] for d in devices if d.kind == kind] for kind in kinds]

    # Plain values for the alternatives: after a refused insert the session can no
    # longer load anything, so nearby() must not touch an ORM object.
    role_id, location_id, zone_name = str(seat.role.id), str(location.id), location.time_zone
    practitioner_name = seat.practitioner_name
    window_start, window_end = cals.window(zone_name)

    def nearby(stale: bool = False) -> list[dict[str, object]]:
        found = [
            s
            for s, _ in find_starts(
                calendar,
                policy,
                now,
                window_start=window_start,
                window_end=window_end,
                companions=companions,
            )
            if not (stale and policy.blocked_span(s).overlaps(blocked))
        ]
        closest = sorted(sorted(found, key=lambda s: abs(s - start))[:3])
        return [
            {
                "start": s.isoformat(),
                "end": (s + policy.duration).isoformat(),
                "local_start": s.astimezone(tz).isoformat(),
                "practitioner_role_id": role_id,
                "practitioner_name": practitioner_name,
                "location_id": location_id,
            }
            for s in closest
        ]

    def taken(message: str) -> SlotTaken:
        return SlotTaken(message, alternatives=nearby())

    if calendar.window_for(visit, service.id, now) is None:
        if any(w.span.contains(visit) for w in calendar.windows):
            raise InvalidInput("start", "falls in time reserved for other visit types")
        raise InvalidInput("start", "is outside the practitioner's availability")
    if not calendar.blocked.is_free(blocked):
        raise taken(
            "The practitioner is unavailable then (blocked time, time off, "
            "or a visit at another location)"
        )
    booked_that_day = calendar.booked_per_day.get(start.astimezone(tz).date(), 0)
    if policy.max_per_day is not None and booked_that_day >= policy.max_per_day:
        raise taken(
            f"The practitioner already has the daily maximum of {policy.max_per_day} "
            "visits of this type"
        )

    lane = 0
    if not calendar.busy.is_free(blocked):
        if not overbook:
            raise taken("Another appointment already takes this time")
        if service.overbook_limit <= 0:
            raise InvalidInput("overbook", "this visit type does not allow overbooking")
        lanes = repository.taken_lanes(
            session, principal, schedule.id, blocked.start, blocked.end, now
        )
        free_lanes = [n for n in range(1, service.overbook_limit + 1) if n not in lanes]
        if not free_lanes:
            raise taken(
                "This time is already overbooked to the visit type's limit of "
                f"{service.overbook_limit}"
            )
        lane = free_lanes[0]

    chosen: list[tuple[uuid.UUID, uuid.UUID]] = []
    for kind in kinds:
        options = [d for d in devices if d.kind == kind]
        if device_ids is not None:
            options = [d for d in options if d.device_id in device_ids]
            if not options:
                raise InvalidInput("device_ids", f"must include a {kind} at this location")
        free = next((d for d in options if cals[d.schedule_id].can_host(start, policy, now)), None)
        if free is None:
            raise taken(f"No {kind} is free at this time")
        chosen.append((free.device_id, free.schedule_id))
    used = [calendar, *(cals[schedule_id] for _, schedule_id in chosen)]
    stale = any(blocked.overlaps(hold) for c in used for hold in c.expired_holds)
    return Placement(schedule.id, lane, chosen, nearby, stale)


# --- Writing --------------------------------------------------------------------------


def _history(
    ctx: Context,
    appointment: Appointment,
    action: str,
    from_status: str | None,
    reason: str | None = None,
    **details: object,
) -> None:
    ctx.session.add(
        AppointmentHistory(
            organization_id=appointment.organization_id,
            appointment_id=appointment.id,
            at=clock.now(),
            action=action,
            from_status=from_status,
            to_status=appointment.status,
            by_user_id=ctx.caller.user_id,
            reason=reason,
            details={k: str(v) for k, v in details.items()},
        )
    )


def emit(ctx: Context, topic: str, appointment: Appointment, **extra: object) -> None:
    """A domain event for the consumers downstream (reminders, waitlist, work queue)."""
    payload = {
        "appointment_id": str(appointment.id),
        "patient_id": str(appointment.patient_id),
        "status": appointment.status,
        "start": appointment.start_at.isoformat(),
        "end": appointment.end_at.isoformat(),
        "practitioner_role_id": str(appointment.practitioner_role_id),
        "location_id": str(appointment.location_id),
        "healthcare_service_id": str(appointment.healthcare_service_id),
        **{k: str(v) for k, v in extra.items()},
    }
    enqueue(
        ctx.session,
        topic,
        payload,
        idempotency_key=f"{topic}:{appointment.id}:{uuid.uuid4().hex[:12]}",
        organization_id=appointment.organization_id,
    )


def _insert(
    ctx: Context,
    appointment: Appointment,
    placement: Placement,
    service: HealthcareService,
    practitioner_id: uuid.UUID,
) -> list[AppointmentParticipant]:
    policy = calendars.policy_of(service)
    blocked = policy.blocked_span(appointment.start_at)
    common = {
        "organization_id": appointment.organization_id,
        "appointment_id": appointment.id,
        "block_start": blocked.start,
        "block_end": blocked.end,
        "blocking": True,
        "healthcare_service_id": service.id,
        "hold_expires_at": appointment.hold_expires_at,
    }
    participants = [
        AppointmentParticipant(
            schedule_id=placement.practitioner_schedule,
            practitioner_id=practitioner_id,
            lane=placement.lane,
            **common,
        )
    ]
    participants += [
        AppointmentParticipant(schedule_id=schedule_id, device_id=device_id, lane=0, **common)
        for device_id, schedule_id in placement.devices
    ]
    try:
        ctx.session.add(appointment)
        ctx.session.add_all(participants)
        ctx.session.flush()
    except (IntegrityError, OperationalError) as exc:
        if not _is_overlap(exc):
            raise
        # The alternatives come from the calendar already in memory: the failed
        # transaction is not touched again (the unit of work rolls it back).
        raise SlotTaken(
            "Another appointment was booked at this time a moment ago",
            alternatives=placement.nearby(True),
        ) from exc
    return participants


def _is_overlap(exc: IntegrityError | OperationalError) -> bool:
    """The exclusion constraint refused an overlapping booking (PostgreSQL 23P01).

    Or PostgreSQL chose this transaction as a deadlock victim (40P01) while inserting the
    participants: an exclusion constraint is checked after the row is in the index, so
    two transactions inserting overlapping rows at the same moment can each find the
    other's row and wait for it. The deadlock detector aborts one of them; it lost the
    race to an overlapping booking exactly as with 23P01, and the other goes on."""
    state = getattr(exc.orig, "sqlstate", None)
    if isinstance(exc, OperationalError):
        return state == "40P01"
    return state == "23P01" or "no_overlap" in str(exc.orig)


def book_appointment(
    ctx: Context,
    *,
    organization_id: uuid.UUID,
    patient_id: uuid.UUID,
    service_id: uuid.UUID,
    role_id: uuid.UUID,
    start: datetime,
    status: str = "booked",
    device_ids: list[uuid.UUID] | None = None,
    overbook: bool = False,
    comment: str | None = None,
    series_id: uuid.UUID | None = None,
    rescheduled_from: Appointment | None = None,
    emit_event: bool = True,
    audited: bool = True,
    hold_minutes: int | None = None,
) -> AppointmentView:
    """Hold or book one visit. ``audited=False`` when the caller records the action
    itself (a series, a reschedule), so one request leaves one audit row."""
    audit = (
        ctx.audit("create", "Appointment", patient_id=patient_id, organization_id=organization_id)
        if audited
        else None
    )
    start = start.astimezone(UTC)
    principal = ctx.require(WRITE, organization_id)
    patient, service, seat = _booking_context(ctx, organization_id, patient_id, service_id, role_id)
    role, location = seat.role, seat.location
    now = clock.now()
    _check_time_rules(service, start, now)
    placement = place(ctx, service, seat, start, device_ids=device_ids, overbook=overbook)
    if placement.releases_holds:
        repository.release_expired_holds(ctx.session, principal, now, placement.schedule_ids)
    policy = calendars.policy_of(service)
    appointment = Appointment(
        id=new_id(),
        organization_id=organization_id,
        status=status,
        patient_id=patient.id,
        healthcare_service_id=service.id,
        practitioner_role_id=role.id,
        location_id=location.id,
        start_at=start,
        end_at=start + policy.duration,
        modality=service.modality,
        hold_expires_at=now + timedelta(minutes=hold_minutes or service.hold_minutes)
        if status == "proposed"
        else None,
        booked_at=now if status == "booked" else None,
        overbooked=placement.lane > 0,
        comment=comment,
        series_id=series_id,
        rescheduled_from_id=rescheduled_from.id if rescheduled_from else None,
        created_by_user_id=principal.user_id,
    )
    participants = _insert(ctx, appointment, placement, service, role.practitioner_id)
    action = (
        "held" if status == "proposed" else ("rescheduled-to" if rescheduled_from else "booked")
    )
    if placement.lane:
        _history(ctx, appointment, action, None, "overbooked", lane=placement.lane)
    else:
        _history(ctx, appointment, action, None)
    if status == "booked":
        reminders.schedule(ctx, appointment, service, patient)
    if status == "booked" and emit_event:
        if rescheduled_from is not None:
            emit(
                ctx,
                "appointment.rescheduled",
                appointment,
                previous_appointment_id=rescheduled_from.id,
            )
        else:
            emit(ctx, "appointment.booked", appointment)
    if audit is not None:
        audit.about(resource_id=appointment.id, patient_id=patient.id)
    ctx.session.flush()
    return AppointmentView(appointment, participants, [])


def confirm_hold(
    ctx: Context, appointment_id: uuid.UUID, comment: str | None = None
) -> AppointmentView:
    audit = ctx.audit("update", "Appointment", appointment_id, change="book-hold")
    appointment = access_appointment(ctx, appointment_id)
    audit.about(patient_id=appointment.patient_id, organization_id=appointment.organization_id)
    ctx.require(WRITE, appointment.organization_id)
    now = clock.now()
    if appointment.status != "proposed":
        raise Conflict(
            f"Only a held (proposed) appointment can be booked; this one is {appointment.status}"
        )
    if appointment.hold_expires_at is not None and appointment.hold_expires_at <= now:
        # Nothing is written here (the unit of work rolls back on this error); the
        # expired hold no longer blocks anyone, and the next booking or sweep cancels it.
        raise Conflict("The hold expired and the time was released; search again")
    appointment.status = "booked"
    appointment.booked_at = now
    appointment.hold_expires_at = None
    if comment:
        appointment.comment = comment
    for participant in repository.participants_of(ctx.session, ctx.caller, [appointment.id]):
        participant.hold_expires_at = None
    _history(ctx, appointment, "booked", "proposed")
    service = access_one(
        ctx.session,
        ctx.caller,
        HealthcareService,
        appointment.healthcare_service_id,
        Permission.DIRECTORY_READ,
        "HealthcareService",
    )
    reminders.schedule(
        ctx,
        appointment,
        service,
        access_one(
            ctx.session,
            ctx.caller,
            Patient,
            appointment.patient_id,
            Permission.PATIENT_READ,
            "Patient",
        ),
    )
    emit(ctx, "appointment.booked", appointment)
    ctx.session.flush()
    return view(ctx, appointment)


def _release(ctx: Context, appointment: Appointment) -> None:
    for participant in repository.participants_of(ctx.session, ctx.caller, [appointment.id]):
        participant.blocking = False


def cancel_appointment(
    ctx: Context, appointment_id: uuid.UUID, reason: str, cancelled_by: str, *, event: bool = True
) -> AppointmentView:
    audit = ctx.audit("update", "Appointment", appointment_id, change="cancel")
    appointment = access_appointment(ctx, appointment_id)
    audit.about(patient_id=appointment.patient_id, organization_id=appointment.organization_id)
    ctx.require(WRITE, appointment.organization_id)
    _cancel(ctx, appointment, reason, cancelled_by, event=event)
    return view(ctx, appointment)


def _cancel(
    ctx: Context,
    appointment: Appointment,
    reason: str,
    cancelled_by: str,
    *,
    event: bool = True,
    action: str = "cancelled",
) -> None:
    if not lifecycle.can_move(appointment.status, "cancelled"):
        raise Conflict(f"An appointment that is {appointment.status} cannot be cancelled")
    previous = appointment.status
    appointment.status = "cancelled"
    appointment.cancelled_at = clock.now()
    appointment.cancellation_reason = reason
    appointment.cancelled_by = cancelled_by
    appointment.hold_expires_at = None
    _release(ctx, appointment)
    reminders.cancel(ctx, appointment.id)
    _history(ctx, appointment, action, previous, reason, cancelled_by=cancelled_by)
    if event and previous != "proposed":
        emit(ctx, "appointment.cancelled", appointment, cancelled_by=cancelled_by, reason=reason)
    ctx.session.flush()


def change_status(
    ctx: Context, appointment_id: uuid.UUID, status: str, reason: str | None = None
) -> AppointmentView:
    audit = ctx.audit("update", "Appointment", appointment_id, change=status)
    appointment = access_appointment(ctx, appointment_id)
    audit.about(patient_id=appointment.patient_id, organization_id=appointment.organization_id)
    ctx.require(WRITE, appointment.organization_id)
    if status not in lifecycle.SETTABLE:
        raise InvalidInput("status", "use the book, cancel or reschedule actions for this change")
    problem = lifecycle.why_not(
        appointment.status, status, start=appointment.start_at, now=clock.now()
    )
    if problem:
        raise Conflict(problem[0].upper() + problem[1:])
    previous = appointment.status
    appointment.status = status
    if lifecycle.releases_time(status):
        _release(ctx, appointment)
    if status in ("fulfilled", "noshow", "entered-in-error"):
        reminders.cancel(ctx, appointment.id)
    _history(ctx, appointment, status, previous, reason)
    emit(ctx, lifecycle.EVENT_FOR_STATUS[status], appointment)
    ctx.session.flush()
    return view(ctx, appointment)


def reschedule_appointment(
    ctx: Context,
    appointment_id: uuid.UUID,
    start: datetime,
    *,
    role_id: uuid.UUID | None = None,
    reason: str = "rescheduled",
    requested_by: str = "patient",
) -> AppointmentView:
    """Book the new time and cancel the old one in one transaction, linked."""
    audit = ctx.audit("update", "Appointment", appointment_id, change="reschedule")
    old = access_appointment(ctx, appointment_id)
    audit.about(patient_id=old.patient_id, organization_id=old.organization_id)
    ctx.require(WRITE, old.organization_id)
    if old.status not in ("proposed", "booked"):
        raise Conflict(f"An appointment that is {old.status} cannot be rescheduled")
    # Free the old time first so the new one may overlap it (moving 15 minutes later);
    # if the new booking fails, the whole unit of work rolls back and nothing moved.
    _release(ctx, old)
    ctx.session.flush()
    new = book_appointment(
        ctx,
        organization_id=old.organization_id,
        patient_id=old.patient_id,
        service_id=old.healthcare_service_id,
        role_id=role_id or old.practitioner_role_id,
        start=start,
        comment=old.comment,
        series_id=old.series_id,
        rescheduled_from=old,
        emit_event=False,
        audited=False,
    )
    audit.details["new_appointment_id"] = str(new.appointment.id)
    _cancel(ctx, old, reason, requested_by, event=False, action="rescheduled")
    emit(ctx, "appointment.rescheduled", new.appointment, previous_appointment_id=old.id)
    ctx.session.flush()
    return view(ctx, new.appointment)


def list_appointments(
    ctx: Context,
    *,
    organization_id: uuid.UUID | None,
    start: datetime,
    end: datetime,
    practitioner_id: uuid.UUID | None = None,
    role_ids: list[uuid.UUID] | None = None,
    location_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    statuses: list[str] | None = None,
    limit: int = 500,
    with_patients: bool = False,
) -> list[AppointmentView]:
    """Appointments overlapping [start, end), for calendars and lists.

    ``with_patients`` also loads each appointment's patient (one more query); the audit
    record of this read then names the patients seen.
    """
    audit = ctx.audit("read", "Appointment", organization_id=organization_id, patient_id=patient_id)
    if organization_id is not None:
        ctx.require(READ, organization_id)
    if end <= start:
        raise InvalidInput("end", "must be after start")
    if end - start > timedelta(days=62):
        raise InvalidInput("end", "a calendar covers at most 62 days")
    stmt = select(Appointment).where(Appointment.start_at < end, Appointment.end_at > start)
    if organization_id is not None:
        stmt = stmt.where(Appointment.organization_id == organization_id)
    if practitioner_id is not None:
        roles = select(PractitionerRole.id).where(
            PractitionerRole.practitioner_id == practitioner_id
        )
        stmt = stmt.where(
            Appointment.practitioner_role_id.in_(
                scoped(
                    roles, ctx.caller, PractitionerRole, Permission.DIRECTORY_READ
                ).scalar_subquery()
            )
        )
    if role_ids:
        stmt = stmt.where(Appointment.practitioner_role_id.in_(role_ids))
    if location_id is not None:
        stmt = stmt.where(Appointment.location_id == location_id)
    if patient_id is not None:
        stmt = stmt.where(Appointment.patient_id == patient_id)
    if statuses:
        stmt = stmt.where(Appointment.status.in_(statuses))
    stmt = scoped(
        stmt.order_by(Appointment.start_at, Appointment.id).limit(limit),
        ctx.caller,
        Appointment,
        READ,
    )
    appointments = list(ctx.session.scalars(stmt))
    participants = repository.participants_of(ctx.session, ctx.caller, [a.id for a in appointments])
    by_appointment: dict[uuid.UUID, list[AppointmentParticipant]] = {}
    for p in participants:
        by_appointment.setdefault(p.appointment_id, []).append(p)
    audit.details["results"] = len(appointments)
    patients: dict[uuid.UUID, Patient] = {}
    if with_patients and appointments:
        ids = list({a.patient_id for a in appointments})
        rows = ctx.session.scalars(
            scoped(
                select(Patient).where(Patient.id.in_(ids)),
                ctx.caller,
                Patient,
                Permission.PATIENT_READ,
            )
        )
        patients = {p.id: p for p in rows}
        audit.details["patients"] = [str(i) for i in ids]
    return [
        AppointmentView(a, by_appointment.get(a.id, []), [], patients.get(a.patient_id))
        for a in appointments
    ]


def device_of(ctx: Context, device_id: uuid.UUID) -> Device:
    device = ctx.session.scalar(
        scoped(
            select(Device).where(Device.id == device_id),
            ctx.caller,
            Device,
            Permission.DIRECTORY_READ,
        )
    )
    if device is None:
        raise NotFound("Device")
    return device
