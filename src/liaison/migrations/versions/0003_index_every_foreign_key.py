"""index every foreign key

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:51:06.297278
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("appointment_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_series_organization_id_healthcare_service_id"),
            ["organization_id", "healthcare_service_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_series_organization_id_patient_id"),
            ["organization_id", "patient_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_series_organization_id_practitioner_role_id"),
            ["organization_id", "practitioner_role_id"],
            unique=False,
        )

    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_feed_organization_id_practitioner_id"),
            ["organization_id", "practitioner_id"],
            unique=False,
        )

    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_organization_id_preferred_location_id"),
            ["organization_id", "preferred_location_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_patient_organization_id_preferred_practitioner_id"),
            ["organization_id", "preferred_practitioner_id"],
            unique=False,
        )

    with op.batch_alter_table("practitioner_role", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practitioner_role_organization_id_location_id"),
            ["organization_id", "location_id"],
            unique=False,
        )

    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_organization_id_location_id"),
            ["organization_id", "location_id"],
            unique=False,
        )

    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_session_active_organization_id"),
            ["active_organization_id"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_active_organization_id"))

    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_organization_id_location_id"))

    with op.batch_alter_table("practitioner_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practitioner_role_organization_id_location_id"))

    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_organization_id_preferred_practitioner_id"))
        batch_op.drop_index(batch_op.f("ix_patient_organization_id_preferred_location_id"))

    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feed_organization_id_practitioner_id"))

    with op.batch_alter_table("appointment_series", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_appointment_series_organization_id_practitioner_role_id")
        )
        batch_op.drop_index(batch_op.f("ix_appointment_series_organization_id_patient_id"))
        batch_op.drop_index(
            batch_op.f("ix_appointment_series_organization_id_healthcare_service_id")
        )
