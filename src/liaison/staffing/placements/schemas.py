"""API shapes of placements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from liaison.kit.validation import ReadShape, Shape
from liaison.staffing.fields import Fte


class PlacementCreate(Shape):
    opening_id: uuid.UUID
    coordinator_id: uuid.UUID
    fte: Fte | None = Field(default=None, description="Default: the opening's FTE per seat")


class TransitionRequest(Shape):
    to: Literal["onboarding", "active", "ended"]
    reason: Annotated[str, StringConstraints(max_length=200)] | None = None


class ChecklistItem(ReadShape):
    kind: str  # course | certification
    code: str
    title: str
    # A course: passed, in-progress, enrolled, not-enrolled or failed; a certification:
    # valid, expiring, expired or missing.
    state: str
    due_on: date | None = None


class ComponentRead(ReadShape):
    key: str
    label: str
    value: float | None
    weight: float
    points: float
    detail: str


class PlacementRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    organization_name: str
    opening_id: uuid.UUID
    opening_title: str
    coordinator_id: uuid.UUID
    coordinator_name: str
    status: str
    fte: float
    score: float | None
    score_components: list[ComponentRead]
    proposed_at: datetime
    confirmed_at: datetime | None
    activated_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    onboarding: list[ChecklistItem] = Field(default_factory=list)
    blockers: list[str] = Field(default_factory=list)
