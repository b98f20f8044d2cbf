"""Patients' messages become work: the inbox opens or updates a task per conversation,
triages it, escalates emergencies (with a safety reply in the patient's language), and
records first response and resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from liaison.authz.principal import system_principal
from liaison.authz.scope import unscoped_system
from liaison.context import unit_of_work
from liaison.kit import clock
from liaison.models import (
    Communication,
    OutboxMessage,
    StaffNotification,
    Task,
    TaskEvent,
    TriageCorrection,
)
from liaison.workqueue import service
from tests.messaging.test_inbound import text
from tests.scheduling.conftest import local


def rows(runtime, model, *where):
    with runtime.db.session() as s:
        return list(s.scalars(unscoped_system(select(model).where(*where), "test")))


def tasks(runtime):
    return sorted(rows(runtime, Task), key=lambda t: t.created_at)


def sent(runtime, kind):
    return [
        m.payload
        for m in rows(runtime, OutboxMessage, OutboxMessage.topic == "message.send")
        if m.payload["kind"] == kind
    ]


def test_a_text_opens_a_triaged_conversation_and_the_next_one_joins_it(
    api, texting_clinic, runtime
):
    assert text(api.client, "Can I move my appointment to Thursday afternoon?").status_code == 200
    (task,) = tasks(runtime)
    assert (task.type, task.patient_id, task.status) == (
        "inquiry",
        texting_clinic.patient.id,
        "accepted",  # routed to the clinic's one coordinator
    )
    assert task.category == "scheduling" and task.urgency == "routine"
    assert task.triage_reason  # the suggestion says why
    # Monday 08:00 in Boston: first response due one business hour later.
    assert task.first_response_due_at == datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    assert task.next_due_at == task.first_response_due_at

    text(api.client, "Or Friday morning works too")
    (same,) = tasks(runtime)
    assert same.id == task.id
    actions = [e.action for e in rows(runtime, TaskEvent, TaskEvent.task_id == task.id)]
    assert actions.count("message-in") == 2


@pytest.mark.parametrize(
    ("body", "preferred", "language"),
    [
        ("I have crushing chest pain and my left arm is numb", "en", "en"),
        ("Tengo un dolor de pecho muy fuerte y no puedo respirar", "es", "es"),
    ],
)
def test_an_emergency_escalates_at_once_with_a_safety_reply_in_the_patients_language(
    api, texting_clinic, runtime, body, preferred, language
):
    with runtime.db.session() as s:
        from liaison.models import Patient

        patient = s.scalar(
            unscoped_system(select(Patient).where(Patient.id == texting_clinic.patient.id), "t")
        )
        patient.preferred_language = preferred
    text(api.client, body)
    (task,) = tasks(runtime)
    assert (task.priority, task.urgency) == ("stat", "emergency")
    assert task.escalated_at is not None
    (safety,) = sent(runtime, "safety")
    assert safety["language"] == language and safety["to"] == "+16175551234"
    notified = rows(runtime, StaffNotification, StaffNotification.task_id == task.id)
    assert {n.user_id for n in notified} >= {texting_clinic.admin.user_id}
    assert all("Cruz" not in n.text and "chest" not in n.text for n in notified)


def test_an_unknown_number_is_identified_and_its_messages_follow(api, texting_clinic, runtime):
    text(api.client, "hola, quiero una cita para mi hijo", sender="+16175559876")
    (task,) = tasks(runtime)
    assert task.patient_id is None and task.contact == "+16175559876"
    coordinator = texting_clinic.coordinator
    reply = coordinator.post(f"/api/v1/tasks/{task.id}/reply", json={"body": "Hola"})
    assert reply.status_code == 409 and "Identify" in reply.json()["detail"]
    found = coordinator.post(
        f"/api/v1/tasks/{task.id}/identify",
        json={"patient_id": str(texting_clinic.patient.id), "version": task.version},
    )
    assert found.status_code == 200, found.text
    assert found.json()["patient_id"] == str(texting_clinic.patient.id)
    (message,) = rows(runtime, Communication, Communication.direction == "inbound")
    assert message.patient_id == texting_clinic.patient.id


def test_a_reply_records_the_first_response_and_closing_records_resolution(
    api, texting_clinic, runtime
):
    text(api.client, "Do you take Blue Cross?")
    (task,) = tasks(runtime)
    clock.advance(timedelta(minutes=20))
    coordinator = texting_clinic.coordinator
    answered = coordinator.post(
        f"/api/v1/tasks/{task.id}/reply", json={"body": "Yes, we do.", "channel": "sms"}
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["status"] == "in-progress" and body["first_response_at"]
    assert body["next_due_at"] == body["due_at"]  # the resolution target matters now
    assert any(p.get("note") == "Yes, we do." for p in sent(runtime, "message"))
    empty = coordinator.post(f"/api/v1/tasks/{task.id}/reply", json={"body": "   "})
    assert empty.status_code == 422
    done = coordinator.post(
        f"/api/v1/tasks/{task.id}/status", json={"status": "completed", "version": body["version"]}
    )
    assert done.json()["sla_state"] == "met"


def test_triage_corrections_are_kept_for_retraining(api, texting_clinic, runtime):
    text(api.client, "How much do I owe for my last visit?")
    (task,) = tasks(runtime)
    coordinator = texting_clinic.coordinator
    corrected = coordinator.post(
        f"/api/v1/tasks/{task.id}/triage",
        json={"category": "billing", "urgency": "urgent", "version": task.version},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["triage_confirmed"] is True
    assert corrected.json()["priority"] == "urgent"
    (kept,) = rows(runtime, TriageCorrection)
    assert (kept.category, kept.urgency, kept.suggested_category) == (
        "billing",
        "urgent",
        task.category,
    )
    bad = coordinator.post(
        f"/api/v1/tasks/{task.id}/triage", json={"category": "gossip", "urgency": "routine"}
    )
    assert bad.status_code == 422


def test_a_breach_escalates_once_and_tells_the_lead(api, texting_clinic, runtime):
    text(api.client, "Please send my records to my new doctor")
    (task,) = tasks(runtime)
    clock.advance(timedelta(minutes=61))  # past the one-business-hour first response
    with unit_of_work(runtime.db, principal=system_principal(), audit_key=runtime.audit_key) as ctx:
        assert service.escalate_breaches(ctx) == 1
    with unit_of_work(runtime.db, principal=system_principal(), audit_key=runtime.audit_key) as ctx:
        assert service.escalate_breaches(ctx) == 0
    (task,) = tasks(runtime)
    assert task.priority == "urgent" and task.escalated_at is not None
    from liaison.models import AuditEvent

    escalated = [
        e
        for e in rows(runtime, AuditEvent, AuditEvent.resource_type == "Task")
        if e.details.get("change") == "escalated"
    ]
    assert [(e.patient_id, e.resource_id) for e in escalated] == [(task.patient_id, str(task.id))]
    (note,) = rows(runtime, StaffNotification)
    assert note.user_id == texting_clinic.admin.user_id and note.kind == "breach"
    seen = texting_clinic.admin.get("/api/v1/notifications").json()
    assert [n["task_id"] for n in seen] == [str(task.id)]


def test_reschedule_by_text_opens_a_reschedule_task(api, texting_clinic, runtime):
    booked = texting_clinic.coordinator.post(
        "/api/v1/appointments", json=texting_clinic.booking(local(date(2026, 6, 10), 9))
    ).json()
    text(api.client, "R")
    (task,) = [t for t in tasks(runtime) if t.type == "reschedule"]
    assert str(task.focus_id) == booked["id"]
    assert task.patient_id == texting_clinic.patient.id


def test_portal_messages_from_an_integration_are_filed(api, texting_clinic, runtime):
    coordinator = texting_clinic.coordinator
    payload = {
        "organization_id": str(texting_clinic.org.id),
        "patient_id": str(texting_clinic.patient.id),
        "channel": "portal",
        "body": "Necesito un resurtido de mi receta de metformina",
    }
    filed = coordinator.post("/api/v1/inbox/messages", json=payload)
    assert filed.status_code == 201, filed.text
    assert filed.json()["created"] is True
    assert filed.json()["task"]["category"] == "refill"
    assert (
        coordinator.post("/api/v1/inbox/messages", json={**payload, "body": ""}).status_code == 422
    )
    too_long = coordinator.post("/api/v1/inbox/messages", json={**payload, "body": "x" * 1601})
    assert too_long.status_code == 422
    assert len(rows(runtime, Communication, Communication.direction == "inbound")) == 1
