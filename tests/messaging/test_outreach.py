"""Messages that follow the visit: no-show outreach, the post-visit follow-up with its
1-5 question, recall lists and campaigns, and a closure broadcast — each queued in the
outbox and sent by the worker through the HTTP SMS gateway to the sandbox provider."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx2
from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.kit import clock
from liaison.models import Appointment, Communication, OutboxMessage
from tests.scheduling.conftest import local

WEDNESDAY = date(2026, 6, 10)
THURSDAY = date(2026, 6, 11)


def _sent(runtime, kind: str) -> list[Communication]:
    with runtime.db.session() as s:
        stmt = (
            select(Communication)
            .where(Communication.kind == kind, Communication.direction == "outbound")
            .order_by(Communication.created_at)
        )
        return list(s.scalars(unscoped_system(stmt, "test")))


def _queued(runtime, kind: str) -> list[OutboxMessage]:
    with runtime.db.session() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.topic == "message.send")
        return [m for m in s.scalars(unscoped_system(stmt, "test")) if m.payload["kind"] == kind]


def _book(clinic, start, patient=None) -> dict:
    body = clinic.booking(start)
    if patient is not None:
        body["patient_id"] = str(patient.id)
    response = clinic.coordinator.post("/api/v1/appointments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _status(clinic, appointment_id: str, status: str) -> None:
    response = clinic.coordinator.post(
        f"/api/v1/appointments/{appointment_id}/status", json={"status": status}
    )
    assert response.status_code == 200, response.text


def _texts_to(live, number: str) -> list[str]:
    received = httpx2.get(f"{live.base}/sandbox/sms/messages", params={"to": number}).json()
    return [m["body"] for m in received]


def test_a_no_show_gets_an_outreach_text(texting_clinic, runtime, live):
    appointment = _book(texting_clinic, local(WEDNESDAY, 9))
    live.drain()  # confirmation queued ...
    live.drain()  # ... and sent
    clock.advance(timedelta(days=9, hours=2))  # past the visit, at a daytime hour
    _status(texting_clinic, appointment["id"], "noshow")
    live.drain()  # the no-show event queues the outreach ...
    live.drain()  # ... which goes out

    (outreach,) = _sent(runtime, "no-show")
    assert outreach.channel == "sms" and outreach.status == "sent"
    assert outreach.appointment_id == uuid.UUID(appointment["id"])
    assert outreach.body in _texts_to(live, "+16175551234")
    assert "{{" not in outreach.body


def test_a_fulfilled_visit_gets_the_follow_up_question_when_the_policy_says(
    texting_clinic, runtime, live
):
    policy = texting_clinic.admin.patch(
        f"/api/v1/services/{texting_clinic.service.id}", json={"follow_up_hours": 24}
    )
    assert policy.status_code == 200, policy.text
    appointment = _book(texting_clinic, local(WEDNESDAY, 9))
    live.drain()
    live.drain()
    clock.advance(timedelta(days=9, hours=1, minutes=40))  # Wednesday 09:40 New York
    _status(texting_clinic, appointment["id"], "arrived")
    _status(texting_clinic, appointment["id"], "fulfilled")
    live.drain()  # the fulfilled event queues the follow-up for 24 hours after the end
    (queued,) = _queued(runtime, "follow-up")
    end = Appointment.__table__.c.end_at
    with runtime.db.session() as s:
        ends = s.scalar(
            unscoped_system(
                select(end).where(Appointment.id == uuid.UUID(appointment["id"])), "test"
            )
        )
    assert queued.available_at == ends + timedelta(hours=24)
    live.drain()
    assert _sent(runtime, "follow-up") == [], "not before it is due"

    clock.advance(timedelta(days=1))
    live.drain()
    (follow_up,) = _sent(runtime, "follow-up")
    assert follow_up.status == "sent" and follow_up.body in _texts_to(live, "+16175551234")
    assert "5" in follow_up.body  # the 1-5 question; the answer test is in test_inbound


def test_no_follow_up_for_a_visit_type_without_one(texting_clinic, runtime, live):
    appointment = _book(texting_clinic, local(WEDNESDAY, 9))
    clock.advance(timedelta(days=9, hours=1, minutes=40))
    _status(texting_clinic, appointment["id"], "arrived")
    _status(texting_clinic, appointment["id"], "fulfilled")
    live.drain()
    live.drain()
    assert _queued(runtime, "follow-up") == []


def test_recall_lists_patients_overdue_with_nothing_booked_and_the_campaign_texts_them(
    api, texting_clinic, runtime, live
):
    clinic = texting_clinic
    booked_again = api.patient(clinic.org)
    recent = api.patient(clinic.org)

    def visit(patient, start, status):  # type: ignore[no-untyped-def]
        api._save(
            Appointment(
                organization_id=clinic.org.id,
                status=status,
                patient_id=patient.id,
                healthcare_service_id=clinic.service.id,
                practitioner_role_id=clinic.roles[0].id,
                location_id=clinic.location.id,
                start_at=start,
                end_at=start + timedelta(minutes=30),
                modality="in-person",
            )
        )

    now = clock.now()
    visit(clinic.patient, now - timedelta(days=400), "fulfilled")  # overdue: recalled
    visit(booked_again, now - timedelta(days=420), "fulfilled")  # overdue, but ...
    visit(booked_again, now + timedelta(days=20), "booked")  # ... already booked
    visit(recent, now - timedelta(days=60), "fulfilled")  # not due yet
    visit(recent, now - timedelta(days=500), "cancelled")  # a cancelled visit is no visit

    params = {
        "organization_id": str(clinic.org.id),
        "healthcare_service_id": str(clinic.service.id),
        "months": 12,
    }
    listed = clinic.coordinator.get("/api/v1/recalls", params=params)
    assert listed.status_code == 200, listed.text
    assert [r["patient_id"] for r in listed.json()] == [str(clinic.patient.id)]

    campaign = clinic.coordinator.post("/api/v1/recalls/campaigns", json=params)
    assert campaign.status_code == 202, campaign.text
    assert campaign.json() == {"count": 1}
    live.drain()
    (recall,) = _sent(runtime, "recall")
    assert recall.patient_id == clinic.patient.id and recall.channel == "sms"
    assert recall.body in _texts_to(live, "+16175551234")

    too_long = clinic.coordinator.get("/api/v1/recalls", params={**params, "months": 121})
    assert too_long.status_code == 422 and "months" in too_long.text


def test_a_closure_broadcast_reaches_everyone_booked_there_that_day(
    api, texting_clinic, runtime, live
):
    clinic = texting_clinic
    other = api.patient(clinic.org)
    _book(clinic, local(WEDNESDAY, 9))
    _book(clinic, local(WEDNESDAY, 14), patient=other)
    _book(clinic, local(THURSDAY, 9))  # another day: not told
    cancelled = _book(clinic, local(WEDNESDAY, 11))
    clinic.coordinator.post(
        f"/api/v1/appointments/{cancelled['id']}/cancel",
        json={"reason": "patient asked", "cancelled_by": "patient"},
    )

    response = clinic.coordinator.post(
        "/api/v1/broadcasts",
        json={
            "organization_id": str(clinic.org.id),
            "location_id": str(clinic.location.id),
            "date": WEDNESDAY.isoformat(),
            "note": "Harbor Main is closed today: a water main broke.",
        },
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"count": 2}
    assert {m.payload["patient_id"] for m in _queued(runtime, "broadcast")} == {
        str(clinic.patient.id),
        str(other.id),
    }
    live.drain()
    # The patient who agreed to texts gets one; the other has no consented channel.
    sent = [c for c in _sent(runtime, "broadcast") if c.status == "sent"]
    assert [c.patient_id for c in sent] == [clinic.patient.id]
    assert "water main" in sent[0].body and sent[0].body in _texts_to(live, "+16175551234")

    empty = clinic.coordinator.post(
        "/api/v1/broadcasts",
        json={
            "organization_id": str(clinic.org.id),
            "location_id": str(clinic.location.id),
            "date": WEDNESDAY.isoformat(),
            "note": "   ",
        },
    )
    assert empty.status_code == 422 and "note" in empty.text
