"""Administration done from the command line, as the system rather than a user."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from liaison.auth.passwords import check_strength
from liaison.authz.permissions import PlatformRole, Role
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.models import Membership, Organization, User
from liaison.runtime import Runtime


def create_user(
    runtime: Runtime,
    *,
    email: str,
    display_name: str,
    password: str,
    organization_slug: str | None,
    role: str | None,
    platform_role: str | None,
) -> uuid.UUID:
    if platform_role is not None and platform_role not in {r.value for r in PlatformRole}:
        raise InvalidInput("platform_role", "must be operator or staffing_manager")
    if role is not None and role not in {r.value for r in Role}:
        raise InvalidInput("role", "must be admin, coordinator, practitioner or patient")
    if (organization_slug is None) != (role is None):
        raise InvalidInput("organization", "give both --organization and --role, or neither")
    if organization_slug is None and platform_role is None:
        raise InvalidInput("role", "give --organization with --role, or --platform-role")
    check_strength(password)
    with runtime.db.session() as session:
        normalized = email.strip().lower()
        if session.scalar(select(User).where(User.email == normalized)) is not None:
            raise Conflict("A user with this e-mail address exists")
        user = User(
            email=normalized,
            display_name=display_name,
            password_hash=runtime.passwords.hash(password),
            platform_role=platform_role,
            password_changed_at=clock.now(),
        )
        session.add(user)
        session.flush()
        if organization_slug is not None:
            org = session.scalar(select(Organization).where(Organization.slug == organization_slug))
            if org is None:
                raise NotFound("Organization")
            session.add(Membership(organization_id=org.id, user_id=user.id, role=role))
        return user.id
