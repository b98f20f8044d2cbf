"""Queries for openings and what they require; tenant tables go through ``scoped``."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped
from liaison.kit.keyset import page_of, paginate
from liaison.models import ClientCourseRequirement, Course, Opening, Organization, Placement

READ = Permission.STAFFING_READ


def page(
    session: Session,
    principal: Principal,
    *,
    organization_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Opening], str | None]:
    stmt = scoped(select(Opening), principal, Opening, READ)
    if organization_id is not None:
        stmt = stmt.where(Opening.organization_id == organization_id)
    if status is not None:
        stmt = stmt.where(Opening.status == status)
    order = (Opening.id,)
    rows = list(session.scalars(paginate(stmt, order, limit=limit, cursor=cursor)))
    return page_of(rows, order, limit)


def by_ids(session: Session, principal: Principal, ids: list[uuid.UUID]) -> list[Opening]:
    if not ids:
        return []
    stmt = scoped(select(Opening).where(Opening.id.in_(ids)), principal, Opening, READ)
    return list(session.scalars(stmt))


def active_counts(
    session: Session, principal: Principal, opening_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not opening_ids:
        return {}
    stmt = scoped(
        select(Placement.opening_id, func.count())
        .where(Placement.opening_id.in_(opening_ids), Placement.status == "active")
        .group_by(Placement.opening_id),
        principal,
        Placement,
        READ,
    )
    return {oid: int(n) for oid, n in session.execute(stmt)}


def organization_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(list(ids)))
        ).all()  # type: ignore[arg-type]
    )


def client_course_ids(
    session: Session, principal: Principal, organization_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if not organization_ids:
        return found
    stmt = scoped(
        select(ClientCourseRequirement).where(
            ClientCourseRequirement.organization_id.in_(list(organization_ids))
        ),
        principal,
        ClientCourseRequirement,
        READ,
    )
    for row in session.scalars(stmt):
        found[row.organization_id].append(row.course_id)
    return found


def role_course_ids(session: Session, role: str) -> list[uuid.UUID]:
    # required_for_roles is a short JSON list on a small catalog: read and filter here.
    courses = session.scalars(select(Course).where(Course.active.is_(True)))
    return [c.id for c in courses if role in (c.required_for_roles or [])]


def courses(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Course]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Course).where(Course.id.in_(ids)))}
