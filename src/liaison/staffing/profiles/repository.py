"""Queries for coordinator profiles. ``coordinator`` is the partner's own (global)
table; placements are read through ``scoped`` so a client's admin sees only theirs."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped
from liaison.models import (
    Coordinator,
    CoordinatorCertification,
    Membership,
    Opening,
    Organization,
    Placement,
    User,
)
from liaison.models.staffing import LIVE_PLACEMENT_STATUSES

READ = Permission.STAFFING_READ


def with_users(
    session: Session,
    *,
    coordinator_ids: Iterable[uuid.UUID] | None = None,
    status: str | None = None,
    name_like: str | None = None,
) -> list[tuple[Coordinator, User]]:
    stmt = select(Coordinator, User).join(User, User.id == Coordinator.user_id)
    if coordinator_ids is not None:
        stmt = stmt.where(Coordinator.id.in_(list(coordinator_ids)))
    if status is not None:
        stmt = stmt.where(Coordinator.status == status)
    if name_like:
        stmt = stmt.where(func.lower(User.display_name).like(f"%{name_like.lower()}%"))
    return [(row[0], row[1]) for row in session.execute(stmt)]


def by_user(session: Session, user_id: uuid.UUID) -> Coordinator | None:
    return session.scalar(select(Coordinator).where(Coordinator.user_id == user_id))


def placed_coordinator_ids(session: Session, principal: Principal) -> set[uuid.UUID]:
    """Coordinators with a placement the caller may see (any state)."""
    stmt = scoped(select(Placement.coordinator_id).distinct(), principal, Placement, READ)
    return set(session.scalars(stmt))


def placed_percent(
    session: Session, principal: Principal, coordinator_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """FTE (in percent) taken by live placements, per coordinator."""
    if not coordinator_ids:
        return {}
    stmt = scoped(
        select(Placement.coordinator_id, func.sum(Placement.fte_percent))
        .where(
            Placement.coordinator_id.in_(coordinator_ids),
            Placement.status.in_(LIVE_PLACEMENT_STATUSES),
        )
        .group_by(Placement.coordinator_id),
        principal,
        Placement,
        READ,
    )
    return {cid: int(total or 0) for cid, total in session.execute(stmt)}


def certifications(
    session: Session, coordinator_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[CoordinatorCertification]]:
    found: dict[uuid.UUID, list[CoordinatorCertification]] = defaultdict(list)
    if not coordinator_ids:
        return found
    stmt = (
        select(CoordinatorCertification)
        .where(CoordinatorCertification.coordinator_id.in_(coordinator_ids))
        .order_by(CoordinatorCertification.code, CoordinatorCertification.issued_on)
    )
    for row in session.scalars(stmt):
        found[row.coordinator_id].append(row)
    return found


def placements_of(
    session: Session, principal: Principal, coordinator_id: uuid.UUID
) -> list[tuple[Placement, Opening, str]]:
    """The coordinator's placements the caller may see, with opening and client name."""
    stmt = scoped(
        select(Placement, Opening, Organization.name)
        .join(
            Opening,
            (Opening.organization_id == Placement.organization_id)
            & (Opening.id == Placement.opening_id),
        )
        .join(Organization, Organization.id == Placement.organization_id)
        .where(Placement.coordinator_id == coordinator_id)
        .order_by(Placement.proposed_at.desc()),
        principal,
        Placement,
        READ,
    )
    return [(row[0], row[1], row[2]) for row in session.execute(stmt)]


def organizations_of_user(
    session: Session, principal: Principal, user_id: uuid.UUID
) -> set[uuid.UUID]:
    """Organizations where the user is a member and the caller may see users."""
    stmt = scoped(
        select(Membership.organization_id).where(Membership.user_id == user_id),
        principal,
        Membership,
        Permission.USER_READ,
    )
    return set(session.scalars(stmt))
