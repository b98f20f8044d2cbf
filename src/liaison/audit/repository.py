"""Reading and appending audit rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped, unscoped_system
from liaison.models import AuditEvent, AuditHead

HEAD_ID = 1


def lock_head(session: Session) -> AuditHead:
    """The chain head, locked until commit so appends are strictly one after another.

    On PostgreSQL the row lock serialises concurrent transactions at the moment they
    append (at the end of their work, so the lock is held only for the final insert and
    commit). On SQLite the transaction already holds the database write lock.
    """
    stmt = select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    found = session.execute(stmt).scalar_one_or_none()
    if found is None:
        # The first append ever. Two transactions may get here at once: the insert that
        # loses waits for the winner and then does nothing, and both read the row locked.
        table = AuditHead.__table__
        values = {"id": HEAD_ID, "seq": 0, "digest": "0" * 64, "seal": ""}
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        session.execute(
            insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"])
        )
        found = session.execute(stmt).scalar_one()
    return found


def iter_chain(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    stmt = unscoped_system(
        select(AuditEvent).order_by(AuditEvent.seq), "verification reads the whole chain"
    )
    yield from session.scalars(stmt.execution_options(yield_per=batch))


def get_head(session: Session) -> AuditHead | None:
    return session.get(AuditHead, HEAD_ID)


def search(
    session: Session,
    principal: Principal,
    *,
    since: datetime | None,
    until: datetime | None,
    user_id: uuid.UUID | None,
    patient_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    action: str | None,
    outcome: str | None,
    order: Literal["asc", "desc"],
    limit: int,
    after_seq: int | None,
) -> list[AuditEvent]:
    stmt = scoped(select(AuditEvent), principal, AuditEvent, Permission.AUDIT_READ)
    if since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    if user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == user_id)
    if patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == patient_id)
    if organization_id is not None:
        stmt = stmt.where(AuditEvent.organization_id == organization_id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    if outcome is not None:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if after_seq is not None:
        stmt = stmt.where(
            AuditEvent.seq > after_seq if order == "asc" else AuditEvent.seq < after_seq
        )
    stmt = stmt.order_by(AuditEvent.seq.asc() if order == "asc" else AuditEvent.seq.desc())
    return list(session.scalars(stmt.limit(limit)))
