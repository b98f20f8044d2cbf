"""HTTP edge of oversight: scorecards, account health, reports, reviews, coaching."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from liaison.auth.dependencies import ApiContext
from liaison.models import CoachingTask
from liaison.staffing.oversight import coaching, report, service
from liaison.staffing.oversight.schemas import (
    AccountHealthRead,
    AccountKpis,
    AccountSummaryRead,
    BreachRead,
    CoachingClose,
    CoachingEvaluation,
    CoachingTaskRead,
    CoordinatorKpis,
    ExpiringCertification,
    HealthRead,
    KpiRead,
    QualityReviewCreate,
    QualityReviewRead,
    SatisfactionCreate,
    SatisfactionRead,
    ScorecardRead,
    TrendPoint,
)

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])
WeeksQ = Annotated[int, Query(ge=1, le=26)]


def kpi_read(k: service.Kpi) -> KpiRead:
    return KpiRead(
        key=k.key,
        label=k.label,
        unit=k.unit,
        value=k.value,
        sample=k.sample,
        available=k.available,
        reason=k.reason,
        trend=[TrendPoint(week=w, value=v) for w, v in k.trend],
    )


def task_read(
    task: CoachingTask, coordinator_name: str = "", organization_name: str = ""
) -> CoachingTaskRead:
    read = CoachingTaskRead.model_validate(task)
    read.coordinator_name, read.organization_name = coordinator_name, organization_name
    return read


@router.get("/coordinators/{coordinator_id}/scorecard", response_model=ScorecardRead)
def scorecard(
    coordinator_id: uuid.UUID,
    ctx: ApiContext,
    organization_id: uuid.UUID | None = None,
    weeks: WeeksQ = 8,
) -> ScorecardRead:
    card = service.scorecard(ctx, coordinator_id, organization_id=organization_id, weeks=weeks)
    return ScorecardRead(
        coordinator_id=card.coordinator.id,
        display_name=card.user.display_name,
        weeks=card.weeks,
        kpis=[kpi_read(k) for k in card.kpis],
        accounts=[
            AccountKpis(organization_id=oid, organization_name=name, kpis=[kpi_read(k) for k in ks])
            for oid, name, ks in card.accounts
        ],
        breaches=[BreachRead.model_validate(b) for b in card.breaches],
        coaching=[task_read(t) for t in card.coaching],
        reviews=[QualityReviewRead.model_validate(r) for r in card.reviews],
    )


@router.get("/accounts", response_model=list[AccountSummaryRead])
def accounts(ctx: ApiContext) -> list[AccountSummaryRead]:
    return [
        AccountSummaryRead(
            organization_id=a.organization.id,
            organization_name=a.organization.name,
            health=HealthRead(status=a.health.status, reasons=a.health.reasons),
            active=a.active,
            onboarding=a.onboarding,
            open_seats=a.open_seats,
        )
        for a in service.accounts(ctx)
    ]


@router.get("/accounts/{organization_id}", response_model=AccountHealthRead)
def account_health(
    organization_id: uuid.UUID, ctx: ApiContext, weeks: WeeksQ = 8
) -> AccountHealthRead:
    h = service.account_health(ctx, organization_id, weeks)
    return AccountHealthRead(
        organization_id=h.organization.id,
        organization_name=h.organization.name,
        weeks=h.weeks,
        health=HealthRead(status=h.health.status, reasons=h.health.reasons),
        kpis=[kpi_read(k) for k in h.kpis],
        coordinators=[
            CoordinatorKpis(
                coordinator_id=r.coordinator_id,
                display_name=r.name,
                placement_status=r.status,
                kpis=[kpi_read(k) for k in r.kpis],
            )
            for r in h.coordinators
        ],
        open_seats=h.open_seats,
        overdue_seats=h.overdue_seats,
        onboarding=h.onboarding,
        expiring_certifications=[
            ExpiringCertification(display_name=n, code=c, expires_on=d)
            for n, c, d in h.expiring_certifications
        ],
        coaching=[task_read(t, organization_name=h.organization.name) for t in h.coaching],
    )


WeekQ = Annotated[
    date | None, Query(description="A day of the week to report (default: last week)")
]


def _filename(r: report.WeeklyReport, ext: str) -> str:
    return f"{r.organization.slug}-week-{r.week_start.isoformat()}.{ext}"


@router.get("/accounts/{organization_id}/report.csv", response_class=Response)
def report_csv(organization_id: uuid.UUID, ctx: ApiContext, week: WeekQ = None) -> Response:
    r = report.weekly_report(ctx, organization_id, week)
    return Response(
        report.to_csv(r),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(r, "csv")}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/accounts/{organization_id}/report.pdf", response_class=Response)
def report_pdf(organization_id: uuid.UUID, ctx: ApiContext, week: WeekQ = None) -> Response:
    r = report.weekly_report(ctx, organization_id, week)
    return Response(
        report.to_pdf(r),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(r, "pdf")}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/quality-reviews", response_model=QualityReviewRead, status_code=201)
def record_review(body: QualityReviewCreate, ctx: ApiContext) -> QualityReviewRead:
    return QualityReviewRead.model_validate(coaching.record_review(ctx, body))


@router.post("/satisfaction-scores", response_model=SatisfactionRead, status_code=201)
def record_satisfaction(body: SatisfactionCreate, ctx: ApiContext) -> SatisfactionRead:
    return SatisfactionRead.model_validate(coaching.record_satisfaction(ctx, body))


@router.post("/coaching/evaluations", response_model=list[CoachingTaskRead])
def evaluate_coaching(body: CoachingEvaluation, ctx: ApiContext) -> list[CoachingTaskRead]:
    return [task_read(t) for t in coaching.evaluate_coaching(ctx, body.weeks)]


@router.get("/coaching-tasks", response_model=list[CoachingTaskRead])
def coaching_tasks(
    ctx: ApiContext, status: Annotated[str | None, Query(pattern="^(open|closed)$")] = "open"
) -> list[CoachingTaskRead]:
    return [task_read(t, c, o) for t, c, o in coaching.coaching_tasks(ctx, status)]


@router.post("/coaching-tasks/{task_id}/close", response_model=CoachingTaskRead)
def close_task(task_id: uuid.UUID, body: CoachingClose, ctx: ApiContext) -> CoachingTaskRead:
    return task_read(coaching.close_coaching_task(ctx, task_id, body.note))
