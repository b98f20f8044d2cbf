"""The demo's calendars: every practitioner and device bookable, appointments that
never overlap, history and the horizon ahead, and slot search works on them."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select, text

from liaison.authz.scope import unscoped_system
from liaison.demo.loader import load as load_demo
from liaison.models import Appointment, PractitionerRole, Schedule

SYSTEM = "test"


def _count(runtime, stmt) -> int:
    with runtime.db.session() as session:
        return session.scalar(unscoped_system(stmt, SYSTEM)) or 0


def test_every_role_has_a_schedule_and_the_calendar_never_double_books(runtime):
    load_demo(runtime, seed=7, size="small", reset=False, patients=600)
    roles = _count(runtime, select(func.count()).select_from(PractitionerRole))
    schedules = _count(
        runtime,
        select(func.count())
        .select_from(Schedule)
        .where(Schedule.practitioner_role_id.is_not(None)),
    )
    assert roles == schedules
    with runtime.db.engine.connect() as conn:
        overlaps = conn.execute(
            text(
                "SELECT count(*) FROM appointment_participant a JOIN appointment_participant b "
                "ON a.schedule_id = b.schedule_id AND a.lane = b.lane AND a.id < b.id "
                "WHERE a.blocking AND b.blocking AND a.block_start < b.block_end AND b.block_start < a.block_end"
            )
        ).scalar_one()
    assert overlaps == 0
    with runtime.db.session() as session:
        statuses = Counter(session.scalars(unscoped_system(select(Appointment.status), SYSTEM)))
    assert statuses["booked"] > statuses["fulfilled"] > statuses["noshow"] > 0
    assert statuses["cancelled"] > 0


def test_slot_search_finds_free_time_in_the_demo(runtime, client):
    load_demo(runtime, seed=7, size="small", reset=False, patients=600)
    token = client.post(
        "/api/v1/auth/token",
        json={"email": "coordinator@harbor.example", "password": "liaison-demo-2026"},
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    org = client.get("/api/v1/organizations", headers=headers).json()[0]
    services = client.get(
        "/api/v1/services", params={"organization_id": org["id"]}, headers=headers
    ).json()["items"]
    follow_up = next(s for s in services if s["code"] == "follow-up")
    found = client.post(
        "/api/v1/slots/search",
        headers=headers,
        json={"organization_id": org["id"], "healthcare_service_id": follow_up["id"], "count": 5},
    )
    assert found.status_code == 200, found.text
    slots = found.json()["slots"]
    assert len(slots) == 5
    booked = client.post(
        "/api/v1/appointments",
        headers=headers,
        json={
            "organization_id": org["id"],
            "healthcare_service_id": follow_up["id"],
            "practitioner_role_id": slots[0]["practitioner_role_id"],
            "start": slots[0]["start"],
            "patient_id": client.get(
                "/api/v1/patients", params={"q": "a", "limit": 1}, headers=headers
            ).json()["items"][0]["id"],
        },
    )
    assert booked.status_code == 201, booked.text
