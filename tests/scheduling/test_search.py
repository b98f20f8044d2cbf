"""Slot search over HTTP: eligibility, filters, ranking with reasons, modes."""

from __future__ import annotations

from datetime import date, timedelta

from liaison.models import AppointmentParticipant, ScheduleBlock
from tests.scheduling.conftest import add_device, add_schedule, local


def _search(clinic, **body):
    payload = {
        "organization_id": str(clinic.org.id),
        "healthcare_service_id": str(clinic.service.id),
        **body,
    }
    response = clinic.coordinator.post("/api/v1/slots/search", json=payload)
    assert response.status_code == 200, response.text
    return response.json()["slots"]


def test_first_available_across_practitioners(clinic):
    slots = _search(clinic, count=4)
    # 08:00 now with 60 min notice: today's 09:00 is the first start for both.
    assert [s["local_start"][11:16] for s in slots] == ["09:00", "09:00", "09:30", "09:30"]
    assert {s["practitioner_name"] for s in slots} == {"Ann Adams", "Bea Baez"}
    assert slots[0]["local_start"].endswith("-04:00")


def test_patient_fit_ranks_with_reasons(clinic):
    slots = _search(clinic, count=3, patient_id=str(clinic.patient.id))
    assert slots[0]["practitioner_name"] == "Bea Baez"
    assert {"code": "language", "points": 30, "text": "speaks Spanish"} in slots[0]["reasons"]
    assert slots[0]["score"] > slots[-1]["score"] or slots[-1]["practitioner_name"] == "Bea Baez"


def test_continuity_outranks_language(api, clinic):
    # Carla saw Ann Adams last month: continuity (25) + no language (0) vs Baez 30.
    from liaison.models import Appointment

    api._save(
        Appointment(
            organization_id=clinic.org.id,
            status="fulfilled",
            patient_id=clinic.patient.id,
            healthcare_service_id=clinic.service.id,
            practitioner_role_id=clinic.roles[0].id,
            location_id=clinic.location.id,
            start_at=local(date(2026, 5, 4), 9),
            end_at=local(date(2026, 5, 4), 9, 30),
            modality="in-person",
        )
    )
    slots = _search(
        clinic,
        count=2,
        patient_id=str(clinic.patient.id),
        practitioner_ids=[str(clinic.practitioners[0].id)],
    )
    assert any(r["code"] == "continuity" for r in slots[0]["reasons"])


def test_filters_by_date_time_window_and_weekday(clinic):
    slots = _search(
        clinic,
        count=50,
        start_date="2026-06-03",
        end_date="2026-06-04",
        time_windows=[{"start": "14:00", "end": "15:00"}],
        weekdays=[4],
    )
    assert {s["local_start"][:10] for s in slots} == {"2026-06-04"}
    assert {s["local_start"][11:16] for s in slots} == {"14:00", "14:30"}


def test_per_day_mode_gives_n_each_day(clinic):
    slots = _search(clinic, mode="per-day", count=2, start_date="2026-06-01", end_date="2026-06-07")
    per_day = {}
    for s in slots:
        per_day.setdefault(s["local_start"][:10], 0)
        per_day[s["local_start"][:10]] += 1
    assert per_day == {
        d: 2 for d in ("2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05")
    }


def test_booked_and_blocked_time_is_not_offered(api, clinic):
    booked = clinic.coordinator.post(
        "/api/v1/appointments",
        json=clinic.booking(
            local(date(2026, 6, 1), 9), practitioner_role_id=str(clinic.roles[0].id)
        ),
    )
    assert booked.status_code == 201, booked.text
    api._save(
        ScheduleBlock(
            organization_id=clinic.org.id,
            schedule_id=clinic.schedules[0].id,
            start_at=local(date(2026, 6, 1), 10),
            end_at=local(date(2026, 6, 1), 17),
            kind="time-off",
        )
    )
    slots = _search(
        clinic, count=20, practitioner_ids=[str(clinic.practitioners[0].id)], end_date="2026-06-01"
    )
    assert [s["local_start"][11:16] for s in slots] == ["09:30"]


