"""Availability and slot finding: pure functions of plain values.

Everything here takes the rows it needs as arguments and the current instant as a
parameter; nothing reads the database or the clock, so the engine is tested without
either (and against a deliberately simple reference implementation).

Local time follows RFC 5545, which is also what ``zoneinfo`` does by default: a local
time that falls in a spring-forward gap is read with the offset from before the gap
(02:30 on a New York spring-forward day is 03:30 EDT), and a time that occurs twice in
the autumn means its first occurrence. A weekly rule "08:00-12:00" therefore covers four
real hours on every ordinary day, and the right number of hours on a transition day.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule

# --- Values ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Span:
    """A half-open interval [start, end) of aware UTC instants."""

    start: datetime
    end: datetime

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class WeeklyRule:
    weekdays: frozenset[int]  # ISO: 1 = Monday
    start: time
    end: time
    valid_from: date
    valid_until: date | None = None
    every_weeks: int = 1
    reserved_for: frozenset[uuid.UUID] = frozenset()
    release_hours_before: int | None = None


@dataclass(frozen=True)
class DayHours:
    """Hours on one date that replace the weekly rules."""

    day: date
    start: time
    end: time


@dataclass(frozen=True)
class OpenWindow:
    span: Span
    # Visit types this time is kept for; empty means any.
    reserved_for: frozenset[uuid.UUID] = frozenset()
    # From this instant the reserved time is open to every visit type.
    released_at: datetime | None = None

    def admits(self, service_id: uuid.UUID, now: datetime) -> bool:
        if not self.reserved_for or service_id in self.reserved_for:
            return True
        return self.released_at is not None and now >= self.released_at


@dataclass(frozen=True)
class VisitPolicy:
    """What a visit type asks of the calendar (HealthcareService's booking policy)."""

    service_id: uuid.UUID
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    step: timedelta | None = None
    min_notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=90)
    max_per_day: int | None = None

    @property
    def interval(self) -> timedelta:
        return self.step or self.duration

    def blocked_span(self, start: datetime) -> Span:
        """The time the visit takes from each resource, buffers included."""
        return Span(start - self.buffer_before, start + self.duration + self.buffer_after)


# --- Local time -----------------------------------------------------------------------

