"""Training rules: quiz scoring, attempts, certification validity and renewals. Pure."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

# Certifications are flagged for renewal this many days before they expire.
RENEWAL_WINDOW_DAYS = 60


@dataclass(frozen=True)
class QuizResult:
    score_percent: int
    passed: bool
    correct: tuple[bool, ...]


def answer_problems(
    questions: Sequence[Mapping[str, Any]], answers: Sequence[Sequence[int]]
) -> list[tuple[str, str]]:
    """(field, message) for answers that do not fit the questions."""
    if len(answers) != len(questions):
        return [("answers", f"must answer each of the {len(questions)} questions, in order")]
    problems = []
    for i, (question, chosen) in enumerate(zip(questions, answers, strict=True)):
        count = len(question["choices"])
        if not chosen:
            problems.append((f"answers[{i}]", "picks no choice"))
        elif len(set(chosen)) != len(chosen):
            problems.append((f"answers[{i}]", "picks a choice twice"))
        elif any(c < 0 or c >= count for c in chosen):
            problems.append(
                (f"answers[{i}]", f"picks a choice that does not exist (0-{count - 1})")
            )
    return problems


def score_quiz(
    questions: Sequence[Mapping[str, Any]], answers: Sequence[Sequence[int]], pass_mark: int
) -> QuizResult:
    """A question earns its points when exactly its correct choices are picked: partial
    credit for multi-select questions would reward ticking every box."""
    total = sum(int(q.get("points", 1)) for q in questions)
    earned = 0
    correct = []
    for question, chosen in zip(questions, answers, strict=True):
        right = set(chosen) == set(question["correct"])
        correct.append(right)
        if right:
            earned += int(question.get("points", 1))
    # Rounded down: 79.9 % does not pass an 80 % mark.
    percent = (earned * 100) // total if total else 0
    return QuizResult(percent, percent >= pass_mark, tuple(correct))


def attempt_refusal(attempts_made: int, max_attempts: int, already_passed: bool) -> str | None:
    if already_passed:
        return "This assessment is already passed"
    if attempts_made >= max_attempts:
        return (
            f"All {max_attempts} attempts at this assessment are used; "
            "ask the staffing team to re-enroll you"
        )
    return None


def enrollment_status(
    assessment_ids: Iterable[str],
    passed_assessments: set[str],
    exhausted_assessments: set[str],
    modules_total: int,
    modules_done: int,
    attempts_made: int = 0,
) -> str:
    """passed when every module is read and every assessment passed; failed when an
    assessment has no attempts left; in-progress once anything is done."""
    ids = set(assessment_ids)
    if exhausted_assessments & (ids - passed_assessments):
        return "failed"
    if ids <= passed_assessments and modules_done >= modules_total:
        return "passed"
    if attempts_made or modules_done:
        return "in-progress"
    return "enrolled"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def certification_state(
    expires_on: date | None, as_of: date, window_days: int = RENEWAL_WINDOW_DAYS
) -> str:
    if expires_on is None:
        return "valid"
    if expires_on < as_of:
        return "expired"
    if (expires_on - as_of).days <= window_days:
        return "expiring"
    return "valid"


def current_certifications(rows: Iterable[Any]) -> dict[str, Any]:
    """The newest certificate per code (renewals are new rows): latest issue date wins."""
    newest: dict[str, Any] = {}
    for row in rows:
        kept = newest.get(row.code)
        if kept is None or (row.issued_on, row.expires_on or date.max) > (
            kept.issued_on,
            kept.expires_on or date.max,
        ):
            newest[row.code] = row
    return newest


def valid_on(expires_on: date | None, as_of: date) -> bool:
    return expires_on is None or expires_on >= as_of
