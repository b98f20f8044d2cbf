"""Recurring series: every occurrence checked, conflicts reported with alternatives,
local time kept across DST, and changes to one, the following, or all."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from liaison.authz.scope import unscoped_system
from liaison.models import Appointment
from tests.scheduling.conftest import NY, local


def _series(clinic, start, **extra):
    body = {**clinic.ids, "start": start.isoformat(), "every_weeks": 1, "count": 6, **extra}
    return clinic.coordinator.post("/api/v1/appointment-series", json=body)


def _count(runtime) -> int:
    with runtime.db.session() as s:
        return s.scalar(unscoped_system(select(func.count()).select_from(Appointment), "test"))


def test_weekly_series_books_every_occurrence(clinic):
    response = _series(clinic, local(date(2026, 6, 2), 9))
    assert response.status_code == 201, response.text
    starts = [a["start"] for a in response.json()["appointments"]]
    assert starts == [
        f"2026-{d}T13:00:00Z" for d in ("06-02", "06-09", "06-16", "06-23", "06-30", "07-07")
    ]
    assert {a["series_id"] for a in response.json()["appointments"]} == {response.json()["id"]}


def test_conflict_fails_the_whole_series_with_alternatives(clinic, runtime):
    taken = clinic.coordinator.post(
        "/api/v1/appointments", json=clinic.booking(local(date(2026, 6, 16), 9))
    )
    assert taken.status_code == 201
    before = _count(runtime)
    response = _series(clinic, local(date(2026, 6, 2), 9))
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/series-conflicts"
    (conflict,) = problem["conflicts"]
    assert conflict["occurrence"] == 3
    assert conflict["alternatives"] and conflict["alternatives"][0]["local_start"].startswith(
        "2026-06-16T09:30"
    )
    assert _count(runtime) == before


def test_skip_books_the_rest_and_reports_the_misfit(clinic):
    clinic.coordinator.post(
        "/api/v1/appointments", json=clinic.booking(local(date(2026, 6, 16), 9))
    )
    response = _series(clinic, local(date(2026, 6, 2), 9), on_conflict="skip")
    assert response.status_code == 201
    assert len(response.json()["appointments"]) == 5
    assert [s["occurrence"] for s in response.json()["skipped"]] == [3]


def test_series_keeps_local_time_across_the_autumn_change(api, clinic, frozen):
    from liaison.kit import clock

    with clock.frozen_at(local(date(2026, 10, 20), 8)):
        clinic.coordinator = api.login(clinic.org, "coordinator")  # a token issued "now"
        response = _series(clinic, local(date(2026, 10, 27), 9), count=3)
    assert response.status_code == 201, response.text
    local_times = [
        datetime.fromisoformat(a["start"]).astimezone(NY).strftime("%m-%d %H:%M %Z")
        for a in response.json()["appointments"]
    ]
    assert local_times == ["10-27 09:00 EDT", "11-03 09:00 EST", "11-10 09:00 EST"]


def test_until_and_count_are_exclusive(clinic):
    both = _series(clinic, local(date(2026, 6, 2), 9), until="2026-07-01")
    assert both.status_code == 422


def test_cancel_this_and_following(clinic):
    created = _series(clinic, local(date(2026, 6, 2), 9)).json()
    third = created["appointments"][2]["id"]
    response = clinic.coordinator.post(
        f"/api/v1/appointment-series/{created['id']}/changes",
        json={
            "scope": "following",
            "appointment_id": third,
            "action": "cancel",
            "reason": "moving away",
            "cancelled_by": "patient",
        },
    )
    assert response.status_code == 200, response.text
    statuses = [a["status"] for a in response.json()["appointments"]]
    assert statuses == ["booked", "booked", "cancelled", "cancelled", "cancelled", "cancelled"]


def test_move_all_to_a_new_time(clinic):
    created = _series(clinic, local(date(2026, 6, 2), 9), count=3).json()
    first = created["appointments"][0]["id"]
    response = clinic.coordinator.post(
        f"/api/v1/appointment-series/{created['id']}/changes",
        json={
            "scope": "all",
            "appointment_id": first,
            "action": "move",
            "new_start": local(date(2026, 6, 3), 14).isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    live = [a for a in response.json()["appointments"] if a["status"] == "booked"]
    assert [a["start"] for a in live] == [
        "2026-06-03T18:00:00Z",
        "2026-06-10T18:00:00Z",
        "2026-06-17T18:00:00Z",
    ]
    assert all(a["rescheduled_from_id"] for a in live)


def test_move_into_a_conflict_changes_nothing(clinic):
    created = _series(clinic, local(date(2026, 6, 2), 9), count=3).json()
    clinic.coordinator.post(
        "/api/v1/appointments", json=clinic.booking(local(date(2026, 6, 10), 14))
    )
    response = clinic.coordinator.post(
        f"/api/v1/appointment-series/{created['id']}/changes",
        json={
            "scope": "all",
            "appointment_id": created["appointments"][0]["id"],
            "action": "move",
            "new_start": local(date(2026, 6, 3), 14).isoformat(),
        },
    )
    assert response.status_code == 409
    assert [c["occurrence"] for c in response.json()["conflicts"]] == [2]
    after = clinic.coordinator.get(f"/api/v1/appointment-series/{created['id']}").json()
    assert [a["status"] for a in after["appointments"]] == ["booked"] * 3
