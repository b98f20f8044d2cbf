"""Who sees what of staffing.

* The staffing team (the staffing_manager platform role: STAFFING_READ and
  STAFFING_WRITE in every organization) sees and changes all of it, but never a
  patient's details: staffing reads aggregates and coordinator data only.
* An organization's admin (STAFFING_READ in their own organizations) reads the
  openings, placements and account health of their organizations, and the profiles of
  the coordinators placed there.
* A coordinator with a profile reads their own profile and training (the learner view).

Anything else is 404, as for another tenant's rows; someone who may look but not
change gets 403 on a change.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from liaison.authz.permissions import Permission
from liaison.authz.principal import AllOrganizations, Principal
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import NotFound, PermissionDenied
from liaison.models import Coordinator, Course, Enrollment, Placement

READ, WRITE = Permission.STAFFING_READ, Permission.STAFFING_WRITE


def is_staffing_team(principal: Principal, permission: Permission = READ) -> bool:
    return isinstance(principal.organizations_with(permission), AllOrganizations)


def require_team(ctx: Context, permission: Permission = WRITE) -> Principal:
    principal = ctx.caller
    if not is_staffing_team(principal, permission):
        raise PermissionDenied("Only the staffing team may do this")
    return principal


def account_organizations(principal: Principal) -> frozenset[uuid.UUID] | AllOrganizations:
    """Organizations whose staffing the caller may read (ALL for the staffing team)."""
    return principal.organizations_with(READ)


def own_coordinator(ctx: Context) -> Coordinator | None:
    return ctx.session.scalar(select(Coordinator).where(Coordinator.user_id == ctx.caller.user_id))


def placed_in_accounts(ctx: Context, coordinator_id: uuid.UUID) -> bool:
    """Whether the coordinator has a placement (in any state) at one of the caller's
    organizations: what lets a client's admin see the profile."""
    stmt = scoped(
        select(Placement.id).where(Placement.coordinator_id == coordinator_id).limit(1),
        ctx.caller,
        Placement,
        READ,
    )
    return ctx.session.scalar(stmt) is not None


def access_coordinator(
    ctx: Context, coordinator_id: uuid.UUID, *, write: bool = False, for_update: bool = False
) -> Coordinator:
    stmt = select(Coordinator).where(Coordinator.id == coordinator_id)
    if for_update:
        # Placements lock the coordinator first: two proposals for one person then
        # queue, and the second sees the capacity the first took.
        stmt = stmt.with_for_update()
    row = ctx.session.scalar(stmt)
    if row is None:
        raise NotFound("Coordinator")
    principal = ctx.caller
    if is_staffing_team(principal):
        if write:
            require_team(ctx)
        return row
    visible = row.user_id == principal.user_id or placed_in_accounts(ctx, row.id)
    if not visible:
        raise NotFound("Coordinator")
    if write:
        require_team(ctx)
    return row


def enrolled(ctx: Context, coordinator_id: uuid.UUID, course_id: uuid.UUID) -> Enrollment | None:
    return ctx.session.scalar(
        select(Enrollment).where(
            Enrollment.coordinator_id == coordinator_id, Enrollment.course_id == course_id
        )
    )


def can_see_course(ctx: Context, course: Course) -> bool:
    principal = ctx.caller
    if is_staffing_team(principal):
        return True
    orgs = account_organizations(principal)
    assert isinstance(orgs, frozenset)
    if course.client_organization_id is not None:
        # A client's playbook describes that client's workflows: its admins, and the
        # coordinators enrolled in it.
        if course.client_organization_id in orgs:
            return True
        me = own_coordinator(ctx)
        return me is not None and enrolled(ctx, me.id, course.id) is not None
    return bool(orgs) or own_coordinator(ctx) is not None


def access_course(ctx: Context, course_id: uuid.UUID) -> Course:
    course = ctx.session.get(Course, course_id)
    if course is None or not can_see_course(ctx, course):
        raise NotFound("Course")
    return course
