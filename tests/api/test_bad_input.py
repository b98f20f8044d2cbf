"""Bad input on every write endpoint: a 422 naming the field, and nothing stored."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from liaison.models import Base
from tests.api.routes import api_routes
from tests.staffing.factories import world as staffing_world

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

    schedule = api._save(
        Schedule(organization_id=org.id, practitioner_role_id=role.id, location_id=loc.id)
    )
    api._save(
        AvailabilityRule(
            organization_id=org.id,
            schedule_id=schedule.id,
            weekdays=[1, 2, 3, 4, 5],
            start_time=time(9),
            end_time=time(17),
            valid_from=date(2026, 1, 1),
        )
    )
    appointment = api._save(
        Appointment(
            organization_id=org.id,
            status="booked",
            patient_id=patient.id,
            healthcare_service_id=svc.id,
            practitioner_role_id=role.id,
            location_id=loc.id,
            start_at=datetime(2027, 12, 2, 15, tzinfo=UTC),
            end_at=datetime(2027, 12, 2, 15, 30, tzinfo=UTC),
            modality="in-person",
        )
    )
    from liaison.models import AppointmentSeries

    series = api._save(
        AppointmentSeries(
            organization_id=org.id,
            patient_id=patient.id,
            healthcare_service_id=svc.id,
            practitioner_role_id=role.id,
            first_start_at=datetime(2027, 12, 2, 15, tzinfo=UTC),
            every_weeks=1,
            count=2,
        )
    )
    queue = _work_queue(api, org)
    return {
        "org": org,
        "admin": admin,
        "operator": operator,
        "staffing": api.login(platform_role="staffing_manager"),
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
            **staffing_world(api, org),
            **queue,
        },
    }


def _work_queue(api, org) -> dict[str, str]:
    """An open task from an unknown number (so it can be identified), a cancelled task,
    and a team."""
    from datetime import UTC, datetime

    from liaison.models import Task, WorkTeam

    at, due = datetime(2026, 1, 5, 14, tzinfo=UTC), datetime(2099, 1, 6, 14, tzinfo=UTC)

    def task(status: str, **kw: Any) -> Task:
        return api._save(
            Task(
                organization_id=org.id,
                type="inquiry",
                status=status,
                is_open=status == "requested",
                priority="routine",
                priority_rank=3,
                title="Patient message (unknown sender)",
                description="",
                checklist=[],
                triage_confirmed=False,
                source="sms",
                due_at=due,
                at_risk_at=due,
                next_due_at=due,
                next_at_risk_at=due,
                created_at=at,
                updated_at=at,
                **kw,
            )
        )

    team = api._save(WorkTeam(organization_id=org.id, name="Front desk"))
    return {
        "work_task_id": str(task("requested", contact="+16175550142").id),
        "cancelled_task_id": str(task("cancelled", completed_at=at).id),
        "team_id": str(team.id),
    }


# {task_id} in World ids is the staffing coaching task; under /api/v1/tasks it is the
# work-queue task.
def _url(path: str, ids: dict[str, str]) -> str:
    if path.startswith("/api/v1/tasks/"):
        ids = {**ids, "task_id": ids["work_task_id"]}
    return path.format(**ids)


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
        (
            "admin",
            "POST",
            "/api/v1/schedules/{schedule_id}/rules",
            "rule",
            "valid_until",
            "2025-01-01",
        ),
        (
            "admin",
            "POST",
            "/api/v1/schedules/{schedule_id}/rules",
            "rule",
            "reserved_for_service_ids",
            ["00000000-0000-7000-8000-000000000003"],
        ),
        (
            "admin",
            "POST",
            "/api/v1/schedules/{schedule_id}/overrides",
            "override",
            "start_time",
            "02:30",
        ),
        (
            "admin",
            "POST",
            "/api/v1/schedules/{schedule_id}/overrides",
            "override",
            "date",
            "2026-02-30",
        ),
        (
            "admin",
            "POST",
            "/api/v1/schedules/{schedule_id}/blocks",
            "block",
            "end_at",
            "2026-12-01T09:00:00Z",
        ),
        (
            "admin",
            "POST",
            "/api/v1/schedules/{schedule_id}/blocks",
            "block",
            "start_at",
            "2026-12-01T10:00:00",
        ),
        ("admin", "POST", "/api/v1/slots/search", "slots", "count", 0),
        ("admin", "POST", "/api/v1/slots/search", "slots", "end_date", "2026-01-01"),
        (
            "admin",
            "POST",
            "/api/v1/slots/search",
            "slots",
            "time_windows",
            [{"start": "12:00", "end": "09:00"}],
        ),
        (
            "admin",
            "POST",
            "/api/v1/slots/search",
            "slots",
            "healthcare_service_id",
            "00000000-0000-7000-8000-000000000004",
        ),
        ("admin", "POST", "/api/v1/appointments", "appointment", "start", "2027-03-01T09:00:00"),
        ("admin", "POST", "/api/v1/appointments", "appointment", "status", "fulfilled"),
        (
            "admin",
            "POST",
            "/api/v1/appointments",
            "appointment",
            "patient_id",
            "00000000-0000-7000-8000-000000000005",
        ),
        ("admin", "POST", "/api/v1/appointments", "appointment", "start", "2020-01-01T09:00:00Z"),
        ("admin", "POST", "/api/v1/appointments/{appointment_id}/book", None, "comment", "x" * 600),
        (
            "admin",
            "POST",
            "/api/v1/appointments/{appointment_id}/cancel",
            "cancel",
            "cancelled_by",
            "alien",
        ),
        (
            "admin",
            "POST",
            "/api/v1/appointments/{appointment_id}/reschedule",
            None,
            "start",
            "tomorrow",
        ),
        ("admin", "POST", "/api/v1/appointments/{appointment_id}/status", None, "status", "booked"),
        ("admin", "POST", "/api/v1/appointment-series", "series", "every_weeks", 0),
        ("admin", "POST", "/api/v1/appointment-series", "series", "count", 500),
        ("admin", "POST", "/api/v1/appointment-series", "series", "on_conflict", "whatever"),
        (
            "admin",
            "POST",
            "/api/v1/appointment-series/{series_id}/changes",
            "series-change",
            "scope",
            "some",
        ),
        (
            "admin",
            "POST",
            "/api/v1/appointment-series/{series_id}/changes",
            "series-change",
            "new_start",
            None,
        ),
        (
            "admin",
            "POST",
            "/api/v1/practitioners/{practitioner_id}/calendar-feeds",
            None,
            "label",
            "x" * 101,
        ),
        ("admin", "POST", "/api/v1/messages", "message", "body", ""),
        ("admin", "POST", "/api/v1/messages", "message", "channel", "pigeon"),
        (
            "admin",
            "POST",
            "/api/v1/messages",
            "message",
            "patient_id",
            "00000000-0000-7000-8000-000000000006",
        ),
        (
            "admin",
            "PUT",
            "/api/v1/organizations/{organization_id}/message-templates/reminder/sms/en",
            None,
            "body",
            "Hi {{ diagnosis }}",
        ),
        (
            "admin",
            "PUT",
            "/api/v1/organizations/{organization_id}/message-templates/reminder/sms/en",
            None,
            "body",
            "Hi {{ visit_type }}",
        ),
        (
            "admin",
            "PUT",
            "/api/v1/organizations/{organization_id}/message-templates/reminder/sms/en",
            None,
            "body",
            "Hi {% if %}",
        ),
        ("admin", "POST", "/api/v1/message-templates/preview", "preview", "kind", "love-letter"),
        (
            "admin",
            "POST",
            "/api/v1/message-templates/preview",
            "preview",
            "body",
            "{{ unknown_thing }}",
        ),
        ("admin", "POST", "/api/v1/broadcasts", "broadcast", "note", ""),
        ("admin", "POST", "/api/v1/broadcasts", "broadcast", "date", "not-a-date"),
        ("admin", "POST", "/api/v1/recalls/campaigns", "recall", "months", 0),
        ("admin", "POST", "/api/v1/waitlist-entries", "entry", "priority", "whenever"),
        ("admin", "POST", "/api/v1/waitlist-entries", "entry", "latest_date", "2026-01-01"),
        ("admin", "POST", "/api/v1/waitlist-entries", "entry", "expires_at", "2026-12-01T10:00:00"),
        (
            "admin",
            "POST",
            "/api/v1/waitlist-entries",
            "entry",
            "current_appointment_id",
            "00000000-0000-7000-8000-000000000007",
        ),
        ("anon", "POST", "/api/v1/auth/token", "token", "email", big),
        *_staffing_cases(),
        *_work_queue_cases(),
        *_portal_flow_cases(),
        *_portal_proxy_cases(),
    ]
    return cases


def _work_queue_cases() -> list[tuple[str, str, str, str | None, str, Any]]:
    t, missing = "/api/v1/tasks/{task_id}", "00000000-0000-7000-8000-00000000000a"
    many = [f"00000000-0000-7000-8000-{i:012d}" for i in range(201)]
    return [
        ("admin", "POST", "/api/v1/tasks", "wq-task", "title", "x" * 201),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "title", 42),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "title", ""),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "description", "x" * 5001),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "priority", "whenever"),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "type", "not a code"),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "language", "!!"),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "checklist", [{"text": ""}]),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "checklist", [{"text": "x"}] * 51),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "focus_type", "Spaceship"),
        # focus_id without focus_type: the pair goes together.
        ("admin", "POST", "/api/v1/tasks", "wq-task", "focus_id", missing),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "patient_id", missing),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "team_id", missing),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "owner_user_id", missing),
        ("admin", "POST", "/api/v1/tasks", "wq-task", "route", "maybe"),
        ("admin", "PATCH", t, "wq-patch", "title", "x" * 201),
        ("admin", "PATCH", t, "wq-patch", "title", ""),
        ("admin", "PATCH", t, "wq-patch", "description", "x" * 5001),
        ("admin", "PATCH", t, "wq-patch", "priority", "p1"),
        ("admin", "PATCH", t, "wq-patch", "checklist", "buy milk"),
        ("admin", "PATCH", t, "wq-patch", "team_id", missing),
        ("admin", "PATCH", t, "wq-patch", "version", "latest"),
        # Neither a body version nor If-Match: an edit must name the version it read.
        ("admin", "PATCH", t, "wq-patch", "version", None),
        ("admin", "POST", f"{t}/status", "wq-status", "status", "done"),
        ("admin", "POST", f"{t}/status", "wq-status", "status", 3),
        ("admin", "POST", f"{t}/status", "wq-status", "note", "x" * 5001),
        ("admin", "POST", f"{t}/assign", None, "user_id", "not-a-uuid"),
        ("admin", "POST", f"{t}/assign", None, "user_id", missing),
        ("admin", "POST", f"{t}/snooze", None, "until", "2020-01-01T09:00:00Z"),
        ("admin", "POST", f"{t}/snooze", None, "until", "soon"),
        ("admin", "POST", f"{t}/snooze", None, "until", "2099-01-01T09:00:00"),
        ("admin", "POST", f"{t}/notes", None, "text", ""),
        ("admin", "POST", f"{t}/notes", None, "text", "   "),
        ("admin", "POST", f"{t}/notes", None, "text", "x" * 5001),
        ("admin", "POST", f"{t}/notes", None, "text", 7),
        ("admin", "POST", f"{t}/reply", "wq-reply", "body", ""),
        ("admin", "POST", f"{t}/reply", "wq-reply", "body", "   "),
        ("admin", "POST", f"{t}/reply", "wq-reply", "body", "x" * 1601),
        ("admin", "POST", f"{t}/reply", "wq-reply", "channel", "pigeon"),
        ("admin", "POST", f"{t}/identify", None, "patient_id", "someone"),
        ("admin", "POST", f"{t}/identify", None, "patient_id", missing),
        ("admin", "POST", f"{t}/triage", "wq-triage", "category", "gossip"),
        ("admin", "POST", f"{t}/triage", "wq-triage", "urgency", "whenever"),
        ("admin", "POST", f"{t}/triage", "wq-triage", "urgency", None),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "task_ids", []),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "task_ids", many),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "task_ids", ["not-a-uuid"]),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "task_ids", "all"),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "action", "explode"),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "until", "2020-01-01T09:00:00Z"),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "until", None),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "until", "2099-01-01T09:00:00"),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk", "note", "x" * 5001),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk-priority", "priority", "p0"),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk-priority", "priority", None),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk-assign", "user_id", None),
        ("admin", "POST", "/api/v1/tasks/bulk", "wq-bulk-assign", "user_id", missing),
        ("admin", "POST", "/api/v1/inbox/messages", "wq-inbound", "body", ""),
        ("admin", "POST", "/api/v1/inbox/messages", "wq-inbound", "body", "   "),
        ("admin", "POST", "/api/v1/inbox/messages", "wq-inbound", "body", "x" * 1601),
        ("admin", "POST", "/api/v1/inbox/messages", "wq-inbound", "channel", "sms"),
        ("admin", "POST", "/api/v1/inbox/messages", "wq-inbound", "subject", "x" * 201),
        ("admin", "POST", "/api/v1/inbox/messages", "wq-inbound", "patient_id", missing),
        ("admin", "POST", "/api/v1/inbox/messages", "wq-inbound", "organization_id", 12),
        ("admin", "PUT", "/api/v1/sla-policies", "wq-policy", "resolution_minutes", 0),
        ("admin", "PUT", "/api/v1/sla-policies", "wq-policy", "resolution_minutes", "an hour"),
        ("admin", "PUT", "/api/v1/sla-policies", "wq-policy", "at_risk_percent", 100),
        ("admin", "PUT", "/api/v1/sla-policies", "wq-policy", "first_response_minutes", 120),
        ("admin", "PUT", "/api/v1/sla-policies", "wq-policy", "task_type", "bad type!"),
        ("admin", "POST", "/api/v1/work-teams", "wq-team", "name", ""),
        ("admin", "POST", "/api/v1/work-teams", "wq-team", "name", "x" * 101),
        ("admin", "POST", "/api/v1/work-teams", "wq-team", "member_user_ids", [missing]),
        ("admin", "POST", "/api/v1/work-teams", "wq-team", "member_user_ids", "everyone"),
        ("admin", "POST", "/api/v1/work-teams", "wq-team", "lead_user_id", missing),
        ("admin", "PUT", "/api/v1/work-teams/{team_id}", "wq-team", "name", "x" * 101),
        ("admin", "PUT", "/api/v1/work-teams/{team_id}", "wq-team", "lead_user_id", missing),
        ("admin", "POST", "/api/v1/routing-rules", "wq-routing", "position", -1),
        ("admin", "POST", "/api/v1/routing-rules", "wq-routing", "category", "gossip"),
        ("admin", "POST", "/api/v1/routing-rules", "wq-routing", "language", "!!"),
        ("admin", "POST", "/api/v1/routing-rules", "wq-routing", "team_id", missing),
        ("admin", "POST", "/api/v1/routing-rules", "wq-routing", "active", "sometimes"),
        # A rule that matches everything and sends it nowhere.
        ("admin", "POST", "/api/v1/routing-rules", "wq-routing-bare", "team_id", None),
        ("admin", "POST", "/api/v1/playbooks", "wq-playbook", "notes", "x" * 5001),
        ("admin", "POST", "/api/v1/playbooks", "wq-playbook", "scripts", 5),
        ("admin", "POST", "/api/v1/saved-views", "wq-view", "name", ""),
        ("admin", "POST", "/api/v1/saved-views", "wq-view", "name", "x" * 61),
        ("admin", "POST", "/api/v1/saved-views", "wq-view", "view", "everything"),
        ("admin", "POST", "/api/v1/saved-views", "wq-view", "sla", "late"),
        ("admin", "POST", "/api/v1/saved-views", "wq-view", "priority", "p9"),
        ("admin", "POST", "/api/v1/saved-views", "wq-view", "organization_id", "mine"),
    ]


def _staffing_cases() -> list[tuple[str, str, str, str | None, str, Any]]:
    s, missing = "/api/v1/staffing", "00000000-0000-7000-8000-000000000009"
    return [
        (
            "staffing",
            "POST",
            f"{s}/coordinators",
            "st-coordinator",
            "working_hours",
            {"mon": [{"start": "09:10", "end": "17:00"}]},
        ),
        (
            "staffing",
            "POST",
            f"{s}/coordinators",
            "st-coordinator",
            "languages",
            [{"tag": "en", "proficiency": "fluent-ish"}],
        ),
        (
            "staffing",
            "POST",
            f"{s}/coordinators",
            "st-coordinator",
            "systems",
            [{"code": "epci", "years": 2}],
        ),
        ("staffing", "POST", f"{s}/coordinators", "st-coordinator", "capacity_fte", 0.33),
        (
            "staffing",
            "PATCH",
            f"{s}/coordinators/{{coordinator_id}}",
            None,
            "home_time_zone",
            "Mars/Base",
        ),
        ("staffing", "PATCH", f"{s}/coordinators/{{coordinator_id}}", None, "skills", ["juggling"]),
        # An expired certificate: the service refuses it (the dates themselves are in order).
        (
            "staffing",
            "POST",
            f"{s}/coordinators/{{coordinator_id}}/certifications",
            "st-cert",
            "expires_on",
            "2020-01-01",
        ),
        # Contradictory constraints: nobody in the pool knows MEDITECH.
        (
            "staffing",
            "POST",
            f"{s}/openings",
            "st-opening",
            "systems",
            [{"code": "meditech", "required": True}],
        ),
        (
            "staffing",
            "POST",
            f"{s}/openings",
            "st-opening",
            "languages",
            [{"tag": "en", "share": 0.8}, {"tag": "es", "share": 0.4}],
        ),
        ("staffing", "POST", f"{s}/openings", "st-opening", "fte", 1.5),
        (
            "staffing",
            "PATCH",
            f"{s}/openings/{{opening_id}}",
            None,
            "hours",
            {"mon": [{"start": "17:00", "end": "09:00"}]},
        ),
        (
            "staffing",
            "PUT",
            f"{s}/openings/{{opening_id}}/backup",
            None,
            "coordinator_id",
            "not-a-uuid",
        ),
        ("staffing", "POST", f"{s}/assignments", "st-plan", "opening_ids", []),
        ("staffing", "POST", f"{s}/placements", "st-placement", "fte", 0.07),
        ("staffing", "POST", f"{s}/placements/{{placement_id}}/transitions", None, "to", "retired"),
        ("staffing", "POST", f"{s}/courses", "st-course", "modules", []),
        (
            "staffing",
            "POST",
            f"{s}/courses",
            "st-course",
            "assessments",
            [{"title": "Q", "questions": [{"prompt": "p", "choices": ["a", "b"], "correct": [5]}]}],
        ),
        (
            "staffing",
            "POST",
            f"{s}/courses/{{course_id}}/progress",
            None,
            "module_id",
            "not-a-uuid",
        ),
        (
            "staffing",
            "POST",
            f"{s}/courses/{{course_id}}/attempts",
            "st-attempt",
            "answers",
            [["x"]],
        ),
        ("staffing", "POST", f"{s}/enrollments", "st-enrollment", "due_on", "2026-02-30"),
        (
            "staffing",
            "PUT",
            f"{s}/organizations/{{organization_id}}/required-courses",
            None,
            "course_ids",
            [missing],
        ),
        ("staffing", "POST", f"{s}/quality-reviews", "st-review", "rubric", {"greeting": 9}),
        ("staffing", "POST", f"{s}/satisfaction-scores", "st-satisfaction", "score", 6),
        ("staffing", "POST", f"{s}/coaching/evaluations", None, "weeks", 0),
        ("staffing", "POST", f"{s}/coaching-tasks/{{task_id}}/close", None, "note", ""),
        ("staffing", "POST", f"{s}/certifications/reminders", None, "within_days", 0),
    ]


def _staffing_base(ids: dict[str, str]) -> dict[str, Any]:
    org = ids["organization_id"]
    week = {"mon": [{"start": "09:00", "end": "17:00"}]}
    return {
        "st-coordinator": {
            "user_id": ids["free_user_id"],
            "headline": "Coordinator",
            "home_time_zone": "America/New_York",
            "working_hours": week,
            "languages": [{"tag": "en", "proficiency": "native"}],
        },
        "st-cert": {
            "code": "CHAA",
            "name": "Certified",
            "issued_on": "2019-01-01",
            "expires_on": "2030-01-01",
        },
        "st-opening": {
            "organization_id": org,
            "title": "Desk",
            "hours": week,
            "languages": [{"tag": "en", "share": 1.0}],
        },
        "st-plan": {"opening_ids": [ids["opening_id"]]},
        "st-placement": {
            "opening_id": ids["opening_id"],
            "coordinator_id": ids["spare_coordinator_id"],
        },
        "st-course": {
            "code": "new-course",
            "title": "New",
            "kind": "role",
            "modules": [{"title": "m", "body_markdown": "x"}],
        },
        "st-attempt": {"assessment_id": ids["assessment_id"], "answers": [[0], [1]]},
        "st-enrollment": {
            "coordinator_id": ids["spare_coordinator_id"],
            "course_id": ids["course_id"],
        },
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
    }


def _work_queue_base(ids: dict[str, str]) -> dict[str, Any]:
    org, task = ids["organization_id"], ids["work_task_id"]
    return {
        "wq-task": {"organization_id": org, "type": "call-back", "title": "Call back"},
        "wq-patch": {"version": 1},
        "wq-status": {"status": "in-progress"},
        "wq-reply": {"body": "Hello"},
        "wq-triage": {"category": "scheduling", "urgency": "routine"},
        "wq-bulk": {"task_ids": [task], "action": "snooze", "until": "2099-01-01T09:00:00Z"},
        "wq-bulk-priority": {"task_ids": [task], "action": "priority"},
        "wq-bulk-assign": {"task_ids": [task], "action": "assign"},
        "wq-inbound": {
            "organization_id": org,
            "patient_id": ids["patient_id"],
            "channel": "portal",
            "body": "Can I move my visit?",
        },
        "wq-policy": {"organization_id": org, "task_type": "call-back", "resolution_minutes": 60},
        "wq-team": {"organization_id": org, "name": "Night desk"},
        "wq-routing": {"organization_id": org, "task_type": "call-back", "team_id": ids["team_id"]},
        "wq-routing-bare": {"organization_id": org},
        "wq-playbook": {"organization_id": org},
        "wq-view": {"name": "Mine", "view": "mine"},
    }


def _base(kind: str | None, ids: dict[str, str]) -> dict[str, Any]:
    if kind is not None and kind.startswith("st-"):
        return _staffing_base(ids)[kind]
    if kind is not None and kind.startswith("wq-"):
        return _work_queue_base(ids)[kind]
    if kind == "px-proxy":
        return {"relationship": "parent", "phone": "+16175557002", "starts_on": "2099-06-01"}
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
        "rule": {
            "weekdays": [1],
            "start_time": "09:00",
            "end_time": "10:00",
            "valid_from": "2026-01-01",
        },
        "override": {"date": "2026-03-08", "start_time": "09:00", "end_time": "10:00"},
        "block": {"start_at": "2026-12-01T10:00:00Z", "end_at": "2026-12-01T11:00:00Z"},
        "slots": {
            "organization_id": org,
            "healthcare_service_id": ids["service_id"],
            "start_date": "2026-06-01",
        },
        "appointment": {
            "organization_id": org,
            "patient_id": ids["patient_id"],
            "healthcare_service_id": ids["service_id"],
            "practitioner_role_id": ids["role_id"],
            "start": "2027-03-01T14:00:00Z",
        },
        "cancel": {"reason": "x", "cancelled_by": "patient"},
        "series": {
            "organization_id": org,
            "patient_id": ids["patient_id"],
            "healthcare_service_id": ids["service_id"],
            "practitioner_role_id": ids["role_id"],
            "start": "2027-03-01T14:00:00Z",
            "every_weeks": 1,
            "count": 3,
        },
        "series-change": {
            "scope": "one",
            "appointment_id": ids["appointment_id"],
            "action": "move",
        },
        "message": {"organization_id": org, "patient_id": ids["patient_id"], "body": "Hello"},
        "preview": {"kind": "reminder", "channel": "sms", "language": "en"},
        "broadcast": {
            "organization_id": org,
            "location_id": ids["location_id"],
            "date": "2026-12-02",
            "note": "Closed today",
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
            "earliest_date": "2026-06-01",
        },
    }[kind]


def _portal_flow_cases() -> list[tuple[str, str, str | None, str | None, str, Any]]:
    """A visit question flow: the 422 names the path of the bad node under ``tree``."""
    path = "/api/v1/organizations/{organization_id}/visit-flows"

    def q(en: str) -> dict[str, str]:
        return {"en": en, "es": en}

    deep: dict[str, Any] = {
        "question": q("Q6"),
        "answers": [{"label": q("A"), "service_code": "x"}],
    }
    for n in range(5, 0, -1):
        deep = {"question": q(f"Q{n}"), "answers": [{"label": q("A"), "next": deep}]}
    return [
        ("admin", "POST", path, None, "tree", "not a tree"),
        ("admin", "POST", path, None, "tree", {"question": {"en": "Q"}, "answers": []}),
        # A leaf naming a visit type patients may not book (or that does not exist).
        (
            "admin",
            "POST",
            path,
            None,
            "tree",
            {"question": q("Q"), "answers": [{"label": q("A"), "service_code": "nope"}]},
        ),
        ("admin", "POST", path, None, "tree", deep),
    ]


def _portal_proxy_cases() -> list[tuple[str, str, str | None, str | None, str, Any]]:
    """Granting portal access to someone: relationship, scope, dates, the destination."""
    path = "/api/v1/patients/{patient_id}/proxies"
    return [
        ("admin", "POST", path, "px-proxy", "relationship", "neighbour"),
        ("admin", "POST", path, "px-proxy", "scope", "everything"),
        ("admin", "POST", path, "px-proxy", "ends_on", "2099-05-01"),
        ("admin", "POST", path, "px-proxy", "starts_on", "tomorrow"),
        ("admin", "POST", path, "px-proxy", "phone", "call me maybe"),
        ("admin", "POST", path, "px-proxy", "phone", None),
    ]


CASES = _cases()


def _case_params() -> list[Any]:
    return [pytest.param(*case, id=f"{case[1]} {case[2]} {case[4]}") for case in CASES]


@pytest.mark.parametrize(("who", "method", "path", "kind", "field", "value"), _case_params())
def test_bad_field_is_422_naming_it_and_nothing_is_stored(
    api, runtime, world, who, method, path, kind, field, value
):
    url = _url(path, world["ids"])
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


def _refusals(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any], dict[str, str], Any]]:
    """(method, url, body, headers, what the problem says): the request is well formed,
    but the task's state refuses it."""
    task, closed = ids["work_task_id"], ids["cancelled_task_id"]
    t, c = f"/api/v1/tasks/{task}", f"/api/v1/tasks/{closed}"
    stale = {"current_version": 1}
    return [
        # Transitions the task's status does not allow: the problem names the field.
        ("POST", f"{c}/status", {"status": "completed"}, {}, {"field": "status"}),
        ("POST", f"{t}/status", {"status": "requested"}, {}, {"field": "status"}),
        ("PATCH", c, {"version": 1, "title": "x"}, {}, "cancelled"),
        ("POST", f"{c}/assign", {"user_id": None}, {}, "cancelled"),
        ("POST", f"{c}/snooze", {"until": "2099-01-01T09:00:00Z"}, {}, "cancelled"),
        ("POST", f"{c}/reply", {"body": "Hello"}, {}, "cancelled"),
        ("POST", f"{c}/claim", {}, {}, "closed"),
        # A reply needs a patient (their consented channels); this sender is unknown.
        ("POST", f"{t}/reply", {"body": "Hello"}, {}, {"field": "patient_id"}),
        # All or nothing: the open task is not snoozed because the closed one refuses.
        (
            "POST",
            "/api/v1/tasks/bulk",
            {"task_ids": [task, closed], "action": "snooze", "until": "2099-01-01T09:00:00Z"},
            {},
            {"field": "task_ids[1]"},
        ),
        (
            "POST",
            "/api/v1/tasks/bulk",
            {"task_ids": [task, closed], "action": "complete"},
            {},
            {"field": "task_ids[1]"},
        ),
        # Stale versions, in the body or in If-Match.
        ("PATCH", t, {"version": 7, "title": "x"}, {}, stale),
        ("PATCH", t, {"title": "x"}, {"If-Match": 'W/"7"'}, stale),
        ("POST", f"{t}/status", {"status": "in-progress", "version": 0}, {}, stale),
        ("POST", f"{t}/status", {"status": "in-progress"}, {"If-Match": '"2"'}, stale),
        ("POST", f"{t}/assign", {"user_id": None, "version": 2}, {}, stale),
        ("POST", f"{t}/snooze", {"until": "2099-01-01T09:00:00Z", "version": 2}, {}, stale),
        ("POST", f"{t}/identify", {"patient_id": ids["patient_id"], "version": 2}, {}, stale),
        (
            "POST",
            f"{t}/triage",
            {"category": "refill", "urgency": "urgent", "version": 2},
            {},
            stale,
        ),
        # A second team with the name of the first.
        (
            "POST",
            "/api/v1/work-teams",
            {"organization_id": ids["organization_id"], "name": "Front desk"},
            {},
            {"field": "name"},
        ),
    ]


