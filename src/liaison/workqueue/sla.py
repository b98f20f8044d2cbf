"""Response-time targets counted in business hours.

Pure: no database and no clock. ``now`` is always a parameter, and only the standard
library is used. Every instant is a timezone-aware ``datetime`` (UTC in the app); a
naive one raises ``ValueError``. Results are returned in UTC.

Business time runs only inside an organization's opening hours, read in its IANA time
zone, and stops on its holidays and closed days. Each local opening span is turned into
a half-open interval of real instants ``[start, end)``: both ends are local wall times
made aware with ``fold=0`` and converted to UTC, and the business minutes of a span are
the real minutes between those instants. So on a daylight-saving day a night span
00:00-04:00 lasts 3 real hours when clocks spring forward and 5 when they fall back.
A wall time that does not exist (the spring-forward gap) maps, with ``fold=0``, to the
instant it would be under the offset in force before the change (02:30 in New York on
a spring-forward day is 03:30 EDT). A span that ends up empty is dropped, and spans
that end up overlapping are merged, so no real minute is counted twice.

Work is proportional to the calendar days crossed (closed days and holidays cost a set
lookup each), never to the minutes counted: 60 business days is about 85 loop turns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "SLA_STATES",
    "WEEKDAYS",
    "BusinessCalendar",
    "Deadline",
    "SlaState",
    "deadline",
    "remaining",
    "sla_state",
]

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Keys of the business-hours JSON, in ``date.weekday()`` order (0 = Monday)."""

SlaState = Literal["on-track", "at-risk", "breached", "met", "missed"]
SLA_STATES: Final[tuple[SlaState, ...]] = ("on-track", "at-risk", "breached", "met", "missed")

END_OF_DAY: Final = time(0)
"""A span's end of ``00:00`` means the midnight that ends the day ("24:00" in JSON)."""

_ONE_DAY: Final = timedelta(days=1)
_MICROSECONDS_PER_MINUTE: Final = 60_000_000

_Interval = tuple[datetime, datetime]


