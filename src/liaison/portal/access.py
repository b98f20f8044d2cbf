"""Whose records a portal user may see and act on: their own, and those of the patients
they are an active proxy for. Every portal service starts here.

A patient's membership (role ``patient``) names their own record in one organization;
``patient_proxy`` rows name the other patients they act for, with a scope (``read`` or
``manage``) and an end date. Anything else is 404 — the portal never confirms that a
record it will not show exists.

The scheduling, messaging and queue services check staff permissions. When the portal
has established that the caller may act for a patient, ``acting_for`` lends the caller
the permissions that action needs, in that one organization, for the duration of the
action: the audit trail still names the patient's own user as the actor.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import or_, select

from liaison.authz.permissions import Permission
from liaison.authz.scope import unscoped_system
from liaison.context import Context
from liaison.errors import NotFound, PermissionDenied, Unauthenticated
from liaison.kit import clock
from liaison.models import Organization, Patient, PatientProxy

SYSTEM = "the portal reads the caller's own proxy grants"
# What a portal action may need from the staff-side services, and nothing more.
LENT = frozenset(
    {
        Permission.PATIENT_READ,
        Permission.APPOINTMENT_READ,
        Permission.APPOINTMENT_WRITE,
        Permission.DIRECTORY_READ,
        Permission.TASK_WRITE,
    }
)


@dataclass(frozen=True)
class PortalPatient:
    """A patient the caller may use the portal for."""

    organization_id: uuid.UUID
    patient_id: uuid.UUID
    # "self", or the proxy relationship (parent, guardian, caregiver, spouse, other).
    relationship: str
    can_manage: bool
    given_name: str
    family_name: str
    organization_name: str
    language: str

    @property
    def is_self(self) -> bool:
        return self.relationship == "self"


def patients_for(ctx: Context) -> list[PortalPatient]:
    """The caller's own records (one per organization) and their active proxy grants."""
    principal = ctx.caller
    today = clock.now().date()
    own = [(org, pid, "self", True) for org, pid in principal.patient_ids.items()]
    grants = ctx.session.execute(
        unscoped_system(
            select(
                PatientProxy.organization_id,
                PatientProxy.patient_id,
                PatientProxy.relationship,
                PatientProxy.scope,
            ).where(
                PatientProxy.proxy_user_id == principal.user_id,
                PatientProxy.revoked_at.is_(None),
                PatientProxy.starts_on <= today,
                or_(PatientProxy.ends_on.is_(None), PatientProxy.ends_on >= today),
            ),
            SYSTEM,
        )
    ).all()
    wanted = own + [(o, p, r, s == "manage") for o, p, r, s in grants]
    if not wanted:
        return []
    ids = {pid for _, pid, _, _ in wanted}
    rows = {
        (p.organization_id, p.id): p
        for p in ctx.session.scalars(
            unscoped_system(
                select(Patient).where(Patient.id.in_(ids), Patient.active.is_(True)),
                "the portal loads the patients the caller was just found to be allowed",
            )
        )
    }
    names = dict(
        ctx.session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({o for o, _, _, _ in wanted}),
                Organization.portal_enabled.is_(True),
            )
        ).all()
    )
    found: dict[tuple[uuid.UUID, uuid.UUID], PortalPatient] = {}
    for org, pid, relationship, manage in wanted:
        patient = rows.get((org, pid))
        if patient is None or org not in names:
            continue
        key = (org, pid)
        if key in found and found[key].can_manage >= manage:
            continue
        found[key] = PortalPatient(
            organization_id=org,
            patient_id=pid,
            relationship=relationship,
            can_manage=manage,
            given_name=patient.given_name,
            family_name=patient.family_name,
            organization_name=names[org],
            language=(patient.preferred_language or "en").split("-")[0],
        )
    return sorted(found.values(), key=lambda p: (not p.is_self, p.family_name, p.given_name))


def require_patient(ctx: Context, patient_id: uuid.UUID, *, manage: bool = False) -> PortalPatient:
    """The patient, if the caller may see them (404 otherwise); 403 when ``manage`` is
    asked of a read-only proxy."""
    if ctx.principal is None:
        raise Unauthenticated()
    for candidate in patients_for(ctx):
        if candidate.patient_id == patient_id:
            if manage and not candidate.can_manage:
                raise PermissionDenied(
                    "Your access to this patient's portal is read-only; please call the clinic"
                )
            return candidate
    raise NotFound("Patient")


@contextmanager
def acting_for(ctx: Context, patient: PortalPatient) -> Iterator[Context]:
    """Within the block, the caller holds the ``LENT`` permissions in the patient's
    organization (and nowhere else)."""
    original = ctx.caller
    ctx.principal = dataclasses.replace(original, delegated={patient.organization_id: LENT})
    try:
        yield ctx
    finally:
        ctx.principal = original
