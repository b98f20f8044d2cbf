"""API shapes of users and their memberships."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from liaison.kit.validation import Email, ReadShape, Shape

RoleName = Literal["admin", "coordinator", "practitioner", "patient"]
PlatformRoleName = Literal["operator", "staffing_manager"]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)]


class MembershipCreate(Shape):
    organization_id: uuid.UUID
    role: RoleName
    practitioner_id: uuid.UUID | None = None


class MembershipUpdate(Shape):
    role: RoleName | None = None
    practitioner_id: uuid.UUID | None = None
    active: bool | None = None


class MembershipRead(ReadShape):
    organization_id: uuid.UUID
    role: str
    practitioner_id: uuid.UUID | None
    active: bool


class UserCreate(Shape):
    email: Email
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    password: Password
    platform_role: PlatformRoleName | None = None
    memberships: list[MembershipCreate] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _somewhere_to_work(self) -> UserCreate:
        if not self.memberships and self.platform_role is None:
            raise ValueError("a user needs a membership in an organization or a platform role")
        orgs = [m.organization_id for m in self.memberships]
        if len(set(orgs)) != len(orgs):
            raise ValueError("lists an organization twice")
        return self


class UserUpdate(Shape):
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    active: bool | None = None


class UserRead(ReadShape):
    id: uuid.UUID
    email: str
    display_name: str
    platform_role: str | None
    active: bool
    last_login_at: datetime | None
    memberships: list[MembershipRead]
