"""HTTP edge of the patient registry. Every request here leaves one audit row."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from liaison.auth.dependencies import patient_data
from liaison.errors import InvalidInput
from liaison.kit.validation import Page
from liaison.patients import service
from liaison.patients.schemas import (
    ConsentIn,
    ConsentRead,
    DuplicateCandidate,
    DuplicateCheck,
    IdentifierRead,
    PatientCreate,
    PatientRead,
    PatientSummary,
    PatientUpdate,
    PhoneRead,
)

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])

Reading = patient_data("read")
Creating = patient_data("create")
Updating = patient_data("update")
Deleting = patient_data("delete")


def to_read(record: service.PatientRecord) -> PatientRead:
    p = record.patient
    return PatientRead.model_validate(
        {
            **{k: getattr(p, k) for k in PatientRead.model_fields if hasattr(p, k)},
            "phones": [PhoneRead.model_validate(t) for t in record.phones],
            "identifiers": [IdentifierRead.model_validate(i) for i in record.identifiers],
            "consents": [ConsentRead.model_validate(c) for c in record.consents],
        }
    )


@router.get("", response_model=Page[PatientSummary])
def search_patients(
    ctx: Reading,
    q: Annotated[
        str | None, Query(max_length=200, description="Name, birth date, phone or MRN")
    ] = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
    birth_date: date | None = None,
    phone: Annotated[str | None, Query(max_length=30)] = None,
    mrn: Annotated[str | None, Query(max_length=40)] = None,
    organization_id: uuid.UUID | None = None,
    include_inactive: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[PatientSummary]:
    patients, phones, next_cursor = service.search_patients(
        ctx,
        q=q,
        name=name,
        birth_date=birth_date,
        phone=phone,
        mrn=mrn,
        organization_id=organization_id,
        include_inactive=include_inactive,
        limit=limit,
        cursor=cursor,
    )
    items = [
        PatientSummary.model_validate(
            {
                **{k: getattr(p, k) for k in PatientSummary.model_fields if k != "phone"},
                "phone": phones.get(p.id),
            }
        )
        for p in patients
    ]
    return Page[PatientSummary](items=items, next_cursor=next_cursor)


@router.post(
    "",
    response_model=PatientRead,
    status_code=201,
    responses={409: {"description": "Likely duplicates (with candidates) or MRN taken"}},
)
def create_patient(body: PatientCreate, ctx: Creating) -> PatientRead:
    return to_read(service.create_patient(ctx, body))


@router.post("/duplicates", response_model=list[DuplicateCandidate])
def check_duplicates(body: DuplicateCheck, ctx: Reading) -> list[DuplicateCandidate]:
    """Possible existing records for a person, before creating one."""
    return service.check_duplicates(ctx, body)


@router.get("/{patient_id}", response_model=PatientRead)
def get_patient(patient_id: uuid.UUID, ctx: Reading) -> PatientRead:
    return to_read(service.get_patient(ctx, patient_id))


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InvalidInput("If-Match", 'must be the patient\'s version, e.g. "3"')
    return int(raw)


@router.patch("/{patient_id}", response_model=PatientRead)
def update_patient(
    patient_id: uuid.UUID,
    body: PatientUpdate,
    ctx: Updating,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> PatientRead:
    record = service.update_patient(ctx, patient_id, body, _if_match(if_match))
    response.headers["ETag"] = f'"{record.patient.version}"'
    return to_read(record)


@router.post("/{patient_id}/consents", response_model=PatientRead)
def record_consent(patient_id: uuid.UUID, body: ConsentIn, ctx: Updating) -> PatientRead:
    return to_read(service.record_consent(ctx, patient_id, body))


@router.delete("/{patient_id}", status_code=204)
def delete_patient(patient_id: uuid.UUID, ctx: Deleting) -> Response:
    service.delete_patient(ctx, patient_id)
    return Response(status_code=204)
