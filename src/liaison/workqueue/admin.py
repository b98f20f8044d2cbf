"""An organization's queue settings (targets, teams, routing, playbooks), a user's saved
views and notifications, and the supervisor's view of queue depth."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.models import (
    Membership,
    Organization,
    Playbook,
    RoutingRule,
    SavedView,
    SlaPolicy,
    StaffNotification,
    User,
    WorkTeam,
    WorkTeamMember,
)
from liaison.workqueue import repository

MANAGE, READ = Permission.QUEUE_MANAGE, Permission.TASK_READ


# --- Targets ----------------------------------------------------------------------------


def save_policy(ctx: Context, data: Any) -> SlaPolicy:
    audit = ctx.audit("update", "SlaPolicy", organization_id=data.organization_id)
    ctx.require(MANAGE, data.organization_id)
    if (
        data.first_response_minutes is not None
        and data.first_response_minutes > data.resolution_minutes
    ):
        raise InvalidInput("first_response_minutes", "is longer than the resolution target")
    stmt = select(SlaPolicy).where(
        SlaPolicy.organization_id == data.organization_id, SlaPolicy.task_type == data.task_type
    )
    row = ctx.session.scalar(scoped(stmt, ctx.caller, SlaPolicy, MANAGE).with_for_update())
    if row is None:
        row = SlaPolicy(organization_id=data.organization_id, task_type=data.task_type)
        ctx.session.add(row)
    row.first_response_minutes = data.first_response_minutes
    row.resolution_minutes = data.resolution_minutes
    row.at_risk_percent = data.at_risk_percent
    ctx.session.flush()
    audit.about(resource_id=row.id)
    return row


def policies(ctx: Context, organization_id: uuid.UUID) -> list[SlaPolicy]:
    ctx.require(READ, organization_id)
    stmt = select(SlaPolicy).where(SlaPolicy.organization_id == organization_id)
    return list(
        ctx.session.scalars(scoped(stmt.order_by(SlaPolicy.task_type), ctx.caller, SlaPolicy, READ))
    )


# --- Teams ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamView:
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    lead_user_id: uuid.UUID | None
    member_user_ids: list[uuid.UUID]


def _staff(ctx: Context, organization_id: uuid.UUID, user_ids: list[uuid.UUID], field: str) -> None:
    if not user_ids:
        return
    stmt = select(Membership.user_id).where(
        Membership.organization_id == organization_id,
        Membership.user_id.in_(user_ids),
        Membership.active.is_(True),
        Membership.role.in_(("coordinator", "admin")),
    )
    found = set(ctx.session.scalars(scoped(stmt, ctx.caller, Membership, Permission.USER_READ)))
    for index, user_id in enumerate(user_ids):
        if user_id not in found:
            name = field if field == "lead_user_id" else f"{field}[{index}]"
            raise InvalidInput(name, "is not a coordinator or admin of this organization")


def save_team(ctx: Context, data: Any, team_id: uuid.UUID | None = None) -> TeamView:
    audit = ctx.audit(
        "update" if team_id else "create", "WorkTeam", team_id, organization_id=data.organization_id
    )
    ctx.require(MANAGE, data.organization_id)
    members = list(dict.fromkeys(data.member_user_ids))
    _staff(ctx, data.organization_id, members, "member_user_ids")
    if data.lead_user_id is not None:
        _staff(ctx, data.organization_id, [data.lead_user_id], "lead_user_id")
    if team_id is None:
        team = WorkTeam(organization_id=data.organization_id, name=data.name)
        ctx.session.add(team)
    else:
        team = access_one(ctx.session, ctx.caller, WorkTeam, team_id, MANAGE, "WorkTeam")
        if team.organization_id != data.organization_id:
            raise InvalidInput("organization_id", "a team cannot move to another organization")
        team.name = data.name
    team.lead_user_id = data.lead_user_id
    clash = select(WorkTeam.id).where(
        WorkTeam.organization_id == data.organization_id,
        WorkTeam.name == data.name,
        WorkTeam.id != team.id,
    )
    if ctx.session.scalar(scoped(clash, ctx.caller, WorkTeam, MANAGE)) is not None:
        raise Conflict("Another team has this name", field="name")
    ctx.session.flush()
    ctx.session.execute(
        scoped(
            delete(WorkTeamMember).where(
                WorkTeamMember.organization_id == team.organization_id,
                WorkTeamMember.team_id == team.id,
            ),
            ctx.caller,
            WorkTeamMember,
            MANAGE,
        )
    )
    for user_id in members:
        ctx.session.add(
            WorkTeamMember(organization_id=team.organization_id, team_id=team.id, user_id=user_id)
        )
    ctx.session.flush()
    audit.about(resource_id=team.id)
    return TeamView(team.id, team.organization_id, team.name, team.lead_user_id, members)


def teams(ctx: Context, organization_id: uuid.UUID) -> list[TeamView]:
    ctx.require(READ, organization_id)
    rows = list(
        ctx.session.scalars(
            scoped(
                select(WorkTeam)
                .where(WorkTeam.organization_id == organization_id)
                .order_by(WorkTeam.name),
                ctx.caller,
                WorkTeam,
                READ,
            )
        )
    )
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for team_id, user_id in ctx.session.execute(
        scoped(
            select(WorkTeamMember.team_id, WorkTeamMember.user_id).where(
                WorkTeamMember.organization_id == organization_id
            ),
            ctx.caller,
            WorkTeamMember,
            READ,
        )
    ):
        members.setdefault(team_id, []).append(user_id)
    return [
        TeamView(t.id, t.organization_id, t.name, t.lead_user_id, members.get(t.id, []))
        for t in rows
    ]


# --- Routing rules ----------------------------------------------------------------------


def add_rule(ctx: Context, data: Any) -> RoutingRule:
    audit = ctx.audit("create", "RoutingRule", organization_id=data.organization_id)
    ctx.require(MANAGE, data.organization_id)
    if data.team_id is not None:
        referenced(
            ctx.session, ctx.caller, WorkTeam, data.organization_id, data.team_id, MANAGE, "team_id"
        )
    if (
        not any((data.task_type, data.category, data.language))
        and data.team_id is None
        and not data.skill
    ):
        raise InvalidInput("team_id", "a rule must send work somewhere: name a team or a skill")
    rule = RoutingRule(**data.model_dump())
    ctx.session.add(rule)
    ctx.session.flush()
    audit.about(resource_id=rule.id)
    return rule


def rules_of(ctx: Context, organization_id: uuid.UUID) -> list[RoutingRule]:
    ctx.require(READ, organization_id)
    stmt = select(RoutingRule).where(RoutingRule.organization_id == organization_id)
    return list(
        ctx.session.scalars(
            scoped(
                stmt.order_by(RoutingRule.position, RoutingRule.id), ctx.caller, RoutingRule, READ
            )
        )
    )


def delete_rule(ctx: Context, rule_id: uuid.UUID) -> None:
    audit = ctx.audit("delete", "RoutingRule", rule_id)
    rule = access_one(ctx.session, ctx.caller, RoutingRule, rule_id, READ, "RoutingRule")
    audit.about(organization_id=rule.organization_id)
    ctx.require(MANAGE, rule.organization_id)
    ctx.session.delete(rule)
    ctx.session.flush()


# --- Playbooks --------------------------------------------------------------------------


def publish_playbook(ctx: Context, data: Any) -> Playbook:
    """A new version; earlier versions stay readable."""
    audit = ctx.audit("create", "Playbook", organization_id=data.organization_id)
    ctx.require(MANAGE, data.organization_id)
    last = ctx.session.scalar(
        scoped(
            select(func.max(Playbook.version)).where(
                Playbook.organization_id == data.organization_id
            ),
            ctx.caller,
            Playbook,
            MANAGE,
        )
    )
    book = Playbook(
        organization_id=data.organization_id,
        version=(last or 0) + 1,
        scripts=data.scripts,
        escalation_contacts=data.escalation_contacts,
        do_not_handle=data.do_not_handle,
        notes=data.notes,
        created_at=clock.now(),
        created_by_user_id=ctx.caller.user_id,
    )
    ctx.session.add(book)
    ctx.session.flush()
    audit.about(resource_id=book.id)
    return book


def playbook(
    ctx: Context, organization_id: uuid.UUID, version: int | None = None
) -> Playbook | None:
    """The current playbook (or one version), for anyone who works the organization's
    queue: a backup coordinator reads it beside the task."""
    ctx.require(READ, organization_id)
    stmt = select(Playbook).where(Playbook.organization_id == organization_id)
    if version is not None:
        stmt = stmt.where(Playbook.version == version)
    stmt = stmt.order_by(Playbook.version.desc()).limit(1)
    return ctx.session.scalar(scoped(stmt, ctx.caller, Playbook, READ))


def playbook_versions(ctx: Context, organization_id: uuid.UUID) -> list[Playbook]:
    ctx.require(READ, organization_id)
    stmt = select(Playbook).where(Playbook.organization_id == organization_id)
    return list(
        ctx.session.scalars(
            scoped(stmt.order_by(Playbook.version.desc()), ctx.caller, Playbook, READ)
        )
    )


# --- Saved views and notifications (the caller's own) -----------------------------------


def save_view(ctx: Context, data: Any) -> SavedView:
    filters = data.model_dump(exclude={"name"}, mode="json", exclude_none=True)
    if data.organization_id is not None:
        ctx.require(READ, data.organization_id)
    exists = ctx.session.scalar(
        select(SavedView).where(
            SavedView.user_id == ctx.caller.user_id, SavedView.name == data.name
        )
    )
    if exists is not None:
        exists.filters = filters
        ctx.session.flush()
        return exists
    view = SavedView(
        user_id=ctx.caller.user_id, name=data.name, filters=filters, created_at=clock.now()
    )
    ctx.session.add(view)
    ctx.session.flush()
    return view


def views(ctx: Context) -> list[SavedView]:
    stmt = select(SavedView).where(SavedView.user_id == ctx.caller.user_id).order_by(SavedView.name)
    return list(ctx.session.scalars(stmt))


def delete_view(ctx: Context, view_id: uuid.UUID) -> None:
    view = ctx.session.scalar(
        select(SavedView).where(SavedView.id == view_id, SavedView.user_id == ctx.caller.user_id)
    )
    if view is None:
        raise NotFound("SavedView")
    ctx.session.delete(view)
    ctx.session.flush()


def notifications(
    ctx: Context, unread_only: bool = True, limit: int = 50
) -> list[StaffNotification]:
    stmt = select(StaffNotification).where(StaffNotification.user_id == ctx.caller.user_id)
    if unread_only:
        stmt = stmt.where(StaffNotification.read_at.is_(None))
    stmt = stmt.order_by(StaffNotification.created_at.desc()).limit(limit)
    return list(ctx.session.scalars(scoped(stmt, ctx.caller, StaffNotification, READ)))


def mark_read(ctx: Context, notification_id: uuid.UUID) -> StaffNotification:
    stmt = select(StaffNotification).where(
        StaffNotification.id == notification_id, StaffNotification.user_id == ctx.caller.user_id
    )
    found = ctx.session.scalar(scoped(stmt, ctx.caller, StaffNotification, READ))
    if found is None:
        raise NotFound("Notification")
    found.read_at = found.read_at or clock.now()
    ctx.session.flush()
    return found


# --- Supervision ------------------------------------------------------------------------


@dataclass(frozen=True)
class DepthView:
    organization_id: uuid.UUID
    organization_name: str
    owner_user_id: uuid.UUID | None
    owner_name: str | None
    open: int
    breached: int
    at_risk: int
    oldest_at: datetime | None


def supervision(
    ctx: Context, organization_id: uuid.UUID | None = None
) -> tuple[list[DepthView], list[DepthView]]:
    """Queue depth, breaches, at-risk and the oldest open item, per organization and per
    coordinator (None = unassigned), over the organizations the caller supervises."""
    ctx.audit("read", "Task", organization_id=organization_id, view="supervision")
    if organization_id is not None:
        ctx.require(MANAGE, organization_id)
        orgs = [organization_id]
    else:
        allowed = ctx.caller.organizations_with(MANAGE)
        orgs = sorted(allowed) if isinstance(allowed, frozenset) else []
        if not orgs:
            ctx.require(MANAGE)
    rows = repository.depth(ctx.session, ctx.caller, orgs, clock.now())
    names = dict(
        ctx.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(orgs))
        ).all()
    )
    owner_ids = {r.owner_user_id for r in rows if r.owner_user_id}
    people = (
        dict(
            ctx.session.execute(
                select(User.id, User.display_name).where(User.id.in_(owner_ids))
            ).all()
        )
        if owner_ids
        else {}
    )
    per_org: dict[uuid.UUID, DepthView] = {}
    per_owner = []
    for r in rows:
        view = DepthView(
            r.organization_id,
            names.get(r.organization_id, ""),
            r.owner_user_id,
            people.get(r.owner_user_id) if r.owner_user_id else None,
            int(r.open),
            int(r.breached or 0),
            int(r.at_risk or 0),
            r.oldest,
        )
        per_owner.append(view)
        total = per_org.get(r.organization_id)
        per_org[r.organization_id] = (
            view
            if total is None
            else DepthView(
                r.organization_id,
                view.organization_name,
                None,
                None,
                total.open + view.open,
                total.breached + view.breached,
                total.at_risk + view.at_risk,
                min(x for x in (total.oldest_at, view.oldest_at) if x)
                if (total.oldest_at or view.oldest_at)
                else None,
            )
        )
    for org_id in orgs:
        per_org.setdefault(
            org_id, DepthView(org_id, names.get(org_id, ""), None, None, 0, 0, 0, None)
        )
    orgs_out = [
        DepthView(
            v.organization_id,
            v.organization_name,
            None,
            None,
            v.open,
            v.breached,
            v.at_risk,
            v.oldest_at,
        )
        for v in per_org.values()
    ]
    orgs_out.sort(key=lambda v: (-v.breached, -v.open, v.organization_name))
    per_owner.sort(key=lambda v: (-v.breached, -v.open, v.organization_name, v.owner_name or ""))
    return orgs_out, per_owner
