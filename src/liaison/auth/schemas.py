"""API shapes for signing in and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from liaison.kit.validation import ReadShape, Shape


class TokenRequest(Shape):
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    password: Annotated[
        str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)
    ]
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "API token"
    expires_in_days: int | None = Field(default=None, ge=1, le=365)


class TokenIssued(ReadShape):
    id: uuid.UUID
    token: str = Field(description="Shown once. Send as 'Authorization: Bearer <token>'.")
    name: str
    expires_at: datetime


class TokenRead(ReadShape):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class MembershipRead(ReadShape):
    organization_id: uuid.UUID
    role: str


class MeRead(ReadShape):
    id: uuid.UUID
    email: str
    display_name: str
    platform_role: str | None
    memberships: list[MembershipRead]


class PasswordChange(Shape):
    current_password: Annotated[
        str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)
    ]
    new_password: Annotated[
        str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)
    ]
