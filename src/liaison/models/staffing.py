"""Staffing: the partner's coordinators, their training, and the clients they serve.

A coordinator profile belongs to the staffing partner, not to a client: ``coordinator``
(and its certifications, enrollments and coaching) is a global table linked 1:1 to a
user. What a client organization needs and who is placed there (openings, placements,
required courses, quality reviews, satisfaction scores) belongs to that organization
and is TenantOwned, so an organization's admin sees only their own and the database
refuses a placement pointing at another organization's opening.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, TenantOwned, Timestamped, new_id

# Declared here rather than through the registry's annotation map: these columns hold
# lists of objects ([{"tag": "es", "proficiency": "native"}]), a shape the map lacks.
JSONValue = JSON().with_variant(JSONB(), "postgresql")

PLACEMENT_STATUSES = ("proposed", "onboarding", "active", "ended")
# Placements that take a share of the coordinator's capacity.
LIVE_PLACEMENT_STATUSES = ("proposed", "onboarding", "active")
OPENING_STATUSES = ("open", "filled", "closed")
ENROLLMENT_STATUSES = ("enrolled", "in-progress", "passed", "failed")


# --- The partner's side: coordinators, training, coaching -------------------------------


class Coordinator(Timestamped, Base):
    """A coordinator's profile: what they speak, know and can take on."""

    __tablename__ = "coordinator"
    __table_args__ = (
        CheckConstraint("status in ('active','inactive')", name="status"),
        CheckConstraint("capacity_percent between 5 and 100", name="capacity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), unique=True
    )
    headline: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str] = mapped_column(Text, default="")
    home_time_zone: Mapped[str] = mapped_column(String(64))
    # {"mon": [{"start": "08:00", "end": "16:30"}], ...} in the home time zone.
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    # Capacity in hundredths of a full-time equivalent (100 = 1.0 FTE): exact sums.
    capacity_percent: Mapped[int] = mapped_column(Integer, default=100)
    # [{"tag": "es", "proficiency": "native"}]
    languages: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    skills: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    # [{"code": "epic", "years": 4}]
    systems: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    specialties: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    # Assessment scores 0-100 from the partner's hiring and yearly assessments.
    score_communication: Mapped[int | None] = mapped_column(Integer)
    score_accuracy: Mapped[int | None] = mapped_column(Integer)
    score_empathy: Mapped[int | None] = mapped_column(Integer)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")


