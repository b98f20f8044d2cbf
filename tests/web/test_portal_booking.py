"""Booking and appointments in the patient portal, in a real browser: a new patient books
through the question flow (in Spanish, their language), an established patient moves a
visit, a patient cancels one visit and asks the clinic about a late one (the request
lands in the coordinator's queue), a patient confirms from a reminder link, and a
parent sees their child's visits and no one else's. axe-core checks every page; phone
(390x844) and desktop screenshots of the list, the times and a visit go to
test-artifacts/, and the phone ones also to docs/screenshots/.

Uses test_browser.py's live server and chromium fixtures (skipped without chromium,
unless LIAISON_REQUIRE_BROWSER=1). Patients sign in by a session made directly (as the
code sign-in makes it) whose cookie is set in the browser. The scene is
tests/portal/test_scheduling.build; the clock stands at Monday 2026-06-01 08:00 in New
York.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from liaison.auth import service as auth_service
from liaison.auth.dependencies import SESSION_COOKIE
from liaison.kit import clock
from liaison.messaging import links
from liaison.messaging.dispatch import LINK_DAYS
from liaison.models import User
from tests.portal.conftest import portal_user  # noqa: F401
from tests.portal.test_flows import TREE
from tests.portal.test_scheduling import NOW, TODAY, TUESDAY, build, local, staff_book
from tests.web.test_browser import ARTIFACTS, ROOT, _serious_violations, chromium, server  # noqa: F401
from tests.web.test_browser_scheduling import DESKTOP, PHONE, _fits_the_phone, _sign_in

SCREENSHOTS = ROOT / "docs" / "screenshots"
# Kept in docs/screenshots/ (phone width); every other one only in test-artifacts/.
DOCUMENTED = {"portal-appointments", "portal-booking-slots", "portal-appointment"}
ID = re.compile(r"/portal/appointments/([0-9a-f-]{36})")


@pytest.fixture(autouse=True)
def _strict_strings() -> Iterator[None]:
    """A page that asks for a string nobody registered fails the test."""
    from liaison.web.portal import i18n

    previous, i18n.strict = i18n.strict, True
    yield
    i18n.strict = previous


@pytest.fixture
def scene(api) -> Iterator[Any]:
    with clock.frozen_at(NOW):
        yield build(api)


def _session_cookie(runtime: Any, user: User, server: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        token, _ = auth_service.start_session(
            session,
            runtime.settings,
            session.get(User, user.id),
            client_ip="127.0.0.1",
            user_agent="playwright",
            organization_id=None,
        )
    return {"name": SESSION_COOKIE, "value": token, "url": server, "httpOnly": True}


def _portal(chromium, server: str, runtime: Any, user: User, viewport=PHONE, **kw: Any):  # type: ignore[no-untyped-def]
    """A browser context signed in to the portal as ``user`` (phone-sized by default)."""
    context = chromium.new_context(
        viewport=viewport,
        base_url=server,
        is_mobile=viewport == PHONE,
        has_touch=viewport == PHONE,
        **kw,
    )
    context.add_cookies([_session_cookie(runtime, user, server)])
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return context, page, problems


def _checked(page, name: str | None = None, *, both: bool = False) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe violation, the page fits a phone's width, and (with a
    name) a screenshot at this width, and at desktop width too when ``both``."""
    assert _serious_violations(page) == [], page.url
    if page.viewport_size["width"] == PHONE["width"]:
        assert _fits_the_phone(page), page.url
    if name:
        ARTIFACTS.mkdir(exist_ok=True)
        width = "phone" if page.viewport_size["width"] == PHONE["width"] else "desktop"
        page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
        if width == "phone" and name in DOCUMENTED:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        if both:
            page.set_viewport_size(DESKTOP)
            assert _serious_violations(page) == [], page.url
            page.screenshot(path=ARTIFACTS / f"{name}-desktop.png", full_page=True)
            page.set_viewport_size(PHONE)


