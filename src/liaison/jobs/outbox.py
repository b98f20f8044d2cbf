"""Writing to the outbox, inside the caller's transaction.

A row written here leaves the process only after the transaction commits (the worker
picks it up); if the transaction rolls back, the message never existed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from liaison.kit import clock
from liaison.models import OutboxMessage


def enqueue(
    session: Session,
    topic: str,
    payload: dict[str, Any],
    *,
    idempotency_key: str,
    organization_id: uuid.UUID | None,
    available_at: datetime | None = None,
) -> OutboxMessage:
    now = clock.now()
    message = OutboxMessage(
        organization_id=organization_id,
        topic=topic,
        payload=payload,
        idempotency_key=idempotency_key,
        status="pending",
        attempts=0,
        available_at=available_at or now,
        created_at=now,
    )
    session.add(message)
    return message
