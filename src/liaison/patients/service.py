"""Use cases of the patient registry."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm.exc import StaleDataError

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.kit import clock
from liaison.kit.db import flush_or_conflict
from liaison.kit.text import search_key
from liaison.kit.validation import normalize_phone
from liaison.models import (
    CommunicationConsent,
    Patient,
    PatientIdentifier,
    PatientTelecom,
    Practitioner,
)
from liaison.patients import repository, rules
from liaison.patients.schemas import (
    ConsentIn,
    DuplicateCandidate,
    DuplicateCheck,
    IdentifierIn,
    PatientCreate,
    PatientUpdate,
    PhoneIn,
)

READ, WRITE = Permission.PATIENT_READ, Permission.PATIENT_WRITE
SEARCH_MAX = 100


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    phones: list[PatientTelecom]
    identifiers: list[PatientIdentifier]
    consents: list[CommunicationConsent]


class LikelyDuplicate(Conflict):
    slug = "likely-duplicate"
    title = "This patient may already exist"


def _record(ctx: Context, patient: Patient) -> PatientRecord:
    phones, identifiers, history = repository.details(ctx.session, ctx.caller, patient)
    return PatientRecord(patient, phones, identifiers, repository.current_consents(history))


def access_patient(ctx: Context, patient_id: uuid.UUID, permission: Permission = READ) -> Patient:
    """Load a patient the caller may see; anyone else's is 404."""
    return access_one(ctx.session, ctx.caller, Patient, patient_id, permission, "Patient")


def get_patient(ctx: Context, patient_id: uuid.UUID) -> PatientRecord:
    audit = ctx.audit("read", "Patient", patient_id, patient_id=patient_id)
    patient = access_patient(ctx, patient_id)
    audit.about(organization_id=patient.organization_id)
    return _record(ctx, patient)


def search_patients(
    ctx: Context,
    *,
    q: str | None = None,
    name: str | None = None,
    birth_date: date | None = None,
    phone: str | None = None,
    mrn: str | None = None,
    organization_id: uuid.UUID | None = None,
    include_inactive: bool = False,
    limit: int = 25,
    cursor: str | None = None,
) -> tuple[list[Patient], dict[uuid.UUID, str], str | None]:
    criteria = rules.parse_query(q) if q else rules.Criteria()
    if name:
        criteria = rules.Criteria(
            name_tokens=tuple(search_key(name).split()[: rules.MAX_NAME_WORDS])
            or criteria.name_tokens,
            birth_date=criteria.birth_date,
            phone_digits=criteria.phone_digits,
            mrn=criteria.mrn,
        )
    e164 = None
    phone_input = phone or criteria.phone_digits
    if phone_input:
        try:
            e164 = normalize_phone(phone_input)
        except ValueError as exc:
            raise InvalidInput("phone" if phone else "q", str(exc)) from exc
    criteria = rules.Criteria(
        name_tokens=criteria.name_tokens,
        birth_date=birth_date or criteria.birth_date,
        phone_digits=e164,
        mrn=mrn or criteria.mrn,
    )
    audit = ctx.audit("read", "Patient", organization_id=organization_id, criteria=criteria.names)
    if organization_id is not None:
        ctx.require(READ, organization_id)
    elif not ctx.caller.can(READ):
        ctx.require(READ)
    if criteria.empty:
        raise InvalidInput("q", "give a name, birth date, phone number or MRN to search for")
    patients, next_cursor = repository.search(
        ctx.session,
        ctx.caller,
        organization_id=organization_id,
        name_readings=rules.name_splits(criteria.name_tokens),
        birth_date=criteria.birth_date,
        phone=e164,
        mrn=criteria.mrn,
        include_inactive=include_inactive,
        limit=min(limit, SEARCH_MAX),
        cursor=cursor,
    )
    audit.details["results"] = [str(p.id) for p in patients]
    found_in = {p.organization_id for p in patients}
    if organization_id is None and len(found_in) == 1:
        audit.about(organization_id=found_in.pop())
    phones = repository.first_phones(ctx.session, ctx.caller, patients)
    return patients, phones, next_cursor


