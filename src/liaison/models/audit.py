"""The append-only, hash-chained audit trail of access to patient data."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base

AUDIT_ACTIONS = ("create", "read", "update", "delete", "execute")
AUDIT_OUTCOMES = ("success", "denied", "failed", "error")


class AuditEvent(Base):
    """One access. ``seq`` numbers the chain; ``digest`` seals this row and the previous.

    Not a TenantOwned table: sign-in events have no organization. It is still scoped on
    read (``__tenant__``) so an admin sees only their organizations' events.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint("action in ('create','read','update','delete','execute')", name="action"),
        CheckConstraint("outcome in ('success','denied','failed','error')", name="outcome"),
        # Searches filter by one of these and page in chain order.
        Index(None, "organization_id", "seq"),
        Index(None, "patient_id", "seq"),
        Index(None, "user_id", "seq"),
        Index(None, "occurred_at"),
    )
    __tenant__: ClassVar[bool] = True

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[datetime] = mapped_column()
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    role: Mapped[str | None] = mapped_column(String(20))
    organization_id: Mapped[uuid.UUID | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(10))
    resource_type: Mapped[str] = mapped_column(String(60))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[uuid.UUID | None] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(10))
    http_status: Mapped[int | None] = mapped_column(Integer)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(64))
    # What was asked (search criteria names, result ids); never names or contact data.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest link of the chain, sealed, so deleting the last rows is detectable."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    digest: Mapped[str] = mapped_column(String(64))
    seal: Mapped[str] = mapped_column(String(64))
