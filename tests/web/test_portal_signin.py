"""The patient portal's way in, in a real browser on a phone: a new patient asks for a
code, reads it from the text the sandbox SMS provider received (sent by the worker
through the outbox), enters it, registers, and lands on the home page. axe-core checks
the sign-in, code, registration and home pages; screenshots at phone and desktop width
go to test-artifacts/, the phone sign-in and home to docs/screenshots/.

Uses the messaging tests' live server (sandbox SMS provider, worker) and
test_browser.py's chromium (skipped without chromium, unless LIAISON_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import re
from datetime import time

import pytest

from liaison.gateways.sandbox import SandboxStore
from liaison.models import Appointment, Schedule
from tests.messaging.conftest import live, mailbox  # noqa: F401 - fixtures
from tests.web.test_browser import ARTIFACTS, ROOT, _serious_violations, chromium  # noqa: F401
from tests.web.test_browser_scheduling import DESKTOP, PHONE, _fits_the_phone

SCREENSHOTS = ROOT / "docs" / "screenshots"
NUMBER = "+13125550143"


def _csp_errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    return errors


def _texted_code(live, to: str) -> str:  # type: ignore[no-untyped-def]
    live.drain()
    store = SandboxStore(live.runtime.settings.sandbox_path)
    bodies = [m["body"] for m in store.messages(to=to)]
    assert bodies, "the worker sent no text"
    found = re.search(r"\b(\d{6})\b", bodies[0])
    assert found, bodies[0]
    return found.group(1)


@pytest.mark.browser
def test_a_new_patient_signs_in_with_a_texted_code_on_a_phone(live, chromium, make):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    org = make.organization(
        name="Riverside Family Clinic",
        time_zone="America/Chicago",
        sms_number="+13125550100",
        phone="+13125550123",
    )
    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, base_url=live.base)
    page = phone.new_page()
    csp = _csp_errors(page)

    page.goto("/portal")
    expect(page).to_have_url(re.compile(r"/portal/sign-in\?next=/portal$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert _serious_violations(page) == []
    assert _fits_the_phone(page)
    page.get_by_label("Mobile phone number or e-mail address").fill("(312) 555-0143")
    page.screenshot(path=ARTIFACTS / "portal-sign-in-phone.png", full_page=True)
    page.screenshot(path=SCREENSHOTS / "portal-sign-in.png", full_page=True)
    page.get_by_role("button", name="Send me a code").click()

    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    expect(page.get_by_text("•••• 0143")).to_be_visible()
    assert _serious_violations(page) == []
    code = _texted_code(live, NUMBER)
    # A wrong code first: the message says what to do, next to the field.
    page.get_by_label("6-digit code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    expect(page.get_by_label("6-digit code")).to_have_attribute("aria-invalid", "true")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "portal-verify-phone.png", full_page=True)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Continue").click()

    # Nothing on file: this clinic takes new patients online.
    expect(page.get_by_role("heading", name="We could not find your record")).to_be_visible()
    assert _serious_violations(page) == []
    page.get_by_role("button", name="Register as a new patient").click()
    expect(page.get_by_role("heading", name="Register as a new patient")).to_be_visible()
    assert _serious_violations(page) == []
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Díaz")
    page.get_by_label("Birth date").fill("1990-05-06")
    page.get_by_label("Female").check()
    page.screenshot(path=ARTIFACTS / "portal-register-phone.png", full_page=True)
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", name="Hello, Rosa")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are registered")
    assert _serious_violations(page) == []
    assert _fits_the_phone(page)

    # She books her first visit herself: the clinic offers new patients a visit online.
    _open_new_patient_visits(make, org)
    page.locator("#main").get_by_role("link", name="Book a visit").click()
    page.get_by_role("link", name="See available times: New patient visit").click()
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    assert _serious_violations(page) == []
    page.locator("[data-slots] button").first.click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    page.get_by_role("button", name="Book this visit").click()
    expect(page.get_by_role("status")).to_contain_text("Your visit is booked")
    assert _serious_violations(page) == []
    with make.runtime.db.session() as session:
        from sqlalchemy import select

        from liaison.authz.scope import unscoped_system

        (booked,) = session.scalars(
            unscoped_system(select(Appointment).where(Appointment.organization_id == org.id), "t")
        )
        assert booked.status == "booked"

    # The home page shows it, in the clinic's time.
    page.goto("/portal")
    expect(page.get_by_role("heading", name="Your next visits")).to_be_visible()
    expect(page.locator(".visit").first).to_contain_text("New patient visit")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "portal-home-phone.png", full_page=True)
    page.screenshot(path=SCREENSHOTS / "portal-home.png", full_page=True)

    # Spanish, from the footer (the choice is remembered).
    page.get_by_label("Language").select_option("es")
    expect(page.get_by_role("heading", name="Hola, Rosa")).to_be_visible()
    assert _serious_violations(page) == []
    page.get_by_label("Idioma").select_option("en")
    expect(page.get_by_role("heading", name="Hello, Rosa")).to_be_visible()

    desktop = chromium.new_context(
        viewport=DESKTOP, base_url=live.base, storage_state=phone.storage_state()
    )
    wide = desktop.new_page()
    wide.goto("/portal")
    expect(wide.get_by_role("heading", name="Hello, Rosa")).to_be_visible()
    wide.screenshot(path=ARTIFACTS / "portal-home-desktop.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    assert csp == []


def _open_new_patient_visits(make, org) -> None:  # type: ignore[no-untyped-def]
    """A visit type new patients book online, and a clinician with weekday hours."""
    from datetime import date

    from liaison.models import AvailabilityRule

    location = make.location(org, name="Riverside Main")
    practitioner = make.practitioner(org, prefix="Dr.", given_name="Amara", family_name="Okafor")
    service = make.service(
        org,
        name="New patient visit",
        duration_minutes=40,
        patient_bookable=True,
        established_patients=False,
    )
    role = make.role(practitioner, location, [service])
    schedule = make._save(
        Schedule(organization_id=org.id, practitioner_role_id=role.id, location_id=location.id)
    )
    make._save(
        AvailabilityRule(
            organization_id=org.id,
            schedule_id=schedule.id,
            weekdays=[1, 2, 3, 4, 5, 6, 7],
            start_time=time(8),
            end_time=time(18),
            valid_from=date(2026, 1, 1),
        )
    )
