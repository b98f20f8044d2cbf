"""Field types for API shapes: each validates and normalises one kind of value."""

from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import available_timezones

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from liaison.kit import clock


class Shape(BaseModel):
    """Base of every API input: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadShape(BaseModel):
    model_config = ConfigDict(from_attributes=True)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError("is not an IANA time zone (for example America/New_York)")
    return value


DEFAULT_PHONE_REGION = "US"


def normalize_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone(value: str) -> str:
    return normalize_phone(value)


_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$")


def _language(value: str) -> str:
    if not _LANGUAGE.match(value):
        raise ValueError("is not a BCP 47 language tag (for example en, es, zh-Hant)")
    primary, *rest = value.split("-")
    return "-".join([primary.lower(), *rest])


def npi_is_valid(npi: str) -> bool:
    """Luhn check over the NPI with the 80840 health-industry prefix (CMS's rule)."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    digits = [int(d) for d in "80840" + npi]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _npi(value: str) -> str:
    if not npi_is_valid(value):
        raise ValueError("is not a valid 10-digit NPI (check digit mismatch)")
    return value


def _birth_date(value: date) -> date:
    if value > clock.now().date():
        raise ValueError("is in the future")
    if value < date(1900, 1, 1):
        raise ValueError("is before 1900")
    return value


def _hhmm(value: str) -> str:
    try:
        time.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("is not a time of day as HH:MM") from exc
    if not re.fullmatch(r"\d{2}:\d{2}", value):
        raise ValueError("is not a time of day as HH:MM")
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_time_zone)]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=30), AfterValidator(_phone)]
Email = Annotated[EmailStr, StringConstraints(max_length=254)]
LanguageTag = Annotated[str, StringConstraints(max_length=20), AfterValidator(_language)]
Npi = Annotated[str, AfterValidator(_npi)]
BirthDate = Annotated[date, AfterValidator(_birth_date)]
HourMinute = Annotated[str, StringConstraints(max_length=5), AfterValidator(_hhmm)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Limit = Annotated[int, Field(ge=1, le=200)]


def lowered(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None
