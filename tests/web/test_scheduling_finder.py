"""The slot finder launched from a patient: ranked times with reasons, hold → confirm in
two posts, a time taken meanwhile, release, and rescheduling."""

from __future__ import annotations

import re

from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.models import Appointment
from tests.web.scheduling_scene import HX, held_id, slot_at, slot_values


def _appointments(runtime) -> list[Appointment]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        stmt = unscoped_system(select(Appointment).order_by(Appointment.id), "test")
        return list(session.scalars(stmt))


def _hold(browser, clinic, slot: str, patient=None, **extra: str):  # type: ignore[no-untyped-def]
    patient = patient or clinic.patient
    form = {
        "service_id": str(clinic.service.id),
        "slot": slot,
        "search": f"service_id={clinic.service.id}",
        **extra,
    }
    return browser.post(f"/patients/{patient.id}/book", form, headers=HX)


def test_the_finder_lists_ranked_times_with_the_reasons(signed_in, clinic):
    browser = signed_in(clinic.org)

    page = browser.get(clinic.finder(count="4"))

    assert page.status_code == 200, page.text
    times = re.findall(r'<span class="slot-time">([^<]+)</span>', page.text)
    who = re.findall(r'<span class="slot-who">([^<]+)</span>', page.text)
    # Bea Baez speaks Spanish, as Carla prefers: her times rank first, with the reason.
    assert who[:2] == ["Bea Baez · Harbor Main"] * 2
    assert times[0] == "Mon 1 Jun 2026, 09:00 EDT"
    assert "speaks Spanish <strong>+30</strong>" in page.text
    assert 'class="score">Score +30<' in page.text
    assert len(slot_values(page.text)) == 4
    assert 'id="slot-results" aria-live="polite"' in page.text


def test_htmx_gets_the_results_alone_and_later_days_show_the_wait(signed_in, clinic):
    browser = signed_in(clinic.org)

    fragment = browser.get(
        clinic.finder(start_date="2026-06-04", mode="per-day", count="1"), headers=HX
    )

    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'name="slot"' in fragment.text
    assert "Thursday 4 June 2026" in fragment.text
    assert "3 days out <strong>\u22126</strong>" in fragment.text
    # Without an end date, "per day" covers two weeks, not the whole booking horizon.
    assert "Wednesday 17 June 2026" in fragment.text and "18 June" not in fragment.text


def test_filters_by_practitioner_time_of_day_and_weekday(signed_in, clinic):
    browser = signed_in(clinic.org)

    page = browser.get(
        clinic.finder(
            practitioner_id=str(clinic.practitioners[0].id),
            time_of_day="afternoon",
            weekdays="3",
            count="3",
        )
    )

    times = re.findall(r'<span class="slot-time">([^<]+)</span>', page.text)
    assert times == [
        "Wed 3 Jun 2026, 12:00 EDT",
        "Wed 3 Jun 2026, 12:30 EDT",
        "Wed 3 Jun 2026, 13:00 EDT",
    ]
    assert "Bea Baez" not in page.text.split('id="slot-results"')[1]


def test_a_search_that_cannot_run_says_why(signed_in, clinic):
    browser = signed_in(clinic.org)

    page = browser.get(
        clinic.finder(
            start_date="2026-06-10", end_date="2026-06-05", time_of_day="custom", time_from="14:00"
        )
    )

    assert page.status_code == 422
    assert "Until date must not be before start_date" in page.text
    assert "Until time is required for a time of day of your own" in page.text
    assert 'name="slot"' not in page.text


def test_hold_then_confirm_books_in_two_posts_and_shows_on_the_day_calendar(
    signed_in, clinic, runtime
):
    browser = signed_in(clinic.org)
    page = browser.get(clinic.finder())
    slot = slot_at(page.text, clinic.roles[1], "2026-06-01T13:00")

    held = _hold(browser, clinic, slot)

    assert held.status_code == 200, held.text
    assert "<html" not in held.text
    assert "Held until" in held.text and "08:10 EDT" in held.text
    assert "Confirm booking" in held.text and ">Release</button>" in held.text
    [appointment] = _appointments(runtime)
    assert (appointment.status, str(appointment.id)) == ("proposed", held_id(held.text))

    confirmed = browser.post(
        f"/appointments/{appointment.id}/confirm", {"comment": "needs an interpreter? no"}
    )

    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/appointments/{appointment.id}?done=booked"
    [appointment] = _appointments(runtime)
    assert appointment.status == "booked" and appointment.comment == "needs an interpreter? no"
    detail = browser.get(confirmed.headers["location"])
    assert "The appointment was booked." in detail.text and 'data-status="booked"' in detail.text
    day = browser.get(f"/schedule/day?date=2026-06-01&location_id={clinic.location.id}")
    assert day.status_code == 200
    assert f'href="/appointments/{appointment.id}"' in day.text
    assert "09:00\u201309:30 Cruz, Carla, Follow-up" in day.text


