"""Small factories for staffing rows (written as the system, like tests.fixtures)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from liaison.kit import clock
from liaison.models import (
    Assessment,
    Coordinator,
    CoordinatorCertification,
    Course,
    CourseModule,
    Enrollment,
    Membership,
    Opening,
    Organization,
    Placement,
    Task,
    User,
)
from liaison.models.workqueue import OPEN_STATUSES

_n = itertools.count(1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def hours(
    start: str = "09:00", end: str = "17:00", days: tuple[str, ...] = WEEKDAYS
) -> dict[str, list[dict[str, str]]]:
    return {
        d: ([{"start": start, "end": end}] if d in days else [])
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }


class Staffing:
    def __init__(self, make: Any) -> None:
        self.make = make

    def coordinator(self, user: User | None = None, **kw: Any) -> Coordinator:
        user = user or self.make.user()
        certifications = kw.pop("certifications", {})
        row = self.make._save(
            Coordinator(
                user_id=user.id,
                headline=kw.pop("headline", "Patient coordinator"),
                bio=kw.pop("bio", ""),
                home_time_zone=kw.pop("home_time_zone", "America/New_York"),
                working_hours=kw.pop("working_hours", hours()),
                capacity_percent=kw.pop("capacity_percent", 100),
                languages=kw.pop("languages", [{"tag": "en", "proficiency": "native"}]),
                skills=kw.pop("skills", ["scheduling"]),
                systems=kw.pop("systems", [{"code": "epic", "years": 2}]),
                specialties=kw.pop("specialties", ["family-medicine"]),
                score_communication=kw.pop("score_communication", 80),
                score_accuracy=kw.pop("score_accuracy", 80),
                score_empathy=kw.pop("score_empathy", 80),
                status=kw.pop("status", "active"),
                **kw,
            )
        )
        for code, expires in certifications.items():
            self.certification(row, code, expires)
        return row

    def certification(
        self,
        coordinator: Coordinator,
        code: str,
        expires_on: date | None,
        issued_on: date = date(2024, 1, 1),
    ) -> CoordinatorCertification:
        return self.make._save(
            CoordinatorCertification(
                coordinator_id=coordinator.id,
                code=code,
                name=f"{code} certificate",
                issued_on=issued_on,
                expires_on=expires_on,
                source="external",
                created_at=datetime(2024, 1, 1, tzinfo=UTC),
            )
        )

    def opening(self, org: Organization, **kw: Any) -> Opening:
        return self.make._save(
            Opening(
                organization_id=org.id,
                title=kw.pop("title", f"Coordinator {next(_n)}"),
                description=kw.pop("description", "Scheduling for a busy primary care practice"),
                time_zone=kw.pop("time_zone", org.time_zone),
                hours=kw.pop("hours", hours()),
                fte_percent=kw.pop("fte_percent", 100),
                languages=kw.pop(
                    "languages",
                    [
                        {
                            "tag": "en",
                            "share": 1.0,
                            "required": False,
                            "min_proficiency": "professional",
                        }
                    ],
                ),
                **kw,
            )
        )

    def course(
        self,
        org: Organization | None = None,
        *,
        questions: list[dict[str, Any]] | None = None,
        **kw: Any,
    ) -> Course:
        n = next(_n)
        course = self.make._save(
            Course(
                code=kw.pop("code", f"course-{n}"),
                title=kw.pop("title", f"Course {n}"),
                kind=kw.pop("kind", "playbook" if org else "role"),
                client_organization_id=org.id if org else None,
                **kw,
            )
        )
        self.make._save(
            CourseModule(
                course_id=course.id,
                position=1,
                title="How we work",
                body_markdown="# Welcome\n\nRead **this**.",
            )
        )
        self.make._save(
            Assessment(
                course_id=course.id,
                title="Check",
                pass_mark_percent=80,
                max_attempts=2,
                questions=questions
                or [
                    {"prompt": "First?", "choices": ["a", "b"], "correct": [0], "points": 1},
                    {
                        "prompt": "Second?",
                        "choices": ["a", "b", "c"],
                        "correct": [1, 2],
                        "points": 1,
                    },
                ],
            )
        )
        return course

    def passed(self, coordinator: Coordinator | str, course: Course | str) -> Enrollment:
        """The coordinator passed the course (rows or ids, as the API returns them);
        an existing enrollment (onboarding enrolls) is marked passed."""
        from sqlalchemy import select

        coordinator_id = uuid.UUID(str(getattr(coordinator, "id", coordinator)))
        course_id = uuid.UUID(str(getattr(course, "id", course)))
        with self.make.runtime.db.session() as session:
            enrollment = session.scalar(
                select(Enrollment).where(
                    Enrollment.coordinator_id == coordinator_id, Enrollment.course_id == course_id
                )
            )
            if enrollment is None:
                enrollment = Enrollment(
                    coordinator_id=coordinator_id,
                    course_id=course_id,
                    enrolled_at=clock.now(),
                    completed_module_ids=[],
                )
                session.add(enrollment)
            enrollment.status, enrollment.passed_at = "passed", clock.now()
        return enrollment

    def placement(
        self, opening: Opening, coordinator: Coordinator, status: str = "active", **kw: Any
    ) -> Placement:
        placement = self.make._save(
            Placement(
                organization_id=opening.organization_id,
                opening_id=opening.id,
                coordinator_id=coordinator.id,
                status=status,
                fte_percent=kw.pop("fte_percent", opening.fte_percent),
                proposed_at=kw.pop("proposed_at", clock.now()),
                activated_at=kw.pop("activated_at", clock.now() if status == "active" else None),
                **kw,
            )
        )
        if status == "active":
            # An active placement comes with its membership (staffing.placements.service).
            from sqlalchemy import select

            from liaison.authz.scope import unscoped_system

            with self.make.runtime.db.session() as session:
                held = session.scalar(
                    unscoped_system(
                        select(Membership).where(
                            Membership.organization_id == opening.organization_id,
                            Membership.user_id == coordinator.user_id,
                        ),
                        "test set-up",
                    )
                )
                if held is None:
                    session.add(
                        Membership(
                            organization_id=opening.organization_id,
                            user_id=coordinator.user_id,
                            role="coordinator",
                        )
                    )
        return placement

    def task(
        self,
        org: Organization,
        *,
        opened_at: datetime,
        due_at: datetime,
        status: str = "requested",
        owner: User | None = None,
        responded: tuple[User, datetime] | None = None,
        closed: tuple[User | None, datetime] | None = None,
        **kw: Any,
    ) -> Task:
        """A work-queue task written directly: ``responded`` is (who, when) of the first
        response, ``closed`` (who, when) it was completed, cancelled or failed."""
        responder, responded_at = responded or (None, None)
        closer, closed_at = closed or (None, None)
        return self.make._save(
            Task(
                organization_id=org.id,
                type=kw.pop("type", "inquiry"),
                status=status,
                is_open=status in OPEN_STATUSES,
                priority="routine",
                priority_rank=3,
                title=kw.pop("title", f"Task {next(_n)}"),
                description=kw.pop("description", ""),
                checklist=[],
                triage_confirmed=False,
                source="manual",
                owner_user_id=owner.id if owner else None,
                created_at=opened_at,
                due_at=due_at,
                at_risk_at=due_at - timedelta(minutes=30),
                next_due_at=due_at,
                next_at_risk_at=due_at - timedelta(minutes=30),
                first_response_at=responded_at,
                first_response_by_user_id=responder.id if responder else None,
                completed_at=closed_at,
                completed_by_user_id=closer.id if closer else None,
                version=1,
                **kw,
            )
        )


def world(make: Any, org: Organization) -> dict[str, str]:
    """One of everything staffing has, in ``org``: the ids for the route tables of
    tests/api (tenancy and bad input)."""
    s = Staffing(make)
    placed = s.coordinator(make.user(org, "coordinator"))
    spare = s.coordinator()
    course = s.course(org)
    s.passed(placed, course)
    opening = s.opening(org)
    placement = s.placement(opening, placed, status="active")
    from liaison.models import CoachingTask

    task = make._save(
        CoachingTask(
            coordinator_id=placed.id,
            organization_id=org.id,
            kpi="quality",
            value=50.0,
            threshold=70.0,
            detail="quality review score below 70",
            status="open",
            open_key=f"{placed.id}:{org.id}:quality",
            opened_at=clock.now(),
        )
    )
    from sqlalchemy import select

    with make.runtime.db.session() as session:
        assessment_id = session.scalar(
            select(Assessment.id).where(Assessment.course_id == course.id)
        )
    return {
        "assessment_id": str(assessment_id),
        "free_user_id": str(make.user().id),
        "coordinator_id": str(placed.id),
        "coordinator_user_id": str(placed.user_id),
        "spare_coordinator_id": str(spare.id),
        "spare_user_id": str(spare.user_id),
        "course_id": str(course.id),
        "opening_id": str(opening.id),
        "placement_id": str(placement.id),
        "task_id": str(task.id),
    }
