"""Scheduling queries, always scoped to the caller's organizations.

Slot search reads a fixed set of queries whatever the number of practitioners or days:
the eligible schedules, their rules, and — per time chunk — overrides, blocks and busy
time for all of them at once. Rows come back as tuples, not ORM objects: the engine
needs values, and building objects for tens of thousands of bookings costs more than
the search itself.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, cast, event, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session, aliased

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped, unscoped_system
from liaison.models import (
    Appointment,
    AppointmentHistory,
    AppointmentParticipant,
    AvailabilityRule,
    Device,
    HealthcareService,
    Location,
    OrganizationHoliday,
    Practitioner,
    PractitionerRole,
    PractitionerRoleService,
    Schedule,
    ScheduleBlock,
    ScheduleOverride,
)

DIRECTORY = Permission.DIRECTORY_READ
PATIENTS = Permission.PATIENT_READ


# Eligible schedules of recent searches, per organization and question, kept while the
# organization's directory is unchanged (``directory_version``): reading and turning a few
# hundred rows of ids into Python objects was a quarter of a slot search. Per process;
# the version is read in the searching transaction, so a stale entry is never used.
_ELIGIBLE_CACHE: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], list[Any]]] = OrderedDict()
_ELIGIBLE_CACHE_SIZE = 512
_ELIGIBLE_CACHE_LOCK = threading.Lock()


# What eligibility reads. A change to any of them in this process empties the cache at
# once, and again at commit (a search that ran in between must not keep what it read);
# another process sees the change through ``directory_version``.
_DIRECTORY_MODELS = (
    Practitioner,
    PractitionerRole,
    PractitionerRoleService,
    Location,
    Schedule,
    HealthcareService,
)


def _forget_eligible() -> None:
    with _ELIGIBLE_CACHE_LOCK:
        _ELIGIBLE_CACHE.clear()


@event.listens_for(Session, "before_flush")
def _note_directory_change(session: Session, *_: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _DIRECTORY_MODELS) for obj in changed):
        session.info["directory_changed"] = True
        _forget_eligible()


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop("directory_changed", False):
        _forget_eligible()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop("directory_changed", None)


def directory_version(session: Session, organization_id: uuid.UUID) -> tuple[Any, ...]:
    """What changes when anything slot search reads from the directory changes: the
    count and newest change of the organization's roles, practitioners, locations and
    schedules, and the count and newest id (ids are time-ordered) of the visit types
    each role offers. One statement of index-only aggregates."""

    def of(model: Any, aggregate: Any) -> Any:
        return select(aggregate).where(model.organization_id == organization_id).scalar_subquery()

    stmt = select(
        *[
            part
            for model, column in (
                (PractitionerRole, PractitionerRole.updated_at),
                (Practitioner, Practitioner.updated_at),
                (Location, Location.updated_at),
                (Schedule, Schedule.updated_at),
                # (PostgreSQL has no max() of uuid; the text of a UUIDv7 sorts by time.)
                (PractitionerRoleService, cast(PractitionerRoleService.id, String)),
            )
            for part in (of(model, func.count()), of(model, func.max(column)))
        ]
    )
    return tuple(
        session.execute(
            unscoped_system(
                stmt,
                "counts and change times of the caller's organization, whose access the"
                " search has checked",
            )
        ).one()
    )


def eligible_practitioner_schedules(
    session: Session,
    principal: Principal,
    organization_id: uuid.UUID,
    service_id: uuid.UUID,
    *,
    location_ids: Sequence[uuid.UUID] = (),
    practitioner_ids: Sequence[uuid.UUID] = (),
    role_ids: Sequence[uuid.UUID] = (),
) -> list[Any]:
    """Schedules of active practitioner roles that offer the visit type (from the cache
    while the organization's directory is unchanged)."""
    if not principal.can(DIRECTORY, organization_id):
        return []
    key = (
        organization_id,
        service_id,
        tuple(sorted(location_ids, key=str)),
        tuple(sorted(practitioner_ids, key=str)),
        tuple(sorted(role_ids, key=str)),
    )
    version = directory_version(session, organization_id)
    with _ELIGIBLE_CACHE_LOCK:
        cached = _ELIGIBLE_CACHE.get(key)
        if cached is not None and cached[0] == version:
            _ELIGIBLE_CACHE.move_to_end(key)
            return list(cached[1])
    rows = _eligible_practitioner_schedules(
        session,
        principal,
        organization_id,
        service_id,
        location_ids=location_ids,
        practitioner_ids=practitioner_ids,
        role_ids=role_ids,
    )
    with _ELIGIBLE_CACHE_LOCK:
        _ELIGIBLE_CACHE[key] = (version, rows)
        _ELIGIBLE_CACHE.move_to_end(key)
        while len(_ELIGIBLE_CACHE) > _ELIGIBLE_CACHE_SIZE:
            _ELIGIBLE_CACHE.popitem(last=False)
    return list(rows)


def _eligible_practitioner_schedules(
    session: Session,
    principal: Principal,
    organization_id: uuid.UUID,
    service_id: uuid.UUID,
    *,
    location_ids: Sequence[uuid.UUID] = (),
    practitioner_ids: Sequence[uuid.UUID] = (),
    role_ids: Sequence[uuid.UUID] = (),
) -> list[Any]:
    stmt = (
        select(
            Schedule.id.label("schedule_id"),
            PractitionerRole.id.label("role_id"),
            PractitionerRole.location_id,
            Practitioner.id.label("practitioner_id"),
            Practitioner.prefix,
            Practitioner.given_name,
            Practitioner.family_name,
            Practitioner.gender,
            Practitioner.languages,
            Location.time_zone,
        )
        .select_from(PractitionerRoleService)
        .join(
            PractitionerRole,
            and_(
                PractitionerRole.organization_id == PractitionerRoleService.organization_id,
                PractitionerRole.id == PractitionerRoleService.practitioner_role_id,
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
            Location,
            and_(
                Location.organization_id == PractitionerRole.organization_id,
                Location.id == PractitionerRole.location_id,
            ),
        )
        .join(
            Schedule,
            and_(
                Schedule.organization_id == PractitionerRole.organization_id,
                Schedule.practitioner_role_id == PractitionerRole.id,
            ),
        )
        .where(
            PractitionerRoleService.organization_id == organization_id,
            PractitionerRoleService.healthcare_service_id == service_id,
            PractitionerRole.active.is_(True),
            Practitioner.active.is_(True),
            Location.active.is_(True),
            Schedule.active.is_(True),
        )
    )
    if location_ids:
        stmt = stmt.where(PractitionerRole.location_id.in_(location_ids))
    if practitioner_ids:
        stmt = stmt.where(Practitioner.id.in_(practitioner_ids))
    if role_ids:
        stmt = stmt.where(PractitionerRole.id.in_(role_ids))
    stmt = stmt.order_by(Practitioner.family_name, Practitioner.given_name, PractitionerRole.id)
    return list(session.execute(scoped(stmt, principal, PractitionerRoleService, DIRECTORY)))


def device_schedules(
    session: Session,
    principal: Principal,
    organization_id: uuid.UUID,
    location_ids: Sequence[uuid.UUID],
    kinds: Sequence[str],
) -> list[Any]:
    if not location_ids or not kinds:
        return []
    stmt = (
        select(
            Schedule.id.label("schedule_id"),
            Device.id.label("device_id"),
            Device.kind,
            Device.location_id,
            Location.time_zone,
        )
        .select_from(Device)
        .join(
            Schedule,
            and_(
                Schedule.organization_id == Device.organization_id, Schedule.device_id == Device.id
            ),
        )
        .join(
            Location,
            and_(
                Location.organization_id == Device.organization_id,
                Location.id == Device.location_id,
            ),
        )
        .where(
            Device.organization_id == organization_id,
            Device.location_id.in_(location_ids),
            Device.kind.in_(kinds),
            Device.active.is_(True),
            Schedule.active.is_(True),
        )
        .order_by(Device.name, Device.id)
    )
    return list(session.execute(scoped(stmt, principal, Device, DIRECTORY)))


def rules_for(
    session: Session, principal: Principal, schedule_ids: Sequence[uuid.UUID]
) -> list[AvailabilityRule]:
    if not schedule_ids:
        return []
    stmt = select(AvailabilityRule).where(AvailabilityRule.schedule_id.in_(schedule_ids))
    return list(session.scalars(scoped(stmt, principal, AvailabilityRule, DIRECTORY)))


def rule_values_for(
    session: Session, principal: Principal, schedule_ids: Sequence[uuid.UUID]
) -> list[Any]:
    """Rules as plain rows (no ORM objects): slot search reads hundreds of them."""
    if not schedule_ids:
        return []
    stmt = select(
        AvailabilityRule.schedule_id,
        AvailabilityRule.weekdays,
        AvailabilityRule.start_time,
        AvailabilityRule.end_time,
        AvailabilityRule.valid_from,
        AvailabilityRule.valid_until,
        AvailabilityRule.every_weeks,
        AvailabilityRule.reserved_for_service_ids,
        AvailabilityRule.release_hours_before,
    ).where(AvailabilityRule.schedule_id.in_(schedule_ids))
    return list(session.execute(scoped(stmt, principal, AvailabilityRule, DIRECTORY)))


def organization_rule_values(
    session: Session, principal: Principal, organization_id: uuid.UUID
) -> list[Any]:
    stmt = select(
        AvailabilityRule.schedule_id,
        AvailabilityRule.weekdays,
        AvailabilityRule.start_time,
        AvailabilityRule.end_time,
        AvailabilityRule.valid_from,
        AvailabilityRule.valid_until,
        AvailabilityRule.every_weeks,
        AvailabilityRule.reserved_for_service_ids,
        AvailabilityRule.release_hours_before,
    ).where(AvailabilityRule.organization_id == organization_id)
    return list(session.execute(scoped(stmt, principal, AvailabilityRule, DIRECTORY)))


def overrides_for(
    session: Session,
    principal: Principal,
    schedule_ids: Sequence[uuid.UUID],
    first: date,
    last: date,
) -> list[ScheduleOverride]:
    if not schedule_ids:
        return []
    stmt = select(ScheduleOverride).where(
        ScheduleOverride.schedule_id.in_(schedule_ids),
        ScheduleOverride.date >= first,
        ScheduleOverride.date <= last,
    )
    return list(session.scalars(scoped(stmt, principal, ScheduleOverride, DIRECTORY)))


def blocks_for(
    session: Session,
    principal: Principal,
    schedule_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
) -> list[Any]:
    if not schedule_ids:
        return []
    stmt = select(ScheduleBlock.schedule_id, ScheduleBlock.start_at, ScheduleBlock.end_at).where(
        ScheduleBlock.schedule_id.in_(schedule_ids),
        ScheduleBlock.start_at < end,
        ScheduleBlock.end_at > start,
    )
    return list(session.execute(scoped(stmt, principal, ScheduleBlock, DIRECTORY)))


def _live(now: datetime) -> Any:
    """Participant rows that still take time: blocking, and not a hold that expired."""
    return and_(
        AppointmentParticipant.blocking.is_(True),
        or_(
            AppointmentParticipant.hold_expires_at.is_(None),
            AppointmentParticipant.hold_expires_at > now,
        ),
    )


def _raw(column: Any, session: Session) -> Any:
    """On SQLite, read a column as its stored text and let the caller parse it: for the
    thousands of rows slot search reads, SQLAlchemy's per-value conversion (regex date
    parsing, UUID objects) cost more than the query. PostgreSQL's driver returns native
    values cheaply, so there the column is read as is."""
    if session.get_bind().dialect.name == "sqlite":
        return type_coerce(column, String)
    return column


def busy_for(
    session: Session,
    principal: Principal,
    schedule_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
    *,
    detail: bool = False,
    own: bool = False,
) -> list[Any]:
    """Blocking participant rows overlapping [start, end), every lane, expired holds
    included (the caller tells live time from holds that ran out, so that one query
    serves the free-time check, the daily maximum and the release of stale holds).

    ``detail`` adds the visit type and device of each row (for daily maxima). Ids and
    instants may come back raw (see ``_raw``); ``calendars`` reads them. Unless ``own``,
    the practitioner's time on their other schedules comes too (see ``_elsewhere``).
    """
    if not schedule_ids:
        return []
    columns = [
        _raw(AppointmentParticipant.schedule_id, session).label("schedule_id"),
        _raw(AppointmentParticipant.block_start, session).label("block_start"),
        _raw(AppointmentParticipant.block_end, session).label("block_end"),
        AppointmentParticipant.lane,
        _raw(AppointmentParticipant.hold_expires_at, session).label("hold_expires_at"),
    ]
    if detail:
        columns += [
            _raw(AppointmentParticipant.healthcare_service_id, session).label(
                "healthcare_service_id"
            ),
            _raw(AppointmentParticipant.device_id, session).label("device_id"),
        ]
    stmt = select(*columns).where(
        AppointmentParticipant.schedule_id.in_(schedule_ids),
        AppointmentParticipant.block_start < end,
        AppointmentParticipant.block_end > start,
        AppointmentParticipant.blocking.is_(True),
    )
    # Busy time is not patient data (no patient is named), hence directory scope.
    rows = list(session.execute(scoped(stmt, principal, AppointmentParticipant, DIRECTORY)))
    if own:
        return rows
    return rows + _elsewhere(session, principal, schedule_ids, start, end, detail=detail)


# Built once: an alias builds its columns anew, which costs more than the query it serves.
_SIBLING_ALIASES = (
    aliased(Schedule, name="requested_schedule"),
    aliased(PractitionerRole, name="own_role"),
    aliased(PractitionerRole, name="other_role"),
    aliased(Schedule, name="other_schedule"),
)


def _elsewhere(
    session: Session,
    principal: Principal,
    schedule_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
    *,
    detail: bool,
) -> list[Any]:
    """Time the practitioner behind each of ``schedule_ids`` spends on their other
    schedules (a role at another location), reported under the requested schedule with
    lane -1: busy in every lane.

    Two small steps rather than one join, so that the planner never walks busy time by
    date: the other schedules of practitioners who have more than one (most have one,
    and then nothing more is read), then their busy rows by schedule, as ``busy_for``."""
    requested, own_role, other_role, other = _SIBLING_ALIASES
    pairs = select(requested.id, other.id).select_from(requested)
    pairs = (
        pairs.join(
            own_role,
            and_(
                own_role.organization_id == requested.organization_id,
                own_role.id == requested.practitioner_role_id,
            ),
        )
        .join(
            other_role,
            and_(
                other_role.organization_id == own_role.organization_id,
                other_role.practitioner_id == own_role.practitioner_id,
                other_role.id != own_role.id,
            ),
        )
        .join(
            other,
            and_(
                other.organization_id == other_role.organization_id,
                other.practitioner_role_id == other_role.id,
            ),
        )
        .where(requested.id.in_(schedule_ids))
    )
    siblings: dict[uuid.UUID, list[uuid.UUID]] = {}
    for wanted, sibling in session.execute(scoped(pairs, principal, requested, DIRECTORY)):
        siblings.setdefault(sibling, []).append(wanted)
    if not siblings:
        return []
    found = []
    for row in busy_for(session, principal, list(siblings), start, end, detail=detail, own=True):
        for wanted in siblings[_as_uuid(row.schedule_id)]:
            found.append(_Elsewhere(wanted, row))
    return found


class _Elsewhere:
    """A busy row of another schedule, seen from the requested one."""

    __slots__ = ("_row", "schedule_id")

    def __init__(self, schedule_id: uuid.UUID, row: Any) -> None:
        self.schedule_id = schedule_id
        self._row = row

    lane = -1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def rules_version(
    session: Session, principal: Principal, organization_id: uuid.UUID
) -> tuple[int, Any]:
    """(count, newest change) of an organization's availability rules: when it has not
    moved, rules parsed earlier are still right."""
    stmt = select(func.count(), func.max(AvailabilityRule.updated_at)).where(
        AvailabilityRule.organization_id == organization_id
    )
    count, newest = session.execute(scoped(stmt, principal, AvailabilityRule, DIRECTORY)).one()
    return int(count), newest


def taken_lanes(
    session: Session,
    principal: Principal,
    schedule_id: uuid.UUID,
    start: datetime,
    end: datetime,
    now: datetime,
) -> set[int]:
    stmt = select(AppointmentParticipant.lane).where(
        AppointmentParticipant.schedule_id == schedule_id,
        AppointmentParticipant.block_start < end,
        AppointmentParticipant.block_end > start,
        _live(now),
    )
    return set(session.scalars(scoped(stmt, principal, AppointmentParticipant, DIRECTORY)))


def release_expired_holds(
    session: Session,
    principal: Principal | None,
    now: datetime,
    schedule_ids: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Turn holds whose time ran out into cancelled appointments; returns their ids."""
    stmt = select(Appointment.id, Appointment.organization_id).where(
        Appointment.status == "proposed", Appointment.hold_expires_at <= now
    )
    if schedule_ids is not None:
        holders = select(AppointmentParticipant.appointment_id).where(
            AppointmentParticipant.schedule_id.in_(schedule_ids),
            AppointmentParticipant.blocking.is_(True),
            AppointmentParticipant.hold_expires_at <= now,
        )
        stmt = stmt.where(Appointment.id.in_(holders.scalar_subquery()))
    if principal is not None:
        stmt = scoped(stmt, principal, Appointment, DIRECTORY)
    else:
        from liaison.authz.scope import unscoped_system

        stmt = unscoped_system(stmt, "the hold sweeper serves every organization")
    expired = list(session.execute(stmt.with_for_update()))
    ids = [row.id for row in expired]
    if not ids:
        return []
    appointments = (
        update(Appointment)
        .where(Appointment.id.in_(ids))
        .values(
            status="cancelled",
            cancelled_at=now,
            cancellation_reason="hold expired",
            cancelled_by="organization",
            version=Appointment.version + 1,
        )
    )
    participants = (
        update(AppointmentParticipant)
        .where(AppointmentParticipant.appointment_id.in_(ids))
        .values(blocking=False)
    )
    from liaison.authz.scope import unscoped_system

    # The ids were selected through the caller's scope (or as the system) just above.
    session.execute(
        unscoped_system(appointments, "ids already scoped").execution_options(
            synchronize_session=False
        )
    )
    session.execute(
        unscoped_system(participants, "ids already scoped").execution_options(
            synchronize_session=False
        )
    )
    session.add_all(
        AppointmentHistory(
            organization_id=row.organization_id,
            appointment_id=row.id,
            at=now,
            action="hold-expired",
            from_status="proposed",
            to_status="cancelled",
            reason="hold expired",
        )
        for row in expired
    )
    return ids


def holidays(
    session: Session, principal: Principal, organization_id: uuid.UUID, first: date, last: date
) -> set[date]:
    stmt = select(OrganizationHoliday.date).where(
        OrganizationHoliday.organization_id == organization_id,
        OrganizationHoliday.date >= first,
        OrganizationHoliday.date <= last,
    )
    return set(session.scalars(scoped(stmt, principal, OrganizationHoliday, DIRECTORY)))


def practitioners_seen(
    session: Session, principal: Principal, patient_id: uuid.UUID, before: datetime
) -> dict[uuid.UUID, date]:
    """Practitioners a patient has seen, with the date of the last visit (continuity)."""
    stmt = (
        select(PractitionerRole.practitioner_id, func.max(Appointment.start_at))
        .select_from(Appointment)
        .join(
            PractitionerRole,
            and_(
                PractitionerRole.organization_id == Appointment.organization_id,
                PractitionerRole.id == Appointment.practitioner_role_id,
            ),
        )
        .where(
            Appointment.patient_id == patient_id,
            Appointment.status.in_(("fulfilled", "arrived", "checked-in", "booked")),
            Appointment.start_at < before,
        )
        .group_by(PractitionerRole.practitioner_id)
    )
    rows = session.execute(scoped(stmt, principal, Appointment, PATIENTS))
    return {practitioner: last.date() for practitioner, last in rows}


def schedules_by_id(
    session: Session, principal: Principal, ids: Sequence[uuid.UUID]
) -> list[Schedule]:
    if not ids:
        return []
    stmt = select(Schedule).where(Schedule.id.in_(ids))
    return list(session.scalars(scoped(stmt, principal, Schedule, DIRECTORY)))


def participants_of(
    session: Session, principal: Principal, appointment_ids: Sequence[uuid.UUID]
) -> list[AppointmentParticipant]:
    if not appointment_ids:
        return []
    stmt = select(AppointmentParticipant).where(
        AppointmentParticipant.appointment_id.in_(appointment_ids)
    )
    return list(session.scalars(scoped(stmt, principal, AppointmentParticipant, PATIENTS)))


def history_of(
    session: Session, principal: Principal, appointment_id: uuid.UUID
) -> list[AppointmentHistory]:
    stmt = (
        select(AppointmentHistory)
        .where(AppointmentHistory.appointment_id == appointment_id)
        .order_by(AppointmentHistory.at, AppointmentHistory.id)
    )
    return list(session.scalars(scoped(stmt, principal, AppointmentHistory, PATIENTS)))