@pytest.mark.browser
def test_a_new_patient_books_through_the_question_flow(
    server, chromium, scene, api, runtime, portal_user
):
    from playwright.sync_api import expect

    admin = api.login(scene.org, "admin")
    assert (
        admin.post(f"/api/v1/organizations/{scene.org.id}/visit-flows", json={"tree": TREE})
    ).status_code == 201
    user = portal_user(scene.carla)  # a new patient who prefers Spanish
    _context, page, problems = _portal(chromium, server, runtime, user)
    with clock.frozen_at(NOW):
        page.goto("/portal/book")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name="Pedir una cita", level=1)).to_be_visible()
        question = page.get_by_role("group", name="¿Le han atendido aquí antes?")
        expect(question).to_be_visible()
        _checked(page, "portal-book-question")
        question.get_by_label("No, soy nuevo").check()
        page.get_by_role("button", name="Siguiente").click()
        expect(page.get_by_role("heading", name="Le sugerimos esta visita")).to_be_visible()
        expect(page.get_by_role("heading", name="New patient visit")).to_be_visible()
        _checked(page)
        page.get_by_role("link", name="Ver horarios disponibles: New patient visit").click()

        expect(page.get_by_role("heading", name="Elija un horario")).to_be_visible()
        times = page.locator("[data-slots] button")
        expect(times).to_have_count(10)
        # Ranked for Carla: Dr. Baez speaks Spanish, and it says so.
        expect(times.first).to_contain_text("con Dr. Bea Baez")
        expect(times.first).to_contain_text("Habla su idioma")
        expect(times.first).to_contain_text("Mejor opción")
        _checked(page, "portal-booking-slots", both=True)
        first_time = times.first.locator(".pb-slot-when").inner_text()
        times.first.click()

        expect(page.get_by_role("heading", name="Revise y confirme")).to_be_visible()
        expect(page.locator("[data-review]")).to_contain_text("New patient visit")
        _checked(page, "portal-book-review")
        page.get_by_role("button", name="Reservar esta cita").click()

        expect(page.get_by_role("status")).to_contain_text("Su cita está reservada")
        expect(page.get_by_role("heading", name="New patient visit", level=1)).to_be_visible()
        expect(page.locator("[data-status]")).to_have_text("Reservada")
        assert first_time.split(",")[0] in page.locator("time").first.inner_text()
    appointment_id = ID.search(page.url).group(1)
    booked = scene.coordinator.get(f"/api/v1/appointments/{appointment_id}").json()
    assert booked["status"] == "booked"
    assert booked["patient_id"] == str(scene.carla.id)
    assert problems == []


@pytest.mark.browser
def test_an_established_patient_moves_a_visit(server, chromium, scene, runtime, portal_user):
    from playwright.sync_api import expect

    with clock.frozen_at(NOW):
        old = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    _context, page, problems = _portal(chromium, server, runtime, portal_user(scene.dora))
    with clock.frozen_at(NOW):
        page.goto("/portal/appointments")
        expect(page.get_by_role("heading", name="Appointments", level=1)).to_be_visible()
        upcoming = page.locator("[data-upcoming]")
        expect(upcoming).to_contain_text("Tuesday, June 2, 2026 at 9:00 AM EDT")
        expect(page.locator("[data-past]")).to_contain_text("Completed")
        _checked(page, "portal-appointments", both=True)
        upcoming.get_by_role("link", name="Tuesday, June 2, 2026 at 9:00 AM EDT").click()

        expect(page.get_by_role("heading", name="Follow-up", level=1)).to_be_visible()
        expect(page.get_by_role("heading", name="Before your visit")).to_be_visible()
        expect(page.get_by_text("Bring your medication list.")).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("Directions"))).to_have_attribute(
            "href", re.compile(r"^https://www\.openstreetmap\.org/search\?query=12\+Harbor")
        )
        _checked(page, "portal-appointment", both=True)
        page.get_by_role("link", name="Choose another time").click()

        expect(page.get_by_role("heading", name="Move your visit")).to_be_visible()
        times = page.locator("[data-slots] button")
        # Dora saw Dr. Adams in May: continuity puts her first.
        expect(times.first).to_contain_text("with Dr. Ann Adams")
        expect(times.first).to_contain_text("You have seen them before")
        _checked(page)
        times.nth(2).click()
        expect(page.get_by_role("heading", name="Move your visit to this time?")).to_be_visible()
        _checked(page)
        page.get_by_role("button", name="Move my visit").click()
        expect(page.get_by_role("status")).to_have_text("Your visit was moved to the new time.")
    new = ID.search(page.url).group(1)
    assert new != old
    rows = {
        a["id"]: a
        for a in scene.coordinator.get(
            "/api/v1/appointments",
            params={
                "organization_id": str(scene.org.id),
                "start": "2026-06-01T00:00:00Z",
                "end": "2026-07-01T00:00:00Z",
            },
        ).json()["items"]
    }
    assert rows[old]["status"] == "cancelled"
    assert rows[new]["status"] == "booked"
    assert problems == []


