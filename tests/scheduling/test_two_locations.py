"""One practitioner, one place at a time: Ann Adams works at Harbor Main and at Harbor
North (two roles, two schedules). A visit at one location takes that time away at the
other — in slot search, in booking (also with overbooking allowed), and on PostgreSQL
in the database itself."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from liaison.authz.scope import unscoped_system
from liaison.models import AppointmentParticipant, HealthcareService, Schedule
from tests.scheduling.conftest import add_schedule, local

TUESDAY = date(2026, 6, 2)


@pytest.fixture
def north(api, clinic):
    """Ann's second role, at Harbor North, same hours, and her Main schedule."""
    location = api.location(clinic.org, name="Harbor North", time_zone="America/New_York")
    role = api.role(clinic.practitioners[0], location, [clinic.service])
    add_schedule(api, role)
    return role


def _book(clinic, role, start, **extra):
    body = clinic.booking(start, practitioner_role_id=str(role.id), **extra)
    return clinic.coordinator.post("/api/v1/appointments", json=body)


def _starts(clinic, role) -> list[str]:
    response = clinic.coordinator.post(
        "/api/v1/slots/search",
        json={
            "organization_id": str(clinic.org.id),
            "healthcare_service_id": str(clinic.service.id),
            "location_ids": [str(role.location_id)],
            "practitioner_ids": [str(clinic.practitioners[0].id)],
            "start_date": TUESDAY.isoformat(),
            "end_date": TUESDAY.isoformat(),
            "count": 4,
        },
    )
    assert response.status_code == 200, response.text
    return [s["local_start"][11:16] for s in response.json()["slots"]]


def test_a_visit_at_one_location_takes_the_time_at_the_other(clinic, north):
    main = clinic.roles[0]
    assert _starts(clinic, north)[:2] == ["09:00", "09:30"]
    assert _book(clinic, main, local(TUESDAY, 9)).status_code == 201

    assert _starts(clinic, north)[:2] == ["09:30", "10:00"], "09:00 is gone at North too"
    refused = _book(clinic, north, local(TUESDAY, 9))
    assert refused.status_code == 409, refused.text
    assert "another location" in refused.json()["detail"]
    assert refused.json()["alternatives"], "with the nearest free times"
    # The other practitioner at Main is not affected, and Ann is free again at 09:30.
    assert _book(clinic, clinic.roles[1], local(TUESDAY, 9)).status_code == 201
    assert _book(clinic, north, local(TUESDAY, 9, 30)).status_code == 201


def test_cancelling_at_one_location_frees_the_time_at_the_other(clinic, north):
    booked = _book(clinic, clinic.roles[0], local(TUESDAY, 9)).json()
    clinic.coordinator.post(
        f"/api/v1/appointments/{booked['id']}/cancel",
        json={"reason": "patient asked", "cancelled_by": "patient"},
    )
    assert _starts(clinic, north)[0] == "09:00"
    assert _book(clinic, north, local(TUESDAY, 9)).status_code == 201


def test_overbooking_cannot_put_her_in_two_places(clinic, north, runtime):
    with runtime.db.session() as s:
        s.scalar(
            unscoped_system(
                select(HealthcareService).where(HealthcareService.id == clinic.service.id), "t"
            )
        ).overbook_limit = 2
    assert _book(clinic, clinic.roles[0], local(TUESDAY, 9)).status_code == 201
    squeezed = _book(clinic, north, local(TUESDAY, 9), overbook=True)
    assert squeezed.status_code == 409 and "another location" in squeezed.json()["detail"]
    # Overbooking on her own schedule at Main stays what the visit type allows.
    assert _book(clinic, clinic.roles[0], local(TUESDAY, 9), overbook=True).status_code == 201


def test_postgresql_refuses_the_overlap_even_past_the_application(clinic, north, runtime):
    """The last line of defence: rows written around the booking code."""
    if runtime.settings.is_sqlite:
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite relies on its write lock")
    booked = _book(clinic, clinic.roles[0], local(TUESDAY, 9)).json()
    with runtime.db.session() as s:
        main = s.scalar(
            unscoped_system(
                select(AppointmentParticipant).where(
                    AppointmentParticipant.appointment_id == booked["id"]
                ),
                "t",
            )
        )
        elsewhere = AppointmentParticipant(
            organization_id=main.organization_id,
            appointment_id=main.appointment_id,
            schedule_id=s.scalar(
                unscoped_system(
                    select(Schedule.id).where(Schedule.practitioner_role_id == north.id), "t"
                )
            ),
            practitioner_id=main.practitioner_id,
            block_start=main.block_start + timedelta(minutes=15),
            block_end=main.block_end + timedelta(minutes=15),
            lane=0,
            blocking=True,
            healthcare_service_id=main.healthcare_service_id,
        )
        assert main.practitioner_id == clinic.practitioners[0].id
    with pytest.raises(IntegrityError, match="practitioner_no_overlap"), runtime.db.session() as s:
        s.add(elsewhere)
