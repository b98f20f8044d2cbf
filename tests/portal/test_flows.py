"""The visit question flow: checking a tree (every problem named by its node's path),
publishing versions through the staff API (queue managers and directory editors only),
and a patient walking it in the portal to the visit type it routes to."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from liaison.kit import clock
from liaison.portal import flows
from tests.portal.test_scheduling import NOW, build


def text(en: str, es: str | None = None) -> dict[str, str]:
    return {"en": en, "es": es or f"{en} (es)"}


TREE: dict[str, Any] = {
    "question": text("Have you been seen here before?", "¿Le han atendido aquí antes?"),
    "answers": [
        {
            "label": text("Yes", "Sí"),
            "next": {
                "question": text("What do you need?", "¿Qué necesita?"),
                "answers": [
                    {"label": text("A check on how I am doing"), "service_code": "follow-up"},
                    {"label": text("A video call"), "service_code": "video"},
                    {"label": text("A small procedure"), "service_code": "procedure"},
                ],
            },
        },
        {"label": text("No, I am new", "No, soy nuevo"), "service_code": "new-patient"},
    ],
}
CODES = {"follow-up", "video", "procedure", "new-patient"}


def fields(found: list[Any]) -> list[str]:
    return [p.field for p in found]


def test_a_good_tree_has_no_problems():
    assert flows.problems(TREE, CODES) == []
    assert flows.leaf_codes(TREE) == CODES


def test_each_problem_names_the_path_of_its_node():
    tree = copy.deepcopy(TREE)
    tree["question"]["es"] = " "
    tree["answers"][0]["next"]["answers"][1]["service_code"] = "care-plan"
    tree["answers"][0]["next"]["answers"][2]["label"] = {"en": "Surgery"}
    tree["answers"][1]["next"] = {"question": text("x"), "answers": []}
    tree["answers"].append({"label": text("Maybe"), "colour": "red", "service_code": "video"})
    assert fields(flows.problems(tree, CODES)) == [
        "tree.question.es",
        "tree.answers[0].next.answers[1].service_code",
        "tree.answers[0].next.answers[2].label.es",
        "tree.answers[1]",
        "tree.answers[2].colour",
    ]


def test_depth_is_at_most_five_questions():
    leaf = {"label": text("Done"), "service_code": "video"}

    def chain(depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {"question": text(f"Q{depth}"), "answers": [leaf]}
        for n in range(depth - 1, 0, -1):
            node = {"question": text(f"Q{n}"), "answers": [{"label": text("On"), "next": node}]}
        return node

    assert flows.problems(chain(5), CODES) == []
    deep = flows.problems(chain(6), CODES)
    assert fields(deep) == ["tree" + ".answers[0].next" * 5]
    assert "deeper than 5" in deep[0].message


def test_shapes_that_are_not_trees():
    assert fields(flows.problems([], CODES)) == ["tree"]
    assert fields(flows.problems({"question": "Hi?", "answers": "yes"}, CODES)) == [
        "tree.question",
        "tree.answers",
    ]
    many = {"question": text("Q"), "answers": [{"label": text("A"), "service_code": "video"}] * 9}
    assert fields(flows.problems(many, CODES)) == ["tree.answers"]


def test_walking_a_tree():
    assert flows.parse_answers("0-2") == (0, 2)
    assert flows.parse_answers("") == ()
    for bad in ("a", "0--1", "1-2-3-4-5-6", "100"):
        assert flows.parse_answers(bad) is None
    first = flows.walk(TREE, ())
    assert first.question["en"] == "Have you been seen here before?"
    assert [o["en"] for o in first.options] == ["Yes", "No, I am new"]
    second = flows.walk(TREE, (0,))
    assert second.question["en"] == "What do you need?" and second.trail[0]["en"] == "Yes"
    leaf = flows.walk(TREE, (0, 1))
    assert leaf.done and leaf.service_code == "video"
    assert flows.walk(TREE, (1,)).service_code == "new-patient"
    assert flows.walk(TREE, (5,)) is None
    assert flows.walk(TREE, (1, 0)) is None  # past a leaf


# --- The staff API --------------------------------------------------------------------


@pytest.fixture
def scene(api) -> Iterator[Any]:
    with clock.frozen_at(NOW):
        yield build(api)


def url(scene: Any) -> str:
    return f"/api/v1/organizations/{scene.org.id}/visit-flows"


def test_publishing_versions(scene, api):
    admin = api.login(scene.org, "admin")
    assert admin.get(f"{url(scene)}/current").status_code == 404
    first = admin.post(url(scene), json={"tree": TREE})
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1
    assert first.json()["created_by_user_id"] == str(admin.user_id)
    changed = copy.deepcopy(TREE)
    changed["answers"][1]["label"] = text("I am new here", "Soy nuevo aquí")
    second = admin.post(url(scene), json={"tree": changed})
    assert second.json()["version"] == 2
    assert admin.get(f"{url(scene)}/current").json()["tree"] == changed
    versions = scene.coordinator.get(url(scene)).json()  # coordinators read it
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["tree"] == TREE


def test_a_bad_tree_is_422_naming_the_node_and_nothing_is_published(scene, api):
    admin = api.login(scene.org, "admin")
    bad = copy.deepcopy(TREE)
    bad["answers"][0]["next"]["answers"][0]["service_code"] = "care-plan"  # staff only
    response = admin.post(url(scene), json={"tree": bad})
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"] == [
        {
            "field": "tree.answers[0].next.answers[0].service_code",
            "message": "is not an active visit type of this organization that patients may book",
        }
    ]
    assert admin.get(url(scene)).json() == []
    assert admin.post(url(scene), json={"tree": TREE, "extra": 1}).status_code == 422


def test_who_may_publish(scene, api):
    assert scene.coordinator.post(url(scene), json={"tree": TREE}).status_code == 403
    practitioner = api.login(scene.org, "practitioner")
    assert practitioner.post(url(scene), json={"tree": TREE}).status_code == 403
    outsider = api.login(api.organization("Elsewhere"), "admin")
    assert outsider.post(url(scene), json={"tree": TREE}).status_code == 404
    assert outsider.get(url(scene)).status_code == 404
    assert api.client.get(url(scene)).status_code == 401


# --- A patient walks it ---------------------------------------------------------------


def test_a_patient_is_routed_to_a_visit_type(scene, api, portal_user, portal_session):
    api.login(scene.org, "admin").post(url(scene), json={"tree": TREE})
    browser = portal_session(portal_user(scene.dora))  # established, prefers English
    with clock.frozen_at(NOW):
        first = browser.get("/portal/book")
        assert "Have you been seen here before?" in first.text
        assert 'name="answers" value="0"' in first.text
        second = browser.get("/portal/book?answers=0")
        assert "What do you need?" in second.text
        assert 'value="0-2"' in second.text
        leaf = browser.get("/portal/book?answers=0-0")
        assert "We suggest this visit" in leaf.text
        assert f"/portal/book/slots?service={scene.follow_up.id}" in leaf.text
        # A path that does not fit the tree starts over.
        assert "Have you been seen here before?" in browser.get("/portal/book?answers=9-9").text
        # Dora is established: the new-patient visit is not for her.
        new = browser.get("/portal/book?answers=1")
        assert "cannot be booked online for you" in new.text
        assert f"/portal/book/slots?service={scene.new_visit.id}" not in new.text
        assert f"/portal/book/slots?service={scene.follow_up.id}" in new.text
        listing = browser.get("/portal/book?types=all")
        assert "Visit types you can book" in listing.text


def test_without_a_flow_the_patient_chooses_from_the_list(scene, portal_user, portal_session):
    browser = portal_session(portal_user(scene.carla))  # Spanish
    with clock.frozen_at(NOW):
        page = browser.get("/portal/book")
    assert "Tipos de visita que puede pedir" in page.text
    assert "New patient visit" in page.text
    assert "Follow-up" not in page.text  # established patients only
    assert "Care planning" not in page.text  # staff books it


def test_the_demo_flow_is_valid_for_harbors_visit_types():
    """The demo's published flow names only Harbor's patient-bookable visit types."""
    from liaison.demo.catalog import HARBOR
    from liaison.demo.portal import HARBOR_FLOW
    from liaison.portal import flows

    bookable = {v.code for v in HARBOR.visit_types if v.patient_bookable}
    assert flows.problems(HARBOR_FLOW, bookable) == []