def _require_aware(value: datetime, name: str) -> datetime:
    """``value`` converted to UTC; ``ValueError`` if it is naive."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime; a timezone-aware one is required")
    return value.astimezone(UTC)


def _parse_wall_time(value: Any, *, is_end: bool) -> time:
    """``"HH:MM"`` as a ``time``; "24:00" (only as an end) is ``END_OF_DAY``."""
    if not isinstance(value, str):
        raise ValueError(f"business hours time must be a 'HH:MM' string, not {value!r}")
    if value == "24:00":
        if not is_end:
            raise ValueError("a span cannot start at 24:00")
        return END_OF_DAY
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"business hours time must be 'HH:MM', not {value!r}") from None
    if parsed.tzinfo is not None:
        raise ValueError(f"business hours time must be a local wall time, not {value!r}")
    return parsed


def _end_minutes(end: time) -> float:
    """Position of a span end within its day, with ``END_OF_DAY`` as the last one."""
    if end == END_OF_DAY:
        return 24 * 60
    return end.hour * 60 + end.minute + (end.second + end.microsecond / 1e6) / 60


def _start_minutes(start: time) -> float:
    return start.hour * 60 + start.minute + (start.second + start.microsecond / 1e6) / 60


def _normalize_day(spans: Iterable[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    """Spans of one day sorted, with overlapping or touching spans merged."""
    ordered = sorted(spans, key=lambda span: (_start_minutes(span[0]), _end_minutes(span[1])))
    merged: list[tuple[time, time]] = []
    for start, end in ordered:
        if _end_minutes(end) <= _start_minutes(start):
            raise ValueError(f"span ends before it starts: {start}-{end}")
        if merged and _start_minutes(start) <= _end_minutes(merged[-1][1]):
            last_start, last_end = merged[-1]
            if _end_minutes(end) > _end_minutes(last_end):
                merged[-1] = (last_start, end)
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class BusinessCalendar:
    """When an organization's business clock runs.

    ``spans[i]`` holds the local opening spans of weekday ``i`` (0 = Monday), sorted
    and non-overlapping, each ``(start, end)`` with ``start < end``; an end of
    ``time(0)`` stands for the midnight that ends the day. ``holidays`` are local dates
    closed all day. Build one with :meth:`from_hours`; the constructor normalizes and
    validates what it is given.

    A calendar with no opening span at all is valid (nothing is ever open, and
    :meth:`between` is always 0), but :meth:`add` and :meth:`next_open` raise
    ``ValueError("no business hours")`` on it rather than searching forever.
    """

    zone: ZoneInfo
    spans: tuple[tuple[tuple[time, time], ...], ...]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.zone, ZoneInfo):
            raise TypeError("zone must be a zoneinfo.ZoneInfo")
        days = tuple(self.spans)
        if len(days) != 7:
            raise ValueError("spans must hold seven days, Monday first")
        normalized = []
        for day in days:
            for span in day:
                if len(span) != 2 or not all(isinstance(t, time) for t in span):
                    raise ValueError(f"a span is a (start, end) pair of times, not {span!r}")
                if any(t.tzinfo is not None for t in span):
                    raise ValueError("span times are local wall times without tzinfo")
            # Boundaries are wall times taken with fold=0 (the first of a repeated hour).
            normalized.append(
                _normalize_day((start.replace(fold=0), end.replace(fold=0)) for start, end in day)
            )
        holidays = frozenset(self.holidays)
        for holiday in holidays:
            if isinstance(holiday, datetime) or not isinstance(holiday, date):
                raise ValueError(f"holidays are local dates, not {holiday!r}")
        object.__setattr__(self, "spans", tuple(normalized))
        object.__setattr__(self, "holidays", holidays)

    @classmethod
    def from_hours(
        cls,
        time_zone: str,
        business_hours: Mapping[str, Any] | None,
        holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        """A calendar from an organization's time zone, hours JSON and holidays.

        ``business_hours`` looks like ``{"mon": [{"start": "08:00", "end": "17:00"}],
        ..., "sun": []}``: keys ``mon``..``sun``, several spans a day allowed, a missing
        key (or ``null``) is a closed day, "24:00" ends a day. ``None`` means no hours
        at all (same as ``{}``). Unknown keys, malformed times, spans that end before
        they start and unknown time zones raise ``ValueError``.
        """
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"unknown time zone {time_zone!r}") from None
        hours = business_hours or {}
        unknown = set(hours) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown business hours days: {sorted(map(str, unknown))}")
        days: list[tuple[tuple[time, time], ...]] = []
        for key in WEEKDAYS:
            day_spans = []
            for span in hours.get(key) or ():
                if not isinstance(span, Mapping) or "start" not in span or "end" not in span:
                    raise ValueError(f"{key}: a span is {{'start': ..., 'end': ...}}, not {span!r}")
                start = _parse_wall_time(span["start"], is_end=False)
                end = _parse_wall_time(span["end"], is_end=True)
                day_spans.append((start, end))
            days.append(tuple(day_spans))
        return cls(zone=zone, spans=tuple(days), holidays=frozenset(holidays))

    # --- queries --------------------------------------------------------------------

    @property
    def has_hours(self) -> bool:
        """Whether any weekday has an opening span."""
        return any(self.spans)

    def is_open(self, at: datetime) -> bool:
        """Whether the business clock runs at ``at`` (spans are ``[start, end)``)."""
        at = _require_aware(at, "at")
        return any(start <= at < end for start, end in self._intervals(at, until=at))

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself if open, else the next opening instant (UTC).

        Raises ``ValueError("no business hours")`` for a calendar that never opens.
        """
        at = _require_aware(at, "at")
        self._require_hours()
        for start, end in self._intervals(at):
            if end > at:
                return max(start, at)
        raise AssertionError("unreachable: the interval stream is endless")  # pragma: no cover

    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant (UTC) at which ``minutes`` business minutes after ``start`` have
        elapsed.

        Counting begins at the next opening when ``start`` is outside hours. For
        ``minutes > 0`` the result is the *earliest* such instant, so it can be the
        closing instant of a span (Friday 16:00 + 60 minutes with 08:00-17:00 hours is
        Friday 17:00, not Monday 08:00); it is then the inverse of :meth:`between`:
        ``between(start, add(start, m)) == m``. For ``minutes == 0`` the result is
        :meth:`next_open` of ``start`` (``start`` itself when open), so a zero target
        set on a Saturday falls due when the office opens.

        Minutes are honoured to the microsecond. Negative, infinite or NaN minutes raise
        ``ValueError``, and so does a calendar that never opens (``"no business hours"``).
        """
        start = _require_aware(start, "start")
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            raise TypeError("minutes must be a number")
        if not math.isfinite(minutes) or minutes < 0:
            raise ValueError(f"minutes must be a finite number >= 0, not {minutes!r}")
        self._require_hours()
        left = timedelta(microseconds=round(minutes * _MICROSECONDS_PER_MINUTE))
        if not left:
            return self.next_open(start)
        for interval_start, interval_end in self._intervals(start):
            if interval_end <= start:
                continue
            begin = max(interval_start, start)
            length = interval_end - begin
            if left <= length:
                return begin + left
            left -= length
        raise AssertionError("unreachable: the interval stream is endless")  # pragma: no cover

    def between(self, a: datetime, b: datetime) -> float:
        """Business minutes in ``[a, b)``; 0 when ``b <= a``."""
        a = _require_aware(a, "a")
        b = _require_aware(b, "b")
        if b <= a:
            return 0.0
        total = timedelta()
        for start, end in self._intervals(a, until=b):
            if start >= b:
                break
            overlap = min(end, b) - max(start, a)
            if overlap > timedelta():
                total += overlap
        return total / timedelta(minutes=1)

    # --- internals ------------------------------------------------------------------

    def _require_hours(self) -> None:
        if not self.has_hours:
            raise ValueError("no business hours")

    def _day_intervals(self, day: date) -> list[_Interval]:
        """The opening intervals of one local date, in UTC, sorted and merged."""
        spans = self.spans[day.weekday()]
        if not spans or day in self.holidays:
            return []
        zone = self.zone
        found: list[_Interval] = []
        for start, end in spans:
            begin = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
            end_day = day + _ONE_DAY if end == END_OF_DAY else day
            finish = datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)
            if finish > begin:
                found.append((begin, finish))
        found.sort()
        merged: list[_Interval] = []
        for begin, finish in found:
            if merged and begin <= merged[-1][1]:
                if finish > merged[-1][1]:
                    merged[-1] = (merged[-1][0], finish)
            else:
                merged.append((begin, finish))
        return merged

    def _intervals(self, since: datetime, until: datetime | None = None) -> Iterator[_Interval]:
        """Opening intervals in UTC order, disjoint, from the day before ``since``'s
        local date (so nothing covering ``since`` is missed) through the day after
        ``until``'s, or forever when ``until`` is None.

        Each interval is clipped to start no earlier than the previous one ended, so
        the stream never overlaps even when a daylight-saving change near midnight
        pushes one day's span onto the next day's.
        """
        day = since.astimezone(self.zone).date() - _ONE_DAY
        last_day = None if until is None else until.astimezone(self.zone).date() + _ONE_DAY
        previous_end: datetime | None = None
        while last_day is None or day <= last_day:
            for begin, finish in self._day_intervals(day):
                if previous_end is not None and begin < previous_end:
                    begin = previous_end
                if finish <= begin:
                    continue
                yield begin, finish
                previous_end = finish
            day += _ONE_DAY


@dataclass(frozen=True)
class Deadline:
    """When a target falls due, and when it starts being at risk (both UTC)."""

    due_at: datetime
    at_risk_at: datetime


def deadline(
    calendar: BusinessCalendar,
    opened_at: datetime,
    minutes: int,
    at_risk_ratio: float = 0.8,
) -> Deadline:
    """The deadline ``minutes`` business minutes after ``opened_at``, at risk once
    ``at_risk_ratio`` of that time has elapsed (``calendar.add(opened_at, minutes *
    at_risk_ratio)``).

    ``minutes`` must be >= 0 and ``at_risk_ratio`` within [0, 1] (``ValueError``
    otherwise); a calendar without hours raises ``ValueError("no business hours")``.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise ValueError(f"minutes must be an integer >= 0, not {minutes!r}")
    if not (isinstance(at_risk_ratio, int | float) and 0 <= at_risk_ratio <= 1):
        raise ValueError(f"at_risk_ratio must be within [0, 1], not {at_risk_ratio!r}")
    return Deadline(
        due_at=calendar.add(opened_at, minutes),
        at_risk_at=calendar.add(opened_at, minutes * at_risk_ratio),
    )


