"""The patient portal: who signs in (by a one-time code), whose records they may see
(their own, and those they are proxy for), how an organization routes patients to a
visit type, and files patients attach to their messages."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, TenantOwned, Timestamped, new_id


def _fk(column: str, table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organization_id", column], [f"{table}.organization_id", f"{table}.id"]
    )


class PortalAccount(Timestamped, Base):
    """A person who signs in to the portal, known by the phone number or email address
    their codes go to. Stored as a keyed digest (the destination itself is on the
    patient record); ``hint`` is what the sign-in page may show ("•••• 1234")."""

    __tablename__ = "portal_account"
    __table_args__ = (CheckConstraint("channel in ('sms','email')", name="channel"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), unique=True
    )
    channel: Mapped[str] = mapped_column(String(5))
    destination_digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(20), default="en")


class PortalCode(Base):
    """A one-time sign-in code: short-lived, single use, a few guesses at most."""

    __tablename__ = "portal_code"
    __table_args__ = (
        CheckConstraint("channel in ('sms','email')", name="channel"),
        Index(None, "destination_digest", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(5))
    destination_digest: Mapped[str] = mapped_column(String(64))
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    client_ip: Mapped[str | None] = mapped_column(String(45))


class PatientProxy(TenantOwned, Timestamped, Base):
    """Someone who may use the portal for a patient (a parent for a child, a caregiver):
    an explicit relationship with a scope and an end date, granted by staff."""

    __tablename__ = "patient_proxy"
    __table_args__ = (
        _fk("patient_id", "patient"),
        CheckConstraint(
            "relationship in ('parent','guardian','caregiver','spouse','other')",
            name="relationship",
        ),
        CheckConstraint("scope in ('read','manage')", name="scope"),
        Index(None, "organization_id", "patient_id"),
        Index(None, "proxy_user_id"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column()
    proxy_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    relationship: Mapped[str] = mapped_column(String(10))
    # read: see appointments and messages; manage: also book, change and write.
    scope: Mapped[str] = mapped_column(String(6), default="manage")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column()
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column()


class VisitQuestionFlow(TenantOwned, Base):
    """An organization's short question flow that routes a patient to the right visit
    type. Versioned; the newest is used.

    ``tree``: {"question": {"en": "...", "es": "..."}, "answers": [{"label": {"en": ...,
    "es": ...}, "next": <tree>} | {"label": ..., "service_code": "<healthcare_service
    code>"}]}.
    """

    __tablename__ = "visit_question_flow"
    __table_args__ = (UniqueConstraint("organization_id", "version"),)

    version: Mapped[int] = mapped_column(Integer)
    tree: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column()


class Attachment(TenantOwned, Base):
    """A file a patient attached to a portal message (an image or a PDF), checked by
    its content and size before it is stored."""

    __tablename__ = "attachment"
    __table_args__ = (
        _fk("communication_id", "communication"),
        Index(None, "organization_id", "communication_id"),
    )

    communication_id: Mapped[uuid.UUID] = mapped_column()
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column()
