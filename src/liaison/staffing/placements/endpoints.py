"""HTTP edge of placements."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from liaison.auth.dependencies import ApiContext
from liaison.kit.validation import Page
from liaison.staffing.placements import service
from liaison.staffing.placements.schemas import (
    ChecklistItem,
    ComponentRead,
    PlacementCreate,
    PlacementRead,
    TransitionRequest,
)

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])


def placement_read(view: service.PlacementView) -> PlacementRead:
    p = view.placement
    return PlacementRead(
        id=p.id,
        organization_id=p.organization_id,
        organization_name=view.organization_name,
        opening_id=p.opening_id,
        opening_title=view.opening.title,
        coordinator_id=p.coordinator_id,
        coordinator_name=view.coordinator_name,
        status=p.status,
        fte=p.fte_percent / 100,
        score=p.score,
        score_components=[ComponentRead.model_validate(c) for c in p.score_components],
        proposed_at=p.proposed_at,
        confirmed_at=p.confirmed_at,
        activated_at=p.activated_at,
        ended_at=p.ended_at,
        end_reason=p.end_reason,
        onboarding=[ChecklistItem.model_validate(i) for i in view.checklist.items]
        if view.checklist
        else [],
        blockers=[b.reason for b in view.checklist.blockers] if view.checklist else [],
    )


@router.get("/placements", response_model=Page[PlacementRead])
def list_placements(
    ctx: ApiContext,
    organization_id: uuid.UUID | None = None,
    coordinator_id: uuid.UUID | None = None,
    opening_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(pattern="^(proposed|onboarding|active|ended)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[PlacementRead]:
    rows, nxt = service.list_placements(
        ctx,
        organization_id=organization_id,
        coordinator_id=coordinator_id,
        opening_id=opening_id,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page[PlacementRead](items=[placement_read(v) for v in rows], next_cursor=nxt)


@router.post("/placements", response_model=PlacementRead, status_code=201)
def propose(body: PlacementCreate, ctx: ApiContext) -> PlacementRead:
    return placement_read(service.propose(ctx, body))


@router.get("/placements/{placement_id}", response_model=PlacementRead)
def get_placement(placement_id: uuid.UUID, ctx: ApiContext) -> PlacementRead:
    return placement_read(service.get_placement(ctx, placement_id))


@router.post("/placements/{placement_id}/transitions", response_model=PlacementRead)
def transition(placement_id: uuid.UUID, body: TransitionRequest, ctx: ApiContext) -> PlacementRead:
    return placement_read(service.transition(ctx, placement_id, body))
