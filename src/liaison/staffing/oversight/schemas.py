"""API shapes of oversight: KPIs, scorecards, account health, reviews and surveys."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, field_validator

from liaison.kit.validation import ReadShape, Shape
from liaison.staffing.vocabulary import RUBRIC, RUBRIC_MAX

RubricScore = Annotated[int, Field(ge=0, le=RUBRIC_MAX)]


class QualityReviewCreate(Shape):
    organization_id: uuid.UUID
    coordinator_id: uuid.UUID
    interaction_kind: Literal["call", "message", "booking", "referral"]
    rubric: dict[str, RubricScore]
    notes: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="About the interaction, without patient details"
    )
    reviewed_at: AwareDatetime | None = None

    @field_validator("rubric")
    @classmethod
    def _known_criteria(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(RUBRIC))
        if unknown:
            raise ValueError(
                f"has criteria the rubric does not know: {', '.join(unknown)} "
                f"(known: {', '.join(RUBRIC)})"
            )
        return value


class QualityReviewRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    coordinator_id: uuid.UUID
    reviewed_at: datetime
    interaction_kind: str
    rubric: dict[str, int]
    score_percent: int
    notes: str | None


class SatisfactionCreate(Shape):
    organization_id: uuid.UUID
    coordinator_id: uuid.UUID
    score: int = Field(ge=1, le=5)
    received_at: AwareDatetime | None = None


class SatisfactionRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    coordinator_id: uuid.UUID
    score: int
    received_at: datetime


class TrendPoint(ReadShape):
    week: date
    value: float | None


class KpiRead(ReadShape):
    key: str
    label: str
    unit: str
    value: float | None
    sample: int
    available: bool
    reason: str | None
    trend: list[TrendPoint]


class BreachRead(ReadShape):
    kpi: str
    value: float
    limit: float
    detail: str


class CoachingTaskRead(ReadShape):
    id: uuid.UUID
    coordinator_id: uuid.UUID
    coordinator_name: str = ""
    organization_id: uuid.UUID | None
    organization_name: str = ""
    kpi: str
    value: float
    threshold: float
    detail: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    note: str | None


class AccountKpis(ReadShape):
    organization_id: uuid.UUID
    organization_name: str
    kpis: list[KpiRead]


class ScorecardRead(ReadShape):
    coordinator_id: uuid.UUID
    display_name: str
    weeks: list[date]
    kpis: list[KpiRead]
    accounts: list[AccountKpis]
    breaches: list[BreachRead]
    coaching: list[CoachingTaskRead]
    reviews: list[QualityReviewRead]


class HealthRead(ReadShape):
    status: str
    reasons: list[str]


class CoordinatorKpis(ReadShape):
    coordinator_id: uuid.UUID
    display_name: str
    placement_status: str
    kpis: list[KpiRead]


class ExpiringCertification(ReadShape):
    display_name: str
    code: str
    expires_on: date


class AccountHealthRead(ReadShape):
    organization_id: uuid.UUID
    organization_name: str
    weeks: list[date]
    health: HealthRead
    kpis: list[KpiRead]
    coordinators: list[CoordinatorKpis]
    open_seats: int
    overdue_seats: int
    onboarding: int
    expiring_certifications: list[ExpiringCertification]
    coaching: list[CoachingTaskRead]


class AccountSummaryRead(ReadShape):
    organization_id: uuid.UUID
    organization_name: str
    health: HealthRead
    active: int
    onboarding: int
    open_seats: int


class CoachingEvaluation(Shape):
    weeks: int = Field(default=4, ge=1, le=26)


class CoachingClose(Shape):
    note: Annotated[str, StringConstraints(min_length=1, max_length=500)]
