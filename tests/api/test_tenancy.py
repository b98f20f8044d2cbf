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
    queue = _work_queue(api, a, patient, a_user)
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
            **queue,
            **_portal_proxy(api, a, patient),
            **_portal_attachment(api, a, patient),
        },
    )


def _portal_attachment(api, a, patient) -> dict[str, str]:
    """A file Organization A's patient attached to a portal message."""
    from datetime import UTC, datetime

    from liaison.models import Attachment, Communication

    at = datetime(2026, 1, 5, 14, tzinfo=UTC)
    message = api._save(
        Communication(
            organization_id=a.id,
            patient_id=patient.id,
            channel="portal",
            direction="inbound",
            kind="message",
            status="received",
            body="My insurance card, Alvarez",
            created_at=at,
        )
    )
    attachment = api._save(
        Attachment(
            organization_id=a.id,
            communication_id=message.id,
            filename="alvarez-card.pdf",
            content_type="application/pdf",
            size=9,
            sha256="0" * 64,
            data=b"%PDF-1.4\n",
            created_at=at,
        )
    )
    return {"attachment_id": str(attachment.id)}


def _work_queue(api, a, patient, a_user) -> dict[str, str]:
    """Organization A's work queue: a task about A's patient, a team, a routing rule, a
    playbook, and a notification and a saved view of A's coordinator."""
    from datetime import UTC, datetime

    from liaison.models import (
        Playbook,
        RoutingRule,
        SavedView,
        StaffNotification,
        Task,
        WorkTeam,
    )

    at = datetime(2026, 1, 5, 14, tzinfo=UTC)
    due = datetime(2026, 1, 6, 14, tzinfo=UTC)
    task = api._save(
        Task(
            organization_id=a.id,
            type="call-back",
            status="requested",
            is_open=True,
            priority="routine",
            priority_rank=3,
            title="Call back about the referral",
            description="",
            patient_id=patient.id,
            checklist=[],
            triage_confirmed=False,
            source="manual",
            due_at=due,
            at_risk_at=due,
            next_due_at=due,
            next_at_risk_at=due,
            created_at=at,
            updated_at=at,
        )
    )
    team = api._save(WorkTeam(organization_id=a.id, name="Front desk", lead_user_id=a_user.id))
    routing = api._save(
        RoutingRule(organization_id=a.id, position=10, task_type="call-back", team_id=team.id)
    )
    book = api._save(
        Playbook(organization_id=a.id, version=1, notes="Alpha Clinic notes", created_at=at)
    )
    note = api._save(
        StaffNotification(
            organization_id=a.id,
            user_id=a_user.id,
            task_id=task.id,
            kind="breach",
            text="Call-back: resolution target breached at Alpha Clinic",
            created_at=at,
        )
    )
    view = api._save(
        SavedView(
            user_id=a_user.id,
            name="Alpha Clinic urgent",
            filters={"view": "all", "organization_id": str(a.id)},
            created_at=at,
        )
    )
    return {
        "work_task_id": str(task.id),
        "team_id": str(team.id),
        "routing_rule_id": str(routing.id),
        "playbook_id": str(book.id),
        "notification_id": str(note.id),
        "view_id": str(view.id),
    }


# Two work-queue routes reuse a path parameter name an older route already has: in
# World.ids {task_id} is the staffing coaching task and {rule_id} the availability rule.
_RENAMED = {
    "/api/v1/tasks/": {"task_id": "work_task_id"},
    "/api/v1/routing-rules/": {"rule_id": "routing_rule_id"},
}


def _url(path: str, ids: dict[str, str]) -> str:
    for prefix, names in _RENAMED.items():
        if path.startswith(prefix):
            ids = {**ids, **{name: ids[alias] for name, alias in names.items()}}
    return path.format(**ids)


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


