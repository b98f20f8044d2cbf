"""Openings and matching through the API: contradictions, ranked candidates with their
breakdown, exclusions with reasons, and the optimal-vs-greedy plan."""

from __future__ import annotations

import pytest

from tests.api.test_bad_input import fingerprint
from tests.staffing.factories import hours
from tests.staffing.test_placements import opening_body


@pytest.fixture
def pool(api, staffing):  # type: ignore[no-untyped-def]
    org = api.organization("Pacific Crest Orthopedics", time_zone="America/Los_Angeles")

    def person(name: str, **kw):  # type: ignore[no-untyped-def]
        user = api.user()
        with api.runtime.db.session() as session:
            from liaison.models import User

            session.get(User, user.id).display_name = name
        return staffing.coordinator(user, **kw)

    people = {
        "linh": person(
            "Linh Tran",
            languages=[
                {"tag": "en", "proficiency": "native"},
                {"tag": "vi", "proficiency": "native"},
            ],
            systems=[{"code": "epic", "years": 4}],
            home_time_zone="America/Los_Angeles",
            bio="Orthopedic surgery scheduling, MRI and workers compensation intake in Epic.",
        ),
        "ana": person(
            "Ana Ruiz",
            languages=[
                {"tag": "en", "proficiency": "native"},
                {"tag": "es", "proficiency": "native"},
            ],
            systems=[{"code": "epic", "years": 1}],
            home_time_zone="America/Los_Angeles",
            bio="Primary care front desk, bilingual Spanish.",
        ),
        "tom": person(
            "Tom Reed",
            systems=[{"code": "athenaone", "years": 6}],
            home_time_zone="America/New_York",
            bio="Behavioral health intake and telehealth scheduling.",
        ),
        "off": person("Olu Ade", status="inactive", systems=[{"code": "epic", "years": 9}]),
    }
    return {"org": org, **people}


def test_an_opening_no_coordinator_can_fill_is_refused_naming_the_constraint(
    api, runtime, manager, pool
):
    before = fingerprint(runtime)
    body = opening_body(
        pool["org"],
        languages=[{"tag": "en", "share": 0.8}, {"tag": "vi", "share": 0.2, "required": True}],
        systems=[{"code": "athenaone", "required": True}],
    )
    response = manager.post("/api/v1/staffing/openings", json=body)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == "systems[0]"
    assert error["message"] == (
        "no coordinator meets it together with the constraints before it (athenaOne experience): "
        "1 remained before it, 1 meet it alone"
    )
    assert fingerprint(runtime) == before
    # Alone, each is fine.
    assert (
        manager.post("/api/v1/staffing/openings", json={**body, "systems": []}).status_code == 201
    )


def test_candidates_come_ranked_with_each_component_and_the_excluded_with_reasons(
    api, manager, pool
):
    body = opening_body(
        pool["org"],
        description="Orthopedic surgery scheduling with MRI prior authorization and workers compensation intake",
        languages=[
            {"tag": "en", "share": 0.8},
            {"tag": "vi", "share": 0.1},
            {"tag": "es", "share": 0.1},
        ],
        systems=[{"code": "epic", "required": True}],
        hours=hours("08:00", "16:00"),
    )
    opening = manager.post("/api/v1/staffing/openings", json=body).json()
    result = manager.get(f"/api/v1/staffing/openings/{opening['id']}/matches").json()
    assert [c["display_name"] for c in result["candidates"]] == ["Linh Tran", "Ana Ruiz"]
    linh = result["candidates"][0]
    by_key = {c["key"]: c for c in linh["components"]}
    assert set(by_key) == {
        "languages",
        "systems",
        "specialties",
        "skills",
        "hours",
        "training",
        "assessment",
        "performance",
        "continuity",
        "text",
    }
    assert by_key["languages"]["value"] == pytest.approx(0.9)
    assert by_key["hours"]["value"] == pytest.approx(
        7 / 8
    )  # works 09:00-17:00, the desk opens at 08:00
    assert by_key["text"]["value"] > result["candidates"][1]["components"][-1]["value"]
    assert sum(c["points"] for c in linh["components"]) == pytest.approx(linh["score"], abs=0.05)
    assert result["pool_size"] == 4 and result["excluded_total"] == 2
    assert result["exclusion_counts"] == {"status": 1, "systems[0]": 1}
    reasons = {
        c["display_name"]: [e["reason"] for e in c["exclusions"]] for c in result["excluded"]
    }
    assert reasons == {
        "Olu Ade": ["not available for placement (profile inactive)"],
        "Tom Reed": ["no Epic experience (required)"],
    }


def test_the_assignment_plan_compares_optimal_with_greedy(api, manager, pool):
    org = pool["org"]
    first = manager.post(
        "/api/v1/staffing/openings",
        json=opening_body(
            org,
            title="Clinic A",
            languages=[{"tag": "en", "share": 0.9}, {"tag": "vi", "share": 0.1}],
            systems=[{"code": "epic"}],
        ),
    ).json()
    second = manager.post(
        "/api/v1/staffing/openings",
        json=opening_body(
            org,
            title="Clinic B",
            languages=[{"tag": "en", "share": 0.5}, {"tag": "vi", "share": 0.5, "required": True}],
            systems=[{"code": "epic"}],
        ),
    ).json()
    plan = manager.post(
        "/api/v1/staffing/assignments", json={"opening_ids": [first["id"], second["id"]]}
    )
    assert plan.status_code == 200, plan.text
    body = plan.json()
    greedy = {
        r["opening_title"]: (r["candidate"] or {}).get("display_name")
        for r in body["greedy"]["rows"]
    }
    optimal = {
        r["opening_title"]: (r["candidate"] or {}).get("display_name")
        for r in body["optimal"]["rows"]
    }
    # Greedy gives Clinic A its favourite, Linh, and leaves Clinic B (Vietnamese required) empty.
    assert greedy == {"Clinic A": "Linh Tran", "Clinic B": None}
    assert optimal == {"Clinic A": "Ana Ruiz", "Clinic B": "Linh Tran"}
    assert body["optimal"]["filled"] == 2 > body["greedy"]["filled"] == 1
    assert body["gain"] == pytest.approx(
        body["optimal"]["total_score"] - body["greedy"]["total_score"], abs=0.01
    )
    # Nothing was placed: a staffing manager confirms each placement.
    assert manager.get("/api/v1/staffing/placements").json()["items"] == []
    # A client's admin can read openings but not run matching.
    admin = api.login(org, "admin")
    assert admin.get(f"/api/v1/staffing/openings/{first['id']}").status_code == 200
    assert admin.get(f"/api/v1/staffing/openings/{first['id']}/matches").status_code == 403
    assert (
        admin.post("/api/v1/staffing/assignments", json={"opening_ids": [first["id"]]}).status_code
        == 403
    )


def test_opening_hours_must_not_overlap_and_a_shift_across_midnight_is_split(manager, pool):
    body = opening_body(
        pool["org"],
        hours={"mon": [{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "15:00"}]},
    )
    response = manager.post("/api/v1/staffing/openings", json=body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "hours.mon"
    crossing = opening_body(pool["org"], hours={"mon": [{"start": "22:00", "end": "02:00"}]})
    response = manager.post("/api/v1/staffing/openings", json=crossing)
    assert response.status_code == 422
    assert "split a shift that crosses midnight" in response.json()["errors"][0]["message"]
