"""scheduling

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 23:12:43.698146
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liaison.kit.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status in ('pending','processing','done','dead')",
            name=op.f("ck_outbox_message_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_message_idempotency_key")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_message_status_available_at"),
            ["status", "available_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_topic_created_at"), ["topic", "created_at"], unique=False
        )

    op.create_table(
        "idempotency_record",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_idempotency_record_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_table(
        "calendar_feed",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "practitioner_id"],
            ["practitioner.organization_id", "practitioner.id"],
            name=op.f("fk_calendar_feed_organization_id_practitioner_id_practitioner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_calendar_feed_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_calendar_feed_token_digest")),
    )
    op.create_table(
        "appointment_series",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("healthcare_service_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_role_id", sa.Uuid(), nullable=False),
        sa.Column("first_start_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "every_weeks between 1 and 52", name=op.f("ck_appointment_series_every_weeks")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "healthcare_service_id"],
            ["healthcare_service.organization_id", "healthcare_service.id"],
            name=op.f(
                "fk_appointment_series_organization_id_healthcare_service_id_healthcare_service"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_appointment_series_organization_id_patient_id_patient"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "practitioner_role_id"],
            ["practitioner_role.organization_id", "practitioner_role.id"],
            name=op.f(
                "fk_appointment_series_organization_id_practitioner_role_id_practitioner_role"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_appointment_series_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_appointment_series")),
    )
    op.create_table(
        "schedule",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_role_id", sa.Uuid(), nullable=True),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(practitioner_role_id IS NULL) <> (device_id IS NULL)",
            name=op.f("ck_schedule_one_actor"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "device_id"],
            ["device.organization_id", "device.id"],
            name=op.f("fk_schedule_organization_id_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["location.organization_id", "location.id"],
            name=op.f("fk_schedule_organization_id_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "practitioner_role_id"],
            ["practitioner_role.organization_id", "practitioner_role.id"],
            name=op.f("fk_schedule_organization_id_practitioner_role_id_practitioner_role"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_schedule_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_schedule")),
        sa.UniqueConstraint(
            "organization_id", "device_id", name=op.f("uq_schedule_organization_id_device_id")
        ),
        sa.UniqueConstraint(
            "organization_id",
            "practitioner_role_id",
            name=op.f("uq_schedule_organization_id_practitioner_role_id"),
        ),
    )
    op.create_table(
        "appointment",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("healthcare_service_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_role_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("modality", sa.String(length=12), nullable=False),
        sa.Column("hold_expires_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("booked_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancellation_reason", sa.String(length=200), nullable=True),
        sa.Column("cancelled_by", sa.String(length=20), nullable=True),
        sa.Column("rescheduled_from_id", sa.Uuid(), nullable=True),
        sa.Column("series_id", sa.Uuid(), nullable=True),
        sa.Column("overbooked", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cancelled_by is null or cancelled_by in ('patient','practitioner','organization')",
            name=op.f("ck_appointment_cancelled_by"),
        ),
        sa.CheckConstraint(
            "status in ('proposed','booked','arrived','checked-in','fulfilled','cancelled','noshow','entered-in-error')",
            name=op.f("ck_appointment_status"),
        ),
        sa.CheckConstraint("start_at < end_at", name=op.f("ck_appointment_ordered")),
        sa.ForeignKeyConstraint(
            ["organization_id", "healthcare_service_id"],
            ["healthcare_service.organization_id", "healthcare_service.id"],
            name=op.f("fk_appointment_organization_id_healthcare_service_id_healthcare_service"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["location.organization_id", "location.id"],
            name=op.f("fk_appointment_organization_id_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_appointment_organization_id_patient_id_patient"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "practitioner_role_id"],
            ["practitioner_role.organization_id", "practitioner_role.id"],
            name=op.f("fk_appointment_organization_id_practitioner_role_id_practitioner_role"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "rescheduled_from_id"],
            ["appointment.organization_id", "appointment.id"],
            name=op.f("fk_appointment_organization_id_rescheduled_from_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "series_id"],
            ["appointment_series.organization_id", "appointment_series.id"],
            name=op.f("fk_appointment_organization_id_series_id_appointment_series"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_appointment_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_appointment")),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_organization_id_location_id_start_at"),
            ["organization_id", "location_id", "start_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_organization_id_patient_id_start_at"),
            ["organization_id", "patient_id", "start_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_organization_id_practitioner_role_id_start_at"),
            ["organization_id", "practitioner_role_id", "start_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_organization_id_series_id"),
            ["organization_id", "series_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_organization_id_rescheduled_from_id"),
            ["organization_id", "rescheduled_from_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_organization_id_healthcare_service_id"),
            ["organization_id", "healthcare_service_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_status_hold_expires_at"),
            ["status", "hold_expires_at"],
            unique=False,
        )

    op.create_table(
        "availability_rule",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column(
            "weekdays",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column(
            "reserved_for_service_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("release_hours_before", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "every_weeks between 1 and 8", name=op.f("ck_availability_rule_every_weeks")
        ),
        sa.CheckConstraint("start_time < end_time", name=op.f("ck_availability_rule_ordered")),
        sa.ForeignKeyConstraint(
            ["organization_id", "schedule_id"],
            ["schedule.organization_id", "schedule.id"],
            name=op.f("fk_availability_rule_organization_id_schedule_id_schedule"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_availability_rule_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_availability_rule")),
    )
    with op.batch_alter_table("availability_rule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_availability_rule_organization_id_schedule_id"),
            ["organization_id", "schedule_id"],
            unique=False,
        )

    op.create_table(
        "schedule_block",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "kind in ('time-off','meeting','block','other')", name=op.f("ck_schedule_block_kind")
        ),
        sa.CheckConstraint("start_at < end_at", name=op.f("ck_schedule_block_ordered")),
        sa.ForeignKeyConstraint(
            ["organization_id", "schedule_id"],
            ["schedule.organization_id", "schedule.id"],
            name=op.f("fk_schedule_block_organization_id_schedule_id_schedule"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_schedule_block_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_schedule_block")),
    )
    with op.batch_alter_table("schedule_block", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_block_organization_id_schedule_id_start_at"),
            ["organization_id", "schedule_id", "start_at"],
            unique=False,
        )

    op.create_table(
        "schedule_override",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint("start_time < end_time", name=op.f("ck_schedule_override_ordered")),
        sa.ForeignKeyConstraint(
            ["organization_id", "schedule_id"],
            ["schedule.organization_id", "schedule.id"],
            name=op.f("fk_schedule_override_organization_id_schedule_id_schedule"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_schedule_override_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_schedule_override")),
    )
    with op.batch_alter_table("schedule_override", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_override_organization_id_schedule_id_date"),
            ["organization_id", "schedule_id", "date"],
            unique=False,
        )

    op.create_table(
        "appointment_history",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("by_user_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "appointment_id"],
            ["appointment.organization_id", "appointment.id"],
            name=op.f("fk_appointment_history_organization_id_appointment_id_appointment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_appointment_history_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_appointment_history")),
    )
    with op.batch_alter_table("appointment_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_history_organization_id_appointment_id_at"),
            ["organization_id", "appointment_id", "at"],
            unique=False,
        )

    op.create_table(
        "appointment_participant",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("block_start", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("block_end", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lane", sa.Integer(), nullable=False),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.Column("healthcare_service_id", sa.Uuid(), nullable=False),
        sa.Column("hold_expires_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "block_start < block_end", name=op.f("ck_appointment_participant_ordered")
        ),
        sa.CheckConstraint("lane >= 0", name=op.f("ck_appointment_participant_lane")),
        sa.ForeignKeyConstraint(
            ["organization_id", "appointment_id"],
            ["appointment.organization_id", "appointment.id"],
            name=op.f("fk_appointment_participant_organization_id_appointment_id_appointment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "schedule_id"],
            ["schedule.organization_id", "schedule.id"],
            name=op.f("fk_appointment_participant_organization_id_schedule_id_schedule"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_appointment_participant_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_appointment_participant")),
    )
    with op.batch_alter_table("appointment_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_participant_organization_id_appointment_id"),
            ["organization_id", "appointment_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_participant_organization_id_schedule_id_block_start"),
            ["organization_id", "schedule_id", "block_start"],
            unique=False,
        )

    if op.get_bind().dialect.name == "postgresql":
        # The database itself refuses a double booking: no two blocking rows of one
        # schedule and lane may overlap in time. Expired holds are released (blocking
        # set false) by the booking transaction before it inserts, and by the sweeper.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE appointment_participant ADD CONSTRAINT "
            "ex_appointment_participant_no_overlap EXCLUDE USING gist ("
            "organization_id WITH =, schedule_id WITH =, lane WITH =, "
            "tstzrange(block_start, block_end, '[)') WITH &&) WHERE (blocking)"
        )

    with op.batch_alter_table("healthcare_service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("buffer_before_minutes", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("buffer_after_minutes", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("slot_interval_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("min_notice_minutes", sa.Integer(), nullable=False, server_default="60")
        )
        batch_op.add_column(
            sa.Column("booking_horizon_days", sa.Integer(), nullable=False, server_default="90")
        )
        batch_op.add_column(sa.Column("max_per_day", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("overbook_limit", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("hold_minutes", sa.Integer(), nullable=False, server_default="10")
        )

    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preferred_practitioner_gender", sa.String(length=10), nullable=True)
        )
        batch_op.add_column(sa.Column("preferred_location_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_patient_organization_id_preferred_location_id_location"),
            "location",
            ["organization_id", "preferred_location_id"],
            ["organization_id", "id"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE appointment_participant DROP CONSTRAINT ex_appointment_participant_no_overlap"
        )

    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_patient_organization_id_preferred_location_id_location"),
            type_="foreignkey",
        )
        batch_op.drop_column("preferred_location_id")
        batch_op.drop_column("preferred_practitioner_gender")

    with op.batch_alter_table("healthcare_service", schema=None) as batch_op:
        batch_op.drop_column("hold_minutes")
        batch_op.drop_column("overbook_limit")
        batch_op.drop_column("max_per_day")
        batch_op.drop_column("booking_horizon_days")
        batch_op.drop_column("min_notice_minutes")
        batch_op.drop_column("slot_interval_minutes")
        batch_op.drop_column("buffer_after_minutes")
        batch_op.drop_column("buffer_before_minutes")

    with op.batch_alter_table("appointment_participant", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_appointment_participant_organization_id_schedule_id_block_start")
        )
        batch_op.drop_index(batch_op.f("ix_appointment_participant_organization_id_appointment_id"))

    op.drop_table("appointment_participant")
    with op.batch_alter_table("appointment_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_history_organization_id_appointment_id_at"))

    op.drop_table("appointment_history")
    with op.batch_alter_table("schedule_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_override_organization_id_schedule_id_date"))

    op.drop_table("schedule_override")
    with op.batch_alter_table("schedule_block", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_block_organization_id_schedule_id_start_at"))

    op.drop_table("schedule_block")
    with op.batch_alter_table("availability_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_rule_organization_id_schedule_id"))

    op.drop_table("availability_rule")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_status_hold_expires_at"))
        batch_op.drop_index(batch_op.f("ix_appointment_organization_id_healthcare_service_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_organization_id_rescheduled_from_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_organization_id_series_id"))
        batch_op.drop_index(
            batch_op.f("ix_appointment_organization_id_practitioner_role_id_start_at")
        )
        batch_op.drop_index(batch_op.f("ix_appointment_organization_id_patient_id_start_at"))
        batch_op.drop_index(batch_op.f("ix_appointment_organization_id_location_id_start_at"))

    op.drop_table("appointment")
    op.drop_table("schedule")
    op.drop_table("appointment_series")
    op.drop_table("calendar_feed")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_topic_created_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_status_available_at"))

    op.drop_table("outbox_message")
