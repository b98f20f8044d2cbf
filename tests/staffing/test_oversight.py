"""Oversight through the API: reviews and surveys, thresholds that open coaching tasks,
account health and who may see which account."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func

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


def test_waitlist_slots_filled_are_credited_to_whoever_added_the_patient(
    api, runtime, manager, staffing, frozen
):
    from datetime import date

    from sqlalchemy import select

    from liaison.authz.principal import system_principal
    from liaison.authz.scope import unscoped_system
    from liaison.context import unit_of_work
    from liaison.models import WaitlistEntry, WaitlistOffer
    from liaison.waitlist import service as waitlist
    from tests.scheduling.conftest import add_schedule, local

    harbor = api.organization("Harbor", time_zone="America/New_York")
    lakeshore = api.organization("Lakeshore")
    user = api.user(orgs=[(harbor, "coordinator"), (lakeshore, "coordinator")])
    coordinator = staffing.coordinator(user)
    staffing.placement(staffing.opening(harbor), coordinator)
    staffing.placement(staffing.opening(lakeshore), coordinator)
    me, colleague = api.caller(user), api.login(harbor, "coordinator")
    location = api.location(harbor, time_zone="America/New_York")
    service = api.service(harbor, duration_minutes=30, min_notice_minutes=60)
    role = api.role(api.practitioner(harbor), location, [service])
    add_schedule(api, role)

    def add(caller, patient):  # type: ignore[no-untyped-def]
        body = {
            "organization_id": str(harbor.id),
            "patient_id": str(patient.id),
            "healthcare_service_id": str(service.id),
        }
        response = caller.post("/api/v1/waitlist-entries", json=body)
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    mine = [add(me, api.patient(harbor)), add(me, api.patient(harbor))]
    theirs = add(colleague, api.patient(harbor))
    # A freed slot per entry, offered by the worker's rounds; the entry's offer accepted.
    thursday = date(2026, 6, 4)
    for n, entry_id in enumerate([*mine, theirs]):
        with unit_of_work(
            runtime.db, principal=system_principal(), audit_key=runtime.audit_key, runtime=runtime
        ) as ctx:
            offers = waitlist.backfill(
                ctx,
                organization_id=harbor.id,
                service_id=service.id,
                role_id=role.id,
                start=local(thursday, 9 + n),
            )
            offer = next(o.id for o in offers if o.entry_id == entry_id)
        assert me.post(f"/api/v1/waitlist-offers/{offer}/accept").status_code == 200
    with runtime.db.session() as s:
        entries = {e.id: e for e in s.scalars(unscoped_system(select(WaitlistEntry), "test"))}
        accepted = s.scalar(
            unscoped_system(
                select(func.count())
                .select_from(WaitlistOffer)
                .where(WaitlistOffer.status == "accepted"),
                "test",
            )
        )
    assert accepted == 3 and {e.status for e in entries.values()} == {"booked"}
    assert [entries[i].created_by_user_id for i in mine] == [user.id, user.id]
    assert entries[theirs].created_by_user_id == colleague.user_id
    # The same coordinator filled a slot at another client (rows written directly).
    patient = api.patient(lakeshore)
    elsewhere_service = api.service(lakeshore)
    elsewhere_location = api.location(lakeshore)
    elsewhere_role = api.role(api.practitioner(lakeshore), elsewhere_location, [elsewhere_service])
    taken = api._save(
        Appointment(
            organization_id=lakeshore.id,
            status="booked",
            patient_id=patient.id,
            healthcare_service_id=elsewhere_service.id,
            practitioner_role_id=elsewhere_role.id,
            location_id=elsewhere_location.id,
            start_at=NOW + timedelta(days=2),
            end_at=NOW + timedelta(days=2, minutes=30),
            modality="in-person",
            booked_at=NOW - timedelta(days=1),
        )
    )
    api._save(
        WaitlistEntry(
            organization_id=lakeshore.id,
            patient_id=patient.id,
            healthcare_service_id=elsewhere_service.id,
            status="booked",
            booked_appointment_id=taken.id,
            created_by_user_id=user.id,
        )
    )

    def filled(caller, **params):  # type: ignore[no-untyped-def]
        response = caller.get(
            f"/api/v1/staffing/coordinators/{coordinator.id}/scorecard", params=params
        )
        assert response.status_code == 200, response.text
        card = response.json()
        total = next(k for k in card["kpis"] if k["key"] == "waitlist_filled")
        accounts = {
            a["organization_name"]: next(
                k["value"] for k in a["kpis"] if k["key"] == "waitlist_filled"
            )
            for a in card["accounts"]
        }
        return total, accounts

    # Harbor's administrator sees Harbor's slots only, the colleague's entry not credited.
    total, accounts = filled(api.login(harbor, "admin"))
    assert total["available"] is True and total["reason"] is None
    assert total["value"] == 2 and total["trend"][-1] == {"week": "2026-06-01", "value": 2.0}
    assert accounts["Harbor"] == 2 and "Lakeshore" not in accounts
    # The staffing manager sees both clients, each counted on its own.
    total, accounts = filled(manager)
    assert total["value"] == 3 and accounts == {"Harbor": 2, "Lakeshore": 1}
    assert filled(manager, organization_id=str(harbor.id))[0]["value"] == 2


def test_follow_up_survey_answers_count_for_whoever_booked_the_visit(
    api, manager, staffing, frozen
):
    """A patient's 1-5 text answer to Liaison's post-visit follow-up is credited to the
    coordinator who booked the visit; another coordinator's bookings do not count, and
    only the mean and the count leave the query."""
    from liaison.models import SurveyResponse

    org = api.organization()
    user, colleague = api.user(org, "coordinator"), api.user(org, "coordinator")
    coordinator = staffing.coordinator(user)
    staffing.placement(staffing.opening(org), coordinator)
    location, service = api.location(org), api.service(org)
    role = api.role(api.practitioner(org), location, [service])

    def answered(score, booked_by):  # type: ignore[no-untyped-def]
        patient = api.patient(org)
        visit = api._save(
            Appointment(
                organization_id=org.id,
                status="fulfilled",
                patient_id=patient.id,
                healthcare_service_id=service.id,
                practitioner_role_id=role.id,
                location_id=location.id,
                start_at=NOW - timedelta(days=2),
                end_at=NOW - timedelta(days=2) + timedelta(minutes=30),
                modality="in-person",
                created_by_user_id=booked_by.id,
                created_at=NOW - timedelta(days=5),
            )
        )
        api._save(
            SurveyResponse(
                organization_id=org.id,
                appointment_id=visit.id,
                patient_id=patient.id,
                score=score,
                received_at=NOW - timedelta(days=1),
            )
        )

    answered(5, user)
    answered(3, user)
    answered(1, colleague)  # someone else's booking
    scorecard = manager.get(f"/api/v1/staffing/coordinators/{coordinator.id}/scorecard")
    assert scorecard.status_code == 200, scorecard.text
    kpis = {k["key"]: k for k in scorecard.json()["kpis"]}
    assert kpis["satisfaction"]["value"] == pytest.approx(4.0)
    assert kpis["satisfaction"]["sample"] == 2
    assert "patient_id" not in scorecard.text
