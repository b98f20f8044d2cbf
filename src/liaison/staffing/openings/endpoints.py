"""HTTP edge of openings, their matches and many-opening assignment plans."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from liaison.auth.dependencies import ApiContext
from liaison.kit.validation import Page
from liaison.staffing.matching import service as matching
from liaison.staffing.matching.rules import Candidate
from liaison.staffing.matching.schemas import (
    CandidateRead,
    ExclusionRead,
    MatchRead,
    PlanRead,
    PlanRequest,
    PlanRowRead,
    PlanSide,
)
from liaison.staffing.openings import service
from liaison.staffing.openings.schemas import (
    BackupChoice,
    OpeningCreate,
    OpeningRead,
    OpeningUpdate,
)
from liaison.staffing.placements.schemas import ComponentRead

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])
LimitQ = Annotated[int, Query(ge=1, le=200)]
CursorQ = Annotated[str | None, Query(max_length=500)]


def opening_read(view: service.OpeningView) -> OpeningRead:
    o = view.opening
    return OpeningRead(
        id=o.id,
        organization_id=o.organization_id,
        organization_name=view.organization_name,
        title=o.title,
        description=o.description,
        status=o.status,
        time_zone=o.time_zone,
        hours=o.hours,
        fte=o.fte_percent / 100,
        headcount=o.headcount,
        filled=view.filled,
        expected_volume_per_week=o.expected_volume_per_week,
        languages=o.languages,
        systems=o.systems,
        skills=o.skills,
        specialties=o.specialties,
        required_certifications=o.required_certifications,
        required_course_ids=o.required_course_ids,
        min_hours_overlap_percent=o.min_hours_overlap_percent,
        min_assessment=o.min_assessment,
        starts_on=o.starts_on,
        backup_coordinator_id=o.backup_coordinator_id,
        created_at=o.created_at,
    )


def candidate_read(c: Candidate) -> CandidateRead:
    return CandidateRead(
        coordinator_id=c.key,
        display_name=c.name,
        score=c.score,
        eligible=c.eligible,
        components=[ComponentRead.model_validate(component) for component in c.components],
        exclusions=[ExclusionRead.model_validate(e) for e in c.exclusions],
    )


@router.get("/openings", response_model=Page[OpeningRead])
def list_openings(
    ctx: ApiContext,
    organization_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(pattern="^(open|filled|closed)$")] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[OpeningRead]:
    rows, nxt = service.list_openings(
        ctx, organization_id=organization_id, status=status, limit=limit, cursor=cursor
    )
    return Page[OpeningRead](items=[opening_read(v) for v in rows], next_cursor=nxt)


@router.post("/openings", response_model=OpeningRead, status_code=201)
def create_opening(body: OpeningCreate, ctx: ApiContext) -> OpeningRead:
    return opening_read(service.create_opening(ctx, body))


@router.get("/openings/{opening_id}", response_model=OpeningRead)
def get_opening(opening_id: uuid.UUID, ctx: ApiContext) -> OpeningRead:
    return opening_read(service.get_opening(ctx, opening_id))


@router.patch("/openings/{opening_id}", response_model=OpeningRead)
def update_opening(opening_id: uuid.UUID, body: OpeningUpdate, ctx: ApiContext) -> OpeningRead:
    return opening_read(service.update_opening(ctx, opening_id, body))


@router.put("/openings/{opening_id}/backup", response_model=OpeningRead)
def set_backup(opening_id: uuid.UUID, body: BackupChoice, ctx: ApiContext) -> OpeningRead:
    return opening_read(service.set_backup(ctx, opening_id, body.coordinator_id))


@router.get("/openings/{opening_id}/matches", response_model=MatchRead)
def matches(
    opening_id: uuid.UUID, ctx: ApiContext, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> MatchRead:
    result = matching.match_opening(ctx, opening_id, limit)
    return MatchRead(
        opening_id=result.opening.id,
        pool_size=result.pool_size,
        candidates=[candidate_read(c) for c in result.candidates],
        excluded_total=result.excluded_total,
        exclusion_counts=result.exclusion_counts,
        excluded=[candidate_read(c) for c in result.excluded],
    )


def _side(
    method: str, rows: list[matching.PlanRow], total: float, seats: int, filled: int
) -> PlanSide:
    return PlanSide(
        method=method,
        total_score=total,
        seats=seats,
        filled=filled,
        rows=[
            PlanRowRead(
                opening_id=r.opening.id,
                opening_title=r.opening.title,
                organization_id=r.opening.organization_id,
                seat=r.seat,
                candidate=candidate_read(r.candidate) if r.candidate else None,
            )
            for r in rows
        ],
    )


@router.post("/assignments", response_model=PlanRead)
def assignment_plan(body: PlanRequest, ctx: ApiContext) -> PlanRead:
    plan = matching.assignment_plan(ctx, body.opening_ids)
    return PlanRead(
        optimal=_side("optimal", plan.optimal, plan.optimal_total, plan.seats, plan.optimal_filled),
        greedy=_side("greedy", plan.greedy, plan.greedy_total, plan.seats, plan.greedy_filled),
        gain=round(plan.optimal_total - plan.greedy_total, 2),
    )
