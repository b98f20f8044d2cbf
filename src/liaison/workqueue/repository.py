"""Queries of the work queue. Every one goes through ``scoped`` (or says why not)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from liaison.authz.permissions import Permission, Role
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped, unscoped_system
from liaison.models import (
    Coordinator,
    Membership,
    Organization,
    OrganizationHoliday,
    RoutingRule,
    SlaPolicy,
    Task,
    WorkTeam,
    WorkTeamMember,
)
from liaison.workqueue import rules, sla

READ = Permission.TASK_READ
SYSTEM = "routing looks at every coordinator's workload, across organizations"
# The queue's order: most pressing first, then the nearest deadline.
ORDER = (Task.priority_rank, Task.next_due_at, Task.id)


def calendar(session: Session, org: Organization, around: datetime) -> sla.BusinessCalendar:
    """The organization's business calendar for deadlines set around ``around``."""
    start = around.date() - timedelta(days=7)
    holidays = session.scalars(
        unscoped_system(
            select(OrganizationHoliday.date).where(
                OrganizationHoliday.organization_id == org.id,
                OrganizationHoliday.date >= start,
                OrganizationHoliday.date < start + timedelta(days=400),
            ),
            "holidays are not patient data; the caller's access to the organization was checked",
        )
    )
    return sla.BusinessCalendar.from_hours(org.time_zone, org.business_hours, list(holidays))


def policy(session: Session, organization_id: uuid.UUID, task_type: str) -> rules.Targets | None:
    row = session.scalar(
        unscoped_system(
            select(SlaPolicy).where(
                SlaPolicy.organization_id == organization_id, SlaPolicy.task_type == task_type
            ),
            "an organization's targets apply to every task it opens, whoever opens it",
        )
    )
    if row is None:
        return None
    return rules.Targets(row.first_response_minutes, row.resolution_minutes, row.at_risk_percent)


def routing_rules(session: Session, organization_id: uuid.UUID) -> list[rules.Rule]:
    rows = session.scalars(
        unscoped_system(
            select(RoutingRule).where(
                RoutingRule.organization_id == organization_id, RoutingRule.active.is_(True)
            ),
            "routing applies the organization's rules to every new task",
        )
    )
    return [
        rules.Rule(r.id, r.position, r.task_type, r.category, r.language, r.team_id, r.skill)
        for r in rows
    ]


def candidates(session: Session, organization_id: uuid.UUID) -> list[rules.Candidate]:
    """The organization's active coordinators, with what routing weighs: languages and
    skills (their staffing profile), teams, open work across every organization they
    serve, and when they were last given a task."""
    members = session.execute(
        unscoped_system(
            select(Membership.user_id, Coordinator)
            .outerjoin(Coordinator, Coordinator.user_id == Membership.user_id)
            .where(
                Membership.organization_id == organization_id,
                Membership.role == Role.COORDINATOR.value,
                Membership.active.is_(True),
            ),
            SYSTEM,
        )
    ).all()
    if not members:
        return []
    user_ids = [m.user_id for m in members]
    load = dict(
        session.execute(
            unscoped_system(
                select(Task.owner_user_id, func.count())
                .where(Task.owner_user_id.in_(user_ids), Task.is_open.is_(True))
                .group_by(Task.owner_user_id),
                SYSTEM,
            )
        ).all()
    )
    last = dict(
        session.execute(
            unscoped_system(
                select(Task.owner_user_id, func.max(Task.assigned_at))
                .where(Task.owner_user_id.in_(user_ids), Task.organization_id == organization_id)
                .group_by(Task.owner_user_id),
                SYSTEM,
            )
        ).all()
    )
    teams: dict[uuid.UUID, set[uuid.UUID]] = {}
    for user_id, team_id in session.execute(
        unscoped_system(
            select(WorkTeamMember.user_id, WorkTeamMember.team_id).where(
                WorkTeamMember.organization_id == organization_id,
                WorkTeamMember.user_id.in_(user_ids),
            ),
            SYSTEM,
        )
    ):
        teams.setdefault(user_id, set()).add(team_id)
    out = []
    for user_id, profile in members:
        if profile is not None and profile.status != "active":
            continue
        out.append(
            rules.Candidate(
                user_id=user_id,
                languages=frozenset(
                    str(x.get("tag", "")) for x in (profile.languages if profile else [])
                )
                | ({"en"} if profile is None else frozenset()),
                skills=frozenset(profile.skills if profile else ()),
                open_tasks=int(load.get(user_id, 0)),
                capacity_percent=profile.capacity_percent if profile else 100,
                last_assigned_at=last.get(user_id),
                teams=frozenset(teams.get(user_id, ())),
            )
        )
    return out


def continuity_owner(
    session: Session, organization_id: uuid.UUID, patient_id: uuid.UUID | None
) -> uuid.UUID | None:
    """Who last had work for this patient (open first, then the most recent)."""
    if patient_id is None:
        return None
    return session.scalar(
        unscoped_system(
            select(Task.owner_user_id)
            .where(
                Task.organization_id == organization_id,
                Task.patient_id == patient_id,
                Task.owner_user_id.is_not(None),
            )
            .order_by(Task.is_open.desc(), Task.assigned_at.desc())
            .limit(1),
            SYSTEM,
        )
    )


