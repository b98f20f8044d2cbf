"""API shapes of scheduling."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from liaison.kit.validation import ReadShape, Shape

Modality = Literal["in-person", "telehealth"]
CancelledBy = Literal["patient", "practitioner", "organization"]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _quarter_hour_precision(value: time) -> time:
    if value.second or value.microsecond:
        raise ValueError("must be a time of day in whole minutes (HH:MM)")
    return value


LocalTime = Annotated[time, AfterValidator(_quarter_hour_precision)]


def after(other: str, what: str = "be after"):  # type: ignore[no-untyped-def]
    """A field validator: this field must come after ``other`` (named in the error)."""

    def check(cls: type, value: object, info: ValidationInfo) -> object:
        earlier = info.data.get(other)
        if value is not None and earlier is not None and value <= earlier:  # type: ignore[operator]
            raise ValueError(f"must {what} {other}")
        return value

    return check


class TimeWindow(Shape):
    start: LocalTime
    end: LocalTime

    _ordered = field_validator("end")(after("start"))


# --- Availability ---------------------------------------------------------------------


class ScheduleRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    practitioner_role_id: uuid.UUID | None
    device_id: uuid.UUID | None
    location_id: uuid.UUID
    time_zone: str
    label: str
    active: bool


class AvailabilityRuleCreate(Shape):
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1, max_length=7)
    start_time: LocalTime
    end_time: LocalTime
    valid_from: date
    valid_until: date | None = None
    every_weeks: int = Field(default=1, ge=1, le=8)
    reserved_for_service_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    release_hours_before: int | None = Field(default=None, ge=0, le=24 * 30)
    label: Annotated[str, StringConstraints(max_length=100)] | None = None

    _ordered = field_validator("end_time")(after("start_time"))

    @field_validator("valid_until")
    @classmethod
    def _until(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before valid_from")
        return value

    @field_validator("release_hours_before")
    @classmethod
    def _release(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and not info.data.get("reserved_for_service_ids"):
            raise ValueError("applies only to time reserved for visit types")
        return value


class AvailabilityRuleRead(ReadShape):
    id: uuid.UUID
    schedule_id: uuid.UUID
    weekdays: list[int]
    start_time: time
    end_time: time
    valid_from: date
    valid_until: date | None
    every_weeks: int
    reserved_for_service_ids: list[str]
    release_hours_before: int | None
    label: str | None
    rrule: str


class OverrideCreate(Shape):
    date: date
    start_time: LocalTime
    end_time: LocalTime
    reason: Annotated[str, StringConstraints(max_length=200)] | None = None

    _ordered = field_validator("end_time")(after("start_time"))


class OverrideRead(ReadShape):
    id: uuid.UUID
    schedule_id: uuid.UUID
    date: date
    start_time: time
    end_time: time
    reason: str | None


class BlockCreate(Shape):
    start_at: AwareDatetime
    end_at: AwareDatetime
    kind: Literal["time-off", "meeting", "block", "other"] = "block"
    reason: Annotated[str, StringConstraints(max_length=200)] | None = None

    _ordered = field_validator("end_at")(after("start_at"))


class BlockRead(ReadShape):
    id: uuid.UUID
    schedule_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    kind: str
    reason: str | None


# --- Slot search ----------------------------------------------------------------------


class SlotSearch(Shape):
    organization_id: uuid.UUID
    healthcare_service_id: uuid.UUID
    patient_id: uuid.UUID | None = None
    location_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    practitioner_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    start_date: date | None = Field(default=None, description="First local date (default: today)")
    end_date: date | None = Field(
        default=None, description="Last local date (default: the booking horizon)"
    )
    modality: Modality | None = None
    time_windows: list[TimeWindow] = Field(default_factory=list, max_length=6)
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(default_factory=list, max_length=7)
    mode: Literal["first", "per-day"] = "first"
    count: int = Field(default=10, ge=1, le=200)

    @field_validator("end_date")
    @classmethod
    def _dates(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before start_date")
        return value


class SlotReason(ReadShape):
    code: str
    points: int
    text: str


class SlotRead(ReadShape):
    start: datetime
    end: datetime
    local_start: str = Field(description="Start in the location's time zone, ISO 8601 with offset")
    practitioner_role_id: uuid.UUID
    practitioner_id: uuid.UUID
    practitioner_name: str
    location_id: uuid.UUID
    device_ids: list[uuid.UUID]
    score: int
    reasons: list[SlotReason]


class SlotSearchResult(ReadShape):
    slots: list[SlotRead]
    searched_until: date = Field(description="Last local date the search looked at")


# --- Appointments ---------------------------------------------------------------------


class AppointmentCreate(Shape):
    organization_id: uuid.UUID
    patient_id: uuid.UUID
    healthcare_service_id: uuid.UUID
    practitioner_role_id: uuid.UUID
    start: AwareDatetime
    status: Literal["proposed", "booked"] = Field(
        default="booked", description="proposed: hold the slot for the visit type's hold time"
    )
    device_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=5, description="Chosen devices; picked automatically when absent"
    )
    overbook: bool = Field(
        default=False, description="Book on top of another visit, if the visit type allows it"
    )
    comment: Annotated[str, StringConstraints(max_length=500)] | None = None


class BookHold(Shape):
    comment: Annotated[str, StringConstraints(max_length=500)] | None = None


class CancelRequest(Shape):
    reason: Reason
    cancelled_by: CancelledBy


class RescheduleRequest(Shape):
    start: AwareDatetime
    practitioner_role_id: uuid.UUID | None = None
    reason: Reason = "rescheduled"
    requested_by: CancelledBy = "patient"


class StatusChange(Shape):
    status: Literal["arrived", "checked-in", "fulfilled", "noshow", "entered-in-error"]
    reason: Annotated[str, StringConstraints(max_length=200)] | None = None


class HistoryRead(ReadShape):
    at: datetime
    action: str
    from_status: str | None
    to_status: str
    by_user_id: uuid.UUID | None
    reason: str | None


class AppointmentRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    status: str
    patient_id: uuid.UUID
    healthcare_service_id: uuid.UUID
    practitioner_role_id: uuid.UUID
    location_id: uuid.UUID
    start: datetime
    end: datetime
    modality: str
    hold_expires_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    cancelled_by: str | None
    rescheduled_from_id: uuid.UUID | None
    series_id: uuid.UUID | None
    overbooked: bool
    comment: str | None
    device_ids: list[uuid.UUID]
    version: int
    history: list[HistoryRead] = Field(default_factory=list)


class AppointmentPage(ReadShape):
    items: list[AppointmentRead]
    next_cursor: str | None = None


# --- Recurring series -----------------------------------------------------------------


class SeriesCreate(Shape):
    organization_id: uuid.UUID
    patient_id: uuid.UUID
    healthcare_service_id: uuid.UUID
    practitioner_role_id: uuid.UUID
    start: AwareDatetime
    every_weeks: int = Field(ge=1, le=52)
    count: int | None = Field(default=None, ge=2, le=104)
    until: date | None = None
    on_conflict: Literal["fail", "skip"] = "fail"
    comment: Annotated[str, StringConstraints(max_length=500)] | None = None

    @model_validator(mode="after")
    def _bounded(self) -> SeriesCreate:
        if (self.count is None) == (self.until is None):
            raise ValueError("give exactly one of count or until")
        return self


class SeriesConflict(ReadShape):
    occurrence: int
    start: datetime
    problem: str
    alternatives: list[SlotRead]


class SeriesRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    patient_id: uuid.UUID
    every_weeks: int
    count: int | None
    until: date | None
    status: str
    appointments: list[AppointmentRead]
    skipped: list[SeriesConflict] = Field(default_factory=list)


class SeriesChange(Shape):
    scope: Literal["one", "following", "all"]
    appointment_id: uuid.UUID = Field(description="The occurrence the change starts from")
    action: Literal["cancel", "move"]
    reason: Reason = "changed by the care team"
    cancelled_by: CancelledBy = "organization"
    new_start: AwareDatetime | None = Field(
        default=None,
        validate_default=True,
        description="For move: the new start of the chosen occurrence; later ones keep "
        "their local time of day shifted by the same amount",
    )

    @field_validator("new_start")
    @classmethod
    def _move_needs_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if info.data.get("action") == "move" and value is None:
            raise ValueError("is required to move occurrences")
        return value


# --- iCalendar ------------------------------------------------------------------------


class FeedCreate(Shape):
    label: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "Calendar"


class FeedRead(ReadShape):
    id: uuid.UUID
    practitioner_id: uuid.UUID
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class FeedIssued(FeedRead):
    url: str = Field(description="Shown once: subscribe to it from a calendar app")