def _work_queue_bodies(ids: dict[str, str]) -> dict[str, Any]:
    org, patient = ids["organization_id"], ids["patient_id"]
    return {
        "wq-task": {
            "organization_id": org,
            "type": "call-back",
            "title": "Call back",
            "patient_id": patient,
        },
        "wq-patch": {"version": 1, "title": "Changed"},
        "wq-status": {"status": "completed"},
        "wq-assign": {"user_id": ids["user_id"]},
        "wq-snooze": {"until": "2099-01-01T10:00:00Z"},
        "wq-note": {"text": "Called, no answer"},
        "wq-reply": {"body": "Hello"},
        "wq-identify": {"patient_id": patient},
        "wq-triage": {"category": "scheduling", "urgency": "routine"},
        "wq-bulk": {"task_ids": [ids["work_task_id"]], "action": "complete"},
        "wq-inbound": {
            "organization_id": org,
            "patient_id": patient,
            "channel": "portal",
            "body": "Can I move my visit?",
        },
        "wq-policy": {"organization_id": org, "task_type": "call-back", "resolution_minutes": 60},
        "wq-team": {"organization_id": org, "name": "Night desk", "member_user_ids": []},
        "wq-routing": {"organization_id": org, "team_id": ids["team_id"]},
        "wq-playbook": {"organization_id": org, "notes": "x"},
        "wq-view": {"name": "Theirs", "view": "all", "organization_id": org},
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
        "proxy": {"relationship": "parent", "phone": "+16175557002"},
        # A visit question flow (its checks come after the organization's).
        "vf-flow": {"tree": {"question": {"en": "Q", "es": "P"}, "answers": []}},
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
        **_work_queue_bodies(ids),
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
    # Work queue: A's task, team, routing rule, playbook and targets; the notification
    # and the saved view belong to A's coordinator. The bulk action and the inbound
    # message name A's records in the body only.
    ("POST", "/api/v1/tasks", "wq-task"),
    ("GET", "/api/v1/tasks?view=all&organization_id={organization_id}", None),
    ("POST", "/api/v1/tasks/bulk", "wq-bulk"),
    ("GET", "/api/v1/tasks/{task_id}", None),
    ("PATCH", "/api/v1/tasks/{task_id}", "wq-patch"),
    ("POST", "/api/v1/tasks/{task_id}/status", "wq-status"),
    ("POST", "/api/v1/tasks/{task_id}/claim", None),
    ("POST", "/api/v1/tasks/{task_id}/assign", "wq-assign"),
    ("POST", "/api/v1/tasks/{task_id}/snooze", "wq-snooze"),
    ("POST", "/api/v1/tasks/{task_id}/notes", "wq-note"),
    ("GET", "/api/v1/tasks/{task_id}/history", None),
    ("GET", "/api/v1/tasks/{task_id}/messages", None),
    ("POST", "/api/v1/tasks/{task_id}/reply", "wq-reply"),
    ("POST", "/api/v1/tasks/{task_id}/identify", "wq-identify"),
    ("POST", "/api/v1/tasks/{task_id}/triage", "wq-triage"),
    ("POST", "/api/v1/inbox/messages", "wq-inbound"),
    ("GET", "/api/v1/queue/supervision?organization_id={organization_id}", None),
    ("PUT", "/api/v1/sla-policies", "wq-policy"),
    ("GET", "/api/v1/sla-policies?organization_id={organization_id}", None),
    ("POST", "/api/v1/work-teams", "wq-team"),
    ("PUT", "/api/v1/work-teams/{team_id}", "wq-team"),
    ("GET", "/api/v1/work-teams?organization_id={organization_id}", None),
    ("POST", "/api/v1/routing-rules", "wq-routing"),
    ("GET", "/api/v1/routing-rules?organization_id={organization_id}", None),
    ("DELETE", "/api/v1/routing-rules/{rule_id}", None),
    ("POST", "/api/v1/playbooks", "wq-playbook"),
    ("GET", "/api/v1/playbooks?organization_id={organization_id}", None),
    ("GET", "/api/v1/playbooks/current?organization_id={organization_id}", None),
    ("POST", "/api/v1/saved-views", "wq-view"),
    ("DELETE", "/api/v1/saved-views/{view_id}", None),
    ("POST", "/api/v1/notifications/{notification_id}/read", None),
    # Portal: a file A's patient attached to a message.
    ("GET", "/api/v1/attachments/{attachment_id}", None),
    # Portal: A's visit question flow.
    ("GET", "/api/v1/organizations/{organization_id}/visit-flows", None),
    ("GET", "/api/v1/organizations/{organization_id}/visit-flows/current", None),
    ("POST", "/api/v1/organizations/{organization_id}/visit-flows", "vf-flow"),
    # Portal proxies of A's patient.
    ("POST", "/api/v1/patients/{patient_id}/proxies", "proxy"),
    ("GET", "/api/v1/patients/{patient_id}/proxies", None),
    ("POST", "/api/v1/patients/{patient_id}/proxies/{proxy_id}/revoke", None),
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
    # Work queue: without an organization the queue and the supervisor's view cover the
    # caller's own organizations; saved views and notifications are the caller's own
    # (test_work_queue_shows_an_outsider_nothing_of_the_organization checks all four).
    ("GET", "/api/v1/tasks"),
    ("GET", "/api/v1/queue/supervision"),
    ("GET", "/api/v1/saved-views"),
    ("GET", "/api/v1/notifications"),
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
    url = _url(path, world.ids)
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


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_work_queue_shows_an_outsider_nothing_of_the_organization(api, world, role):
    ids = world.ids
    outsider = api.login(world.org_b, role)
    api._save(*_outsider_queue(api, world.org_b, outsider.user_id))
    secrets = (
        "Alpha Clinic",
        "Alvarez",
        ids["organization_id"],
        ids["work_task_id"],
        ids["view_id"],
        ids["notification_id"],
    )

    def shows_nothing_of_a(response) -> None:
        assert response.status_code == 200, response.text
        for secret in secrets:
            assert secret not in response.text, secret

    for params in (
        *({"view": v, "include_snoozed": True} for v in ("mine", "team", "unassigned", "all")),
        {"view": "all", "status": "requested"},
        {"view": "all", "patient_id": ids["patient_id"]},
        {"view": "all", "owner_user_id": ids["user_id"]},
    ):
        queue = outsider.get("/api/v1/tasks", params=params)
        shows_nothing_of_a(queue)
        assert queue.json()["items"] == [], params
    views = outsider.get("/api/v1/saved-views")
    shows_nothing_of_a(views)
    assert [v["name"] for v in views.json()] == ["Beta view"]
    notes = outsider.get("/api/v1/notifications", params={"unread_only": False})
    shows_nothing_of_a(notes)
    assert [n["text"] for n in notes.json()] == ["Beta notice"]
    if role == "admin":
        supervision = outsider.get("/api/v1/queue/supervision")
        shows_nothing_of_a(supervision)
        assert [o["organization_id"] for o in supervision.json()["organizations"]] == [
            str(world.org_b.id)
        ]
    else:  # a coordinator supervises nothing
        assert outsider.get("/api/v1/queue/supervision").status_code == 403
    gone = outsider.delete(f"/api/v1/saved-views/{ids['view_id']}")
    assert gone.status_code == 404
    read = outsider.post(f"/api/v1/notifications/{ids['notification_id']}/read")
    assert read.status_code == 404
    for response in (gone, read):
        for secret in secrets[:2]:
            assert secret not in response.text
    # A's coordinator still has both, untouched.
    owner = api.caller(_user(api, ids["user_id"]))
    assert [v["id"] for v in owner.get("/api/v1/saved-views").json()] == [ids["view_id"]]
    mine = owner.get("/api/v1/notifications").json()
    assert [(n["id"], n["read_at"]) for n in mine] == [(ids["notification_id"], None)]
    assert [t["id"] for t in owner.get("/api/v1/tasks?view=all").json()["items"]] == [
        ids["work_task_id"]
    ]


def test_work_queue_refuses_records_of_another_organization_beside_the_callers_own(api, world):
    """The body names the caller's own organization, but a record of A rides along: A's
    record is 404 in the path and 'does not exist in this organization' in the body."""
    ids, b = world.ids, str(world.org_b.id)
    outsider = api.login(world.org_b, "admin")
    own = outsider.post(
        "/api/v1/tasks",
        json={"organization_id": b, "type": "general", "title": "Ours", "route": False},
    )
    assert own.status_code == 201, own.text
    own_task = own.json()["id"]
    moved = outsider.put(
        f"/api/v1/work-teams/{ids['team_id']}",
        json={"organization_id": b, "name": "Taken over"},
    )
    assert moved.status_code == 404, moved.text
    refused = [
        (
            "/api/v1/tasks",
            {
                "organization_id": b,
                "type": "general",
                "title": "x",
                "patient_id": ids["patient_id"],
            },
            "patient_id",
        ),
        (
            "/api/v1/tasks",
            {"organization_id": b, "type": "general", "title": "x", "team_id": ids["team_id"]},
            "team_id",
        ),
        (
            "/api/v1/tasks",
            {
                "organization_id": b,
                "type": "general",
                "title": "x",
                "owner_user_id": ids["user_id"],
            },
            "owner_user_id",
        ),
        (f"/api/v1/tasks/{own_task}/assign", {"user_id": ids["user_id"]}, "user_id"),
        (f"/api/v1/tasks/{own_task}/identify", {"patient_id": ids["patient_id"]}, "patient_id"),
        ("/api/v1/routing-rules", {"organization_id": b, "team_id": ids["team_id"]}, "team_id"),
        (
            "/api/v1/work-teams",
            {"organization_id": b, "name": "x", "member_user_ids": [ids["user_id"]]},
            "member_user_ids",
        ),
        (
            "/api/v1/inbox/messages",
            {
                "organization_id": b,
                "patient_id": ids["patient_id"],
                "channel": "portal",
                "body": "Hello",
            },
            "patient_id",
        ),
    ]
    for url, body, field in refused:
        response = outsider.post(url, json=body)
        assert response.status_code == 422, (url, response.text)
        fields = {e["field"].split("[")[0] for e in response.json()["errors"]}
        assert field in fields, (url, fields)
        assert "Alvarez" not in response.text and "Alpha Clinic" not in response.text
    insider = api.login(world.org_a, "admin")
    teams = insider.get("/api/v1/work-teams", params={"organization_id": ids["organization_id"]})
    assert [t["name"] for t in teams.json()] == ["Front desk"]
    task = insider.get(f"/api/v1/tasks/{ids['work_task_id']}").json()
    assert (task["version"], task["owner_user_id"]) == (1, None)


def _outsider_queue(api, org_b, user_id) -> list[Any]:
    """B's own saved view and notification, so the outsider's lists are not empty."""
    from datetime import UTC, datetime

    from liaison.models import SavedView, StaffNotification

    at = datetime(2026, 1, 5, 14, tzinfo=UTC)
    return [
        SavedView(user_id=user_id, name="Beta view", filters={"view": "all"}, created_at=at),
        StaffNotification(
            organization_id=org_b.id,
            user_id=user_id,
            kind="breach",
            text="Beta notice",
            created_at=at,
        ),
    ]


def _user(api, user_id: str) -> Any:
    import uuid

    from liaison.models import User

    with api.runtime.db.session() as session:
        user = session.get(User, uuid.UUID(user_id))
        session.expunge(user)
    return user


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


def _portal_proxy(api, a, patient) -> dict[str, str]:
    """Someone with portal access to A's patient (a parent, by their phone)."""
    from datetime import date

    from liaison.models import PatientProxy, PortalAccount, User

    parent = api._save(
        User(email="portal-proxy@patients.liaison.invalid", display_name="•••• 7001")
    )
    api._save(
        PortalAccount(user_id=parent.id, channel="sms", destination_digest="1" * 64, hint="x")
    )
    proxy = api._save(
        PatientProxy(
            organization_id=a.id,
            patient_id=patient.id,
            proxy_user_id=parent.id,
            relationship="parent",
            scope="manage",
            starts_on=date(2026, 1, 1),
        )
    )
    return {"proxy_id": str(proxy.id)}
