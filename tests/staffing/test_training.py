"""The learner's side: a coordinator reads a course and takes its quiz through the API."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.api.test_bad_input import fingerprint
from tests.staffing.test_placements import QUIZ, RIGHT


def course_body(**kw):  # type: ignore[no-untyped-def]
    return {
        "code": kw.pop("code", "hipaa-basics"),
        "title": "HIPAA for coordinators",
        "kind": "compliance",
        "required_for_roles": ["primary", "backup"],
        "awards_certification_code": "HIPAA-PRIV",
        "awards_certification_name": "HIPAA privacy",
        "certification_valid_months": 12,
        "modules": [
            {"title": "Minimum necessary", "body_markdown": "Share only what the task needs."},
            {"title": "Verifying identity", "body_markdown": "Two identifiers, every time."},
        ],
        "assessments": [QUIZ],
        **kw,
    }


def learner(api, manager, staffing):  # type: ignore[no-untyped-def]
    user = api.user()
    coordinator = staffing.coordinator(user)
    course = manager.post("/api/v1/staffing/courses", json=course_body())
    assert course.status_code == 201, course.text
    return api.caller(user), coordinator, course.json()


def test_a_coordinator_reads_the_modules_takes_the_quiz_and_earns_the_certificate(
    api, manager, staffing
):
    me, coordinator, course = learner(api, manager, staffing)
    enrolled = manager.post(
        "/api/v1/staffing/enrollments",
        json={
            "coordinator_id": str(coordinator.id),
            "course_id": course["id"],
            "due_on": "2026-12-31",
        },
    )
    assert enrolled.status_code == 201 and enrolled.json()["status"] == "enrolled"
    url = f"/api/v1/staffing/courses/{course['id']}"
    quiz = course["assessments"][0]
    # The staffing team sees the answers it wrote; the learner does not.
    assert quiz["questions"][0]["correct"] == [1]
    seen = me.get(url).json()
    assert [q["correct"] for q in seen["assessments"][0]["questions"]] == [None] * 4
    assert [q["multiple"] for q in seen["assessments"][0]["questions"]] == [
        False,
        False,
        False,
        True,
    ]

    first = me.post(
        f"{url}/attempts", json={"assessment_id": quiz["id"], "answers": [[1], [0], [0], [0]]}
    )
    assert first.status_code == 201
    # 2 of 4 right is 50 %, under the 75 % pass mark.
    assert first.json() | {"id": None, "submitted_at": None, "assessment_id": None} == {
        "id": None,
        "assessment_id": None,
        "submitted_at": None,
        "number": 1,
        "score_percent": 50,
        "passed": False,
        "attempts_left": 1,
        "correct": [True, False, True, False],
        "enrollment_status": "in-progress",
        "certification_awarded": None,
    }
    second = me.post(f"{url}/attempts", json={"assessment_id": quiz["id"], "answers": RIGHT}).json()
    assert second["passed"] and second["score_percent"] == 100
    # Modules still unread: not passed yet, and no certificate.
    assert second["enrollment_status"] == "in-progress" and second["certification_awarded"] is None
    for module in seen["modules"]:
        done = me.post(f"{url}/progress", json={"module_id": module["id"]})
        assert done.status_code == 200
    assert done.json()["status"] == "passed"
    profile = manager.get(f"/api/v1/staffing/coordinators/{coordinator.id}").json()
    (cert,) = profile["certifications"]
    assert (cert["code"], cert["source"], cert["state"]) == ("HIPAA-PRIV", "course", "valid")
    assert (
        date.fromisoformat(cert["expires_on"]).year
        == date.fromisoformat(cert["issued_on"]).year + 1
    )
    mine = me.get("/api/v1/staffing/enrollments").json()
    assert [(e["course_title"], e["status"], len(e["attempts"])) for e in mine] == [
        ("HIPAA for coordinators", "passed", 2)
    ]
    # A passed quiz is not taken again.
    again = me.post(f"{url}/attempts", json={"assessment_id": quiz["id"], "answers": RIGHT})
    assert (
        again.status_code == 409 and again.json()["detail"] == "This assessment is already passed"
    )


def test_attempts_run_out_and_the_enrollment_fails(api, manager, staffing, runtime):
    me, coordinator, course = learner(api, manager, staffing)
    manager.post(
        "/api/v1/staffing/enrollments",
        json={"coordinator_id": str(coordinator.id), "course_id": course["id"]},
    )
    url = f"/api/v1/staffing/courses/{course['id']}/attempts"
    wrong = {"assessment_id": course["assessments"][0]["id"], "answers": [[0], [0], [1], [2]]}
    assert me.post(url, json=wrong).json()["attempts_left"] == 1
    assert me.post(url, json=wrong).json()["enrollment_status"] == "failed"
    before = fingerprint(runtime)
    third = me.post(url, json={**wrong, "answers": RIGHT})
    assert third.status_code == 409
    assert third.json()["detail"].startswith("All 2 attempts at this assessment are used")
    assert fingerprint(runtime) == before


def test_quiz_answers_for_a_course_not_enrolled_are_refused_and_nothing_changes(
    api, manager, staffing, runtime
):
    me, _, course = learner(api, manager, staffing)
    before = fingerprint(runtime)
    refused = me.post(
        f"/api/v1/staffing/courses/{course['id']}/attempts",
        json={"assessment_id": course["assessments"][0]["id"], "answers": RIGHT},
    )
    assert refused.status_code == 409
    assert (
        refused.json()["detail"]
        == "You are not enrolled in this course; ask the staffing team to enroll you"
    )
    progress = me.post(
        f"/api/v1/staffing/courses/{course['id']}/progress",
        json={"module_id": course["modules"][0]["id"]},
    )
    assert progress.status_code == 409
    assert fingerprint(runtime) == before


def test_malformed_answers_are_422_naming_the_question(api, manager, staffing, runtime):
    me, coordinator, course = learner(api, manager, staffing)
    manager.post(
        "/api/v1/staffing/enrollments",
        json={"coordinator_id": str(coordinator.id), "course_id": course["id"]},
    )
    before = fingerprint(runtime)
    bad = me.post(
        f"/api/v1/staffing/courses/{course['id']}/attempts",
        json={"assessment_id": course["assessments"][0]["id"], "answers": [[1], [7], [0], []]},
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["answers[1]", "answers[3]"]
    assert fingerprint(runtime) == before


def test_a_client_playbook_is_visible_to_its_client_and_enrolled_coordinators_only(
    api, manager, staffing
):
    harbor, lakeshore = api.organization("Harbor"), api.organization("Lakeshore")
    playbook = staffing.course(harbor, title="Harbor playbook")
    placed_user, other_user = api.user(), api.user()
    placed, other = staffing.coordinator(placed_user), staffing.coordinator(other_user)
    staffing.passed(placed, playbook)
    url = f"/api/v1/staffing/courses/{playbook.id}"
    assert api.login(harbor, "admin").get(url).status_code == 200
    assert api.login(lakeshore, "admin").get(url).status_code == 404
    assert api.caller(placed_user).get(url).status_code == 200
    assert api.caller(other_user).get(url).status_code == 404
    assert api.login(harbor, "coordinator").get(url).status_code == 404
    titles = [c["title"] for c in api.caller(other_user).get("/api/v1/staffing/courses").json()]
    assert "Harbor playbook" not in titles
    del other


def test_certificates_due_for_renewal_are_listed_and_reminded_once(api, manager, staffing):
    from liaison.kit import clock
    from liaison.models import OutboxMessage

    with clock.frozen_at(datetime(2026, 6, 1, 12, tzinfo=UTC)):
        soon = staffing.coordinator(
            certifications={"CHAA": date(2026, 7, 1), "CRCR": date(2027, 6, 1)}
        )
        late = staffing.coordinator(certifications={"CHAA": date(2026, 5, 1)})
        due = manager.get(
            "/api/v1/staffing/certifications/renewals", params={"within_days": 60}
        ).json()
        assert [(d["coordinator_id"], d["code"], d["state"], d["days_left"]) for d in due] == [
            (str(late.id), "CHAA", "expired", -31),
            (str(soon.id), "CHAA", "expiring", 30),
        ]
        first = manager.post("/api/v1/staffing/certifications/reminders", json={"within_days": 60})
        assert first.status_code == 200 and len(first.json()) == 2
        assert (
            manager.post(
                "/api/v1/staffing/certifications/reminders", json={"within_days": 60}
            ).json()
            == []
        )
        from sqlalchemy import select

        with api.runtime.db.session() as session:
            topics = list(session.scalars(select(OutboxMessage.topic)))
        assert topics.count("staffing.certification.renewal-due") == 2
        assert (
            api.login(api.organization(), "admin")
            .post("/api/v1/staffing/certifications/reminders", json={"within_days": 60})
            .status_code
            == 403
        )