ISO_TO_RRULE = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6}


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time, read as RFC 5545 prescribes."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def local_time_exists(day: date, at: time, zone: ZoneInfo) -> bool:
    """False for a time skipped by a spring-forward transition (02:30 in New York)."""
    wall = datetime.combine(day, at, tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None)


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def rule_dates(rule: WeeklyRule, first: date, last: date) -> list[date]:
    """The dates in [first, last] on which a weekly rule applies (dateutil's rrule)."""
    start = max(first, rule.valid_from)
    end = min(last, rule.valid_until) if rule.valid_until else last
    if start > end:
        return []
    # rrule walks from DTSTART; a rule valid since years ago would be iterated week by
    # week up to today on every call. Moving DTSTART forward by whole multiples of the
    # interval keeps the same weeks (RFC 5545 counts intervals from DTSTART's week) and
    # starts the walk just before the range.
    period_days = 7 * rule.every_weeks
    skip = max(0, (start - rule.valid_from).days // period_days - 1)
    dtstart = rule.valid_from + timedelta(days=skip * period_days)
    recurrence = rrule(
        WEEKLY,
        interval=rule.every_weeks,
        byweekday=[ISO_TO_RRULE[d] for d in sorted(rule.weekdays)],
        dtstart=datetime.combine(dtstart, time()),
        until=datetime.combine(end, time()),
    )
    return [
        occurrence.date()
        for occurrence in recurrence.between(
            datetime.combine(start, time()), datetime.combine(end, time()), inc=True
        )
    ]


def open_windows(
    rules: Sequence[WeeklyRule],
    overrides: Sequence[DayHours],
    closed_days: set[date],
    zone: ZoneInfo,
    first: date,
    last: date,
) -> list[OpenWindow]:
    """Open hours of one schedule between two local dates, as UTC windows.

    A date with overrides uses only them; a closed day (organization holiday) has none.
    """
    by_day: dict[date, list[OpenWindow]] = {}
    override_days = {o.day for o in overrides}
    for rule in rules:
        release = rule.release_hours_before
        for day in rule_dates(rule, first, last):
            if day in override_days:
                continue
            span = Span(local_instant(day, rule.start, zone), local_instant(day, rule.end, zone))
            if span.start >= span.end:
                continue
            released = span.start - timedelta(hours=release) if release is not None else None
            by_day.setdefault(day, []).append(OpenWindow(span, rule.reserved_for, released))
    for override in overrides:
        if first <= override.day <= last:
            span = Span(
                local_instant(override.day, override.start, zone),
                local_instant(override.day, override.end, zone),
            )
            if span.start < span.end:
                by_day.setdefault(override.day, []).append(OpenWindow(span))
    windows = [w for day, ws in by_day.items() if day not in closed_days for w in ws]
    return sorted(windows, key=lambda w: (w.span.start, w.span.end))


# --- Busy time ------------------------------------------------------------------------


def merge(spans: Iterable[Span]) -> list[Span]:
    """Disjoint, sorted union of spans."""
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


@dataclass
class Busy:
    """Taken time of one resource (bookings with their buffers, blocks, time off),
    merged so that "is [a, b) free?" is one binary search."""

    spans: list[Span]
    _starts: list[datetime] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.spans = merge(self.spans)
        self._starts = [s.start for s in self.spans]

    def is_free(self, span: Span) -> bool:
        i = bisect_right(self._starts, span.end) - 1
        # The merged span starting at or before span.end with the latest start is the
        # only one that can reach into [span.start, span.end).
        while i >= 0:
            taken = self.spans[i]
            if taken.end <= span.start:
                return True
            if taken.start < span.end:
                return False
            i -= 1
        return True


# --- Slots ----------------------------------------------------------------------------


@dataclass
class ResourceCalendar:
    """What slot finding needs to know about one bookable resource."""

    schedule_id: uuid.UUID
    zone: ZoneInfo
    windows: list[OpenWindow]
    # Time taken by bookings (buffers included).
    busy: Busy
    # Bookings of the visit type per local date, for the per-day maximum.
    booked_per_day: dict[date, int] = field(default_factory=dict)
    # Time taken out of the schedule: blocks, meetings, time off.
    blocked: Busy = field(default_factory=lambda: Busy([]))
    # Holds whose time ran out but are not released yet: free for slot finding, but a
    # booking over one must release it first.
    expired_holds: list[Span] = field(default_factory=list)
    _window_starts: list[datetime] = field(init=False, repr=False)
    _longest: timedelta = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.windows.sort(key=lambda w: (w.span.start, w.span.end))
        self._window_starts = [w.span.start for w in self.windows]
        self._longest = max((w.span.end - w.span.start for w in self.windows), default=timedelta(0))

    def window_for(self, span: Span, service_id: uuid.UUID, now: datetime) -> OpenWindow | None:
        """An open window that contains ``span`` and admits the visit type, if any.

        Windows may overlap (two rules covering the same hours), so every window that
        starts early enough to contain the span is considered, not just the nearest.
        """
        i = bisect_right(self._window_starts, span.start) - 1
        while i >= 0 and self.windows[i].span.start >= span.start - self._longest:
            window = self.windows[i]
            if window.span.contains(span) and window.admits(service_id, now):
                return window
            i -= 1
        return None

    def is_free(self, span: Span) -> bool:
        return self.busy.is_free(span) and self.blocked.is_free(span)

    def can_host(self, start: datetime, policy: VisitPolicy, now: datetime) -> bool:
        """Open, admitted and free for a visit starting at ``start`` (any start)."""
        visit = Span(start, start + policy.duration)
        return self.window_for(visit, policy.service_id, now) is not None and self.is_free(
            policy.blocked_span(start)
        )


def earliest_start(policy: VisitPolicy, now: datetime) -> datetime:
    return now + policy.min_notice


def latest_start(policy: VisitPolicy, now: datetime) -> datetime:
    return now + policy.horizon


def candidate_starts(
    window: OpenWindow, policy: VisitPolicy, not_before: datetime
) -> Iterator[datetime]:
    """Starts on the window's grid (aligned to its opening) that fit inside it."""
    step = policy.interval
    start = window.span.start
    if not_before > start:
        skipped = (not_before - start) // step
        start += step * skipped
        if start < not_before:
            start += step
    while start + policy.duration <= window.span.end:
        yield start
        start += step


def find_starts(
    calendar: ResourceCalendar,
    policy: VisitPolicy,
    now: datetime,
    *,
    window_start: datetime,
    window_end: datetime,
    companions: Sequence[Sequence[ResourceCalendar]] = (),
    limit: int | None = None,
    accept: Callable[[datetime], bool] | None = None,
) -> list[tuple[datetime, list[ResourceCalendar]]]:
    """Free starts for a visit on ``calendar`` in [window_start, window_end).

    ``companions`` lists, per required device kind, the calendars that could serve it:
    a start counts only if one of each kind is free at the same time (the first free one
    is chosen, so booking takes the same device the search showed).
    """
    earliest = max(earliest_start(policy, now), window_start)
    latest = min(latest_start(policy, now), window_end)
    found: list[tuple[datetime, list[ResourceCalendar]]] = []
    seen: set[datetime] = set()
    for window in calendar.windows:
        if window.span.end <= earliest or window.span.start >= latest:
            continue
        if not window.admits(policy.service_id, now):
            continue
        for start in candidate_starts(window, policy, earliest):
            if start >= latest:
                break
            if start in seen or (accept is not None and not accept(start)):
                continue
            if policy.max_per_day is not None:
                day = start.astimezone(calendar.zone).date()
                if calendar.booked_per_day.get(day, 0) >= policy.max_per_day:
                    continue
            if not calendar.is_free(policy.blocked_span(start)):
                continue
            chosen: list[ResourceCalendar] = []
            for options in companions:
                device = next((c for c in options if c.can_host(start, policy, now)), None)
                if device is None:
                    break
                chosen.append(device)
            if len(chosen) != len(companions):
                continue
            seen.add(start)
            found.append((start, chosen))
            if limit is not None and len(found) >= limit:
                return sorted(found, key=lambda f: f[0])
    return sorted(found, key=lambda f: f[0])


def within_time_of_day(
    start: datetime, zone: ZoneInfo, windows: Sequence[tuple[time, time]]
) -> bool:
    if not windows:
        return True
    local = start.astimezone(zone).time()
    return any(a <= local < b for a, b in windows)
