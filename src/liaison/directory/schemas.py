"""API shapes of the directory."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from liaison.kit.validation import (
    Code,
    CountryCode,
    Email,
    HourMinute,
    LanguageTag,
    Name,
    Npi,
    Phone,
    ReadShape,
    Shape,
    ShortText,
    TimeZone,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Gender = Literal["male", "female", "other", "unknown"]
Modality = Literal["in-person", "telehealth"]
Specialty = Annotated[str, StringConstraints(min_length=1, max_length=100)]
DeviceName = Annotated[str, StringConstraints(min_length=1, max_length=120)]


class Interval(Shape):
    start: HourMinute
    end: HourMinute

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: str, info: ValidationInfo) -> str:
        if "start" in info.data and value <= info.data["start"]:
            raise ValueError("must be after start")
        return value


BusinessHours = dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Interval]]


def default_business_hours() -> dict[str, list[dict[str, str]]]:
    weekday = [{"start": "08:00", "end": "17:00"}]
    return {d: (weekday if d not in ("sat", "sun") else []) for d in WEEKDAYS}


class Address(Shape):
    line1: Annotated[str, StringConstraints(max_length=200)] | None = None
    line2: Annotated[str, StringConstraints(max_length=200)] | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    state: Annotated[str, StringConstraints(max_length=50)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None


# --- Organization ---------------------------------------------------------------------


class OrganizationCreate(Shape):
    name: ShortText
    slug: Annotated[str, StringConstraints(min_length=2, max_length=60, pattern=r"^[a-z0-9-]+$")]
    time_zone: TimeZone
    country: CountryCode = "US"
    phone: Phone | None = None
    business_hours: BusinessHours | None = None


class OrganizationUpdate(Shape):
    name: ShortText | None = None
    time_zone: TimeZone | None = None
    phone: Phone | None = None
    business_hours: BusinessHours | None = None
    active: bool | None = None
    sms_number: Phone | None = Field(default=None, description="The number patients text, E.164")
    quiet_hours_start: HourMinute | None = Field(
        default=None, description="No automated message after this local time"
    )
    quiet_hours_end: HourMinute | None = Field(default=None, description="... nor before this one")
    waitlist_batch_size: int | None = Field(
        default=None, ge=1, le=50, description="Waitlist offers per round"
    )
    waitlist_round_minutes: int | None = Field(
        default=None,
        ge=5,
        le=24 * 60,
        description="Minutes between rounds; the slot is held this long",
    )


class OrganizationRead(ReadShape):
    id: uuid.UUID
    name: str
    slug: str
    time_zone: str
    country: str
    phone: str | None
    business_hours: dict[str, list[dict[str, str]]]
    active: bool
    sms_number: str | None
    quiet_hours_start: str
    quiet_hours_end: str
    waitlist_batch_size: int
    waitlist_round_minutes: int
    created_at: datetime
    updated_at: datetime


class HolidayCreate(Shape):
    date: date
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]


class HolidayRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    date: date
    name: str


# --- Location -------------------------------------------------------------------------


class LocationCreate(Address):
    organization_id: uuid.UUID
    name: ShortText
    country: CountryCode = "US"
    time_zone: TimeZone
    phone: Phone | None = None
    telehealth_only: bool = False


class LocationUpdate(Address):
    name: ShortText | None = None
    country: CountryCode | None = None
    time_zone: TimeZone | None = None
    phone: Phone | None = None
    telehealth_only: bool | None = None
    active: bool | None = None


class LocationRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str
    time_zone: str
    phone: str | None
    telehealth_only: bool
    active: bool


# --- Practitioner ---------------------------------------------------------------------


class PractitionerCreate(Shape):
    organization_id: uuid.UUID
    prefix: Annotated[str, StringConstraints(max_length=20)] | None = None
    given_name: Name
    family_name: Name
    suffix: Annotated[str, StringConstraints(max_length=20)] | None = None
    npi: Npi | None = None
    gender: Gender = "unknown"
    specialties: list[Specialty] = Field(default_factory=list, max_length=20)
    languages: list[LanguageTag] = Field(default_factory=lambda: ["en"], max_length=20)
    email: Email | None = None
    phone: Phone | None = None


class PractitionerUpdate(Shape):
    prefix: Annotated[str, StringConstraints(max_length=20)] | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    suffix: Annotated[str, StringConstraints(max_length=20)] | None = None
    npi: Npi | None = None
    gender: Gender | None = None
    specialties: list[Specialty] | None = Field(default=None, max_length=20)
    languages: list[LanguageTag] | None = Field(default=None, max_length=20)
    email: Email | None = None
    phone: Phone | None = None
    active: bool | None = None


class PractitionerRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    prefix: str | None
    given_name: str
    family_name: str
    suffix: str | None
    display_name: str
    npi: str | None
    gender: str
    specialties: list[str]
    languages: list[str]
    email: str | None
    phone: str | None
    active: bool


# --- HealthcareService (visit type) ---------------------------------------------------


ReminderOffsets = Annotated[
    list[Annotated[int, Field(ge=15, le=60 * 24 * 60)]],
    Field(max_length=6, description="Minutes before the visit; [] for no reminders"),
]


class BookingPolicy(Shape):
    """How the calendar treats a visit type (see scheduling)."""

    buffer_before_minutes: int = Field(default=0, ge=0, le=120)
    buffer_after_minutes: int = Field(default=0, ge=0, le=120)
    slot_interval_minutes: int | None = Field(
        default=None, ge=5, le=480, description="Default: the duration"
    )
    min_notice_minutes: int = Field(default=60, ge=0, le=60 * 24 * 30)
    booking_horizon_days: int = Field(default=90, ge=1, le=730)
    max_per_day: int | None = Field(default=None, ge=1, le=200, description="Per practitioner")
    overbook_limit: int = Field(
        default=0, ge=0, le=5, description="Extra bookings allowed on one time"
    )
    hold_minutes: int = Field(
        default=10, ge=1, le=120, description="How long a proposed booking holds its slot"
    )
    reminder_offsets_minutes: ReminderOffsets = Field(default_factory=lambda: [10080, 2880, 120])
    follow_up_hours: int | None = Field(
        default=None,
        ge=1,
        le=24 * 30,
        description="Satisfaction follow-up after a fulfilled visit; none if unset",
    )
    backfill_min_hours: int = Field(
        default=2, ge=0, le=24 * 14, description="Waitlist: do not backfill slots sooner than this"
    )
    same_day_backfill_urgent_only: bool = True


class HealthcareServiceCreate(BookingPolicy):
    organization_id: uuid.UUID
    code: Code
    name: ShortText
    specialty: Specialty | None = None
    duration_minutes: int = Field(ge=5, le=24 * 60)
    modality: Modality = "in-person"
    new_patients: bool = True
    established_patients: bool = True
    patient_bookable: bool = False
    required_device_kinds: list[Code] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _someone_can_book(self) -> HealthcareServiceCreate:
        if not (self.new_patients or self.established_patients):
            raise ValueError("a visit type must accept new or established patients")
        return self


class HealthcareServiceUpdate(Shape):
    buffer_before_minutes: int | None = Field(default=None, ge=0, le=120)
    buffer_after_minutes: int | None = Field(default=None, ge=0, le=120)
    slot_interval_minutes: int | None = Field(default=None, ge=5, le=480)
    min_notice_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 30)
    booking_horizon_days: int | None = Field(default=None, ge=1, le=730)
    max_per_day: int | None = Field(default=None, ge=1, le=200)
    overbook_limit: int | None = Field(default=None, ge=0, le=5)
    hold_minutes: int | None = Field(default=None, ge=1, le=120)
    reminder_offsets_minutes: ReminderOffsets | None = None
    follow_up_hours: int | None = Field(default=None, ge=1, le=24 * 30)
    backfill_min_hours: int | None = Field(default=None, ge=0, le=24 * 14)
    same_day_backfill_urgent_only: bool | None = None
    name: ShortText | None = None
    specialty: Specialty | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=24 * 60)
    modality: Modality | None = None
    new_patients: bool | None = None
    established_patients: bool | None = None
    patient_bookable: bool | None = None
    required_device_kinds: list[Code] | None = Field(default=None, max_length=5)
    active: bool | None = None


class HealthcareServiceRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    code: str
    name: str
    specialty: str | None
    duration_minutes: int
    modality: str
    new_patients: bool
    established_patients: bool
    patient_bookable: bool
    required_device_kinds: list[str]
    active: bool
    buffer_before_minutes: int
    buffer_after_minutes: int
    slot_interval_minutes: int | None
    min_notice_minutes: int
    booking_horizon_days: int
    max_per_day: int | None
    overbook_limit: int
    hold_minutes: int
    reminder_offsets_minutes: list[int]
    follow_up_hours: int | None
    backfill_min_hours: int
    same_day_backfill_urgent_only: bool


# --- PractitionerRole -----------------------------------------------------------------


class PractitionerRoleCreate(Shape):
    organization_id: uuid.UUID
    practitioner_id: uuid.UUID
    location_id: uuid.UUID
    service_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)

    @field_validator("service_ids")
    @classmethod
    def _unique(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(value)) != len(value):
            raise ValueError("lists a visit type twice")
        return value


class PractitionerRoleUpdate(Shape):
    service_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    active: bool | None = None

    @field_validator("service_ids")
    @classmethod
    def _unique(cls, value: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        return PractitionerRoleCreate._unique(value) if value is not None else None


class PractitionerRoleRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    practitioner_id: uuid.UUID
    location_id: uuid.UUID
    service_ids: list[uuid.UUID]
    active: bool


# --- Device (room or equipment) -------------------------------------------------------


class DeviceCreate(Shape):
    organization_id: uuid.UUID
    location_id: uuid.UUID
    name: DeviceName
    category: Literal["room", "equipment"]
    kind: Code


class DeviceUpdate(Shape):
    name: DeviceName | None = None
    kind: Code | None = None
    active: bool | None = None


class DeviceRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    location_id: uuid.UUID
    name: str
    category: str
    kind: str
    active: bool
