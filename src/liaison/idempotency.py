"""Idempotency-Key handling: a retried request gets the first response back.

The record is claimed at the start of the unit of work and completed in the same
transaction as the change. A concurrent retry with the same key waits on the claim
(PostgreSQL's unique index; SQLite's write lock) and then replays the stored result,
so a client that lost its connection and retried never books twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.kit import clock
from liaison.models import IdempotencyRecord

PENDING = 0
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


def fingerprint(method: str, route: str, body: Any) -> str:
    raw = json.dumps([method, route, body], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def claim(ctx: Context, key: str, print_: str) -> Replay | None:
    """Claim ``key`` for this request, or return the earlier result to replay."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput("Idempotency-Key", f"must be 1-{MAX_KEY_LENGTH} printable characters")
    user_id = ctx.caller.user_id
    session = ctx.session
    existing = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )
    if existing is None:
        try:
            with session.begin_nested():
                session.add(
                    IdempotencyRecord(
                        user_id=user_id,
                        key=key,
                        fingerprint=print_,
                        status_code=PENDING,
                        body={},
                        created_at=clock.now(),
                    )
                )
                session.flush()
            return None
        except IntegrityError:
            # Another request with this key committed first: replay what it did.
            existing = session.scalar(
                select(IdempotencyRecord)
                .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
                .execution_options(populate_existing=True)
            )
            if existing is None:  # pragma: no cover - the winner rolled back meanwhile
                raise Conflict(
                    "A request with this Idempotency-Key is in progress; retry"
                ) from None
    if existing.fingerprint != print_:
        raise InvalidInput("Idempotency-Key", "was already used for a different request")
    if existing.status_code == PENDING:
        raise Conflict("A request with this Idempotency-Key is in progress; retry")
    return Replay(existing.status_code, existing.body)


def complete(ctx: Context, key: str, status_code: int, body: dict[str, Any]) -> None:
    record = ctx.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == ctx.caller.user_id, IdempotencyRecord.key == key
        )
    )
    if record is not None:
        record.status_code = status_code
        record.body = body
        ctx.session.flush()
