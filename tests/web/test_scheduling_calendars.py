"""Day and week calendars: resource columns, visits as blocks, blocked and closed time
shaded, navigation, and the time zone of the place."""

from __future__ import annotations

import re
from datetime import date

from liaison.models import ScheduleBlock
from tests.scheduling.conftest import local
from tests.web.scheduling_scene import HX, held_id, slot_at

TUESDAY = date(2026, 6, 2)


def _book(browser, clinic, role, utc_iso: str, patient=None) -> str:  # type: ignore[no-untyped-def]
    patient = patient or clinic.patient
    finder = browser.get(
        clinic.finder(
            patient, count="50", practitioner_id=str(role.practitioner_id), start_date=utc_iso[:10]
        )
    )
    slot = slot_at(finder.text, role, utc_iso)
    held = browser.post(
        f"/patients/{patient.id}/book",
        {"service_id": str(clinic.service.id), "slot": slot},
        headers=HX,
    )
    return held_id(held.text)


def _column(page: str, key: str) -> str:
    start = page.index(f'data-column="{key}"')
    end = page.find('class="cal-col"', start + 1)
    return page[start : end if end > 0 else len(page)]


def test_the_day_has_a_column_per_practitioner_and_room(signed_in, clinic, make):
    browser = signed_in(clinic.org)
    held = _book(browser, clinic, clinic.roles[1], "2026-06-02T14:00")
    booked = _book(browser, clinic, clinic.roles[0], "2026-06-02T13:00")
    browser.post(f"/appointments/{booked}/confirm", {})
    make._save(
        ScheduleBlock(
            organization_id=clinic.org.id,
            schedule_id=clinic.schedules[0].id,
            start_at=local(TUESDAY, 12),
            end_at=local(TUESDAY, 13),
            kind="meeting",
            reason="team huddle",
        )
    )

    page = browser.get(f"/schedule/day?date=2026-06-02&location_id={clinic.location.id}")

    assert page.status_code == 200
    heads = re.findall(r'class="cal-head" id="head-([^"]+)"', page.text)
    assert heads == [
        f"role-{clinic.roles[0].id}",
        f"role-{clinic.roles[1].id}",
        f"device-{clinic.rooms[0].id}",
        f"device-{clinic.rooms[1].id}",
    ]
    ann = _column(page.text, f"role-{clinic.roles[0].id}")
    assert (
        f'href="/appointments/{booked}"' in ann and "09:00\u201309:30 Cruz, Carla, Follow-up" in ann
    )
    assert ">booked</span>" in ann
    assert "Meeting 12:00\u201313:00: team huddle" in ann
    bea = _column(page.text, f"role-{clinic.roles[1].id}")
    assert f'href="/appointments/{held}"' in bea and ">held</span>" in bea
    # The first room took the 09:00 visit, so the 10:00 one went to it as well.
    room = _column(page.text, f"device-{clinic.rooms[0].id}")
    assert f'href="/appointments/{booked}"' in room and f'href="/appointments/{held}"' in room
    # Closed before 09:00 and from 17:00 on a 07:00-19:00 grid of 15-minute rows.
    assert 'class="cal" style="--cols: 4; --rows: 48;"' in page.text
    assert ann.count('class="cal-closed"') == 2 and 'style="--top: 0.0; --len: 8.0;"' in ann
    assert "Times in America/New_York (EDT). 2 visits." in page.text
    assert 'href="/schedule/day?date=2026-06-01&amp;location_id=' in page.text
    assert 'href="/schedule/day?date=2026-06-03&amp;location_id=' in page.text
    assert (
        'role="region" aria-label="Calendar of Harbor Main, Tuesday 2 June 2026" tabindex="0"'
        in page.text
    )


def test_cancelled_visits_leave_the_calendar(signed_in, clinic):
    browser = signed_in(clinic.org)
    appointment_id = _book(browser, clinic, clinic.roles[1], "2026-06-02T14:00")
    browser.post(f"/appointments/{appointment_id}/release", {})

    page = browser.get(f"/schedule/day?date=2026-06-02&location_id={clinic.location.id}")

    assert f'href="/appointments/{appointment_id}"' not in page.text
    assert "0 visits." in page.text


def test_the_week_of_a_practitioner_has_seven_days(signed_in, clinic):
    browser = signed_in(clinic.org)
    appointment_id = _book(browser, clinic, clinic.roles[1], "2026-06-03T18:30")

    page = browser.get(
        f"/schedule/week?date=2026-06-03&practitioner_id={clinic.practitioners[1].id}"
    )

    assert page.status_code == 200
    assert "Bea Baez: week of Monday 1 June 2026" in page.text
    heads = re.findall(r'class="cal-head" id="head-day-([^"]+)"', page.text)
    assert heads == [f"2026-06-0{n}" for n in range(1, 8)]
    wednesday = _column(page.text, "day-2026-06-03")
    assert (
        f'href="/appointments/{appointment_id}"' in wednesday
        and "14:30\u201315:00 Cruz, Carla" in wednesday
    )
    assert f'href="/appointments/{appointment_id}"' not in _column(page.text, "day-2026-06-02")
    # The weekend has no hours: closed all day.
    assert _column(page.text, "day-2026-06-06").count('class="cal-closed"') == 1
    assert f"date=2026-05-25&amp;practitioner_id={clinic.practitioners[1].id}" in page.text
    assert f"date=2026-06-08&amp;practitioner_id={clinic.practitioners[1].id}" in page.text


def test_the_calendar_on_a_daylight_saving_day_keeps_wall_clock_rows(signed_in, clinic, make):
    browser = signed_in(clinic.org)
    sunday = date(2026, 3, 8)  # New York springs forward at 02:00
    make._save(
        ScheduleBlock(
            organization_id=clinic.org.id,
            schedule_id=clinic.schedules[0].id,
            start_at=local(sunday, 9),
            end_at=local(sunday, 10),
            kind="time-off",
        )
    )

    page = browser.get(f"/schedule/day?date=2026-03-08&location_id={clinic.location.id}")

    assert page.status_code == 200
    assert "Times in America/New_York (EDT)." in page.text
    ann = _column(page.text, f"role-{clinic.roles[0].id}")
    # 09:00 is eight rows below 07:00, as on every other day.
    assert 'style="--top: 8.0; --len: 4.0;">Time off 09:00\u201310:00' in ann


def test_a_bad_date_or_an_unknown_location_is_refused(signed_in, clinic, make):
    browser = signed_in(clinic.org)
    other = make.location(make.organization())

    assert browser.get("/schedule/day?date=June").status_code == 422
    assert browser.get(f"/schedule/day?location_id={other.id}").status_code == 404
    assert browser.get("/schedule/week?practitioner_id=nope").status_code == 404


def test_the_calendars_need_appointment_access(signed_in, clinic):
    # A platform operator reads the directory but never patient data, visits included.
    operator = signed_in(None, platform_role="operator")
    page = operator.get("/")
    assert 'href="/schedule/day"' not in page.text
    assert operator.get("/schedule/day").status_code in (403, 404)
    coordinator = signed_in(clinic.org)
    assert 'href="/schedule/day"' in coordinator.get("/").text