def test_holiday_closes_the_day(api, clinic):
    from liaison.models import OrganizationHoliday

    api._save(
        OrganizationHoliday(organization_id=clinic.org.id, date=date(2026, 6, 2), name="Closed")
    )
    slots = _search(clinic, mode="per-day", count=1, start_date="2026-06-02", end_date="2026-06-03")
    assert {s["local_start"][:10] for s in slots} == {"2026-06-03"}


def test_visit_needing_a_device_waits_for_it(api, clinic):
    from liaison.models import HealthcareService, PractitionerRoleService

    xray = api._save(
        HealthcareService(
            organization_id=clinic.org.id,
            code="xray",
            name="X-ray visit",
            duration_minutes=30,
            required_device_kinds=["xray"],
            min_notice_minutes=0,
        )
    )
    api._save(
        PractitionerRoleService(
            organization_id=clinic.org.id,
            practitioner_role_id=clinic.roles[0].id,
            healthcare_service_id=xray.id,
        )
    )
    device = add_device(api, clinic.location, "xray")
    add_schedule(api, device=device, hours=(13, 15))
    payload = {
        "organization_id": str(clinic.org.id),
        "healthcare_service_id": str(xray.id),
        "count": 10,
        "end_date": "2026-06-01",
    }
    slots = clinic.coordinator.post("/api/v1/slots/search", json=payload).json()["slots"]
    assert [s["local_start"][11:16] for s in slots] == ["13:00", "13:30", "14:00", "14:30"]
    assert all(s["device_ids"] == [str(device.id)] for s in slots)


