"""Remembered results of requests sent with an ``Idempotency-Key`` header."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base


class IdempotencyRecord(Base):
    """A retried request with the same key (per user) gets the first response back.

    Written in the same transaction as the change it describes: either both exist or
    neither does, so a retry after a lost response never books twice.
    """

    __tablename__ = "idempotency_record"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # What was asked (method, route, body digest): the same key with another request
    # is an error, not a replay.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