@pytest.mark.browser
def test_a_patient_cancels_and_asks_about_a_late_visit(
    server, chromium, scene, runtime, portal_user, make
):
    from playwright.sync_api import expect

    with clock.frozen_at(NOW):
        early = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 10))
        late = staff_book(scene, scene.dora, scene.video, local(TODAY, 15))
    _context, page, problems = _portal(chromium, server, runtime, portal_user(scene.dora))
    with clock.frozen_at(NOW):
        # Inside the window: the patient cancels it themselves.
        page.goto(f"/portal/appointments/{early}")
        page.get_by_text("Cancel this visit").click()
        page.get_by_label("Why are you cancelling? (optional)").select_option(
            label="I have a conflict"
        )
        _checked(page)
        page.get_by_role("button", name="Yes, cancel the visit").click()
        expect(page.get_by_role("status")).to_have_text("Your visit is cancelled.")
        expect(page.locator("[data-status]")).to_have_text("Cancelled")
        # The coordinator's calendar shows it at once.
        row = scene.coordinator.get(f"/api/v1/appointments/{early}").json()
        assert row["status"] == "cancelled" and row["cancelled_by"] == "patient"

        # Closer than 24 hours: the portal asks a coordinator and cancels nothing.
        page.goto(f"/portal/appointments/{late}")
        expect(page.get_by_text("less than 24 hours away")).to_be_visible()
        expect(page.get_by_role("link", name="Join the video visit")).to_have_attribute(
            "href", re.compile(r"^https://video\.example\.org/room/[0-9a-f]{24}$")
        )
        _checked(page, "portal-appointment-late")
        page.get_by_role("button", name="Ask the clinic to cancel").click()
        expect(page.get_by_role("status")).to_contain_text("a coordinator to cancel your visit")
        expect(page.locator("[data-status]")).to_have_text("Booked")
        assert scene.coordinator.get(f"/api/v1/appointments/{late}").json()["status"] == "booked"

    # The request is in the coordinator's queue, on the staff pages.
    staff = chromium.new_context(viewport=DESKTOP, base_url=server)
    staff_page = staff.new_page()
    coordinator = make.user(scene.org, "coordinator")
    with clock.frozen_at(NOW):
        _sign_in(staff_page, coordinator.email)
        staff_page.goto("/queue?view=all")
        rows = staff_page.locator("[data-task-row]")
        expect(
            rows.filter(has_text="Portal: patient asks to cancel a visit within 24 h")
        ).to_have_count(1)
        # ... and so is the cancellation made inside the window, for a follow-up.
        expect(rows.filter(has_text="Portal: patient cancelled a visit")).to_have_count(1)
    assert problems == []


@pytest.mark.browser
def test_a_patient_confirms_from_a_reminder_link(server, chromium, scene, runtime, portal_user):
    from playwright.sync_api import expect

    with clock.frozen_at(NOW):
        appointment = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
        # As messaging's reminder makes it (dispatch: a signed link, LINK_DAYS long).
        token = links.make(
            runtime.secret,
            "appointment",
            uuid.UUID(appointment),
            clock.now() + timedelta(days=LINK_DAYS),
        )
    _context, page, problems = _portal(chromium, server, runtime, portal_user(scene.dora))
    with clock.frozen_at(NOW):
        page.goto(f"/r/{token}")
        expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()
        assert _serious_violations(page) == []
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        expect(page.get_by_text("Your appointment is confirmed.")).to_be_visible()
        page.goto(f"/portal/appointments/{appointment}")
        expect(page.locator("[data-confirmed]")).to_have_text("Confirmed by you")
        expect(page.get_by_role("button", name="Confirm I will come")).to_have_count(0)
    history = scene.coordinator.get(f"/api/v1/appointments/{appointment}").json()["history"]
    assert history[-1]["action"] == "confirmed-by-patient"
    assert problems == []