def test_search_uses_a_fixed_number_of_queries(api, runtime, clinic):
    """No query per practitioner or per day: 2 or 40 practitioners, same count."""
    from sqlalchemy import event

    def count_queries(n_extra: int) -> int:
        for i in range(n_extra):
            p = api.practitioner(clinic.org, given_name=f"Extra{i}")
            add_schedule(api, api.role(p, clinic.location, [clinic.service]))
        # A warm-up request first: the token's last-used time is written at most once a
        # minute, and that write must not be counted against one of the two runs.
        _search(clinic, count=1)
        statements = []
        listener = lambda *a, **k: statements.append(1)  # noqa: E731
        event.listen(runtime.db.engine, "before_cursor_execute", listener)
        try:
            _search(clinic, mode="per-day", count=3, start_date="2026-06-01", end_date="2026-06-20")
        finally:
            event.remove(runtime.db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_queries(0)
    many = count_queries(38)
    assert few == many


def test_unknown_visit_type_and_bad_dates(clinic):
    bad = clinic.coordinator.post(
        "/api/v1/slots/search",
        json={
            "organization_id": str(clinic.org.id),
            "healthcare_service_id": "00000000-0000-7000-8000-000000000000",
        },
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "healthcare_service_id"
    backwards = clinic.coordinator.post(
        "/api/v1/slots/search",
        json={
            "organization_id": str(clinic.org.id),
            "healthcare_service_id": str(clinic.service.id),
            "start_date": "2026-06-05",
            "end_date": "2026-06-01",
        },
    )
    assert backwards.status_code == 422


def test_expired_holds_do_not_hide_slots(api, clinic):
    from liaison.kit import clock

    held = clinic.coordinator.post(
        "/api/v1/appointments", json=clinic.booking(local(date(2026, 6, 1), 10), status="proposed")
    )
    assert held.status_code == 201
    assert held.json()["hold_expires_at"].startswith("2026-06-01T12:10")

    def first():
        slots = _search(
            clinic,
            count=1,
            practitioner_ids=[str(clinic.practitioners[0].id)],
            time_windows=[{"start": "10:00", "end": "12:00"}],
        )
        return slots[0]["local_start"][11:16]

    assert first() == "10:30"
    clock.advance(timedelta(minutes=11))
    assert first() == "10:00"


def test_participants_carry_buffers(api, runtime, clinic):
    from sqlalchemy import select

    from liaison.authz.scope import unscoped_system
    from liaison.models import HealthcareService

    with runtime.db.session() as s:
        svc = s.scalar(
            unscoped_system(
                select(HealthcareService).where(HealthcareService.id == clinic.service.id), "test"
            )
        )
        svc.buffer_after_minutes = 10
    booked = clinic.coordinator.post(
        "/api/v1/appointments", json=clinic.booking(local(date(2026, 6, 2), 9))
    )
    assert booked.status_code == 201
    with runtime.db.session() as s:
        p = s.scalar(unscoped_system(select(AppointmentParticipant), "test"))
    assert p.block_end - p.block_start == timedelta(minutes=40)
    slots = _search(
        clinic,
        count=2,
        practitioner_ids=[str(clinic.practitioners[0].id)],
        start_date="2026-06-02",
        end_date="2026-06-02",
    )
    # 09:00-09:30 booked with 10 min after: 09:30 would overlap the buffer; next grid start 10:00.
    assert [s["local_start"][11:16] for s in slots] == ["10:00", "10:30"]


def test_directory_changes_reach_the_next_search_at_once(clinic):
    """Slot search keeps the eligible schedules of a question while the organization's
    directory is unchanged; a change (a role ended, a visit type no longer offered,
    a practitioner renamed) must show in the very next search."""
    assert {s["practitioner_name"] for s in _search(clinic, count=6)} == {"Ann Adams", "Bea Baez"}
    admin = clinic.admin
    role = clinic.roles[1]
    ended = admin.patch(f"/api/v1/practitioner-roles/{role.id}", json={"active": False})
    assert ended.status_code == 200, ended.text
    assert {s["practitioner_name"] for s in _search(clinic, count=6)} == {"Ann Adams"}
    admin.patch(f"/api/v1/practitioner-roles/{role.id}", json={"active": True})
    assert {s["practitioner_name"] for s in _search(clinic, count=6)} == {"Ann Adams", "Bea Baez"}
    renamed = admin.patch(
        f"/api/v1/practitioners/{clinic.practitioners[1].id}", json={"family_name": "Bravo"}
    )
    assert renamed.status_code == 200, renamed.text
    assert {s["practitioner_name"] for s in _search(clinic, count=6)} == {"Ann Adams", "Bea Bravo"}
    offered = admin.patch(f"/api/v1/practitioner-roles/{role.id}", json={"service_ids": []})
    assert offered.status_code == 200, offered.text
    assert {s["practitioner_name"] for s in _search(clinic, count=6)} == {"Ann Adams"}


def test_the_fast_slot_document_is_the_documented_one(clinic):
    """/slots/search writes its JSON straight from the engine's slots; it must be
    exactly what the SlotSearchResult model would produce, reasons and all."""
    import json

    from liaison.scheduling.endpoints import slot_read, slots_json
    from liaison.scheduling.schemas import SlotSearchResult

    payload = {
        "organization_id": str(clinic.org.id),
        "healthcare_service_id": str(clinic.service.id),
        "patient_id": str(clinic.patient.id),
        "mode": "per-day",
        "count": 3,
        "end_date": (date(2026, 6, 1) + timedelta(days=6)).isoformat(),
    }
    from liaison.context import unit_of_work
    from liaison.scheduling import search
    from liaison.scheduling.schemas import SlotSearch

    runtime = clinic.coordinator.client.app.state.runtime
    from liaison.auth.service import principal_for
    from liaison.models import User

    with runtime.db.session() as session:
        principal = principal_for(session, session.get(User, clinic.coordinator.user_id))
    with unit_of_work(runtime.db, principal=principal, audit_key=runtime.audit_key) as ctx:
        slots, until = search.search_slots(ctx, SlotSearch(**payload))
    assert slots and any(s.reasons for s in slots)
    documented = SlotSearchResult(
        slots=[slot_read(s) for s in slots], searched_until=until
    ).model_dump(mode="json")
    assert json.loads(slots_json(slots, until)) == documented
    over_http = clinic.coordinator.post("/api/v1/slots/search", json=payload)
    assert over_http.headers["content-type"] == "application/json"
    assert over_http.json() == documented
