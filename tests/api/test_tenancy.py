"""Cross-tenant matrix: a user of another organization gets 404 and no data, on every
endpoint that names an organization's record.

``MATRIX`` lists every /api/v1 route with a path or body that points into organization
A; ``test_matrix_covers_every_route`` fails when a new route is added without an entry,
so a new endpoint cannot skip this check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from liaison.models import Membership
from tests.api.routes import api_routes
from tests.staffing.factories import world as staffing_world


@dataclass
class World:
    org_a: Any
    org_b: Any
    ids: dict[str, str]


@pytest.fixture
def world(api) -> World:
    a, b = api.organization("Alpha Clinic"), api.organization("Beta Clinic")
    loc = api.location(a)
    prac = api.practitioner(a)
    svc = api.service(a)
    role = api.role(prac, loc, [svc])
    patient = api.patient(a, phone="+16175551234", given_name="Ana", family_name="Alvarez")
    from liaison.models import Device, OrganizationHoliday

    device = api._save(
        Device(
            organization_id=a.id,
            location_id=loc.id,
            name="X-ray 1",
            category="equipment",
            kind="xray",
        )
    )
    from datetime import date

    holiday = api._save(
        OrganizationHoliday(organization_id=a.id, date=date(2026, 12, 25), name="Christmas")
    )
    a_user = api.user(a, "coordinator")
    from datetime import UTC, datetime, time

    from liaison.models import (
        Appointment,
        AvailabilityRule,
        Schedule,
        ScheduleBlock,
        ScheduleOverride,
    )

    schedule = api._save(
        Schedule(organization_id=a.id, practitioner_role_id=role.id, location_id=loc.id)
    )
    rule = api._save(
        AvailabilityRule(
            organization_id=a.id,
            schedule_id=schedule.id,
            weekdays=[1, 2, 3, 4, 5],
            start_time=time(9),
            end_time=time(17),
            valid_from=date(2026, 1, 1),
        )
    )
    override = api._save(
        ScheduleOverride(
            organization_id=a.id,
            schedule_id=schedule.id,
            date=date(2026, 12, 24),
            start_time=time(9),
            end_time=time(12),
        )
    )
    block = api._save(
        ScheduleBlock(
            organization_id=a.id,
            schedule_id=schedule.id,
            kind="meeting",
            start_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
            end_at=datetime(2026, 12, 1, 16, tzinfo=UTC),
        )
    )
    appointment = api._save(
        Appointment(
            organization_id=a.id,
            status="booked",
            patient_id=patient.id,
            healthcare_service_id=svc.id,
            practitioner_role_id=role.id,
            location_id=loc.id,
            start_at=datetime(2026, 12, 2, 15, tzinfo=UTC),
            end_at=datetime(2026, 12, 2, 15, 30, tzinfo=UTC),
            modality="in-person",
        )
    )
    from liaison.models import AppointmentSeries, CalendarFeed

    series = api._save(
        AppointmentSeries(
            organization_id=a.id,
            patient_id=patient.id,
            healthcare_service_id=svc.id,
            practitioner_role_id=role.id,
            first_start_at=datetime(2026, 12, 2, 15, tzinfo=UTC),
            every_weeks=1,
            count=2,
        )
    )
    feed = api._save(
        CalendarFeed(
            organization_id=a.id,
            practitioner_id=prac.id,
            token_digest="0" * 64,
            label="x",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    from liaison.models import OutboxMessage, WaitlistEntry, WaitlistOffer

    entry = api._save(
        WaitlistEntry(organization_id=a.id, patient_id=patient.id, healthcare_service_id=svc.id)
    )
    offer = api._save(
        WaitlistOffer(
            organization_id=a.id,
            entry_id=entry.id,
            patient_id=patient.id,
            hold_appointment_id=appointment.id,
            start_at=appointment.start_at,
            end_at=appointment.end_at,
            practitioner_role_id=role.id,
            token_digest="0" * 64,
            sent_at=datetime(2026, 1, 1, tzinfo=UTC),
            expires_at=datetime(2026, 12, 31, tzinfo=UTC),
        )
    )
    dead = api._save(
        OutboxMessage(
            organization_id=a.id,
            topic="message.send",
            payload={"kind": "message"},
            idempotency_key="dead-a",
            status="dead",
            attempts=8,
            available_at=datetime(2026, 1, 1, tzinfo=UTC),
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    return World(
        a,
        b,
        {
            "organization_id": str(a.id),
            "location_id": str(loc.id),
            "practitioner_id": str(prac.id),
            "service_id": str(svc.id),
            "role_id": str(role.id),
            "patient_id": str(patient.id),
            "device_id": str(device.id),
            "holiday_id": str(holiday.id),
            "user_id": str(a_user.id),
            "schedule_id": str(schedule.id),
            "rule_id": str(rule.id),
            "override_id": str(override.id),
            "block_id": str(block.id),
            "appointment_id": str(appointment.id),
            "series_id": str(series.id),
            "feed_id": str(feed.id),
            "entry_id": str(entry.id),
            "offer_id": str(offer.id),
            "message_id": str(dead.id),
            "token_id": "00000000-0000-7000-8000-000000000000",
            **staffing_world(api, a),
        },
    )


def _staffing_bodies(ids: dict[str, str]) -> dict[str, Any]:
    org = ids["organization_id"]
    week = {"mon": [{"start": "09:00", "end": "17:00"}]}
    return {
        "st-coordinator": {
            "user_id": ids["coordinator_user_id"],
            "headline": "x",
            "home_time_zone": "America/New_York",
            "working_hours": week,
            "languages": [{"tag": "en", "proficiency": "native"}],
        },
        "st-patch-coordinator": {"headline": "Changed"},
        "st-cert": {
            "code": "CHAA",
            "name": "Certified",
            "issued_on": "2025-01-01",
            "expires_on": "2030-01-01",
        },
        "st-opening": {
            "organization_id": org,
            "title": "Desk",
            "hours": week,
            "languages": [{"tag": "en", "share": 1.0}],
        },
        "st-patch-opening": {"title": "Changed"},
        "st-backup": {"coordinator_id": ids["coordinator_id"]},
        "st-plan": {"opening_ids": [ids["opening_id"]]},
        "st-placement": {"opening_id": ids["opening_id"], "coordinator_id": ids["coordinator_id"]},
        "st-transition": {"to": "ended"},
        "st-course": {
            "code": "x-course",
            "title": "X",
            "kind": "playbook",
            "client_organization_id": org,
            "modules": [{"title": "m", "body_markdown": "x"}],
        },
        "st-progress": {"module_id": "00000000-0000-7000-8000-000000000000"},
        "st-attempt": {"assessment_id": ids["assessment_id"], "answers": [[0], [1]]},
        "st-enrollment": {"coordinator_id": ids["coordinator_id"], "course_id": ids["course_id"]},
        "st-required": {"course_ids": [ids["course_id"]]},
        "st-review": {
            "organization_id": org,
            "coordinator_id": ids["coordinator_id"],
            "interaction_kind": "call",
            "rubric": {
                "greeting": 4,
                "accuracy": 4,
                "empathy": 4,
                "resolution": 4,
                "compliance": 4,
            },
        },
        "st-satisfaction": {
            "organization_id": org,
            "coordinator_id": ids["coordinator_id"],
            "score": 4,
        },
        "st-close": {"note": "done"},
    }


def _body(kind: str, ids: dict[str, str]) -> dict[str, Any] | None:
    org = ids["organization_id"]
    bodies = {
        "location": {"organization_id": org, "name": "X", "time_zone": "America/New_York"},
        "practitioner": {"organization_id": org, "given_name": "A", "family_name": "B"},
        "service": {"organization_id": org, "code": "x1", "name": "X", "duration_minutes": 20},
        "role": {
            "organization_id": org,
            "practitioner_id": ids["practitioner_id"],
            "location_id": ids["location_id"],
        },
        "device": {
            "organization_id": org,
            "location_id": ids["location_id"],
            "name": "R",
            "category": "room",
            "kind": "exam",
        },
        "patient": {
            "organization_id": org,
            "given_name": "Z",
            "family_name": "Q",
            "birth_date": "1990-01-01",
            "administrative_sex": "male",
        },
        "dupcheck": {
            "organization_id": org,
            "given_name": "Ana",
            "family_name": "Alvarez",
            "birth_date": "1990-01-01",
        },
        "holiday": {"date": "2026-07-04", "name": "Independence Day"},
        "consent": {"channel": "sms", "status": "granted"},
        "membership": {"organization_id": org, "role": "coordinator"},
        "patch-name": {"name": "Changed"},
        "patch-practitioner": {"family_name": "Changed"},
        "patch-role": {"active": False},
        "patch-patient": {"family_name": "Changed"},
        "patch-user": {"display_name": "Changed"},
        "patch-membership": {"role": "admin"},
        "rule": {
            "weekdays": [1],
            "start_time": "09:00",
            "end_time": "10:00",
            "valid_from": "2026-01-01",
        },
        "override": {"date": "2026-12-26", "start_time": "09:00", "end_time": "10:00"},
        "block": {"start_at": "2026-12-03T15:00:00Z", "end_at": "2026-12-03T16:00:00Z"},
        "slots": {"organization_id": org, "healthcare_service_id": ids["service_id"]},
        "appointment": {
            "organization_id": org,
            "patient_id": ids["patient_id"],
            "healthcare_service_id": ids["service_id"],
            "practitioner_role_id": ids["role_id"],
            "start": "2026-12-03T15:00:00Z",
        },
        "empty": {},
        "cancel": {"reason": "x", "cancelled_by": "patient"},
        "reschedule": {"start": "2026-12-03T15:00:00Z"},
        "status": {"status": "arrived"},
        "series": {
            "organization_id": org,
            "patient_id": ids["patient_id"],
            "healthcare_service_id": ids["service_id"],
            "practitioner_role_id": ids["role_id"],
            "start": "2026-12-03T15:00:00Z",
            "every_weeks": 1,
            "count": 2,
        },
        "series-change": {
            "scope": "one",
            "appointment_id": ids["appointment_id"],
            "action": "cancel",
        },
        "feed": {"label": "x"},
        **_staffing_bodies(ids),
        "template": {"body": "{{ org_name }}: hello"},
        "message": {"organization_id": org, "patient_id": ids["patient_id"], "body": "Hello"},
        "broadcast": {
            "organization_id": org,
            "location_id": ids["location_id"],
            "date": "2026-12-02",
            "note": "Closed",
        },
        "recall": {
            "organization_id": org,
            "healthcare_service_id": ids["service_id"],
            "months": 12,
        },
        "entry": {
            "organization_id": org,
            "patient_id": ids["patient_id"],
            "healthcare_service_id": ids["service_id"],
        },
        "user": {
            "email": "new@example.org",
            "display_name": "N",
            "password": "long enough password 1",
            "memberships": [{"organization_id": org, "role": "coordinator"}],
        },
    }
    return bodies.get(kind)


# (method, path, body kind or None). Paths use {names} from World.ids.
MATRIX: list[tuple[str, str, str | None]] = [
    ("GET", "/api/v1/organizations/{organization_id}", None),
    ("PATCH", "/api/v1/organizations/{organization_id}", "patch-name"),
    ("GET", "/api/v1/organizations/{organization_id}/holidays", None),
    ("POST", "/api/v1/organizations/{organization_id}/holidays", "holiday"),
    ("DELETE", "/api/v1/organizations/{organization_id}/holidays/{holiday_id}", None),
    ("GET", "/api/v1/locations?organization_id={organization_id}", None),
    ("POST", "/api/v1/locations", "location"),
    ("GET", "/api/v1/locations/{location_id}", None),
    ("PATCH", "/api/v1/locations/{location_id}", "patch-name"),
    ("DELETE", "/api/v1/locations/{location_id}", None),
    ("GET", "/api/v1/practitioners?organization_id={organization_id}", None),
    ("POST", "/api/v1/practitioners", "practitioner"),
    ("GET", "/api/v1/practitioners/{practitioner_id}", None),
    ("PATCH", "/api/v1/practitioners/{practitioner_id}", "patch-practitioner"),
    ("DELETE", "/api/v1/practitioners/{practitioner_id}", None),
    ("GET", "/api/v1/services?organization_id={organization_id}", None),
    ("POST", "/api/v1/services", "service"),
    ("GET", "/api/v1/services/{service_id}", None),
    ("PATCH", "/api/v1/services/{service_id}", "patch-name"),
    ("DELETE", "/api/v1/services/{service_id}", None),
    ("GET", "/api/v1/practitioner-roles?organization_id={organization_id}", None),
    ("POST", "/api/v1/practitioner-roles", "role"),
    ("GET", "/api/v1/practitioner-roles/{role_id}", None),
    ("PATCH", "/api/v1/practitioner-roles/{role_id}", "patch-role"),
    ("DELETE", "/api/v1/practitioner-roles/{role_id}", None),
    ("GET", "/api/v1/devices?organization_id={organization_id}", None),
    ("POST", "/api/v1/devices", "device"),
    ("GET", "/api/v1/devices/{device_id}", None),
    ("PATCH", "/api/v1/devices/{device_id}", "patch-name"),
    ("DELETE", "/api/v1/devices/{device_id}", None),
    ("GET", "/api/v1/patients?organization_id={organization_id}&q=alvarez", None),
    ("POST", "/api/v1/patients", "patient"),
    ("POST", "/api/v1/patients/duplicates", "dupcheck"),
    ("GET", "/api/v1/patients/{patient_id}", None),
    ("PATCH", "/api/v1/patients/{patient_id}", "patch-patient"),
    ("DELETE", "/api/v1/patients/{patient_id}", None),
    ("POST", "/api/v1/patients/{patient_id}/consents", "consent"),
    ("GET", "/api/v1/users?organization_id={organization_id}", None),
    ("POST", "/api/v1/users", "user"),
    ("GET", "/api/v1/users/{user_id}", None),
    ("PATCH", "/api/v1/users/{user_id}", "patch-user"),
    ("POST", "/api/v1/users/{user_id}/memberships", "membership"),
    ("PATCH", "/api/v1/users/{user_id}/memberships/{organization_id}", "patch-membership"),
    ("DELETE", "/api/v1/users/{user_id}/memberships/{organization_id}", None),
    ("GET", "/api/v1/audit-events?organization_id={organization_id}", None),
    ("GET", "/api/v1/schedules?organization_id={organization_id}", None),
    ("POST", "/api/v1/schedules?practitioner_role_id={role_id}", None),
    ("GET", "/api/v1/schedules/{schedule_id}", None),
    ("GET", "/api/v1/schedules/{schedule_id}/rules", None),
    ("POST", "/api/v1/schedules/{schedule_id}/rules", "rule"),
    ("DELETE", "/api/v1/schedules/{schedule_id}/rules/{rule_id}", None),
    (
        "GET",
        "/api/v1/schedules/{schedule_id}/overrides?start_date=2026-12-01&end_date=2026-12-31",
        None,
    ),
    ("POST", "/api/v1/schedules/{schedule_id}/overrides", "override"),
    ("DELETE", "/api/v1/schedules/{schedule_id}/overrides/{override_id}", None),
    ("GET", "/api/v1/schedules/{schedule_id}/blocks", None),
    ("POST", "/api/v1/schedules/{schedule_id}/blocks", "block"),
    ("DELETE", "/api/v1/schedules/{schedule_id}/blocks/{block_id}", None),
    (
        "GET",
        "/api/v1/schedules/{schedule_id}/preview?healthcare_service_id={service_id}&start_date=2026-12-01&end_date=2026-12-02",
        None,
    ),
    ("POST", "/api/v1/slots/search", "slots"),
    ("POST", "/api/v1/appointments", "appointment"),
    (
        "GET",
        "/api/v1/appointments?organization_id={organization_id}&start=2026-12-01T00:00:00Z&end=2026-12-31T00:00:00Z",
        None,
    ),
    ("GET", "/api/v1/appointments/{appointment_id}", None),
    ("POST", "/api/v1/appointments/{appointment_id}/book", "empty"),
    ("POST", "/api/v1/appointments/{appointment_id}/cancel", "cancel"),
    ("POST", "/api/v1/appointments/{appointment_id}/reschedule", "reschedule"),
    ("POST", "/api/v1/appointments/{appointment_id}/status", "status"),
    ("GET", "/api/v1/appointments/{appointment_id}/calendar.ics", None),
    ("POST", "/api/v1/appointment-series", "series"),
    ("GET", "/api/v1/appointment-series/{series_id}", None),
    ("POST", "/api/v1/appointment-series/{series_id}/changes", "series-change"),
    ("POST", "/api/v1/practitioners/{practitioner_id}/calendar-feeds", "feed"),
    ("GET", "/api/v1/practitioners/{practitioner_id}/calendar-feeds", None),
    ("DELETE", "/api/v1/practitioners/{practitioner_id}/calendar-feeds/{feed_id}", None),
    ("GET", "/api/v1/patients/{patient_id}/communications", None),
    ("POST", "/api/v1/messages", "message"),
    ("GET", "/api/v1/organizations/{organization_id}/message-templates", None),
    (
        "PUT",
        "/api/v1/organizations/{organization_id}/message-templates/reminder/sms/en",
        "template",
    ),
    ("DELETE", "/api/v1/organizations/{organization_id}/message-templates/reminder/sms/en", None),
    (
        "GET",
        "/api/v1/recalls?organization_id={organization_id}&healthcare_service_id={service_id}",
        None,
    ),
    ("POST", "/api/v1/recalls/campaigns", "recall"),
    ("POST", "/api/v1/broadcasts", "broadcast"),
    ("GET", "/api/v1/outbox?organization_id={organization_id}", None),
    ("POST", "/api/v1/outbox/{message_id}/retry", None),
    ("POST", "/api/v1/waitlist-entries", "entry"),
    ("GET", "/api/v1/waitlist-entries?organization_id={organization_id}", None),
    ("GET", "/api/v1/waitlist-entries/{entry_id}", None),
    ("POST", "/api/v1/waitlist-entries/{entry_id}/cancel", None),
    ("GET", "/api/v1/waitlist-offers?organization_id={organization_id}", None),
    ("POST", "/api/v1/waitlist-offers/{offer_id}/accept", None),
    ("POST", "/api/v1/waitlist-offers/{offer_id}/decline", None),
    ("GET", "/api/v1/waitlist/metrics?organization_id={organization_id}", None),
    ("DELETE", "/api/v1/auth/tokens/{token_id}", None),
    # Staffing: openings, placements and accounts belong to organization A; the
    # coordinator is placed there and the course is A's playbook.
    ("POST", "/api/v1/staffing/coordinators", "st-coordinator"),
    ("GET", "/api/v1/staffing/coordinators/{coordinator_id}", None),
    ("PATCH", "/api/v1/staffing/coordinators/{coordinator_id}", "st-patch-coordinator"),
    ("POST", "/api/v1/staffing/coordinators/{coordinator_id}/certifications", "st-cert"),
    ("GET", "/api/v1/staffing/coordinators/{coordinator_id}/scorecard", None),
    ("GET", "/api/v1/staffing/openings?organization_id={organization_id}", None),
    ("POST", "/api/v1/staffing/openings", "st-opening"),
    ("GET", "/api/v1/staffing/openings/{opening_id}", None),
    ("PATCH", "/api/v1/staffing/openings/{opening_id}", "st-patch-opening"),
    ("PUT", "/api/v1/staffing/openings/{opening_id}/backup", "st-backup"),
    ("GET", "/api/v1/staffing/openings/{opening_id}/matches", None),
    ("POST", "/api/v1/staffing/assignments", "st-plan"),
    ("GET", "/api/v1/staffing/placements?organization_id={organization_id}", None),
    ("POST", "/api/v1/staffing/placements", "st-placement"),
    ("GET", "/api/v1/staffing/placements/{placement_id}", None),
    ("POST", "/api/v1/staffing/placements/{placement_id}/transitions", "st-transition"),
    ("POST", "/api/v1/staffing/courses", "st-course"),
    ("GET", "/api/v1/staffing/courses/{course_id}", None),
    ("POST", "/api/v1/staffing/courses/{course_id}/progress", "st-progress"),
    ("POST", "/api/v1/staffing/courses/{course_id}/attempts", "st-attempt"),
    ("GET", "/api/v1/staffing/enrollments?coordinator_id={coordinator_id}", None),
    ("POST", "/api/v1/staffing/enrollments", "st-enrollment"),
    ("GET", "/api/v1/staffing/organizations/{organization_id}/required-courses", None),
    ("PUT", "/api/v1/staffing/organizations/{organization_id}/required-courses", "st-required"),
    ("GET", "/api/v1/staffing/accounts/{organization_id}", None),
    ("GET", "/api/v1/staffing/accounts/{organization_id}/report.csv", None),
    ("GET", "/api/v1/staffing/accounts/{organization_id}/report.pdf", None),
    ("POST", "/api/v1/staffing/quality-reviews", "st-review"),
    ("POST", "/api/v1/staffing/satisfaction-scores", "st-satisfaction"),
    ("POST", "/api/v1/staffing/coaching-tasks/{task_id}/close", "st-close"),
]

# Routes that name nothing of an organization: they act on the caller alone.
CALLER_ONLY = {
    ("POST", "/api/v1/auth/token"),
    ("GET", "/api/v1/auth/tokens"),
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/auth/password"),
    ("GET", "/api/v1/organizations"),
    ("POST", "/api/v1/organizations"),
    ("GET", "/api/v1/locations"),
    ("GET", "/api/v1/practitioners"),
    ("GET", "/api/v1/services"),
    ("GET", "/api/v1/practitioner-roles"),
    ("GET", "/api/v1/devices"),
    ("GET", "/api/v1/patients"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/audit-events"),
    ("GET", "/api/v1/appointments"),
    # Staffing lists show only what the caller may see; the staffing team's own actions
    # (reminders, coaching runs) name no organization and are 403 for anyone else.
    ("GET", "/api/v1/staffing/coordinators"),
    ("GET", "/api/v1/staffing/openings"),
    ("GET", "/api/v1/staffing/placements"),
    ("GET", "/api/v1/staffing/courses"),
    ("GET", "/api/v1/staffing/enrollments"),
    ("GET", "/api/v1/staffing/accounts"),
    ("GET", "/api/v1/staffing/coaching-tasks"),
    ("GET", "/api/v1/staffing/certifications/renewals"),
    ("POST", "/api/v1/staffing/certifications/reminders"),
    ("POST", "/api/v1/staffing/coaching/evaluations"),
    ("POST", "/api/v1/message-templates/preview"),
}


def test_matrix_covers_every_route(app):
    routes = api_routes(app)
    assert len(routes) > 40  # the document really lists the API
    covered = {
        (m, p.split("?")[0].replace("/reminder/sms/en", "/{kind}/{channel}/{language}"))
        for m, p, _ in MATRIX
    }
    missing = sorted(routes - covered - CALLER_ONLY)
    assert not missing, f"routes without a cross-tenant check: {missing}"


@pytest.mark.parametrize("role", ["admin", "coordinator"])
@pytest.mark.parametrize(("method", "path", "body"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_other_organization_gets_404_and_no_data(api, world, role, method, path, body):
    outsider = api.login(world.org_b, role)
    url = path.format(**world.ids)
    response = outsider.client.request(
        method, url, headers=outsider.headers, json=_body(body, world.ids) if body else None
    )
    assert response.status_code == 404, (url, response.status_code, response.text)
    text = response.text
    for secret in ("Alvarez", "Alpha Clinic", world.ids["patient_id"], world.ids["location_id"]):
        if secret in url:
            continue
        assert secret not in text


def test_lists_without_an_organization_show_only_the_callers(api, world):
    outsider = api.login(world.org_b, "admin")
    for url in (
        "/api/v1/locations",
        "/api/v1/practitioners",
        "/api/v1/services",
        "/api/v1/devices",
        "/api/v1/practitioner-roles",
    ):
        response = outsider.get(url)
        assert response.status_code == 200
        assert response.json()["items"] == []
    assert outsider.get("/api/v1/patients", params={"q": "alvarez"}).json()["items"] == []
    assert [o["id"] for o in outsider.get("/api/v1/organizations").json()] == [str(world.org_b.id)]
    users = outsider.get("/api/v1/users").json()
    assert all(m["organization_id"] == str(world.org_b.id) for u in users for m in u["memberships"])
    assert all(
        e["organization_id"] == str(world.org_b.id)
        for e in outsider.get("/api/v1/audit-events").json()["items"]
    )


def test_a_coordinator_placed_at_two_clients_sees_both_and_no_third(api, world):
    third = api.organization("Gamma Clinic")
    api.patient(world.org_b, given_name="Ben", family_name="Alvarez")
    api.patient(third, given_name="Cy", family_name="Alvarez")
    both = api.caller(api.user(orgs=[(world.org_a, "coordinator"), (world.org_b, "coordinator")]))
    found = both.get("/api/v1/patients", params={"q": "alvarez"}).json()["items"]
    assert sorted(p["given_name"] for p in found) == ["Ana", "Ben"]


def test_staffing_manager_sees_organizations_but_never_patients(api, world):
    manager = api.login(platform_role="staffing_manager")
    assert {o["id"] for o in manager.get("/api/v1/organizations").json()} >= {str(world.org_a.id)}
    assert manager.get(f"/api/v1/patients/{world.ids['patient_id']}").status_code == 404
    assert manager.get("/api/v1/patients", params={"q": "alvarez"}).status_code in (403, 404)


def test_ending_a_membership_ends_access_at_once(api, world, runtime):
    coordinator = api.user(world.org_a, "coordinator")
    caller = api.caller(coordinator)
    url = f"/api/v1/patients/{world.ids['patient_id']}"
    assert caller.get(url).status_code == 200
    from sqlalchemy import update

    with runtime.db.session() as session:
        session.execute(
            update(Membership)
            .where(Membership.user_id == coordinator.id)
            .values(active=False)
            .execution_options(liaison_tenant_scope="system")
        )
    assert caller.get(url).status_code == 404
