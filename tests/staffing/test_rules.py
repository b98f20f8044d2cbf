"""Pure rules of training, placements and oversight, without a database."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from liaison.staffing.hours import week_bitmap
from liaison.staffing.oversight import rules as kpi
from liaison.staffing.placements import rules as placement
from liaison.staffing.training import rules as training
from tests.staffing.factories import hours

QUESTIONS = [
    {
        "prompt": "Which id do you check first?",
        "choices": ["MRN", "Date of birth", "Phone"],
        "correct": [1],
        "points": 1,
    },
    {
        "prompt": "Which need a referral?",
        "choices": ["MRI", "Follow-up", "Specialist"],
        "correct": [0, 2],
        "points": 3,
    },
]


# --- quizzes --------------------------------------------------------------------------


def test_a_multi_select_question_needs_exactly_the_right_choices():
    assert training.score_quiz(QUESTIONS, [[1], [0, 2]], 80) == training.QuizResult(
        100, True, (True, True)
    )
    partial = training.score_quiz(QUESTIONS, [[1], [0]], 80)
    assert partial.score_percent == 25 and not partial.passed and partial.correct == (True, False)
    # Ticking every box earns nothing.
    assert training.score_quiz(QUESTIONS, [[1], [0, 1, 2]], 80).score_percent == 25


def test_the_pass_mark_is_not_reached_by_rounding_up():
    questions = [
        {"prompt": str(i), "choices": ["y", "n"], "correct": [0], "points": 1} for i in range(6)
    ]
    answers = [[0]] * 4 + [[1]] * 2  # 4 of 6 = 66.7 %
    result = training.score_quiz(questions, answers, 67)
    assert result.score_percent == 66 and not result.passed


def test_answers_must_fit_the_questions():
    assert training.answer_problems(QUESTIONS, [[1]]) == [
        ("answers", "must answer each of the 2 questions, in order")
    ]
    assert training.answer_problems(QUESTIONS, [[5], []]) == [
        ("answers[0]", "picks a choice that does not exist (0-2)"),
        ("answers[1]", "picks no choice"),
    ]
    assert training.answer_problems(QUESTIONS, [[1, 1], [0]]) == [
        ("answers[0]", "picks a choice twice")
    ]


def test_attempts_run_out_and_a_passed_quiz_is_not_retaken():
    assert training.attempt_refusal(0, 3, False) is None
    assert "All 3 attempts" in training.attempt_refusal(3, 3, False)  # type: ignore[operator]
    assert training.attempt_refusal(1, 3, True) == "This assessment is already passed"


def test_enrollment_status_follows_modules_and_assessments():
    assert training.enrollment_status(["q"], set(), set(), 2, 0) == "enrolled"
    assert training.enrollment_status(["q"], set(), set(), 2, 1) == "in-progress"
    assert training.enrollment_status(["q"], set(), set(), 2, 0, attempts_made=1) == "in-progress"
    assert training.enrollment_status(["q"], {"q"}, set(), 2, 1, attempts_made=1) == "in-progress"
    assert training.enrollment_status(["q"], {"q"}, set(), 2, 2) == "passed"
    assert training.enrollment_status(["q", "r"], {"q"}, {"r"}, 2, 2, attempts_made=4) == "failed"


def test_certificates_expire_and_renewals_supersede_them():
    assert training.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert training.add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)
    today = date(2026, 6, 1)
    assert training.certification_state(None, today) == "valid"
    assert training.certification_state(date(2026, 5, 31), today) == "expired"
    assert training.certification_state(date(2026, 6, 1), today) == "expiring"
    assert training.certification_state(date(2026, 9, 1), today) == "valid"
    old = SimpleNamespace(code="CHAA", issued_on=date(2022, 1, 1), expires_on=date(2024, 1, 1))
    renewed = SimpleNamespace(code="CHAA", issued_on=date(2024, 1, 1), expires_on=date(2028, 1, 1))
    assert training.current_certifications([renewed, old]) == {"CHAA": renewed}


# --- placements -----------------------------------------------------------------------


def test_the_placement_pipeline_moves_forward_only():
    assert placement.why_not("proposed", "onboarding") is None
    assert placement.why_not("onboarding", "active") is None
    assert placement.why_not("active", "ended") is None
    assert (
        placement.why_not("proposed", "active")
        == "A placement that is proposed can move to onboarding or ended, not active"
    )
    assert (
        placement.why_not("ended", "active")
        == "A placement that is ended can move to nothing (it has ended), not active"
    )
    assert placement.why_not("active", "active") == "The placement is already active"


def test_capacity_is_counted_in_hundredths_of_an_fte():
    assert placement.capacity_problem(100, 50, 50) is None
    problem = placement.capacity_problem(100, 80, 50)
    assert problem == (
        "The coordinator is at capacity: 0.80 of 1.00 FTE is placed, 0.20 is free and this placement needs 0.50"
    )


def test_blockers_name_training_not_passed_and_certifications_missing_or_expired():
    found = placement.blockers(
        [("c1", "Harbor playbook"), ("c2", "HIPAA")],
        {"c2"},
        ["CHAA", "CRCR", "HIPAA"],
        {"CHAA": date(2026, 1, 31), "HIPAA": None},
        date(2026, 6, 1),
    )
    assert [b.reason for b in found] == [
        "required training not passed: Harbor playbook",
        "certification CHAA expired on 2026-01-31",
        "certification CRCR missing",
    ]


# --- KPIs -----------------------------------------------------------------------------


def test_noshow_rate_and_scheduling_accuracy_from_booking_counts():
    counts = kpi.BookingCounts()
    counts.add("booked", 40, 1)
    counts.add("cancelled", 10, 2)
    counts.add("fulfilled", 17, by_start=True)
    counts.add("noshow", 3, by_start=True)
    counts.add("cancelled", 5, by_start=True)  # a cancellation is neither
    assert kpi.noshow_rate(counts) == pytest.approx(0.15)
    assert kpi.scheduling_accuracy(counts) == pytest.approx(1 - 3 / 50)
    assert kpi.noshow_rate(kpi.BookingCounts()) is None
    assert kpi.scheduling_accuracy(kpi.BookingCounts()) is None


def test_work_queue_kpis_compute_median_p90_and_sla_from_task_counts():
    counts = kpi.TaskCounts(completed=4, late=1, overdue=1, response_minutes=[5, 10, 20, 40])
    counts.merge(kpi.TaskCounts(response_minutes=[120]))
    median, p90, n = kpi.first_response_minutes(counts)
    assert (median, n) == (20, 5)
    assert p90 == pytest.approx(40 + 0.6 * 80)
    # Judged: the four completed and the one open past its due time; late or overdue
    # is a breach.
    adherence, breaches, judged = kpi.sla(counts)
    assert (breaches, judged) == (2, 5) and adherence == pytest.approx(0.6)
    # Nothing completed or overdue: nothing to judge, no rate.
    assert kpi.sla(kpi.TaskCounts()) == (None, 0, 0)
    assert kpi.first_response_minutes(kpi.TaskCounts()) == (None, None, 0)
    assert kpi.percentile([], 0.5) is None


def test_the_rubric_is_weighted():
    assert (
        kpi.rubric_percent(
            {"greeting": 4, "accuracy": 4, "empathy": 4, "resolution": 4, "compliance": 4}
        )
        == 100
    )
    # Accuracy (weight 3) counts three times as much as the greeting (weight 1).
    only_accuracy = kpi.rubric_percent({"accuracy": 4})
    only_greeting = kpi.rubric_percent({"greeting": 4})
    assert only_accuracy == 3 * only_greeting == 27


def test_thresholds_need_a_sample_before_they_open_coaching():
    small = {"noshow_rate": (0.4, 5), "quality": (60.0, 1)}
    assert kpi.breaches(small) == []
    big = {
        "noshow_rate": (0.2, 30),
        "quality": (60.0, 3),
        "satisfaction": (4.6, 40),
        "scheduling_accuracy": (0.9, 50),
    }
    assert [b.kpi for b in kpi.breaches(big)] == ["noshow_rate", "scheduling_accuracy", "quality"]
    assert (
        kpi.breaches(big)[0].detail == "no-show rate of booked appointments above 15%: 20% over 30"
    )


def test_performance_index_uses_only_kpis_with_enough_sample():
    assert kpi.performance_index({}) is None
    assert kpi.performance_index({"quality": (90.0, 3)}) == pytest.approx(0.9)
    values = {
        "quality": (80.0, 3),
        "satisfaction": (5.0, 10),
        "noshow_rate": (0.15, 20),
        "scheduling_accuracy": (0.98, 40),
    }
    assert kpi.performance_index(values) == pytest.approx((0.8 + 1.0 + 0.5 + 0.8) / 4)


def test_account_health():
    assert kpi.account_health([], 0, 0, 0, 0) == kpi.Health("healthy", [])
    assert kpi.account_health([], 1, 0, 2, 0).status == "watch"
    at_risk = kpi.account_health([], 2, 1, 0, 0)
    assert at_risk.status == "at-risk" and at_risk.reasons == [
        "1 seat(s) unfilled past the start date"
    ]


def test_week_starts_are_mondays_ending_with_this_week():
    assert kpi.week_starts(date(2026, 6, 3), 3) == [
        date(2026, 5, 18),
        date(2026, 5, 25),
        date(2026, 6, 1),
    ]


# --- hours ----------------------------------------------------------------------------


def test_hours_on_a_daylight_saving_day_keep_their_local_length():
    # 8 March 2026: New York springs forward. Sunday 08:00-12:00 local is still 4 hours.
    sunday = {"sun": [{"start": "08:00", "end": "12:00"}]}
    assert week_bitmap(sunday, "America/New_York", date(2026, 3, 2)).sum() == 16
    # A week in winter vs summer puts the same local hours an hour apart in UTC.
    winter = week_bitmap(hours(), "America/New_York", date(2026, 1, 5))
    summer = week_bitmap(hours(), "America/New_York", date(2026, 7, 6))
    assert winter.sum() == summer.sum() == 5 * 32
    assert int(winter.argmax()) - int(summer.argmax()) == 4


def test_a_week_that_wraps_around_utc_stays_in_the_same_week():
    sunday_night = {"sun": [{"start": "20:00", "end": "24:00"}]}
    bits = week_bitmap(sunday_night, "America/Los_Angeles", date(2026, 6, 1))
    # Sunday 20:00-24:00 in Los Angeles is Monday 03:00-07:00 UTC: the week's start.
    assert bits.sum() == 16 and bits[12] and bits[27] and not bits[28]
