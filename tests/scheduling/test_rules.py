"""The slot engine against hand-worked cases, DST transitions, and a deliberately
simple reference implementation (property test)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.scheduling.rules import (
    Busy,
    DayHours,
    ResourceCalendar,
    Span,
    VisitPolicy,
    WeeklyRule,
    find_starts,
    local_time_exists,
    open_windows,
    rule_dates,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
SERVICE = uuid.uuid4()
OTHER_SERVICE = uuid.uuid4()
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
EVERY_DAY = frozenset(range(1, 8))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def policy(minutes: int = 30, **kw) -> VisitPolicy:
    return VisitPolicy(service_id=SERVICE, duration=timedelta(minutes=minutes), **kw)


def calendar(windows, busy=(), zone=NY, per_day=None) -> ResourceCalendar:
    return ResourceCalendar(uuid.uuid4(), zone, list(windows), Busy(list(busy)), per_day or {})


def starts(cal, pol, now, first, last, **kw):
    return [s for s, _ in find_starts(cal, pol, now, window_start=first, window_end=last, **kw)]


def test_weekly_rule_expands_in_local_time():
    rule = WeeklyRule(WEEKDAYS, time(8), time(12), date(2026, 1, 1))
    windows = open_windows([rule], [], set(), NY, date(2026, 1, 5), date(2026, 1, 11))
    assert len(windows) == 5
    assert windows[0].span == Span(utc(2026, 1, 5, 13), utc(2026, 1, 5, 17))


def test_every_other_week_and_effective_range():
    rule = WeeklyRule(
        frozenset({1}), time(9), time(10), date(2026, 1, 5), date(2026, 2, 28), every_weeks=2
    )
    assert rule_dates(rule, date(2026, 1, 1), date(2026, 3, 31)) == [
        date(2026, 1, 5),
        date(2026, 1, 19),
        date(2026, 2, 2),
        date(2026, 2, 16),
    ]


def test_override_replaces_the_day_and_holiday_closes_it():
    rule = WeeklyRule(WEEKDAYS, time(8), time(17), date(2026, 1, 1))
    override = DayHours(date(2026, 12, 24), time(8), time(12))
    windows = open_windows(
        [rule], [override], {date(2026, 12, 25)}, NY, date(2026, 12, 24), date(2026, 12, 25)
    )
    assert [w.span for w in windows] == [Span(utc(2026, 12, 24, 13), utc(2026, 12, 24, 17))]


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (NY, date(2026, 3, 8), 3),  # 00:00-04:00 local, clocks skip 02:00-03:00
        (NY, date(2026, 11, 1), 5),  # 00:00-04:00 local, 01:00-02:00 happens twice
        (LONDON, date(2026, 3, 29), 3),
        (LONDON, date(2026, 10, 25), 5),
    ],
)
def test_transition_days_have_the_real_number_of_hours(zone, day, hours):
    rule = WeeklyRule(EVERY_DAY, time(0), time(4), date(2026, 1, 1))
    (window,) = open_windows([rule], [], set(), zone, day, day)
    assert window.span.end - window.span.start == timedelta(hours=hours)


def test_lord_howe_half_hour_shift():
    # Lord Howe Island moves its clocks by 30 minutes (02:00 -> 02:30 on 2026-10-04).
    rule = WeeklyRule(EVERY_DAY, time(1), time(4), date(2026, 1, 1))
    (spring,) = open_windows([rule], [], set(), LORD_HOWE, date(2026, 10, 4), date(2026, 10, 4))
    assert spring.span.end - spring.span.start == timedelta(hours=2, minutes=30)
    (autumn,) = open_windows([rule], [], set(), LORD_HOWE, date(2026, 4, 5), date(2026, 4, 5))
    assert autumn.span.end - autumn.span.start == timedelta(hours=3, minutes=30)
    assert not local_time_exists(date(2026, 10, 4), time(2, 15), LORD_HOWE)
    assert local_time_exists(date(2026, 10, 4), time(2, 30), LORD_HOWE)


def test_slots_on_spring_forward_day_are_real_half_hours():
    rule = WeeklyRule(EVERY_DAY, time(1), time(4), date(2026, 1, 1))
    cal = calendar(open_windows([rule], [], set(), NY, date(2026, 3, 8), date(2026, 3, 8)))
    found = starts(cal, policy(), utc(2026, 3, 1), utc(2026, 3, 8), utc(2026, 3, 9))
    local = [s.astimezone(NY).strftime("%H:%M") for s in found]
    assert local == ["01:00", "01:30", "03:00", "03:30"]
    assert all(b - a == timedelta(minutes=30) for a, b in pairwise(found))


def test_slots_on_fall_back_day_repeat_the_local_hour():
    rule = WeeklyRule(EVERY_DAY, time(0, 30), time(2), date(2026, 1, 1))
    cal = calendar(open_windows([rule], [], set(), NY, date(2026, 11, 1), date(2026, 11, 1)))
    found = starts(cal, policy(), utc(2026, 10, 1), utc(2026, 11, 1), utc(2026, 11, 2))
    assert [s.astimezone(NY).strftime("%H:%M%z") for s in found] == [
        "00:30-0400",
        "01:00-0400",
        "01:30-0400",
        "01:00-0500",
        "01:30-0500",
    ]


def test_buffers_keep_distance_from_other_bookings():
    rule = WeeklyRule(EVERY_DAY, time(9), time(11), date(2026, 1, 1))
    windows = open_windows([rule], [], set(), NY, date(2026, 6, 1), date(2026, 6, 1))
    booked = Span(utc(2026, 6, 1, 14), utc(2026, 6, 1, 14, 30))  # 10:00-10:30 local
    cal = calendar(windows, [booked])
    pol = policy(30, buffer_after=timedelta(minutes=15), step=timedelta(minutes=15))
    local = [
        s.astimezone(NY).strftime("%H:%M")
        for s in starts(cal, pol, utc(2026, 5, 1), utc(2026, 6, 1), utc(2026, 6, 2))
    ]
    assert local == ["09:00", "09:15", "10:30"]


def test_min_notice_horizon_and_max_per_day():
    rule = WeeklyRule(EVERY_DAY, time(9), time(12), date(2026, 1, 1))
    windows = open_windows([rule], [], set(), NY, date(2026, 6, 1), date(2026, 6, 3))
    now = utc(2026, 6, 1, 13, 50)  # 09:50 local
    pol = policy(60, min_notice=timedelta(minutes=30), horizon=timedelta(days=1), max_per_day=2)
    cal = calendar(windows, per_day={date(2026, 6, 2): 2})
    local = [
        s.astimezone(NY).strftime("%m-%d %H:%M")
        for s in starts(cal, pol, now, utc(2026, 6, 1), utc(2026, 6, 4))
    ]
    assert local == [
        "06-01 11:00"
    ]  # 10:00 is inside the notice; June 2 is full; June 3 beyond horizon


def test_reserved_block_only_for_its_visit_type_until_released():
    reserved = WeeklyRule(
        EVERY_DAY,
        time(8),
        time(9),
        date(2026, 1, 1),
        reserved_for=frozenset({OTHER_SERVICE}),
        release_hours_before=24,
    )
    windows = open_windows([reserved], [], set(), NY, date(2026, 6, 10), date(2026, 6, 10))
    cal = calendar(windows)
    early = utc(2026, 6, 1)
    assert starts(cal, policy(), early, utc(2026, 6, 10), utc(2026, 6, 11)) == []
    late = utc(2026, 6, 9, 13)  # within 24 h of the block
    assert len(starts(cal, policy(), late, utc(2026, 6, 10), utc(2026, 6, 11))) == 2


def test_multi_resource_slot_needs_every_companion_free():
    rule = WeeklyRule(EVERY_DAY, time(9), time(11), date(2026, 1, 1))
    win = lambda: open_windows([rule], [], set(), NY, date(2026, 6, 1), date(2026, 6, 1))  # noqa: E731
    surgeon = calendar(win())
    room = calendar(win(), [Span(utc(2026, 6, 1, 13), utc(2026, 6, 1, 14))])  # 09-10 taken
    xray_a = calendar(win(), [Span(utc(2026, 6, 1, 14), utc(2026, 6, 1, 14, 30))])
    xray_b = calendar(win(), [Span(utc(2026, 6, 1, 14, 30), utc(2026, 6, 1, 15))])
    found = find_starts(
        surgeon,
        policy(),
        utc(2026, 5, 1),
        window_start=utc(2026, 6, 1),
        window_end=utc(2026, 6, 2),
        companions=[[room], [xray_a, xray_b]],
    )
    assert [
        (s.astimezone(NY).strftime("%H:%M"), [c.schedule_id for c in chosen]) for s, chosen in found
    ] == [
        ("10:00", [room.schedule_id, xray_b.schedule_id]),
        ("10:30", [room.schedule_id, xray_a.schedule_id]),
    ]


# --- Property test against a reference ------------------------------------------------


def reference_starts(rules, busy, zone, pol, now, first_day, last_day):
    """Minute-by-minute brute force with none of the engine's shortcuts."""
    result = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        for rule in rules:
            weeks = (
                day - (rule.valid_from - timedelta(days=rule.valid_from.isoweekday() - 1))
            ).days // 7
            if (
                day < rule.valid_from
                or day.isoweekday() not in rule.weekdays
                or weeks % rule.every_weeks
            ):
                continue
            open_at = datetime.combine(day, rule.start, tzinfo=zone).astimezone(UTC)
            close_at = datetime.combine(day, rule.end, tzinfo=zone).astimezone(UTC)
            start = open_at
            while start + pol.duration <= close_at:
                blocked = (start - pol.buffer_before, start + pol.duration + pol.buffer_after)
                free = all(not (b.start < blocked[1] and blocked[0] < b.end) for b in busy)
                if start >= now + pol.min_notice and start < now + pol.horizon and free:
                    result.append(start)
                start += pol.interval
    return sorted(set(result))


