"""Scheduling in a real browser: from a patient's record, find a time, hold it and
confirm it in two clicks, see it on the day calendar; the availability editor's preview.
axe-core checks the finder, the appointment, the day calendar and the availability
page; screenshots at desktop (1280) and phone (390) widths go to test-artifacts/.

Uses test_browser.py's live server and chromium fixtures (skipped without chromium,
unless LIAISON_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import pytest

from tests.fixtures.factories import PASSWORD
from tests.web.test_browser import ARTIFACTS, _serious_violations, chromium, server  # noqa: F401

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def _fits_the_phone(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.browser
def test_a_coordinator_books_from_the_record_in_two_clicks(server, chromium, clinic, make):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    coordinator = make.user(clinic.org, "coordinator")
    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    page = desktop.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    _sign_in(page, coordinator.email)

    page.goto(f"/patients/{clinic.patient.id}")
    expect(page.get_by_role("heading", name="Upcoming appointments")).to_be_visible()
    expect(page.locator("#upcoming")).to_contain_text("None in the next two months")
    page.get_by_role("button", name="Book", exact=True).click()  # a link styled as a button
    expect(page.get_by_role("heading", name="Book for Cruz, Carla")).to_be_visible()
    page.get_by_label("Visit type").select_option(label="Follow-up")
    page.get_by_role("button", name="Find times").click()
    results = page.locator("#slot-results")
    expect(results).to_contain_text("best fit first")
    expect(results.locator(".chip").first).to_contain_text("speaks Spanish +30")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "finder-desktop.png", full_page=True)

    # Click one: the best-ranked time is held and the confirm panel takes the results' place.
    first = results.get_by_role("button").first
    expect(first).to_contain_text("Mon 1 Jun 2026, 09:00 EDT")
    first.click()
    expect(results.get_by_role("heading", name="Held for Carla Cruz")).to_be_visible()
    expect(results).to_contain_text("Held until 08:10 EDT")
    expect(results.get_by_role("heading", name="Held for Carla Cruz")).to_be_focused()
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "finder-held-desktop.png", full_page=True)

    # Click two: booked, and on to the appointment.
    results.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_have_text("The appointment was booked.")
    expect(page.locator("[data-status]")).to_have_text("booked")
    expect(page.get_by_role("table")).to_contain_text("held → booked")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "appointment-desktop.png", full_page=True)
    appointment_url = page.url

    page.get_by_role("link", name="Harbor Main").click()
    expect(page.get_by_role("heading", name="Harbor Main: Monday 1 June 2026")).to_be_visible()
    visit = page.locator(".cal-appt a").first
    expect(visit).to_contain_text("09:00\u201309:30 Cruz, Carla, Follow-up")
    expect(visit).to_contain_text("booked")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "day-desktop.png", full_page=True)
    page.get_by_role("link", name="Next day →").click()
    expect(page.get_by_role("heading", name="Harbor Main: Tuesday 2 June 2026")).to_be_visible()
    page.get_by_role("link", name="Bea Baez").click()
    expect(page.get_by_role("heading", name="Bea Baez: week of Monday 1 June 2026")).to_be_visible()
    expect(page.locator('[data-column="day-2026-06-01"] .cal-appt')).to_have_count(1)
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "week-desktop.png", full_page=True)
    assert csp_errors == []

    phone = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=server,
        storage_state=desktop.storage_state(),
    )
    small = phone.new_page()
    small.goto(
        f"/patients/{clinic.patient.id}/book?service_id={clinic.service.id}&mode=per-day&count=2"
    )
    expect(small.locator("#slot-results button.slot").first).to_be_visible()
    assert _fits_the_phone(small), "the slot finder scrolls sideways at phone width"
    small.screenshot(path=ARTIFACTS / "finder-phone.png", full_page=True)
    small.goto(f"/schedule/day?date=2026-06-01&location_id={clinic.location.id}")
    expect(small.locator(".cal-appt a").first).to_be_attached()
    # The calendar scrolls inside its own box; the page itself does not.
    assert _fits_the_phone(small), "the day calendar makes the page scroll sideways"
    assert small.evaluate(
        "document.querySelector('.cal-scroll').scrollWidth > document.querySelector('.cal-scroll').clientWidth"
    )
    small.screenshot(path=ARTIFACTS / "day-phone.png", full_page=True)
    small.goto(appointment_url)
    assert _fits_the_phone(small), "the appointment page scrolls sideways at phone width"
    small.screenshot(path=ARTIFACTS / "appointment-phone.png", full_page=True)
    phone.close()
    desktop.close()


@pytest.mark.browser
def test_an_admin_previews_the_slots_of_a_schedule(server, chromium, clinic, make):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    admin = make.user(clinic.org, "admin")
    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    page = desktop.new_page()
    _sign_in(page, admin.email)

    page.get_by_role("link", name="Schedule").click()
    page.get_by_role("navigation", name="Schedule views").get_by_role(
        "link", name="Availability"
    ).click()
    page.get_by_role("link", name="Bea Baez at Harbor Main").click()
    expect(page.get_by_role("heading", name="Bea Baez at Harbor Main")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text(
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR"
    )
    page.locator("#f-preview_to").fill("2026-06-02")
    page.get_by_role("button", name="Show slots").click()
    preview = page.locator("#preview-results")
    expect(preview).to_contain_text("Mon 2026-06-01")
    expect(preview).to_contain_text("09:00")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "availability-desktop.png", full_page=True)

    phone = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=server,
        storage_state=desktop.storage_state(),
    )
    small = phone.new_page()
    small.goto(page.url)
    expect(small.get_by_role("heading", name="Bea Baez at Harbor Main")).to_be_visible()
    assert _fits_the_phone(small), "the availability editor scrolls sideways at phone width"
    small.screenshot(path=ARTIFACTS / "availability-phone.png", full_page=True)
    phone.close()
    desktop.close()
