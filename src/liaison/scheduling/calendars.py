"""Loading schedules into the engine's ResourceCalendars, a fixed number of queries
for any number of schedules and days."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liaison.authz.principal import Principal
from liaison.models import AvailabilityRule, HealthcareService
from liaison.scheduling import repository
from liaison.scheduling.rules import (
    Busy,
    DayHours,
    ResourceCalendar,
    Span,
    VisitPolicy,
    WeeklyRule,
    local_instant,
    open_windows,
)


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def policy_of(service: HealthcareService) -> VisitPolicy:
    return VisitPolicy(
        service_id=service.id,
        duration=timedelta(minutes=service.duration_minutes),
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        step=timedelta(minutes=service.slot_interval_minutes) if service.slot_interval_minutes else None,
        min_notice=timedelta(minutes=service.min_notice_minutes),
        horizon=timedelta(days=service.booking_horizon_days),
        max_per_day=service.max_per_day,
    )


def weekly_rule(row: AvailabilityRule) -> WeeklyRule:
    return WeeklyRule(
        weekdays=frozenset(row.weekdays),
        start=row.start_time,
        end=row.end_time,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        every_weeks=row.every_weeks,
        reserved_for=frozenset(uuid.UUID(s) for s in row.reserved_for_service_ids),
        release_hours_before=row.release_hours_before,
    )


@dataclass(frozen=True)
class ScheduleRef:
    schedule_id: uuid.UUID
    time_zone: str


@dataclass
class CalendarSet:
    """Calendars of many schedules over one stretch of local dates."""

    calendars: dict[uuid.UUID, ResourceCalendar]
    first: date
    last: date

    def window(self, tz_name: str) -> tuple[datetime, datetime]:
        """[first 00:00, last+1 00:00) in a schedule's own zone."""
        tz = zone(tz_name)
        return local_instant(self.first, datetime.min.time(), tz), local_instant(
            self.last + timedelta(days=1), datetime.min.time(), tz
        )


def load(
    session: Session,
    principal: Principal,
    organization_id: uuid.UUID,
    schedules: Sequence[ScheduleRef],
    first: date,
    last: date,
    now: datetime,
    *,
    rules: dict[uuid.UUID, list[WeeklyRule]] | None = None,
    service_id: uuid.UUID | None = None,
    lane: int = 0,
) -> CalendarSet:
    """Calendars for ``schedules`` covering local dates [first, last].

    One query each for rules (unless given), holidays, overrides, blocks and busy time,
    whatever the number of schedules; ``service_id`` names the visit type whose
    bookings count toward its daily maximum.
    """
    ids = [s.schedule_id for s in schedules]
    if rules is None:
        rules = rules_by_schedule(session, principal, ids)
    # A day's local hours can start the previous UTC day and end the next; read a day
    # either side so windows crossing midnight UTC are whole.
    lo = datetime.combine(first - timedelta(days=1), datetime.min.time()).replace(tzinfo=ZoneInfo("UTC"))
    hi = datetime.combine(last + timedelta(days=2), datetime.min.time()).replace(tzinfo=ZoneInfo("UTC"))
    closed = repository.holidays(session, principal, organization_id, first, last)
    overrides: dict[uuid.UUID, list[DayHours]] = defaultdict(list)
    for o in repository.overrides_for(session, principal, ids, first, last):
        overrides[o.schedule_id].append(DayHours(o.date, o.start_time, o.end_time))
    taken: dict[uuid.UUID, list[Span]] = defaultdict(list)
    blocked: dict[uuid.UUID, list[Span]] = defaultdict(list)
    for row in repository.blocks_for(session, principal, ids, lo, hi):
        blocked[row.schedule_id].append(Span(row.start_at, row.end_at))
    expired: dict[uuid.UUID, list[Span]] = defaultdict(list)
    per_day: dict[uuid.UUID, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    tz_of = {s.schedule_id: zone(s.time_zone) for s in schedules}
    for row in repository.busy_for(session, principal, ids, lo, hi):
        span = Span(row.block_start, row.block_end)
        if row.hold_expires_at is not None and row.hold_expires_at <= now:
            expired[row.schedule_id].append(span)
            continue
        if row.lane == lane:
            taken[row.schedule_id].append(span)
        if service_id is not None and row.healthcare_service_id == service_id and row.device_id is None:
            per_day[row.schedule_id][row.block_start.astimezone(tz_of[row.schedule_id]).date()] += 1
    calendars = {}
    for ref in schedules:
        tz = zone(ref.time_zone)
        windows = open_windows(rules.get(ref.schedule_id, []), overrides.get(ref.schedule_id, []), closed, tz, first, last)
        calendars[ref.schedule_id] = ResourceCalendar(
            ref.schedule_id,
            tz,
            windows,
            Busy(taken.get(ref.schedule_id, [])),
            dict(per_day.get(ref.schedule_id, {})),
            Busy(blocked.get(ref.schedule_id, [])),
            expired.get(ref.schedule_id, []),
        )
    return CalendarSet(calendars, first, last)


def rules_by_schedule(
    session: Session, principal: Principal, schedule_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WeeklyRule]]:
    grouped: dict[uuid.UUID, list[WeeklyRule]] = defaultdict(list)
    for row in repository.rules_for(session, principal, schedule_ids):
        grouped[row.schedule_id].append(weekly_rule(row))
    return grouped
