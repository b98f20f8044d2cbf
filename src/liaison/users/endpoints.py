"""HTTP edge of user administration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from liaison.auth.dependencies import ApiContext, get_runtime
from liaison.models import Membership, User
from liaison.users import service
from liaison.users.schemas import (
    MembershipCreate,
    MembershipRead,
    MembershipUpdate,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/api/v1/users", tags=["users"])


def _read(user: User, memberships: list[Membership]) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        platform_role=user.platform_role,
        active=user.active,
        last_login_at=user.last_login_at,
        memberships=[MembershipRead.model_validate(m) for m in memberships],
    )


@router.get("", response_model=list[UserRead])
def list_users(
    ctx: ApiContext, organization_id: Annotated[uuid.UUID | None, Query()] = None
) -> list[UserRead]:
    return [_read(u, m) for u, m in service.list_users(ctx, organization_id)]


@router.post("", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, request: Request, ctx: ApiContext) -> UserRead:
    user, memberships = service.create_user(ctx, get_runtime(request).passwords, body)
    return _read(user, memberships)


@router.get("/{user_id}", response_model=UserRead)
def get_user(user_id: uuid.UUID, ctx: ApiContext) -> UserRead:
    return _read(*service.get_user(ctx, user_id))


@router.patch("/{user_id}", response_model=UserRead)
def update_user(user_id: uuid.UUID, body: UserUpdate, ctx: ApiContext) -> UserRead:
    return _read(*service.update_user(ctx, user_id, body))


@router.post("/{user_id}/memberships", response_model=MembershipRead, status_code=201)
def add_membership(user_id: uuid.UUID, body: MembershipCreate, ctx: ApiContext) -> MembershipRead:
    return MembershipRead.model_validate(service.add_membership(ctx, user_id, body))


@router.patch("/{user_id}/memberships/{organization_id}", response_model=MembershipRead)
def update_membership(
    user_id: uuid.UUID, organization_id: uuid.UUID, body: MembershipUpdate, ctx: ApiContext
) -> MembershipRead:
    return MembershipRead.model_validate(
        service.update_membership(ctx, user_id, organization_id, body)
    )


@router.delete("/{user_id}/memberships/{organization_id}", status_code=204)
def remove_membership(user_id: uuid.UUID, organization_id: uuid.UUID, ctx: ApiContext) -> Response:
    service.remove_membership(ctx, user_id, organization_id)
    return Response(status_code=204)