def teams_of(session: Session, principal: Principal) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(organization, team) of every team the caller is on, where they may read tasks."""
    stmt = select(WorkTeamMember.organization_id, WorkTeamMember.team_id).where(
        WorkTeamMember.user_id == principal.user_id
    )
    return [(o, t) for o, t in session.execute(scoped(stmt, principal, WorkTeamMember, READ))]


def lead_of(session: Session, organization_id: uuid.UUID, team_id: uuid.UUID | None) -> list[Any]:
    """Who hears of a breach: the team's lead, else the organization's admins."""
    if team_id is not None:
        lead = session.scalar(
            unscoped_system(
                select(WorkTeam.lead_user_id).where(
                    WorkTeam.organization_id == organization_id, WorkTeam.id == team_id
                ),
                "escalation finds the team lead",
            )
        )
        if lead is not None:
            return [lead]
    return list(
        session.scalars(
            unscoped_system(
                select(Membership.user_id).where(
                    Membership.organization_id == organization_id,
                    Membership.role == Role.ADMIN.value,
                    Membership.active.is_(True),
                ),
                "escalation falls back to the organization's admins",
            )
        )
    )


@dataclass(frozen=True)
class Filters:
    """What a queue view shows. ``view`` narrows by owner: mine, team, unassigned, all."""

    view: str = "mine"
    organization_id: uuid.UUID | None = None
    task_type: str | None = None
    priority: str | None = None
    sla: str | None = None  # at-risk | breached | on-track
    patient_id: uuid.UUID | None = None
    owner_user_id: uuid.UUID | None = None
    status: str = "open"  # open | closed | <a status>
    include_snoozed: bool = False


def queue_statements(
    session: Session, principal: Principal, filters: Filters, now: datetime
) -> list[Select[Any]]:
    """The statements whose pages, merged, are one page of the view. One, except for
    "my team" when the caller is on several teams: then one per team, each an ordered
    scan of ``(organization_id, team_id, is_open, priority_rank, next_due_at)``, instead
    of sorting every open task of every team."""
    if filters.view != "team":
        return [queue_statement(principal, filters, now)]
    teams = teams_of(session, principal)
    if filters.organization_id is not None:
        teams = [(o, t) for o, t in teams if o == filters.organization_id]
    if not teams:
        return [queue_statement(principal, filters, now).where(Task.id.is_(None))]
    return [
        queue_statement(principal, filters, now).where(
            Task.organization_id == org, Task.team_id == team
        )
        for org, team in teams
    ]


def queue_statement(principal: Principal, filters: Filters, now: datetime) -> Select[Any]:
    stmt = select(Task)
    if filters.view == "mine":
        stmt = stmt.where(Task.owner_user_id == principal.user_id)
    elif filters.view == "unassigned":
        stmt = stmt.where(Task.owner_user_id.is_(None))
    if filters.owner_user_id is not None:
        stmt = stmt.where(Task.owner_user_id == filters.owner_user_id)
    if filters.organization_id is not None:
        stmt = stmt.where(Task.organization_id == filters.organization_id)
    if filters.status == "open":
        stmt = stmt.where(Task.is_open.is_(True))
    elif filters.status == "closed":
        stmt = stmt.where(Task.is_open.is_(False))
    else:
        stmt = stmt.where(Task.status == filters.status)
    if filters.task_type:
        stmt = stmt.where(Task.type == filters.task_type)
    if filters.priority:
        stmt = stmt.where(Task.priority == filters.priority)
    if filters.patient_id is not None:
        stmt = stmt.where(Task.patient_id == filters.patient_id)
    if filters.sla == "breached":
        stmt = stmt.where(Task.next_due_at <= now)
    elif filters.sla == "at-risk":
        stmt = stmt.where(Task.next_at_risk_at <= now, Task.next_due_at > now)
    elif filters.sla == "on-track":
        stmt = stmt.where(Task.next_at_risk_at > now)
    if filters.status == "open" and not filters.include_snoozed:
        stmt = stmt.where(or_(Task.snoozed_until.is_(None), Task.snoozed_until <= now))
    return scoped(stmt, principal, Task, READ)


def depth(
    session: Session, principal: Principal, organization_ids: Sequence[uuid.UUID], now: datetime
) -> list[Any]:
    """Open tasks per organization and owner: count, breached, at risk, oldest."""
    stmt = (
        select(
            Task.organization_id,
            Task.owner_user_id,
            func.count().label("open"),
            func.sum(func.cast(Task.next_due_at <= now, Integer())).label("breached"),
            func.sum(
                func.cast(and_(Task.next_at_risk_at <= now, Task.next_due_at > now), Integer())
            ).label("at_risk"),
            func.min(Task.created_at).label("oldest"),
        )
        .where(Task.is_open.is_(True), Task.organization_id.in_(organization_ids))
        .group_by(Task.organization_id, Task.owner_user_id)
    )
    return list(session.execute(scoped(stmt, principal, Task, READ)).all())