def test_a_time_taken_meanwhile_shows_the_alternatives(signed_in, clinic, make, runtime):
    browser = signed_in(clinic.org)
    other = make.patient(clinic.org, given_name="Dan", family_name="Diaz")
    page = browser.get(clinic.finder())
    slot = slot_at(page.text, clinic.roles[1], "2026-06-01T13:00")
    assert _hold(browser, clinic, slot, patient=other).status_code == 200  # someone else was faster

    taken = _hold(browser, clinic, slot)

    assert taken.status_code == 409
    assert "Just taken" in taken.text and "Nothing was held." in taken.text
    alternatives = slot_values(taken.text)
    assert alternatives and slot not in alternatives
    assert [a.patient_id for a in _appointments(runtime)] == [other.id]
    chosen = _hold(browser, clinic, alternatives[0])
    assert chosen.status_code == 200 and "Held until" in chosen.text


def test_release_lets_the_time_go_and_returns_to_the_search(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    page = browser.get(clinic.finder(count="2"))
    slot = slot_at(page.text, clinic.roles[1], "2026-06-01T13:00")
    appointment_id = held_id(_hold(browser, clinic, slot).text)

    released = browser.post(
        f"/appointments/{appointment_id}/release",
        {"search": f"service_id={clinic.service.id}&count=2&evil=x"},
    )

    assert released.status_code == 303
    assert (
        released.headers["location"]
        == f"/patients/{clinic.patient.id}/book?service_id={clinic.service.id}&count=2&done=released"
    )
    [appointment] = _appointments(runtime)
    assert (appointment.status, appointment.cancellation_reason) == ("cancelled", "hold released")
    assert _hold(browser, clinic, slot).status_code == 200


def test_a_booked_visit_cannot_be_released(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    slot = slot_at(browser.get(clinic.finder()).text, clinic.roles[1], "2026-06-01T13:00")
    appointment_id = held_id(_hold(browser, clinic, slot).text)
    browser.post(f"/appointments/{appointment_id}/confirm", {})

    refused = browser.post(f"/appointments/{appointment_id}/release", {})

    assert refused.status_code == 409
    assert "Only a hold can be released" in refused.text
    assert _appointments(runtime)[0].status == "booked"


def test_reschedule_moves_the_appointment(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    slot = slot_at(browser.get(clinic.finder()).text, clinic.roles[1], "2026-06-01T13:00")
    original = held_id(_hold(browser, clinic, slot).text)
    browser.post(f"/appointments/{original}/confirm", {})
    detail = browser.get(f"/appointments/{original}")
    link = re.search(r'href="(/patients/[^"]+reschedule=[^"]+)"', detail.text)
    assert link, "the appointment offers no reschedule link"

    finder = browser.get(
        link.group(1).replace("&amp;", "&")
        + f"&start_date=2026-06-02&practitioner_id={clinic.practitioners[0].id}"
    )
    assert finder.status_code == 200 and "Move an appointment of Cruz, Carla" in finder.text
    later = slot_at(finder.text, clinic.roles[0], "2026-06-02T14:00")
    moved = browser.post(
        f"/patients/{clinic.patient.id}/book",
        {
            "service_id": str(clinic.service.id),
            "slot": later,
            "reschedule": original,
            "requested_by": "practitioner",
            "reason": "doctor running late",
        },
        headers=HX,
    )

    # htmx is told to navigate (following a redirect would swap a whole page into the results).
    assert moved.status_code == 200, moved.text
    target = moved.headers["HX-Redirect"]
    # Both rows were written at the same frozen instant: tell them apart by id.
    [old] = [a for a in _appointments(runtime) if str(a.id) == original]
    [new] = [a for a in _appointments(runtime) if str(a.id) != original]
    assert target == f"/appointments/{new.id}?done=rescheduled"
    assert (old.status, old.cancelled_by, old.cancellation_reason) == (
        "cancelled",
        "practitioner",
        "doctor running late",
    )
    assert (new.status, new.rescheduled_from_id, new.practitioner_role_id) == (
        "booked",
        old.id,
        clinic.roles[0].id,
    )
    history = browser.get(f"/appointments/{old.id}").text
    assert "Moved to another time" in history and "doctor running late" in history
    assert f'href="/appointments/{old.id}"' in browser.get(f"/appointments/{new.id}").text


def test_the_record_links_to_the_finder_and_lists_upcoming_visits(signed_in, clinic):
    browser = signed_in(clinic.org)
    record = browser.get(f"/patients/{clinic.patient.id}")
    assert f'href="/patients/{clinic.patient.id}/book"' in record.text
    # The visits are a region of their own (one audited read each), loaded by htmx.
    assert f'hx-get="/patients/{clinic.patient.id}/appointments" hx-trigger="load"' in record.text
    region = {"HX-Request": "true", "HX-Target": "upcoming"}
    assert (
        "None in the next two months."
        in browser.get(f"/patients/{clinic.patient.id}/appointments", headers=region).text
    )
    slot = slot_at(browser.get(clinic.finder()).text, clinic.roles[1], "2026-06-01T13:00")
    appointment_id = held_id(_hold(browser, clinic, slot).text)
    browser.post(f"/appointments/{appointment_id}/confirm", {})

    listed = browser.get(f"/patients/{clinic.patient.id}/appointments", headers=region)

    assert "<html" not in listed.text
    assert f'href="/appointments/{appointment_id}"' in listed.text
    assert "Mon 1 Jun 2026, 09:00 EDT" in listed.text and "Bea Baez" in listed.text
    page = browser.get(f"/patients/{clinic.patient.id}/appointments")
    assert "<html" in page.text and "Upcoming appointments of Cruz, Carla" in page.text


def test_a_practitioner_sees_times_but_cannot_hold_them(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "practitioner")

    page = browser.get(clinic.finder())

    assert page.status_code == 200
    assert 'name="slot"' not in page.text and "slot-readonly" in page.text
    refused = browser.post(
        f"/patients/{clinic.patient.id}/book",
        {
            "service_id": str(clinic.service.id),
            "slot": f"{clinic.roles[1].id}|2026-06-01T13:00:00+00:00|",
        },
    )
    assert refused.status_code == 403
    assert _appointments(runtime) == []


def test_a_move_asked_for_by_nobody_known_is_refused(signed_in, clinic, runtime):
    browser = signed_in(clinic.org)
    slot = slot_at(browser.get(clinic.finder()).text, clinic.roles[1], "2026-06-01T13:00")
    original = held_id(_hold(browser, clinic, slot).text)
    later = slot_at(
        browser.get(clinic.finder(reschedule=original)).text, clinic.roles[1], "2026-06-01T14:00"
    )

    refused = browser.post(
        f"/patients/{clinic.patient.id}/book",
        {
            "service_id": str(clinic.service.id),
            "slot": later,
            "reschedule": original,
            "requested_by": "the moon",
        },
        headers=HX,
    )

    assert refused.status_code == 422
    assert "Who asked" in refused.text and "Nothing was held or booked." in refused.text
    assert [(str(a.id), a.status) for a in _appointments(runtime)] == [(original, "proposed")]


def test_without_javascript_a_hold_answers_with_the_whole_page(signed_in, clinic):
    browser = signed_in(clinic.org)
    slot = slot_at(browser.get(clinic.finder()).text, clinic.roles[1], "2026-06-01T13:00")

    held = browser.post(
        f"/patients/{clinic.patient.id}/book",
        {
            "service_id": str(clinic.service.id),
            "slot": slot,
            "search": f"service_id={clinic.service.id}&count=3",
        },
    )

    assert held.status_code == 200
    assert "<html" in held.text and "Held until" in held.text
    assert 'name="count" type="number" value="3"' in held.text  # the search is still there
