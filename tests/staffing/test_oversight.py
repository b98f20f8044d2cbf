"""Oversight through the API: reviews and surveys, thresholds that open coaching tasks,
account health and who may see which account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liaison.kit import clock
from liaison.models import Appointment
from tests.api.test_bad_input import fingerprint

NOW = datetime(2026, 6, 3, 15, tzinfo=UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def accounts(api, staffing, frozen):  # type: ignore[no-untyped-def]
    harbor, lakeshore = api.organization("Harbor"), api.organization("Lakeshore")
    keisha, aisha = staffing.coordinator(api.user()), staffing.coordinator(api.user())
    harbor_desk = staffing.opening(harbor, headcount=2, starts_on=NOW.date() - timedelta(days=3))
    staffing.placement(harbor_desk, keisha)
    staffing.placement(staffing.opening(lakeshore), aisha)
    return {"harbor": harbor, "lakeshore": lakeshore, "keisha": keisha, "aisha": aisha}


RUBRIC_GOOD = {"greeting": 4, "accuracy": 4, "empathy": 3, "resolution": 4, "compliance": 4}
RUBRIC_POOR = {"greeting": 2, "accuracy": 1, "empathy": 2, "resolution": 2, "compliance": 3}


def review(manager, org, coordinator, rubric, **kw):  # type: ignore[no-untyped-def]
    return manager.post(
        "/api/v1/staffing/quality-reviews",
        json={
            "organization_id": str(org.id),
            "coordinator_id": str(coordinator.id),
            "interaction_kind": "call",
            "rubric": rubric,
            **kw,
        },
    )


def test_a_quality_review_is_scored_against_the_rubric(manager, accounts):
    saved = review(
        manager,
        accounts["harbor"],
        accounts["keisha"],
        RUBRIC_GOOD,
        notes="Clear, verified identity.",
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["score_percent"] == 95


def test_reviews_of_someone_not_placed_there_or_off_the_rubric_are_refused(
    runtime, manager, accounts
):
    before = fingerprint(runtime)
    elsewhere = review(manager, accounts["lakeshore"], accounts["keisha"], RUBRIC_GOOD)
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"] == [
        {"field": "coordinator_id", "message": "has not been placed at this organization"}
    ]
    unknown = review(manager, accounts["harbor"], accounts["keisha"], {**RUBRIC_GOOD, "charm": 4})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "rubric"
    missing = review(manager, accounts["harbor"], accounts["keisha"], {"greeting": 4})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "rubric.accuracy"
    assert fingerprint(runtime) == before


def test_a_kpi_past_its_threshold_opens_one_coaching_task(api, manager, accounts):
    for days in (1, 2, 3):
        assert (
            review(
                manager,
                accounts["harbor"],
                accounts["keisha"],
                RUBRIC_POOR,
                reviewed_at=(NOW - timedelta(days=days)).isoformat(),
            ).status_code
            == 201
        )
    for score in (5, 4, 5):
        manager.post(
            "/api/v1/staffing/satisfaction-scores",
            json={
                "organization_id": str(accounts["lakeshore"].id),
                "coordinator_id": str(accounts["aisha"].id),
                "score": score,
            },
        )
    opened = manager.post("/api/v1/staffing/coaching/evaluations", json={"weeks": 4})
    assert opened.status_code == 200, opened.text
    (task,) = opened.json()
    assert (task["coordinator_id"], task["organization_id"], task["kpi"]) == (
        str(accounts["keisha"].id),
        str(accounts["harbor"].id),
        "quality",
    )
    assert task["detail"] == "quality review score below 70: 48.0 over 3"
    # Evaluating again does not open a second task for the same KPI.
    assert manager.post("/api/v1/staffing/coaching/evaluations", json={"weeks": 4}).json() == []
    listed = manager.get("/api/v1/staffing/coaching-tasks").json()
    assert [(t["id"], t["coordinator_name"]) for t in listed] == [
        (task["id"], listed[0]["coordinator_name"])
    ]
    closed = manager.post(
        f"/api/v1/staffing/coaching-tasks/{task['id']}/close", json={"note": "Shadowed two calls."}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert (
        manager.post(
            f"/api/v1/staffing/coaching-tasks/{task['id']}/close", json={"note": "again"}
        ).status_code
        == 409
    )
    # Once closed, a still-poor KPI opens a new task.
    assert len(manager.post("/api/v1/staffing/coaching/evaluations", json={"weeks": 4}).json()) == 1


def test_account_health_sums_the_account_and_flags_unfilled_seats(api, manager, accounts):
    harbor = accounts["harbor"]
    review(manager, harbor, accounts["keisha"], RUBRIC_GOOD)
    response = manager.get(f"/api/v1/staffing/accounts/{harbor.id}")
    assert response.status_code == 200, response.text
    health = response.json()
    assert health["health"] == {
        "status": "at-risk",
        "reasons": ["1 seat(s) unfilled past the start date"],
    }
    assert (health["open_seats"], health["overdue_seats"]) == (1, 1)
    (row,) = health["coordinators"]
    assert row["placement_status"] == "active"
    quality = next(k for k in row["kpis"] if k["key"] == "quality")
    assert (
        quality["value"] == 95
        and quality["trend"][-1]["value"] == 95
        and len(quality["trend"]) == 8
    )
    summaries = {
        a["organization_name"]: a["health"]["status"]
        for a in manager.get("/api/v1/staffing/accounts").json()
    }
    assert summaries == {"Harbor": "at-risk", "Lakeshore": "healthy"}


def test_an_admin_sees_their_own_account_only(api, manager, accounts):
    admin = api.login(accounts["harbor"], "admin")
    assert admin.get(f"/api/v1/staffing/accounts/{accounts['harbor'].id}").status_code == 200
    assert admin.get(f"/api/v1/staffing/accounts/{accounts['lakeshore'].id}").status_code == 404
    assert [a["organization_name"] for a in admin.get("/api/v1/staffing/accounts").json()] == [
        "Harbor"
    ]
    assert (
        admin.get(f"/api/v1/staffing/coordinators/{accounts['keisha'].id}/scorecard").status_code
        == 200
    )
    assert (
        admin.get(f"/api/v1/staffing/coordinators/{accounts['aisha'].id}/scorecard").status_code
        == 404
    )
    assert [c["id"] for c in admin.get("/api/v1/staffing/coordinators").json()["items"]] == [
        str(accounts["keisha"].id)
    ]
    openings = admin.get("/api/v1/staffing/openings").json()["items"]
    assert {o["organization_id"] for o in openings} == {str(accounts["harbor"].id)}
    # Read-only: no reviews, no coaching runs.
    assert review(admin, accounts["harbor"], accounts["keisha"], RUBRIC_GOOD).status_code == 403
    assert admin.post("/api/v1/staffing/coaching/evaluations", json={"weeks": 4}).status_code == 403
    # A clinic coordinator has no staffing view at all.
    clinic_coordinator = api.login(accounts["harbor"], "coordinator")
    assert (
        clinic_coordinator.get(f"/api/v1/staffing/accounts/{accounts['harbor'].id}").status_code
        == 403
    )
    assert clinic_coordinator.get("/api/v1/staffing/openings").json()["items"] == []


def test_scheduling_accuracy_counts_rebookings_the_organization_asked_for(
    api, manager, staffing, frozen
):
    org = api.organization()
    user = api.user(org, "coordinator")
    coordinator = staffing.coordinator(user)
    staffing.placement(staffing.opening(org), coordinator)
    patient = api.patient(org)
    location, service = api.location(org), api.service(org)
    role = api.role(api.practitioner(org), location, [service])

    def appointment(status, **kw):  # type: ignore[no-untyped-def]
        start = kw.pop("start", NOW + timedelta(days=1))
        return api._save(
            Appointment(
                organization_id=org.id,
                status=status,
                patient_id=patient.id,
                healthcare_service_id=service.id,
                practitioner_role_id=role.id,
                location_id=location.id,
                start_at=start,
                end_at=start + timedelta(minutes=30),
                modality="in-person",
                created_by_user_id=user.id,
                created_at=NOW - timedelta(days=1),
                **kw,
            )
        )

    by_clinic = appointment("cancelled", cancelled_by="organization")
    appointment("booked", rescheduled_from_id=by_clinic.id, start=NOW + timedelta(days=2))
    by_patient = appointment("cancelled", cancelled_by="patient")
    appointment("booked", rescheduled_from_id=by_patient.id, start=NOW + timedelta(days=3))
    appointment(
        "cancelled", cancelled_by="organization"
    )  # cancelled, never rebooked: not a booking error
    kpis = {
        k["key"]: k
        for k in manager.get(f"/api/v1/staffing/coordinators/{coordinator.id}/scorecard").json()[
            "kpis"
        ]
    }
    assert kpis["bookings"]["value"] == 5
    assert kpis["scheduling_accuracy"]["value"] == pytest.approx(4 / 5)
