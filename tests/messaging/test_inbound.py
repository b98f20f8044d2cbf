"""Patients' texts and delivery receipts through the signed webhooks."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.gateways import signing
from liaison.models import (
    Appointment,
    Communication,
    CommunicationConsent,
    OutboxMessage,
    SurveyResponse,
)
from tests.scheduling.conftest import local

TOKEN = "sandbox-auth-token"
BASE = "http://127.0.0.1:8000"  # the test settings' base URL: what signatures cover


def post(client, path, params, *, sign=True, token=TOKEN):
    headers = {signing.HEADER: signing.sign(token, BASE + path, params)} if sign else {}
    return client.post(path, data=params, headers=headers)


def text(client, body, sender="+16175551234", sid=None):
    return post(
        client,
        "/webhooks/sms/inbound",
        {
            "MessageSid": sid or f"SM{uuid.uuid4().hex}",
            "From": sender,
            "To": "+16175550100",
            "Body": body,
        },
    )


def rows(runtime, model, *where):
    with runtime.db.session() as s:
        return list(s.scalars(unscoped_system(select(model).where(*where), "test")))


def replies(runtime):
    sent = sorted(
        rows(runtime, OutboxMessage, OutboxMessage.topic == "message.send"),
        key=lambda m: m.created_at,
    )
    return [m.payload["kind"] for m in sent if m.idempotency_key.startswith("reply:")]


def test_forged_or_unsigned_webhooks_are_refused(api, texting_clinic, runtime):
    assert (
        post(
            api.client,
            "/webhooks/sms/inbound",
            {"From": "+16175551234", "To": "+16175550100", "Body": "STOP", "MessageSid": "SM1"},
            sign=False,
        ).status_code
        == 403
    )
    assert (
        post(
            api.client,
            "/webhooks/sms/inbound",
            {"From": "+16175551234", "To": "+16175550100", "Body": "STOP", "MessageSid": "SM1"},
            token="wrong",
        ).status_code
        == 403
    )
    assert rows(runtime, Communication) == []


def test_stop_and_start_change_sms_consent_and_are_answered(api, texting_clinic, runtime):
    assert text(api.client, "STOP").status_code == 200
    consent = rows(runtime, CommunicationConsent, CommunicationConsent.channel == "sms")
    assert [(c.status, c.method) for c in sorted(consent, key=lambda c: c.recorded_at)][-1] == (
        "revoked",
        "sms-keyword",
    )
    text(api.client, "start")
    assert sorted(
        c.status
        for c in rows(
            runtime,
            CommunicationConsent,
            CommunicationConsent.channel == "sms",
            CommunicationConsent.method == "sms-keyword",
        )
    ) == ["granted", "revoked"]
    text(api.client, "HELP")
    assert sorted(replies(runtime)) == ["help", "started", "stopped"]


def test_a_duplicate_webhook_changes_nothing(api, texting_clinic, runtime):
    text(api.client, "STOP", sid="SMdup")
    text(api.client, "STOP", sid="SMdup")
    assert len(rows(runtime, Communication, Communication.direction == "inbound")) == 1
    assert (
        len(rows(runtime, CommunicationConsent, CommunicationConsent.method == "sms-keyword")) == 1
    )


def test_unknown_number_is_kept_for_identification(api, texting_clinic, runtime):
    text(api.client, "Hi, is the clinic open Saturday?", sender="+16175559876")
    (message,) = rows(runtime, Communication, Communication.direction == "inbound")
    assert message.patient_id is None and message.body.startswith("Hi")
    assert replies(runtime) == []


def test_texts_to_a_number_no_organization_has_are_ignored(api, texting_clinic, runtime):
    params = {"MessageSid": "SMx", "From": "+16175551234", "To": "+16175557777", "Body": "STOP"}
    assert post(api.client, "/webhooks/sms/inbound", params).status_code == 200
    assert rows(runtime, Communication) == []


@pytest.mark.parametrize(
    ("reply", "status", "kind"),
    [
        ("C", "booked", "reply-confirmed"),
        ("n", "cancelled", "reply-cancelled"),
        ("R", "booked", "reply-reschedule"),
    ],
)
def test_replies_to_a_reminder_act_on_the_appointment(
    api, texting_clinic, runtime, reply, status, kind
):
    booked = texting_clinic.coordinator.post(
        "/api/v1/appointments", json=texting_clinic.booking(local(date(2026, 6, 10), 9))
    ).json()
    text(api.client, reply)
    (appointment,) = rows(runtime, Appointment, Appointment.id == uuid.UUID(booked["id"]))
    assert appointment.status == status
    assert replies(runtime) == [kind]
    if status == "cancelled":
        assert appointment.cancelled_by == "patient"


def test_a_score_after_a_follow_up_is_recorded(api, texting_clinic, runtime):
    booked = texting_clinic.coordinator.post(
        "/api/v1/appointments", json=texting_clinic.booking(local(date(2026, 6, 10), 9))
    ).json()
    api._save(
        Communication(
            organization_id=texting_clinic.org.id,
            patient_id=texting_clinic.patient.id,
            appointment_id=uuid.UUID(booked["id"]),
            channel="sms",
            direction="outbound",
            kind="follow-up",
            status="delivered",
            body="How was it?",
            created_at=local(date(2026, 6, 1), 10),
        )
    )
    text(api.client, "5")
    (answer,) = rows(runtime, SurveyResponse)
    assert (answer.score, str(answer.appointment_id)) == (5, booked["id"])


def test_longer_texts_are_messages_not_keywords(api, texting_clinic, runtime):
    text(api.client, "Please stop calling me at work, text instead")
    assert rows(runtime, CommunicationConsent, CommunicationConsent.method == "sms-keyword") == []


def test_delivery_receipts_move_status_forward_only(api, texting_clinic, runtime):
    api._save(
        Communication(
            organization_id=texting_clinic.org.id,
            patient_id=texting_clinic.patient.id,
            channel="sms",
            direction="outbound",
            kind="message",
            status="sent",
            body="x",
            provider_message_id="SMabc",
            created_at=local(date(2026, 6, 1), 10),
        )
    )
    for status in ("delivered", "sent", "delivered"):
        assert (
            post(
                api.client, "/webhooks/sms/status", {"MessageSid": "SMabc", "MessageStatus": status}
            ).status_code
            == 204
        )
    (message,) = rows(runtime, Communication)
    assert message.status == "delivered"
