"""Every text field an API accepts fits its database column.

SQLite does not enforce VARCHAR lengths, so a schema that allows 200 characters for a
120-character column passes every SQLite test and fails with a 500 on PostgreSQL.
"""

from __future__ import annotations

import typing

import pytest
from annotated_types import MaxLen
from pydantic import BaseModel
from sqlalchemy import String

from liaison.directory import schemas as directory
from liaison.models import (
    AvailabilityRule,
    Device,
    HealthcareService,
    Location,
    Organization,
    OrganizationHoliday,
    Patient,
    Practitioner,
    ScheduleBlock,
    ScheduleOverride,
    User,
)
from liaison.models.staffing import (
    Assessment,
    CoachingTask,
    Coordinator,
    CoordinatorCertification,
    Course,
    CourseModule,
    Opening,
    QualityReview,
)
from liaison.patients import schemas as patients
from liaison.scheduling import schemas as scheduling
from liaison.staffing.openings import schemas as staffing_openings
from liaison.staffing.oversight import schemas as staffing_oversight
from liaison.staffing.profiles import schemas as staffing_profiles
from liaison.staffing.training import schemas as staffing_training
from liaison.users import schemas as users

PAIRS = [
    (directory.OrganizationCreate, Organization),
    (directory.OrganizationUpdate, Organization),
    (directory.HolidayCreate, OrganizationHoliday),
    (directory.LocationCreate, Location),
    (directory.LocationUpdate, Location),
    (directory.PractitionerCreate, Practitioner),
    (directory.PractitionerUpdate, Practitioner),
    (directory.HealthcareServiceCreate, HealthcareService),
    (directory.HealthcareServiceUpdate, HealthcareService),
    (directory.DeviceCreate, Device),
    (directory.DeviceUpdate, Device),
    (patients.PatientCreate, Patient),
    (patients.PatientUpdate, Patient),
    (users.UserCreate, User),
    (users.UserUpdate, User),
    (scheduling.AvailabilityRuleCreate, AvailabilityRule),
    (scheduling.OverrideCreate, ScheduleOverride),
    (scheduling.BlockCreate, ScheduleBlock),
    # Staffing
    (staffing_profiles.CoordinatorCreate, Coordinator),
    (staffing_profiles.CoordinatorUpdate, Coordinator),
    (staffing_profiles.CertificationCreate, CoordinatorCertification),
    (staffing_openings.OpeningCreate, Opening),
    (staffing_openings.OpeningUpdate, Opening),
    (staffing_training.CourseCreate, Course),
    (staffing_training.ModuleIn, CourseModule),
    (staffing_training.AssessmentIn, Assessment),
    (staffing_oversight.QualityReviewCreate, QualityReview),
    (staffing_oversight.CoachingClose, CoachingTask),
]


def _max_len(annotation: object) -> int | None:
    limits = []
    for arg in typing.get_args(annotation) or ():
        if isinstance(arg, MaxLen) or (
            hasattr(arg, "max_length") and isinstance(getattr(arg, "max_length", None), int)
        ):
            limits.append(arg.max_length)
        else:
            inner = _max_len(arg)
            if inner is not None:
                limits.append(inner)
    return min(limits) if limits else None


# Validators that turn any accepted input into a short canonical value (E.164 phone
# numbers are at most 16 characters; an NPI is 10 digits).
NORMALISING = {"_phone": 16, "_npi": 10}


def _bounded_by_shape(annotation: object) -> int | None:
    """A limit implied by the value's shape: a Literal, a fixed pattern, a normaliser."""
    if typing.get_origin(annotation) is typing.Literal:
        return max(len(str(v)) for v in typing.get_args(annotation))
    for arg in typing.get_args(annotation) or ():
        if getattr(arg, "pattern", None) == r"^[A-Z]{2}$":
            return 2
        func = getattr(arg, "func", None)
        if func is not None and func.__name__ in NORMALISING:
            return NORMALISING[func.__name__]
        inner = _bounded_by_shape(arg)
        if inner is not None:
            return inner
    return None


def _field_limit(schema: type[BaseModel], name: str) -> int | None:
    field = schema.model_fields[name]
    shaped = _bounded_by_shape(field.annotation)
    if shaped is None:
        shaped = (
            _bounded_by_shape(typing.Annotated[str, *field.metadata]) if field.metadata else None
        )
    if shaped is not None:
        return shaped
    limits = [
        m.max_length
        for m in field.metadata
        if hasattr(m, "max_length") and isinstance(m.max_length, int)
    ]
    found = _max_len(field.annotation)
    if found is not None:
        limits.append(found)
    return min(limits) if limits else None


@pytest.mark.parametrize(("schema", "model"), PAIRS, ids=[s.__name__ for s, _ in PAIRS])
def test_text_fields_fit_their_columns(schema, model):
    columns = model.__table__.columns
    checked = 0
    for name in schema.model_fields:
        if name not in columns or not isinstance(columns[name].type, String):
            continue
        limit = _field_limit(schema, name)
        length = columns[name].type.length
        if length is None:
            continue
        checked += 1
        assert limit is not None, (
            f"{schema.__name__}.{name} has no maximum length (column allows {length})"
        )
        assert limit <= length, (
            f"{schema.__name__}.{name} allows {limit} characters, column {length}"
        )
    assert checked or schema in (scheduling.BlockCreate,)
