"""API shapes of messaging, the outbox and the waitlist."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints, ValidationInfo, field_validator

from liaison.kit.validation import ReadShape, Shape
from liaison.scheduling.schemas import TimeWindow

Channel = Literal["sms", "email", "portal"]


class CommunicationRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    patient_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    channel: str
    direction: str
    kind: str
    status: str
    to_address: str | None
    from_address: str | None
    subject: str | None
    body: str
    language: str | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


class MessageCreate(Shape):
    organization_id: uuid.UUID
    patient_id: uuid.UUID
    body: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    channel: Channel | None = None


class Queued(ReadShape):
    id: uuid.UUID
    status: str
    available_at: datetime


class TemplateRead(ReadShape):
    kind: str
    channel: str
    language: str
    subject: str | None
    body: str
    overridden: bool


class TemplateWrite(Shape):
    subject: Annotated[str, StringConstraints(max_length=200)] | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class TemplatePreview(Shape):
    kind: Annotated[str, StringConstraints(max_length=30)]
    channel: Channel
    language: Annotated[str, StringConstraints(max_length=20)] = "en"
    subject: Annotated[str, StringConstraints(max_length=200)] | None = None
    body: Annotated[str, StringConstraints(max_length=2000)] | None = None


class Rendered(ReadShape):
    subject: str | None
    body: str


class BroadcastCreate(Shape):
    organization_id: uuid.UUID
    location_id: uuid.UUID
    date: date
    note: Annotated[str, StringConstraints(min_length=1, max_length=300)]


class RecallCampaignCreate(Shape):
    organization_id: uuid.UUID
    healthcare_service_id: uuid.UUID
    months: int = Field(ge=1, le=120)


class RecallRead(ReadShape):
    patient_id: uuid.UUID
    given_name: str
    family_name: str
    last_visit: datetime


class Count(ReadShape):
    count: int


class OutboxRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID | None
    topic: str
    status: str
    attempts: int
    available_at: datetime
    last_error: str | None
    created_at: datetime
    payload: dict[str, Any]


# --- Waitlist -------------------------------------------------------------------------


class EntryCreate(Shape):
    organization_id: uuid.UUID
    patient_id: uuid.UUID
    healthcare_service_id: uuid.UUID
    practitioner_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    location_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    earliest_date: date | None = None
    latest_date: date | None = None
    times_of_day: list[TimeWindow] = Field(default_factory=list, max_length=6)
    priority: Literal["routine", "urgent"] = "routine"
    reason: Annotated[str, StringConstraints(max_length=200)] | None = None
    expires_at: AwareDatetime | None = None
    current_appointment_id: uuid.UUID | None = None

    @field_validator("latest_date")
    @classmethod
    def _window(cls, value: date | None, info: ValidationInfo) -> date | None:
        earliest = info.data.get("earliest_date")
        if value is not None and earliest is not None and value < earliest:
            raise ValueError("must not be before earliest_date")
        return value


class EntryRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    patient_id: uuid.UUID
    healthcare_service_id: uuid.UUID
    practitioner_ids: list[str]
    location_ids: list[str]
    earliest_date: date | None
    latest_date: date | None
    times_of_day: list[dict[str, Any]]
    priority: str
    reason: str | None
    expires_at: datetime | None
    status: str
    current_appointment_id: uuid.UUID | None
    booked_appointment_id: uuid.UUID | None
    offers_count: int
    days_gained: int | None
    created_at: datetime


class OfferRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    entry_id: uuid.UUID
    patient_id: uuid.UUID
    hold_appointment_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    practitioner_role_id: uuid.UUID
    status: str
    sent_at: datetime
    expires_at: datetime
    responded_at: datetime | None


class WaitlistMetrics(ReadShape):
    entries_active: int
    offers_sent: int
    offers_accepted: int
    slots_filled: int
    days_gained: int
