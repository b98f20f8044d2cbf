"""HTTP edge of training: catalog, client requirements, enrollments, the learner."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from liaison.auth.dependencies import ApiContext
from liaison.models import Course
from liaison.staffing import access
from liaison.staffing.training import service
from liaison.staffing.training.schemas import (
    AssessmentRead,
    AttemptCreate,
    AttemptRead,
    CourseCreate,
    CourseRead,
    EnrollmentCreate,
    EnrollmentRead,
    ModuleProgress,
    ModuleRead,
    QuestionRead,
    RequiredCourses,
)

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])


def course_read(
    course: Course, view: service.CourseView | None = None, *, answers: bool = False
) -> CourseRead:
    read = CourseRead(
        id=course.id,
        code=course.code,
        title=course.title,
        summary=course.summary,
        kind=course.kind,
        client_organization_id=course.client_organization_id,
        required_for_roles=course.required_for_roles,
        awards_certification_code=course.awards_certification_code,
        certification_valid_months=course.certification_valid_months,
    )
    if view is not None:
        read.modules = [ModuleRead.model_validate(m) for m in view.modules]
        read.assessments = [
            AssessmentRead(
                id=a.id,
                title=a.title,
                pass_mark_percent=a.pass_mark_percent,
                max_attempts=a.max_attempts,
                questions=[
                    QuestionRead(
                        prompt=q["prompt"],
                        choices=q["choices"],
                        points=q.get("points", 1),
                        correct=q["correct"] if answers else None,
                        multiple=len(q["correct"]) > 1,
                    )
                    for q in a.questions
                ],
            )
            for a in view.assessments
        ]
    return read


def enrollment_read(view: service.EnrollmentView) -> EnrollmentRead:
    e = view.enrollment
    return EnrollmentRead(
        id=e.id,
        coordinator_id=e.coordinator_id,
        course_id=e.course_id,
        course_title=view.course.title,
        status=e.status,
        enrolled_at=e.enrolled_at,
        due_on=e.due_on,
        completed_module_ids=e.completed_module_ids,
        modules_total=view.modules_total,
        passed_at=e.passed_at,
        attempts=[AttemptRead.model_validate(a) for a in view.attempts],
    )


@router.get("/courses", response_model=list[CourseRead])
def list_courses(ctx: ApiContext) -> list[CourseRead]:
    return [course_read(c) for c in service.list_courses(ctx)]


@router.post("/courses", response_model=CourseRead, status_code=201)
def create_course(body: CourseCreate, ctx: ApiContext) -> CourseRead:
    view = service.create_course(ctx, body)
    return course_read(view.course, view, answers=True)


@router.get("/courses/{course_id}", response_model=CourseRead)
def get_course(course_id: uuid.UUID, ctx: ApiContext) -> CourseRead:
    view = service.get_course(ctx, course_id)
    # Answers only for the team that writes the quizzes, never for a learner.
    return course_read(view.course, view, answers=access.is_staffing_team(ctx.caller))


@router.post("/courses/{course_id}/progress", response_model=EnrollmentRead)
def complete_module(course_id: uuid.UUID, body: ModuleProgress, ctx: ApiContext) -> EnrollmentRead:
    return enrollment_read(service.complete_module(ctx, course_id, body))


@router.post("/courses/{course_id}/attempts", response_model=AttemptRead, status_code=201)
def submit_attempt(course_id: uuid.UUID, body: AttemptCreate, ctx: ApiContext) -> AttemptRead:
    result = service.submit_attempt(ctx, course_id, body)
    read = AttemptRead.model_validate(result.attempt)
    read.attempts_left = result.attempts_left
    read.correct = list(result.correct)
    read.enrollment_status = result.enrollment.status
    read.certification_awarded = result.certification_awarded
    return read


@router.get("/enrollments", response_model=list[EnrollmentRead])
def list_enrollments(
    ctx: ApiContext, coordinator_id: uuid.UUID | None = None
) -> list[EnrollmentRead]:
    return [enrollment_read(v) for v in service.enrollments(ctx, coordinator_id)]


@router.post("/enrollments", response_model=EnrollmentRead, status_code=201)
def enroll(body: EnrollmentCreate, ctx: ApiContext) -> EnrollmentRead:
    return enrollment_read(service.enroll(ctx, body))


@router.get("/organizations/{organization_id}/required-courses", response_model=list[CourseRead])
def required_courses(organization_id: uuid.UUID, ctx: ApiContext) -> list[CourseRead]:
    return [course_read(c) for c in service.client_requirements(ctx, organization_id)]


@router.put("/organizations/{organization_id}/required-courses", response_model=list[CourseRead])
def set_required_courses(
    organization_id: uuid.UUID, body: RequiredCourses, ctx: ApiContext
) -> list[CourseRead]:
    return [course_read(c) for c in service.set_client_requirements(ctx, organization_id, body)]
