"""Reviews, surveys and coaching: what supervisors record, and the tasks thresholds open."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.kit.db import flush_or_conflict
from liaison.models import (
    CoachingTask,
    Coordinator,
    Organization,
    Placement,
    QualityReview,
    SatisfactionScore,
    User,
)
from liaison.staffing import access
from liaison.staffing.oversight import rules
from liaison.staffing.oversight.schemas import QualityReviewCreate, SatisfactionCreate
from liaison.staffing.oversight.service import COACHING_WEEKS, READ, WRITE, measure, require_reader
from liaison.staffing.vocabulary import RUBRIC


def _placed_here(ctx: Context, coordinator_id: uuid.UUID, organization_id: uuid.UUID) -> bool:
    stmt = scoped(
        select(Placement.id)
        .where(
            Placement.organization_id == organization_id,
            Placement.coordinator_id == coordinator_id,
            Placement.status.in_(("onboarding", "active", "ended")),
        )
        .limit(1),
        ctx.caller,
        Placement,
        READ,
    )
    return ctx.session.scalar(stmt) is not None


def _reviewed_subject(
    ctx: Context, organization_id: uuid.UUID, coordinator_id: uuid.UUID
) -> Coordinator:
    ctx.require(WRITE, organization_id)
    if ctx.session.get(Organization, organization_id) is None:
        raise InvalidInput("organization_id", "does not exist")
    coordinator = access.access_coordinator(ctx, coordinator_id)
    if not _placed_here(ctx, coordinator.id, organization_id):
        raise InvalidInput("coordinator_id", "has not been placed at this organization")
    return coordinator


def record_review(ctx: Context, data: QualityReviewCreate) -> QualityReview:
    coordinator = _reviewed_subject(ctx, data.organization_id, data.coordinator_id)
    missing = [k for k in RUBRIC if k not in data.rubric]
    if missing:
        raise InvalidInput(f"rubric.{missing[0]}", "is required")
    review = QualityReview(
        organization_id=data.organization_id,
        coordinator_id=coordinator.id,
        reviewer_user_id=ctx.caller.user_id,
        reviewed_at=data.reviewed_at or clock.now(),
        interaction_kind=data.interaction_kind,
        rubric=dict(data.rubric),
        score_percent=rules.rubric_percent(data.rubric),
        notes=data.notes,
    )
    ctx.session.add(review)
    ctx.session.flush()
    ctx.audit("create", "QualityReview", review.id, organization_id=review.organization_id)
    return review


def record_satisfaction(ctx: Context, data: SatisfactionCreate) -> SatisfactionScore:
    coordinator = _reviewed_subject(ctx, data.organization_id, data.coordinator_id)
    row = SatisfactionScore(
        organization_id=data.organization_id,
        coordinator_id=coordinator.id,
        score=data.score,
        received_at=data.received_at or clock.now(),
        source="follow-up-survey",
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("create", "SatisfactionScore", row.id, organization_id=row.organization_id)
    return row


def evaluate_coaching(ctx: Context, weeks: int = COACHING_WEEKS) -> list[CoachingTask]:
    """Open a coaching task for each KPI past its threshold, per coordinator and client
    account, over the last ``weeks``; a KPI that already has an open task is skipped."""
    access.require_team(ctx)
    placements = list(
        ctx.session.scalars(
            scoped(
                select(Placement).where(Placement.status == "active"), ctx.caller, Placement, READ
            )
        )
    )
    people = dict(
        ctx.session.execute(
            select(Coordinator.id, Coordinator.user_id).where(
                Coordinator.id.in_(list({p.coordinator_id for p in placements}))
            )
        ).all()
    )
    measures = measure(ctx, people, organization_id=None, weeks=weeks)
    open_keys = set(
        ctx.session.scalars(select(CoachingTask.open_key).where(CoachingTask.status == "open"))
    )
    opened = []
    now = clock.now()
    for pair in sorted({(p.coordinator_id, p.organization_id) for p in placements}, key=str):
        for breach in rules.breaches(measures.total([pair]).values()):
            key = f"{pair[0]}:{pair[1]}:{breach.kpi}"
            if key in open_keys:
                continue
            task = CoachingTask(
                coordinator_id=pair[0],
                organization_id=pair[1],
                kpi=breach.kpi,
                value=breach.value,
                threshold=breach.limit,
                detail=breach.detail[:300],
                status="open",
                open_key=key,
                opened_at=now,
            )
            ctx.session.add(task)
            opened.append(task)
            open_keys.add(key)
    # Two evaluations at once collide on open_key rather than doubling the tasks.
    flush_or_conflict(ctx.session, "Coaching tasks are being evaluated by someone else; try again")
    ctx.audit("execute", "CoachingEvaluation", None, opened=len(opened))
    return opened


def coaching_tasks(
    ctx: Context, status: str | None = "open"
) -> list[tuple[CoachingTask, str, str]]:
    """Tasks with coordinator and client names, for the caller's accounts."""
    require_reader(ctx)
    stmt = select(CoachingTask).order_by(CoachingTask.opened_at.desc())
    if status:
        stmt = stmt.where(CoachingTask.status == status)
    orgs = access.account_organizations(ctx.caller)
    if isinstance(orgs, frozenset):
        stmt = stmt.where(CoachingTask.organization_id.in_(list(orgs)))
    tasks = list(ctx.session.scalars(stmt))
    names = dict(
        ctx.session.execute(
            select(Coordinator.id, User.display_name)
            .join(User, User.id == Coordinator.user_id)
            .where(Coordinator.id.in_(list({t.coordinator_id for t in tasks})))
        ).all()
    )
    orgs_named = dict(
        ctx.session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_(list({t.organization_id for t in tasks if t.organization_id}))
            )
        ).all()
    )
    return [
        (t, names.get(t.coordinator_id, ""), orgs_named.get(t.organization_id, "")) for t in tasks
    ]


def close_coaching_task(ctx: Context, task_id: uuid.UUID, note: str | None) -> CoachingTask:
    task = ctx.session.get(CoachingTask, task_id)
    orgs = access.account_organizations(ctx.caller)
    if task is None or (isinstance(orgs, frozenset) and task.organization_id not in orgs):
        raise NotFound("Coaching task")
    access.require_team(ctx)
    if task.status != "open":
        raise Conflict("The coaching task is already closed", field="note")
    task.status = "closed"
    task.open_key = None
    task.closed_at = clock.now()
    task.closed_by_user_id = ctx.caller.user_id
    task.note = note
    ctx.session.flush()
    ctx.audit("update", "CoachingTask", task.id, organization_id=task.organization_id)
    return task