@pytest.mark.browser
def test_a_parent_sees_the_childs_visits_and_no_one_elses(
    server, chromium, scene, runtime, portal_user, make
):
    from datetime import date

    from playwright.sync_api import expect

    with clock.frozen_at(NOW):
        child = make.patient(
            scene.org, given_name="Nico", family_name="Cruz", birth_date=date(2018, 3, 3)
        )
        childs = staff_book(scene, child, scene.video, local(TUESDAY, 9))
        others = staff_book(scene, scene.dora, scene.video, local(TUESDAY, 10))
    parent = portal_user(None, proxy_for=[(child, "parent", "read")])
    _context, page, problems = _portal(chromium, server, runtime, parent, viewport=DESKTOP)
    with clock.frozen_at(NOW):
        page.goto("/portal/appointments")
        expect(page.get_by_text("Visits of Nico Cruz")).to_be_visible()
        visits = page.locator("[data-upcoming] li")
        expect(visits).to_have_count(1)
        expect(visits.first).to_contain_text("Video check-in")
        assert others not in page.content()
        _checked(page)
        visits.first.get_by_role("link").click()
        expect(page.get_by_text("read-only")).to_be_visible()
        expect(page.get_by_role("button", name="Yes, cancel the visit")).to_have_count(0)
        _checked(page)
        assert ID.search(page.url).group(1) == childs
        response = page.goto(f"/portal/appointments/{others}")
        assert response is not None and response.status == 404
        page.goto("/portal/book")
        expect(page.get_by_text("read-only")).to_be_visible()
        _checked(page)
    assert problems == []


@pytest.mark.browser
def test_just_taken_and_the_waitlist(server, chromium, scene, runtime, portal_user):
    from playwright.sync_api import expect

    _context, page, problems = _portal(chromium, server, runtime, portal_user(scene.dora))
    with clock.frozen_at(NOW):
        page.goto(f"/portal/book/slots?service={scene.video.id}")
        first = page.locator("[data-slots] button").first
        expect(first).to_be_visible()
        value = first.get_attribute("value")
        role_id, start = value.split("|")
        # Someone else books that very time while the patient looks at the list.
        role = next(r for r in scene.roles if str(r.id) == role_id)
        from datetime import datetime

        staff_book(scene, scene.carla, scene.video, datetime.fromisoformat(start), role)
        first.click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("That time was just taken")
        expect(alert).to_be_focused()
        expect(page.locator("[data-slots] button").first).to_be_visible()
        _checked(page, "portal-just-taken")

        page.goto(f"/portal/book/waitlist?service={scene.video.id}")
        expect(page.get_by_role("heading", name="Join the waitlist", level=1)).to_be_visible()
        page.get_by_label("Not before (optional)").fill("2026-06-20")
        page.get_by_label("Not after (optional)").fill("2026-06-10")
        page.get_by_role("button", name="Join the waitlist").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("The last date must not be before the first one.")
        expect(summary).to_be_focused()
        expect(page.get_by_label("Not after (optional)")).to_have_attribute("aria-invalid", "true")
        _checked(page, "portal-waitlist")
        page.get_by_label("Not after (optional)").fill("2026-06-30")
        page.get_by_label("Mornings (before noon)").check()
        page.get_by_role("button", name="Join the waitlist").click()
        expect(page.get_by_role("status")).to_contain_text("You are on the waitlist")
        expect(page.get_by_text("Video check-in: waiting since")).to_be_visible()
        _checked(page)
    assert problems == []
