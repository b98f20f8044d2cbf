"""HTTP edge of coordinator profiles and certifications."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from liaison.auth.dependencies import ApiContext
from liaison.kit.validation import Page
from liaison.staffing.profiles import service
from liaison.staffing.profiles.schemas import (
    CertificationCreate,
    CertificationRead,
    CoordinatorCreate,
    CoordinatorListItem,
    CoordinatorRead,
    CoordinatorUpdate,
    PlacementSummary,
)
from liaison.staffing.training import rules as training_rules
from liaison.staffing.training.schemas import ReminderRequest, RenewalRead

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])
LimitQ = Annotated[int, Query(ge=1, le=200)]
CursorQ = Annotated[str | None, Query(max_length=500)]
CodeQ = Annotated[str | None, Query(max_length=40)]


def coordinator_read(profile: service.Profile) -> CoordinatorRead:
    c, u = profile.coordinator, profile.user
    states = service.certification_states(profile)
    return CoordinatorRead(
        id=c.id,
        user_id=u.id,
        display_name=u.display_name,
        email=u.email,
        headline=c.headline,
        bio=c.bio,
        home_time_zone=c.home_time_zone,
        working_hours=c.working_hours,
        capacity_fte=c.capacity_percent / 100,
        placed_fte=profile.placed_percent / 100,
        languages=c.languages,
        skills=c.skills,
        systems=c.systems,
        specialties=c.specialties,
        score_communication=c.score_communication,
        score_accuracy=c.score_accuracy,
        score_empathy=c.score_empathy,
        assessed_on=c.assessed_on,
        status=c.status,
        certifications=[
            CertificationRead(
                id=cert.id,
                code=cert.code,
                name=cert.name,
                issued_on=cert.issued_on,
                expires_on=cert.expires_on,
                source=cert.source,
                state=states[cert.id],
            )
            for cert in profile.certifications
        ],
        placements=[
            PlacementSummary(
                id=p.id,
                organization_id=p.organization_id,
                organization_name=org_name,
                opening_id=p.opening_id,
                opening_title=o.title,
                status=p.status,
                fte=p.fte_percent / 100,
                activated_at=p.activated_at,
                ended_at=p.ended_at,
            )
            for p, o, org_name in profile.placements
        ],
    )


@router.get("/coordinators", response_model=Page[CoordinatorListItem])
def list_coordinators(
    ctx: ApiContext,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
    language: CodeQ = None,
    system: CodeQ = None,
    skill: CodeQ = None,
    status: Annotated[str | None, Query(pattern="^(active|inactive)$")] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[CoordinatorListItem]:
    rows, nxt = service.list_coordinators(
        ctx,
        q=q,
        language=language,
        system=system,
        skill=skill,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page[CoordinatorListItem](
        items=[
            CoordinatorListItem(
                id=p.coordinator.id,
                display_name=p.user.display_name,
                headline=p.coordinator.headline,
                home_time_zone=p.coordinator.home_time_zone,
                capacity_fte=p.coordinator.capacity_percent / 100,
                placed_fte=p.placed_percent / 100,
                languages=p.coordinator.languages,
                systems=p.coordinator.systems,
                status=p.coordinator.status,
            )
            for p in rows
        ],
        next_cursor=nxt,
    )


@router.post("/coordinators", response_model=CoordinatorRead, status_code=201)
def create_coordinator(body: CoordinatorCreate, ctx: ApiContext) -> CoordinatorRead:
    return coordinator_read(service.create_coordinator(ctx, body))


@router.get("/coordinators/{coordinator_id}", response_model=CoordinatorRead)
def get_coordinator(coordinator_id: uuid.UUID, ctx: ApiContext) -> CoordinatorRead:
    return coordinator_read(service.get_profile(ctx, coordinator_id))


@router.patch("/coordinators/{coordinator_id}", response_model=CoordinatorRead)
def update_coordinator(
    coordinator_id: uuid.UUID, body: CoordinatorUpdate, ctx: ApiContext
) -> CoordinatorRead:
    return coordinator_read(service.update_coordinator(ctx, coordinator_id, body))


@router.post(
    "/coordinators/{coordinator_id}/certifications",
    response_model=CertificationRead,
    status_code=201,
)
def add_certification(
    coordinator_id: uuid.UUID, body: CertificationCreate, ctx: ApiContext
) -> CertificationRead:
    cert = service.add_certification(ctx, coordinator_id, body)
    return CertificationRead(
        id=cert.id,
        code=cert.code,
        name=cert.name,
        issued_on=cert.issued_on,
        expires_on=cert.expires_on,
        source=cert.source,
        state=training_rules.certification_state(cert.expires_on, cert.created_at.date()),
    )


def _renewal_read(r: service.Renewal) -> RenewalRead:
    assert r.certification.expires_on is not None
    return RenewalRead(
        coordinator_id=r.coordinator.id,
        display_name=r.user.display_name,
        certification_id=r.certification.id,
        code=r.certification.code,
        name=r.certification.name,
        expires_on=r.certification.expires_on,
        days_left=r.days_left,
        state=r.state,
    )


@router.get("/certifications/renewals", response_model=list[RenewalRead])
def renewals(
    ctx: ApiContext, within_days: Annotated[int, Query(ge=1, le=365)] = 60
) -> list[RenewalRead]:
    return [_renewal_read(r) for r in service.renewals_due(ctx, within_days)]


@router.post("/certifications/reminders", response_model=list[RenewalRead])
def queue_reminders(body: ReminderRequest, ctx: ApiContext) -> list[RenewalRead]:
    return [_renewal_read(r) for r in service.queue_renewal_reminders(ctx, body.within_days)]
