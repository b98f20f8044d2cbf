"""The work queue over HTTP: opening, routing, the queue, claiming, status, conflicts."""

from __future__ import annotations

import os
import threading

import pytest


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
    again = coordinator.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "in-progress"})
    assert again.status_code == 409
    assert "completed" in again.json()["detail"]
    history = coordinator.get(f"/api/v1/tasks/{task['id']}/history").json()
    assert [e["action"] for e in history] == ["created", "routed", "status"]


def test_claim_race_has_one_winner(api, org):
    """Two coordinators claim the same task at the same moment, many times over: each
    time exactly one gets it and the other is told it is taken."""
    admin = api.login(org, "admin")
    a, b = api.login(org, "coordinator"), api.login(org, "coordinator")
    rounds = min(int(os.environ.get("LIAISON_RACE_ROUNDS", "200")), 25)
    for _ in range(rounds):
        task = admin.post(
            "/api/v1/tasks",
            json={"organization_id": str(org.id), "type": "general", "title": "x", "route": False},
        ).json()
        assert task["owner_user_id"] is None
        barrier = threading.Barrier(2)
        results = {}

        def go(name, caller, task_id=task["id"], results=results, barrier=barrier):
            barrier.wait()
            results[name] = caller.post(f"/api/v1/tasks/{task_id}/claim")

        threads = [threading.Thread(target=go, args=(n, c)) for n, c in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.status_code for r in results.values()) == [200, 409]
        (won,) = [n for n, r in results.items() if r.status_code == 200]
        owner = admin.get(f"/api/v1/tasks/{task['id']}").json()["owner_user_id"]
        assert owner == str((a if won == "a" else b).user_id)


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


def _profile(api, user, languages, skills=()):
    from liaison.models import Coordinator

    return api._save(
        Coordinator(
            user_id=user.user_id,
            headline="Coordinator",
            home_time_zone="America/New_York",
            working_hours={},
            languages=[{"tag": tag, "proficiency": "native"} for tag in languages],
            skills=list(skills),
        )
    )


def _open(caller, org, **extra):
    body = {"organization_id": str(org.id), "type": "inquiry", "title": "Message", **extra}
    response = caller.post("/api/v1/tasks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_routing_keeps_a_patient_with_their_coordinator_and_spreads_the_rest(api, org):
    admin = api.login(org, "admin")
    a, b = api.login(org, "coordinator"), api.login(org, "coordinator")
    patient = api.patient(org)
    first = _open(admin, org, patient_id=str(patient.id))
    owners = [first["owner_user_id"]]
    # The same patient writes again (a new matter): the same coordinator, while not swamped.
    again = _open(admin, org, patient_id=str(patient.id), type="call-back")
    assert again["owner_user_id"] == first["owner_user_id"]
    # Other patients' work goes to whoever carries less.
    for _ in range(6):
        owners.append(_open(admin, org, patient_id=str(api.patient(org).id))["owner_user_id"])
    counts = {str(a.user_id): 0, str(b.user_id): 0}
    for task in admin.get("/api/v1/tasks?view=all&limit=50").json()["items"]:
        counts[task["owner_user_id"]] += 1
    assert sorted(counts.values()) == [4, 4]


def test_routing_prefers_a_coordinator_who_speaks_the_patients_language(api, org):
    admin = api.login(org, "admin")
    english, spanish = api.login(org, "coordinator"), api.login(org, "coordinator")
    _profile(api, english, ["en"])
    _profile(api, spanish, ["en", "es"])
    for _ in range(3):
        task = _open(admin, org, language="es")
        assert task["owner_user_id"] == str(spanish.user_id)
    history = admin.get(f"/api/v1/tasks/{task['id']}/history").json()
    assert "speaks es" in history[1]["note"]


def test_a_team_rule_routes_inside_the_team(api, org):
    admin = api.login(org, "admin")
    outside, billing = api.login(org, "coordinator"), api.login(org, "coordinator")
    team = admin.post(
        "/api/v1/work-teams",
        json={
            "organization_id": str(org.id),
            "name": "Billing desk",
            "lead_user_id": str(admin.user_id),
            "member_user_ids": [str(billing.user_id)],
        },
    ).json()
    rule = admin.post(
        "/api/v1/routing-rules",
        json={
            "organization_id": str(org.id),
            "task_type": "insurance-exception",
            "team_id": team["id"],
        },
    )
    assert rule.status_code == 201, rule.text
    for _ in range(3):
        task = _open(admin, org, type="insurance-exception")
        assert (task["owner_user_id"], task["team_id"]) == (str(billing.user_id), team["id"])
    assert _open(admin, org, type="general")["owner_user_id"] == str(outside.user_id)
    mine = billing.get("/api/v1/tasks?view=team").json()["items"]
    assert len(mine) == 3


def test_bulk_is_all_or_nothing(api, org):
    admin = api.login(org, "admin")
    api.login(org, "coordinator")
    done = _open(admin, org)
    admin.post(f"/api/v1/tasks/{done['id']}/status", json={"status": "cancelled"})
    fresh = [_open(admin, org) for _ in range(2)]
    response = admin.post(
        "/api/v1/tasks/bulk",
        json={"task_ids": [fresh[0]["id"], done["id"], fresh[1]["id"]], "action": "complete"},
    )
    assert response.status_code == 409
    assert "task_ids[1]" in response.json()["detail"]
    for task in fresh:
        assert admin.get(f"/api/v1/tasks/{task['id']}").json()["status"] == "accepted"
    ok = admin.post(
        "/api/v1/tasks/bulk",
        json={"task_ids": [t["id"] for t in fresh], "action": "complete"},
    )
    assert [t["status"] for t in ok.json()] == ["completed", "completed"]


def test_playbook_versions_are_kept_and_the_newest_is_current(api, org):
    admin = api.login(org, "admin")
    coordinator = api.login(org, "coordinator")
    for n in (1, 2):
        published = admin.post(
            "/api/v1/playbooks",
            json={
                "organization_id": str(org.id),
                "scripts": f"Script v{n}",
                "do_not_handle": "Refills",
            },
        )
        assert published.json()["version"] == n
    current = coordinator.get(f"/api/v1/playbooks/current?organization_id={org.id}").json()
    assert (current["version"], current["scripts"]) == (2, "Script v2")
    versions = coordinator.get(f"/api/v1/playbooks?organization_id={org.id}").json()
    assert [v["version"] for v in versions] == [2, 1]
    denied = coordinator.post(
        "/api/v1/playbooks", json={"organization_id": str(org.id), "scripts": "mine now"}
    )
    assert denied.status_code == 403


def test_the_queue_pages_through_every_task_once(api, org):
    admin = api.login(org, "admin")
    api.login(org, "coordinator")
    made = {_open(admin, org, type="general")["id"] for _ in range(7)}
    seen, cursor = [], None
    while True:
        url = "/api/v1/tasks?view=all&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = admin.get(url)
        assert page.status_code == 200, page.text
        seen += [t["id"] for t in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 7
