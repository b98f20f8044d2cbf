"""The staffing pages as a browser sees them (server-rendered, forms with CSRF)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from liaison.kit import clock
from liaison.models import Appointment, QualityReview, User
from tests.staffing.factories import Staffing, hours

NOW = datetime(2026, 6, 3, 15, tzinfo=UTC)


@pytest.fixture
def scene(make):  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW):
        s = Staffing(make)
        harbor = make.organization(name="Harbor Family Health")
        lakeshore = make.organization(
            name="Lakeshore Behavioral Health", time_zone="America/Chicago"
        )
        patient = make.patient(harbor, given_name="Zelda", family_name="Quagmire")
        location, service = make.location(harbor), make.service(harbor)
        role = make.role(make.practitioner(harbor), location, [service])
        learner_user = make.user(harbor, "coordinator", email="keisha@harbor.example")
        with make.runtime.db.session() as session:
            session.get(User, learner_user.id).display_name = "Keisha Robinson"
        keisha = s.coordinator(
            learner_user,
            languages=[
                {"tag": "en", "proficiency": "native"},
                {"tag": "ht", "proficiency": "native"},
            ],
            bio="Haitian Creole speaking scheduler, Epic",
        )
        spare_user = make.user()
        with make.runtime.db.session() as session:
            session.get(User, spare_user.id).display_name = "Tomás Delgado"
        tomas = s.coordinator(
            spare_user,
            languages=[
                {"tag": "en", "proficiency": "native"},
                {"tag": "es", "proficiency": "native"},
            ],
        )
        playbook = s.course(harbor, title="Harbor playbook")
        from liaison.models import ClientCourseRequirement

        make._save(ClientCourseRequirement(organization_id=harbor.id, course_id=playbook.id))
        desk = s.opening(harbor, title="Front desk", headcount=2, hours=hours())
        s.placement(desk, keisha)
        s.opening(lakeshore, title="Intake line", description="Behavioral health intake")
        from liaison.models import Enrollment

        make._save(
            Enrollment(
                coordinator_id=keisha.id,
                course_id=playbook.id,
                status="enrolled",
                enrolled_at=clock.now(),
                completed_module_ids=[],
            )
        )
        for days in range(0, 40, 3):
            make._save(
                Appointment(
                    organization_id=harbor.id,
                    status="fulfilled" if days % 2 else "noshow",
                    patient_id=patient.id,
                    healthcare_service_id=service.id,
                    practitioner_role_id=role.id,
                    location_id=location.id,
                    start_at=NOW - timedelta(days=days),
                    end_at=NOW - timedelta(days=days, minutes=-30),
                    modality="in-person",
                    created_by_user_id=learner_user.id,
                    created_at=NOW - timedelta(days=days + 2),
                )
            )
            make._save(
                QualityReview(
                    organization_id=harbor.id,
                    coordinator_id=keisha.id,
                    reviewed_at=NOW - timedelta(days=days),
                    interaction_kind="call",
                    rubric={},
                    score_percent=70 + days // 2,
                )
            )
    return {
        "harbor": harbor,
        "lakeshore": lakeshore,
        "keisha": keisha,
        "tomas": tomas,
        "desk": desk,
        "playbook": playbook,
        "learner_user": learner_user,
        "patient": patient,
    }


def test_a_staffing_manager_walks_the_staffing_area(signed_in, scene):
    manager = signed_in(None, platform_role="staffing_manager")
    with clock.frozen_at(NOW):
        home = manager.get("/staffing")
        assert home.status_code == 200
        assert 'href="/staffing" aria-current="page">Staffing</a>' in home.text
        assert "Harbor Family Health" in home.text and "Lakeshore Behavioral Health" in home.text

        account = manager.get(f"/staffing/accounts/{scene['harbor'].id}")
        assert account.status_code == 200
        assert (
            "/static/vendor/chartjs/chart.umd.min.js" in account.text
            and "<script>" not in account.text
        )
        configs = [
            json.loads(unescape(c)) for c in re.findall(r"data-chart='([^']+)'", account.text)
        ]
        quality = next(
            c for c in configs if c["data"]["datasets"][0]["label"] == "Quality review score"
        )
        assert (
            len(quality["data"]["labels"]) == 8
            and quality["data"]["datasets"][0]["data"][-1] is not None
        )
        assert "Weekly report (PDF)" in account.text
        assert "Zelda" not in account.text and "Quagmire" not in account.text

        directory = manager.get("/staffing/coordinators", params={"language": "ht"})
        assert "Keisha Robinson" in directory.text and "Tomás Delgado" not in directory.text
        profile = manager.get(f"/staffing/coordinators/{scene['keisha'].id}")
        assert "Haitian Creole" in profile.text and "Harbor playbook" in profile.text
        card = manager.get(f"/staffing/coordinators/{scene['keisha'].id}/scorecard")
        assert (
            card.status_code == 200
            and "First response, median" in card.text
            and "Not available yet" not in card.text
        )

        board = manager.get("/staffing/openings")
        assert "Front desk" in board.text and "Intake line" in board.text
        opening = manager.get(f"/staffing/openings/{scene['desk'].id}")
        assert "Best candidates" in opening.text and "Score breakdown" in opening.text
        assert "Tomás Delgado" in opening.text
        plan = manager.get("/staffing/assignments")
        assert plan.status_code == 200 and "Optimal total score" in plan.text

        proposed = manager.post(
            f"/staffing/openings/{scene['desk'].id}/propose",
            {"coordinator_id": str(scene["tomas"].id)},
        )
        assert proposed.status_code == 303, proposed.text
        placement_url = proposed.headers["location"].split("?")[0]
        page = manager.get(proposed.headers["location"])
        assert (
            "The placement was proposed" in page.text
            and "Confirm and start onboarding" in page.text
        )
        assert manager.post(f"{placement_url}/transition", {"to": "onboarding"}).status_code == 303
        blocked = manager.post(f"{placement_url}/transition", {"to": "active"})
        assert blocked.status_code == 409
        assert "required training not passed: Harbor playbook" in blocked.text
        pipeline = manager.get("/staffing/placements")
        assert re.search(r"Onboarding <small class=\"muted\">\(1\)", pipeline.text)

        catalog = manager.get("/staffing/training")
        assert "Harbor playbook" in catalog.text


def test_a_coordinator_takes_the_course_and_its_quiz_in_the_browser(signed_in, scene, browser):
    response = browser.login("keisha@harbor.example")
    assert response.status_code == 303
    home = browser.get("/")
    assert 'href="/staffing/learn"' in home.text and ">My training<" in home.text
    mine = browser.get("/staffing/learn")
    assert "Harbor playbook" in mine.text and "enrolled" in mine.text
    course_url = f"/staffing/training/{scene['playbook'].id}"
    page = browser.get(course_url)
    assert "<h3>Welcome</h3>" in page.text  # the module's markdown, rendered under the module's h2
    module_id = re.search(r'/modules/([0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert browser.post(f"{course_url}/modules/{module_id}").status_code == 303
    quiz_action = re.search(r'action="(/staffing/training/[^"]+/quiz/[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    wrong = browser.post(quiz_action, {"q-0": "1", "q-1": "1"})
    assert wrong.status_code == 303
    after = browser.get(course_url)
    assert "Attempt 1: 0% — not passed" in after.text
    right = browser.client.post(
        quiz_action,
        data={"csrf_token": browser.csrf, "q-0": "0", "q-1": ["1", "2"]},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert right.status_code == 303
    done = browser.get(course_url)
    assert (
        "Attempt 2: 100% — <strong>passed</strong>" in done.text
        and "Submit answers" not in done.text
    )
    assert "passed" in browser.get("/staffing/learn").text
    # The learner sees no staffing management.
    assert browser.get("/staffing/coordinators").status_code == 200  # lists only themself
    assert "Tomás" not in browser.get("/staffing/coordinators").text
    assert browser.get(f"/staffing/openings/{scene['desk'].id}").status_code == 404


def test_a_client_admin_sees_their_own_account_read_only(signed_in, scene):
    admin = signed_in(scene["harbor"], "admin")
    with clock.frozen_at(NOW):
        home = admin.get("/staffing", follow_redirects=False)
        assert (
            home.status_code == 303
            and home.headers["location"] == f"/staffing/accounts/{scene['harbor'].id}"
        )
        account = admin.get(home.headers["location"])
        assert account.status_code == 200 and "Keisha Robinson" in account.text
        assert admin.get(f"/staffing/accounts/{scene['lakeshore'].id}").status_code == 404
        opening = admin.get(f"/staffing/openings/{scene['desk'].id}")
        assert opening.status_code == 200 and "Best candidates" not in opening.text
        assert admin.get("/staffing/assignments").status_code == 403
