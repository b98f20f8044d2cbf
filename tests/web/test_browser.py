"""The UI in a real browser: sign in, find a patient, open the record; accessibility
checked with axe-core; desktop and phone screenshots.

Drives Debian's chromium through Playwright against the app served by uvicorn on the
test database. Without chromium the test is skipped, unless LIAISON_REQUIRE_BROWSER=1
(CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import uvicorn

from liaison.models import User
from tests.fixtures.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
README_SCREENSHOT = ROOT / "docs" / "screenshots" / "patient-record.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# axe-core is served from node_modules like htmx; loading it by URL keeps the page's
# Content-Security-Policy in force (an inline copy would need the CSP switched off).
AXE_URL = "/static/vendor/axe/axe.min.js"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("LIAISON_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and LIAISON_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _serious_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate("axe.run()")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _scene(make):  # type: ignore[no-untyped-def]
    org = make.organization(name="Riverside Family Clinic", time_zone="America/Chicago")
    practitioner = make.practitioner(org, prefix="Dr.", given_name="Amara", family_name="Okafor")
    user = make.user(org, "coordinator", email="frontdesk@riverside.example")
    with make.runtime.db.session() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.display_name = "Jordan Lee"
    maria = make.patient(
        org,
        phone="+13125550143",
        given_name="Maria",
        family_name="Garcia",
        mrn="RFC-100234",
        birth_date=date(1984, 3, 2),
        preferred_language="es",
        preferred_name="Mari",
        gender_identity="woman",
        email="maria.garcia@example.org",
        line1="1420 W Lake St",
        city="Chicago",
        state="IL",
        postal_code="60607",
        country="US",
        preferred_practitioner_id=practitioner.id,
    )
    make.patient(
        org,
        given_name="Mateo",
        family_name="Garcia",
        mrn="RFC-100871",
        birth_date=date(2015, 9, 14),
        administrative_sex="male",
    )
    make.patient(
        org,
        given_name="Grace",
        family_name="Garner",
        mrn="RFC-101102",
        birth_date=date(1951, 11, 30),
    )
    return user, maria


@pytest.mark.browser
def test_a_coordinator_finds_a_patient_in_the_browser(server, chromium, make):
    from playwright.sync_api import expect

    user, maria = _scene(make)
    ARTIFACTS.mkdir(exist_ok=True)
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    page = desktop.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto("/patients")
    expect(page).to_have_url(f"{server}/login?next=/patients")
    assert _serious_violations(page) == []
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.screenshot(path=ARTIFACTS / "login-desktop.png")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()

    # "/" jumps to the search box; typing searches as you type (htmx).
    page.locator("body").press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("garc")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Garcia, Maria")).to_be_visible()
    expect(results.get_by_role("link", name="Garcia, Mateo")).to_be_visible()
    expect(results).not_to_contain_text("Garner")
    expect(page).to_have_url(f"{server}/patients?q=garc")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "search-desktop.png", full_page=True)

    results.get_by_role("link", name="Garcia, Maria").click()
    expect(page).to_have_url(f"{server}/patients/{maria.id}")
    expect(page.locator(".mrn")).to_have_text("RFC-100234")
    page.get_by_label("Channel").select_option("sms")
    page.get_by_label("Decision").select_option("granted")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_have_text("The consent decision was recorded.")
    page.goto(f"/patients/{maria.id}")
    expect(page.get_by_role("row", name="Text message (SMS)")).to_contain_text("granted")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "patient-desktop.png", full_page=True)
    page.screenshot(path=README_SCREENSHOT, full_page=True)

    page.goto("/patients/new")
    assert _serious_violations(page) == []
    assert csp_errors == []

    phone = chromium.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        base_url=server,
        storage_state=desktop.storage_state(),
    )
    small = phone.new_page()
    small.goto("/patients?q=garcia")
    expect(small.locator("#results table.responsive thead")).to_be_hidden()
    expect(small.get_by_role("link", name="Garcia, Maria")).to_be_visible()
    small.screenshot(path=ARTIFACTS / "search-phone.png", full_page=True)
    small.goto(f"/patients/{maria.id}")
    expect(small.locator(".mrn")).to_have_text("RFC-100234")
    assert small.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the record page scrolls sideways at phone width"
    )
    small.screenshot(path=ARTIFACTS / "patient-phone.png", full_page=True)
    phone.close()
    desktop.close()
