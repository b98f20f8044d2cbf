"""The authenticated caller and what they may do where."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from liaison.authz.permissions import (
    PLATFORM_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    PlatformRole,
    Role,
)


class AllOrganizations:
    """Sentinel: a platform role holds the permission in every organization."""

    def __repr__(self) -> str:
        return "ALL_ORGANIZATIONS"


ALL_ORGANIZATIONS = AllOrganizations()


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    email: str
    display_name: str
    platform_role: PlatformRole | None
    memberships: Mapping[uuid.UUID, Role]
    # Set when the caller came in with an API token (None for a browser session).
    api_token_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    practitioner_ids: Mapping[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    patient_ids: Mapping[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def organizations_with(self, permission: Permission) -> frozenset[uuid.UUID] | AllOrganizations:
        if self.platform_role and permission in PLATFORM_PERMISSIONS[self.platform_role]:
            return ALL_ORGANIZATIONS
        return frozenset(
            org for org, role in self.memberships.items() if permission in ROLE_PERMISSIONS[role]
        )

    def can(self, permission: Permission, organization_id: uuid.UUID | None = None) -> bool:
        orgs = self.organizations_with(permission)
        if isinstance(orgs, AllOrganizations):
            return True
        if organization_id is None:
            return bool(orgs)
        return organization_id in orgs

    def role_in(self, organization_id: uuid.UUID | None) -> str | None:
        if organization_id is not None and organization_id in self.memberships:
            return self.memberships[organization_id].value
        return self.platform_role.value if self.platform_role else None

    @property
    def organization_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(self.memberships)