def find_duplicates(
    ctx: Context, data: DuplicateCheck | PatientCreate, exclude: uuid.UUID | None = None
) -> list[DuplicateCandidate]:
    phones = [p.value for p in data.phones]
    pool, phone_owners = repository.candidates(
        ctx.session, ctx.caller, data.organization_id, data.birth_date, phones, exclude
    )
    new = rules.Person(data.given_name, data.family_name, data.birth_date, frozenset(phones))
    found: list[DuplicateCandidate] = []
    for existing in pool:
        other = rules.Person(
            existing.given_name,
            existing.family_name,
            existing.birth_date,
            frozenset(phone_owners.get(existing.id, set())),
        )
        score, reasons = rules.duplicate_reasons(new, other)
        if reasons:
            found.append(
                DuplicateCandidate(
                    id=existing.id,
                    mrn=existing.mrn,
                    given_name=existing.given_name,
                    family_name=existing.family_name,
                    birth_date=existing.birth_date,
                    score=score,
                    reasons=reasons,
                )
            )
    found.sort(key=lambda c: (-len(c.reasons), -c.score))
    return found[:20]


def check_duplicates(ctx: Context, data: DuplicateCheck) -> list[DuplicateCandidate]:
    audit = ctx.audit(
        "read", "Patient", organization_id=data.organization_id, purpose="duplicate-check"
    )
    ctx.require(READ, data.organization_id)
    found = find_duplicates(ctx, data)
    audit.details["results"] = [str(c.id) for c in found]
    return found


def _generate_mrn(ctx: Context, organization_id: uuid.UUID) -> str:
    for _ in range(5):
        candidate = "L" + "".join(secrets.choice("0123456789") for _ in range(9))
        if not repository.mrn_taken(ctx.session, ctx.caller, organization_id, candidate):
            return candidate
    raise Conflict("Could not allocate a medical record number; try again")


def _phones(patient: Patient, phones: list[PhoneIn]) -> list[PatientTelecom]:
    return [
        PatientTelecom(
            organization_id=patient.organization_id,
            patient_id=patient.id,
            use=p.use,
            value=p.value,
            rank=i + 1,
        )
        for i, p in enumerate(phones)
    ]


def _identifiers(patient: Patient, identifiers: list[IdentifierIn]) -> list[PatientIdentifier]:
    return [
        PatientIdentifier(
            organization_id=patient.organization_id,
            patient_id=patient.id,
            system=i.system,
            value=i.value,
        )
        for i in identifiers
    ]


def _consent(ctx: Context, patient: Patient, data: ConsentIn) -> CommunicationConsent:
    return CommunicationConsent(
        organization_id=patient.organization_id,
        patient_id=patient.id,
        channel=data.channel,
        status=data.status,
        given_by=data.given_by,
        method=data.method,
        recorded_at=clock.now(),
        recorded_by_user_id=ctx.caller.user_id,
    )


def create_patient(ctx: Context, data: PatientCreate) -> PatientRecord:
    audit = ctx.audit("create", "Patient", organization_id=data.organization_id)
    principal = ctx.require(WRITE, data.organization_id)
    if data.preferred_practitioner_id is not None:
        referenced(
            ctx.session,
            principal,
            Practitioner,
            data.organization_id,
            data.preferred_practitioner_id,
            Permission.DIRECTORY_READ,
            "preferred_practitioner_id",
        )
    if data.mrn is not None and repository.mrn_taken(
        ctx.session, principal, data.organization_id, data.mrn
    ):
        raise Conflict("Another patient has this MRN", field="mrn")
    if not data.confirm_not_duplicate:
        candidates = find_duplicates(ctx, data)
        if candidates:
            audit.details["candidates"] = [str(c.id) for c in candidates]
            raise LikelyDuplicate(
                "Review the possible matches; to create a new record anyway, send "
                "confirm_not_duplicate: true",
                candidates=[c.model_dump(mode="json") for c in candidates],
            )
    fields = data.model_dump(
        exclude={"phones", "identifiers", "consents", "confirm_not_duplicate", "mrn"}
    )
    patient = Patient(
        **fields,
        mrn=data.mrn or _generate_mrn(ctx, data.organization_id),
        given_key=search_key(data.given_name),
        family_key=search_key(data.family_name),
    )
    ctx.session.add(patient)
    flush_or_conflict(ctx.session, "Another patient has this MRN", field="mrn")
    audit.about(resource_id=patient.id, patient_id=patient.id)
    ctx.session.add_all(_phones(patient, data.phones))
    ctx.session.add_all(_identifiers(patient, data.identifiers))
    ctx.session.add_all(_consent(ctx, patient, c) for c in data.consents)
    flush_or_conflict(
        ctx.session, "An identifier is already used by another patient", field="identifiers"
    )
    return _record(ctx, patient)


