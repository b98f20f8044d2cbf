"""Queries for users, sessions, tokens and throttles (none of them tenant tables)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liaison.authz.scope import unscoped_system
from liaison.models import ApiToken, LoginThrottle, Membership, User, UserSession


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def session_by_digest(session: Session, digest: str) -> UserSession | None:
    return session.scalar(select(UserSession).where(UserSession.token_digest == digest))


def token_by_digest(session: Session, digest: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_digest == digest))


def token_and_user(session: Session, digest: str) -> tuple[ApiToken, User] | None:
    """A token with its user in one round trip (every API request does this)."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_digest == digest)
    ).first()
    return (row[0], row[1]) if row is not None else None


def session_and_user(session: Session, digest: str) -> tuple[UserSession, User] | None:
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_digest == digest)
    ).first()
    return (row[0], row[1]) if row is not None else None


def memberships_of(session: Session, user_id: uuid.UUID) -> list[Membership]:
    # A caller's own memberships decide their scope, so they are read before any scope
    # exists: the one tenant-table read that cannot go through scoped().
    stmt = select(Membership).where(Membership.user_id == user_id, Membership.active.is_(True))
    return list(session.scalars(unscoped_system(stmt, "building the caller's own scope")))


def tokens_of(session: Session, user_id: uuid.UUID) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
    return list(session.scalars(stmt))


def revoke_sessions(
    session: Session, user_id: uuid.UUID, now: datetime, *, keep: uuid.UUID | None = None
) -> None:
    stmt = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    session.execute(stmt.values(revoked_at=now))


def revoke_tokens(session: Session, user_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def throttles(session: Session, keys: list[str]) -> list[LoginThrottle]:
    return list(session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))))
