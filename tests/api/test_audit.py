"""Audit: every patient-data request leaves exactly one row, and the chain detects
edits, insertions and deletions made behind Liaison's back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from liaison.audit import service as audit_service
from liaison.authz.scope import unscoped_system
from liaison.models import AuditEvent


def _rows(runtime) -> list[AuditEvent]:
    with runtime.db.session() as session:
        return list(
            session.scalars(unscoped_system(select(AuditEvent).order_by(AuditEvent.seq), "test"))
        )


@pytest.fixture
def scene(api):
    org = api.organization()
    other = api.organization()
    coordinator = api.login(org, "coordinator")
    patient = api.patient(org, phone="+16175550100", given_name="Rosa", family_name="Mendez")
    foreign = api.patient(other, given_name="Ola", family_name="Nordmann")
    return org, coordinator, patient, foreign


def _requests(org, patient, foreign):
    pid, fid = patient.id, foreign.id
    new = {
        "organization_id": str(org.id),
        "given_name": "Tom",
        "family_name": "Tran",
        "birth_date": "1970-05-05",
        "administrative_sex": "male",
    }
    return [
        ("GET", f"/api/v1/patients/{pid}", None, 200),
        ("GET", "/api/v1/patients?q=mendez", None, 200),
        ("GET", "/api/v1/patients?q=", None, 422),
        ("POST", "/api/v1/patients", new, 201),
        ("POST", "/api/v1/patients", {**new, "birth_date": "2999-01-01"}, 422),
        (
            "POST",
            "/api/v1/patients/duplicates",
            {k: new[k] for k in ("organization_id", "given_name", "family_name", "birth_date")},
            200,
        ),
        ("PATCH", f"/api/v1/patients/{pid}", {"email": "rosa@example.org"}, 200),
        ("PATCH", f"/api/v1/patients/{pid}", {"phones": [{"value": "not a phone"}]}, 422),
        ("POST", f"/api/v1/patients/{pid}/consents", {"channel": "sms", "status": "granted"}, 200),
        ("GET", f"/api/v1/patients/{fid}", None, 404),
        ("PATCH", f"/api/v1/patients/{fid}", {"email": "x@example.org"}, 404),
        ("DELETE", f"/api/v1/patients/{fid}", None, 404),
    ]


def test_every_patient_request_leaves_exactly_one_audit_row(api, runtime, scene):
    org, coordinator, patient, foreign = scene
    for method, url, body, expected in _requests(org, patient, foreign):
        before = len(_rows(runtime))
        response = coordinator.client.request(method, url, headers=coordinator.headers, json=body)
        assert response.status_code == expected, (method, url, response.text)
        rows = _rows(runtime)
        assert len(rows) == before + 1, (method, url)
        row = rows[-1]
        assert row.user_id == coordinator.user_id
        assert row.http_status in (expected, 200)
        assert row.request_id == response.headers["x-request-id"]
        if expected < 400:
            assert row.outcome == "success"
        elif expected == 404:
            assert row.outcome == "denied"
        else:
            assert row.outcome == "failed"


def test_audit_rows_name_the_patient_and_never_their_details(api, runtime, scene):
    org, coordinator, patient, _ = scene
    coordinator.get(f"/api/v1/patients/{patient.id}")
    coordinator.get("/api/v1/patients", params={"q": "mendez"})
    read, search = _rows(runtime)[-2:]
    assert (read.action, read.resource_type, read.patient_id, read.organization_id) == (
        "read",
        "Patient",
        patient.id,
        org.id,
    )
    assert search.details["criteria"] == ["name"]
    assert search.details["results"] == [str(patient.id)]
    for row in (read, search):
        blob = str(row.details)
        assert "Mendez" not in blob and "mendez" not in blob and "6175550100" not in blob


def test_cross_tenant_attempt_is_recorded_as_denied(api, runtime, scene):
    _, coordinator, _, foreign = scene
    coordinator.get(f"/api/v1/patients/{foreign.id}")
    row = _rows(runtime)[-1]
    assert (row.outcome, row.http_status, row.resource_id) == ("denied", 404, str(foreign.id))


def test_failed_write_is_rolled_back_but_audited(api, runtime, scene):
    _, coordinator, patient, _ = scene
    response = coordinator.patch(
        f"/api/v1/patients/{patient.id}", json={"version": 99, "email": "a@example.org"}
    )
    assert response.status_code == 409
    assert coordinator.get(f"/api/v1/patients/{patient.id}").json()["email"] is None
    assert [r.outcome for r in _rows(runtime)[-2:]] == ["failed", "success"]


def test_admin_searches_audit_by_patient_and_time(api, runtime, scene):
    org, coordinator, patient, _ = scene
    admin = api.login(org, "admin")
    coordinator.get(f"/api/v1/patients/{patient.id}")
    coordinator.get(f"/api/v1/patients/{patient.id}")
    page = admin.get(
        "/api/v1/audit-events", params={"patient_id": str(patient.id), "order": "asc"}
    ).json()
    assert [e["action"] for e in page["items"]] == ["read", "read"]
    assert page["items"][0]["seq"] < page["items"][1]["seq"]
    assert admin.get(
        "/api/v1/audit-events", params={"user_id": str(coordinator.user_id), "limit": 1}
    ).json()["next_cursor"]
    assert (
        admin.get(
            "/api/v1/audit-events",
            params={"since": "2000-01-01T00:00:00Z", "until": "2000-01-02T00:00:00Z"},
        ).json()["items"]
        == []
    )
    assert coordinator.get("/api/v1/audit-events").status_code == 403


def _chain_with_rows(api, scene, n=5):
    _, coordinator, patient, _ = scene
    for _ in range(n):
        coordinator.get(f"/api/v1/patients/{patient.id}")


def _verify(runtime):
    with runtime.db.session() as session:
        return audit_service.verify(session, runtime.audit_key)


def test_chain_verifies_when_untouched(api, runtime, scene):
    _chain_with_rows(api, scene)
    report = _verify(runtime)
    assert report.ok and report.rows == 5


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_event SET outcome = 'denied' WHERE seq = 3", "contents changed"),
        ("UPDATE audit_event SET client_ip = '10.0.0.9' WHERE seq = 2", "contents changed"),
        ("DELETE FROM audit_event WHERE seq = 2", "rows missing"),
        ("DELETE FROM audit_event WHERE seq = 5", "deleted"),
    ],
)
def test_chain_reports_rows_edited_or_deleted_in_sql(api, runtime, scene, tamper, expected):
    _chain_with_rows(api, scene)
    with runtime.db.engine.begin() as conn:
        conn.execute(text(tamper))
    report = _verify(runtime)
    assert not report.ok
    assert any(expected in p.problem for p in report.problems), report.problems


def test_chain_reports_a_row_inserted_in_sql(api, runtime, scene):
    _chain_with_rows(api, scene)
    last = _rows(runtime)[-1]
    with runtime.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (seq, occurred_at, action, resource_type, outcome,"
                " details, prev_digest, digest) VALUES (:seq, :at, 'read', 'Patient', 'success', '{}', :prev, :digest)"
            ),
            {
                "seq": last.seq + 1,
                "at": last.occurred_at.replace(tzinfo=None)
                if runtime.db.dialect == "sqlite"
                else last.occurred_at,
                "prev": last.digest,
                "digest": "f" * 64,
            },
        )
    report = _verify(runtime)
    assert not report.ok
    assert {p.seq for p in report.problems} == {last.seq + 1}


def test_cli_audit_verify_fails_after_an_edit(api, runtime, scene, settings, monkeypatch):
    from liaison.cli.main import app as cli
    from liaison.config import get_settings

    _chain_with_rows(api, scene, 3)
    monkeypatch.setenv("LIAISON_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LIAISON_SECRET_KEY", settings.secret_key.get_secret_value())
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(cli, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "intact: 3 rows" in ok.output
        with runtime.db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET resource_id = 'x' WHERE seq = 2"))
        broken = CliRunner().invoke(cli, ["audit", "verify"])
        assert broken.exit_code == 1
        assert "row 2: contents changed" in broken.output
    finally:
        get_settings.cache_clear()


def test_directory_writes_are_audited_without_patient(api, runtime):
    org = api.organization()
    admin = api.login(org, "admin")
    response = admin.post(
        "/api/v1/locations",
        json={"organization_id": str(org.id), "name": "North", "time_zone": "America/New_York"},
    )
    assert response.status_code == 201
    row = _rows(runtime)[-1]
    assert (row.action, row.resource_type, row.resource_id, row.patient_id) == (
        "create",
        "Location",
        response.json()["id"],
        None,
    )


def test_audit_rows_are_counted_per_request_not_per_query(api, runtime, scene):
    _, coordinator, _, _ = scene
    with runtime.db.session() as session:
        before = session.scalar(
            unscoped_system(select(func.count()).select_from(AuditEvent), "test")
        )
    coordinator.get("/api/v1/patients", params={"q": "m", "limit": 1})
    with runtime.db.session() as session:
        after = session.scalar(
            unscoped_system(select(func.count()).select_from(AuditEvent), "test")
        )
    assert after == before + 1


def test_every_task_request_leaves_one_audit_row_naming_the_patient(api, runtime, scene):
    """Tasks name a patient: each request about one leaves exactly one row, with the
    patient when the task was found, even when the request fails."""
    org, coordinator, patient, _ = scene
    created = coordinator.post(
        "/api/v1/tasks",
        json={
            "organization_id": str(org.id),
            "type": "call-back",
            "title": "Call back",
            "patient_id": str(patient.id),
        },
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert [(r.action, r.resource_type, r.resource_id, r.patient_id) for r in _rows(runtime)] == [
        ("create", "Task", task["id"], patient.id)
    ]
    t, missing = f"/api/v1/tasks/{task['id']}", "00000000-0000-7000-8000-0000000000ff"
    requests = [
        ("GET", t, None, 200, "read"),
        ("GET", f"{t}/history", None, 200, "read"),
        ("GET", f"{t}/messages", None, 200, "read"),
        ("PATCH", t, {"version": task["version"], "title": "Changed"}, 200, "update"),
        ("PATCH", t, {"version": 99, "title": "Stale"}, 409, "update"),
        ("POST", f"{t}/notes", {"text": "Left a voicemail"}, 201, "update"),
        ("POST", f"{t}/status", {"status": "in-progress"}, 200, "update"),
        ("POST", f"{t}/status", {"status": "requested"}, 409, "update"),
        ("GET", f"/api/v1/tasks/{missing}", None, 404, "read"),
    ]
    for method, url, body, expected, action in requests:
        before = len(_rows(runtime))
        response = coordinator.client.request(method, url, headers=coordinator.headers, json=body)
        assert response.status_code == expected, (method, url, response.text)
        rows = _rows(runtime)[before:]
        assert len(rows) == 1, (method, url, [(r.action, r.resource_type) for r in rows])
        row = rows[0]
        assert (row.action, row.resource_type, row.user_id) == (
            action,
            "Task",
            coordinator.user_id,
        )
        assert row.request_id == response.headers["x-request-id"]
        if expected == 404:
            assert (row.outcome, row.patient_id) == ("denied", None)
        else:
            assert row.resource_id == task["id"]
            assert row.patient_id == patient.id
            assert row.outcome == ("success" if expected < 400 else "failed")
    before = len(_rows(runtime))
    coordinator.get("/api/v1/tasks", params={"view": "all"})
    (listed,) = _rows(runtime)[before:]
    assert (listed.action, listed.resource_type, listed.patient_id) == ("read", "Task", None)
    blob = " ".join(str(r.details) for r in _rows(runtime))
    assert "Mendez" not in blob and "Left a voicemail" not in blob


def test_a_message_from_an_integration_is_audited_with_the_task_it_opened(api, runtime, scene):
    org, coordinator, patient, _ = scene
    response = coordinator.post(
        "/api/v1/inbox/messages",
        json={
            "organization_id": str(org.id),
            "patient_id": str(patient.id),
            "channel": "portal",
            "body": "Can I move my visit to Friday?",
        },
    )
    assert response.status_code == 201, response.text
    rows = _rows(runtime)
    assert [(r.action, r.resource_type, r.patient_id, r.user_id) for r in rows] == [
        ("create", "Communication", patient.id, coordinator.user_id),
        ("create", "Task", patient.id, coordinator.user_id),
    ]
    assert rows[1].resource_id == response.json()["task"]["id"]
    assert "Friday" not in " ".join(str(r.details) for r in rows)
