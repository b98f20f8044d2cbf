"""The training catalog, a course (modules and quiz for the learner) and "My training"."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.staffing import access
from liaison.staffing.training import service as training
from liaison.staffing.training.schemas import AttemptCreate, ModuleProgress
from liaison.web import forms
from liaison.web.pages import redirect, render

router = APIRouter(prefix="/staffing", include_in_schema=False)
DONE = {"module": "Marked as read.", "quiz": "Your answers were scored."}


def _mine(ctx: Context) -> dict[uuid.UUID, training.EnrollmentView]:
    me = access.own_coordinator(ctx)
    return {v.course.id: v for v in training.enrollments(ctx, me.id)} if me else {}


@router.get("/training", response_class=HTMLResponse)
def catalog(request: Request, ctx: ApiContext) -> Response:
    return render(
        request,
        ctx,
        "staffing/training.html",
        nav="staffing",
        section="training",
        courses=training.list_courses(ctx),
        mine=_mine(ctx),
    )


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request, ctx: ApiContext) -> Response:
    me = access.own_coordinator(ctx)
    return render(
        request,
        ctx,
        "staffing/learn.html",
        nav="staffing",
        section="learn",
        me=me,
        enrollments=training.enrollments(ctx, me.id) if me else [],
    )


def _course_page(
    request: Request,
    ctx: Context,
    course_id: uuid.UUID,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = training.get_course(ctx, course_id)
    enrollment = _mine(ctx).get(course_id)
    key = request.query_params.get("done")
    attempts: dict[uuid.UUID, list[object]] = {}
    for attempt in enrollment.attempts if enrollment else []:
        attempts.setdefault(attempt.assessment_id, []).append(attempt)
    return render(
        request,
        ctx,
        "staffing/course.html",
        status_code=status_code,
        nav="staffing",
        section="training",
        v=view,
        enrollment=enrollment,
        attempts=attempts,
        done_modules=set(enrollment.enrollment.completed_module_ids) if enrollment else set(),
        errors=errors or {},
        flashes=[DONE[key]] if key in DONE else [],
    )


@router.get("/training/{course_id}", response_class=HTMLResponse)
def course(request: Request, course_id: uuid.UUID, ctx: ApiContext) -> Response:
    return _course_page(request, ctx, course_id)


@router.post("/training/{course_id}/modules/{module_id}", response_class=HTMLResponse)
def read_module(
    request: Request, course_id: uuid.UUID, module_id: uuid.UUID, ctx: ApiContext
) -> Response:
    try:
        training.complete_module(ctx, course_id, ModuleProgress(module_id=module_id))
    except (Conflict, InvalidInput) as exc:
        forms.discard(ctx)
        forms.reject(
            _course_page(
                request, ctx, course_id, errors={forms.FORM_LEVEL: exc.detail}, status_code=409
            )
        )
    # The query before the fragment: "#x?done=y" would hide the flash in the fragment.
    return redirect(f"/staffing/training/{course_id}?done=module#module-{module_id}")


@router.post("/training/{course_id}/quiz/{assessment_id}", response_class=HTMLResponse)
def take_quiz(
    request: Request,
    course_id: uuid.UUID,
    assessment_id: uuid.UUID,
    ctx: ApiContext,
    form: forms.Form,
) -> Response:
    view = training.get_course(ctx, course_id)
    quiz = next((a for a in view.assessments if a.id == assessment_id), None)
    count = len(quiz.questions) if quiz else 0
    answers = []
    for i in range(count):
        picked = [v for v in form.getlist(f"q-{i}") if isinstance(v, str) and v.isdigit()]
        answers.append([int(v) for v in picked])
    try:
        training.submit_attempt(
            ctx, course_id, AttemptCreate(assessment_id=assessment_id, answers=answers)
        )
    except (Conflict, InvalidInput) as exc:
        forms.discard(ctx)
        errors = {
            k.replace("answers[", "q-").rstrip("]"): v for k, v in forms.errors_of(exc).items()
        }
        if isinstance(exc, Conflict):
            errors = {forms.FORM_LEVEL: exc.detail}
        forms.reject(
            _course_page(
                request,
                ctx,
                course_id,
                errors=errors,
                status_code=409 if isinstance(exc, Conflict) else 422,
            )
        )
    return redirect(f"/staffing/training/{course_id}?done=quiz#quiz-{assessment_id}")
