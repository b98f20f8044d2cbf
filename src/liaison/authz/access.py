"""Fetch-and-authorize helpers shared by repositories.

``access_one`` is the only way a handler-facing function loads a tenant row by id: it
filters by the caller's organizations in the same query, so a row of another
organization is simply not found (404), never "forbidden" (which would confirm it
exists).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped
from liaison.errors import InvalidInput, NotFound

M = TypeVar("M")


def access_one(
    session: Session,
    principal: Principal,
    model: type[M],
    row_id: uuid.UUID,
    permission: Permission,
    resource: str,
    *,
    for_update: bool = False,
) -> M:
    stmt: Select[Any] = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    found = session.scalar(scoped(stmt, principal, model, permission))
    if found is None:
        raise NotFound(resource)
    return found


def referenced(
    session: Session,
    principal: Principal,
    model: type[M],
    organization_id: uuid.UUID,
    row_id: uuid.UUID,
    permission: Permission,
    field: str,
) -> M:
    """A row named in a request body: must exist in the same organization, else 422."""
    stmt = select(model).where(
        model.id == row_id,  # type: ignore[attr-defined]
        model.organization_id == organization_id,  # type: ignore[attr-defined]
    )
    found = session.scalar(scoped(stmt, principal, model, permission))
    if found is None:
        raise InvalidInput(field, "does not exist in this organization")
    return found


def referenced_many(
    session: Session,
    principal: Principal,
    model: type[M],
    organization_id: uuid.UUID,
    row_ids: Sequence[uuid.UUID],
    permission: Permission,
    field: str,
) -> list[M]:
    if not row_ids:
        return []
    stmt = select(model).where(
        model.id.in_(row_ids),  # type: ignore[attr-defined]
        model.organization_id == organization_id,  # type: ignore[attr-defined]
    )
    found = list(session.scalars(scoped(stmt, principal, model, permission)))
    if len(found) != len(set(row_ids)):
        known = {row.id for row in found}  # type: ignore[attr-defined]
        index = next(i for i, rid in enumerate(row_ids) if rid not in known)
        raise InvalidInput(f"{field}[{index}]", "does not exist in this organization")
    return found
