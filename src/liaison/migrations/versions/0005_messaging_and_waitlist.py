"""messaging and waitlist

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 01:02:17.739972
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liaison.kit.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "job_schedule",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("next_run_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_schedule")),
    )
    op.create_table(
        "message_template",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_user_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "channel in ('sms','email','voice','portal')", name=op.f("ck_message_template_channel")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_message_template_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_message_template")),
        sa.UniqueConstraint(
            "organization_id",
            "kind",
            "channel",
            "language",
            name=op.f("uq_message_template_organization_id_kind_channel_language"),
        ),
    )
    op.create_table(
        "communication",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=True),
        sa.Column("from_address", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=True),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel in ('sms','email','voice','portal')", name=op.f("ck_communication_channel")
        ),
        sa.CheckConstraint(
            "direction in ('outbound','inbound')", name=op.f("ck_communication_direction")
        ),
        sa.CheckConstraint(
            "status in ('queued','sent','delivered','failed','bounced','received','skipped')",
            name=op.f("ck_communication_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "appointment_id"],
            ["appointment.organization_id", "appointment.id"],
            name=op.f("fk_communication_organization_id_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_communication_organization_id_patient_id_patient"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_communication_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_communication")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_communication_idempotency_key")),
    )
    with op.batch_alter_table("communication", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_communication_organization_id_appointment_id"),
            ["organization_id", "appointment_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_communication_organization_id_patient_id_created_at"),
            ["organization_id", "patient_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_communication_provider_message_id"),
            ["provider_message_id"],
            unique=False,
        )

    op.create_table(
        "survey_response",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("received_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score between 1 and 5", name=op.f("ck_survey_response_score")),
        sa.ForeignKeyConstraint(
            ["organization_id", "appointment_id"],
            ["appointment.organization_id", "appointment.id"],
            name=op.f("fk_survey_response_organization_id_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_survey_response_organization_id_patient_id_patient"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_response_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_survey_response")),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_response_organization_id_appointment_id"),
            ["organization_id", "appointment_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_survey_response_organization_id_patient_id"),
            ["organization_id", "patient_id"],
            unique=False,
        )

    op.create_table(
        "waitlist_entry",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("healthcare_service_id", sa.Uuid(), nullable=False),
        sa.Column(
            "practitioner_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "location_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("earliest_date", sa.Date(), nullable=True),
        sa.Column("latest_date", sa.Date(), nullable=True),
        sa.Column(
            "times_of_day",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("expires_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("current_appointment_id", sa.Uuid(), nullable=True),
        sa.Column("booked_appointment_id", sa.Uuid(), nullable=True),
        sa.Column("offers_count", sa.Integer(), nullable=False),
        sa.Column("last_offered_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("days_gained", sa.Integer(), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "priority in ('routine','urgent')", name=op.f("ck_waitlist_entry_priority")
        ),
        sa.CheckConstraint(
            "status in ('active','booked','expired','cancelled')",
            name=op.f("ck_waitlist_entry_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "booked_appointment_id"],
            ["appointment.organization_id", "appointment.id"],
            name=op.f("fk_waitlist_entry_organization_id_booked_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "healthcare_service_id"],
            ["healthcare_service.organization_id", "healthcare_service.id"],
            name=op.f("fk_waitlist_entry_organization_id_healthcare_service_id_healthcare_service"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_waitlist_entry_organization_id_patient_id_patient"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_waitlist_entry_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_waitlist_entry")),
    )
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waitlist_entry_created_by_user_id_status"),
            ["created_by_user_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_waitlist_entry_organization_id_booked_appointment_id"),
            ["organization_id", "booked_appointment_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_waitlist_entry_organization_id_healthcare_service_id_status"),
            ["organization_id", "healthcare_service_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_waitlist_entry_organization_id_patient_id"),
            ["organization_id", "patient_id"],
            unique=False,
        )

    op.create_table(
        "waitlist_offer",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("hold_appointment_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("practitioner_role_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("sent_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status in ('sent','accepted','declined','expired','taken')",
            name=op.f("ck_waitlist_offer_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "entry_id"],
            ["waitlist_entry.organization_id", "waitlist_entry.id"],
            name=op.f("fk_waitlist_offer_organization_id_entry_id_waitlist_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "hold_appointment_id"],
            ["appointment.organization_id", "appointment.id"],
            name=op.f("fk_waitlist_offer_organization_id_hold_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_waitlist_offer_organization_id_patient_id_patient"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_waitlist_offer_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_waitlist_offer")),
    )
    with op.batch_alter_table("waitlist_offer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waitlist_offer_organization_id_entry_id"),
            ["organization_id", "entry_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_waitlist_offer_organization_id_hold_appointment_id"),
            ["organization_id", "hold_appointment_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_waitlist_offer_organization_id_patient_id"),
            ["organization_id", "patient_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_waitlist_offer_token_digest"), ["token_digest"], unique=False
        )

    with op.batch_alter_table("healthcare_service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reminder_offsets_minutes",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[10080, 2880, 120]",
            )
        )
        batch_op.add_column(sa.Column("follow_up_hours", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("backfill_min_hours", sa.Integer(), nullable=False, server_default="2")
        )
        batch_op.add_column(
            sa.Column(
                "same_day_backfill_urgent_only",
                sa.Boolean(),
                nullable=False,
                server_default=sa.true(),
            )
        )

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sms_number", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column(
                "quiet_hours_start", sa.String(length=5), nullable=False, server_default="21:00"
            )
        )
        batch_op.add_column(
            sa.Column(
                "quiet_hours_end", sa.String(length=5), nullable=False, server_default="08:00"
            )
        )
        batch_op.add_column(
            sa.Column("waitlist_batch_size", sa.Integer(), nullable=False, server_default="3")
        )
        batch_op.add_column(
            sa.Column("waitlist_round_minutes", sa.Integer(), nullable=False, server_default="30")
        )
        batch_op.create_unique_constraint(batch_op.f("uq_organization_sms_number"), ["sms_number"])

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appointment_id", sa.Uuid(), nullable=True))
        # A cancelled message (a reminder of a cancelled appointment) is a new status.
        batch_op.drop_constraint(op.f("ck_outbox_message_status"), type_="check")
        batch_op.create_check_constraint(
            "status", "status in ('pending','processing','done','dead','cancelled')"
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_appointment_id_status"),
            ["appointment_id", "status"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_appointment_id_status"))
        batch_op.drop_column("appointment_id")

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_organization_sms_number"), type_="unique")
        batch_op.drop_column("waitlist_round_minutes")
        batch_op.drop_column("waitlist_batch_size")
        batch_op.drop_column("quiet_hours_end")
        batch_op.drop_column("quiet_hours_start")
        batch_op.drop_column("sms_number")

    with op.batch_alter_table("healthcare_service", schema=None) as batch_op:
        batch_op.drop_column("same_day_backfill_urgent_only")
        batch_op.drop_column("backfill_min_hours")
        batch_op.drop_column("follow_up_hours")
        batch_op.drop_column("reminder_offsets_minutes")

    with op.batch_alter_table("waitlist_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waitlist_offer_token_digest"))
        batch_op.drop_index(batch_op.f("ix_waitlist_offer_organization_id_patient_id"))
        batch_op.drop_index(batch_op.f("ix_waitlist_offer_organization_id_hold_appointment_id"))
        batch_op.drop_index(batch_op.f("ix_waitlist_offer_organization_id_entry_id"))

    op.drop_table("waitlist_offer")
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waitlist_entry_organization_id_patient_id"))
        batch_op.drop_index(
            batch_op.f("ix_waitlist_entry_organization_id_healthcare_service_id_status")
        )
        batch_op.drop_index(batch_op.f("ix_waitlist_entry_organization_id_booked_appointment_id"))
        batch_op.drop_index(batch_op.f("ix_waitlist_entry_created_by_user_id_status"))

    op.drop_table("waitlist_entry")
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_response_organization_id_patient_id"))
        batch_op.drop_index(batch_op.f("ix_survey_response_organization_id_appointment_id"))

    op.drop_table("survey_response")
    with op.batch_alter_table("communication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_communication_provider_message_id"))
        batch_op.drop_index(batch_op.f("ix_communication_organization_id_patient_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_communication_organization_id_appointment_id"))

    op.drop_table("communication")
    op.drop_table("message_template")
    op.drop_table("job_schedule")
