"""API shapes of coordinator profiles and their certifications."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from liaison.kit.validation import ReadShape, Shape, ShortText, TimeZone
from liaison.staffing.fields import (
    CertificationCode,
    Fte,
    LanguageSkill,
    LongText,
    Score,
    SkillCode,
    SpecialtyCode,
    SystemExperience,
    WeeklyHours,
)

Status = Literal["active", "inactive"]


def _unique(values: list[str], what: str) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError(f"lists a {what} twice")
    return values


class _ProfileLists(Shape):
    @field_validator("languages", check_fields=False)
    @classmethod
    def _one_per_language(cls, value: list[LanguageSkill] | None) -> list[LanguageSkill] | None:
        if value is not None:
            _unique([v.tag for v in value], "language")
        return value

    @field_validator("systems", check_fields=False)
    @classmethod
    def _one_per_system(cls, value: list[SystemExperience] | None) -> list[SystemExperience] | None:
        if value is not None:
            _unique([v.code for v in value], "system")
        return value

    @field_validator("skills", "specialties", check_fields=False)
    @classmethod
    def _no_repeats(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            _unique(value, "code")
        return value


class CoordinatorCreate(_ProfileLists):
    user_id: uuid.UUID
    headline: ShortText
    bio: LongText = ""
    home_time_zone: TimeZone
    working_hours: WeeklyHours
    capacity_fte: Fte = 1.0
    languages: list[LanguageSkill] = Field(min_length=1, max_length=12)
    skills: list[SkillCode] = Field(default_factory=list, max_length=12)
    systems: list[SystemExperience] = Field(default_factory=list, max_length=12)
    specialties: list[SpecialtyCode] = Field(default_factory=list, max_length=12)
    score_communication: Score | None = None
    score_accuracy: Score | None = None
    score_empathy: Score | None = None
    assessed_on: date | None = None
    status: Status = "active"


class CoordinatorUpdate(_ProfileLists):
    headline: ShortText | None = None
    bio: LongText | None = None
    home_time_zone: TimeZone | None = None
    working_hours: WeeklyHours | None = None
    capacity_fte: Fte | None = None
    languages: list[LanguageSkill] | None = Field(default=None, min_length=1, max_length=12)
    skills: list[SkillCode] | None = Field(default=None, max_length=12)
    systems: list[SystemExperience] | None = Field(default=None, max_length=12)
    specialties: list[SpecialtyCode] | None = Field(default=None, max_length=12)
    score_communication: Score | None = None
    score_accuracy: Score | None = None
    score_empathy: Score | None = None
    assessed_on: date | None = None
    status: Status | None = None


class CertificationCreate(Shape):
    code: CertificationCode
    name: ShortText
    issued_on: date
    expires_on: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> CertificationCreate:
        if self.expires_on is not None and self.expires_on <= self.issued_on:
            raise ValueError("expires_on must be after issued_on")
        return self


class CertificationRead(ReadShape):
    id: uuid.UUID
    code: str
    name: str
    issued_on: date
    expires_on: date | None
    source: str
    # valid | expiring (within the reminder window) | expired | superseded
    state: str


class PlacementSummary(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    organization_name: str
    opening_id: uuid.UUID
    opening_title: str
    status: str
    fte: float
    activated_at: datetime | None
    ended_at: datetime | None


class CoordinatorRead(ReadShape):
    id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    email: str
    headline: str
    bio: str
    home_time_zone: str
    working_hours: dict[str, list[dict[str, str]]]
    capacity_fte: float
    placed_fte: float
    languages: list[dict[str, str]]
    skills: list[str]
    systems: list[dict[str, str | int]]
    specialties: list[str]
    score_communication: int | None
    score_accuracy: int | None
    score_empathy: int | None
    assessed_on: date | None
    status: str
    certifications: list[CertificationRead] = Field(default_factory=list)
    placements: list[PlacementSummary] = Field(default_factory=list)


class CoordinatorListItem(ReadShape):
    id: uuid.UUID
    display_name: str
    headline: str
    home_time_zone: str
    capacity_fte: float
    placed_fte: float
    languages: list[dict[str, str]]
    systems: list[dict[str, str | int]]
    status: str
