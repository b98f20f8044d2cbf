"""API shapes of the training catalog, enrollments and quiz attempts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from liaison.kit.validation import Code, ReadShape, Shape, ShortText
from liaison.staffing.fields import CertificationCode

Choice = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Markdown = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class QuestionIn(Shape):
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    choices: list[Choice] = Field(min_length=2, max_length=8)
    correct: list[int] = Field(
        min_length=1, max_length=8, description="Indexes of the right choices"
    )
    points: int = Field(default=1, ge=1, le=10)

    @model_validator(mode="after")
    def _correct_exist(self) -> QuestionIn:
        if any(i < 0 or i >= len(self.choices) for i in self.correct):
            raise ValueError("correct names a choice that does not exist")
        if len(set(self.correct)) != len(self.correct):
            raise ValueError("correct names a choice twice")
        return self


class AssessmentIn(Shape):
    title: ShortText
    pass_mark_percent: int = Field(default=80, ge=1, le=100)
    max_attempts: int = Field(default=3, ge=1, le=10)
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)


class ModuleIn(Shape):
    title: ShortText
    body_markdown: Markdown


class CourseCreate(Shape):
    code: Code
    title: ShortText
    summary: Annotated[str, StringConstraints(max_length=500)] = ""
    kind: Literal["role", "system", "playbook", "compliance"]
    client_organization_id: uuid.UUID | None = None
    required_for_roles: list[Literal["primary", "backup"]] = Field(
        default_factory=list, max_length=2
    )
    awards_certification_code: CertificationCode | None = None
    awards_certification_name: ShortText | None = None
    certification_valid_months: int | None = Field(default=None, ge=1, le=60)
    modules: list[ModuleIn] = Field(min_length=1, max_length=30)
    assessments: list[AssessmentIn] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _consistent(self) -> CourseCreate:
        if self.kind == "playbook" and self.client_organization_id is None:
            raise ValueError("a playbook belongs to a client: give client_organization_id")
        awards = (self.awards_certification_code, self.awards_certification_name)
        if any(awards) and not all(awards):
            raise ValueError("a certification needs both a code and a name")
        if self.certification_valid_months is not None and not self.awards_certification_code:
            raise ValueError("certification_valid_months needs a certification the course awards")
        return self


class QuestionRead(ReadShape):
    prompt: str
    choices: list[str]
    points: int
    # Only for the staffing team; learners never receive the answers.
    correct: list[int] | None = None
    multiple: bool


class AssessmentRead(ReadShape):
    id: uuid.UUID
    title: str
    pass_mark_percent: int
    max_attempts: int
    questions: list[QuestionRead]


class ModuleRead(ReadShape):
    id: uuid.UUID
    position: int
    title: str
    body_markdown: str


class CourseRead(ReadShape):
    id: uuid.UUID
    code: str
    title: str
    summary: str
    kind: str
    client_organization_id: uuid.UUID | None
    required_for_roles: list[str]
    awards_certification_code: str | None
    certification_valid_months: int | None
    modules: list[ModuleRead] = Field(default_factory=list)
    assessments: list[AssessmentRead] = Field(default_factory=list)


class RequiredCourses(Shape):
    course_ids: list[uuid.UUID] = Field(max_length=50)


class EnrollmentCreate(Shape):
    coordinator_id: uuid.UUID
    course_id: uuid.UUID
    due_on: date | None = None


class EnrollmentRead(ReadShape):
    id: uuid.UUID
    coordinator_id: uuid.UUID
    course_id: uuid.UUID
    course_title: str
    status: str
    enrolled_at: datetime
    due_on: date | None
    completed_module_ids: list[str]
    modules_total: int
    passed_at: datetime | None
    attempts: list[AttemptRead] = Field(default_factory=list)


class ModuleProgress(Shape):
    module_id: uuid.UUID


class AttemptCreate(Shape):
    assessment_id: uuid.UUID
    answers: list[list[Annotated[int, Field(ge=0, le=50)]]] = Field(max_length=50)


class AttemptRead(ReadShape):
    id: uuid.UUID
    assessment_id: uuid.UUID
    number: int
    score_percent: int
    passed: bool
    submitted_at: datetime
    attempts_left: int | None = None
    correct: list[bool] | None = None
    enrollment_status: str | None = None
    certification_awarded: str | None = None


class RenewalRead(ReadShape):
    coordinator_id: uuid.UUID
    display_name: str
    certification_id: uuid.UUID
    code: str
    name: str
    expires_on: date
    days_left: int
    state: str


class ReminderRequest(Shape):
    within_days: int = Field(default=60, ge=1, le=365)


EnrollmentRead.model_rebuild()
