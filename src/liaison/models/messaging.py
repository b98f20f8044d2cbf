"""Messages to and from patients (FHIR Communication), their templates and surveys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, TenantOwned

CHANNELS = ("sms", "email", "voice", "portal")


class Communication(TenantOwned, Base):
    """One message sent to or received from a patient, on one channel."""

    __tablename__ = "communication"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "patient_id"], ["patient.organization_id", "patient.id"]
        ),
        ForeignKeyConstraint(
            ["organization_id", "appointment_id"], ["appointment.organization_id", "appointment.id"]
        ),
        CheckConstraint("channel in ('sms','email','voice','portal')", name="channel"),
        CheckConstraint("direction in ('outbound','inbound')", name="direction"),
        CheckConstraint(
            "status in ('queued','sent','delivered','failed','bounced','received','skipped')",
            name="status",
        ),
        Index(None, "organization_id", "patient_id", "created_at"),
        Index(None, "organization_id", "appointment_id"),
        Index(None, "provider_message_id"),
        UniqueConstraint("idempotency_key"),
    )

    patient_id: Mapped[uuid.UUID | None] = mapped_column()
    appointment_id: Mapped[uuid.UUID | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(10))
    # reminder, confirmation, cancellation, waitlist-offer, follow-up, no-show,
    # recall, broadcast, keyword-reply, safety, message ...
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12))
    to_address: Mapped[str | None] = mapped_column(String(254))
    from_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(120))
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()


class MessageTemplate(TenantOwned, Base):
    """An organization's own wording for one kind of message, channel and language.

    Liaison ships defaults (messaging/templates/); a row here overrides one of them.
    """

    __tablename__ = "message_template"
    __table_args__ = (
        UniqueConstraint("organization_id", "kind", "channel", "language"),
        CheckConstraint("channel in ('sms','email','voice','portal')", name="channel"),
    )

    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column()
    updated_by_user_id: Mapped[uuid.UUID | None] = mapped_column()


class SurveyResponse(TenantOwned, Base):
    """A patient's 1-5 answer to a post-visit follow-up."""

    __tablename__ = "survey_response"
    __table_args__ = (
        ForeignKeyConstraint(
            ["organization_id", "appointment_id"], ["appointment.organization_id", "appointment.id"]
        ),
        ForeignKeyConstraint(
            ["organization_id", "patient_id"], ["patient.organization_id", "patient.id"]
        ),
        CheckConstraint("score between 1 and 5", name="score"),
        Index(None, "organization_id", "appointment_id"),
        Index(None, "organization_id", "patient_id"),
    )

    appointment_id: Mapped[uuid.UUID] = mapped_column()
    patient_id: Mapped[uuid.UUID] = mapped_column()
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column()
