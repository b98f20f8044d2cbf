"""Staffing managers work across organizations but never see a patient's details:
aggregates and coordinator data only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liaison.kit import clock
from liaison.models import Appointment, QualityReview, SatisfactionScore
from liaison.staffing.oversight import report
from tests.staffing.factories import hours

NOW = datetime(2026, 6, 3, 15, tzinfo=UTC)


@pytest.fixture
def account(api, staffing):  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW):
        org = api.organization("Harbor Family Health")
        patient = api.patient(
            org, given_name="Zelda", family_name="Quagmire", mrn="ZQ-777", phone="+16175550123"
        )
        location = api.location(org)
        service = api.service(org)
        role = api.role(api.practitioner(org), location, [service])
        user = api.user(org, "coordinator")
        coordinator = staffing.coordinator(user)
        opening = staffing.opening(org, hours=hours())
        staffing.placement(opening, coordinator, status="active")
        appointments = []
        statuses = ["fulfilled"] * 6 + ["noshow"] * 2 + ["entered-in-error", "booked"]
        for n, status in enumerate(statuses):
            start = (
                NOW - timedelta(days=7 - n % 7, hours=n)
                if status != "booked"
                else NOW + timedelta(days=2)
            )
            appointments.append(
                api._save(
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
                        created_at=NOW - timedelta(days=10),
                        booked_at=NOW - timedelta(days=10),
                    )
                )
            )
        api._save(
            QualityReview(
                organization_id=org.id,
                coordinator_id=coordinator.id,
                reviewed_at=NOW - timedelta(days=1),
                interaction_kind="call",
                rubric={"accuracy": 4},
                score_percent=80,
            ),
            SatisfactionScore(
                organization_id=org.id,
                coordinator_id=coordinator.id,
                score=5,
                received_at=NOW - timedelta(days=2),
            ),
        )
        # A task about the patient, answered and completed by the coordinator: its
        # title and patient stay in the work queue, only its timestamps are counted.
        task = staffing.task(
            org,
            opened_at=NOW - timedelta(days=1, hours=2),
            due_at=NOW - timedelta(days=1),
            status="completed",
            owner=user,
            responded=(user, NOW - timedelta(days=1, hours=1, minutes=45)),
            closed=(user, NOW - timedelta(days=1, hours=1)),
            title="Call Zelda Quagmire back about her gadolinium MRI",
            description="Zelda asked to move her Gadolinium MRI; phone +16175550123",
            patient_id=patient.id,
        )
    return {
        "org": org,
        "patient": patient,
        "coordinator": coordinator,
        "opening": opening,
        "appointments": appointments,
        "task": task,
    }


def secrets_of(account) -> list[str]:  # type: ignore[no-untyped-def]
    patient = account["patient"]
    return [
        "Zelda",
        "Quagmire",
        "ZQ-777",
        "5550123",
        str(patient.id),
        *(str(a.id) for a in account["appointments"]),
        str(account["task"].id),
        "adolinium",
    ]


def test_a_staffing_manager_cannot_open_patient_records(api, manager, account):
    org, patient = account["org"], account["patient"]
    assert manager.get(f"/api/v1/patients/{patient.id}").status_code == 404
    assert manager.get(
        "/api/v1/patients", params={"q": "quagmire", "organization_id": str(org.id)}
    ).status_code in (403, 404)
    appointments = manager.get(
        "/api/v1/appointments",
        params={
            "organization_id": str(org.id),
            "start": "2026-05-01T00:00:00Z",
            "end": "2026-07-01T00:00:00Z",
        },
    )
    assert appointments.status_code in (403, 404)
    assert manager.get(f"/api/v1/appointments/{account['appointments'][0].id}").status_code == 404


def test_no_staffing_response_carries_patient_data_yet_the_kpis_count_their_visits(
    api, manager, account
):
    org, coordinator, opening = account["org"], account["coordinator"], account["opening"]
    with clock.frozen_at(NOW):
        placement = manager.get(
            "/api/v1/staffing/placements", params={"organization_id": str(org.id)}
        ).json()["items"][0]
        urls = [
            "/api/v1/staffing/coordinators",
            f"/api/v1/staffing/coordinators/{coordinator.id}",
            f"/api/v1/staffing/coordinators/{coordinator.id}/scorecard",
            "/api/v1/staffing/openings",
            f"/api/v1/staffing/openings/{opening.id}",
            f"/api/v1/staffing/openings/{opening.id}/matches",
            "/api/v1/staffing/placements",
            f"/api/v1/staffing/placements/{placement['id']}",
            "/api/v1/staffing/accounts",
            f"/api/v1/staffing/accounts/{org.id}",
            f"/api/v1/staffing/accounts/{org.id}/report.csv?week=2026-05-25",
            "/api/v1/staffing/coaching-tasks",
            "/api/v1/staffing/courses",
            "/api/v1/staffing/certifications/renewals",
        ]
        bodies = {}
        for url in urls:
            response = manager.get(url)
            assert response.status_code == 200, (url, response.text)
            bodies[url] = response.text
        for url, text in bodies.items():
            for secret in secrets_of(account):
                assert secret not in text, (url, secret)
        kpis = {
            k["key"]: k
            for k in manager.get(
                f"/api/v1/staffing/coordinators/{coordinator.id}/scorecard"
            ).json()["kpis"]
        }
        # The visits are counted: 10 booked, 1 entered in error, 2 no-shows of 8 that took place.
        assert kpis["bookings"]["value"] == 10
        assert kpis["scheduling_accuracy"]["value"] == pytest.approx(0.9)
        assert kpis["noshow_rate"]["value"] == pytest.approx(2 / 8)
        assert kpis["quality"]["value"] == 80 and kpis["satisfaction"]["value"] == 5
        # So is the task: completed in time, first answered after 15 minutes.
        assert kpis["tasks_completed"]["value"] == 1
        assert kpis["first_response_median"]["value"] == 15
        assert kpis["sla_adherence"]["value"] == 1.0 and kpis["sla_breaches"]["value"] == 0
        pdf = manager.get(f"/api/v1/staffing/accounts/{org.id}/report.pdf?week=2026-05-25")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"


def test_the_report_behind_the_pdf_holds_counts_only(api, manager, account):
    from liaison.context import unit_of_work

    with clock.frozen_at(NOW):
        runtime = api.runtime
        from liaison.auth import service as auth_service
        from liaison.models import User

        with runtime.db.session() as session:
            user = session.get(User, manager.user_id)
            principal = auth_service.principal_for(session, user)
        with unit_of_work(runtime.db, principal=principal, audit_key=runtime.audit_key) as ctx:
            weekly = report.weekly_report(ctx, account["org"].id, None)
            html, csv_text = report.to_html(weekly), report.to_csv(weekly)
    assert weekly.week_start.isoformat() == "2026-05-25"
    assert "Harbor Family Health" in html and "not available" not in csv_text.lower()
    assert "Tasks completed" in csv_text and "SLA adherence" in html
    for secret in secrets_of(account):
        assert secret not in html and secret not in csv_text
    assert "<script" not in html
