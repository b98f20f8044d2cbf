"""Use cases for users: accounts are global, what they reach comes from memberships."""

from __future__ import annotations

import uuid

from liaison.auth import repository as auth_repository
from liaison.auth.passwords import Passwords
from liaison.authz.access import referenced
from liaison.authz.permissions import Permission, PlatformRole
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liaison.kit import clock
from liaison.kit.db import flush_or_conflict
from liaison.models import Membership, Practitioner, User
from liaison.users import repository
from liaison.users.schemas import MembershipCreate, MembershipUpdate, UserCreate, UserUpdate

MANAGE = Permission.USER_MANAGE


def _is_operator(ctx: Context) -> bool:
    return ctx.caller.platform_role == PlatformRole.OPERATOR


def _add_membership(ctx: Context, user: User, data: MembershipCreate) -> Membership:
    principal = ctx.require(MANAGE, data.organization_id)
    if data.practitioner_id is not None:
        if data.role != "practitioner":
            raise InvalidInput("practitioner_id", "is only for the practitioner role")
        referenced(
            ctx.session,
            principal,
            Practitioner,
            data.organization_id,
            data.practitioner_id,
            Permission.DIRECTORY_READ,
            "practitioner_id",
        )
    membership = Membership(
        organization_id=data.organization_id,
        user_id=user.id,
        role=data.role,
        practitioner_id=data.practitioner_id,
    )
    ctx.session.add(membership)
    flush_or_conflict(
        ctx.session, "The user is already a member of this organization", field="organization_id"
    )
    ctx.audit(
        "create",
        "Membership",
        membership.id,
        organization_id=data.organization_id,
        user=str(user.id),
        role=data.role,
    )
    return membership


def create_user(
    ctx: Context, passwords: Passwords, data: UserCreate
) -> tuple[User, list[Membership]]:
    if data.platform_role is not None and not _is_operator(ctx):
        raise PermissionDenied("Only an operator may grant a platform role")
    if not data.memberships:
        ctx.require(MANAGE)
    email = data.email.strip().lower()
    if repository.by_email(ctx.session, email) is not None:
        raise Conflict("A user with this e-mail address exists", field="email")
    user = User(
        email=email,
        display_name=data.display_name,
        password_hash=passwords.hash(data.password),
        platform_role=data.platform_role,
        password_changed_at=clock.now(),
    )
    ctx.session.add(user)
    flush_or_conflict(ctx.session, "A user with this e-mail address exists", field="email")
    memberships = [_add_membership(ctx, user, m) for m in data.memberships]
    ctx.audit("create", "User", user.id)
    return user, memberships


def list_users(
    ctx: Context, organization_id: uuid.UUID | None = None
) -> list[tuple[User, list[Membership]]]:
    if organization_id is not None:
        ctx.require(Permission.USER_READ, organization_id)
    memberships = repository.visible_memberships(
        ctx.session, ctx.caller, organization_id=organization_id
    )
    grouped = repository.memberships_by_user(memberships)
    users = repository.users_by_id(ctx.session, list(grouped))
    if _is_operator(ctx) and organization_id is None:
        for user in repository.platform_users(ctx.session):
            users.setdefault(user.id, user)
    ordered = sorted(users.values(), key=lambda u: (u.display_name.lower(), str(u.id)))
    return [(u, grouped.get(u.id, [])) for u in ordered]


def get_user(ctx: Context, user_id: uuid.UUID) -> tuple[User, list[Membership]]:
    memberships = repository.visible_memberships(ctx.session, ctx.caller, user_ids=[user_id])
    user = ctx.session.get(User, user_id)
    if user is None or (
        not memberships and not _is_operator(ctx) and user_id != ctx.caller.user_id
    ):
        raise NotFound("User")
    return user, memberships


def update_user(
    ctx: Context, user_id: uuid.UUID, data: UserUpdate
) -> tuple[User, list[Membership]]:
    user, memberships = get_user(ctx, user_id)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise InvalidInput(field, "may not be null")
    orgs = repository.organizations_of(ctx.session, user_id)
    managed = ctx.caller.organizations_with(MANAGE)
    # An account is shared by every organization the person works for: only someone
    # who manages all of them (or an operator) may change it for all.
    if not _is_operator(ctx) and (not isinstance(managed, frozenset) or not orgs <= managed):
        if isinstance(managed, frozenset) and not orgs & managed:
            raise NotFound("User")
        raise PermissionDenied(
            "This account is shared with organizations you do not manage; "
            "change its membership in yours instead"
        )
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if "active" in changes:
        user.active = changes["active"]
        if not user.active:
            now = clock.now()
            auth_repository.revoke_sessions(ctx.session, user.id, now)
            auth_repository.revoke_tokens(ctx.session, user.id, now)
    ctx.session.flush()
    ctx.audit("update", "User", user.id, fields=sorted(changes))
    return user, memberships


def add_membership(ctx: Context, user_id: uuid.UUID, data: MembershipCreate) -> Membership:
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("User")
    return _add_membership(ctx, user, data)


def _membership(ctx: Context, user_id: uuid.UUID, organization_id: uuid.UUID) -> Membership:
    rows = repository.visible_memberships(
        ctx.session, ctx.caller, user_ids=[user_id], organization_id=organization_id
    )
    if not rows:
        raise NotFound("Membership")
    ctx.require(MANAGE, organization_id)
    return rows[0]


def update_membership(
    ctx: Context, user_id: uuid.UUID, organization_id: uuid.UUID, data: MembershipUpdate
) -> Membership:
    membership = _membership(ctx, user_id, organization_id)
    changes = data.model_dump(exclude_unset=True)
    for field in ("role", "active"):
        if field in changes and changes[field] is None:
            raise InvalidInput(field, "may not be null")
    demoting = changes.get("role", membership.role) != "admin" or changes.get("active") is False
    if user_id == ctx.caller.user_id and membership.role == "admin" and demoting:
        # An organization must not lose its last way to manage itself by a slip.
        raise Conflict(
            "You cannot demote or deactivate your own admin membership; ask another admin"
        )
    if changes.get("practitioner_id") is not None:
        referenced(
            ctx.session,
            ctx.caller,
            Practitioner,
            organization_id,
            changes["practitioner_id"],
            Permission.DIRECTORY_READ,
            "practitioner_id",
        )
    for field, value in changes.items():
        setattr(membership, field, value)
    if membership.practitioner_id is not None and membership.role != "practitioner":
        raise InvalidInput("practitioner_id", "is only for the practitioner role")
    ctx.session.flush()
    ctx.audit(
        "update",
        "Membership",
        membership.id,
        organization_id=organization_id,
        fields=sorted(changes),
    )
    return membership


def remove_membership(ctx: Context, user_id: uuid.UUID, organization_id: uuid.UUID) -> None:
    membership = _membership(ctx, user_id, organization_id)
    if user_id == ctx.caller.user_id and membership.role == "admin":
        raise Conflict("You cannot remove your own admin membership; ask another admin")
    ctx.session.delete(membership)
    ctx.session.flush()
    ctx.audit("delete", "Membership", membership.id, organization_id=organization_id)
