"""The patient registry of one organization."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liaison.kit.db import SortableText
from liaison.models.base import Base, TenantOwned, Timestamped

ADMINISTRATIVE_SEXES = ("male", "female", "other", "unknown")
CONSENT_CHANNELS = ("sms", "email", "voice", "portal")


class Patient(TenantOwned, Timestamped, Base):
    __tablename__ = "patient"
    __table_args__ = (
        UniqueConstraint("organization_id", "mrn"),
        CheckConstraint("administrative_sex in ('male','female','other','unknown')", name="sex"),
        ForeignKeyConstraint(
            ["organization_id", "preferred_practitioner_id"],
            ["practitioner.organization_id", "practitioner.id"],
        ),
        ForeignKeyConstraint(
            ["organization_id", "preferred_location_id"],
            ["location.organization_id", "location.id"],
        ),
        # Name search walks these with prefix ranges; the trailing id gives a stable
        # keyset order for pagination.
        Index(None, "organization_id", "family_key", "given_key", "id"),
        Index(None, "organization_id", "given_key"),
        Index(None, "organization_id", "birth_date"),
        Index(None, "organization_id", "preferred_location_id"),
        Index(None, "organization_id", "preferred_practitioner_id"),
    )

    # Medical record number, unique within the organization.
    mrn: Mapped[str] = mapped_column(String(40))
    given_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    # Name the patient asks to be called by (shown beside the legal name).
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    # Search keys: lower-case ASCII of the names (see kit.text.search_key).
    given_key: Mapped[str] = mapped_column(SortableText(100))
    family_key: Mapped[str] = mapped_column(SortableText(100))
    birth_date: Mapped[date] = mapped_column(Date)
    # FHIR AdministrativeGender; gender identity is separate and free to describe.
    administrative_sex: Mapped[str] = mapped_column(String(10))
    gender_identity: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(254))
    line1: Mapped[str | None] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    # BCP 47 tag, e.g. "en", "es", "vi".
    preferred_language: Mapped[str] = mapped_column(String(20), default="en")
    # The patient's own time zone (quiet hours for messages); the organization's if unset.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    preferred_practitioner_id: Mapped[uuid.UUID | None] = mapped_column()
    # Scheduling preferences used to rank slots.
    preferred_practitioner_gender: Mapped[str | None] = mapped_column(String(10))
    preferred_location_id: Mapped[uuid.UUID | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Optimistic concurrency: an edit based on an older version is refused (409).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"


class PatientTelecom(TenantOwned, Base):
    """A phone number of a patient, stored in E.164."""

    __tablename__ = "patient_telecom"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("use in ('mobile','home','work')", name="use"),
        Index(None, "organization_id", "value"),
        Index(None, "organization_id", "patient_id"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column()
    use: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int] = mapped_column(Integer, default=1)


class PatientIdentifier(TenantOwned, Base):
    """Identifiers beyond the MRN: another system's id, a previous MRN, a payer id."""

    __tablename__ = "patient_identifier"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("organization_id", "system", "value"),
        Index(None, "organization_id", "patient_id"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column()
    # A URI naming the assigning system (FHIR Identifier.system).
    system: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(100))


class CommunicationConsent(TenantOwned, Base):
    """A decision about one contact channel, kept as history: the newest row counts."""

    __tablename__ = "communication_consent"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "patient_id"],
            ["patient.organization_id", "patient.id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("channel in ('sms','email','voice','portal')", name="channel"),
        CheckConstraint("status in ('granted','revoked')", name="status"),
        Index(None, "organization_id", "patient_id", "channel", "recorded_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    # Who gave it (the patient, a parent, a guardian ...) and how (verbal, written,
    # portal, sms-keyword, import).
    given_by: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column()
    recorded_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
