"""Bad input on every write endpoint: a 422 naming the field, and nothing stored."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import select

from liaison.models import Base
from tests.api.routes import api_routes

# Tables that legitimately change on any request (the audit trail of the failed
# attempt, token bookkeeping, throttles).
VOLATILE = {"audit_event", "audit_head", "api_token", "user_session", "login_throttle"}


def fingerprint(runtime) -> str:
    digest = hashlib.sha256()
    with runtime.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE:
                continue
            rows = conn.execute(select(table)).all()
            digest.update(table.name.encode())
            for row in sorted(json.dumps(list(r), default=str) for r in rows):
                digest.update(row.encode())
    return digest.hexdigest()


@pytest.fixture
def world(api):
    org = api.organization()
    loc = api.location(org)
    prac = api.practitioner(org)
    svc = api.service(org)
    role = api.role(prac, loc, [svc])
    patient = api.patient(org, phone="+16175550199")
    admin = api.login(org, "admin")
    operator = api.login(platform_role="operator")
    from liaison.models import Device

    device = api._save(
        Device(
            organization_id=org.id, location_id=loc.id, name="Room 1", category="room", kind="exam"
        )
    )
    user = api.user(org, "coordinator")
    from datetime import UTC, date, datetime, time

    from liaison.models import Appointment, AvailabilityRule, Schedule

    schedule = api._save(Schedule(organization_id=org.id, practitioner_role_id=role.id, location_id=loc.id))
    api._save(AvailabilityRule(organization_id=org.id, schedule_id=schedule.id, weekdays=[1, 2, 3, 4, 5],
                               start_time=time(9), end_time=time(17), valid_from=date(2026, 1, 1)))
    appointment = api._save(Appointment(organization_id=org.id, status="booked", patient_id=patient.id,
                                        healthcare_service_id=svc.id, practitioner_role_id=role.id, location_id=loc.id,
                                        start_at=datetime(2027, 12, 2, 15, tzinfo=UTC), end_at=datetime(2027, 12, 2, 15, 30, tzinfo=UTC),
                                        modality="in-person"))
    from liaison.models import AppointmentSeries

    series = api._save(AppointmentSeries(organization_id=org.id, patient_id=patient.id, healthcare_service_id=svc.id,
                                         practitioner_role_id=role.id, first_start_at=datetime(2027, 12, 2, 15, tzinfo=UTC),
                                         every_weeks=1, count=2))
    return {
        "org": org,
        "admin": admin,
        "operator": operator,
        "ids": {
            "organization_id": str(org.id),
            "location_id": str(loc.id),
            "practitioner_id": str(prac.id),
            "service_id": str(svc.id),
            "role_id": str(role.id),
            "patient_id": str(patient.id),
            "device_id": str(device.id),
            "user_id": str(user.id),
            "schedule_id": str(schedule.id),
            "appointment_id": str(appointment.id),
            "series_id": str(series.id),
        },
    }


def _cases() -> list[tuple[str, str, str, str, dict[str, Any], str, Any]]:
    """(caller, method, path, base body kind, overrides..., field, bad value)."""
    big = "x" * 5000
    cases = [
        ("operator", "POST", "/api/v1/organizations", "org", "name", big),
        ("operator", "POST", "/api/v1/organizations", "org", "time_zone", "Mars/Olympus_Mons"),
        ("operator", "POST", "/api/v1/organizations", "org", "slug", "Not A Slug"),
        ("operator", "POST", "/api/v1/organizations", "org", "phone", "call me maybe"),
        (
            "operator",
            "POST",
            "/api/v1/organizations",
            "org",
            "business_hours",
            {"mon": [{"start": "17:00", "end": "08:00"}]},
        ),
        (
            "admin",
            "PATCH",
            "/api/v1/organizations/{organization_id}",
            None,
            "time_zone",
            "Europe/Atlantis",
        ),
        ("admin", "PATCH", "/api/v1/organizations/{organization_id}", None, "name", None),
        (
            "admin",
            "POST",
            "/api/v1/organizations/{organization_id}/holidays",
            "holiday",
            "date",
            "2026-13-40",
        ),
        ("admin", "POST", "/api/v1/locations", "location", "time_zone", "EST5EDT-ish"),
        ("admin", "POST", "/api/v1/locations", "location", "phone", "12"),
        ("admin", "POST", "/api/v1/locations", "location", "telehealth_only", "sometimes"),
        ("admin", "POST", "/api/v1/locations", "location", "name", big),
        ("admin", "PATCH", "/api/v1/locations/{location_id}", None, "time_zone", "Nowhere/Town"),
        ("admin", "POST", "/api/v1/practitioners", "practitioner", "npi", "1234567890"),
        ("admin", "POST", "/api/v1/practitioners", "practitioner", "email", "not-an-email"),
        ("admin", "POST", "/api/v1/practitioners", "practitioner", "languages", ["english!!"]),
        ("admin", "POST", "/api/v1/practitioners", "practitioner", "gender", "robot"),
        ("admin", "PATCH", "/api/v1/practitioners/{practitioner_id}", None, "phone", "+1 000"),
        ("admin", "POST", "/api/v1/services", "service", "duration_minutes", 0),
        ("admin", "POST", "/api/v1/services", "service", "modality", "carrier-pigeon"),
        ("admin", "POST", "/api/v1/services", "service", "code", "has spaces"),
        ("admin", "PATCH", "/api/v1/services/{service_id}", None, "duration_minutes", "long"),
        ("admin", "POST", "/api/v1/practitioner-roles", "role", "practitioner_id", "not-a-uuid"),
        (
            "admin",
            "POST",
            "/api/v1/practitioner-roles",
            "role",
            "location_id",
            "00000000-0000-7000-8000-000000000001",
        ),
        (
            "admin",
            "PATCH",
            "/api/v1/practitioner-roles/{role_id}",
            None,
            "service_ids",
            ["00000000-0000-7000-8000-000000000001"],
        ),
        ("admin", "POST", "/api/v1/devices", "device", "category", "spaceship"),
        ("admin", "PATCH", "/api/v1/devices/{device_id}", None, "name", big),
        ("admin", "POST", "/api/v1/patients", "patient", "birth_date", "2999-01-01"),
        ("admin", "POST", "/api/v1/patients", "patient", "birth_date", "yesterday"),
        ("admin", "POST", "/api/v1/patients", "patient", "phones", [{"value": "555"}]),
        ("admin", "POST", "/api/v1/patients", "patient", "email", "@nowhere"),
        ("admin", "POST", "/api/v1/patients", "patient", "time_zone", "Moon/Tranquility"),
        ("admin", "POST", "/api/v1/patients", "patient", "preferred_language", "!!"),
        ("admin", "POST", "/api/v1/patients", "patient", "administrative_sex", "yes"),
        ("admin", "POST", "/api/v1/patients", "patient", "given_name", big),
        ("admin", "POST", "/api/v1/patients", "patient", "given_name", 42),
        (
            "admin",
            "POST",
            "/api/v1/patients",
            "patient",
            "preferred_practitioner_id",
            "00000000-0000-7000-8000-000000000002",
        ),
        ("admin", "PATCH", "/api/v1/patients/{patient_id}", None, "birth_date", "2999-12-31"),
        (
            "admin",
            "PATCH",
            "/api/v1/patients/{patient_id}",
            None,
            "phones",
            [{"value": "+1 (617) 555-01"}],
        ),
        ("admin", "PATCH", "/api/v1/patients/{patient_id}", None, "family_name", None),
        ("admin", "PATCH", "/api/v1/patients/{patient_id}", None, "email", "x@"),
        ("admin", "POST", "/api/v1/patients/{patient_id}/consents", "consent", "channel", "fax"),
        ("admin", "POST", "/api/v1/patients/duplicates", "dupcheck", "birth_date", "3000-01-01"),
        ("admin", "POST", "/api/v1/users", "user", "email", "no-at-sign"),
        ("admin", "POST", "/api/v1/users", "user", "password", "short"),
        ("admin", "PATCH", "/api/v1/users/{user_id}", None, "display_name", big),
        ("admin", "POST", "/api/v1/users/{user_id}/memberships", "membership", "role", "emperor"),
        (
            "admin",
            "PATCH",
            "/api/v1/users/{user_id}/memberships/{organization_id}",
            None,
            "role",
            "emperor",
        ),
        ("admin", "POST", "/api/v1/auth/password", "password", "new_password", "short"),
        ("anon", "POST", "/api/v1/auth/token", "token", "expires_in_days", 0),
        ("admin", "POST", "/api/v1/schedules", None, "practitioner_role_id", None),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/rules", "rule", "weekdays", [8]),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/rules", "rule", "end_time", "08:00"),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/rules", "rule", "start_time", "25:00"),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/rules", "rule", "valid_until", "2025-01-01"),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/rules", "rule", "reserved_for_service_ids", ["00000000-0000-7000-8000-000000000003"]),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/overrides", "override", "start_time", "02:30"),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/overrides", "override", "date", "2026-02-30"),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/blocks", "block", "end_at", "2026-12-01T09:00:00Z"),
        ("admin", "POST", "/api/v1/schedules/{schedule_id}/blocks", "block", "start_at", "2026-12-01T10:00:00"),
        ("admin", "POST", "/api/v1/slots/search", "slots", "count", 0),
        ("admin", "POST", "/api/v1/slots/search", "slots", "end_date", "2026-01-01"),
        ("admin", "POST", "/api/v1/slots/search", "slots", "time_windows", [{"start": "12:00", "end": "09:00"}]),
        ("admin", "POST", "/api/v1/slots/search", "slots", "healthcare_service_id", "00000000-0000-7000-8000-000000000004"),
        ("admin", "POST", "/api/v1/appointments", "appointment", "start", "2027-03-01T09:00:00"),
        ("admin", "POST", "/api/v1/appointments", "appointment", "status", "fulfilled"),
        ("admin", "POST", "/api/v1/appointments", "appointment", "patient_id", "00000000-0000-7000-8000-000000000005"),
        ("admin", "POST", "/api/v1/appointments", "appointment", "start", "2020-01-01T09:00:00Z"),
        ("admin", "POST", "/api/v1/appointments/{appointment_id}/book", None, "comment", "x" * 600),
        ("admin", "POST", "/api/v1/appointments/{appointment_id}/cancel", "cancel", "cancelled_by", "alien"),
        ("admin", "POST", "/api/v1/appointments/{appointment_id}/reschedule", None, "start", "tomorrow"),
        ("admin", "POST", "/api/v1/appointments/{appointment_id}/status", None, "status", "booked"),
        ("admin", "POST", "/api/v1/appointment-series", "series", "every_weeks", 0),
        ("admin", "POST", "/api/v1/appointment-series", "series", "count", 500),
        ("admin", "POST", "/api/v1/appointment-series", "series", "on_conflict", "whatever"),
        ("admin", "POST", "/api/v1/appointment-series/{series_id}/changes", "series-change", "scope", "some"),
        ("admin", "POST", "/api/v1/appointment-series/{series_id}/changes", "series-change", "new_start", None),
        ("admin", "POST", "/api/v1/practitioners/{practitioner_id}/calendar-feeds", None, "label", "x" * 101),
        ("anon", "POST", "/api/v1/auth/token", "token", "email", big),
    ]
    return cases


def _base(kind: str | None, ids: dict[str, str]) -> dict[str, Any]:
    org = ids["organization_id"]
    return {
        None: {},
        "org": {"name": "New", "slug": "new-org", "time_zone": "America/Chicago"},
        "holiday": {"date": "2026-07-04", "name": "Independence Day"},
        "location": {"organization_id": org, "name": "East", "time_zone": "America/New_York"},
        "practitioner": {"organization_id": org, "given_name": "Jo", "family_name": "Lee"},
        "service": {
            "organization_id": org,
            "code": "fu",
            "name": "Follow-up",
            "duration_minutes": 20,
        },
        "role": {
            "organization_id": org,
            "practitioner_id": ids["practitioner_id"],
            "location_id": ids["location_id"],
        },
        "device": {
            "organization_id": org,
            "location_id": ids["location_id"],
            "name": "MRI",
            "category": "equipment",
            "kind": "mri",
        },
        "patient": {
            "organization_id": org,
            "given_name": "Li",
            "family_name": "Wu",
            "birth_date": "1991-02-03",
            "administrative_sex": "female",
        },
        "consent": {"channel": "sms", "status": "granted"},
        "dupcheck": {
            "organization_id": org,
            "given_name": "Li",
            "family_name": "Wu",
            "birth_date": "1991-02-03",
        },
        "user": {
            "email": "new@example.org",
            "display_name": "New",
            "password": "a perfectly long password",
            "memberships": [{"organization_id": org, "role": "coordinator"}],
        },
        "membership": {"organization_id": org, "role": "coordinator"},
        "password": {"current_password": "correct horse battery staple", "new_password": "short"},
        "token": {"email": "someone@example.org", "password": "whatever it is"},
        "rule": {"weekdays": [1], "start_time": "09:00", "end_time": "10:00", "valid_from": "2026-01-01"},
        "override": {"date": "2026-03-08", "start_time": "09:00", "end_time": "10:00"},
        "block": {"start_at": "2026-12-01T10:00:00Z", "end_at": "2026-12-01T11:00:00Z"},
        "slots": {"organization_id": org, "healthcare_service_id": ids["service_id"], "start_date": "2026-06-01"},
        "appointment": {"organization_id": org, "patient_id": ids["patient_id"], "healthcare_service_id": ids["service_id"],
                        "practitioner_role_id": ids["role_id"], "start": "2027-03-01T14:00:00Z"},
        "cancel": {"reason": "x", "cancelled_by": "patient"},
        "series": {"organization_id": org, "patient_id": ids["patient_id"], "healthcare_service_id": ids["service_id"],
                   "practitioner_role_id": ids["role_id"], "start": "2027-03-01T14:00:00Z", "every_weeks": 1, "count": 3},
        "series-change": {"scope": "one", "appointment_id": ids["appointment_id"], "action": "move"},
    }[kind]


CASES = _cases()


@pytest.mark.parametrize(
    ("who", "method", "path", "kind", "field", "value"),
    CASES,
    ids=[f"{c[1]} {c[2]} {c[4]}" for c in CASES],
)
def test_bad_field_is_422_naming_it_and_nothing_is_stored(
    api, runtime, world, who, method, path, kind, field, value
):
    url = path.format(**world["ids"])
    body = {**_base(kind, world["ids"]), field: value}
    before = fingerprint(runtime)
    headers = world[who].headers if who != "anon" else {}
    response = api.client.request(method, url, headers=headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert any(
        e["field"] == field
        or e["field"].startswith(f"{field}[")
        or e["field"].startswith(f"{field}.")
        for e in problem["errors"]
    ), problem
    assert fingerprint(runtime) == before


WRITE_ROUTES = sorted({(c[1], c[2]) for c in CASES})


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_malformed_json_unknown_fields_and_wrong_types(app, api, runtime, world, method, path):
    if "requestBody" not in app.openapi()["paths"][path][method.lower()]:
        pytest.skip("this route takes no request body")
    url = path.format(**world["ids"])
    caller = world["operator"] if path == "/api/v1/organizations" else world["admin"]
    headers = {**caller.headers, "content-type": "application/json"}
    before = fingerprint(runtime)
    broken = api.client.request(method, url, headers=headers, content=b'{"name": "unterminated')
    assert broken.status_code == 422, broken.text
    assert broken.json()["errors"][0]["field"] == "body"
    not_object = api.client.request(method, url, headers=headers, content=b"[1, 2, 3]")
    assert not_object.status_code == 422
    unknown = api.client.request(
        method, url, headers=caller.headers, json={"definitely_not_a_field": 1}
    )
    assert unknown.status_code == 422
    assert "definitely_not_a_field" in {e["field"] for e in unknown.json()["errors"]}
    assert fingerprint(runtime) == before


def test_every_write_route_has_bad_input_cases(app):
    writes = {(m, p) for m, p in api_routes(app) if m in ("POST", "PATCH", "PUT")}
    assert writes <= set(WRITE_ROUTES), sorted(writes - set(WRITE_ROUTES))


def test_problem_responses_carry_no_stack_trace_or_values(api, world):
    body = {**_base("patient", world["ids"]), "given_name": "Zebulon", "birth_date": "2999-01-01"}
    response = world["admin"].post("/api/v1/patients", json=body)
    assert "Zebulon" not in response.text
    assert "Traceback" not in response.text
