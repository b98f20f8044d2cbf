"""Queries for users, seen through the memberships the caller may read."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped, unscoped_system
from liaison.models import Membership, User


def visible_memberships(
    session: Session,
    principal: Principal,
    *,
    user_ids: list[uuid.UUID] | None = None,
    organization_id: uuid.UUID | None = None,
    permission: Permission = Permission.USER_READ,
) -> list[Membership]:
    stmt = scoped(select(Membership), principal, Membership, permission)
    if user_ids is not None:
        stmt = stmt.where(Membership.user_id.in_(user_ids))
    if organization_id is not None:
        stmt = stmt.where(Membership.organization_id == organization_id)
    return list(session.scalars(stmt))


def organizations_of(session: Session, user_id: uuid.UUID) -> set[uuid.UUID]:
    """Every organization a user belongs to, to decide whether a global change (such as
    deactivating the account) is the caller's to make. Returns ids only."""
    stmt = select(Membership.organization_id).where(Membership.user_id == user_id)
    return set(session.scalars(unscoped_system(stmt, "deciding who may change a shared account")))


def users_by_id(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def platform_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.platform_role.is_not(None))))


def by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def memberships_by_user(rows: list[Membership]) -> dict[uuid.UUID, list[Membership]]:
    grouped: dict[uuid.UUID, list[Membership]] = defaultdict(list)
    for row in rows:
        grouped[row.user_id].append(row)
    return grouped
