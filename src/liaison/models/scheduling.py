"""Scheduling: who and what can be booked when, and the bookings themselves.

FHIR names: a Schedule is the bookable calendar of one actor (a practitioner's role at a
location, or a device: room or equipment); an Appointment books a patient for a visit
type; each actor it occupies is an AppointmentParticipant. Availability is written in
the location's local time (rules, date overrides) and expanded with zoneinfo; blocks and
bookings are instants in UTC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, TenantOwned, Timestamped

APPOINTMENT_STATUSES = (
    "proposed",
    "booked",
    "arrived",
    "checked-in",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
)
# Statuses whose time is no longer taken: the slot is free again.
RELEASED_STATUSES = ("cancelled", "noshow", "entered-in-error")


def _fk(column: str, table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organization_id", column],
        [f"{table}.organization_id", f"{table}.id"],
        ondelete=ondelete,
    )


class Schedule(TenantOwned, Timestamped, Base):
    """The calendar of one bookable actor: a practitioner role or a device."""

    __tablename__ = "schedule"
    __table_args__ = (
        _fk("practitioner_role_id", "practitioner_role", "CASCADE"),
        _fk("device_id", "device", "CASCADE"),
        _fk("location_id", "location"),
        UniqueConstraint("organization_id", "practitioner_role_id"),
        UniqueConstraint("organization_id", "device_id"),
        Index(None, "organization_id", "location_id"),
        CheckConstraint("(practitioner_role_id IS NULL) <> (device_id IS NULL)", name="one_actor"),
    )

    practitioner_role_id: Mapped[uuid.UUID | None] = mapped_column()
    device_id: Mapped[uuid.UUID | None] = mapped_column()
    location_id: Mapped[uuid.UUID] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AvailabilityRule(TenantOwned, Timestamped, Base):
    """Weekly hours in local time: FREQ=WEEKLY;INTERVAL=every_weeks;BYDAY=weekdays
    between valid_from and valid_until. Optionally reserved for some visit types (a
    new-patient block, a same-day urgent hold) until ``release_hours_before`` the start."""

    __tablename__ = "availability_rule"
    __table_args__ = (
        _fk("schedule_id", "schedule", "CASCADE"),
        CheckConstraint("start_time < end_time", name="ordered"),
        CheckConstraint("every_weeks between 1 and 8", name="every_weeks"),
        Index(None, "organization_id", "schedule_id"),
    )

    schedule_id: Mapped[uuid.UUID] = mapped_column()
    # ISO weekday numbers, 1 = Monday ... 7 = Sunday.
    weekdays: Mapped[list[int]] = mapped_column()
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    every_weeks: Mapped[int] = mapped_column(Integer, default=1)
    reserved_for_service_ids: Mapped[list[str]] = mapped_column(default=list)
    release_hours_before: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(100))


class ScheduleOverride(TenantOwned, Base):
    """Hours for one date that replace the weekly rules (extra clinic, short day)."""

    __tablename__ = "schedule_override"
    __table_args__ = (
        _fk("schedule_id", "schedule", "CASCADE"),
        CheckConstraint("start_time < end_time", name="ordered"),
        Index(None, "organization_id", "schedule_id", "date"),
    )

    schedule_id: Mapped[uuid.UUID] = mapped_column()
    date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    reason: Mapped[str | None] = mapped_column(String(200))


class ScheduleBlock(TenantOwned, Base):
    """Time taken out of a schedule: time off, a meeting, a blocked afternoon."""

    __tablename__ = "schedule_block"
    __table_args__ = (
        _fk("schedule_id", "schedule", "CASCADE"),
        CheckConstraint("start_at < end_at", name="ordered"),
        CheckConstraint("kind in ('time-off','meeting','block','other')", name="kind"),
        Index(None, "organization_id", "schedule_id", "start_at"),
    )

    schedule_id: Mapped[uuid.UUID] = mapped_column()
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    kind: Mapped[str] = mapped_column(String(12), default="block")
    reason: Mapped[str | None] = mapped_column(String(200))


class AppointmentSeries(TenantOwned, Timestamped, Base):
    """A recurring visit: every ``every_weeks`` weeks, ``count`` times or until a date."""

    __tablename__ = "appointment_series"
    __table_args__ = (
        _fk("patient_id", "patient"),
        _fk("healthcare_service_id", "healthcare_service"),
        _fk("practitioner_role_id", "practitioner_role"),
        CheckConstraint("every_weeks between 1 and 52", name="every_weeks"),
        Index(None, "organization_id", "practitioner_role_id"),
        Index(None, "organization_id", "healthcare_service_id"),
        Index(None, "organization_id", "patient_id"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column()
    healthcare_service_id: Mapped[uuid.UUID] = mapped_column()
    practitioner_role_id: Mapped[uuid.UUID] = mapped_column()
    first_start_at: Mapped[datetime] = mapped_column()
    every_weeks: Mapped[int] = mapped_column(Integer)
    count: Mapped[int | None] = mapped_column(Integer)
    until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")


class Appointment(TenantOwned, Timestamped, Base):
    __tablename__ = "appointment"
    __table_args__ = (
        _fk("patient_id", "patient"),
        _fk("healthcare_service_id", "healthcare_service"),
        _fk("practitioner_role_id", "practitioner_role"),
        _fk("location_id", "location"),
        _fk("rescheduled_from_id", "appointment"),
        _fk("series_id", "appointment_series"),
        CheckConstraint(
            "status in ('proposed','booked','arrived','checked-in','fulfilled',"
            "'cancelled','noshow','entered-in-error')",
            name="status",
        ),
        CheckConstraint(
            "cancelled_by is null or cancelled_by in ('patient','practitioner','organization')",
            name="cancelled_by",
        ),
        CheckConstraint("start_at < end_at", name="ordered"),
        Index(None, "organization_id", "patient_id", "start_at"),
        Index(None, "organization_id", "practitioner_role_id", "start_at"),
        Index(None, "organization_id", "location_id", "start_at"),
        Index(None, "organization_id", "series_id"),
        # Foreign keys are checked from the referenced side on delete; without these a
        # deleted appointment or visit type would scan the whole table.
        Index(None, "organization_id", "rescheduled_from_id"),
        Index(None, "organization_id", "healthcare_service_id"),
        Index(None, "status", "hold_expires_at"),
    )

    status: Mapped[str] = mapped_column(String(20))
    patient_id: Mapped[uuid.UUID] = mapped_column()
    healthcare_service_id: Mapped[uuid.UUID] = mapped_column()
    practitioner_role_id: Mapped[uuid.UUID] = mapped_column()
    location_id: Mapped[uuid.UUID] = mapped_column()
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    modality: Mapped[str] = mapped_column(String(12))
    # A proposed appointment is a hold on the slot until this instant.
    hold_expires_at: Mapped[datetime | None] = mapped_column()
    booked_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancellation_reason: Mapped[str | None] = mapped_column(String(200))
    cancelled_by: Mapped[str | None] = mapped_column(String(20))
    rescheduled_from_id: Mapped[uuid.UUID | None] = mapped_column()
    series_id: Mapped[uuid.UUID | None] = mapped_column()
    overbooked: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str | None] = mapped_column(String(500))
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class AppointmentParticipant(TenantOwned, Base):
    """One actor's time taken by an appointment, buffers included.

    This is the row the database checks for double bookings: on PostgreSQL an exclusion
    constraint forbids two blocking rows of the same schedule and lane whose
    [block_start, block_end) ranges overlap (migration 0002). ``lane`` is 0 for a normal
    booking; a visit type that allows overbooking may use lanes 1..overbook_limit, so the
    limit itself is enforced by the same constraint. A second one forbids a practitioner's
    blocking rows on two different schedules (their roles at two locations) to overlap
    (migration 0006): one person is in one place at a time.
    """

    __tablename__ = "appointment_participant"
    __table_args__ = (
        _fk("appointment_id", "appointment", "CASCADE"),
        _fk("schedule_id", "schedule"),
        _fk("practitioner_id", "practitioner"),
        CheckConstraint("block_start < block_end", name="ordered"),
        CheckConstraint("lane >= 0", name="lane"),
        Index(None, "organization_id", "schedule_id", "block_start"),
        Index(None, "organization_id", "appointment_id"),
        Index(None, "organization_id", "practitioner_id", "block_start"),
    )

    appointment_id: Mapped[uuid.UUID] = mapped_column()
    schedule_id: Mapped[uuid.UUID] = mapped_column()
    device_id: Mapped[uuid.UUID | None] = mapped_column()
    # The person behind a practitioner role's schedule (None for a device): copied here
    # so the database can keep one practitioner out of two places at once.
    practitioner_id: Mapped[uuid.UUID | None] = mapped_column()
    block_start: Mapped[datetime] = mapped_column()
    block_end: Mapped[datetime] = mapped_column()
    lane: Mapped[int] = mapped_column(Integer, default=0)
    # False once the appointment is cancelled, a no-show or entered in error, or its
    # hold was released: the time is free again.
    blocking: Mapped[bool] = mapped_column(Boolean, default=True)
    # Copied from the appointment so slot search reads one table.
    healthcare_service_id: Mapped[uuid.UUID] = mapped_column()
    hold_expires_at: Mapped[datetime | None] = mapped_column()


class AppointmentHistory(TenantOwned, Base):
    __tablename__ = "appointment_history"
    __table_args__ = (
        _fk("appointment_id", "appointment", "CASCADE"),
        Index(None, "organization_id", "appointment_id", "at"),
    )

    appointment_id: Mapped[uuid.UUID] = mapped_column()
    at: Mapped[datetime] = mapped_column()
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CalendarFeed(TenantOwned, Base):
    """An iCalendar subscription to a practitioner's appointments, by secret link."""

    __tablename__ = "calendar_feed"
    __table_args__ = (
        _fk("practitioner_id", "practitioner", "CASCADE"),
        Index(None, "organization_id", "practitioner_id"),
    )

    practitioner_id: Mapped[uuid.UUID] = mapped_column()
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column()
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
