"""Placements through the real API: the pipeline, the access that follows it, training
that blocks it, capacity and expired certifications."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.kit import clock
from liaison.models import AuditEvent, Membership
from tests.api.test_bad_input import fingerprint
from tests.scheduling.conftest import add_schedule
from tests.staffing.factories import hours

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # Monday 08:00 in New York


@pytest.fixture
def frozen() -> Iterator[datetime]:
    with clock.frozen_at(NOW):
        yield NOW


def profile_body(user_id: Any, **kw: Any) -> dict[str, Any]:
    return {
        "user_id": str(user_id),
        "headline": "Bilingual scheduling coordinator",
        "bio": "Five years of primary care scheduling and referrals in Epic.",
        "home_time_zone": "America/New_York",
        "working_hours": hours("08:00", "16:30"),
        "capacity_fte": 1.0,
        "languages": [
            {"tag": "en", "proficiency": "native"},
            {"tag": "es", "proficiency": "professional"},
        ],
        "skills": ["scheduling", "referrals"],
        "systems": [{"code": "epic", "years": 5}],
        "specialties": ["family-medicine"],
        "score_communication": 88,
        "score_accuracy": 91,
        "score_empathy": 86,
        **kw,
    }


def opening_body(org: Any, **kw: Any) -> dict[str, Any]:
    return {
        "organization_id": str(org.id),
        "title": "Front-desk scheduling coordinator",
        "description": "Scheduling and referrals for a bilingual family medicine practice on Epic.",
        "hours": hours("09:00", "17:00"),
        "fte": 0.5,
        "languages": [
            {"tag": "en", "share": 0.7},
            {"tag": "es", "share": 0.3, "required": True, "min_proficiency": "professional"},
        ],
        "systems": [{"code": "epic", "required": True}],
        "skills": [{"code": "scheduling"}, {"code": "referrals"}],
        **kw,
    }


QUIZ = {
    "title": "Playbook check",
    "pass_mark_percent": 75,
    "max_attempts": 2,
    "questions": [
        {
            "prompt": "Who confirms referrals?",
            "choices": ["The front desk", "The referral team"],
            "correct": [1],
        },
        {
            "prompt": "Which visits need a language line?",
            "choices": ["None", "Every non-English visit", "Only new"],
            "correct": [1],
        },
        {"prompt": "Check-in opens", "choices": ["15 min before", "At the start"], "correct": [0]},
        {
            "prompt": "Which ids do you confirm?",
            "choices": ["Name", "Birth date", "Insurance"],
            "correct": [0, 1],
        },
    ],
}
RIGHT = [[1], [1], [0], [0, 1]]


def playbook(manager: Any, org: Any, **kw: Any) -> dict[str, Any]:
    body = {
        "code": kw.pop("code", "harbor-playbook"),
        "title": "Harbor Family Health playbook",
        "kind": "playbook",
        "client_organization_id": str(org.id),
        "modules": [{"title": "Our day", "body_markdown": "## Mornings\n\nWe open at **8**."}],
        "assessments": [QUIZ],
        **kw,
    }
    response = manager.post("/api/v1/staffing/courses", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def scene(api, frozen, manager):  # type: ignore[no-untyped-def]
    org = api.organization("Harbor Family Health", time_zone="America/New_York")
    patient = api.patient(org, given_name="Rosa", family_name="Quintanilla", mrn="HF-0042")
    person = api.user()  # employed by the partner: no membership anywhere yet
    coordinator = manager.post("/api/v1/staffing/coordinators", json=profile_body(person.id))
    assert coordinator.status_code == 201, coordinator.text
    course = playbook(manager, org)
    required = manager.put(
        f"/api/v1/staffing/organizations/{org.id}/required-courses",
        json={"course_ids": [course["id"]]},
    )
    assert required.status_code == 200, required.text
    opening = manager.post("/api/v1/staffing/openings", json=opening_body(org))
    assert opening.status_code == 201, opening.text
    return {
        "org": org,
        "patient": patient,
        "user": person,
        "me": api.caller(person),
        "coordinator": coordinator.json(),
        "course": course,
        "opening": opening.json(),
    }


def move(manager: Any, placement_id: str, to: str, **kw: Any) -> Any:
    return manager.post(
        f"/api/v1/staffing/placements/{placement_id}/transitions", json={"to": to, **kw}
    )


def test_access_to_patients_follows_the_placement_and_ends_with_it(api, runtime, manager, scene):
    me, patient_url = scene["me"], f"/api/v1/patients/{scene['patient'].id}"
    proposed = manager.post(
        "/api/v1/staffing/placements",
        json={"opening_id": scene["opening"]["id"], "coordinator_id": scene["coordinator"]["id"]},
    )
    assert proposed.status_code == 201, proposed.text
    placement = proposed.json()
    assert placement["status"] == "proposed" and placement["score"] > 50
    assert {c["key"] for c in placement["score_components"]} >= {
        "languages",
        "systems",
        "hours",
        "text",
    }
    assert me.get(patient_url).status_code == 404

    onboarding = move(manager, placement["id"], "onboarding")
    assert onboarding.status_code == 200, onboarding.text
    assert onboarding.json()["onboarding"] == [
        {
            "kind": "course",
            "code": scene["course"]["id"],
            "title": "Harbor Family Health playbook",
            "state": "enrolled",
            "due_on": None,
        }
    ]
    assert me.get(patient_url).status_code == 404

    # Blocked until the client's playbook is passed; nothing changes.
    before = fingerprint(runtime)
    blocked = move(manager, placement["id"], "active")
    assert blocked.status_code == 409
    assert blocked.json()["blockers"] == [
        "required training not passed: Harbor Family Health playbook"
    ]
    assert fingerprint(runtime) == before
    assert me.get(patient_url).status_code == 404

    course_url = f"/api/v1/staffing/courses/{scene['course']['id']}"
    course = me.get(course_url).json()
    assert all(
        q["correct"] is None for q in course["assessments"][0]["questions"]
    )  # no answers for learners
    assert (
        me.post(
            f"{course_url}/progress", json={"module_id": course["modules"][0]["id"]}
        ).status_code
        == 200
    )
    passed = me.post(
        f"{course_url}/attempts",
        json={"assessment_id": course["assessments"][0]["id"], "answers": RIGHT},
    )
    assert passed.status_code == 201 and passed.json()["enrollment_status"] == "passed"

    active = move(manager, placement["id"], "active")
    assert active.status_code == 200, active.text
    assert active.json()["blockers"] == []
    assert me.get(patient_url).status_code == 200
    assert (
        manager.get(f"/api/v1/staffing/openings/{scene['opening']['id']}").json()["status"]
        == "filled"
    )

    ended = move(manager, placement["id"], "ended", reason="client reorganised the front desk")
    assert ended.status_code == 200
    # The very next request is refused: the membership ended in the same transaction.
    assert me.get(patient_url).status_code == 404
    assert (
        me.get(
            "/api/v1/patients", params={"q": "quintanilla", "organization_id": str(scene["org"].id)}
        ).status_code
        == 404
    )
    assert (
        manager.get(f"/api/v1/staffing/openings/{scene['opening']['id']}").json()["status"]
        == "open"
    )
    with runtime.db.session() as session:
        membership = session.scalar(
            unscoped_system(
                select(Membership).where(Membership.user_id == scene["user"].id), "test"
            )
        )
        assert (
            membership is not None
            and membership.role == "coordinator"
            and membership.active is False
        )
        changes = session.execute(
            unscoped_system(
                select(AuditEvent.action, AuditEvent.details)
                .where(AuditEvent.resource_type == "Membership")
                .order_by(AuditEvent.seq),
                "test",
            )
        ).all()
    assert [(a, d["reason"]) for a, d in changes] == [
        ("create", "placement active"),
        ("update", "placement ended"),
    ]
    # Ended is final.
    assert move(manager, placement["id"], "active").status_code == 409


def test_a_second_active_placement_at_the_same_client_keeps_the_access(
    api, manager, scene, staffing
):
    me, patient_url = scene["me"], f"/api/v1/patients/{scene['patient'].id}"
    coordinator_id = scene["coordinator"]["id"]
    other = staffing.opening(scene["org"], title="Referral desk", fte_percent=25)
    staffing.passed(coordinator_id, scene["course"]["id"])
    ids = []
    for opening_id in (scene["opening"]["id"], str(other.id)):
        p = manager.post(
            "/api/v1/staffing/placements",
            json={"opening_id": opening_id, "coordinator_id": coordinator_id},
        )
        assert p.status_code == 201, p.text
        assert move(manager, p.json()["id"], "onboarding").status_code == 200
        assert move(manager, p.json()["id"], "active").status_code == 200, p.text
        ids.append(p.json()["id"])
    assert move(manager, ids[0], "ended").status_code == 200
    assert me.get(patient_url).status_code == 200
    assert move(manager, ids[1], "ended").status_code == 200
    assert me.get(patient_url).status_code == 404


def test_a_placement_beyond_capacity_is_refused_and_nothing_changes(
    api, runtime, manager, scene, staffing
):
    coordinator_id = scene["coordinator"]["id"]
    assert (
        manager.patch(
            f"/api/v1/staffing/coordinators/{coordinator_id}", json={"capacity_fte": 0.75}
        ).status_code
        == 200
    )
    first = manager.post(
        "/api/v1/staffing/placements",
        json={"opening_id": scene["opening"]["id"], "coordinator_id": coordinator_id},
    )
    assert first.status_code == 201
    second_opening = manager.post(
        "/api/v1/staffing/openings", json=opening_body(scene["org"], title="Evening line")
    ).json()
    before = fingerprint(runtime)
    refused = manager.post(
        "/api/v1/staffing/placements",
        json={"opening_id": second_opening["id"], "coordinator_id": coordinator_id},
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "The coordinator is at capacity: 0.50 of 0.75 FTE is placed, 0.25 is free and this placement needs 0.50"
    )
    assert refused.json()["field"] == "fte"
    assert fingerprint(runtime) == before
    # A quarter still fits; lowering the capacity below what is placed does not.
    assert (
        manager.post(
            "/api/v1/staffing/placements",
            json={
                "opening_id": second_opening["id"],
                "coordinator_id": coordinator_id,
                "fte": 0.25,
            },
        ).status_code
        == 201
    )
    lowered = manager.patch(
        f"/api/v1/staffing/coordinators/{coordinator_id}", json={"capacity_fte": 0.5}
    )
    assert lowered.status_code == 409 and lowered.json()["field"] == "capacity_fte"


def test_expired_certifications_are_refused_and_block_a_placement(
    api, runtime, manager, scene, staffing
):
    coordinator_id = scene["coordinator"]["id"]
    certs = f"/api/v1/staffing/coordinators/{coordinator_id}/certifications"
    before = fingerprint(runtime)
    expired = manager.post(
        certs,
        json={
            "code": "CHAA",
            "name": "Certified Healthcare Access Associate",
            "issued_on": "2022-05-01",
            "expires_on": "2026-05-01",
        },
    )
    assert expired.status_code == 422
    assert expired.json()["errors"][0]["field"] == "expires_on"
    assert "expired on 2026-05-01" in expired.json()["errors"][0]["message"]
    assert fingerprint(runtime) == before

    valid = manager.post(
        certs,
        json={
            "code": "CHAA",
            "name": "Certified Healthcare Access Associate",
            "issued_on": "2024-06-10",
            "expires_on": "2026-06-10",
        },
    )
    assert valid.status_code == 201 and valid.json()["state"] == "expiring"
    needs_cert = manager.patch(
        f"/api/v1/staffing/openings/{scene['opening']['id']}",
        json={"required_certifications": ["CHAA"]},
    )
    assert needs_cert.status_code == 200, needs_cert.text
    placement = manager.post(
        "/api/v1/staffing/placements",
        json={"opening_id": scene["opening"]["id"], "coordinator_id": coordinator_id},
    ).json()
    assert move(manager, placement["id"], "onboarding").status_code == 200
    staffing.passed(coordinator_id, scene["course"]["id"])

    # The certificate lapses during onboarding: going live is blocked, and says why.
    clock.advance(timedelta(days=10))
    blocked = move(manager, placement["id"], "active")
    assert blocked.status_code == 409
    assert blocked.json()["blockers"] == ["certification CHAA expired on 2026-06-10"]
    # Proposing someone whose required certificate has expired: 422 naming it.
    other_opening = manager.post(
        "/api/v1/staffing/openings",
        json=opening_body(scene["org"], title="Second desk", required_certifications=[]),
    ).json()
    manager.patch(
        f"/api/v1/staffing/openings/{other_opening['id']}", json={"required_certifications": []}
    )
    with runtime.db.session() as session:
        from liaison.models import Opening

        row = session.scalar(
            unscoped_system(select(Opening).where(Opening.title == "Second desk"), "test")
        )
        row.required_certifications = [
            "CHAA"
        ]  # set directly: the API refuses an opening nobody can fill
    before = fingerprint(runtime)
    refused = manager.post(
        "/api/v1/staffing/placements",
        json={"opening_id": other_opening["id"], "coordinator_id": coordinator_id},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "coordinator_id", "message": "certification CHAA expired on 2026-06-10"}
    ]
    assert fingerprint(runtime) == before


def test_only_a_staffing_manager_moves_placements(api, manager, scene):
    placement = manager.post(
        "/api/v1/staffing/placements",
        json={"opening_id": scene["opening"]["id"], "coordinator_id": scene["coordinator"]["id"]},
    ).json()
    admin = api.login(scene["org"], "admin")
    # The client's admin sees the placement (their organization) but may not move it.
    assert admin.get(f"/api/v1/staffing/placements/{placement['id']}").status_code == 200
    assert move(admin, placement["id"], "onboarding").status_code == 403
    assert scene["me"].get(f"/api/v1/staffing/placements/{placement['id']}").status_code == 404


def test_a_backup_must_have_passed_the_training(api, manager, scene, staffing):
    backup_user = api.user()
    backup = manager.post("/api/v1/staffing/coordinators", json=profile_body(backup_user.id)).json()
    url = f"/api/v1/staffing/openings/{scene['opening']['id']}/backup"
    refused = manager.put(url, json={"coordinator_id": backup["id"]})
    assert refused.status_code == 422
    assert "has not completed the required training" in refused.json()["errors"][0]["message"]
    staffing.passed(backup["id"], scene["course"]["id"])
    named = manager.put(url, json={"coordinator_id": backup["id"]})
    assert named.status_code == 200 and named.json()["backup_coordinator_id"] == backup["id"]
    assert manager.put(url, json={"coordinator_id": None}).json()["backup_coordinator_id"] is None


def test_a_coordinator_books_while_placed_and_the_scorecard_counts_it(
    api, manager, scene, staffing
):
    org = scene["org"]
    location = api.location(org)
    service = api.service(org, code="follow-up", duration_minutes=30)
    role = api.role(api.practitioner(org), location, [service])
    add_schedule(api, role)
    placement = manager.post(
        "/api/v1/staffing/placements",
        json={"opening_id": scene["opening"]["id"], "coordinator_id": scene["coordinator"]["id"]},
    ).json()
    move(manager, placement["id"], "onboarding")
    staffing.passed(scene["coordinator"]["id"], scene["course"]["id"])
    assert move(manager, placement["id"], "active").status_code == 200
    booked = scene["me"].post(
        "/api/v1/appointments",
        json={
            "organization_id": str(org.id),
            "patient_id": str(scene["patient"].id),
            "healthcare_service_id": str(service.id),
            "practitioner_role_id": str(role.id),
            "start": datetime(2026, 6, 2, 14, tzinfo=UTC).isoformat(),
        },
    )
    assert booked.status_code == 201, booked.text
    card = manager.get(f"/api/v1/staffing/coordinators/{scene['coordinator']['id']}/scorecard")
    assert card.status_code == 200
    kpis = {k["key"]: k for k in card.json()["kpis"]}
    assert kpis["bookings"]["value"] == 1 and kpis["bookings"]["trend"][-1] == {
        "week": "2026-06-01",
        "value": 1.0,
    }
    assert kpis["scheduling_accuracy"]["value"] == 1.0
    assert kpis["activity"]["value"] >= 1
    # The work queue is measured too: nothing done there yet.
    assert kpis["tasks_completed"]["available"] is True and kpis["tasks_completed"]["value"] == 0
    assert kpis["first_response_median"]["value"] is None
    assert kpis["first_response_median"]["reason"] is None
    assert kpis["waitlist_filled"]["available"] is True and kpis["waitlist_filled"]["value"] == 0
    assert date.fromisoformat(card.json()["weeks"][-1]) == date(2026, 6, 1)
