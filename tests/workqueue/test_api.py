"""The work queue over HTTP: opening, routing, the queue, claiming, status, conflicts."""

from __future__ import annotations

import threading

import pytest

from liaison.kit import clock


@pytest.fixture
def org(api):
    return api.organization("Harbor Clinic")


def test_open_route_claim_and_complete(api, org):
    patient = api.patient(org)
    lead = api.login(org, "admin")
    coordinator = api.login(org, "coordinator")
    response = lead.post(
        "/api/v1/tasks",
        json={
            "organization_id": str(org.id),
            "type": "call-back",
            "title": "Call back about the referral",
            "patient_id": str(patient.id),
            "checklist": [{"text": "Call"}],
        },
    )
    assert response.status_code == 201, response.text
    task = response.json()
    # One coordinator in the organization: routing gives it to them.
    assert task["owner_user_id"] == str(coordinator.user_id)
    assert task["status"] == "accepted"
    assert task["sla_state"] == "on-track"
    assert response.headers["ETag"] == f'"{task["version"]}"'

    mine = coordinator.get("/api/v1/tasks?view=mine").json()
    assert [t["id"] for t in mine["items"]] == [task["id"]]

    stale = coordinator.post(
        f"/api/v1/tasks/{task['id']}/status", json={"status": "in-progress", "version": 0}
    )
    assert stale.status_code == 409
    moved = coordinator.post(
        f"/api/v1/tasks/{task['id']}/status",
        json={"status": "completed", "version": task["version"]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sla_state"] == "met"
    again = coordinator.post(
        f"/api/v1/tasks/{task['id']}/status", json={"status": "in-progress"}
    )
    assert again.status_code == 409
    assert "completed" in again.json()["detail"]
    history = coordinator.get(f"/api/v1/tasks/{task['id']}/history").json()
    assert [e["action"] for e in history] == ["created", "routed", "status"]


def test_claim_race_has_one_winner(api, org):
    admin = api.login(org, "admin")
    a, b = api.login(org, "coordinator"), api.login(org, "coordinator")
    task = admin.post(
        "/api/v1/tasks",
        json={"organization_id": str(org.id), "type": "general", "title": "x", "route": False},
    ).json()
    assert task["owner_user_id"] is None
    barrier = threading.Barrier(2)
    results = {}

    def go(name, caller):
        barrier.wait()
        results[name] = caller.post(f"/api/v1/tasks/{task['id']}/claim").status_code

    threads = [threading.Thread(target=go, args=(n, c)) for n, c in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 409]


def test_other_organization_gets_404(api, org):
    other = api.organization("Elsewhere")
    admin = api.login(org, "admin")
    task = admin.post(
        "/api/v1/tasks",
        json={"organization_id": str(org.id), "type": "general", "title": "x"},
    ).json()
    outsider = api.login(other, "admin")
    assert outsider.get(f"/api/v1/tasks/{task['id']}").status_code == 404
    assert outsider.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 404
    assert outsider.get("/api/v1/tasks?view=all").json()["items"] == []
    assert clock.now()
