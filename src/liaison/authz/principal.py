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
    # The background worker acting for Liaison itself (sending reminders, filling freed
    # slots). Never a person; only the worker constructs it (see ``system_principal``).
    system: bool = False
    # Permissions lent for one portal action: the portal has checked that the caller
    # may act for the patient concerned, and lends what the scheduling or messaging
    # service needs in that one organization (``liaison.portal.access.acting_for``).
    # Never set on a principal that outlives the action.
    delegated: Mapping[uuid.UUID, frozenset[Permission]] = field(default_factory=dict)

    def organizations_with(self, permission: Permission) -> frozenset[uuid.UUID] | AllOrganizations:
        if self.system:
            return ALL_ORGANIZATIONS
        if self.platform_role and permission in PLATFORM_PERMISSIONS[self.platform_role]:
            return ALL_ORGANIZATIONS
        return frozenset(
            org for org, role in self.memberships.items() if permission in ROLE_PERMISSIONS[role]
        ) | frozenset(org for org, lent in self.delegated.items() if permission in lent)

    def can(self, permission: Permission, organization_id: uuid.UUID | None = None) -> bool:
        orgs = self.organizations_with(permission)
        if isinstance(orgs, AllOrganizations):
            return True
        if organization_id is None:
            return bool(orgs)
        return organization_id in orgs

    def role_in(self, organization_id: uuid.UUID | None) -> str | None:
        if self.system:
            return "system"
        if organization_id is not None and organization_id in self.memberships:
            return self.memberships[organization_id].value
        return self.platform_role.value if self.platform_role else None

    @property
    def organization_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(self.memberships)


SYSTEM_USER_ID = uuid.UUID(int=0)


def system_principal() -> Principal:
    """The worker's identity: every organization, recorded in the audit trail as
    role "system" with the nil user id."""
    return Principal(
        user_id=SYSTEM_USER_ID,
        email="system@liaison.invalid",
        display_name="Liaison",
        platform_role=None,
        memberships={},
        system=True,
    )
