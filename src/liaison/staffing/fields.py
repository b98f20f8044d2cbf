"""Field types shared by the staffing API shapes."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from liaison.kit.validation import Code, LanguageTag, Shape
from liaison.staffing.hours import WEEKDAYS, minutes_of
from liaison.staffing.vocabulary import PROFICIENCY_LEVELS, SKILLS, SYSTEMS

Proficiency = Literal["basic", "conversational", "professional", "native"]
assert Proficiency.__args__ == PROFICIENCY_LEVELS  # type: ignore[attr-defined]

_QUARTER = re.compile(r"^(?:[01]\d|2[0-3]):(?:00|15|30|45)$|^24:00$")


def _quarter_hour(value: str) -> str:
    # Hours are compared in quarter-hour bins (staffing.hours); other minutes would be
    # rounded silently, so they are refused instead.
    if not _QUARTER.match(value):
        raise ValueError("is not a time on the quarter hour as HH:MM (24:00 ends a day)")
    return value


def _system(value: str) -> str:
    if value not in SYSTEMS:
        raise ValueError(f"is not a known system ({', '.join(sorted(SYSTEMS))})")
    return value


def _skill(value: str) -> str:
    if value not in SKILLS:
        raise ValueError(f"is not a known skill ({', '.join(sorted(SKILLS))})")
    return value


def _fte(value: float) -> float:
    if abs(value * 20 - round(value * 20)) > 1e-9:
        raise ValueError("must be a multiple of 0.05")
    return value


QuarterHour = Annotated[str, StringConstraints(max_length=5), AfterValidator(_quarter_hour)]
SystemCode = Annotated[str, StringConstraints(max_length=40), AfterValidator(_system)]
SkillCode = Annotated[str, StringConstraints(max_length=40), AfterValidator(_skill)]
SpecialtyCode = Code
CertificationCode = Code
Fte = Annotated[float, Field(ge=0.05, le=1.0), AfterValidator(_fte)]
Score = Annotated[int, Field(ge=0, le=100)]
LongText = Annotated[str, StringConstraints(max_length=4000)]


def fte_percent(value: float) -> int:
    return round(value * 100)


class Span(Shape):
    start: QuarterHour
    end: QuarterHour

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and minutes_of(value) <= minutes_of(start):
            raise ValueError("must be after start (split a shift that crosses midnight)")
        return value


WeeklyHours = dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Span]]


def hours_json(hours: WeeklyHours | None) -> dict[str, list[dict[str, str]]]:
    """Every weekday present, spans sorted; overlapping spans are refused by the caller."""
    given = hours or {}
    return {
        day: sorted(
            ({"start": s.start, "end": s.end} for s in given.get(day, [])),  # type: ignore[call-overload]
            key=lambda s: minutes_of(s["start"]),
        )
        for day in WEEKDAYS
    }


def overlapping_day(hours: dict[str, list[dict[str, str]]]) -> str | None:
    for day, spans in hours.items():
        for before, after in pairwise(spans):
            if minutes_of(after["start"]) < minutes_of(before["end"]):
                return day
    return None


class LanguageSkill(Shape):
    tag: LanguageTag
    proficiency: Proficiency


class SystemExperience(Shape):
    code: SystemCode
    years: int = Field(ge=0, le=50, description="Whole years of daily use (0: under a year)")
