"""The one tenant-scoping helper every repository goes through.

``scoped()`` narrows a statement to the organizations where the caller holds a
permission and marks it as scoped; the guard in :mod:`liaison.authz.guard` refuses any
query on a tenant table that lacks the mark. Trusted code with no caller (the worker,
the demo loader, CLI maintenance) says so explicitly with ``unscoped_system()``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import false
from sqlalchemy.sql import Executable

from liaison.authz.permissions import Permission
from liaison.authz.principal import AllOrganizations, Principal

SCOPE_OPTION = "liaison_tenant_scope"

S = TypeVar("S", bound=Executable)


def scoped(stmt: S, principal: Principal, model: Any, permission: Permission) -> S:
    """``stmt`` limited to rows of ``model`` in organizations where ``permission`` holds."""
    orgs = principal.organizations_with(permission)
    if not isinstance(orgs, AllOrganizations):
        condition = model.organization_id.in_(orgs) if orgs else false()
        stmt = stmt.where(condition)  # type: ignore[attr-defined]
    return stmt.execution_options(**{SCOPE_OPTION: "principal"})


def unscoped_system(stmt: S, reason: str) -> S:
    """Mark a query that runs for the system itself, not for a caller.

    ``reason`` is required so every such place says why it may see all tenants.
    """
    if not reason:
        raise ValueError("unscoped_system needs a reason")
    return stmt.execution_options(**{SCOPE_OPTION: "system"})
