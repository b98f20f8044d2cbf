"""The booking lifecycle over HTTP: holds, bookings, cancellations, reschedules, status
changes, idempotent retries, overbooking, and the events each change emits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.kit import clock
from liaison.models import OutboxMessage
from tests.scheduling.conftest import local

TUESDAY = date(2026, 6, 2)


def _events(runtime) -> list[tuple[str, str]]:
    with runtime.db.session() as s:
        rows = s.scalars(
            unscoped_system(
                select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id), "test"
            )
        )
        # Domain events only; reminders queued by a booking are messaging's business.
        return [
            (m.topic, m.payload["appointment_id"])
            for m in rows
            if m.topic.startswith("appointment.")
        ]


def book(clinic, start, **extra):
    return clinic.coordinator.post("/api/v1/appointments", json=clinic.booking(start, **extra))


def test_book_returns_the_appointment_and_emits_booked(clinic, runtime):
    response = book(clinic, local(TUESDAY, 9))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["start"], body["end"]) == (
        "booked",
        "2026-06-02T13:00:00Z",
        "2026-06-02T13:30:00Z",
    )
    assert _events(runtime) == [("appointment.booked", body["id"])]
    detail = clinic.coordinator.get(f"/api/v1/appointments/{body['id']}").json()
    assert [h["action"] for h in detail["history"]] == ["booked"]


def test_same_slot_twice_is_409_with_alternatives(clinic):
    assert book(clinic, local(TUESDAY, 9)).status_code == 201
    again = book(clinic, local(TUESDAY, 9, 15))  # overlaps 09:00-09:30
    assert again.status_code == 409
    problem = again.json()
    assert problem["type"] == "/problems/slot-taken"
    assert [a["local_start"][11:16] for a in problem["alternatives"]][:1] == ["09:30"]


def test_idempotency_key_returns_the_first_result(clinic, runtime):
    headers = {"Idempotency-Key": "retry-123"}
    first = clinic.coordinator.post(
        "/api/v1/appointments",
        json=clinic.booking(local(TUESDAY, 10)),
        headers={**clinic.coordinator.headers, **headers},
    )
    second = clinic.coordinator.post(
        "/api/v1/appointments",
        json=clinic.booking(local(TUESDAY, 10)),
        headers={**clinic.coordinator.headers, **headers},
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert len(_events(runtime)) == 1
    other = clinic.coordinator.post(
        "/api/v1/appointments",
        json=clinic.booking(local(TUESDAY, 11)),
        headers={**clinic.coordinator.headers, **headers},
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_hold_then_confirm(clinic, runtime):
    held = book(clinic, local(TUESDAY, 9), status="proposed")
    assert held.status_code == 201 and held.json()["status"] == "proposed"
    assert book(clinic, local(TUESDAY, 9)).status_code == 409  # the hold keeps the slot
    confirmed = clinic.coordinator.post(f"/api/v1/appointments/{held.json()['id']}/book", json={})
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "booked" and confirmed.json()["hold_expires_at"] is None
    assert _events(runtime) == [("appointment.booked", held.json()["id"])]


def test_expired_hold_is_released_and_cannot_be_confirmed(clinic):
    held = book(clinic, local(TUESDAY, 9), status="proposed").json()
    clock.advance(timedelta(minutes=10, seconds=1))
    late = clinic.coordinator.post(f"/api/v1/appointments/{held['id']}/book", json={})
    assert late.status_code == 409 and "expired" in late.json()["detail"]
    assert book(clinic, local(TUESDAY, 9)).status_code == 201
    assert (
        clinic.coordinator.get(f"/api/v1/appointments/{held['id']}").json()["status"] == "cancelled"
    )


def test_booking_over_an_expired_hold_releases_it(clinic):
    held = book(clinic, local(TUESDAY, 9), status="proposed").json()
    clock.advance(timedelta(minutes=11))
    assert book(clinic, local(TUESDAY, 9)).status_code == 201
    detail = clinic.coordinator.get(f"/api/v1/appointments/{held['id']}").json()
    assert detail["status"] == "cancelled" and detail["cancellation_reason"] == "hold expired"


def test_cancel_frees_the_time_and_records_who(clinic, runtime):
    booked = book(clinic, local(TUESDAY, 9)).json()
    cancelled = clinic.coordinator.post(
        f"/api/v1/appointments/{booked['id']}/cancel",
        json={"reason": "feeling better", "cancelled_by": "patient"},
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancelled_by"]) == (
        "cancelled",
        "patient",
    )
    assert book(clinic, local(TUESDAY, 9)).status_code == 201
    assert [t for t, _ in _events(runtime)] == [
        "appointment.booked",
        "appointment.cancelled",
        "appointment.booked",
    ]
    again = clinic.coordinator.post(
        f"/api/v1/appointments/{booked['id']}/cancel",
        json={"reason": "x", "cancelled_by": "patient"},
    )
    assert again.status_code == 409


def test_reschedule_links_to_the_original(clinic, runtime):
    original = book(clinic, local(TUESDAY, 9)).json()
    moved = clinic.coordinator.post(
        f"/api/v1/appointments/{original['id']}/reschedule",
        json={"start": local(TUESDAY, 9, 30).isoformat(), "requested_by": "patient"},
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["rescheduled_from_id"] == original["id"]
    old = clinic.coordinator.get(f"/api/v1/appointments/{original['id']}").json()
    assert old["status"] == "cancelled" and old["cancellation_reason"] == "rescheduled"
    assert [h["action"] for h in old["history"]] == ["booked", "rescheduled"]
    assert [t for t, _ in _events(runtime)] == ["appointment.booked", "appointment.rescheduled"]


def test_reschedule_into_a_taken_slot_changes_nothing(clinic):
    a = book(clinic, local(TUESDAY, 9)).json()
    book(clinic, local(TUESDAY, 10))
    moved = clinic.coordinator.post(
        f"/api/v1/appointments/{a['id']}/reschedule", json={"start": local(TUESDAY, 10).isoformat()}
    )
    assert moved.status_code == 409
    assert clinic.coordinator.get(f"/api/v1/appointments/{a['id']}").json()["status"] == "booked"


def test_status_flow_and_refused_transitions(clinic, runtime):
    appt = book(clinic, local(TUESDAY, 9)).json()
    url = f"/api/v1/appointments/{appt['id']}/status"
    early = clinic.coordinator.post(url, json={"status": "noshow"})
    assert early.status_code == 409 and "before the appointment starts" in early.json()["detail"]
    clock.advance(timedelta(days=1, hours=1, minutes=5))  # Tuesday 09:05 local
    for status in ("arrived", "checked-in", "fulfilled"):
        assert clinic.coordinator.post(url, json={"status": status}).status_code == 200
    cancel = clinic.coordinator.post(
        f"/api/v1/appointments/{appt['id']}/cancel", json={"reason": "x", "cancelled_by": "patient"}
    )
    assert cancel.status_code == 409
    topics = [t for t, _ in _events(runtime)]
    assert topics == [
        "appointment.booked",
        "appointment.arrived",
        "appointment.checked-in",
        "appointment.fulfilled",
    ]


def test_noshow_emits_and_frees(clinic, runtime):
    appt = book(clinic, local(TUESDAY, 9)).json()
    clock.advance(timedelta(days=1, hours=1, minutes=20))
    assert (
        clinic.coordinator.post(
            f"/api/v1/appointments/{appt['id']}/status", json={"status": "noshow"}
        ).status_code
        == 200
    )
    assert _events(runtime)[-1] == ("appointment.noshow", appt["id"])


@pytest.mark.parametrize(
    ("start", "field", "words"),
    [
        (local(TUESDAY, 7), "start", "outside the practitioner's availability"),
        (local(date(2026, 6, 6), 10), "start", "outside"),  # Saturday
        (local(date(2026, 6, 1), 8, 30), "start", "minimum notice"),
        (local(date(2026, 5, 1), 9), "start", "in the past"),
        (local(date(2026, 12, 1), 9), "start", "booking horizon"),
        (local(TUESDAY, 9, 0) + timedelta(seconds=30), "start", "whole minute"),
    ],
)
def test_times_that_cannot_be_booked_are_422(clinic, start, field, words):
    response = book(clinic, start)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == field and words in error["message"]


def test_naive_start_is_refused(clinic):
    response = clinic.coordinator.post(
        "/api/v1/appointments", json={**clinic.ids, "start": "2026-06-02T09:00:00"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "start"


def test_visit_type_not_offered_is_422(api, clinic):
    other = api.service(clinic.org, code="other", name="Other")
    response = book(clinic, local(TUESDAY, 9), healthcare_service_id=str(other.id))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "healthcare_service_id"


def test_patient_of_another_organization(api, clinic):
    stranger = api.patient(api.organization())
    response = book(clinic, local(TUESDAY, 9), patient_id=str(stranger.id))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "patient_id"


def test_overbooking_is_an_explicit_limited_policy(api, runtime, clinic):
    assert book(clinic, local(TUESDAY, 9)).status_code == 201
    refused = book(clinic, local(TUESDAY, 9), overbook=True)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "overbook"
    from liaison.models import HealthcareService

    with runtime.db.session() as s:
        s.scalar(
            unscoped_system(
                select(HealthcareService).where(HealthcareService.id == clinic.service.id), "test"
            )
        ).overbook_limit = 1
    squeezed = book(clinic, local(TUESDAY, 9), overbook=True)
    assert squeezed.status_code == 201 and squeezed.json()["overbooked"] is True
    third = book(clinic, local(TUESDAY, 9), overbook=True)
    assert third.status_code == 409 and "limit of 1" in third.json()["detail"]


def test_max_per_day(api, runtime, clinic):
    from liaison.models import HealthcareService

    with runtime.db.session() as s:
        s.scalar(
            unscoped_system(
                select(HealthcareService).where(HealthcareService.id == clinic.service.id), "test"
            )
        ).max_per_day = 1
    assert book(clinic, local(TUESDAY, 9)).status_code == 201
    second = book(clinic, local(TUESDAY, 11))
    assert second.status_code == 409 and "daily maximum" in second.json()["detail"]


def test_list_appointments_for_a_calendar(clinic):
    book(clinic, local(TUESDAY, 9))
    book(clinic, local(TUESDAY, 10), practitioner_role_id=str(clinic.roles[1].id))
    page = clinic.coordinator.get(
        "/api/v1/appointments",
        params={
            "organization_id": str(clinic.org.id),
            "start": "2026-06-02T00:00:00Z",
            "end": "2026-06-03T00:00:00Z",
            "practitioner_id": str(clinic.practitioners[1].id),
        },
    )
    assert page.status_code == 200
    assert [a["start"] for a in page.json()["items"]] == ["2026-06-02T14:00:00Z"]


def test_practitioner_may_read_but_not_book(api, clinic):
    practitioner = api.login(clinic.org, "practitioner")
    assert (
        practitioner.post(
            "/api/v1/appointments", json=clinic.booking(local(TUESDAY, 9))
        ).status_code
        == 403
    )
    booked = book(clinic, local(TUESDAY, 9)).json()
    assert practitioner.get(f"/api/v1/appointments/{booked['id']}").status_code == 200


def test_visit_type_policy_is_set_through_the_api(clinic):
    url = f"/api/v1/services/{clinic.service.id}"
    changed = clinic.admin.patch(
        url, json={"buffer_after_minutes": 10, "max_per_day": 8, "overbook_limit": 1}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["buffer_after_minutes"], changed.json()["max_per_day"]) == (10, 8)
    cleared = clinic.admin.patch(url, json={"max_per_day": None})
    assert cleared.json()["max_per_day"] is None
    refused = clinic.admin.patch(url, json={"hold_minutes": None})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "hold_minutes"
    assert clinic.admin.patch(url, json={"overbook_limit": 9}).status_code == 422
