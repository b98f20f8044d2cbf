"""Loading schedules into the engine's ResourceCalendars, a fixed number of queries
for any number of schedules and days."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liaison.authz.principal import Principal
from liaison.models import AvailabilityRule, HealthcareService
from liaison.scheduling import repository
from liaison.scheduling.rules import (
    Busy,
    DayHours,
    OpenWindow,
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
        step=timedelta(minutes=service.slot_interval_minutes)
        if service.slot_interval_minutes
        else None,
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


class RuleSet(tuple):  # type: ignore[type-arg]
    """A schedule's rules, hashed once: the window cache looks them up on every search
    for every schedule, and hashing frozen dataclasses of frozensets is not free."""

    _hash: int

    def __new__(cls, rules: Sequence[WeeklyRule]) -> RuleSet:
        made = super().__new__(cls, rules)
        made._hash = tuple.__hash__(made)
        return made

    def __hash__(self) -> int:
        return self._hash


EMPTY_RULES = RuleSet(())


@lru_cache(maxsize=8192)
def _windows(
    rules: RuleSet,
    overrides: tuple[DayHours, ...],
    closed: frozenset[date],
    tz: ZoneInfo,
    first: date,
    last: date,
) -> tuple[OpenWindow, ...]:
    """Open windows, memoised: many schedules share a template (and every search of
    the same days repeats the expansion), and expanding rrules is the costly part."""
    return tuple(open_windows(rules, overrides, closed, tz, first, last))


def _instant(value: object) -> datetime | None:
    """A stored instant: a datetime from PostgreSQL, naive UTC text from SQLite."""
    if value is None or isinstance(value, datetime):
        return value  # type: ignore[return-value]
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _key(value: object) -> str:
    """A schedule id from a raw row (UUID, or SQLite's hex text) as dashless hex."""
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")


# Bookings are read this far either side of the open hours: the widest buffer a visit
# type may reasonably have. Reading exactly around the open hours (not whole UTC days
# either side) keeps the busiest query of slot search small.
BUSY_MARGIN = timedelta(hours=4)


class CalendarSet:
    """Calendars of many schedules over one stretch of local dates, built lazily.

    The open windows of every schedule are known up front (cheap, cached). Busy time is
    read in batches (``prefetch``: one query for any number of schedules) and parsed
    into a ResourceCalendar only when asked for: slot search usually needs a handful
    of the hundreds of schedules it could consider, best candidates first.
    """

    def __init__(
        self,
        session: Session,
        principal: Principal,
        refs: Sequence[ScheduleRef],
        windows: dict[uuid.UUID, tuple[OpenWindow, ...]],
        first: date,
        last: date,
        now: datetime,
        service_id: uuid.UUID | None,
        count_per_day: bool,
        lane: int,
    ) -> None:
        self._session, self._principal = session, principal
        self.zones = {ref.schedule_id: zone(ref.time_zone) for ref in refs}
        self.windows = windows
        self.first, self.last = first, last
        self._now, self._count, self._lane = now, count_per_day, lane
        self._service_hex = service_id.hex if service_id is not None else None
        self._rows: dict[str, list[Any]] = defaultdict(list)
        self._blocks: dict[uuid.UUID, list[Span]] = defaultdict(list)
        self._fetched: set[uuid.UUID] = set()
        self._built: dict[uuid.UUID, ResourceCalendar] = {}

    def window(self, tz_name: str) -> tuple[datetime, datetime]:
        """[first 00:00, last+1 00:00) in a schedule's own zone."""
        tz = zone(tz_name)
        return local_instant(self.first, datetime.min.time(), tz), local_instant(
            self.last + timedelta(days=1), datetime.min.time(), tz
        )

    def prefetch(self, schedule_ids: Sequence[uuid.UUID]) -> None:
        """Read blocks and busy time of these schedules: two queries, any number."""
        wanted = [
            sid
            for sid in dict.fromkeys(schedule_ids)
            if sid not in self._fetched and self.windows.get(sid)
        ]
        self._fetched.update(schedule_ids)
        if not wanted:
            return
        spans = [w.span for sid in wanted for w in self.windows[sid]]
        lo = min(s.start for s in spans) - BUSY_MARGIN
        hi = max(s.end for s in spans) + BUSY_MARGIN
        for row in repository.blocks_for(self._session, self._principal, wanted, lo, hi):
            self._blocks[row.schedule_id].append(Span(row.start_at, row.end_at))
        for row in repository.busy_for(
            self._session, self._principal, wanted, lo, hi, detail=self._count
        ):
            self._rows[_key(row.schedule_id)].append(row)

    def __getitem__(self, schedule_id: uuid.UUID) -> ResourceCalendar:
        built = self._built.get(schedule_id)
        if built is None:
            if schedule_id not in self._fetched:
                self.prefetch([schedule_id])
            built = self._build(schedule_id)
            self._built[schedule_id] = built
        return built

    def _build(self, schedule_id: uuid.UUID) -> ResourceCalendar:
        tz = self.zones[schedule_id]
        taken: list[Span] = []
        expired: list[Span] = []
        # The practitioner's visits at another location: unavailable like a block, in
        # every lane (overbooking here cannot put them in two places at once).
        elsewhere_spans: list[Span] = []
        per_day: dict[date, int] = defaultdict(int)
        for row in self._rows.get(schedule_id.hex, ()):
            span = Span(_instant(row.block_start), _instant(row.block_end))  # type: ignore[arg-type]
            hold = _instant(row.hold_expires_at)
            elsewhere = row.lane < 0  # the practitioner at another location (every lane)
            if hold is not None and hold <= self._now:
                if not elsewhere:  # another schedule's stale hold is not ours to release
                    expired.append(span)
                continue
            if elsewhere:
                elsewhere_spans.append(span)
                continue
            if row.lane == self._lane:
                taken.append(span)
            if (
                self._count
                and row.device_id is None
                and _key(row.healthcare_service_id) == self._service_hex
            ):
                per_day[span.start.astimezone(tz).date()] += 1
        return ResourceCalendar(
            schedule_id,
            tz,
            list(self.windows.get(schedule_id, ())),
            Busy(taken),
            dict(per_day),
            Busy([*self._blocks.get(schedule_id, []), *elsewhere_spans]),
            expired,
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
    rules: dict[uuid.UUID, RuleSet] | None = None,
    service_id: uuid.UUID | None = None,
    count_per_day: bool = False,
    lane: int = 0,
    prefetch: bool = True,
) -> CalendarSet:
    """Calendars for ``schedules`` covering local dates [first, last].

    One query each for rules (unless given), holidays and overrides, and — for all the
    schedules at once unless ``prefetch`` is false — blocks and busy time. With
    ``count_per_day``, bookings of ``service_id`` are counted per local day (for the
    visit type's daily maximum).
    """
    ids = [s.schedule_id for s in schedules]
    if rules is None:
        rules = rules_by_schedule(session, principal, ids)
    closed = frozenset(repository.holidays(session, principal, organization_id, first, last))
    overrides: dict[uuid.UUID, list[DayHours]] = defaultdict(list)
    for o in repository.overrides_for(session, principal, ids, first, last):
        overrides[o.schedule_id].append(DayHours(o.date, o.start_time, o.end_time))
    windows = {
        ref.schedule_id: _windows(
            rules.get(ref.schedule_id, EMPTY_RULES),
            tuple(sorted(overrides[ref.schedule_id], key=lambda o: (o.day, o.start)))
            if ref.schedule_id in overrides
            else (),
            closed,
            zone(ref.time_zone),
            first,
            last,
        )
        for ref in schedules
    }
    cals = CalendarSet(
        session, principal, schedules, windows, first, last, now, service_id, count_per_day, lane
    )
    if prefetch:
        cals.prefetch(ids)
    return cals


def rules_by_schedule(
    session: Session, principal: Principal, schedule_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RuleSet]:
    grouped: dict[uuid.UUID, list[WeeklyRule]] = defaultdict(list)
    for row in repository.rule_values_for(session, principal, schedule_ids):
        grouped[row.schedule_id].append(weekly_rule(row))
    return {sid: RuleSet(rules) for sid, rules in grouped.items()}


# Parsed rules of whole organizations, kept between searches while the organization's
# rules are unchanged (same count, same newest change): reading and parsing hundreds
# of rules was a third of a slot search. Per process; a stale entry is never used
# because the version is read in the searching transaction itself.
_RULE_CACHE: dict[uuid.UUID, tuple[tuple[int, Any], dict[uuid.UUID, RuleSet]]] = {}
_RULE_CACHE_LOCK = threading.Lock()


def organization_rules(
    session: Session, principal: Principal, organization_id: uuid.UUID
) -> dict[uuid.UUID, RuleSet]:
    version = repository.rules_version(session, principal, organization_id)
    with _RULE_CACHE_LOCK:
        cached = _RULE_CACHE.get(organization_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    grouped: dict[uuid.UUID, list[WeeklyRule]] = defaultdict(list)
    for row in repository.organization_rule_values(session, principal, organization_id):
        grouped[row.schedule_id].append(weekly_rule(row))
    parsed = {sid: RuleSet(rules) for sid, rules in grouped.items()}
    with _RULE_CACHE_LOCK:
        _RULE_CACHE[organization_id] = (version, parsed)
    return parsed
