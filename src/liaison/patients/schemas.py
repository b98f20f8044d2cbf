"""API shapes of the patient registry."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from liaison.kit.validation import (
    BirthDate,
    CountryCode,
    Email,
    LanguageTag,
    Name,
    Phone,
    ReadShape,
    Shape,
    TimeZone,
)

Sex = Literal["male", "female", "other", "unknown"]
Channel = Literal["sms", "email", "voice", "portal"]
ConsentMethod = Literal["verbal", "written", "portal", "sms-keyword", "email", "import"]
Mrn = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text100 = Annotated[str, StringConstraints(max_length=100)]


class PhoneIn(Shape):
    use: Literal["mobile", "home", "work"] = "mobile"
    value: Phone


class IdentifierIn(Shape):
    system: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    value: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ConsentIn(Shape):
    channel: Channel
    status: Literal["granted", "revoked"]
    given_by: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "patient"
    method: ConsentMethod = "verbal"


def _no_duplicate_phones(phones: list[PhoneIn] | None) -> list[PhoneIn] | None:
    if phones is not None:
        values = [p.value for p in phones]
        if len(set(values)) != len(values):
            raise ValueError("lists the same number twice")
    return phones


class PatientFields(Shape):
    middle_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    preferred_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    gender_identity: Annotated[str, StringConstraints(max_length=60)] | None = None
    email: Email | None = None
    line1: Text200 | None = None
    line2: Text200 | None = None
    city: Text100 | None = None
    state: Annotated[str, StringConstraints(max_length=50)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: CountryCode | None = None
    time_zone: TimeZone | None = None
    preferred_practitioner_id: uuid.UUID | None = None


class PatientCreate(PatientFields):
    organization_id: uuid.UUID
    mrn: Mrn | None = Field(default=None, description="Generated when not given")
    given_name: Name
    family_name: Name
    birth_date: BirthDate
    administrative_sex: Sex
    preferred_language: LanguageTag = "en"
    phones: list[PhoneIn] = Field(default_factory=list, max_length=5)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=10)
    consents: list[ConsentIn] = Field(default_factory=list, max_length=4)
    confirm_not_duplicate: bool = Field(
        default=False,
        description="Create even though likely duplicates exist (after reviewing them)",
    )

    _phones = field_validator("phones")(_no_duplicate_phones)


class PatientUpdate(PatientFields):
    version: int | None = Field(default=None, ge=1, description="The version you edited")
    mrn: Mrn | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    birth_date: BirthDate | None = None
    administrative_sex: Sex | None = None
    preferred_language: LanguageTag | None = None
    active: bool | None = None
    phones: list[PhoneIn] | None = Field(default=None, max_length=5)
    identifiers: list[IdentifierIn] | None = Field(default=None, max_length=10)

    _phones = field_validator("phones")(_no_duplicate_phones)


class PhoneRead(ReadShape):
    use: str
    value: str


class IdentifierRead(ReadShape):
    system: str
    value: str


class ConsentRead(ReadShape):
    channel: str
    status: str
    given_by: str
    method: str
    recorded_at: datetime
    recorded_by_user_id: uuid.UUID | None


class PatientRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    mrn: str
    given_name: str
    middle_name: str | None
    family_name: str
    preferred_name: str | None
    birth_date: date
    administrative_sex: str
    gender_identity: str | None
    email: str | None
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    preferred_language: str
    time_zone: str | None
    preferred_practitioner_id: uuid.UUID | None
    active: bool
    version: int
    phones: list[PhoneRead]
    identifiers: list[IdentifierRead]
    consents: list[ConsentRead] = Field(description="The current decision per channel")
    created_at: datetime
    updated_at: datetime


class PatientSummary(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    preferred_name: str | None
    birth_date: date
    administrative_sex: str
    preferred_language: str
    phone: str | None


class DuplicateCandidate(ReadShape):
    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    score: int = Field(description="0-100: how alike the two records are")
    reasons: list[str]


class DuplicateCheck(Shape):
    organization_id: uuid.UUID
    given_name: Name
    family_name: Name
    birth_date: BirthDate
    phones: list[PhoneIn] = Field(default_factory=list, max_length=5)