zones = st.sampled_from([NY, LONDON, LORD_HOWE, ZoneInfo("Asia/Kolkata"), ZoneInfo("UTC")])
hours = st.integers(min_value=0, max_value=22)


@st.composite
def scenarios(draw):
    zone = draw(zones)
    rules = []
    for _ in range(draw(st.integers(1, 2))):
        start_h = draw(hours)
        end_h = draw(st.integers(start_h + 1, 23))
        rules.append(
            WeeklyRule(
                frozenset(draw(st.sets(st.integers(1, 7), min_size=1))),
                time(start_h, draw(st.sampled_from([0, 15, 30]))),
                time(end_h, draw(st.sampled_from([0, 45]))),
                date(2026, 1, 5) + timedelta(days=draw(st.integers(0, 6))),
                every_weeks=draw(st.integers(1, 3)),
            )
        )
    first_day = date(2026, 3, 1) + timedelta(days=draw(st.integers(0, 250)))
    busy = []
    for _ in range(draw(st.integers(0, 6))):
        at = datetime.combine(first_day, time(), tzinfo=UTC) + timedelta(
            minutes=15 * draw(st.integers(0, 4 * 24 * 4))
        )
        busy.append(Span(at, at + timedelta(minutes=15 * draw(st.integers(1, 8)))))
    pol = VisitPolicy(
        SERVICE,
        duration=timedelta(minutes=draw(st.sampled_from([15, 20, 30, 45, 60]))),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 5]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 10]))),
        step=draw(st.sampled_from([None, timedelta(minutes=15)])),
        min_notice=timedelta(hours=draw(st.integers(0, 30))),
    )
    now = datetime.combine(first_day, time(), tzinfo=UTC) + timedelta(
        hours=draw(st.integers(0, 48))
    )
    return zone, rules, busy, pol, now, first_day, first_day + timedelta(days=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_matches_the_reference(scenario):
    zone, rules, busy, pol, now, first_day, last_day = scenario
    windows = open_windows(
        rules, [], set(), zone, first_day - timedelta(days=1), last_day + timedelta(days=1)
    )
    cal = calendar(windows, busy, zone)
    lo = datetime.combine(first_day, time(), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    expected = [
        s
        for s in reference_starts(
            rules, busy, zone, pol, now, first_day - timedelta(days=1), last_day + timedelta(days=1)
        )
        if lo <= s < hi
    ]
    assert starts(cal, pol, now, lo, hi) == expected
