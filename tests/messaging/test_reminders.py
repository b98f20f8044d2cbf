"""Reminders and messages end to end: booked -> queued in the same transaction ->
sent by the worker through the HTTP SMS gateway to the sandbox provider -> delivery
receipt back through the signed webhook."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import httpx2
from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.kit import clock
from liaison.models import Communication, OutboxMessage
from tests.scheduling.conftest import NY, local

WEDNESDAY = date(2026, 6, 10)


def _outbox(runtime, **where):
    with runtime.db.session() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.available_at)
        for key, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, key) == value)
        return list(s.scalars(unscoped_system(stmt, "test")))


def _communications(runtime):
    with runtime.db.session() as s:
        return list(
            s.scalars(
                unscoped_system(select(Communication).order_by(Communication.created_at), "test")
            )
        )


def _book(clinic, start):
    response = clinic.coordinator.post("/api/v1/appointments", json=clinic.booking(start))
    assert response.status_code == 201, response.text
    return response.json()


def test_booking_queues_three_reminders_in_the_same_transaction(texting_clinic, runtime):
    appointment = _book(texting_clinic, local(WEDNESDAY, 9))
    reminders = [
        m for m in _outbox(runtime, topic="message.send") if m.payload["kind"] == "reminder"
    ]
    assert [m.payload["offset_minutes"] for m in reminders] == [10080, 2880, 120]
    due = [m.available_at.astimezone(NY).strftime("%m-%d %H:%M") for m in reminders]
    # 7 days before (06-03 09:00), 2 days before (06-08 09:00), 2 hours before would be
    # 07:00, inside quiet hours (21:00-08:00): it goes the evening before, 20:59.
    assert due == ["06-03 09:00", "06-08 09:00", "06-09 20:59"]
    assert {m.appointment_id for m in reminders} == {__import__("uuid").UUID(appointment["id"])}


def test_cancelling_cancels_pending_reminders_at_once(texting_clinic, runtime):
    appointment = _book(texting_clinic, local(WEDNESDAY, 9))
    texting_clinic.coordinator.post(
        f"/api/v1/appointments/{appointment['id']}/cancel",
        json={"reason": "x", "cancelled_by": "patient"},
    )
    statuses = {
        m.payload["offset_minutes"]: m.status
        for m in _outbox(runtime, topic="message.send")
        if m.payload["kind"] == "reminder"
    }
    assert statuses == {10080: "cancelled", 2880: "cancelled", 120: "cancelled"}


def test_reschedule_retargets_reminders(texting_clinic, runtime):
    appointment = _book(texting_clinic, local(WEDNESDAY, 9))
    moved = texting_clinic.coordinator.post(
        f"/api/v1/appointments/{appointment['id']}/reschedule",
        json={"start": local(WEDNESDAY, 14).isoformat()},
    ).json()
    live = [
        m
        for m in _outbox(runtime, topic="message.send")
        if m.payload["kind"] == "reminder" and m.status == "pending"
    ]
    assert {m.payload["appointment_id"] for m in live} == {moved["id"]}
    assert min(m.available_at for m in live).astimezone(NY).strftime("%m-%d %H:%M") == "06-03 14:00"


def test_confirmation_goes_out_by_sms_and_the_receipt_comes_back(texting_clinic, runtime, live):
    _book(texting_clinic, local(WEDNESDAY, 9))
    live.drain()  # the booked event queues the confirmation
    live.drain()  # which is sent
    sent = [c for c in _communications(runtime) if c.kind == "confirmation"]
    assert len(sent) == 1 and sent[0].channel == "sms" and sent[0].status == "sent"
    # Carla reads Spanish: the text is in Spanish, with the local time and zone.
    assert "su cita quedó el mié 10 jun, 09:00 EDT" in sent[0].body and "/r/" in sent[0].body
    assert "Follow-up" not in sent[0].body  # no visit type in a text
    inbox = httpx2.get(f"{live.base}/sandbox/sms/messages", params={"to": "+16175551234"}).json()
    assert len(inbox) == 1 and inbox[0]["from"] == "+16175550100"
    for _ in range(60):  # the sandbox posts the signed receipt from its own thread
        if _communications(runtime)[0].status == "delivered":
            break
        time.sleep(0.1)
    assert [c.status for c in _communications(runtime) if c.kind == "confirmation"] == ["delivered"]


def test_reminder_is_sent_when_due_and_never_twice(texting_clinic, runtime, live):
    _book(texting_clinic, local(WEDNESDAY, 9))
    live.drain()
    live.drain()
    clock.advance(timedelta(days=2, hours=1))  # past the 7-day reminder's due time
    live.drain()
    live.drain()
    reminders = [c for c in _communications(runtime) if c.kind == "reminder"]
    assert len(reminders) == 1
    stats = httpx2.get(f"{live.base}/sandbox/sms/stats").json()
    assert stats["repeated_attempts"] == 0


def test_without_consent_nothing_is_sent(api, clinic, runtime, live):
    from liaison.models import Organization

    with runtime.db.session() as s:
        s.get(Organization, clinic.org.id).sms_number = "+16175550100"
    _book(clinic, local(WEDNESDAY, 9))
    live.drain()
    live.drain()
    (skipped,) = [c for c in _communications(runtime) if c.kind == "confirmation"]
    assert (skipped.status, skipped.error) == ("skipped", "no consented channel")


def test_invalid_number_falls_back_to_email_with_the_ics(
    texting_clinic, runtime, live, mailbox, api
):
    from sqlalchemy import update

    from liaison.models import PatientTelecom

    with runtime.db.session() as s:
        s.execute(unscoped_system(update(PatientTelecom).values(value="+16175550000"), "test"))
    _book(texting_clinic, local(WEDNESDAY, 9))
    live.drain()
    live.drain()
    sent = [(c.channel, c.status) for c in _communications(runtime) if c.kind == "confirmation"]
    assert sent == [("sms", "failed"), ("email", "sent")]
    box, _ = mailbox
    (email,) = box.messages
    assert email["To"] == "carla@example.org"
    attachments = [part.get_filename() for part in email.walk() if part.get_filename()]
    assert attachments == ["appointment.ics"]


def test_quiet_hours_postpone_a_message(texting_clinic, runtime, live):
    from liaison.authz.principal import system_principal
    from liaison.context import unit_of_work
    from liaison.messaging.dispatch import queue

    with clock.frozen_at(datetime(2026, 6, 2, 3, 0, tzinfo=UTC)):  # 23:00 in New York
        with unit_of_work(
            runtime.db, principal=system_principal(), audit_key=runtime.audit_key
        ) as ctx:
            queue(
                ctx,
                kind="message",
                organization_id=texting_clinic.org.id,
                patient_id=texting_clinic.patient.id,
                key="late",
                note="Hello",
            )
        live.drain()
        (message,) = _outbox(runtime, idempotency_key="late")
        assert message.status == "pending"
        assert message.available_at.astimezone(NY).strftime("%m-%d %H:%M") == "06-02 08:00"
        assert _communications(runtime) == []


def test_provider_down_is_retried_with_backoff_then_dead(texting_clinic, runtime, live):
    from liaison.gateways.sms import HttpSmsGateway, SmsSettings

    live.runtime.sms = HttpSmsGateway(
        SmsSettings("http://127.0.0.1:9", "ACsandbox", "sandbox-auth-token", timeout_s=1)
    )
    _book(texting_clinic, local(WEDNESDAY, 9))
    live.drain()
    live.drain()
    (message,) = [
        m for m in _outbox(runtime, topic="message.send") if m.payload["kind"] == "confirmation"
    ]
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error.startswith("TemporaryFailure")
    for _ in range(30):  # quiet hours pause retries overnight, so give it two days
        clock.advance(timedelta(hours=2))
        live.drain()
    (message,) = [
        m for m in _outbox(runtime, topic="message.send") if m.payload["kind"] == "confirmation"
    ]
    assert message.status == "dead"
    dead = texting_clinic.admin.get(
        "/api/v1/outbox", params={"status": "dead", "organization_id": str(texting_clinic.org.id)}
    )
    assert [m["id"] for m in dead.json()] == [str(message.id)]
    retried = texting_clinic.admin.post(f"/api/v1/outbox/{message.id}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "pending"


def test_reminder_policy_and_quiet_hours_are_set_through_the_api(texting_clinic, runtime):
    clinic = texting_clinic
    url = f"/api/v1/services/{clinic.service.id}"
    changed = clinic.admin.patch(
        url,
        json={"reminder_offsets_minutes": [1440], "follow_up_hours": 24, "backfill_min_hours": 4},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["reminder_offsets_minutes"], changed.json()["follow_up_hours"]) == (
        [1440],
        24,
    )
    bad = clinic.admin.patch(url, json={"reminder_offsets_minutes": [5]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith(
        "reminder_offsets_minutes"
    )
    org_url = f"/api/v1/organizations/{clinic.org.id}"
    assert (
        clinic.admin.patch(org_url, json={"quiet_hours_start": "25:00"}).json()["errors"][0][
            "field"
        ]
        == "quiet_hours_start"
    )
    assert (
        clinic.admin.patch(org_url, json={"quiet_hours_start": "22:00"}).json()["quiet_hours_start"]
        == "22:00"
    )
    # The reminder follows the new policy: one, a day before.
    _book(clinic, local(WEDNESDAY, 9))
    reminders = [
        m for m in _outbox(runtime, topic="message.send") if m.payload["kind"] == "reminder"
    ]
    assert [m.payload["offset_minutes"] for m in reminders] == [1440]


def test_two_organizations_cannot_text_from_one_number(texting_clinic, api):
    clinic = texting_clinic
    assert (
        clinic.admin.patch(
            f"/api/v1/organizations/{clinic.org.id}", json={"sms_number": "+16175550100"}
        ).status_code
        == 200
    )
    other = api.organization("Elsewhere Clinic", time_zone="America/Chicago")
    clash = api.login(other, "admin").patch(
        f"/api/v1/organizations/{other.id}", json={"sms_number": "+1 617 555 0100"}
    )
    assert clash.status_code == 409 and clash.json()["field"] == "sms_number"
