"""API shapes of match results and assignment plans."""

from __future__ import annotations

import uuid

from pydantic import Field

from liaison.kit.validation import ReadShape, Shape
from liaison.staffing.placements.schemas import ComponentRead


class ExclusionRead(ReadShape):
    field: str
    reason: str


class CandidateRead(ReadShape):
    coordinator_id: uuid.UUID
    display_name: str
    score: float
    eligible: bool
    components: list[ComponentRead]
    exclusions: list[ExclusionRead]


class MatchRead(ReadShape):
    opening_id: uuid.UUID
    pool_size: int
    candidates: list[CandidateRead]
    excluded_total: int
    # How many coordinators each constraint excludes (one may be excluded by several).
    exclusion_counts: dict[str, int]
    excluded: list[CandidateRead]


class PlanRequest(Shape):
    opening_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class PlanRowRead(ReadShape):
    opening_id: uuid.UUID
    opening_title: str
    organization_id: uuid.UUID
    seat: int
    candidate: CandidateRead | None


class PlanSide(ReadShape):
    method: str
    total_score: float
    seats: int
    filled: int
    rows: list[PlanRowRead]


class PlanRead(ReadShape):
    optimal: PlanSide
    greedy: PlanSide
    # How much better the optimal assignment is than greedy picking, in score points.
    gain: float
