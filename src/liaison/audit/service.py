"""Appending to the audit chain and verifying it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from liaison.audit import repository, rules
from liaison.audit.trail import PendingAudit
from liaison.authz.principal import Principal
from liaison.errors import InvalidInput
from liaison.kit import clock
from liaison.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who did it, from where: the same for every record of one unit of work."""

    user_id: uuid.UUID | None
    role_lookup: Callable[[uuid.UUID | None], str | None]
    client_ip: str | None
    request_id: str | None


def append(
    session: Session,
    key: bytes,
    actor: Actor,
    records: Sequence[PendingAudit],
    outcome: str,
    http_status: int,
) -> None:
    """Write ``records`` at the end of the chain, inside the caller's transaction."""
    if not records:
        return
    head = repository.lock_head(session)
    seq, prev = head.seq, head.digest
    at = clock.now()
    rows = []
    for record in records:
        seq += 1
        row = {
            "seq": seq,
            "occurred_at": at,
            "user_id": actor.user_id,
            "role": actor.role_lookup(record.organization_id),
            "organization_id": record.organization_id,
            "action": record.action,
            "resource_type": record.resource_type,
            "resource_id": record.resource_id,
            "patient_id": record.patient_id,
            "outcome": outcome,
            "http_status": http_status,
            "client_ip": actor.client_ip,
            "request_id": actor.request_id,
            "details": record.details,
        }
        digest = rules.row_digest(key, prev, row)
        rows.append({**row, "prev_digest": prev, "digest": digest})
        prev = digest
    session.execute(insert(AuditEvent), rows)
    head.seq, head.digest, head.seal = seq, prev, rules.head_seal(key, seq, prev)
    session.flush()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    rows: int
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    session: Session, key: bytes, progress: Callable[[int], None] | None = None
) -> VerifyReport:
    """Walk the chain; report every row whose seal, order or link does not hold."""
    problems: list[ChainProblem] = []
    expected_seq, prev, count = 1, rules.GENESIS_DIGEST, 0
    for event in repository.iter_chain(session):
        count += 1
        if event.seq != expected_seq:
            kind = "rows missing before this one" if event.seq > expected_seq else "out of order"
            problems.append(ChainProblem(event.seq, kind))
        if event.prev_digest != prev:
            problems.append(ChainProblem(event.seq, "does not link to the previous row"))
        row = {name: getattr(event, name) for name in rules.SEALED_FIELDS}
        if rules.row_digest(key, event.prev_digest, row) != event.digest:
            problems.append(ChainProblem(event.seq, "contents changed after it was written"))
        prev, expected_seq = event.digest, event.seq + 1
        if progress is not None:
            progress(count)
    head = repository.get_head(session)
    last_seq = expected_seq - 1
    if head is None:
        if count:
            problems.append(ChainProblem(last_seq, "chain head is missing"))
    elif head.seq != 0 or count:
        if head.seal != rules.head_seal(key, head.seq, head.digest):
            problems.append(ChainProblem(head.seq, "chain head seal is invalid"))
        if head.seq > last_seq:
            problems.append(ChainProblem(last_seq + 1, f"rows {last_seq + 1}..{head.seq} deleted"))
        elif head.seq < last_seq:
            problems.append(ChainProblem(head.seq + 1, "rows appended outside Liaison"))
        elif head.digest != prev:
            problems.append(ChainProblem(last_seq, "last row does not match the chain head"))
    return VerifyReport(rows=count, problems=problems)


AUDIT_SEARCH_MAX = 500


def search(
    session: Session,
    principal: Principal,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    user_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    action: str | None = None,
    outcome: str | None = None,
    order: Literal["asc", "desc"] = "desc",
    limit: int = 50,
    after_seq: int | None = None,
) -> list[AuditEvent]:
    if since and until and since >= until:
        raise InvalidInput("until", "must be after since")
    return repository.search(
        session,
        principal,
        since=since,
        until=until,
        user_id=user_id,
        patient_id=patient_id,
        organization_id=organization_id,
        action=action,
        outcome=outcome,
        order=order,
        limit=min(limit, AUDIT_SEARCH_MAX),
        after_seq=after_seq,
    )
