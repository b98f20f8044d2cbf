"""Directory queries, always scoped to the caller's organizations."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped
from liaison.kit.keyset import page_of, paginate
from liaison.models import (
    Device,
    HealthcareService,
    Location,
    Organization,
    OrganizationHoliday,
    Practitioner,
    PractitionerRole,
    PractitionerRoleService,
)

M = TypeVar("M")

ORDER: dict[type[Any], tuple[InstrumentedAttribute[Any], ...]] = {
    Location: (Location.name, Location.id),
    Practitioner: (Practitioner.family_name, Practitioner.given_name, Practitioner.id),
    HealthcareService: (HealthcareService.name, HealthcareService.id),
    PractitionerRole: (PractitionerRole.id,),
    Device: (Device.name, Device.id),
}


def list_page(
    session: Session,
    principal: Principal,
    model: type[M],
    *,
    organization_id: uuid.UUID | None,
    active: bool | None,
    filters: list[Any],
    limit: int,
    cursor: str | None,
) -> tuple[list[M], str | None]:
    stmt = scoped(select(model), principal, model, Permission.DIRECTORY_READ)
    if organization_id is not None:
        stmt = stmt.where(model.organization_id == organization_id)  # type: ignore[attr-defined]
    if active is not None:
        stmt = stmt.where(model.active.is_(active))  # type: ignore[attr-defined]
    for condition in filters:
        stmt = stmt.where(condition)
    order = ORDER[model]
    rows = list(session.scalars(paginate(stmt, order, limit=limit, cursor=cursor)))
    return page_of(rows, order, limit)


def organizations(session: Session, principal: Principal) -> list[Organization]:
    # Organization is the tenant itself: visible where the caller has any directory
    # right (its own memberships, or every one for platform roles).
    orgs = principal.organizations_with(Permission.DIRECTORY_READ)
    stmt = select(Organization).order_by(Organization.name)
    if isinstance(orgs, frozenset):
        stmt = stmt.where(Organization.id.in_(orgs))
    return list(session.scalars(stmt))


def organization(session: Session, principal: Principal, org_id: uuid.UUID) -> Organization | None:
    if not principal.can(Permission.DIRECTORY_READ, org_id):
        return None
    return session.get(Organization, org_id)


def organization_by_slug(session: Session, slug: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.slug == slug))


def holidays(
    session: Session, principal: Principal, org_id: uuid.UUID
) -> list[OrganizationHoliday]:
    stmt = scoped(
        select(OrganizationHoliday).where(OrganizationHoliday.organization_id == org_id),
        principal,
        OrganizationHoliday,
        Permission.DIRECTORY_READ,
    )
    return list(session.scalars(stmt.order_by(OrganizationHoliday.date)))


def role_service_ids(
    session: Session, principal: Principal, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    if not role_ids:
        return {}
    stmt = scoped(
        select(PractitionerRoleService).where(
            PractitionerRoleService.practitioner_role_id.in_(role_ids)
        ),
        principal,
        PractitionerRoleService,
        Permission.DIRECTORY_READ,
    )
    by_role: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for link in session.scalars(stmt):
        by_role[link.practitioner_role_id].append(link.healthcare_service_id)
    return by_role


def replace_role_services(
    session: Session, principal: Principal, role: PractitionerRole, service_ids: list[uuid.UUID]
) -> None:
    stmt = delete(PractitionerRoleService).where(
        PractitionerRoleService.organization_id == role.organization_id,
        PractitionerRoleService.practitioner_role_id == role.id,
    )
    session.execute(scoped(stmt, principal, PractitionerRoleService, Permission.DIRECTORY_WRITE))
    session.add_all(
        PractitionerRoleService(
            organization_id=role.organization_id,
            practitioner_role_id=role.id,
            healthcare_service_id=service_id,
        )
        for service_id in service_ids
    )
