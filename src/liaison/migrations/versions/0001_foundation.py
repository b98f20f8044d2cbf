"""foundation

Revision ID: 0001
Revises:
Create Date: 2026-11-28 22:59:30.578965
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import liaison.kit.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "app_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("platform_role", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "platform_role is null or platform_role in ('operator','staffing_manager')",
            name=op.f("ck_app_user_platform_role"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("email", name=op.f("uq_app_user_email")),
    )
    op.create_table(
        "audit_event",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("occurred_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("resource_type", sa.String(length=60), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_digest", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "action in ('create','read','update','delete','execute')",
            name=op.f("ck_audit_event_action"),
        ),
        sa.CheckConstraint(
            "outcome in ('success','denied','failed','error')", name=op.f("ck_audit_event_outcome")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_event_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_event_organization_id_seq"),
            ["organization_id", "seq"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_audit_event_patient_id_seq"), ["patient_id", "seq"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_event_user_id_seq"), ["user_id", "seq"], unique=False
        )

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("seal", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "organization",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column(
            "business_hours",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("slug", name=op.f("uq_organization_slug")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_api_token_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_api_token_token_digest")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "healthcare_service",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("specialty", sa.String(length=100), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=12), nullable=False),
        sa.Column("new_patients", sa.Boolean(), nullable=False),
        sa.Column("established_patients", sa.Boolean(), nullable=False),
        sa.Column("patient_bookable", sa.Boolean(), nullable=False),
        sa.Column(
            "required_device_kinds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "modality in ('in-person','telehealth')", name=op.f("ck_healthcare_service_modality")
        ),
        sa.CheckConstraint(
            "duration_minutes > 0", name=op.f("ck_healthcare_service_duration_positive")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_healthcare_service_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_healthcare_service")),
        sa.UniqueConstraint(
            "organization_id", "code", name=op.f("uq_healthcare_service_organization_id_code")
        ),
    )
    op.create_table(
        "location",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=True),
        sa.Column("line2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("telehealth_only", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_location_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_location")),
        sa.UniqueConstraint(
            "organization_id", "name", name=op.f("uq_location_organization_id_name")
        ),
    )
    op.create_table(
        "membership",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role in ('admin','coordinator','practitioner','patient')",
            name=op.f("ck_membership_role"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_membership_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_membership_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_membership")),
        sa.UniqueConstraint(
            "organization_id", "user_id", name=op.f("uq_membership_organization_id_user_id")
        ),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_user_id"), ["user_id"], unique=False)

    op.create_table(
        "organization_holiday",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_holiday_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_organization_holiday")),
        sa.UniqueConstraint(
            "organization_id", "date", name=op.f("uq_organization_holiday_organization_id_date")
        ),
    )
    op.create_table(
        "practitioner",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("suffix", sa.String(length=20), nullable=True),
        sa.Column("npi", sa.String(length=10), nullable=True),
        sa.Column("gender", sa.String(length=10), nullable=False),
        sa.Column(
            "specialties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "gender in ('male','female','other','unknown')", name=op.f("ck_practitioner_gender")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_practitioner_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_practitioner")),
        sa.UniqueConstraint(
            "organization_id", "npi", name=op.f("uq_practitioner_organization_id_npi")
        ),
    )
    op.create_table(
        "user_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("active_organization_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["active_organization_id"],
            ["organization.id"],
            name=op.f("fk_user_session_active_organization_id_organization"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_session_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_user_session_token_digest")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "device",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("category in ('room','equipment')", name=op.f("ck_device_category")),
        sa.ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["location.organization_id", "location.id"],
            name=op.f("fk_device_organization_id_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_device_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_device")),
        sa.UniqueConstraint(
            "organization_id",
            "location_id",
            "name",
            name=op.f("uq_device_organization_id_location_id_name"),
        ),
    )
    op.create_table(
        "patient",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("mrn", sa.String(length=40), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("middle_name", sa.String(length=100), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("preferred_name", sa.String(length=100), nullable=True),
        sa.Column(
            "given_key",
            sa.String(length=100).with_variant(sa.String(length=100, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "family_key",
            sa.String(length=100).with_variant(sa.String(length=100, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("administrative_sex", sa.String(length=10), nullable=False),
        sa.Column("gender_identity", sa.String(length=60), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("line1", sa.String(length=200), nullable=True),
        sa.Column("line2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("preferred_language", sa.String(length=20), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("preferred_practitioner_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "administrative_sex in ('male','female','other','unknown')", name=op.f("ck_patient_sex")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "preferred_practitioner_id"],
            ["practitioner.organization_id", "practitioner.id"],
            name=op.f("fk_patient_organization_id_preferred_practitioner_id_practitioner"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_patient_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_patient")),
        sa.UniqueConstraint("organization_id", "mrn", name=op.f("uq_patient_organization_id_mrn")),
    )
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_organization_id_birth_date"),
            ["organization_id", "birth_date"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_patient_organization_id_family_key_given_key_id"),
            ["organization_id", "family_key", "given_key", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_patient_organization_id_given_key"),
            ["organization_id", "given_key"],
            unique=False,
        )

    op.create_table(
        "practitioner_role",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["location.organization_id", "location.id"],
            name=op.f("fk_practitioner_role_organization_id_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "practitioner_id"],
            ["practitioner.organization_id", "practitioner.id"],
            name=op.f("fk_practitioner_role_organization_id_practitioner_id_practitioner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_practitioner_role_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_practitioner_role")),
        sa.UniqueConstraint(
            "organization_id",
            "practitioner_id",
            "location_id",
            name=op.f("uq_practitioner_role_organization_id_practitioner_id_location_id"),
        ),
    )
    op.create_table(
        "communication_consent",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("given_by", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", liaison.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_user_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "channel in ('sms','email','voice','portal')",
            name=op.f("ck_communication_consent_channel"),
        ),
        sa.CheckConstraint(
            "status in ('granted','revoked')", name=op.f("ck_communication_consent_status")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_communication_consent_organization_id_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_communication_consent_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_communication_consent")),
    )
    with op.batch_alter_table("communication_consent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_communication_consent_organization_id_patient_id_channel_recorded_at"),
            ["organization_id", "patient_id", "channel", "recorded_at"],
            unique=False,
        )

    op.create_table(
        "patient_identifier",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_patient_identifier_organization_id_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_patient_identifier_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_patient_identifier")),
        sa.UniqueConstraint(
            "organization_id",
            "system",
            "value",
            name=op.f("uq_patient_identifier_organization_id_system_value"),
        ),
    )
    with op.batch_alter_table("patient_identifier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_identifier_organization_id_patient_id"),
            ["organization_id", "patient_id"],
            unique=False,
        )

    op.create_table(
        "patient_telecom",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("use", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.CheckConstraint("use in ('mobile','home','work')", name=op.f("ck_patient_telecom_use")),
        sa.ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            name=op.f("fk_patient_telecom_organization_id_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_patient_telecom_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_patient_telecom")),
    )
    with op.batch_alter_table("patient_telecom", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_telecom_organization_id_patient_id"),
            ["organization_id", "patient_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_patient_telecom_organization_id_value"),
            ["organization_id", "value"],
            unique=False,
        )

    op.create_table(
        "practitioner_role_service",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_role_id", sa.Uuid(), nullable=False),
        sa.Column("healthcare_service_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "healthcare_service_id"],
            ["healthcare_service.organization_id", "healthcare_service.id"],
            name=op.f(
                "fk_practitioner_role_service_organization_id_healthcare_service_id_healthcare_service"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "practitioner_role_id"],
            ["practitioner_role.organization_id", "practitioner_role.id"],
            name=op.f(
                "fk_practitioner_role_service_organization_id_practitioner_role_id_practitioner_role"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_practitioner_role_service_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_practitioner_role_service")),
        sa.UniqueConstraint(
            "organization_id",
            "practitioner_role_id",
            "healthcare_service_id",
            name=op.f(
                "uq_practitioner_role_service_organization_id_practitioner_role_id_healthcare_service_id"
            ),
        ),
    )
    with op.batch_alter_table("practitioner_role_service", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practitioner_role_service_organization_id_healthcare_service_id"),
            ["organization_id", "healthcare_service_id"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("practitioner_role_service", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_practitioner_role_service_organization_id_healthcare_service_id")
        )

    op.drop_table("practitioner_role_service")
    with op.batch_alter_table("patient_telecom", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_telecom_organization_id_value"))
        batch_op.drop_index(batch_op.f("ix_patient_telecom_organization_id_patient_id"))

    op.drop_table("patient_telecom")
    with op.batch_alter_table("patient_identifier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_identifier_organization_id_patient_id"))

    op.drop_table("patient_identifier")
    with op.batch_alter_table("communication_consent", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_communication_consent_organization_id_patient_id_channel_recorded_at")
        )

    op.drop_table("communication_consent")
    op.drop_table("practitioner_role")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_organization_id_given_key"))
        batch_op.drop_index(batch_op.f("ix_patient_organization_id_family_key_given_key_id"))
        batch_op.drop_index(batch_op.f("ix_patient_organization_id_birth_date"))

    op.drop_table("patient")
    op.drop_table("device")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))

    op.drop_table("user_session")
    op.drop_table("practitioner")
    op.drop_table("organization_holiday")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_user_id"))

    op.drop_table("membership")
    op.drop_table("location")
    op.drop_table("healthcare_service")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("organization")
    op.drop_table("login_throttle")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_user_id_seq"))
        batch_op.drop_index(batch_op.f("ix_audit_event_patient_id_seq"))
        batch_op.drop_index(batch_op.f("ix_audit_event_organization_id_seq"))
        batch_op.drop_index(batch_op.f("ix_audit_event_occurred_at"))

    op.drop_table("audit_event")
    op.drop_table("app_user")
