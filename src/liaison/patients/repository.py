"""Patient queries, always scoped to the organizations where the caller may read them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped
from liaison.kit.keyset import page_of, paginate
from liaison.kit.text import prefix_upper_bound
from liaison.models import CommunicationConsent, Patient, PatientIdentifier, PatientTelecom

READ, WRITE = Permission.PATIENT_READ, Permission.PATIENT_WRITE
SEARCH_ORDER = (Patient.family_key, Patient.given_key, Patient.id)


def _prefix(column: Any, prefix: str) -> Any:
    # A range, not LIKE: both engines walk a B-tree for it (see kit.db.SortableText).
    return and_(column >= prefix, column < prefix_upper_bound(prefix))


def search(
    session: Session,
    principal: Principal,
    *,
    organization_id: uuid.UUID | None,
    name_readings: list[tuple[str | None, str | None]],
    birth_date: date | None,
    phone: str | None,
    mrn: str | None,
    include_inactive: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[Patient], str | None]:
    stmt = scoped(select(Patient), principal, Patient, READ)
    if organization_id is not None:
        stmt = stmt.where(Patient.organization_id == organization_id)
    if not include_inactive:
        stmt = stmt.where(Patient.active.is_(True))
    if mrn is not None:
        stmt = stmt.where(Patient.mrn == mrn)
    if birth_date is not None:
        stmt = stmt.where(Patient.birth_date == birth_date)
    if phone is not None:
        owners = scoped(
            select(PatientTelecom.organization_id, PatientTelecom.patient_id).where(
                PatientTelecom.value == phone
            ),
            principal,
            PatientTelecom,
            READ,
        )
        stmt = stmt.where(
            Patient.id.in_(owners.with_only_columns(PatientTelecom.patient_id).scalar_subquery())
        )
    if name_readings:
        alternatives = []
        for given, family in name_readings:
            parts = []
            if given:
                parts.append(_prefix(Patient.given_key, given))
            if family:
                parts.append(_prefix(Patient.family_key, family))
            alternatives.append(and_(*parts))
        stmt = stmt.where(or_(*alternatives))
    rows = list(session.scalars(paginate(stmt, SEARCH_ORDER, limit=limit, cursor=cursor)))
    return page_of(rows, SEARCH_ORDER, limit)


def first_phones(
    session: Session, principal: Principal, patients: list[Patient]
) -> dict[uuid.UUID, str]:
    if not patients:
        return {}
    stmt = scoped(
        select(PatientTelecom)
        .where(PatientTelecom.patient_id.in_([p.id for p in patients]))
        .order_by(PatientTelecom.patient_id, PatientTelecom.rank),
        principal,
        PatientTelecom,
        READ,
    )
    phones: dict[uuid.UUID, str] = {}
    for row in session.scalars(stmt):
        phones.setdefault(row.patient_id, row.value)
    return phones


def details(
    session: Session, principal: Principal, patient: Patient
) -> tuple[list[PatientTelecom], list[PatientIdentifier], list[CommunicationConsent]]:
    def of(model: Any, order: Any) -> list[Any]:
        stmt = select(model).where(
            model.organization_id == patient.organization_id, model.patient_id == patient.id
        )
        return list(session.scalars(scoped(stmt, principal, model, READ).order_by(*order)))

    phones = of(PatientTelecom, (PatientTelecom.rank,))
    identifiers = of(PatientIdentifier, (PatientIdentifier.system,))
    consents = of(CommunicationConsent, (CommunicationConsent.recorded_at,))
    return phones, identifiers, consents


def current_consents(history: list[CommunicationConsent]) -> list[CommunicationConsent]:
    latest: dict[str, CommunicationConsent] = {}
    for row in sorted(history, key=lambda r: r.recorded_at):
        latest[row.channel] = row
    return [latest[c] for c in sorted(latest)]


def candidates(
    session: Session,
    principal: Principal,
    organization_id: uuid.UUID,
    birth_date: date,
    phones: list[str],
    exclude: uuid.UUID | None = None,
) -> tuple[list[Patient], dict[uuid.UUID, set[str]]]:
    """Patients that share a birth date or a phone number: the pool to judge."""
    conditions = [Patient.birth_date == birth_date]
    phone_owners: dict[uuid.UUID, set[str]] = defaultdict(set)
    if phones:
        stmt = scoped(
            select(PatientTelecom).where(
                PatientTelecom.organization_id == organization_id,
                PatientTelecom.value.in_(phones),
            ),
            principal,
            PatientTelecom,
            READ,
        )
        for row in session.scalars(stmt):
            phone_owners[row.patient_id].add(row.value)
        if phone_owners:
            conditions.append(Patient.id.in_(list(phone_owners)))
    stmt = scoped(
        select(Patient).where(Patient.organization_id == organization_id, or_(*conditions)),
        principal,
        Patient,
        READ,
    )
    if exclude is not None:
        stmt = stmt.where(Patient.id != exclude)
    return list(session.scalars(stmt.limit(500))), phone_owners


def replace_children(
    session: Session, principal: Principal, model: Any, patient: Patient, rows: list[Any]
) -> None:
    stmt = delete(model).where(
        model.organization_id == patient.organization_id, model.patient_id == patient.id
    )
    session.execute(scoped(stmt, principal, model, WRITE))
    session.add_all(rows)


def mrn_taken(session: Session, principal: Principal, organization_id: uuid.UUID, mrn: str) -> bool:
    stmt = scoped(
        select(Patient.id).where(Patient.organization_id == organization_id, Patient.mrn == mrn),
        principal,
        Patient,
        READ,
    )
    return session.scalar(stmt) is not None
