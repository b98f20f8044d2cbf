"""The guard refuses queries on tenant tables that skipped the scoping helper."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from liaison.authz.guard import UnscopedTenantQuery
from liaison.authz.permissions import Permission, Role
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped, unscoped_system
from liaison.models import Location, Organization, Patient, PatientTelecom


def _principal(org_id, role=Role.COORDINATOR):
    import uuid

    return Principal(uuid.uuid4(), "x@example.org", "X", None, {org_id: role})


@pytest.mark.parametrize(
    "stmt",
    [
        select(Patient),
        select(Patient.id),
        select(PatientTelecom).where(PatientTelecom.value == "+1"),
        update(Location).values(name="x"),
        delete(Patient),
    ],
)
def test_unscoped_queries_on_tenant_tables_raise(runtime, stmt):
    with runtime.db.session() as session, pytest.raises(UnscopedTenantQuery):
        session.execute(stmt)


def test_scoped_queries_see_only_the_callers_organizations(api, runtime):
    a, b = api.organization(), api.organization()
    api.patient(a, given_name="In")
    api.patient(b, given_name="Out")
    with runtime.db.session() as session:
        rows = session.scalars(
            scoped(select(Patient), _principal(a.id), Patient, Permission.PATIENT_READ)
        ).all()
    assert [p.given_name for p in rows] == ["In"]


def test_a_role_without_the_permission_sees_nothing(api, runtime):
    org = api.organization()
    api.patient(org)
    with runtime.db.session() as session:
        rows = session.scalars(
            scoped(
                select(Patient), _principal(org.id, Role.PATIENT), Patient, Permission.PATIENT_READ
            )
        ).all()
    assert rows == []


def test_system_queries_must_say_why(runtime):
    with pytest.raises(ValueError):
        unscoped_system(select(Patient), "")
    with runtime.db.session() as session:
        session.execute(unscoped_system(select(Patient), "test of the system path"))


def test_non_tenant_tables_need_no_scope(runtime):
    with runtime.db.session() as session:
        session.execute(select(Organization))
