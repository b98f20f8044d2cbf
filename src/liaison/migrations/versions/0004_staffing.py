"""staffing: coordinators, training, openings, placements, oversight

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 01:11:36.816088
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liaison.kit.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coordinator",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("headline", sa.String(length=200), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("home_time_zone", sa.String(length=64), nullable=False),
        sa.Column(
            "working_hours",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("capacity_percent", sa.Integer(), nullable=False),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "skills",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "systems",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "specialties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("score_communication", sa.Integer(), nullable=True),
        sa.Column("score_accuracy", sa.Integer(), nullable=True),
        sa.Column("score_empathy", sa.Integer(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status in ('active','inactive')", name=op.f("ck_coordinator_status")),
        sa.CheckConstraint(
            "capacity_percent between 5 and 100", name=op.f("ck_coordinator_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_coordinator_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinator")),
        sa.UniqueConstraint("user_id", name=op.f("uq_coordinator_user_id")),
    )
    op.create_table(
        "course",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("client_organization_id", sa.Uuid(), nullable=True),
        sa.Column(
            "required_for_roles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("awards_certification_code", sa.String(length=40), nullable=True),
        sa.Column("awards_certification_name", sa.String(length=200), nullable=True),
        sa.Column("certification_valid_months", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind in ('role','system','playbook','compliance')", name=op.f("ck_course_kind")
        ),
        sa.CheckConstraint(
            "certification_valid_months is null or certification_valid_months between 1 and 60",
            name=op.f("ck_course_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["client_organization_id"],
            ["organization.id"],
            name=op.f("fk_course_client_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course")),
        sa.UniqueConstraint("code", name=op.f("uq_course_code")),
    )
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_client_organization_id"), ["client_organization_id"], unique=False
        )

    op.create_table(
        "assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("pass_mark_percent", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column(
            "questions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "max_attempts between 1 and 10", name=op.f("ck_assessment_max_attempts")
        ),
        sa.CheckConstraint(
            "pass_mark_percent between 1 and 100", name=op.f("ck_assessment_pass_mark")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_assessment_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("course_id", "position", name=op.f("uq_assessment_course_id_position")),
    )
    op.create_table(
        "client_course_requirement",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_client_course_requirement_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_client_course_requirement_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_client_course_requirement")),
        sa.UniqueConstraint(
            "organization_id",
            "course_id",
            name=op.f("uq_client_course_requirement_organization_id_course_id"),
        ),
    )
    with op.batch_alter_table("client_course_requirement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_course_requirement_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "coaching_task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coordinator_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("kpi", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("open_key", sa.String(length=120), nullable=True),
        sa.Column("opened_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint("status in ('open','closed')", name=op.f("ck_coaching_task_status")),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_coaching_task_coordinator_id_coordinator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_coaching_task_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_task")),
        sa.UniqueConstraint("open_key", name=op.f("uq_coaching_task_open_key")),
    )
    with op.batch_alter_table("coaching_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coaching_task_coordinator_id_status"),
            ["coordinator_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_coaching_task_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "coordinator_certification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coordinator_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=True),
        sa.Column("reminded_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source in ('external','course')", name=op.f("ck_coordinator_certification_source")
        ),
        sa.CheckConstraint(
            "expires_on is null or expires_on > issued_on",
            name=op.f("ck_coordinator_certification_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_coordinator_certification_coordinator_id_coordinator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_coordinator_certification_course_id_course"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinator_certification")),
    )
    with op.batch_alter_table("coordinator_certification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coordinator_certification_coordinator_id_code"),
            ["coordinator_id", "code"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_coordinator_certification_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "course_module",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_module_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_module")),
        sa.UniqueConstraint(
            "course_id", "position", name=op.f("uq_course_module_course_id_position")
        ),
    )
    op.create_table(
        "enrollment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coordinator_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("enrolled_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "completed_module_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("passed_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status in ('enrolled','in-progress','passed','failed')",
            name=op.f("ck_enrollment_status"),
        ),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_enrollment_coordinator_id_coordinator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_enrollment_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment")),
        sa.UniqueConstraint(
            "coordinator_id", "course_id", name=op.f("uq_enrollment_coordinator_id_course_id")
        ),
    )
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollment_course_id"), ["course_id"], unique=False)

    op.create_table(
        "opening",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column(
            "hours",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fte_percent", sa.Integer(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("expected_volume_per_week", sa.Integer(), nullable=True),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "systems",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "skills",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "specialties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "required_certifications",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "required_course_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("min_hours_overlap_percent", sa.Integer(), nullable=True),
        sa.Column("min_assessment", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("backup_coordinator_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status in ('open','filled','closed')", name=op.f("ck_opening_status")),
        sa.CheckConstraint("fte_percent between 5 and 100", name=op.f("ck_opening_fte")),
        sa.CheckConstraint("headcount between 1 and 20", name=op.f("ck_opening_headcount")),
        sa.ForeignKeyConstraint(
            ["backup_coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_opening_backup_coordinator_id_coordinator"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_opening_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_opening")),
    )
    with op.batch_alter_table("opening", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opening_backup_coordinator_id"), ["backup_coordinator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opening_organization_id_status"),
            ["organization_id", "status"],
            unique=False,
        )

    op.create_table(
        "quality_review",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coordinator_id", sa.Uuid(), nullable=False),
        sa.Column("reviewer_user_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("interaction_kind", sa.String(length=10), nullable=False),
        sa.Column(
            "rubric",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("score_percent", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "interaction_kind in ('call','message','booking','referral')",
            name=op.f("ck_quality_review_kind"),
        ),
        sa.CheckConstraint("score_percent between 0 and 100", name=op.f("ck_quality_review_score")),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_quality_review_coordinator_id_coordinator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_quality_review_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_quality_review")),
    )
    with op.batch_alter_table("quality_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_review_coordinator_id_reviewed_at"),
            ["coordinator_id", "reviewed_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_quality_review_organization_id_reviewed_at"),
            ["organization_id", "reviewed_at"],
            unique=False,
        )

    op.create_table(
        "satisfaction_score",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coordinator_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("received_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.CheckConstraint("score between 1 and 5", name=op.f("ck_satisfaction_score_score")),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_satisfaction_score_coordinator_id_coordinator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_satisfaction_score_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_satisfaction_score")),
    )
    with op.batch_alter_table("satisfaction_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_satisfaction_score_coordinator_id_received_at"),
            ["coordinator_id", "received_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_satisfaction_score_organization_id_received_at"),
            ["organization_id", "received_at"],
            unique=False,
        )

    op.create_table(
        "assessment_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("score_percent", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score_percent between 0 and 100", name=op.f("ck_assessment_attempt_score")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_attempt_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_assessment_attempt_enrollment_id_enrollment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_attempt")),
        sa.UniqueConstraint(
            "enrollment_id",
            "assessment_id",
            "number",
            name=op.f("uq_assessment_attempt_enrollment_id_assessment_id_number"),
        ),
    )
    with op.batch_alter_table("assessment_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_attempt_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "placement",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opening_id", sa.Uuid(), nullable=False),
        sa.Column("coordinator_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("fte_percent", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column(
            "score_components",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("proposed_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("proposed_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("activated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status in ('proposed','onboarding','active','ended')", name=op.f("ck_placement_status")
        ),
        sa.CheckConstraint("fte_percent between 5 and 100", name=op.f("ck_placement_fte")),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinator.id"],
            name=op.f("fk_placement_coordinator_id_coordinator"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "opening_id"],
            ["opening.organization_id", "opening.id"],
            name=op.f("fk_placement_organization_id_opening_id_opening"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_placement_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_placement")),
    )
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placement_coordinator_id_status"),
            ["coordinator_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_placement_organization_id_opening_id"),
            ["organization_id", "opening_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_organization_id_opening_id"))
        batch_op.drop_index(batch_op.f("ix_placement_coordinator_id_status"))

    op.drop_table("placement")
    with op.batch_alter_table("assessment_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_attempt_assessment_id"))

    op.drop_table("assessment_attempt")
    with op.batch_alter_table("satisfaction_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_satisfaction_score_organization_id_received_at"))
        batch_op.drop_index(batch_op.f("ix_satisfaction_score_coordinator_id_received_at"))

    op.drop_table("satisfaction_score")
    with op.batch_alter_table("quality_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_review_organization_id_reviewed_at"))
        batch_op.drop_index(batch_op.f("ix_quality_review_coordinator_id_reviewed_at"))

    op.drop_table("quality_review")
    with op.batch_alter_table("opening", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opening_organization_id_status"))
        batch_op.drop_index(batch_op.f("ix_opening_backup_coordinator_id"))

    op.drop_table("opening")
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollment_course_id"))

    op.drop_table("enrollment")
    op.drop_table("course_module")
    with op.batch_alter_table("coordinator_certification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coordinator_certification_course_id"))
        batch_op.drop_index(batch_op.f("ix_coordinator_certification_coordinator_id_code"))

    op.drop_table("coordinator_certification")
    with op.batch_alter_table("coaching_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coaching_task_organization_id"))
        batch_op.drop_index(batch_op.f("ix_coaching_task_coordinator_id_status"))

    op.drop_table("coaching_task")
    with op.batch_alter_table("client_course_requirement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_course_requirement_course_id"))

    op.drop_table("client_course_requirement")
    op.drop_table("assessment")
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_client_organization_id"))

    op.drop_table("course")
    op.drop_table("coordinator")
