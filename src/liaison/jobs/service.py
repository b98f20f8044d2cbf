"""The outbox seen by people: what failed for good (dead letters), and retrying it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from liaison.authz.permissions import Permission, PlatformRole
from liaison.authz.scope import unscoped_system
from liaison.context import Context
from liaison.errors import Conflict, NotFound, PermissionDenied
from liaison.kit import clock
from liaison.models import OutboxMessage

ADMIN = Permission.DIRECTORY_WRITE


def _visible(ctx: Context, organization_id: uuid.UUID | None) -> None:
    principal = ctx.caller
    if principal.platform_role == PlatformRole.OPERATOR:
        return
    if organization_id is None:
        raise PermissionDenied("Only an operator sees messages that belong to no organization")
    ctx.require(ADMIN, organization_id)


def list_messages(
    ctx: Context, status: str, organization_id: uuid.UUID | None, limit: int = 200
) -> list[OutboxMessage]:
    _visible(ctx, organization_id)
    stmt = select(OutboxMessage).where(OutboxMessage.status == status)
    if organization_id is not None:
        stmt = stmt.where(OutboxMessage.organization_id == organization_id)
    stmt = stmt.order_by(OutboxMessage.created_at.desc()).limit(limit)
    # The outbox is not a tenant table (the worker serves everyone); visibility is the
    # organization check above.
    return list(ctx.session.scalars(unscoped_system(stmt, "checked by _visible")))


def retry(ctx: Context, message_id: uuid.UUID) -> OutboxMessage:
    message = ctx.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("Outbox message")
    try:
        _visible(ctx, message.organization_id)
    except PermissionDenied:
        raise NotFound("Outbox message") from None
    if message.status != "dead":
        raise Conflict(f"Only a dead message can be retried; this one is {message.status}")
    message.status = "pending"
    message.attempts = 0
    message.available_at = clock.now()
    message.last_error = None
    ctx.session.flush()
    ctx.audit(
        "execute",
        "OutboxMessage",
        message.id,
        organization_id=message.organization_id,
        change="retry",
    )
    return message