class CoordinatorCertification(Base):
    """A certificate a coordinator holds; renewals are new rows, the newest counts."""

    __tablename__ = "coordinator_certification"
    __table_args__ = (
        CheckConstraint("expires_on is null or expires_on > issued_on", name="ordered"),
        CheckConstraint("source in ('external','course')", name="source"),
        Index(None, "coordinator_id", "code"),
        Index(None, "course_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    coordinator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coordinator.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10), default="external")
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("course.id", ondelete="SET NULL")
    )
    # When the renewal reminder went out (one per certificate).
    reminded_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()


class Course(Timestamped, Base):
    """A course of the partner's training catalog: modules to read, assessments to pass.

    ``client_organization_id`` marks a client's own playbook: only the partner, that
    client's admins and the coordinators enrolled in it see it.
    """

    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("kind in ('role','system','playbook','compliance')", name="kind"),
        CheckConstraint(
            "certification_valid_months is null or certification_valid_months between 1 and 60",
            name="validity",
        ),
        Index(None, "client_organization_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(12))
    client_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    # Placement roles ("primary", "backup") for which the course is always required.
    required_for_roles: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    # Passing the course earns (or renews) this certification.
    awards_certification_code: Mapped[str | None] = mapped_column(String(40))
    awards_certification_name: Mapped[str | None] = mapped_column(String(200))
    certification_valid_months: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CourseModule(Base):
    __tablename__ = "course_module"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown, rendered without raw HTML.
    body_markdown: Mapped[str] = mapped_column(Text)


class Assessment(Base):
    """A quiz of a course. ``questions``: [{"prompt", "choices": [...], "correct": [i],
    "points"}]; a question is right when exactly the correct choices are picked."""

    __tablename__ = "assessment"
    __table_args__ = (
        CheckConstraint("pass_mark_percent between 1 and 100", name="pass_mark"),
        CheckConstraint("max_attempts between 1 and 10", name="max_attempts"),
        UniqueConstraint("course_id", "position"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark_percent: Mapped[int] = mapped_column(Integer, default=80)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue)


class Enrollment(Base):
    __tablename__ = "enrollment"
    __table_args__ = (
        UniqueConstraint("coordinator_id", "course_id"),
        CheckConstraint("status in ('enrolled','in-progress','passed','failed')", name="status"),
        Index(None, "course_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    coordinator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coordinator.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="enrolled")
    enrolled_at: Mapped[datetime] = mapped_column()
    enrolled_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    due_on: Mapped[date | None] = mapped_column(Date)
    completed_module_ids: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    passed_at: Mapped[datetime | None] = mapped_column()


class AssessmentAttempt(Base):
    """One submitted quiz. The unique attempt number makes two simultaneous submissions
    of the last allowed attempt collide instead of both counting."""

    __tablename__ = "assessment_attempt"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "assessment_id", "number"),
        CheckConstraint("score_percent between 0 and 100", name="score"),
        Index(None, "assessment_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE")
    )
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    answers: Mapped[list[Any]] = mapped_column(JSONValue)
    score_percent: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column()


class CoachingTask(Base):
    """Opened when a coordinator's KPI crosses a threshold; closed by a supervisor."""

    __tablename__ = "coaching_task"
    __table_args__ = (
        CheckConstraint("status in ('open','closed')", name="status"),
        Index(None, "coordinator_id", "status"),
        Index(None, "organization_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    coordinator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coordinator.id", ondelete="CASCADE")
    )
    # The client account the KPI was measured at (None: across all of them).
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    kpi: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="open")
    # "coordinator:organization:kpi" while open, NULL once closed: the unique constraint
    # keeps one open task per KPI even when two evaluations run at once (NULLs never
    # collide on either engine).
    open_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    opened_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(500))


# --- The client's side: openings, placements, reviews ----------------------------------


def _fk(column: str, table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organization_id", column],
        [f"{table}.organization_id", f"{table}.id"],
        ondelete=ondelete,
    )


class Opening(TenantOwned, Timestamped, Base):
    """What a client organization needs from a coordinator.

    Requirement lists carry ``required``: a required item is a hard constraint (who
    lacks it is excluded, with the reason), the others only score.
    """

    __tablename__ = "opening"
    __table_args__ = (
        CheckConstraint("status in ('open','filled','closed')", name="status"),
        CheckConstraint("fte_percent between 5 and 100", name="fte"),
        CheckConstraint("headcount between 1 and 20", name="headcount"),
        Index(None, "organization_id", "status"),
        Index(None, "backup_coordinator_id"),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    time_zone: Mapped[str] = mapped_column(String(64))
    # Hours to cover, in the opening's time zone (same shape as working_hours).
    hours: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    fte_percent: Mapped[int] = mapped_column(Integer, default=100)
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    expected_volume_per_week: Mapped[int | None] = mapped_column(Integer)
    # [{"tag": "es", "share": 0.2, "required": true, "min_proficiency": "professional"}]
    languages: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    # [{"code": "epic", "required": true}] for each of these three.
    systems: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    specialties: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    required_certifications: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    required_course_ids: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    min_hours_overlap_percent: Mapped[int | None] = mapped_column(Integer)
    min_assessment: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    # A trained coordinator who covers when the placed one is away.
    backup_coordinator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL")
    )
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column()


class Placement(TenantOwned, Timestamped, Base):
    """A coordinator placed at a client: proposed -> onboarding -> active -> ended.

    Only an active placement gives the coordinator a membership in the client
    organization (see staffing.placements.service).
    """

    __tablename__ = "placement"
    __table_args__ = (
        _fk("opening_id", "opening", "CASCADE"),
        CheckConstraint("status in ('proposed','onboarding','active','ended')", name="status"),
        CheckConstraint("fte_percent between 5 and 100", name="fte"),
        Index(None, "organization_id", "opening_id"),
        Index(None, "coordinator_id", "status"),
    )

    opening_id: Mapped[uuid.UUID] = mapped_column()
    coordinator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coordinator.id", ondelete="RESTRICT")
    )
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    fte_percent: Mapped[int] = mapped_column(Integer)
    # The match score and its components when proposed: why this person was chosen.
    score: Mapped[float | None] = mapped_column(Float)
    score_components: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    proposed_at: Mapped[datetime] = mapped_column()
    proposed_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirmed_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    activated_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(String(200))


class ClientCourseRequirement(TenantOwned, Base):
    """A course every coordinator placed at this client must pass (its playbook)."""

    __tablename__ = "client_course_requirement"
    __table_args__ = (
        UniqueConstraint("organization_id", "course_id"),
        Index(None, "course_id"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))


class QualityReview(TenantOwned, Base):
    """A supervisor's score of one sampled interaction against the rubric."""

    __tablename__ = "quality_review"
    __table_args__ = (
        CheckConstraint("interaction_kind in ('call','message','booking','referral')", name="kind"),
        CheckConstraint("score_percent between 0 and 100", name="score"),
        Index(None, "coordinator_id", "reviewed_at"),
        Index(None, "organization_id", "reviewed_at"),
    )

    coordinator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coordinator.id", ondelete="CASCADE")
    )
    reviewer_user_id: Mapped[uuid.UUID | None] = mapped_column()
    reviewed_at: Mapped[datetime] = mapped_column()
    interaction_kind: Mapped[str] = mapped_column(String(10))
    # {"greeting": 3, "accuracy": 4, ...}: 0-4 per rubric criterion.
    rubric: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    score_percent: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(String(500))


class SatisfactionScore(TenantOwned, Base):
    """A patient's 1-5 rating of the coordinator from a follow-up survey, kept without
    the patient: oversight needs the score, never who gave it."""

    __tablename__ = "satisfaction_score"
    __table_args__ = (
        CheckConstraint("score between 1 and 5", name="score"),
        Index(None, "coordinator_id", "received_at"),
        Index(None, "organization_id", "received_at"),
    )

    coordinator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coordinator.id", ondelete="CASCADE")
    )
    score: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column()
    source: Mapped[str] = mapped_column(String(30), default="follow-up-survey")
