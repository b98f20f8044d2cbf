"""Messaging and the waitlist in a real browser: an administrator edits a message's
wording and watches the preview follow the typing (an unknown variable is named next
to the field), a coordinator sends a patient a message from the record, and works the
waitlist board from the keyboard. axe-core checks each page; screenshots of the board
and the wording editor go to docs/screenshots/, the rest to test-artifacts/.

Uses test_browser.py's live server and chromium fixtures (skipped without chromium,
unless LIAISON_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from liaison.authz.principal import system_principal
from liaison.context import unit_of_work
from liaison.models import Communication, OutboxMessage, WaitlistEntry
from liaison.waitlist import service as waitlist_service
from tests.scheduling.conftest import NOW, local
from tests.web.test_browser import ARTIFACTS, ROOT, _serious_violations, chromium, server  # noqa: F401
from tests.web.test_browser_scheduling import DESKTOP, PHONE, _fits_the_phone, _sign_in

SCREENSHOTS = ROOT / "docs" / "screenshots"


def _console_csp(page) -> list[str]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    return errors


@pytest.mark.browser
def test_an_admin_edits_the_wording_and_the_preview_follows(server, chromium, clinic, make):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin = make.user(clinic.org, "admin")
    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    page = desktop.new_page()
    csp_errors = _console_csp(page)
    _sign_in(page, admin.email)

    page.get_by_role("link", name="Messaging").click()
    expect(page.get_by_role("heading", name="Reminders and quiet hours")).to_be_visible()
    expect(page.locator("tr", has=page.get_by_role("link", name="Follow-up"))).to_contain_text(
        "7 days, 2 days, 2 hours"
    )
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "messaging-settings-desktop.png", full_page=True)
    page.get_by_role("link", name="Follow-up").click()
    page.get_by_label("Reminders before the visit").fill("3 days, 2 hours, 5 minutes")
    page.get_by_role("button", name="Save policy").click()
    expect(page.locator("#f-reminders-error")).to_contain_text("5 minutes is out of range")
    assert _serious_violations(page) == []
    page.get_by_label("Reminders before the visit").fill("3 days, 2 hours")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("status")).to_have_text("Your changes were saved.")
    page.get_by_role("link", name="Reminders and quiet hours").first.click()
    expect(page.locator("tr", has=page.get_by_role("link", name="Follow-up"))).to_contain_text(
        "3 days, 2 hours"
    )

    # The outbox: a dead letter with its safe error, retried.
    make._save(
        OutboxMessage(
            organization_id=clinic.org.id,
            topic="message.send",
            payload={"kind": "reminder"},
            status="dead",
            idempotency_key="browser:dead",
            attempts=8,
            available_at=NOW,
            created_at=NOW - timedelta(hours=3),
            last_error="TemporaryFailure: HTTP 503 from the SMS provider",
        )
    )
    page.get_by_role("navigation", name="Messaging pages").get_by_role(
        "link", name="Outbox"
    ).click()
    expect(page.get_by_role("table")).to_contain_text(
        "TemporaryFailure: HTTP 503 from the SMS provider"
    )
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "outbox-desktop.png", full_page=True)
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status")).to_have_text(
        "The message is queued again; the worker retries it now."
    )
    expect(page.get_by_text("No message has failed for good.")).to_be_visible()
    page.get_by_role("navigation", name="Messaging pages").get_by_role(
        "link", name="Message wording"
    ).click()
    page.get_by_label("Message", exact=True).select_option(label="Appointment reminder")
    page.get_by_label("Channel").select_option(label="Text message")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Appointment reminder by Text message in English").click()
    expect(page.get_by_role("heading", name="Appointment reminder")).to_be_visible()
    preview = page.locator("#template-preview")
    expect(preview).to_contain_text("Harbor Family Health: Hi Maria, reminder of your visit")

    # Typing a variable a text may not carry: the problem appears next to the field.
    body = page.get_by_label("Text")
    body.fill("{{ org_name }}: {{ first_name }}, your {{ visit_type }} is {{ when }}.")
    expect(page.locator("#f-body-problem")).to_contain_text("'visit_type' is undefined")
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(preview).to_contain_text("The preview cannot be shown")

    # Fixed: the preview follows, the problem and the mark go away.
    body.fill(
        "{{ org_name }}: {{ first_name }}, see you {{ when }} at {{ place }}. Reply C to confirm."
    )
    expect(preview).to_contain_text(
        "Harbor Family Health: Maria, see you Tue, Jun 2 at 9:00 AM EDT at Harbor Main."
    )
    expect(page.locator("#f-body-problem")).to_be_empty()
    expect(body).not_to_have_attribute("aria-invalid", "true")
    expect(body).to_be_focused()  # the preview never takes the typist's place
    assert _serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "template-editor.png", full_page=True)

    page.get_by_role("button", name="Save wording").click()
    expect(page.get_by_role("status")).to_have_text(
        "The wording was saved; messages from now on use it."
    )
    expect(page.get_by_text("Harbor Family Health's own wording")).to_be_visible()
    page.get_by_role("button", name="Reset to Liaison's default").click()
    expect(page.get_by_role("status")).to_have_text("The wording is back to Liaison's default.")
    assert csp_errors == []

    phone = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=server,
        storage_state=desktop.storage_state(),
    )
    small = phone.new_page()
    small.goto("/messaging/templates/reminder/email/en")
    expect(small.locator("#template-preview")).to_contain_text("Reminder: your visit")
    assert _fits_the_phone(small), "the wording editor scrolls sideways at phone width"
    small.screenshot(path=ARTIFACTS / "template-editor-phone.png", full_page=True)
    phone.close()
    desktop.close()


def _waiting_patients(make, clinic, runtime):  # type: ignore[no-untyped-def]
    """Three patients waiting for some days, and a freed Thursday time offered to two."""
    dora = make.patient(clinic.org, given_name="Dora", family_name="Diaz")
    eli = make.patient(clinic.org, given_name="Eli", family_name="Evans")
    fay = make.patient(clinic.org, given_name="Fay", family_name="Fischer")
    make._save(
        WaitlistEntry(
            organization_id=clinic.org.id,
            patient_id=dora.id,
            healthcare_service_id=clinic.service.id,
            priority="urgent",
            reason="Pain getting worse",
            created_at=NOW - timedelta(days=6),
        ),
        WaitlistEntry(
            organization_id=clinic.org.id,
            patient_id=eli.id,
            healthcare_service_id=clinic.service.id,
            times_of_day=[{"start": "08:00", "end": "12:00"}],
            earliest_date=date(2026, 6, 2),
            latest_date=date(2026, 6, 19),
            created_at=NOW - timedelta(days=12),
        ),
        WaitlistEntry(
            organization_id=clinic.org.id,
            patient_id=fay.id,
            healthcare_service_id=clinic.service.id,
            times_of_day=[{"start": "14:00", "end": "17:00"}],
            created_at=NOW - timedelta(days=2),
        ),
    )
    with unit_of_work(
        runtime.db, principal=system_principal(), audit_key=runtime.audit_key, runtime=runtime
    ) as ctx:
        offers = waitlist_service.backfill(
            ctx,
            organization_id=clinic.org.id,
            service_id=clinic.service.id,
            role_id=clinic.roles[0].id,
            start=local(date(2026, 6, 4), 9),
        )
        waitlist_service.decline_offer(ctx, next(o.id for o in offers if o.patient_id == eli.id))


@pytest.mark.browser
def test_a_coordinator_works_the_waitlist_and_messages_a_patient(
    server, chromium, clinic, make, runtime
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _waiting_patients(make, clinic, runtime)
    make._save(
        Communication(
            organization_id=clinic.org.id,
            patient_id=clinic.patient.id,
            channel="sms",
            direction="outbound",
            kind="reminder",
            status="delivered",
            to_address="+16175551234",
            body="Harbor Family Health: Hola Carla, le recordamos su cita el mar 2 jun, 09:00 EDT.",
            created_at=NOW - timedelta(hours=20),
            delivered_at=NOW - timedelta(hours=20),
        ),
        Communication(
            organization_id=clinic.org.id,
            patient_id=clinic.patient.id,
            channel="sms",
            direction="inbound",
            kind="message",
            status="received",
            from_address="+16175551234",
            body="¿Puedo ir más temprano?",
            created_at=NOW - timedelta(hours=19),
        ),
    )
    coordinator = make.user(clinic.org, "coordinator")
    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    page = desktop.new_page()
    csp_errors = _console_csp(page)
    _sign_in(page, coordinator.email)

    # The record's messages: the reply stands apart; a message goes out from the desk.
    page.goto(f"/patients/{clinic.patient.id}")
    messages = page.locator("#messages")
    expect(messages.locator("li.msg-in")).to_contain_text("¿Puedo ir más temprano?")
    expect(messages.locator("li.msg-out")).to_contain_text("delivered")
    page.get_by_label("Message to Carla").fill(
        "Sí, le llamamos hoy para darle una hora más temprana."
    )
    page.get_by_label("Send by").select_option("sms")
    page.get_by_role("button", name="Send message").click()
    expect(messages.get_by_role("status")).to_contain_text("The message is queued")
    expect(messages.get_by_role("status")).to_be_focused()
    expect(page.get_by_label("Message to Carla")).to_have_value("")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "patient-messages-desktop.png", full_page=True)

    # The board, then Carla added from its search, all from the keyboard.
    page.get_by_role("link", name="Waitlist").click()
    expect(page.get_by_role("heading", name="Waitlist of Harbor Family Health")).to_be_visible()
    expect(page.locator('[data-metric="offers_sent"]')).to_have_text("2")
    waiting = page.get_by_role("table").first
    expect(waiting.get_by_role("row").nth(1)).to_contain_text("Diaz, Dora")  # urgent first
    expect(waiting.get_by_role("row", name="Evans, Eli")).to_contain_text("12 days")
    offers = page.locator("[data-offer]")
    expect(offers).to_have_count(2)
    expect(page.locator('[data-outcome="declined"]')).to_have_count(1)
    expect(page.locator('[data-outcome="sent"]')).to_have_text("offered")
    page.locator("body").press("/")
    expect(page.get_by_label("Find the patient to add")).to_be_focused()
    page.keyboard.type("cruz")
    add = page.get_by_role("link", name="Add Cruz, Carla")
    expect(add).to_be_visible()
    add.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Add Cruz, Carla to the waitlist")).to_be_visible()
    page.get_by_label("Visit type").select_option(label="Follow-up")
    page.get_by_label("Times of day 1 from").fill("08:00")
    page.get_by_label("Times of day 1 until").fill("12:00")
    page.get_by_label("Not before").fill("2026-06-20")
    page.get_by_label("Not after").fill("2026-06-10")
    page.get_by_role("button", name="Add to the waitlist").click()
    expect(page.get_by_role("alert")).to_contain_text("One problem needs your attention")
    expect(page.locator("#f-latest_date-error")).to_contain_text("must not be before earliest_date")
    assert _serious_violations(page) == []
    page.get_by_label("Not after").fill("2026-06-30")
    page.get_by_role("button", name="Add to the waitlist").click()
    expect(page.get_by_role("status")).to_have_text("The patient is on the waitlist.")
    expect(page.get_by_role("row", name="Cruz, Carla")).to_contain_text("08:00\u201312:00")
    expect(page.locator('[data-metric="entries_active"]')).to_have_text("4")
    assert _serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "waitlist-board.png", full_page=True)

    page.get_by_role("button", name="Take off Fischer, Fay").click()
    expect(page.get_by_role("status")).to_have_text("The patient was taken off the waitlist.")
    expect(page.get_by_role("table").first).not_to_contain_text("Fischer")
    assert csp_errors == []

    phone = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=server,
        storage_state=desktop.storage_state(),
    )
    small = phone.new_page()
    small.goto("/waitlist")
    expect(small.get_by_role("heading", name="Waitlist of Harbor Family Health")).to_be_visible()
    assert _fits_the_phone(small), "the waitlist board scrolls sideways at phone width"
    small.screenshot(path=ARTIFACTS / "waitlist-phone.png", full_page=True)
    phone.close()
    desktop.close()
