"""The appointment page: what it shows, the actions its status allows, and the history
each action leaves."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.kit import clock
from liaison.models import Appointment
from tests.web.scheduling_scene import HX, held_id, slot_at


def _book(browser, clinic, utc_iso: str = "2026-06-01T13:00", role=None) -> str:  # type: ignore[no-untyped-def]
    finder = browser.get(clinic.finder(count="50"))
    slot = slot_at(finder.text, role or clinic.roles[1], utc_iso)
    held = browser.post(
        f"/patients/{clinic.patient.id}/book",
        {"service_id": str(clinic.service.id), "slot": slot},
        headers=HX,
    )
    appointment_id = held_id(held.text)
    assert browser.post(f"/appointments/{appointment_id}/confirm", {}).status_code == 303
    return appointment_id


def _work_on(browser, appointment_id: str, minutes: int) -> None:  # type: ignore[no-untyped-def]
    """Let time pass while the desk keeps using Liaison (sessions end after 30 idle minutes)."""
    for _ in range(0, minutes, 20):
        clock.advance(timedelta(minutes=min(20, minutes)))
        minutes -= 20
        assert browser.get(f"/appointments/{appointment_id}").status_code == 200


def _stored(runtime, appointment_id: str) -> Appointment:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        stmt = unscoped_system(
            select(Appointment).where(Appointment.id == uuid.UUID(appointment_id)), "test"
        )
        return session.scalars(stmt).one()


def test_the_page_shows_the_visit_and_its_actions(signed_in, clinic):
    browser = signed_in(clinic.org)
    appointment_id = _book(browser, clinic)

    page = browser.get(f"/appointments/{appointment_id}")

    assert page.status_code == 200
    for expected in (
        "Follow-up for Carla Cruz",
        "Mon 1 Jun 2026, 09:00 EDT",
        "09:30 EDT",
        "Bea Baez",
        "Harbor Main",
        "America/New_York",
        'data-status="booked"',
        "Room 1 (room)",
    ):
        assert expected in page.text, expected
    assert ">Mark arrived</button>" in page.text and ">Cancel appointment</button>" in page.text
    # Before the visit starts it can be neither fulfilled nor a no-show.
    assert "Mark no-show" not in page.text and "Mark fulfilled" not in page.text
    assert page.headers["cache-control"] == "no-store"


def test_cancel_records_the_reason_and_who_asked(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    appointment_id = _book(browser, clinic)

    cancelled = browser.post(
        f"/appointments/{appointment_id}/cancel",
        {"cancel-reason": "feeling better", "cancel-cancelled_by": "patient"},
    )

    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == f"/appointments/{appointment_id}?done=cancelled"
    stored = _stored(runtime, appointment_id)
    assert (stored.status, stored.cancelled_by, stored.cancellation_reason) == (
        "cancelled",
        "patient",
        "feeling better",
    )
    page = browser.get(f"/appointments/{appointment_id}").text
    assert "booked → cancelled" in page and "feeling better" in page
    assert f"{browser.user.display_name}" in page  # type: ignore[attr-defined]
    assert ">Cancel appointment</button>" not in page and ">Mark arrived</button>" not in page


def test_a_cancel_without_a_reason_is_refused_next_to_the_field(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    appointment_id = _book(browser, clinic)

    refused = browser.post(
        f"/appointments/{appointment_id}/cancel",
        {"cancel-reason": "", "cancel-cancelled_by": "patient"},
    )

    assert refused.status_code == 422
    assert 'id="f-cancel-reason-error"' in refused.text and "Reason is required" in refused.text
    assert _stored(runtime, appointment_id).status == "booked"


def test_status_actions_follow_the_visit_and_appear_in_the_history(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    appointment_id = _book(browser, clinic)
    url = f"/appointments/{appointment_id}/status"

    early = browser.post(url, {"status": "noshow"})
    assert early.status_code == 409
    assert "A patient cannot be a no-show before the appointment starts" in early.text
    assert browser.post(url, {"status": "arrived"}).status_code == 303
    assert (
        browser.post(
            url, {"status": "checked-in", "status-reason": "insurance card seen"}
        ).status_code
        == 303
    )
    _work_on(browser, appointment_id, minutes=65)
    page = browser.get(f"/appointments/{appointment_id}").text
    assert ">Mark fulfilled</button>" in page and "Mark arrived" not in page
    assert browser.post(url, {"status": "fulfilled"}).status_code == 303

    page = browser.get(f"/appointments/{appointment_id}").text
    assert _stored(runtime, appointment_id).status == "fulfilled"
    for row in (
        "booked → arrived",
        "arrived → checked in",
        "insurance card seen",
        "checked in → fulfilled",
    ):
        assert row in page, row
    assert ">Entered in error</button>" in page
    bogus = browser.post(url, {"status": "booked"})
    assert bogus.status_code == 422 and _stored(runtime, appointment_id).status == "fulfilled"


def test_an_expired_hold_cannot_be_confirmed(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    finder = browser.get(clinic.finder())
    slot = slot_at(finder.text, clinic.roles[1], "2026-06-01T13:00")
    held = browser.post(
        f"/patients/{clinic.patient.id}/book",
        {"service_id": str(clinic.service.id), "slot": slot},
        headers=HX,
    )
    appointment_id = held_id(held.text)
    clock.advance(timedelta(minutes=11))

    late = browser.post(f"/appointments/{appointment_id}/confirm", {})

    assert late.status_code == 409
    assert "The hold expired and the time was released; search again" in late.text
    assert (
        _stored(runtime, appointment_id).status == "proposed"
    )  # the sweep cancels it, not this page


def test_another_organizations_appointment_is_not_found(signed_in, clinic, make):
    owner = signed_in(clinic.org)
    appointment_id = _book(owner, clinic)
    elsewhere = make.organization()
    browser = signed_in(elsewhere, "admin")

    assert browser.get(f"/appointments/{appointment_id}").status_code == 404
    refused = browser.post(
        f"/appointments/{appointment_id}/cancel",
        {"cancel-reason": "x", "cancel-cancelled_by": "patient"},
    )
    assert refused.status_code == 404
    assert (
        browser.post(f"/appointments/{appointment_id}/status", {"status": "arrived"}).status_code
        == 404
    )
    assert browser.post(f"/appointments/{appointment_id}/confirm", {}).status_code == 404


def test_a_practitioner_reads_the_appointment_but_has_no_actions(signed_in, clinic, make, runtime):
    coordinator = signed_in(clinic.org)
    appointment_id = _book(coordinator, clinic)
    practitioner = signed_in(clinic.org, "practitioner")

    page = practitioner.get(f"/appointments/{appointment_id}")

    assert page.status_code == 200 and "Bea Baez" in page.text
    assert "<form" not in page.text.split("<main")[1].replace('action="/logout"', "")
    refused = practitioner.post(f"/appointments/{appointment_id}/status", {"status": "arrived"})
    assert refused.status_code == 403
    assert _stored(runtime, appointment_id).status == "booked"
