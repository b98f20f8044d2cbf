"""KPI math for performance oversight. Pure: counts and facts in, numbers out.

Every KPI carries its sample size: a no-show rate over three appointments says little,
so thresholds (which open coaching tasks) only fire once the sample is large enough.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from liaison.staffing.vocabulary import RUBRIC, RUBRIC_MAX

ATTENDED = frozenset({"arrived", "checked-in", "fulfilled"})
WEEK = timedelta(days=7)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_starts(as_of: date, count: int) -> list[date]:
    """The Mondays of the last ``count`` weeks, the current one last."""
    last = monday_of(as_of)
    return [last - WEEK * (count - 1 - i) for i in range(count)]


# --- Counts of appointments a coordinator booked ----------------------------------------


@dataclass
class BookingCounts:
    """Appointments booked by a coordinator (``appointment.created_by_user_id``)."""

    booked: int = 0
    errors: int = 0  # later entered in error, or rebooked at the organization's request
    noshow: int = 0
    attended: int = 0

    def add(self, status: str, count: int, errors: int = 0, *, by_start: bool = False) -> None:
        if by_start:
            if status == "noshow":
                self.noshow += count
            elif status in ATTENDED:
                self.attended += count
        else:
            self.booked += count
            self.errors += errors

    def merge(self, other: BookingCounts) -> None:
        self.booked += other.booked
        self.errors += other.errors
        self.noshow += other.noshow
        self.attended += other.attended


def noshow_rate(counts: BookingCounts) -> float | None:
    seen = counts.noshow + counts.attended
    return counts.noshow / seen if seen else None


def scheduling_accuracy(counts: BookingCounts) -> float | None:
    return 1 - counts.errors / counts.booked if counts.booked else None


# --- Tasks of the work queue ------------------------------------------------------------


@dataclass
class TaskCounts:
    """A coordinator's work-queue tasks (``task``), counted by the database.

    ``completed``: tasks they completed (status 'completed': a cancelled or failed task
    is closed, not completed), ``late`` of them after their due time; ``overdue``: tasks
    they own that are still open past their due time; ``response_minutes``: minutes from
    a task's opening to their first response on it, one per task (a percentile cannot
    be summed, so the durations travel, never the task).

    Response minutes are wall-clock minutes, not the organization's business minutes
    the SLA deadlines are counted in: a message left on Friday evening and answered on
    Monday morning counts the weekend. The SLA itself is judged on ``due_at``, which
    the work queue set in business time when the task was opened.
    """

    completed: int = 0
    late: int = 0
    overdue: int = 0
    response_minutes: list[float] = field(default_factory=list)

    def merge(self, other: TaskCounts) -> None:
        self.completed += other.completed
        self.late += other.late
        self.overdue += other.overdue
        self.response_minutes.extend(other.response_minutes)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def first_response_minutes(counts: TaskCounts) -> tuple[float | None, float | None, int]:
    """Median and 90th percentile of minutes to the first response, and the sample."""
    minutes = counts.response_minutes
    return percentile(minutes, 0.5), percentile(minutes, 0.9), len(minutes)


def sla(counts: TaskCounts) -> tuple[float | None, int, int]:
    """(adherence, breaches, tasks judged): a task meets its SLA when completed by its
    due time; one still open past it is already a breach, and one not yet due is not
    judged."""
    judged = counts.completed + counts.overdue
    breaches = counts.late + counts.overdue
    return ((judged - breaches) / judged if judged else None), breaches, judged


# --- Reviews and surveys ----------------------------------------------------------------


def rubric_percent(rubric: Mapping[str, int]) -> int:
    """Weighted share of the rubric's maximum (criteria absent count as zero)."""
    top = sum(weight for _, weight in RUBRIC.values()) * RUBRIC_MAX
    got = sum(rubric.get(key, 0) * weight for key, (_, weight) in RUBRIC.items())
    return round(100 * got / top)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# --- Thresholds and coaching ------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    kpi: str
    direction: str  # "above" or "below" is bad
    limit: float
    min_sample: int
    text: str


THRESHOLDS = (
    Threshold("noshow_rate", "above", 0.15, 10, "no-show rate of booked appointments above 15%"),
    Threshold("scheduling_accuracy", "below", 0.95, 20, "scheduling accuracy below 95%"),
    Threshold("quality", "below", 70, 2, "quality review score below 70"),
    Threshold("satisfaction", "below", 3.5, 5, "patient satisfaction below 3.5 of 5"),
    Threshold("sla_adherence", "below", 0.9, 10, "SLA adherence below 90%"),
)


@dataclass(frozen=True)
class Breach:
    kpi: str
    value: float
    limit: float
    detail: str


def breaches(values: Mapping[str, tuple[float | None, int]]) -> list[Breach]:
    """KPIs past their threshold, given (value, sample) per KPI."""
    found = []
    for t in THRESHOLDS:
        value, sample = values.get(t.kpi, (None, 0))
        if value is None or sample < t.min_sample:
            continue
        bad = value > t.limit if t.direction == "above" else value < t.limit
        if bad:
            shown = f"{value:.0%}" if t.limit < 1 else f"{value:.1f}"
            found.append(Breach(t.kpi, value, t.limit, f"{t.text}: {shown} over {sample}"))
    return found


def performance_index(values: Mapping[str, tuple[float | None, int]]) -> float | None:
    """One 0-1 number of the record in Liaison, for matching: the mean of the KPIs with
    enough sample (quality, satisfaction, no-shows, accuracy); None without any."""
    parts = []
    quality = values.get("quality", (None, 0))
    if quality[0] is not None and quality[1] >= 2:
        parts.append(quality[0] / 100)
    satisfaction = values.get("satisfaction", (None, 0))
    if satisfaction[0] is not None and satisfaction[1] >= 5:
        parts.append((satisfaction[0] - 1) / 4)
    noshow = values.get("noshow_rate", (None, 0))
    if noshow[0] is not None and noshow[1] >= 10:
        # 0 % no-shows is 1.0; 30 % or more is 0.
        parts.append(1 - min(noshow[0] / 0.3, 1.0))
    accuracy = values.get("scheduling_accuracy", (None, 0))
    if accuracy[0] is not None and accuracy[1] >= 20:
        parts.append(max(0.0, 1 - (1 - accuracy[0]) * 10))
    return round(sum(parts) / len(parts), 4) if parts else None


@dataclass
class Health:
    status: str  # healthy | watch | at-risk
    reasons: list[str] = field(default_factory=list)


def account_health(
    kpi_breaches: Sequence[Breach],
    open_seats: int,
    overdue_seats: int,
    expiring_certifications: int,
    open_coaching: int,
) -> Health:
    """at-risk: a KPI past its threshold or a seat unfilled past its start date;
    watch: open seats, certifications about to lapse, coaching under way."""
    reasons: list[str] = [b.detail for b in kpi_breaches]
    if overdue_seats:
        reasons.append(f"{overdue_seats} seat(s) unfilled past the start date")
    if reasons:
        return Health("at-risk", reasons)
    if open_seats:
        reasons.append(f"{open_seats} seat(s) open")
    if expiring_certifications:
        reasons.append(f"{expiring_certifications} certification(s) expiring within 30 days")
    if open_coaching:
        reasons.append(f"{open_coaching} coaching task(s) open")
    return Health("watch" if reasons else "healthy", reasons)
