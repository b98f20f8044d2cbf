"""Portal messages in a real browser: a patient reads the conversation with their care
team, sends a message with a photo and sees it in the thread, and is told clearly
(focus on the summary) when a file is refused. axe-core checks the page in each state;
phone (390x844) and desktop screenshots go to test-artifacts/, the phone one also to
docs/screenshots/.

Uses test_browser.py's live server and chromium fixtures (skipped without chromium,
unless LIAISON_REQUIRE_BROWSER=1). The patient's session is started the way the
portal's sign-in starts one (tests/portal/conftest.py), then handed to the browser.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from liaison.auth import service as auth_service
from liaison.auth.dependencies import SESSION_COOKIE
from liaison.kit import clock
from liaison.models import Communication, User
from tests.portal.conftest import portal_user  # noqa: F401 - fixture
from tests.portal.test_messages import png
from tests.web.test_browser import ARTIFACTS, ROOT, _serious_violations, chromium, server  # noqa: F401
from tests.web.test_browser_scheduling import DESKTOP, PHONE, _fits_the_phone

SCREENSHOTS = ROOT / "docs" / "screenshots"


def _session_for(runtime, user) -> str:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        token, _ = auth_service.start_session(
            session,
            runtime.settings,
            session.get(User, user.id),
            client_ip="127.0.0.1",
            user_agent="playwright",
            organization_id=None,
        )
    return token


def _scene(make, portal_user):  # type: ignore[no-untyped-def]
    org = make.organization(name="Riverside Family Clinic", time_zone="America/Chicago")
    with make.runtime.db.session() as session:
        from liaison.models import Organization

        session.get(Organization, org.id).phone = "+13125550100"
    maria = make.patient(
        org, given_name="Maria", family_name="Garcia", preferred_language="en", phone="+13125550143"
    )
    earlier = clock.now() - timedelta(days=1, hours=3)
    make._save(
        Communication(
            organization_id=org.id,
            patient_id=maria.id,
            channel="portal",
            direction="inbound",
            kind="message",
            status="received",
            from_address="portal:self",
            subject="Blood pressure",
            body="My home readings have been around 150/95 this week. Should I come in?",
            created_at=earlier,
            sent_at=earlier,
        ),
        Communication(
            organization_id=org.id,
            patient_id=maria.id,
            channel="portal",
            direction="outbound",
            kind="message",
            status="delivered",
            to_address="portal",
            body="Hello Maria,\n\nThanks for the readings. Dr. Okafor would like to see you "
            "this week; we can book Thursday at 10:00.\n\nRiverside Family Clinic",
            created_at=earlier + timedelta(hours=2),
            sent_at=earlier + timedelta(hours=2),
            delivered_at=earlier + timedelta(hours=2),
        ),
    )
    return maria, portal_user(maria)


@pytest.mark.browser
def test_a_patient_sends_a_photo_and_sees_it_in_the_thread(
    server, chromium, make, portal_user, tmp_path
):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _, user = _scene(make, portal_user)
    token = _session_for(make.runtime, user)
    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    desktop.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": server}])
    page = desktop.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto("/portal/messages")
    expect(page.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    expect(page.locator(".pm-thread")).to_contain_text("Dr. Okafor would like to see you")
    assert _serious_violations(page) == []

    # A refused file: the summary names it and takes the focus; the words stay.
    page.get_by_label("Your message").fill("Here is the photo of the rash on my arm.")
    page.get_by_label("Attach files (optional)").set_input_files(
        [{"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"just some text"}]
    )
    page.get_by_role("button", name="Send message").click()
    summary = page.locator("#pm-errors")
    expect(summary).to_contain_text("“notes.pdf” is not a photo (PNG, JPEG, GIF, WebP) or a PDF.")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Your message")).to_have_value(
        "Here is the photo of the rash on my arm."
    )
    expect(page.get_by_label("Attach files (optional)")).to_have_attribute("aria-invalid", "true")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "portal-messages-refused-desktop.png", full_page=True)

    # The photo goes; the thread shows it.
    photo = tmp_path / "rash.png"
    photo.write_bytes(png(24, 16))
    page.get_by_label("Attach files (optional)").set_input_files(str(photo))
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your message was sent. Your care team will answer here."
    )
    newest = page.locator(".pm-thread > li").last
    expect(newest).to_contain_text("Here is the photo of the rash on my arm.")
    expect(newest.get_by_role("link", name="rash.png")).to_be_visible()
    # decode() waits for the image to load (it may still be loading when the text shows).
    thumb = newest.locator("img.pm-thumb")
    assert thumb.evaluate("img => img.decode().then(() => img.naturalWidth)") == 24
    assert "/portal/messages" in page.url and "patient" not in page.url
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "portal-messages-desktop.png", full_page=True)
    assert csp_errors == []

    phone = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=server,
        storage_state=desktop.storage_state(),
    )
    small = phone.new_page()
    small.goto("/portal/messages")
    expect(small.locator(".pm-thread > li").last).to_contain_text("rash on my arm")
    assert _fits_the_phone(small)
    assert _serious_violations(small) == []
    small.screenshot(path=ARTIFACTS / "portal-messages-phone.png", full_page=True)
    small.screenshot(path=SCREENSHOTS / "portal-messages.png", full_page=True)

    # In Spanish, the same page.
    small.goto("/portal/messages")
    small.context.add_cookies([{"name": "liaison_portal_lang", "value": "es", "url": server}])
    small.reload()
    expect(small.get_by_role("heading", name="Mensajes", exact=True)).to_be_visible()
    expect(small.get_by_role("button", name="Enviar mensaje")).to_be_visible()
    assert _serious_violations(small) == []
    phone.close()
    desktop.close()
