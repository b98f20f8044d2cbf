"""The waitlist: patients who want an earlier time, and the offers made to them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, TenantOwned, Timestamped


def _fk(column: str, table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organization_id", column], [f"{table}.organization_id", f"{table}.id"]
    )


class WaitlistEntry(TenantOwned, Timestamped, Base):
    __tablename__ = "waitlist_entry"
    __table_args__ = (
        _fk("patient_id", "patient"),
        _fk("healthcare_service_id", "healthcare_service"),
        _fk("booked_appointment_id", "appointment"),
        CheckConstraint("priority in ('routine','urgent')", name="priority"),
        CheckConstraint("status in ('active','booked','expired','cancelled')", name="status"),
        Index(None, "organization_id", "healthcare_service_id", "status"),
        Index(None, "organization_id", "patient_id"),
        Index(None, "organization_id", "booked_appointment_id"),
        # Staffing oversight counts the booked entries of given coordinators.
        Index(None, "created_by_user_id", "status"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column()
    healthcare_service_id: Mapped[uuid.UUID] = mapped_column()
    # Empty lists mean "any".
    practitioner_ids: Mapped[list[str]] = mapped_column(default=list)
    location_ids: Mapped[list[str]] = mapped_column(default=list)
    earliest_date: Mapped[date | None] = mapped_column(Date)
    latest_date: Mapped[date | None] = mapped_column(Date)
    # [{"start": "08:00", "end": "12:00"}] in the location's time; empty means any time.
    times_of_day: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    priority: Mapped[str] = mapped_column(String(10), default="routine")
    reason: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="active")
    # The appointment the patient already has and would like to move earlier, if any.
    current_appointment_id: Mapped[uuid.UUID | None] = mapped_column()
    booked_appointment_id: Mapped[uuid.UUID | None] = mapped_column()
    offers_count: Mapped[int] = mapped_column(Integer, default=0)
    last_offered_at: Mapped[datetime | None] = mapped_column()
    days_gained: Mapped[int | None] = mapped_column(Integer)
    # The staff member who put the patient on the waitlist (None when the patient or
    # Liaison itself did): staffing oversight credits them with the slots it fills. Like
    # ``appointment.created_by_user_id``, no foreign key to the (untenanted) user.
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column()


class WaitlistOffer(TenantOwned, Base):
    """A freed slot offered to one waitlisted patient, held until ``expires_at``."""

    __tablename__ = "waitlist_offer"
    __table_args__ = (
        _fk("entry_id", "waitlist_entry"),
        _fk("hold_appointment_id", "appointment"),
        _fk("patient_id", "patient"),
        CheckConstraint(
            "status in ('sent','accepted','declined','expired','taken')", name="status"
        ),
        Index(None, "organization_id", "entry_id"),
        Index(None, "organization_id", "hold_appointment_id"),
        Index(None, "organization_id", "patient_id"),
        Index(None, "token_digest"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column()
    patient_id: Mapped[uuid.UUID] = mapped_column()
    # The proposed appointment that keeps the slot for the offers of one round.
    hold_appointment_id: Mapped[uuid.UUID] = mapped_column()
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    practitioner_role_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="sent")
    # The secret of the accept link sent to the patient (its digest).
    token_digest: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column()
