"""The directory of one organization: its sites, people, visit types and equipment.

Names follow FHIR: Organization, Location, Practitioner, PractitionerRole,
HealthcareService (a visit type) and Device (a room or a piece of equipment that
scheduling can book alongside a practitioner).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, TenantOwned, Timestamped, new_id


class Organization(Timestamped, Base):
    """A client organization: the tenant boundary."""

    __tablename__ = "organization"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    # ISO 3166 region used for phone numbers written without a country code.
    country: Mapped[str] = mapped_column(String(2), default="US")
    phone: Mapped[str | None] = mapped_column(String(20))
    # {"mon": [["08:00", "17:00"]], ..., "sun": []} in the organization's time zone.
    business_hours: Mapped[dict[str, Any]] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The number the organization texts from (and patients text back to), E.164.
    sms_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    # No automated message is sent to a patient between these local times.
    quiet_hours_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_hours_end: Mapped[str] = mapped_column(String(5), default="08:00")
    # Waitlist offers: how many patients per round, rounds apart, and how long the slot
    # is held for the round.
    waitlist_batch_size: Mapped[int] = mapped_column(Integer, default=3)
    waitlist_round_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # The patient portal: whether patients may sign in, whether someone without a
    # record may register, and how close to a visit they may still cancel or move it
    # themselves (closer than this, the portal asks a coordinator instead).
    portal_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    portal_new_patients: Mapped[bool] = mapped_column(Boolean, default=True)
    portal_cancel_window_hours: Mapped[int] = mapped_column(Integer, default=24)
    # The video room of a telehealth visit: "{room}" is replaced by a per-visit secret.
    telehealth_url_template: Mapped[str | None] = mapped_column(String(300))


class OrganizationHoliday(TenantOwned, Base):
    __tablename__ = "organization_holiday"
    __table_args__ = (UniqueConstraint("organization_id", "date"),)

    date: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))


class Location(TenantOwned, Timestamped, Base):
    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    line1: Mapped[str | None] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="US")
    time_zone: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    telehealth_only: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Practitioner(TenantOwned, Timestamped, Base):
    __tablename__ = "practitioner"
    __table_args__ = (
        UniqueConstraint("organization_id", "npi"),
        CheckConstraint("gender in ('male','female','other','unknown')", name="gender"),
    )

    prefix: Mapped[str | None] = mapped_column(String(20))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    suffix: Mapped[str | None] = mapped_column(String(20))
    # National Provider Identifier: 10 digits with a Luhn check digit.
    npi: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str] = mapped_column(String(10), default="unknown")
    specialties: Mapped[list[str]] = mapped_column(default=list)
    # BCP 47 language tags: "en", "es", "zh-Hant" ...
    languages: Mapped[list[str]] = mapped_column(default=list)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def display_name(self) -> str:
        parts = [self.prefix, self.given_name, self.family_name, self.suffix]
        return " ".join(p for p in parts if p)


class HealthcareService(TenantOwned, Timestamped, Base):
    """A visit type: what a patient can be booked for, and how long it takes."""

    __tablename__ = "healthcare_service"
    __table_args__ = (
        UniqueConstraint("organization_id", "code"),
        CheckConstraint("modality in ('in-person','telehealth')", name="modality"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str | None] = mapped_column(String(100))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    modality: Mapped[str] = mapped_column(String(12), default="in-person")
    new_patients: Mapped[bool] = mapped_column(Boolean, default=True)
    established_patients: Mapped[bool] = mapped_column(Boolean, default=True)
    patient_bookable: Mapped[bool] = mapped_column(Boolean, default=False)
    # Portal bookings of this type are requests a coordinator approves (a queue task).
    portal_requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the patient should know before the visit, shown in the portal and messages.
    instructions: Mapped[str | None] = mapped_column(Text)
    instructions_es: Mapped[str | None] = mapped_column(Text)
    # Kinds of device that must be free at the same time ("room", "imaging" ...).
    required_device_kinds: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    # Booking policy (scheduling). Buffers are time the visit also takes from every
    # resource (set-up before, clean-up or notes after).
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Slots start every this many minutes within open hours (the duration if unset).
    slot_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=60)
    booking_horizon_days: Mapped[int] = mapped_column(Integer, default=90)
    max_per_day: Mapped[int | None] = mapped_column(Integer)
    # Extra bookings allowed on top of one another (0: never overbook).
    overbook_limit: Mapped[int] = mapped_column(Integer, default=0)
    hold_minutes: Mapped[int] = mapped_column(Integer, default=10)

    # Messaging policy. Reminders this many minutes before the visit (7 days, 2 days,
    # 2 hours by default); follow-up this many hours after a fulfilled visit (none if
    # unset). Waitlist backfill: not for slots less than N hours away, and on the same
    # day only for urgent entries.
    reminder_offsets_minutes: Mapped[list[int]] = mapped_column(default=lambda: [10080, 2880, 120])
    follow_up_hours: Mapped[int | None] = mapped_column(Integer)
    backfill_min_hours: Mapped[int] = mapped_column(Integer, default=2)
    same_day_backfill_urgent_only: Mapped[bool] = mapped_column(Boolean, default=True)


class PractitionerRole(TenantOwned, Timestamped, Base):
    """A practitioner working at a location, offering some visit types there."""

    __tablename__ = "practitioner_role"
    __table_args__ = (
        UniqueConstraint("organization_id", "practitioner_id", "location_id"),
        Index(None, "organization_id", "location_id"),
        ForeignKeyConstraint(
            ["organization_id", "practitioner_id"],
            ["practitioner.organization_id", "practitioner.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["location.organization_id", "location.id"],
            ondelete="CASCADE",
        ),
    )

    practitioner_id: Mapped[uuid.UUID] = mapped_column()
    location_id: Mapped[uuid.UUID] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PractitionerRoleService(TenantOwned, Base):
    __tablename__ = "practitioner_role_service"
    __table_args__ = (
        UniqueConstraint("organization_id", "practitioner_role_id", "healthcare_service_id"),
        ForeignKeyConstraint(
            ["organization_id", "practitioner_role_id"],
            ["practitioner_role.organization_id", "practitioner_role.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["organization_id", "healthcare_service_id"],
            ["healthcare_service.organization_id", "healthcare_service.id"],
            ondelete="CASCADE",
        ),
        Index(None, "organization_id", "healthcare_service_id"),
    )

    practitioner_role_id: Mapped[uuid.UUID] = mapped_column()
    healthcare_service_id: Mapped[uuid.UUID] = mapped_column()


class Device(TenantOwned, Timestamped, Base):
    """A bookable room or piece of equipment at a location."""

    __tablename__ = "device"
    __table_args__ = (
        UniqueConstraint("organization_id", "location_id", "name"),
        CheckConstraint("category in ('room','equipment')", name="category"),
        ForeignKeyConstraint(
            ["organization_id", "location_id"],
            ["location.organization_id", "location.id"],
            ondelete="CASCADE",
        ),
    )

    location_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(12))
    # What it is for matching against a visit type's needs: "exam-room", "or", "mri" ...
    kind: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
