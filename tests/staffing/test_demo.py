"""The staffing part of the demo: 60 realistic coordinators, placements that explain the
demo logins' access, open openings with candidates, and history for the scorecards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.demo import loader
from liaison.kit import migrate
from liaison.models import Coordinator, Membership, Opening, Placement, QualityReview, User
from liaison.runtime import Runtime


def rows(runtime, *columns, where=None):  # type: ignore[no-untyped-def]
    stmt = select(*columns)
    if where is not None:
        stmt = stmt.where(where)
    with runtime.db.session() as session:
        return list(session.execute(unscoped_system(stmt, "tests inspect the demo")).all())


def _token(client, email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/auth/token", json={"email": email, "password": "liaison-demo-2026"}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_staffing_demo(runtime, client):
    """One load (with calendars: the scorecards need bookings), three checks."""
    loader.load(
        runtime, seed=7, size="small", reset=False, progress=None, patients=600, appointments=True
    )
    sixty_coordinators_and_the_demo_logins_are_among_them(runtime)
    access_matches_placements(runtime)
    open_openings_have_candidates_and_scorecards_have_history(runtime, client)


def sixty_coordinators_and_the_demo_logins_are_among_them(runtime):  # type: ignore[no-untyped-def]
    assert len(rows(runtime, Coordinator.id)) == 60
    names = {
        name for (name,) in rows(runtime, User.display_name, where=User.id == Coordinator.user_id)
    }
    assert {"Keisha Robinson", "Tomás Delgado", "Aisha Patel", "Linh Tran", "Jordan Reyes"} <= names
    languages = Counter(
        item["tag"] for (langs,) in rows(runtime, Coordinator.languages) for item in langs
    )
    assert (
        languages["es"] >= 10
        and languages["ht"] >= 2
        and languages["vi"] >= 2
        and languages["tl"] >= 2
    )
    zones = {z for (z,) in rows(runtime, Coordinator.home_time_zone)}
    assert {"America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Manila"} <= zones


def access_matches_placements(runtime):  # type: ignore[no-untyped-def]
    placements = rows(
        runtime,
        Placement.organization_id,
        Placement.status,
        Coordinator.user_id,
        where=Placement.coordinator_id == Coordinator.id,
    )
    assert Counter(status for _, status, _ in placements) == Counter(
        {"active": 9, "ended": 4, "onboarding": 2, "proposed": 2}
    )
    memberships = {
        (m.organization_id, m.user_id): m.active
        for m in rows(runtime, Membership.organization_id, Membership.user_id, Membership.active)
    }
    active = {(org, user) for org, status, user in placements if status == "active"}
    # Every active placement holds an active membership...
    assert all(memberships.get(pair) is True for pair in active)
    # ...and a coordinator whose placements there all ended has none that works.
    ended_only = {(org, user) for org, status, user in placements if status == "ended"} - active
    assert ended_only and all(memberships.get(pair) is not True for pair in ended_only)


def open_openings_have_candidates_and_scorecards_have_history(runtime, client):  # type: ignore[no-untyped-def]
    manager = _token(client, "staffing@liaison.example")
    open_ids = [oid for (oid,) in rows(runtime, Opening.id, where=Opening.status == "open")]
    assert len(open_ids) >= 3
    for opening_id in open_ids:
        result = client.get(
            f"/api/v1/staffing/openings/{opening_id}/matches", headers=manager
        ).json()
        assert result["candidates"], opening_id
    (keisha,) = rows(
        runtime,
        Coordinator.id,
        where=(Coordinator.user_id == User.id) & (User.display_name == "Keisha Robinson"),
    )
    card = client.get(
        f"/api/v1/staffing/coordinators/{keisha[0]}/scorecard", headers=manager
    ).json()
    kpis = {k["key"]: k for k in card["kpis"]}
    assert kpis["bookings"]["value"] > 0
    assert sum(1 for p in kpis["quality"]["trend"] if p["value"] is not None) >= 6
    assert len(rows(runtime, QualityReview.id)) > 100
    # The client's admin sees their account; the plan runs over all open openings.
    harbor_admin = _token(client, "admin@harbor.example")
    accounts = client.get("/api/v1/staffing/accounts", headers=harbor_admin).json()
    assert [a["organization_name"] for a in accounts] == ["Harbor Family Health"]
    plan = client.post(
        "/api/v1/staffing/assignments",
        json={"opening_ids": [str(i) for i in open_ids]},
        headers=manager,
    )
    assert (
        plan.status_code == 200
        and plan.json()["optimal"]["filled"] >= plan.json()["greedy"]["filled"]
    )


def test_the_same_seed_gives_the_same_staffing(settings, tmp_path: Path):
    def snapshot(name: str):  # type: ignore[no-untyped-def]
        other = Runtime.from_settings(
            settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / name}"})
        )
        migrate.upgrade(other.db.engine)
        loader.load(
            other,
            seed=11,
            size="small",
            reset=False,
            progress=None,
            patients=300,
            appointments=False,
        )
        found = (
            rows(
                other,
                Coordinator.id,
                Coordinator.languages,
                Coordinator.systems,
                Coordinator.working_hours,
            ),
            rows(other, Placement.id, Placement.status, Placement.score),
            rows(other, QualityReview.id, QualityReview.score_percent),
        )
        other.db.dispose()
        return found

    assert snapshot("a.db") == snapshot("b.db")
