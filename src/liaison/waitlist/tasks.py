"""The waitlist's background work: offering freed slots, and the next round when a
round's hold runs out with no taker."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update

from liaison.authz.scope import unscoped_system
from liaison.context import Context
from liaison.jobs import registry
from liaison.kit import clock
from liaison.models import OutboxMessage, WaitlistEntry
from liaison.waitlist import service


@registry.handles("appointment.cancelled")
def offer_freed_slot(ctx: Context, message: OutboxMessage) -> None:
    payload = message.payload
    start = datetime.fromisoformat(payload["start"])
    if start <= clock.now() or message.organization_id is None:
        return
    service.backfill(
        ctx,
        organization_id=message.organization_id,
        service_id=uuid.UUID(payload["healthcare_service_id"]),
        role_id=uuid.UUID(payload["practitioner_role_id"]),
        start=start,
    )


@registry.sweep("waitlist-rounds", every_seconds=60)
def next_rounds(ctx: Context) -> int:
    return service.next_rounds(ctx)


@registry.sweep("waitlist-expiry", every_seconds=3600)
def expire_entries(ctx: Context) -> None:
    stmt = (
        update(WaitlistEntry)
        .where(WaitlistEntry.status == "active", WaitlistEntry.expires_at <= clock.now())
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    ctx.session.execute(unscoped_system(stmt, "expiring entries of every organization"))