def sla_state(
    *,
    due_at: datetime | None,
    at_risk_at: datetime | None,
    now: datetime,
    done_at: datetime | None = None,
) -> SlaState | None:
    """Where a target stands; one of ``SLA_STATES``, or None when there is no target.

    Done (``done_at`` set): ``"met"`` if ``done_at <= due_at``, else ``"missed"``.
    Open: ``"breached"`` once ``now >= due_at``, ``"at-risk"`` once ``now >=
    at_risk_at`` (never, when ``at_risk_at`` is None), else ``"on-track"``.
    Naive datetimes raise ``ValueError``.
    """
    now = _require_aware(now, "now")
    if due_at is None:
        return None
    due_at = _require_aware(due_at, "due_at")
    if done_at is not None:
        return "met" if _require_aware(done_at, "done_at") <= due_at else "missed"
    if now >= due_at:
        return "breached"
    if at_risk_at is not None and now >= _require_aware(at_risk_at, "at_risk_at"):
        return "at-risk"
    return "on-track"


def remaining(calendar: BusinessCalendar, now: datetime, due_at: datetime) -> float:
    """Business minutes left until ``due_at``; when overdue, minus the business
    minutes elapsed since ``due_at`` (0 exactly at it)."""
    now = _require_aware(now, "now")
    due_at = _require_aware(due_at, "due_at")
    if now <= due_at:
        return calendar.between(now, due_at)
    return -calendar.between(due_at, now)
