"""Business-hours SLA arithmetic: hand-checked cases and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.workqueue.sla import (
    SLA_STATES,
    BusinessCalendar,
    Deadline,
    deadline,
    remaining,
    sla_state,
)

NINE_TO_FIVE = {
    d: [{"start": "08:00", "end": "17:00"}] for d in ("mon", "tue", "wed", "thu", "fri")
}
NINE_TO_FIVE |= {"sat": [], "sun": []}
LUNCH_BREAK = {
    d: [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
    for d in ("mon", "tue", "wed", "thu", "fri")
}
ALL_DAY = {
    d: [{"start": "00:00", "end": "24:00"}]
    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
NY = "America/New_York"


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc]


def cal(hours=NINE_TO_FIVE, zone: str = NY, holidays=()) -> BusinessCalendar:
    return BusinessCalendar.from_hours(zone, hours, holidays)


# --- hand-checked cases ---------------------------------------------------------------


def test_friday_afternoon_rolls_to_monday():
    # 2024-06-07 is a Friday: 30 minutes on Friday, 30 on Monday.
    result = cal().add(local(NY, 2024, 6, 7, 16, 30), 60)
    assert result == local(NY, 2024, 6, 10, 8, 30)
    assert result.tzinfo is UTC


def test_holiday_monday_skipped():
    calendar = cal(holidays={date(2024, 5, 27)})  # Memorial Day
    assert calendar.add(local(NY, 2024, 5, 24, 16, 30), 60) == local(NY, 2024, 5, 28, 8, 30)
    assert not calendar.is_open(local(NY, 2024, 5, 27, 10))
    assert calendar.between(local(NY, 2024, 5, 24, 16, 30), local(NY, 2024, 5, 28, 8, 30)) == 60


def test_inquiry_on_saturday_counts_from_monday_opening():
    calendar = cal()
    saturday = local(NY, 2024, 6, 8, 10)
    assert calendar.add(saturday, 60) == local(NY, 2024, 6, 10, 9)
    assert calendar.next_open(saturday) == local(NY, 2024, 6, 10, 8)
    assert calendar.between(saturday, local(NY, 2024, 6, 10, 9)) == 60


def test_span_end_is_the_earliest_instant_not_the_next_opening():
    calendar = cal()
    assert calendar.add(local(NY, 2024, 6, 7, 16), 60) == local(NY, 2024, 6, 7, 17)
    assert not calendar.is_open(local(NY, 2024, 6, 7, 17))
    assert calendar.is_open(local(NY, 2024, 6, 7, 8))


def test_zero_minutes_is_start_when_open_else_next_opening():
    calendar = cal()
    open_instant = local(NY, 2024, 6, 7, 10, 15)
    assert calendar.add(open_instant, 0) == open_instant
    assert calendar.add(local(NY, 2024, 6, 8, 10), 0) == local(NY, 2024, 6, 10, 8)
    assert calendar.add(local(NY, 2024, 6, 7, 17), 0) == local(NY, 2024, 6, 10, 8)


def test_lunch_break_spans():
    calendar = cal(LUNCH_BREAK)
    monday = (2024, 6, 10)
    assert calendar.add(local(NY, *monday, 11, 30), 60) == local(NY, *monday, 13, 30)
    assert calendar.add(local(NY, *monday, 11, 30), 30) == local(NY, *monday, 12)
    assert calendar.add(local(NY, *monday, 12, 15), 10) == local(NY, *monday, 13, 10)
    assert not calendar.is_open(local(NY, *monday, 12, 30))
    assert calendar.between(local(NY, *monday, 7), local(NY, *monday, 18)) == 480
    assert calendar.next_open(local(NY, *monday, 12, 30)) == local(NY, *monday, 13)


def test_overlapping_and_touching_spans_are_merged():
    hours = {"mon": [{"start": "12:00", "end": "17:00"}, {"start": "08:00", "end": "12:00"}]}
    hours["mon"].append({"start": "09:00", "end": "10:00"})
    calendar = cal(hours)
    assert calendar.spans[0] == ((time(8), time(17)),)
    assert calendar.spans[1:] == ((),) * 6


@pytest.mark.parametrize("zone", [NY, "Asia/Kolkata", "Australia/Lord_Howe"])
@pytest.mark.parametrize(
    ("friday", "monday"),
    [
        ((2024, 6, 7), (2024, 6, 10)),
        # Weekends with a DST change: New York springs forward on 2024-03-10,
        # Lord Howe by 30 minutes on 2024-10-06 and back on 2024-04-07.
        ((2024, 3, 8), (2024, 3, 11)),
        ((2024, 10, 4), (2024, 10, 7)),
        ((2024, 4, 5), (2024, 4, 8)),
    ],
)
def test_same_local_answer_in_every_zone(zone, friday, monday):
    calendar = cal(zone=zone)
    assert calendar.add(local(zone, *friday, 16, 30), 60) == local(zone, *monday, 8, 30)
    assert calendar.between(local(zone, *friday, 16, 30), local(zone, *monday, 8, 30)) == 60


def test_start_in_another_zone_is_the_same_instant():
    calendar = cal()
    in_utc = datetime(2024, 6, 7, 20, 30, tzinfo=UTC)  # 16:30 EDT
    in_tokyo = in_utc.astimezone(ZoneInfo("Asia/Tokyo"))
    assert calendar.add(in_utc, 60) == calendar.add(in_tokyo, 60) == local(NY, 2024, 6, 10, 8, 30)


# --- daylight saving ------------------------------------------------------------------

NIGHT = {"sun": [{"start": "00:00", "end": "04:00"}]}


def test_spring_forward_night_span_is_three_real_hours():
    calendar = cal(NIGHT)
    day = (2024, 3, 10)
    assert calendar.between(local(NY, *day, 0), local(NY, 2024, 3, 11, 0)) == 180
    # 01:30 EST + 60 real minutes = 03:30 EDT.
    result = calendar.add(local(NY, *day, 1, 30), 60)
    assert result == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    assert result == local(NY, *day, 3, 30)
    assert calendar.add(local(NY, *day, 0), 180) == local(NY, *day, 4)


def test_fall_back_night_span_is_five_real_hours():
    calendar = cal(NIGHT)
    day = (2024, 11, 3)
    assert calendar.between(local(NY, *day, 0), local(NY, 2024, 11, 4, 0)) == 300
    # 01:30 EDT (first occurrence) + 60 real minutes = 01:30 EST (second occurrence).
    result = calendar.add(local(NY, *day, 1, 30), 60)
    assert result == datetime(2024, 11, 3, 6, 30, tzinfo=UTC)
    # (An aware datetime with fold=1 never equals one in another zone, so compare walls.)
    in_new_york = result.astimezone(ZoneInfo(NY))
    assert (in_new_york.replace(tzinfo=None), in_new_york.fold) == (datetime(*day, 1, 30), 1)
    assert calendar.add(local(NY, *day, 0), 300) == local(NY, *day, 4)


def test_span_boundaries_in_the_gap_and_the_repeated_hour():
    # Wall times in the spring-forward gap take the offset before the change (fold=0):
    # 02:00-02:30 is the real half hour 03:00-03:30 EDT, and 02:30-03:00 is empty.
    assert cal({"sun": [{"start": "01:00", "end": "03:00"}]}).between(
        local(NY, 2024, 3, 10, 0), local(NY, 2024, 3, 11, 0)
    ) == pytest.approx(60)
    in_gap = cal({"sun": [{"start": "02:00", "end": "02:30"}]})
    assert in_gap.next_open(local(NY, 2024, 3, 10, 0)) == local(NY, 2024, 3, 10, 3)
    assert in_gap.between(local(NY, 2024, 3, 10, 0), local(NY, 2024, 3, 11, 0)) == 30
    empty = cal({"sun": [{"start": "02:30", "end": "03:00"}]})
    assert empty.between(local(NY, 2024, 3, 10, 0), local(NY, 2024, 3, 11, 0)) == 0
    assert empty.next_open(local(NY, 2024, 3, 10, 0)) == local(NY, 2024, 3, 17, 2, 30)
    # On the fall-back day 01:00 is the first occurrence, 02:00 is after the change.
    repeated = cal({"sun": [{"start": "01:00", "end": "02:00"}]})
    assert repeated.between(local(NY, 2024, 11, 3, 0), local(NY, 2024, 11, 4, 0)) == 120


@pytest.mark.parametrize(
    ("day", "minutes"),
    [((2024, 10, 6), 210), ((2024, 4, 7), 270), ((2024, 6, 2), 240)],
)
def test_lord_howe_half_hour_dst(day, minutes):
    zone = "Australia/Lord_Howe"
    calendar = cal(NIGHT, zone=zone)
    assert calendar.between(local(zone, *day, 0), local(zone, *day, 23)) == minutes
    assert calendar.add(local(zone, *day, 0), minutes) == local(zone, *day, 4)


def test_twenty_four_hour_days_count_real_time_across_dst():
    calendar = cal(ALL_DAY, zone="Europe/London")
    start = datetime(2024, 3, 30, 12, tzinfo=UTC)  # London springs forward on 03-31
    assert calendar.add(start, 3 * 1440) == start + timedelta(days=3)
    assert calendar.between(start, start + timedelta(days=10)) == 10 * 1440
    assert calendar.is_open(start)


def test_night_shift_across_midnight():
    hours = {
        "mon": [{"start": "22:00", "end": "24:00"}],
        "tue": [{"start": "00:00", "end": "06:00"}],
    }
    calendar = cal(hours)
    assert calendar.add(local(NY, 2024, 6, 10, 23), 120) == local(NY, 2024, 6, 11, 1)
    assert calendar.is_open(local(NY, 2024, 6, 11, 0))
    assert calendar.between(local(NY, 2024, 6, 10, 0), local(NY, 2024, 6, 12, 0)) == 480


# --- large counts -----------------------------------------------------------------------


def test_sixty_business_days():
    calendar = cal(holidays={date(2024, 1, 15), date(2024, 2, 19)})
    start = local(NY, 2024, 1, 8, 8)  # Monday
    # 12 weeks of 5 days = 60 days, plus two holidays: Tuesday of week 13, at closing.
    due = calendar.add(start, 60 * 9 * 60)
    assert due == local(NY, 2024, 4, 2, 17)
    assert calendar.between(start, due) == 60 * 9 * 60


def test_decade_of_business_minutes_is_fast():
    calendar = cal()
    start = datetime(2020, 1, 1, tzinfo=UTC)
    minutes = 10 * 52 * 5 * 9 * 60
    due = calendar.add(start, minutes)
    assert calendar.between(start, due) == minutes
    assert datetime(2029, 12, 1, tzinfo=UTC) < due < datetime(2030, 2, 1, tzinfo=UTC)


# --- deadlines and states -------------------------------------------------------------


def test_deadline_at_risk_at_eighty_percent():
    calendar = cal()
    assert deadline(calendar, local(NY, 2024, 6, 10, 8), 60) == Deadline(
        due_at=local(NY, 2024, 6, 10, 9), at_risk_at=local(NY, 2024, 6, 10, 8, 48)
    )
    # Resolution in two business days (1080 minutes) from Friday 16:30.
    two_days = deadline(calendar, local(NY, 2024, 6, 7, 16, 30), 2 * 9 * 60)
    assert two_days.due_at == local(NY, 2024, 6, 11, 16, 30)
    assert two_days.at_risk_at == local(NY, 2024, 6, 11, 12, 54)
    custom = deadline(calendar, local(NY, 2024, 6, 10, 8), 100, at_risk_ratio=0.5)
    assert custom.at_risk_at == local(NY, 2024, 6, 10, 8, 50)


@pytest.mark.parametrize("bad", [{"minutes": -1}, {"at_risk_ratio": 1.5}, {"at_risk_ratio": -0.1}])
def test_deadline_rejects_bad_arguments(bad):
    arguments = {"minutes": 60, "at_risk_ratio": 0.8} | bad
    with pytest.raises(ValueError):
        deadline(cal(), local(NY, 2024, 6, 10, 8), **arguments)


def test_sla_state_all_five_at_the_boundaries():
    due = datetime(2024, 6, 10, 13, tzinfo=UTC)
    risk = datetime(2024, 6, 10, 12, 48, tzinfo=UTC)
    tick = timedelta(microseconds=1)

    def state(now, done=None):
        return sla_state(due_at=due, at_risk_at=risk, now=now, done_at=done)

    assert state(risk - tick) == "on-track"
    assert state(risk) == "at-risk"
    assert state(due - tick) == "at-risk"
    assert state(due) == "breached"
    assert state(due + timedelta(days=3)) == "breached"
    assert state(due + timedelta(days=3), done=due) == "met"
    assert state(risk, done=due + tick) == "missed"
    assert state(due, done=risk) == "met"
    assert {
        state(risk - tick),
        state(risk),
        state(due),
        state(due, due),
        state(due, due + tick),
    } == set(SLA_STATES)


def test_sla_state_without_target_or_risk_point():
    now = datetime(2024, 6, 10, tzinfo=UTC)
    assert sla_state(due_at=None, at_risk_at=None, now=now) is None
    assert sla_state(due_at=None, at_risk_at=None, now=now, done_at=now) is None
    later = now + timedelta(hours=1)
    assert sla_state(due_at=later, at_risk_at=None, now=later - timedelta(seconds=1)) == "on-track"


def test_remaining_positive_zero_and_overdue():
    calendar = cal()
    friday_four = local(NY, 2024, 6, 7, 16)
    monday_nine = local(NY, 2024, 6, 10, 9)
    assert remaining(calendar, friday_four, monday_nine) == 120
    assert remaining(calendar, monday_nine, friday_four) == -120
    assert remaining(calendar, monday_nine, monday_nine) == 0
    # Overdue over a weekend: no business time has passed yet.
    assert remaining(calendar, local(NY, 2024, 6, 8, 12), local(NY, 2024, 6, 7, 17)) == 0


# --- validation -------------------------------------------------------------------------


def test_naive_datetimes_are_rejected():
    calendar = cal()
    naive = datetime(2024, 6, 10, 9)
    aware = naive.replace(tzinfo=UTC)
    calls = [
        lambda: calendar.add(naive, 60),
        lambda: calendar.between(naive, aware),
        lambda: calendar.between(aware, naive),
        lambda: calendar.is_open(naive),
        lambda: calendar.next_open(naive),
        lambda: deadline(calendar, naive, 60),
        lambda: sla_state(due_at=naive, at_risk_at=None, now=aware),
        lambda: sla_state(due_at=aware, at_risk_at=None, now=naive),
        lambda: sla_state(due_at=aware, at_risk_at=None, now=aware, done_at=naive),
        lambda: remaining(calendar, naive, aware),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="naive"):
            call()


@pytest.mark.parametrize("hours", [None, {}, {d: [] for d in NINE_TO_FIVE}])
def test_calendar_without_hours(hours):
    calendar = cal(hours)
    now = datetime(2024, 6, 10, 9, tzinfo=UTC)
    assert not calendar.has_hours
    assert not calendar.is_open(now)
    assert calendar.between(now, now + timedelta(days=30)) == 0
    for call in (
        lambda: calendar.add(now, 60),
        lambda: calendar.add(now, 0),
        lambda: calendar.next_open(now),
        lambda: deadline(calendar, now, 60),
    ):
        with pytest.raises(ValueError, match="no business hours"):
            call()


@pytest.mark.parametrize(
    ("zone", "hours"),
    [
        ("Mars/Olympus", NINE_TO_FIVE),
        (NY, {"monday": [{"start": "08:00", "end": "17:00"}]}),
        (NY, {"mon": [{"start": "17:00", "end": "08:00"}]}),
        (NY, {"mon": [{"start": "08:00", "end": "08:00"}]}),
        (NY, {"mon": [{"start": "24:00", "end": "24:00"}]}),
        (NY, {"mon": [{"start": "8am", "end": "17:00"}]}),
        (NY, {"mon": [{"start": "08:00"}]}),
        (NY, {"mon": ["08:00-17:00"]}),
    ],
)
def test_bad_hours_are_rejected(zone, hours):
    with pytest.raises(ValueError):
        BusinessCalendar.from_hours(zone, hours)


def test_bad_minutes_and_holidays_are_rejected():
    calendar = cal()
    now = datetime(2024, 6, 10, 9, tzinfo=UTC)
    for minutes in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            calendar.add(now, minutes)
    with pytest.raises(ValueError):
        cal(holidays={datetime(2024, 7, 4)})


def test_calendar_is_frozen_and_hashable():
    calendar = cal(holidays=[date(2024, 7, 4)])
    assert calendar == cal(holidays={date(2024, 7, 4)})
    assert hash(calendar) == hash(cal(holidays={date(2024, 7, 4)}))
    assert calendar.spans[5] == ()
    assert cal(ALL_DAY).spans[0] == ((time(0), time(0)),)
    with pytest.raises(AttributeError):
        calendar.zone = ZoneInfo("UTC")  # type: ignore[misc]


# --- properties -------------------------------------------------------------------------

ZONES = [NY, "Asia/Kolkata", "Australia/Lord_Howe", "Europe/London", "UTC", "America/Santiago"]
TRANSITIONS = [
    datetime(2024, 3, 10, 7, tzinfo=UTC),  # New York spring forward
    datetime(2024, 11, 3, 6, tzinfo=UTC),  # New York fall back
    datetime(2024, 10, 5, 15, 30, tzinfo=UTC),  # Lord Howe spring forward
    datetime(2024, 4, 6, 15, tzinfo=UTC),  # Lord Howe fall back
    datetime(2024, 3, 31, 1, tzinfo=UTC),  # London spring forward
    datetime(2024, 10, 27, 1, tzinfo=UTC),  # London fall back
    datetime(2024, 4, 7, 3, tzinfo=UTC),  # Santiago fall back (at midnight)
    datetime(2024, 9, 8, 4, tzinfo=UTC),  # Santiago spring forward (at midnight)
]


HOLIDAY_CHOICES = [date(2024, 2, 1) + timedelta(days=i) for i in range(120)] + [date(2024, 11, 4)]
ORIGIN = datetime(2024, 2, 15, tzinfo=UTC)
MICROSECONDS_PER_DAY = 86_400_000_000
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _wall(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


def _day_spans(code: int) -> list[dict[str, str]]:
    """Two candidate spans from four base-97 digits (quarter hours 0..96); a candidate
    that does not start before it ends is dropped, so a day has 0, 1 or 2 spans, which
    may overlap (the calendar merges them)."""
    q = [code // 97**i % 97 for i in range(4)]
    return [
        {"start": _wall(start), "end": _wall(end)}
        for start, end in ((q[0], q[1]), (q[2], q[3]))
        if start < end
    ]


# One integer per weekday keeps generation cheap (a few ms per example otherwise).
calendars = st.builds(
    lambda zone, codes, holidays: BusinessCalendar.from_hours(
        zone,
        {day: _day_spans(code) for day, code in zip(WEEKDAY_KEYS, codes, strict=True)},
        [HOLIDAY_CHOICES[i] for i in holidays],
    ),
    st.sampled_from(ZONES),
    st.tuples(*[st.integers(0, 97**4 - 1)] * 7),
    st.lists(st.integers(0, len(HOLIDAY_CHOICES) - 1), max_size=8),
).filter(lambda calendar: calendar.has_hours)


# Any microsecond from mid-February to mid-May 2024 (spring DST changes in New York,
# London, Lord Howe, Santiago), or within two days of one of the DST changes.
instants = st.one_of(
    st.builds(
        lambda us: ORIGIN + timedelta(microseconds=us),
        st.integers(0, 90 * MICROSECONDS_PER_DAY),
    ),
    st.builds(
        lambda t, minutes: t + timedelta(minutes=minutes),
        st.sampled_from(TRANSITIONS),
        st.integers(-3000, 3000),
    ),
)
minute_counts = st.one_of(st.integers(0, 20_000), st.floats(0, 20_000, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=instants, minutes=minute_counts)
def test_between_inverts_add(calendar, start, minutes):
    end = calendar.add(start, minutes)
    assert end >= start
    assert calendar.between(start, end) == pytest.approx(minutes, abs=1e-6)
    if round(minutes * 60_000_000):  # at least one microsecond
        # The earliest such instant: a microsecond sooner is not enough.
        assert calendar.between(start, end - timedelta(microseconds=1)) < minutes
    else:
        assert end == calendar.next_open(start)


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, a=instants, b=instants)
def test_add_inverts_between(calendar, a, b):
    start, end = min(a, b), max(a, b)
    minutes = calendar.between(start, end)
    result = calendar.add(start, minutes)
    if minutes == 0:
        # No business time in [start, end): zero minutes is the next opening, which is
        # at or after end (the one case where add(start, between(start, end)) > end).
        assert result == calendar.next_open(start)
        assert result >= end
        return
    assert result <= end
    assert calendar.between(result, end) == 0
    if calendar.is_open(end - timedelta(microseconds=1)):
        assert result == end


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=instants, m1=minute_counts, m2=minute_counts)
def test_add_is_non_decreasing_in_minutes(calendar, start, m1, m2):
    low, high = min(m1, m2), max(m1, m2)
    assert calendar.add(start, low) <= calendar.add(start, high)


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, a=instants, b=instants, minutes=minute_counts)
def test_add_is_non_decreasing_in_start(calendar, a, b, minutes):
    early, late = min(a, b), max(a, b)
    assert calendar.add(early, minutes) <= calendar.add(late, minutes)


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, a=instants, b=instants, c=instants)
def test_between_is_additive_and_remaining_antisymmetric(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    assert calendar.between(a, b) + calendar.between(b, c) == pytest.approx(
        calendar.between(a, c), abs=1e-6
    )
    assert calendar.between(a, c) <= (c - a) / timedelta(minutes=1)
    assert remaining(calendar, a, c) == -remaining(calendar, c, a)


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, at=instants)
def test_next_open_agrees_with_is_open(calendar, at):
    opening = calendar.next_open(at)
    assert opening >= at
    assert calendar.is_open(opening)
    assert (opening == at) == calendar.is_open(at)
    assert calendar.between(at, opening) == 0


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), start=instants, minutes=st.integers(0, 50_000))
def test_always_open_calendar_counts_real_time(zone, start, minutes):
    calendar = BusinessCalendar.from_hours(zone, ALL_DAY)
    assert calendar.add(start, minutes) == start + timedelta(minutes=minutes)
    assert calendar.between(start, start + timedelta(minutes=minutes)) == minutes
