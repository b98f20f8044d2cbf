"""API shapes of client openings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from liaison.kit.validation import LanguageTag, ReadShape, Shape, ShortText, TimeZone
from liaison.staffing.fields import (
    CertificationCode,
    Fte,
    LongText,
    Proficiency,
    Score,
    SkillCode,
    SpecialtyCode,
    SystemCode,
    WeeklyHours,
)


class LanguageNeed(Shape):
    tag: LanguageTag
    share: float = Field(gt=0, le=1, description="Share of the client's patients who prefer it")
    required: bool = False
    min_proficiency: Proficiency = "professional"


class SystemNeed(Shape):
    code: SystemCode
    required: bool = False


class SkillNeed(Shape):
    code: SkillCode
    required: bool = False


class SpecialtyNeed(Shape):
    code: SpecialtyCode
    required: bool = False


def _unique(items: list[str], what: str) -> None:
    if len(set(items)) != len(items):
        raise ValueError(f"lists a {what} twice")


class _Needs(Shape):
    @field_validator("languages", check_fields=False)
    @classmethod
    def _languages(cls, value: list[LanguageNeed] | None) -> list[LanguageNeed] | None:
        if value is not None:
            _unique([v.tag for v in value], "language")
            # Shares describe one population: together at most all of it.
            if sum(v.share for v in value) > 1.0001:
                raise ValueError("shares add up to more than 1")
        return value

    @field_validator("systems", "skills", "specialties", check_fields=False)
    @classmethod
    def _codes(cls, value: list[SystemNeed] | None) -> list[SystemNeed] | None:
        if value is not None:
            _unique([v.code for v in value], "code")
        return value

    @field_validator("required_certifications", "required_course_ids", check_fields=False)
    @classmethod
    def _plain(cls, value: list[object] | None) -> list[object] | None:
        if value is not None:
            _unique([str(v) for v in value], "value")
        return value


class OpeningCreate(_Needs):
    organization_id: uuid.UUID
    title: ShortText
    description: LongText = ""
    time_zone: TimeZone | None = Field(default=None, description="Default: the organization's")
    hours: WeeklyHours
    fte: Fte = 1.0
    headcount: int = Field(default=1, ge=1, le=20)
    expected_volume_per_week: int | None = Field(default=None, ge=0, le=100_000)
    languages: list[LanguageNeed] = Field(min_length=1, max_length=12)
    systems: list[SystemNeed] = Field(default_factory=list, max_length=12)
    skills: list[SkillNeed] = Field(default_factory=list, max_length=12)
    specialties: list[SpecialtyNeed] = Field(default_factory=list, max_length=12)
    required_certifications: list[CertificationCode] = Field(default_factory=list, max_length=10)
    required_course_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    min_hours_overlap_percent: int | None = Field(default=None, ge=1, le=100)
    min_assessment: Score | None = None
    starts_on: date | None = None

    @model_validator(mode="after")
    def _hours_named(self) -> OpeningCreate:
        if not any(self.hours.values()):
            raise ValueError("hours must name the time to cover")
        return self


class OpeningUpdate(_Needs):
    title: ShortText | None = None
    description: LongText | None = None
    time_zone: TimeZone | None = None
    hours: WeeklyHours | None = None
    fte: Fte | None = None
    headcount: int | None = Field(default=None, ge=1, le=20)
    expected_volume_per_week: int | None = Field(default=None, ge=0, le=100_000)
    languages: list[LanguageNeed] | None = Field(default=None, min_length=1, max_length=12)
    systems: list[SystemNeed] | None = Field(default=None, max_length=12)
    skills: list[SkillNeed] | None = Field(default=None, max_length=12)
    specialties: list[SpecialtyNeed] | None = Field(default=None, max_length=12)
    required_certifications: list[CertificationCode] | None = Field(default=None, max_length=10)
    required_course_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)
    min_hours_overlap_percent: int | None = Field(default=None, ge=1, le=100)
    min_assessment: Score | None = None
    starts_on: date | None = None
    # "filled" follows from the placements; a person may open or close an opening.
    status: Literal["open", "closed"] | None = None


class BackupChoice(Shape):
    coordinator_id: uuid.UUID | None


class OpeningRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    organization_name: str
    title: str
    description: str
    status: str
    time_zone: str
    hours: dict[str, list[dict[str, str]]]
    fte: float
    headcount: int
    filled: int
    expected_volume_per_week: int | None
    languages: list[dict[str, object]]
    systems: list[dict[str, object]]
    skills: list[dict[str, object]]
    specialties: list[dict[str, object]]
    required_certifications: list[str]
    required_course_ids: list[str]
    min_hours_overlap_percent: int | None
    min_assessment: int | None
    starts_on: date | None
    backup_coordinator_id: uuid.UUID | None
    created_at: datetime
