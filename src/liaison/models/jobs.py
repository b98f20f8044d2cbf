"""The outbox: everything that leaves the process, written in the transaction that
caused it, and delivered by the worker after commit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, new_id


class OutboxMessage(Base):
    """A domain event or an outbound message waiting for the worker.

    Not a tenant table: the worker serves every organization. ``organization_id`` is
    kept so handlers act within the right tenant, and for sharding.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(
            "status in ('pending','processing','done','dead','cancelled')", name="status"
        ),
        Index(None, "status", "available_at"),
        Index(None, "topic", "created_at"),
        Index(None, "appointment_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID | None] = mapped_column()
    topic: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column()
    # Unique per message; passed to outside providers so a resend after a crash is
    # recognised as the same message.
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column()
    locked_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    # The appointment a message is about (a reminder): cancelling the appointment
    # cancels its pending messages in the same transaction.
    appointment_id: Mapped[uuid.UUID | None] = mapped_column()


class JobSchedule(Base):
    """A periodic sweep: the worker runs it when due and sets the next time.

    Kept in the database, not in timers, so a sweep survives restarts and runs once
    however many workers there are (the due row is claimed with a lock).
    """

    __tablename__ = "job_schedule"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    next_run_at: Mapped[datetime] = mapped_column()
    last_run_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