_REQUIRED = {
    "given_name",
    "family_name",
    "birth_date",
    "administrative_sex",
    "preferred_language",
    "active",
    "mrn",
}


def update_patient(
    ctx: Context, patient_id: uuid.UUID, data: PatientUpdate, if_match: int | None = None
) -> PatientRecord:
    audit = ctx.audit("update", "Patient", patient_id, patient_id=patient_id)
    patient = access_patient(ctx, patient_id)
    audit.about(organization_id=patient.organization_id)
    ctx.require(WRITE, patient.organization_id)
    expected = data.version if data.version is not None else if_match
    if expected is not None and expected != patient.version:
        raise Conflict(
            "The patient was changed by someone else; reload and apply your edit again",
            current_version=patient.version,
        )
    changes = data.model_dump(exclude_unset=True, exclude={"version", "phones", "identifiers"})
    for field, value in changes.items():
        if value is None and field in _REQUIRED:
            raise InvalidInput(field, "may not be null")
    if changes.get("preferred_practitioner_id") is not None:
        referenced(
            ctx.session,
            ctx.caller,
            Practitioner,
            patient.organization_id,
            changes["preferred_practitioner_id"],
            Permission.DIRECTORY_READ,
            "preferred_practitioner_id",
        )
    if (
        "mrn" in changes
        and changes["mrn"] != patient.mrn
        and repository.mrn_taken(ctx.session, ctx.caller, patient.organization_id, changes["mrn"])
    ):
        raise Conflict("Another patient has this MRN", field="mrn")
    for field, value in changes.items():
        setattr(patient, field, value)
    patient.given_key = search_key(patient.given_name)
    patient.family_key = search_key(patient.family_name)
    fields = sorted(changes)
    if "phones" in data.model_fields_set:
        if data.phones is None:
            raise InvalidInput("phones", "may not be null; send [] to remove all")
        repository.replace_children(
            ctx.session, ctx.caller, PatientTelecom, patient, _phones(patient, data.phones)
        )
        fields.append("phones")
    if "identifiers" in data.model_fields_set:
        if data.identifiers is None:
            raise InvalidInput("identifiers", "may not be null; send [] to remove all")
        repository.replace_children(
            ctx.session,
            ctx.caller,
            PatientIdentifier,
            patient,
            _identifiers(patient, data.identifiers),
        )
        fields.append("identifiers")
    if fields:
        # Touch the row so its version moves even when only phones changed.
        patient.updated_at = clock.now()
    try:
        flush_or_conflict(ctx.session, "Another patient has this MRN or identifier")
    except StaleDataError as exc:
        raise Conflict("The patient was changed by someone else; reload and try again") from exc
    audit.details["fields"] = fields
    return _record(ctx, patient)


def record_consent(ctx: Context, patient_id: uuid.UUID, data: ConsentIn) -> PatientRecord:
    audit = ctx.audit("update", "Patient", patient_id, patient_id=patient_id, consent=data.channel)
    patient = access_patient(ctx, patient_id)
    audit.about(organization_id=patient.organization_id)
    ctx.require(WRITE, patient.organization_id)
    ctx.session.add(_consent(ctx, patient, data))
    ctx.session.flush()
    return _record(ctx, patient)


def delete_patient(ctx: Context, patient_id: uuid.UUID) -> None:
    """Remove a record created in error. A patient with history is deactivated instead."""
    audit = ctx.audit("delete", "Patient", patient_id, patient_id=patient_id)
    patient = access_patient(ctx, patient_id)
    audit.about(organization_id=patient.organization_id)
    ctx.require(WRITE, patient.organization_id)
    ctx.session.delete(patient)
    flush_or_conflict(
        ctx.session, "The patient has appointments or other records; set active=false instead"
    )
