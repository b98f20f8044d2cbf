"""Use cases of training: the catalog, client requirements, enrollments, the learner's
progress and quiz attempts, and the certifications a passed course awards."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, select

from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.kit.db import flush_or_conflict
from liaison.models import (
    Assessment,
    AssessmentAttempt,
    ClientCourseRequirement,
    Coordinator,
    CoordinatorCertification,
    Course,
    CourseModule,
    Enrollment,
    Organization,
)
from liaison.staffing import access
from liaison.staffing.training import rules
from liaison.staffing.training.schemas import (
    AttemptCreate,
    CourseCreate,
    EnrollmentCreate,
    ModuleProgress,
    RequiredCourses,
)

READ, WRITE = Permission.STAFFING_READ, Permission.STAFFING_WRITE


@dataclass
class CourseView:
    course: Course
    modules: list[CourseModule]
    assessments: list[Assessment]


@dataclass
class EnrollmentView:
    enrollment: Enrollment
    course: Course
    modules_total: int
    attempts: list[AssessmentAttempt] = field(default_factory=list)


# --- Catalog --------------------------------------------------------------------------


def _contents(
    ctx: Context, course_ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[CourseModule]], dict[uuid.UUID, list[Assessment]]]:
    modules: dict[uuid.UUID, list[CourseModule]] = defaultdict(list)
    assessments: dict[uuid.UUID, list[Assessment]] = defaultdict(list)
    if course_ids:
        for m in ctx.session.scalars(
            select(CourseModule)
            .where(CourseModule.course_id.in_(course_ids))
            .order_by(CourseModule.position)
        ):
            modules[m.course_id].append(m)
        for a in ctx.session.scalars(
            select(Assessment)
            .where(Assessment.course_id.in_(course_ids))
            .order_by(Assessment.position)
        ):
            assessments[a.course_id].append(a)
    return modules, assessments


def list_courses(ctx: Context) -> list[Course]:
    courses = ctx.session.scalars(select(Course).order_by(Course.kind, Course.title))
    return [c for c in courses if access.can_see_course(ctx, c)]


def get_course(ctx: Context, course_id: uuid.UUID) -> CourseView:
    course = access.access_course(ctx, course_id)
    modules, assessments = _contents(ctx, [course.id])
    return CourseView(course, modules[course.id], assessments[course.id])


def create_course(ctx: Context, data: CourseCreate) -> CourseView:
    if data.client_organization_id is not None:
        ctx.require(WRITE, data.client_organization_id)
        if ctx.session.get(Organization, data.client_organization_id) is None:
            raise InvalidInput("client_organization_id", "does not exist")
    access.require_team(ctx)
    if ctx.session.scalar(select(Course.id).where(Course.code == data.code)) is not None:
        raise Conflict("A course with this code exists", field="code")
    course = Course(
        code=data.code,
        title=data.title,
        summary=data.summary,
        kind=data.kind,
        client_organization_id=data.client_organization_id,
        required_for_roles=list(data.required_for_roles),
        awards_certification_code=data.awards_certification_code,
        awards_certification_name=data.awards_certification_name,
        certification_valid_months=data.certification_valid_months,
    )
    ctx.session.add(course)
    flush_or_conflict(ctx.session, "A course with this code exists", field="code")
    for position, module in enumerate(data.modules, start=1):
        ctx.session.add(
            CourseModule(
                course_id=course.id,
                position=position,
                title=module.title,
                body_markdown=module.body_markdown,
            )
        )
    for position, quiz in enumerate(data.assessments, start=1):
        ctx.session.add(
            Assessment(
                course_id=course.id,
                position=position,
                title=quiz.title,
                pass_mark_percent=quiz.pass_mark_percent,
                max_attempts=quiz.max_attempts,
                questions=[q.model_dump() for q in quiz.questions],
            )
        )
    ctx.session.flush()
    ctx.audit("create", "Course", course.id, organization_id=data.client_organization_id)
    return get_course(ctx, course.id)


# --- What a client requires -----------------------------------------------------------


def client_requirements(ctx: Context, organization_id: uuid.UUID) -> list[Course]:
    ctx.require(READ, organization_id)
    stmt = scoped(
        select(ClientCourseRequirement).where(
            ClientCourseRequirement.organization_id == organization_id
        ),
        ctx.caller,
        ClientCourseRequirement,
        READ,
    )
    ids = [r.course_id for r in ctx.session.scalars(stmt)]
    if not ids:
        return []
    return list(
        ctx.session.scalars(select(Course).where(Course.id.in_(ids)).order_by(Course.title))
    )


def set_client_requirements(
    ctx: Context, organization_id: uuid.UUID, data: RequiredCourses
) -> list[Course]:
    principal = ctx.require(WRITE, organization_id)
    if ctx.session.get(Organization, organization_id) is None:
        raise NotFound("Organization")
    found = {
        c.id: c for c in ctx.session.scalars(select(Course).where(Course.id.in_(data.course_ids)))
    }
    for index, course_id in enumerate(data.course_ids):
        course = found.get(course_id)
        if course is None:
            raise InvalidInput(f"course_ids[{index}]", "does not exist")
        if course.client_organization_id not in (None, organization_id):
            raise InvalidInput(f"course_ids[{index}]", "is another client's playbook")
    if len(set(data.course_ids)) != len(data.course_ids):
        raise InvalidInput("course_ids", "lists a course twice")
    ctx.session.execute(
        scoped(
            delete(ClientCourseRequirement).where(
                ClientCourseRequirement.organization_id == organization_id
            ),
            principal,
            ClientCourseRequirement,
            WRITE,
        )
    )
    ctx.session.add_all(
        ClientCourseRequirement(organization_id=organization_id, course_id=course_id)
        for course_id in data.course_ids
    )
    ctx.session.flush()
    ctx.audit(
        "update",
        "ClientCourseRequirement",
        None,
        organization_id=organization_id,
        courses=len(data.course_ids),
    )
    return client_requirements(ctx, organization_id)


# --- Enrollments ----------------------------------------------------------------------


def enroll(ctx: Context, data: EnrollmentCreate) -> EnrollmentView:
    coordinator = access.access_coordinator(ctx, data.coordinator_id, write=True)
    course = access.access_course(ctx, data.course_id)
    if access.enrolled(ctx, coordinator.id, course.id) is not None:
        raise Conflict("The coordinator is already enrolled in this course", field="course_id")
    enrollment = _enroll(ctx, coordinator, course, data.due_on)
    return _view(ctx, enrollment, course)


def _enroll(
    ctx: Context, coordinator: Coordinator, course: Course, due_on: date | None
) -> Enrollment:
    enrollment = Enrollment(
        coordinator_id=coordinator.id,
        course_id=course.id,
        status="enrolled",
        enrolled_at=clock.now(),
        enrolled_by_user_id=ctx.caller.user_id,
        due_on=due_on,
        completed_module_ids=[],
    )
    ctx.session.add(enrollment)
    flush_or_conflict(
        ctx.session, "The coordinator is already enrolled in this course", field="course_id"
    )
    ctx.audit(
        "create",
        "Enrollment",
        enrollment.id,
        coordinator=str(coordinator.id),
        course=str(course.id),
    )
    return enrollment


def enroll_missing(
    ctx: Context, coordinator: Coordinator, course_ids: list[uuid.UUID], due_on: date | None
) -> list[Enrollment]:
    """Enroll in those of ``course_ids`` the coordinator is not enrolled in yet (onboarding)."""
    existing = set(
        ctx.session.scalars(
            select(Enrollment.course_id).where(Enrollment.coordinator_id == coordinator.id)
        )
    )
    courses = {
        c.id: c for c in ctx.session.scalars(select(Course).where(Course.id.in_(course_ids)))
    }
    return [
        _enroll(ctx, coordinator, courses[cid], due_on)
        for cid in course_ids
        if cid not in existing and cid in courses
    ]


def _view(ctx: Context, enrollment: Enrollment, course: Course) -> EnrollmentView:
    modules = (
        ctx.session.scalar(select(func.count()).where(CourseModule.course_id == course.id)) or 0
    )
    attempts = list(
        ctx.session.scalars(
            select(AssessmentAttempt)
            .where(AssessmentAttempt.enrollment_id == enrollment.id)
            .order_by(AssessmentAttempt.submitted_at, AssessmentAttempt.number)
        )
    )
    return EnrollmentView(enrollment, course, int(modules), attempts)


def enrollments(ctx: Context, coordinator_id: uuid.UUID | None = None) -> list[EnrollmentView]:
    if coordinator_id is None:
        me = access.own_coordinator(ctx)
        if me is None:
            raise NotFound("Coordinator", "You have no coordinator profile")
        coordinator_id = me.id
    coordinator = access.access_coordinator(ctx, coordinator_id)
    rows = list(
        ctx.session.scalars(
            select(Enrollment)
            .where(Enrollment.coordinator_id == coordinator.id)
            .order_by(Enrollment.enrolled_at)
        )
    )
    courses = {
        c.id: c
        for c in ctx.session.scalars(
            select(Course).where(Course.id.in_([e.course_id for e in rows]))
        )
    }
    return [_view(ctx, e, courses[e.course_id]) for e in rows]


# --- The learner ----------------------------------------------------------------------


def _learner(ctx: Context, course_id: uuid.UUID) -> tuple[Coordinator, Course, Enrollment]:
    course = access.access_course(ctx, course_id)
    me = access.own_coordinator(ctx)
    enrollment = access.enrolled(ctx, me.id, course.id) if me is not None else None
    if me is None or enrollment is None:
        raise Conflict(
            "You are not enrolled in this course; ask the staffing team to enroll you",
            field="course_id",
        )
    return me, course, enrollment


def _recompute(ctx: Context, enrollment: Enrollment, course: Course) -> None:
    modules, assessments = _contents(ctx, [course.id])
    attempts = list(
        ctx.session.scalars(
            select(AssessmentAttempt).where(AssessmentAttempt.enrollment_id == enrollment.id)
        )
    )
    passed = {str(a.assessment_id) for a in attempts if a.passed}
    used: dict[str, int] = defaultdict(int)
    for a in attempts:
        used[str(a.assessment_id)] += 1
    exhausted = {str(a.id) for a in assessments[course.id] if used[str(a.id)] >= a.max_attempts}
    done = len(set(enrollment.completed_module_ids) & {str(m.id) for m in modules[course.id]})
    status = rules.enrollment_status(
        [str(a.id) for a in assessments[course.id]],
        passed,
        exhausted,
        len(modules[course.id]),
        done,
        len(attempts),
    )
    if status == "passed" and enrollment.status != "passed":
        enrollment.passed_at = clock.now()
    enrollment.status = status


def complete_module(ctx: Context, course_id: uuid.UUID, data: ModuleProgress) -> EnrollmentView:
    me, course, enrollment = _learner(ctx, course_id)
    module = ctx.session.get(CourseModule, data.module_id)
    if module is None or module.course_id != course.id:
        raise InvalidInput("module_id", "is not a module of this course")
    if str(module.id) not in enrollment.completed_module_ids:
        enrollment.completed_module_ids = [*enrollment.completed_module_ids, str(module.id)]
    was_passed = enrollment.status == "passed"
    _recompute(ctx, enrollment, course)
    award = None if was_passed else _award_if_passed(ctx, me, course, enrollment)
    ctx.session.flush()
    ctx.audit("update", "Enrollment", enrollment.id, module=str(module.id), certification=award)
    return _view(ctx, enrollment, course)


@dataclass
class AttemptResult:
    attempt: AssessmentAttempt
    correct: tuple[bool, ...]
    attempts_left: int
    enrollment: Enrollment
    certification_awarded: str | None


def submit_attempt(ctx: Context, course_id: uuid.UUID, data: AttemptCreate) -> AttemptResult:
    me, course, enrollment = _learner(ctx, course_id)
    quiz = ctx.session.get(Assessment, data.assessment_id)
    if quiz is None or quiz.course_id != course.id:
        raise InvalidInput("assessment_id", "is not an assessment of this course")
    previous = list(
        ctx.session.scalars(
            select(AssessmentAttempt).where(
                AssessmentAttempt.enrollment_id == enrollment.id,
                AssessmentAttempt.assessment_id == quiz.id,
            )
        )
    )
    refusal = rules.attempt_refusal(
        len(previous), quiz.max_attempts, any(a.passed for a in previous)
    )
    if refusal:
        raise Conflict(refusal, field="assessment_id")
    problems = rules.answer_problems(quiz.questions, data.answers)
    if problems:
        from liaison.errors import FieldProblem

        raise InvalidInput.many([FieldProblem(f, m) for f, m in problems])
    result = rules.score_quiz(quiz.questions, data.answers, quiz.pass_mark_percent)
    attempt = AssessmentAttempt(
        enrollment_id=enrollment.id,
        assessment_id=quiz.id,
        number=len(previous) + 1,
        answers=[list(a) for a in data.answers],
        score_percent=result.score_percent,
        passed=result.passed,
        submitted_at=clock.now(),
    )
    ctx.session.add(attempt)
    # Two submissions of the same attempt number at once: the unique key lets one in.
    flush_or_conflict(
        ctx.session, "Another attempt was submitted at the same moment; reload and try again"
    )
    was_passed = enrollment.status == "passed"
    _recompute(ctx, enrollment, course)
    award = None if was_passed else _award_if_passed(ctx, me, course, enrollment)
    ctx.session.flush()
    ctx.audit(
        "create",
        "AssessmentAttempt",
        attempt.id,
        course=str(course.id),
        score=result.score_percent,
        passed=result.passed,
    )
    return AttemptResult(
        attempt, result.correct, quiz.max_attempts - attempt.number, enrollment, award
    )


def _award_if_passed(
    ctx: Context, me: Coordinator, course: Course, enrollment: Enrollment
) -> str | None:
    if enrollment.status != "passed" or not course.awards_certification_code:
        return None
    today = clock.now().date()
    expires = (
        rules.add_months(today, course.certification_valid_months)
        if course.certification_valid_months
        else None
    )
    ctx.session.add(
        CoordinatorCertification(
            coordinator_id=me.id,
            code=course.awards_certification_code,
            name=course.awards_certification_name or course.title,
            issued_on=today,
            expires_on=expires,
            source="course",
            course_id=course.id,
            created_at=clock.now(),
        )
    )
    return course.awards_certification_code
