"""The messaging and waitlist pages: a patient's messages, the outbox and its dead
letters, reminder policy, message wording with its preview, and the waitlist board.
Each through the services with the caller's context: another organization's rows are
404, bad input comes back next to its field with nothing stored."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from liaison.authz.principal import system_principal
from liaison.authz.scope import unscoped_system
from liaison.context import unit_of_work
from liaison.kit import clock
from liaison.models import (
    AuditEvent,
    Communication,
    HealthcareService,
    MessageTemplate,
    Organization,
    OutboxMessage,
    WaitlistEntry,
    WaitlistOffer,
)
from liaison.waitlist import service as waitlist_service
from liaison.web.messaging.durations import humane, humane_list, parse_offsets
from tests.scheduling.conftest import NOW, local

REGION = {"HX-Request": "true", "HX-Target": "messages"}
PREVIEW = {"HX-Request": "true", "HX-Target": "template-preview"}
THURSDAY = date(2026, 6, 4)


def rows(runtime, model, *where) -> list[Any]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return list(session.scalars(unscoped_system(select(model).where(*where), "test")))


def communication(make, org, patient, **kw) -> Communication:  # type: ignore[no-untyped-def]
    fields: dict[str, Any] = {
        "channel": "sms",
        "direction": "outbound",
        "kind": "reminder",
        "status": "delivered",
        "to_address": "+16175551234",
        "from_address": "+16175550100",
        "body": "Harbor: reminder of your visit",
        "created_at": NOW,
    }
    fields.update(kw)
    return make._save(Communication(organization_id=org.id, patient_id=patient.id, **fields))


def outbox_row(make, org, status="dead", **kw) -> OutboxMessage:  # type: ignore[no-untyped-def]
    fields: dict[str, Any] = {
        "topic": "message.send",
        "payload": {"kind": "message", "patient_id": None, "note": "Your biopsy result is ready"},
        "idempotency_key": f"test:{uuid.uuid4()}",
        "attempts": 8,
        "available_at": NOW,
        "last_error": "TemporaryFailure: provider 503",
        "created_at": NOW - timedelta(hours=2),
    }
    fields.update(kw)
    return make._save(
        OutboxMessage(organization_id=org.id if org else None, status=status, **fields)
    )


# --- A patient's messages -------------------------------------------------------------


def test_the_record_loads_the_messages_as_a_region_of_their_own(signed_in, clinic):
    browser = signed_in(clinic.org)

    record = browser.get(f"/patients/{clinic.patient.id}")

    assert f'hx-get="/patients/{clinic.patient.id}/messages" hx-trigger="load"' in record.text
    assert f'href="/waitlist/new?patient_id={clinic.patient.id}"' in record.text


def test_the_timeline_shows_direction_channel_status_and_local_time(signed_in, clinic, make):
    communication(make, clinic.org, clinic.patient, created_at=NOW - timedelta(hours=3))
    communication(
        make,
        clinic.org,
        clinic.patient,
        kind="confirmation",
        channel="email",
        status="failed",
        to_address="carla@example.org",
        subject="Your visit is booked",
        body="Hello Carla",
        error="PermanentFailure: mailbox unavailable",
        created_at=NOW - timedelta(hours=2),
    )
    communication(
        make,
        clinic.org,
        clinic.patient,
        direction="inbound",
        kind="message",
        status="received",
        from_address="+16175551234",
        to_address="+16175550100",
        body="Can I come earlier?",
        created_at=NOW - timedelta(hours=1),
    )
    browser = signed_in(clinic.org)

    region = browser.get(f"/patients/{clinic.patient.id}/messages", headers=REGION)

    assert region.status_code == 200 and "<html" not in region.text
    items = re.findall(r'<li class="msg (msg-\w+)" data-direction="(\w+)">', region.text)
    assert items == [
        ("msg-in", "inbound"),
        ("msg-out", "outbound"),
        ("msg-out", "outbound"),
    ]  # newest first
    assert "Reply from the patient" in region.text and "Can I come earlier?" in region.text
    assert "From (617) 555-1234" in region.text
    assert '<span class="badge ok" data-status="delivered">delivered</span>' in region.text
    assert '<span class="badge danger" data-status="failed">failed</span>' in region.text
    assert "PermanentFailure: mailbox unavailable" in region.text
    assert "Booking confirmation" in region.text and "Your visit is booked" in region.text
    # Times in the organization's zone (12:00 UTC is 08:00 in New York).
    assert "Mon 1 Jun 2026, 05:00 EDT" in region.text and "America/New_York" in region.text
    page = browser.get(f"/patients/{clinic.patient.id}/messages")
    assert "<html" in page.text and "Messages with Cruz, Carla" in page.text


def test_reading_the_timeline_is_audited_with_the_patient(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)

    browser.get(f"/patients/{clinic.patient.id}/messages", headers=REGION)

    audited = rows(runtime, AuditEvent, AuditEvent.resource_type == "Communication")
    assert [(a.action, a.patient_id, a.outcome) for a in audited] == [
        ("read", clinic.patient.id, "success")
    ]


def test_a_coordinator_sends_a_message_that_waits_in_the_outbox(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)

    sent = browser.post(
        f"/patients/{clinic.patient.id}/messages",
        {"body": "Please bring your insurance card.", "channel": "email"},
        headers=REGION,
    )

    assert sent.status_code == 200 and "<html" not in sent.text
    assert "The message is queued" in sent.text
    assert "Please bring your insurance card." not in sent.text, "the form is emptied after sending"
    (queued,) = rows(runtime, OutboxMessage)
    assert (queued.topic, queued.status, queued.organization_id) == (
        "message.send",
        "pending",
        clinic.org.id,
    )
    assert queued.payload["note"] == "Please bring your insurance card."
    assert queued.payload["channels"] == ["email"]
    assert queued.payload["patient_id"] == str(clinic.patient.id)


def test_without_javascript_sending_redirects_to_the_messages_page(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)

    sent = browser.post(
        f"/patients/{clinic.patient.id}/messages", {"body": "See you soon.", "channel": ""}
    )

    assert sent.status_code == 303
    assert sent.headers["location"] == f"/patients/{clinic.patient.id}/messages?done=message-sent"
    (queued,) = rows(runtime, OutboxMessage)
    assert "channels" not in queued.payload, "automatic: the patient's consented channels"
    assert "is queued" in browser.get(sent.headers["location"]).text


def test_an_empty_message_or_an_unknown_channel_is_refused_next_to_the_field(
    signed_in, clinic, runtime
):
    browser = signed_in(clinic.org)

    empty = browser.post(
        f"/patients/{clinic.patient.id}/messages", {"body": "   ", "channel": ""}, headers=REGION
    )
    pigeon = browser.post(
        f"/patients/{clinic.patient.id}/messages",
        {"body": "Hello", "channel": "pigeon"},
        headers=REGION,
    )

    assert empty.status_code == 422
    assert 'id="f-body-error"' in empty.text and 'aria-invalid="true"' in empty.text
    assert "The message is required" in empty.text
    assert pigeon.status_code == 422 and 'id="message-channel-error"' in pigeon.text
    assert ">Hello</textarea>" in pigeon.text, "what was typed stays"
    assert rows(runtime, OutboxMessage) == []


def test_a_practitioner_reads_messages_but_cannot_send(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "practitioner")

    region = browser.get(f"/patients/{clinic.patient.id}/messages", headers=REGION)
    refused = browser.post(f"/patients/{clinic.patient.id}/messages", {"body": "Hi"})

    assert region.status_code == 200 and "Send message" not in region.text
    assert refused.status_code == 403
    assert rows(runtime, OutboxMessage) == []


def test_another_organizations_patient_messages_are_not_found(signed_in, clinic, make, runtime):
    communication(make, clinic.org, clinic.patient, body="Harbor secret wording")
    other = make.organization(name="Other Clinic")
    browser = signed_in(other)

    page = browser.get(f"/patients/{clinic.patient.id}/messages")
    sent = browser.post(f"/patients/{clinic.patient.id}/messages", {"body": "Hi"})

    assert page.status_code == 404 and "Harbor secret wording" not in page.text
    assert sent.status_code == 404
    assert rows(runtime, OutboxMessage) == []


# --- The outbox -----------------------------------------------------------------------


def test_an_admin_sees_dead_letters_with_safe_detail_and_retries_one(
    signed_in, clinic, make, runtime
):
    dead = outbox_row(make, clinic.org)
    outbox_row(
        make, clinic.org, status="pending", attempts=2, available_at=NOW + timedelta(minutes=5)
    )
    browser = signed_in(clinic.org, "admin")

    page = browser.get("/messaging/outbox")

    assert page.status_code == 200
    assert f'data-outbox-id="{dead.id}"' in page.text
    assert "message.send" in page.text and "(Message)" in page.text
    assert "TemporaryFailure: provider 503" in page.text
    assert "biopsy" not in page.text, "payloads (a message's text) are never shown"
    assert f'action="/messaging/outbox/{dead.id}/retry"' in page.text
    assert page.text.count('data-outbox-id="') == 1, "only the dead ones under the dead tab"
    assert 'href="/messaging/outbox?status=dead" aria-current="page"' in page.text
    waiting = browser.get("/messaging/outbox?status=pending")
    assert "Mon 1 Jun 2026, 08:05 EDT" in waiting.text and "Retry" not in waiting.text

    retried = browser.post(f"/messaging/outbox/{dead.id}/retry")

    assert retried.status_code == 303
    assert retried.headers["location"] == "/messaging/outbox?status=dead&done=retried"
    (again,) = rows(runtime, OutboxMessage, OutboxMessage.id == dead.id)
    assert (again.status, again.attempts, again.last_error) == ("pending", 0, None)
    audited = rows(runtime, AuditEvent, AuditEvent.resource_type == "OutboxMessage")
    assert [(a.action, a.resource_id) for a in audited] == [("execute", str(dead.id))]


def test_retrying_a_message_that_is_not_dead_is_a_conflict(signed_in, clinic, make, runtime):
    waiting = outbox_row(make, clinic.org, status="pending")
    browser = signed_in(clinic.org, "admin")

    refused = browser.post(f"/messaging/outbox/{waiting.id}/retry")

    assert refused.status_code == 409
    assert "Only a dead message can be retried" in refused.text and "Outbox of" in refused.text
    assert rows(runtime, OutboxMessage)[0].status == "pending"


def test_the_outbox_is_for_admins_of_the_organization_only(signed_in, clinic, make, runtime):
    theirs = make.organization(name="Other Clinic")
    their_dead = outbox_row(make, theirs, last_error="TemporaryFailure: theirs")
    mine = outbox_row(make, clinic.org)
    coordinator = signed_in(clinic.org)
    assert coordinator.get("/messaging/outbox").status_code == 403
    # The service answers a retry the caller may not make as if the row did not exist.
    assert coordinator.post(f"/messaging/outbox/{mine.id}/retry").status_code == 404
    assert "/messaging/outbox" not in coordinator.get("/messaging/settings").text

    admin = signed_in(clinic.org, "admin")
    page = admin.get("/messaging/outbox")
    refused = admin.post(f"/messaging/outbox/{their_dead.id}/retry")

    assert "theirs" not in page.text
    assert refused.status_code == 404
    assert rows(runtime, OutboxMessage, OutboxMessage.id == their_dead.id)[0].status == "dead"


# --- Settings and reminder policy -----------------------------------------------------


def test_durations_read_and_written_as_people_say_them():
    assert humane_list([120, 10080, 2880]) == "7 days, 2 days, 2 hours"
    assert humane(90) == "90 minutes" and humane(60) == "1 hour" and humane(1500) == "25 hours"
    assert parse_offsets("1 week, 2d, 1 day 12 hours, 90 min, 2 days") == (
        [10080, 2880, 2160, 90],
        None,
    )
    assert parse_offsets("  ") == ([], None)
    assert (
        parse_offsets("3 fortnights")[1]
        == "“fortnights” is not a unit: use minutes, hours, days or weeks"
    )
    assert (
        parse_offsets("soon")[1] == "“soon” is not a duration such as 2 days, 3 hours or 30 minutes"
    )


def test_an_admin_sets_the_texting_number_quiet_hours_and_waitlist_rhythm(
    signed_in, clinic, runtime
):
    browser = signed_in(clinic.org, "admin")
    page = browser.get("/messaging/settings")
    assert 'value="21:00"' in page.text and 'value="08:00"' in page.text
    assert (
        "7 days, 2 days, 2 hours" in page.text
        and f'href="/messaging/visit-types/{clinic.service.id}"' in page.text
    )

    saved = browser.post(
        "/messaging/settings",
        {
            "sms_number": "(617) 555-0100",
            "quiet_hours_start": "20:30",
            "quiet_hours_end": "07:45",
            "waitlist_batch_size": "5",
            "waitlist_round_minutes": "45",
        },
    )

    assert (
        saved.status_code == 303 and saved.headers["location"] == "/messaging/settings?done=saved"
    )
    (org,) = rows(runtime, Organization, Organization.id == clinic.org.id)
    assert (org.sms_number, org.quiet_hours_start, org.quiet_hours_end) == (
        "+16175550100",
        "20:30",
        "07:45",
    )
    assert (org.waitlist_batch_size, org.waitlist_round_minutes) == (5, 45)


def test_bad_settings_are_shown_on_their_fields_and_nothing_is_saved(
    signed_in, clinic, make, runtime
):
    other = make.organization(name="Other Clinic", sms_number="+16175550100")
    assert other.sms_number
    browser = signed_in(clinic.org, "admin")

    refused = browser.post(
        "/messaging/settings",
        {
            "sms_number": "",
            "quiet_hours_start": "25:00",
            "quiet_hours_end": "07:00",
            "waitlist_batch_size": "0",
            "waitlist_round_minutes": "45",
        },
    )
    taken = browser.post(
        "/messaging/settings",
        {
            "sms_number": "+1 617 555 0100",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "08:00",
            "waitlist_batch_size": "3",
            "waitlist_round_minutes": "30",
        },
    )

    assert refused.status_code == 422
    assert (
        'id="f-quiet_hours_start-error"' in refused.text and "must be a time of day" in refused.text
    )
    assert 'id="f-waitlist_batch_size-error"' in refused.text
    assert 'value="45"' in refused.text, "what was typed stays"
    assert taken.status_code == 422
    assert (
        'id="f-sms_number-error"' in taken.text
        and "Another organization already texts from this number" in taken.text
    )
    (org,) = rows(runtime, Organization, Organization.id == clinic.org.id)
    assert (org.sms_number, org.quiet_hours_start, org.waitlist_batch_size) == (None, "21:00", 3)


def test_a_coordinator_reads_the_settings_but_cannot_change_them(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)

    page = browser.get("/messaging/settings")
    refused = browser.post("/messaging/settings", {"quiet_hours_start": "20:00"})
    policy = browser.post(f"/messaging/visit-types/{clinic.service.id}", {"reminders": "1 day"})

    assert page.status_code == 200 and "only administrators change them" in page.text
    assert '<form method="post" action="/messaging/settings"' not in page.text
    assert refused.status_code == 403 and policy.status_code == 403
    (service,) = rows(runtime, HealthcareService, HealthcareService.id == clinic.service.id)
    assert service.reminder_offsets_minutes == [10080, 2880, 120]


def test_an_admin_edits_a_visit_types_reminders_in_words(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")
    form = browser.get(f"/messaging/visit-types/{clinic.service.id}")
    assert 'value="7 days, 2 days, 2 hours"' in form.text

    saved = browser.post(
        f"/messaging/visit-types/{clinic.service.id}",
        {
            "reminders": "1 week, 1 day, 90 minutes",
            "follow_up_hours": "24",
            "backfill_min_hours": "4",
        },
    )

    assert saved.status_code == 303
    (service,) = rows(runtime, HealthcareService, HealthcareService.id == clinic.service.id)
    assert service.reminder_offsets_minutes == [10080, 1440, 90]
    assert (
        service.follow_up_hours,
        service.backfill_min_hours,
        service.same_day_backfill_urgent_only,
    ) == (24, 4, False)
    assert 'value="7 days, 1 day, 90 minutes"' in browser.get(saved.headers["location"]).text

    cleared = browser.post(
        f"/messaging/visit-types/{clinic.service.id}",
        {
            "reminders": "",
            "follow_up_hours": "",
            "backfill_min_hours": "2",
            "same_day_backfill_urgent_only": "on",
        },
    )
    assert cleared.status_code == 303
    (service,) = rows(runtime, HealthcareService, HealthcareService.id == clinic.service.id)
    assert (
        service.reminder_offsets_minutes,
        service.follow_up_hours,
        service.same_day_backfill_urgent_only,
    ) == ([], None, True)


def test_reminders_out_of_range_or_unreadable_are_explained(signed_in, clinic, make, runtime):
    browser = signed_in(clinic.org, "admin")
    url = f"/messaging/visit-types/{clinic.service.id}"

    unreadable = browser.post(url, {"reminders": "2 days, 3 fortnights", "backfill_min_hours": "2"})
    too_close = browser.post(url, {"reminders": "2 days, 10 minutes", "backfill_min_hours": "2"})
    too_many = browser.post(
        url, {"reminders": "1d, 2d, 3d, 4d, 5d, 6d, 7d", "backfill_min_hours": "-1"}
    )

    assert unreadable.status_code == 422 and "“fortnights” is not a unit" in unreadable.text
    assert 'value="2 days, 3 fortnights"' in unreadable.text
    assert too_close.status_code == 422
    assert (
        "10 minutes is out of range: each reminder goes out between 15 minutes and 60 days"
        in too_close.text
    )
    assert (
        too_many.status_code == 422 and "Reminders before the visit are at most 6" in too_many.text
    )
    assert 'id="f-backfill_min_hours-error"' in too_many.text
    (service,) = rows(runtime, HealthcareService, HealthcareService.id == clinic.service.id)
    assert service.reminder_offsets_minutes == [10080, 2880, 120]
    theirs = make.service(make.organization(name="Other Clinic"))
    assert browser.get(f"/messaging/visit-types/{theirs.id}").status_code == 404
    assert (
        browser.post(
            f"/messaging/visit-types/{theirs.id}", {"reminders": "1 day", "backfill_min_hours": "2"}
        ).status_code
        == 404
    )


# --- Message wording ------------------------------------------------------------------


def test_the_wording_list_shows_defaults_and_the_organizations_own(signed_in, clinic, make):
    make._save(
        MessageTemplate(
            organization_id=clinic.org.id,
            kind="reminder",
            channel="sms",
            language="en",
            body="{{ org_name }}: see you {{ when }}",
            updated_at=NOW,
        )
    )
    browser = signed_in(clinic.org, "admin")

    page = browser.get("/messaging/templates?kind=reminder")

    assert page.status_code == 200
    assert "1 of 66 use Harbor Family Health" in page.text
    assert page.text.count('href="/messaging/templates/reminder/') == 4
    row = re.search(r'href="/messaging/templates/reminder/sms/en">.*?</tr>', page.text, re.S)
    assert row and "customized" in row.group(0) and "see you" in row.group(0)
    assert "default" in re.search(
        r'href="/messaging/templates/reminder/sms/es">.*?</tr>', page.text, re.S
    ).group(0)  # type: ignore[union-attr]


def test_the_preview_renders_as_you_type_and_names_an_unknown_variable(signed_in, clinic):
    browser = signed_in(clinic.org, "admin")
    url = "/messaging/templates/reminder/sms/en"
    editor = browser.get(url)
    assert editor.status_code == 200
    assert (
        'hx-post="/messaging/templates/reminder/sms/en/preview" hx-trigger="input changed delay:400ms"'
        in editor.text
    )
    assert 'name="subject"' not in editor.text, "a text message has no subject"
    assert "Harbor Family Health: Hi Maria, reminder of your visit" in editor.text

    shown = browser.post(
        f"{url}/preview",
        {"body": "{{ org_name }}: hi {{ first_name }}, see you {{ when }}"},
        headers=PREVIEW,
    )
    unknown = browser.post(
        f"{url}/preview", {"body": "Hi {{ first_name }}, your {{ visit_type }}"}, headers=PREVIEW
    )

    assert shown.status_code == 200 and "<html" not in shown.text
    assert "Harbor Family Health: hi Maria, see you Tue, Jun 2 at 9:00 AM EDT" in shown.text
    assert "characters with the sample data" in shown.text
    assert unknown.status_code == 422
    assert "&#39;visit_type&#39; is undefined" in unknown.text
    # The problem also lands next to the text field, swapped out of band.
    assert re.search(
        r'<div id="f-body-problem" hx-swap-oob="innerHTML">The text uses a variable this channel does not have',
        unknown.text,
    )


def test_saving_an_unknown_variable_is_refused_next_to_the_field(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")

    refused = browser.post(
        "/messaging/templates/reminder/sms/en", {"body": "Your {{ practitioner }} visit"}
    )

    assert refused.status_code == 422 and "<html" in refused.text
    problem = re.search(r'<div id="f-body-problem"[^>]*>([^<]*)</div>', refused.text)
    assert problem and "The text uses a variable this channel does not have" in problem.group(1)
    assert 'aria-describedby="f-body-hint f-body-problem" aria-invalid="true"' in refused.text
    assert "Your {{ practitioner }} visit</textarea>" in refused.text
    assert rows(runtime, MessageTemplate) == []


def test_an_admin_saves_and_resets_the_wording(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")
    url = "/messaging/templates/confirmation/email/es"

    saved = browser.post(
        url, {"subject": "Cita {{ when }}", "body": "Hola {{ first_name }}, su {{ visit_type }}."}
    )

    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?done=template-saved"
    (stored,) = rows(runtime, MessageTemplate)
    assert (stored.kind, stored.channel, stored.language, stored.subject) == (
        "confirmation",
        "email",
        "es",
        "Cita {{ when }}",
    )
    page = browser.get(saved.headers["location"])
    assert (
        "Harbor Family Health's own wording" in page.text
        and "Hola Maria, su Follow-up visit." in page.text
    )
    assert f'action="{url}/reset"' in page.text

    reset = browser.post(f"{url}/reset")

    assert reset.status_code == 303 and rows(runtime, MessageTemplate) == []
    assert "Liaison's default" in browser.get(url).text


def test_wording_is_read_by_everyone_and_changed_by_admins(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    url = "/messaging/templates/reminder/sms/en"

    page = browser.get(url)
    refused = browser.post(url, {"body": "{{ org_name }}"})
    reset = browser.post(f"{url}/reset")

    assert page.status_code == 200 and "Only administrators change the wording." in page.text
    assert refused.status_code == 403 and reset.status_code == 403
    assert browser.get("/messaging/templates/reminder/fax/en").status_code == 404
    assert browser.get("/messaging/templates/gossip/sms/en").status_code == 404
    assert rows(runtime, MessageTemplate) == []


def test_another_organizations_wording_stays_theirs(signed_in, clinic, make, runtime):
    other = make.organization(name="Other Clinic")
    make._save(
        MessageTemplate(
            organization_id=other.id,
            kind="recall",
            channel="sms",
            language="en",
            body="Other Clinic private wording {{ first_name }}",
            updated_at=NOW,
        )
    )
    browser = signed_in(clinic.org, "admin")

    page = browser.get("/messaging/templates/recall/sms/en")
    browser.post("/messaging/templates/recall/sms/en/reset")

    assert "private wording" not in page.text and "Liaison's default" in page.text
    assert len(rows(runtime, MessageTemplate, MessageTemplate.organization_id == other.id)) == 1


# --- The waitlist board ---------------------------------------------------------------


def _add(browser, clinic, patient=None, **extra):  # type: ignore[no-untyped-def]
    form = {
        "patient_id": str((patient or clinic.patient).id),
        "healthcare_service_id": str(clinic.service.id),
        "priority": "routine",
        **extra,
    }
    return browser.post("/waitlist/new", form)


def _offer_a_freed_time(runtime, clinic, start):  # type: ignore[no-untyped-def]
    with unit_of_work(
        runtime.db, principal=system_principal(), audit_key=runtime.audit_key, runtime=runtime
    ) as ctx:
        return waitlist_service.backfill(
            ctx,
            organization_id=clinic.org.id,
            service_id=clinic.service.id,
            role_id=clinic.roles[0].id,
            start=start,
        )


def test_a_coordinator_adds_a_patient_with_their_wishes(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    form = browser.get(f"/waitlist/new?patient_id={clinic.patient.id}")
    assert form.status_code == 200 and "Add Cruz, Carla to the waitlist" in form.text
    assert f'value="{clinic.practitioners[1].id}"' in form.text and "Follow-up" in form.text

    added = _add(
        browser,
        clinic,
        priority="urgent",
        earliest_date="2026-06-02",
        latest_date="2026-06-30",
        **{
            "times_of_day-0-start": "08:00",
            "times_of_day-0-end": "12:00",
            "practitioner_ids": str(clinic.practitioners[1].id),
            "reason": "Pain getting worse",
            "expires_on": "2026-06-30",
        },
    )

    assert added.status_code == 303 and added.headers["location"] == "/waitlist?done=waitlist-added"
    (entry,) = rows(runtime, WaitlistEntry)
    assert (entry.patient_id, entry.priority, entry.status) == (
        clinic.patient.id,
        "urgent",
        "active",
    )
    assert entry.times_of_day == [{"start": "08:00", "end": "12:00"}]
    assert entry.practitioner_ids == [str(clinic.practitioners[1].id)]
    assert entry.expires_at == local(date(2026, 7, 1), 0)  # the end of June 30 in New York
    board = browser.get(added.headers["location"])
    row = re.search(rf'<tr data-entry="{entry.id}">.*?</tr>', board.text, re.S)
    assert row is not None
    for expected in (
        "Cruz, Carla",
        "Pain getting worse",
        "Follow-up",
        "from 2026-06-02 until 2026-06-30",
        "08:00\u201312:00",
        "urgent",
        "0 days",
    ):
        assert expected in row.group(0), expected
    assert 'data-metric="entries_active">1<' in board.text


def test_the_board_counts_the_days_waited(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    _add(browser, clinic)
    clock.advance(timedelta(days=9))
    browser = signed_in(clinic.org)  # the first session has idled out meanwhile

    board = browser.get("/waitlist")

    assert "9 days" in board.text and "any date" in board.text and "any time" in board.text


def test_bad_wishes_are_shown_next_to_their_fields_and_nothing_is_stored(
    signed_in, clinic, runtime
):
    browser = signed_in(clinic.org)

    refused = _add(
        browser,
        clinic,
        healthcare_service_id="",
        earliest_date="2026-06-20",
        latest_date="2026-06-10",
        **{"times_of_day-1-start": "14:00", "times_of_day-0-start": "", "expires_on": "soon"},
    )
    backwards = _add(
        browser, clinic, **{"times_of_day-0-start": "12:00", "times_of_day-0-end": "09:00"}
    )

    assert refused.status_code == 422
    for name in ("healthcare_service_id", "latest_date", "times_of_day-1-end", "expires_on"):
        assert f'id="f-{name}-error"' in refused.text, name
    assert "Give the end time too" in refused.text and 'value="2026-06-20"' in refused.text
    assert backwards.status_code == 422 and 'id="f-times_of_day-0-end-error"' in backwards.text
    assert rows(runtime, WaitlistEntry) == []


def test_offers_and_their_outcomes_and_the_metrics(signed_in, clinic, make, runtime):
    browser = signed_in(clinic.org)
    ann, bob = (
        make.patient(clinic.org, given_name="Ann", family_name="Archer"),
        make.patient(clinic.org, given_name="Bob", family_name="Baker"),
    )
    _add(browser, clinic, ann)
    _add(browser, clinic, bob)
    first = _offer_a_freed_time(runtime, clinic, local(THURSDAY, 9))
    assert {o.patient_id for o in first} == {ann.id, bob.id}
    by_patient = {o.patient_id: o for o in first}
    coordinator = make.user(clinic.org, "coordinator")
    from liaison.auth import service as auth_service
    from liaison.models import User

    with runtime.db.session() as session:
        principal = auth_service.principal_for(session, session.get(User, coordinator.id))
    with unit_of_work(
        runtime.db, principal=principal, audit_key=runtime.audit_key, runtime=runtime
    ) as ctx:
        waitlist_service.accept_offer(ctx, by_patient[ann.id].id)

    board = browser.get("/waitlist")

    assert board.status_code == 200
    offers = re.findall(r'<tr data-offer="([^"]+)">(.*?)</tr>', board.text, re.S)
    outcomes = {re.search(r'data-outcome="(\w+)"', html).group(1): html for _, html in offers}  # type: ignore[union-attr]
    assert set(outcomes) == {"accepted", "taken"}
    assert "Archer, Ann" in outcomes["accepted"] and "Baker, Bob" in outcomes["taken"]
    assert (
        "Thu 4 Jun 2026, 09:00 EDT" in outcomes["accepted"] and "Ann Adams" in outcomes["accepted"]
    )
    assert (
        'data-metric="offers_sent">2<' in board.text
        and 'data-metric="offers_accepted">1<' in board.text
    )
    assert (
        'data-metric="slots_filled">1<' in board.text
        and 'data-metric="entries_active">1<' in board.text
    )
    (bob_entry,) = rows(runtime, WaitlistEntry, WaitlistEntry.patient_id == bob.id)
    entry_page = browser.get(f"/waitlist/entries/{bob_entry.id}")
    assert (
        entry_page.status_code == 200
        and "taken by another" in entry_page.text
        and "Offers (1)" in entry_page.text
    )


def test_a_coordinator_answers_an_offer_for_the_patient_who_called(
    signed_in, clinic, make, runtime
):
    browser = signed_in(clinic.org)
    ann, bob = (
        make.patient(clinic.org, given_name="Ann", family_name="Archer"),
        make.patient(clinic.org, given_name="Bob", family_name="Baker"),
    )
    _add(browser, clinic, ann)
    _add(browser, clinic, bob)
    by_patient = {o.patient_id: o for o in _offer_a_freed_time(runtime, clinic, local(THURSDAY, 9))}
    board = browser.get("/waitlist")
    assert f'action="/waitlist/offers/{by_patient[ann.id].id}/accept"' in board.text

    declined = browser.post(f"/waitlist/offers/{by_patient[bob.id].id}/decline")
    taken = browser.post(f"/waitlist/offers/{by_patient[ann.id].id}/accept")
    too_late = browser.post(f"/waitlist/offers/{by_patient[bob.id].id}/accept")

    (ann_entry,) = rows(runtime, WaitlistEntry, WaitlistEntry.patient_id == ann.id)
    (bob_entry,) = rows(runtime, WaitlistEntry, WaitlistEntry.patient_id == bob.id)
    assert declined.status_code == 303
    assert declined.headers["location"] == f"/waitlist/entries/{bob_entry.id}?done=offer-declined"
    assert taken.status_code == 303
    assert taken.headers["location"] == f"/waitlist/entries/{ann_entry.id}?done=offer-accepted"
    assert (ann_entry.status, bob_entry.status) == ("booked", "active")
    assert too_late.status_code == 409 and "Nothing was changed" in too_late.text
    assert "The patient has the time" in browser.get(taken.headers["location"]).text
    assert browser.post(f"/waitlist/offers/{by_patient[ann.id].id}/maybe").status_code == 404


def test_only_those_who_book_answer_offers_and_never_another_organizations(
    signed_in, clinic, make, runtime
):
    _add(signed_in(clinic.org), clinic)
    (offer,) = _offer_a_freed_time(runtime, clinic, local(THURSDAY, 9))
    practitioner = signed_in(clinic.org, "practitioner")
    other = make.organization(name="Other Clinic")
    stranger = signed_in(other, "admin")

    assert "Take it" not in practitioner.get("/waitlist").text
    # Refused either way (the offer is not theirs to see, or not theirs to change).
    assert practitioner.post(f"/waitlist/offers/{offer.id}/accept").status_code in (403, 404)
    assert practitioner.post(f"/waitlist/offers/{offer.id}/decline").status_code in (403, 404)
    assert stranger.post(f"/waitlist/offers/{offer.id}/accept").status_code == 404
    assert stranger.post(f"/waitlist/offers/{offer.id}/decline").status_code == 404
    assert rows(runtime, WaitlistEntry)[0].status == "active"
    assert {o.status for o in rows(runtime, WaitlistOffer)} == {"sent"}


def test_taking_a_patient_off_the_waitlist(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    _add(browser, clinic)
    (entry,) = rows(runtime, WaitlistEntry)

    taken_off = browser.post(f"/waitlist/entries/{entry.id}/cancel")
    again = browser.post(f"/waitlist/entries/{entry.id}/cancel")

    assert (
        taken_off.status_code == 303
        and taken_off.headers["location"] == "/waitlist?done=waitlist-cancelled"
    )
    assert rows(runtime, WaitlistEntry)[0].status == "cancelled"
    assert "Nobody is waiting." in browser.get("/waitlist").text
    assert again.status_code == 409 and "The entry is cancelled" in again.text


def test_the_board_finds_the_patient_to_add(signed_in, clinic):
    browser = signed_in(clinic.org)

    found = browser.get(
        "/waitlist/patients?q=cruz", headers={"HX-Request": "true", "HX-Target": "found-patients"}
    )
    nobody = browser.get(
        "/waitlist/patients?q=zzyzx", headers={"HX-Request": "true", "HX-Target": "found-patients"}
    )

    assert found.status_code == 200 and "<html" not in found.text
    assert f'href="/waitlist/new?patient_id={clinic.patient.id}">Add Cruz, Carla</a>' in found.text
    assert "No patient in Harbor Family Health matches" in nobody.text
    assert 'hx-get="/waitlist/patients"' in browser.get("/waitlist").text


def test_a_practitioner_sees_the_board_but_cannot_change_it(signed_in, clinic, runtime):
    _add(signed_in(clinic.org), clinic)
    (entry,) = rows(runtime, WaitlistEntry)
    browser = signed_in(clinic.org, "practitioner")

    board = browser.get("/waitlist")

    assert board.status_code == 200 and "Cruz, Carla" in board.text
    assert "Take off" not in board.text and "Find the patient to add" not in board.text
    assert browser.post(f"/waitlist/entries/{entry.id}/cancel").status_code == 403
    assert _add(browser, clinic).status_code == 403
    assert rows(runtime, WaitlistEntry)[0].status == "active"


def test_another_organizations_waitlist_is_not_found(signed_in, clinic, make, runtime):
    _add(signed_in(clinic.org), clinic, reason="Harbor private reason")
    (entry,) = rows(runtime, WaitlistEntry)
    other = make.organization(name="Other Clinic")
    stranger = make.service(other)
    browser = signed_in(other)

    board = browser.get("/waitlist")

    assert (
        board.status_code == 200
        and "Cruz" not in board.text
        and "Harbor private reason" not in board.text
    )
    assert browser.get(f"/waitlist/entries/{entry.id}").status_code == 404
    assert browser.post(f"/waitlist/entries/{entry.id}/cancel").status_code == 404
    assert browser.get(f"/waitlist/new?patient_id={clinic.patient.id}").status_code == 404
    smuggled = browser.post(
        "/waitlist/new",
        {"patient_id": str(clinic.patient.id), "healthcare_service_id": str(stranger.id)},
    )
    assert smuggled.status_code == 404
    assert [(e.id, e.status) for e in rows(runtime, WaitlistEntry)] == [(entry.id, "active")]


# --- Navigation -----------------------------------------------------------------------


def test_the_navigation_offers_the_waitlist_and_messaging_to_those_who_use_them(signed_in, clinic):
    coordinator = signed_in(clinic.org).get("/waitlist").text
    assert 'href="/waitlist" aria-current="page" accesskey="w">Waitlist<' in coordinator
    assert 'href="/messaging/settings"' not in coordinator

    admin = signed_in(clinic.org, "admin").get("/messaging/outbox").text
    assert 'href="/messaging/settings" aria-current="page">Messaging<' in admin
    assert 'href="/messaging/outbox" aria-current="page">Outbox<' in admin