def test_work_queue_state_refusals_are_409_and_nothing_is_stored(api, runtime, world):
    admin = world["admin"]
    for method, url, body, headers, expected in _refusals(world["ids"]):
        before = fingerprint(runtime)
        response = admin.client.request(
            method, url, headers={**admin.headers, **headers}, json=body
        )
        assert response.status_code == 409, (method, url, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        if isinstance(expected, dict):
            assert {k: problem.get(k) for k in expected} == expected, (url, problem)
        else:
            assert expected in problem["detail"], (url, problem)
        assert fingerprint(runtime) == before, (method, url)


def test_completing_a_cancelled_task_names_its_status(world):
    closed = world["ids"]["cancelled_task_id"]
    response = world["admin"].post(f"/api/v1/tasks/{closed}/status", json={"status": "completed"})
    assert response.status_code == 409
    assert response.json()["field"] == "status"
    assert "cancelled" in response.json()["detail"]


def test_if_match_that_is_not_a_version_is_422_naming_it(api, runtime, world):
    task = world["ids"]["work_task_id"]
    before = fingerprint(runtime)
    response = world["admin"].patch(
        f"/api/v1/tasks/{task}", json={"title": "x"}, headers={"If-Match": '"latest"'}
    )
    assert response.status_code == 422, response.text
    assert "If-Match" in {e["field"] for e in response.json()["errors"]}
    assert fingerprint(runtime) == before


WRITE_ROUTES = sorted({(c[1], c[2]) for c in CASES})


def _template(path: str) -> str:
    return path.replace("/reminder/sms/en", "/{kind}/{channel}/{language}")


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_malformed_json_unknown_fields_and_wrong_types(app, api, runtime, world, method, path):
    if "requestBody" not in app.openapi()["paths"][_template(path)][method.lower()]:
        pytest.skip("this route takes no request body")
    url = _url(path, world["ids"])
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


def _takes_body(app, method: str, path: str) -> bool:
    return "requestBody" in app.openapi()["paths"][path][method.lower()]


def test_every_write_route_has_bad_input_cases(app):
    """Routes with a body need rows in CASES; routes without one are covered by the
    bad-id test below."""
    writes = {
        (m, p)
        for m, p in api_routes(app)
        if m in ("POST", "PATCH", "PUT") and _takes_body(app, m, p)
    }
    covered = {(m, _template(p)) for m, p in WRITE_ROUTES}
    assert writes <= covered, sorted(writes - covered)


def test_write_routes_refuse_ids_that_are_not_ids(app, api, world):
    """Every write route with an id in its path answers 422 naming it for garbage."""
    checked = 0
    for method, path in sorted(api_routes(app)):
        if method not in ("POST", "PATCH", "PUT", "DELETE") or "_id}" not in path:
            continue
        url = re.sub(r"\{(\w+_id)\}", "not-a-uuid", path)
        url = (
            url.replace("{kind}", "reminder")
            .replace("{channel}", "sms")
            .replace("{language}", "en")
        )
        caller = world["admin"]
        response = api.client.request(method, url, headers=caller.headers, json={})
        assert response.status_code == 422, (method, path, response.status_code)
        fields = {e["field"] for e in response.json()["errors"]}
        assert any(f.startswith("path.") for f in fields), (path, fields)
        checked += 1
    assert checked > 30


def test_problem_responses_carry_no_stack_trace_or_values(api, world):
    body = {**_base("patient", world["ids"]), "given_name": "Zebulon", "birth_date": "2999-01-01"}
    response = world["admin"].post("/api/v1/patients", json=body)
    assert "Zebulon" not in response.text
    assert "Traceback" not in response.text
