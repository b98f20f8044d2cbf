"""Self-scheduling and appointments in the portal: what a patient may book (new or
established), direct bookings and requests on approval, "just taken", cancelling and
moving inside and outside the organization's window, proxies, other patients and other
organizations, the calendar file, the video link, the throttle, and the audit trail.

The scene (``build``) is a Boston clinic with the clock frozen at Monday 2026-06-01
08:00 in New York (tests/scheduling's NOW): two practitioners, weekdays 09:00-17:00,
four visit types patients may book and one they may not.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from liaison.auth import service as auth_service
from liaison.context import Context, unit_of_work
from liaison.errors import NotFound, PermissionDenied, TooManyRequests
from liaison.kit import clock
from liaison.models import (
    Appointment,
    AuditEvent,
    User,
    WaitlistEntry,
)
from liaison.portal import access
from liaison.portal import scheduling as portal
from liaison.scheduling.booking import SlotTaken
from liaison.web.portal import i18n
from tests.scheduling.conftest import NOW, add_schedule, local

TUESDAY = date(2026, 6, 2)
TODAY = date(2026, 6, 1)


@dataclass
class Scene:
    org: Any
    location: Any
    follow_up: Any
    new_visit: Any
    video: Any
    procedure: Any
    staff_only: Any
    practitioners: list[Any]
    roles: list[Any]
    carla: Any  # new patient, prefers Spanish
    dora: Any  # established (a visit last month)
    coordinator: Any  # API caller

    def slot(self, role: Any, start: datetime) -> str:
        return f"{role.id}|{start.astimezone(UTC).isoformat()}"


def build(make: Any, staff_role: str = "coordinator") -> Scene:
    org = make.organization(
        "Harbor Family Health",
        time_zone="America/New_York",
        phone="+16175550100",
        telehealth_url_template="https://video.example.org/room/{room}",
    )
    location = make.location(
        org,
        name="Harbor Main",
        time_zone="America/New_York",
        line1="12 Harbor St",
        city="Boston",
        state="MA",
        postal_code="02110",
        phone="+16175550101",
    )
    follow_up = make.service(
        org,
        code="follow-up",
        name="Follow-up",
        duration_minutes=30,
        patient_bookable=True,
        new_patients=False,
        instructions="Bring your medication list.",
        instructions_es="Traiga su lista de medicamentos.",
    )
    new_visit = make.service(
        org,
        code="new-patient",
        name="New patient visit",
        duration_minutes=60,
        patient_bookable=True,
        established_patients=False,
    )
    video = make.service(
        org,
        code="video",
        name="Video check-in",
        duration_minutes=20,
        modality="telehealth",
        patient_bookable=True,
    )
    procedure = make.service(
        org,
        code="procedure",
        name="Minor procedure",
        duration_minutes=45,
        patient_bookable=True,
        portal_requires_approval=True,
    )
    staff_only = make.service(
        org, code="care-plan", name="Care planning", duration_minutes=30, patient_bookable=False
    )
    services = [follow_up, new_visit, video, procedure, staff_only]
    ann = make.practitioner(
        org, prefix="Dr.", given_name="Ann", family_name="Adams", gender="female", languages=["en"]
    )
    bea = make.practitioner(
        org,
        prefix="Dr.",
        given_name="Bea",
        family_name="Baez",
        gender="female",
        languages=["en", "es"],
    )
    roles = [make.role(ann, location, services), make.role(bea, location, services)]
    for role in roles:
        add_schedule(make, role)
    carla = make.patient(org, given_name="Carla", family_name="Cruz", preferred_language="es")
    dora = make.patient(org, given_name="Dora", family_name="Diaz", preferred_language="en")
    make._save(
        Appointment(
            organization_id=org.id,
            status="fulfilled",
            patient_id=dora.id,
            healthcare_service_id=follow_up.id,
            practitioner_role_id=roles[0].id,
            location_id=location.id,
            start_at=datetime(2026, 5, 4, 14, tzinfo=UTC),
            end_at=datetime(2026, 5, 4, 14, 30, tzinfo=UTC),
            modality="in-person",
            booked_at=datetime(2026, 4, 20, 14, tzinfo=UTC),
        )
    )
    return Scene(
        org,
        location,
        follow_up,
        new_visit,
        video,
        procedure,
        staff_only,
        [ann, bea],
        roles,
        carla,
        dora,
        make.login(org, staff_role) if make.client else None,
    )


@pytest.fixture
def scene(api) -> Iterator[Scene]:
    with clock.frozen_at(NOW):
        yield build(api)


@pytest.fixture(autouse=True)
def _strict_strings() -> Iterator[None]:
    """A page that asks for a string nobody registered fails the test."""
    previous, i18n.strict = i18n.strict, True
    yield
    i18n.strict = previous


@contextmanager
def acting(runtime, user: User) -> Iterator[Context]:
    """A unit of work as the portal user (what a portal request runs in)."""
    with runtime.db.session() as session:
        principal = auth_service.principal_for(session, session.get(User, user.id))
    with unit_of_work(
        runtime.db, principal=principal, audit_key=runtime.audit_key, runtime=runtime
    ) as ctx:
        yield ctx


def staff_book(scene: Scene, patient: Any, service: Any, start: datetime, role: Any = None) -> str:
    response = scene.coordinator.post(
        "/api/v1/appointments",
        json={
            "organization_id": str(scene.org.id),
            "patient_id": str(patient.id),
            "healthcare_service_id": str(service.id),
            "practitioner_role_id": str((role or scene.roles[0]).id),
            "start": start.isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def staff_appointments(scene: Scene, **params: Any) -> list[dict[str, Any]]:
    response = scene.coordinator.get(
        "/api/v1/appointments",
        params={
            "organization_id": str(scene.org.id),
            "start": "2026-05-01T00:00:00Z",
            "end": "2026-07-01T00:00:00Z",
            **params,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def open_tasks(scene: Scene) -> list[dict[str, Any]]:
    response = scene.coordinator.get(
        "/api/v1/tasks", params={"view": "all", "organization_id": str(scene.org.id)}
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def location_of(response: Any) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:2000])
    return response.headers["location"]


# --- What may be booked ---------------------------------------------------------------


def test_new_and_established_patients_see_their_own_visit_types(scene, runtime, portal_user):
    carla, dora = portal_user(scene.carla), portal_user(scene.dora)
    with acting(runtime, carla) as ctx:
        new = portal.visit_types(ctx, access.require_patient(ctx, scene.carla.id))
        assert not new.established
        assert [s.code for s in new.services] == ["procedure", "new-patient", "video"]
    with acting(runtime, dora) as ctx:
        known = portal.visit_types(ctx, access.require_patient(ctx, scene.dora.id))
        assert known.established
        assert [s.code for s in known.services] == ["follow-up", "procedure", "video"]


def test_a_future_booking_does_not_make_a_patient_established(scene, runtime, portal_user):
    staff_book(scene, scene.carla, scene.new_visit, local(TUESDAY, 9))
    user = portal_user(scene.carla)
    with acting(runtime, user) as ctx:
        offered = portal.visit_types(ctx, access.require_patient(ctx, scene.carla.id))
    assert not offered.established
    assert "follow-up" not in {s.code for s in offered.services}


def test_a_visit_type_the_patient_may_not_book_is_not_found(scene, runtime, portal_user):
    user = portal_user(scene.carla)
    with acting(runtime, user) as ctx:
        carla = access.require_patient(ctx, scene.carla.id)
        for service in (scene.follow_up, scene.staff_only):  # established only; staff only
            with pytest.raises(NotFound):
                portal.slots(ctx, carla, service.id)


def test_slots_are_ranked_for_the_patient(scene, runtime, portal_user):
    user = portal_user(scene.carla)
    with acting(runtime, user) as ctx:
        choice = portal.slots(ctx, access.require_patient(ctx, scene.carla.id), scene.new_visit.id)
    assert len(choice.slots) == portal.SLOT_COUNT
    # Carla prefers Spanish: Dr. Baez speaks it, so her times come first.
    first = choice.slots[0]
    assert first.practitioner_name == "Dr. Bea Baez"
    assert "language" in first.reasons
    assert first.location_name == "Harbor Main"
    assert first.local_start.hour >= 9


# --- Booking through the pages --------------------------------------------------------


def test_a_patient_books_directly_and_the_coordinator_sees_it_at_once(
    scene, portal_user, portal_session, runtime
):
    user = portal_user(scene.dora)
    browser = portal_session(user)
    start = local(TUESDAY, 10)
    page = browser.get(f"/portal/book/slots?service={scene.follow_up.id}")
    assert page.status_code == 200, page.text
    assert 'name="slot"' in page.text
    review = browser.post(
        "/portal/book/review",
        {"service": str(scene.follow_up.id), "slot": scene.slot(scene.roles[0], start)},
    )
    assert review.status_code == 200, review.text
    assert "Dr. Ann Adams" in review.text
    assert "Bring your medication list." in review.text
    done = browser.post(
        "/portal/book",
        {"service": str(scene.follow_up.id), "slot": scene.slot(scene.roles[0], start)},
    )
    target = location_of(done)
    assert target.endswith("?done=booked")
    appointment_id = re.search(r"/portal/appointments/([0-9a-f-]{36})", target).group(1)

    booked = staff_appointments(scene, patient_id=str(scene.dora.id), status="booked")
    assert [a["id"] for a in booked] == [appointment_id]
    assert booked[0]["start"].startswith("2026-06-02T14:00")
    assert booked[0]["comment"] == "Booked in the patient portal"
    with runtime.db.session() as session:
        stored = session.get(
            Appointment,
            (scene.org.id, uuid.UUID(appointment_id)),
            execution_options={"liaison_tenant_scope": "system"},
        )
        assert stored.created_by_user_id == user.id

    detail = browser.get(target)
    assert detail.status_code == 200
    assert "Your visit is booked" in detail.text
    assert "12 Harbor St" in detail.text
    assert "openstreetmap.org/search?query=12+Harbor+St%2C+Boston%2C+MA%2C+02110" in detail.text


def test_a_visit_type_needing_approval_becomes_a_queue_task_and_books_nothing(
    scene, portal_user, portal_session
):
    user = portal_user(scene.carla)
    browser = portal_session(user)
    start = local(TUESDAY, 9, 45)  # every 45 minutes from 09:00
    done = browser.post(
        "/portal/book",
        {"service": str(scene.procedure.id), "slot": scene.slot(scene.roles[1], start)},
    )
    assert location_of(done) == "/portal/appointments?done=requested"
    assert staff_appointments(scene, patient_id=str(scene.carla.id)) == []
    tasks = [t for t in open_tasks(scene) if t["type"] == "appointment-request"]
    assert len(tasks) == 1
    task = tasks[0]
    assert task["patient_id"] == str(scene.carla.id)
    assert task["source"] == "portal"
    assert task["language"] == "es"
    assert "Minor procedure" in task["description"]
    assert "Tue 2 Jun 2026, 09:45 EDT" in task["description"]
    assert "Dr. Bea Baez" in task["description"]
    # Routed to the organization's only coordinator, who sees it in their own queue.
    assert task["owner_user_id"] == str(scene.coordinator.user_id)
    mine = scene.coordinator.get("/api/v1/tasks", params={"view": "mine"}).json()["items"]
    assert task["id"] in {t["id"] for t in mine}
    page = browser.get("/portal/appointments")
    assert "1 solicitud(es) esperando a la clínica" in page.text


def test_a_request_nobody_can_take_waits_unassigned(api, portal_user, portal_session):
    """No coordinator to route to (the only staff member is an admin): the request waits
    in the organization's unassigned queue."""
    with clock.frozen_at(NOW):
        scene = build(api, staff_role="admin")
        browser = portal_session(portal_user(scene.carla))
        done = browser.post(
            "/portal/book",
            {
                "service": str(scene.procedure.id),
                "slot": scene.slot(scene.roles[0], local(TUESDAY, 9)),
            },
        )
        assert location_of(done) == "/portal/appointments?done=requested"
        unassigned = scene.coordinator.get(
            "/api/v1/tasks", params={"view": "unassigned", "organization_id": str(scene.org.id)}
        ).json()["items"]
    assert [t["type"] for t in unassigned] == ["appointment-request"]
    assert unassigned[0]["owner_user_id"] is None


def test_a_slot_taken_a_moment_ago_shows_alternatives_and_books_nothing_twice(
    scene, portal_user, portal_session
):
    start = local(TUESDAY, 9)
    taken_by_staff = staff_book(scene, scene.carla, scene.video, start, scene.roles[1])
    user = portal_user(scene.dora)
    browser = portal_session(user)
    answer = browser.post(
        "/portal/book", {"service": str(scene.video.id), "slot": scene.slot(scene.roles[1], start)}
    )
    assert answer.status_code == 409, answer.text
    assert "That time was just taken" in answer.text
    assert "Nothing was booked for you" in answer.text
    offered = re.findall(r'name="slot" value="([^"]+)"', answer.text)
    assert offered and all(v.startswith(str(scene.roles[1].id)) for v in offered)
    assert scene.slot(scene.roles[1], start) not in offered
    at_nine = [
        a
        for a in staff_appointments(scene, status="booked")
        if a["start"].startswith("2026-06-02T13:00")
    ]
    assert [a["id"] for a in at_nine] == [taken_by_staff]
    # The review step says so too, before anything is tried.
    review = browser.post(
        "/portal/book/review",
        {"service": str(scene.video.id), "slot": scene.slot(scene.roles[1], start)},
    )
    assert review.status_code == 409
    assert "That time was just taken" in review.text


def test_a_slot_that_is_not_one_is_refused_with_the_times_again(scene, portal_user, portal_session):
    browser = portal_session(portal_user(scene.dora))
    answer = browser.post("/portal/book", {"service": str(scene.video.id), "slot": "nonsense"})
    assert answer.status_code == 422
    assert "Choose one of the times offered." in answer.text
    assert 'name="slot"' in answer.text
    assert staff_appointments(scene, status="booked") == []


# --- Appointments ---------------------------------------------------------------------


def test_the_list_shows_upcoming_and_past_visits(scene, portal_user, portal_session):
    upcoming = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    page = browser.get("/portal/appointments")
    assert page.status_code == 200
    upcoming_part, past_part = page.text.split('id="past-title"')
    assert upcoming in upcoming_part
    assert "Tuesday, June 2, 2026 at 9:00 AM EDT" in upcoming_part
    assert "Monday, May 4, 2026 at 10:00 AM EDT" in past_part
    assert "Completed" in past_part


def test_cancel_inside_the_window(scene, portal_user, portal_session):
    appointment = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    done = browser.post(f"/portal/appointments/{appointment}/cancel", {"reason": "better"})
    assert location_of(done) == f"/portal/appointments/{appointment}?done=cancelled"
    [row] = [a for a in staff_appointments(scene) if a["id"] == appointment]
    assert row["status"] == "cancelled"
    assert row["cancelled_by"] == "patient"
    assert row["cancellation_reason"] == "Cancelled in the patient portal: better"
    # The coordinator's queue has it at once: the patient may want a new time.
    [task] = [t for t in open_tasks(scene) if t["focus_id"] == appointment]
    assert (task["type"], task["priority"]) == ("cancellation-follow-up", "routine")
    assert "Dora" not in task["title"]


def test_cancel_outside_the_window_opens_a_task_and_keeps_the_visit(
    scene, portal_user, portal_session
):
    appointment = staff_book(scene, scene.dora, scene.follow_up, local(TODAY, 14))  # in 6 h
    browser = portal_session(portal_user(scene.dora))
    detail = browser.get(f"/portal/appointments/{appointment}")
    assert "less than 24 hours away" in detail.text
    done = browser.post(f"/portal/appointments/{appointment}/cancel")
    assert location_of(done) == f"/portal/appointments/{appointment}?done=cancel-requested"
    [row] = [a for a in staff_appointments(scene) if a["id"] == appointment]
    assert row["status"] == "booked"
    [task] = [t for t in open_tasks(scene) if t["focus_id"] == appointment]
    assert task["type"] == "reschedule"
    assert task["focus_type"] == "Appointment"
    assert task["priority"] == "urgent"
    assert "the visit is still booked" in task["description"]
    # Asking again opens nothing new.
    again = browser.post(f"/portal/appointments/{appointment}/cancel")
    assert location_of(again).endswith("?done=already-requested")
    assert len([t for t in open_tasks(scene) if t["focus_id"] == appointment]) == 1
    page = browser.get(f"/portal/appointments/{appointment}?done=cancel-requested")
    assert "the clinic will call you" in page.text


def test_reschedule_inside_the_window(scene, portal_user, portal_session):
    old = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    page = browser.get(f"/portal/appointments/{old}/reschedule")
    assert page.status_code == 200, page.text
    assert f'name="change" value="{old}"' in page.text
    new_time = scene.slot(scene.roles[1], local(TUESDAY, 15))
    review = browser.post("/portal/book/review", {"change": old, "service": "", "slot": new_time})
    assert review.status_code == 200, review.text
    assert f'action="/portal/appointments/{old}/reschedule"' in review.text
    done = browser.post(f"/portal/appointments/{old}/reschedule", {"slot": new_time})
    target = location_of(done)
    assert target.endswith("?done=rescheduled")
    new = re.search(r"/portal/appointments/([0-9a-f-]{36})", target).group(1)
    assert new != old
    rows = {a["id"]: a for a in staff_appointments(scene)}
    assert rows[old]["status"] == "cancelled"
    assert rows[new]["status"] == "booked"
    assert rows[new]["rescheduled_from_id"] == old
    assert rows[new]["start"].startswith("2026-06-02T19:00")


def test_reschedule_outside_the_window_asks_a_coordinator(scene, portal_user, portal_session):
    appointment = staff_book(scene, scene.dora, scene.follow_up, local(TODAY, 15))
    browser = portal_session(portal_user(scene.dora))
    page = browser.get(f"/portal/appointments/{appointment}/reschedule")
    assert page.status_code == 200
    assert 'name="slot"' not in page.text
    done = browser.post(
        f"/portal/appointments/{appointment}/reschedule",
        {"slot": scene.slot(scene.roles[0], local(TUESDAY, 10))},
    )
    assert location_of(done).endswith("?done=reschedule-requested")
    [row] = [a for a in staff_appointments(scene) if a["id"] == appointment]
    assert row["status"] == "booked"
    assert row["start"].startswith("2026-06-01T19:00")
    [task] = [t for t in open_tasks(scene) if t["focus_id"] == appointment]
    assert task["type"] == "reschedule"


def test_a_proxy_sees_the_childs_visits_and_nobody_elses(scene, make, portal_user, portal_session):
    child = make.patient(
        scene.org, given_name="Nico", family_name="Cruz", birth_date=date(2018, 3, 3)
    )
    childs = staff_book(scene, child, scene.video, local(TUESDAY, 9))
    others = staff_book(scene, scene.dora, scene.video, local(TUESDAY, 10))
    parent = portal_user(None, proxy_for=[(child, "parent", "manage")])
    browser = portal_session(parent)
    page = browser.get("/portal/appointments")
    assert childs in page.text
    assert others not in page.text
    assert "Citas de Nico Cruz" in page.text or "Visits of Nico Cruz" in page.text
    assert browser.get(f"/portal/appointments/{childs}").status_code == 200
    assert browser.get(f"/portal/appointments/{others}").status_code == 404
    assert browser.get(f"/portal/appointments/{others}/calendar.ics").status_code == 404
    assert browser.post(f"/portal/appointments/{others}/cancel").status_code == 404
    [row] = [a for a in staff_appointments(scene) if a["id"] == others]
    assert row["status"] == "booked"


def test_a_read_only_proxy_may_look_but_not_cancel(scene, make, portal_user, portal_session):
    child = make.patient(
        scene.org, given_name="Nico", family_name="Cruz", birth_date=date(2018, 3, 3)
    )
    appointment = staff_book(scene, child, scene.video, local(TUESDAY, 9))
    browser = portal_session(portal_user(None, proxy_for=[(child, "guardian", "read")]))
    detail = browser.get(f"/portal/appointments/{appointment}")
    assert detail.status_code == 200
    assert f"/portal/appointments/{appointment}/cancel" not in detail.text
    refused = browser.post(f"/portal/appointments/{appointment}/cancel")
    assert refused.status_code == 403
    assert "read-only" in refused.text or "solo lectura" in refused.text
    [row] = [a for a in staff_appointments(scene) if a["id"] == appointment]
    assert row["status"] == "booked"
    assert (
        browser.post(
            "/portal/book",
            {
                "service": str(scene.video.id),
                "slot": scene.slot(scene.roles[0], local(TUESDAY, 11)),
            },
        ).status_code
        == 403
    )


def test_another_organizations_appointment_is_not_found(scene, api, portal_user, portal_session):
    with clock.frozen_at(NOW):
        other = build(api)
    elsewhere = staff_book(other, other.dora, other.video, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    assert browser.get(f"/portal/appointments/{elsewhere}").status_code == 404
    assert browser.post(f"/portal/appointments/{elsewhere}/confirm").status_code == 404
    assert browser.get(f"/portal/appointments/{uuid.uuid4()}").status_code == 404


def test_the_calendar_file(scene, portal_user, portal_session):
    appointment = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    response = browser.get(f"/portal/appointments/{appointment}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    body = response.text
    assert "BEGIN:VEVENT" in body
    assert f"UID:{appointment}" in body or appointment in body
    assert "DTSTART;TZID=America/New_York:20260602T090000" in body
    assert "Diaz" not in body


def test_a_video_visit_has_its_own_room_link(scene, portal_user, portal_session, runtime):
    appointment = staff_book(scene, scene.dora, scene.video, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    page = browser.get(f"/portal/appointments/{appointment}")
    room = portal.telehealth_room(runtime.secret, uuid.UUID(appointment))
    assert f"https://video.example.org/room/{room}" in page.text
    assert appointment not in room
    assert "Video visit" in page.text
    assert "openstreetmap" not in page.text
    other = staff_book(scene, scene.dora, scene.video, local(TUESDAY, 10))
    assert portal.telehealth_room(runtime.secret, uuid.UUID(other)) != room


def test_confirm_in_the_portal(scene, portal_user, portal_session):
    appointment = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    done = browser.post(f"/portal/appointments/{appointment}/confirm")
    assert location_of(done).endswith("?done=confirmed")
    page = browser.get(f"/portal/appointments/{appointment}")
    assert "Confirmed by you" in page.text
    assert f"/portal/appointments/{appointment}/confirm" not in page.text
    history = scene.coordinator.get(f"/api/v1/appointments/{appointment}").json()["history"]
    assert [h["action"] for h in history][-1] == "confirmed-by-patient"


def test_confirming_from_a_reminder_link_shows_in_the_portal(
    scene, portal_user, portal_session, runtime
):
    from liaison.messaging import links

    appointment = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    token = links.make(
        runtime.secret, "appointment", uuid.UUID(appointment), clock.now() + timedelta(days=14)
    )
    browser = portal_session(portal_user(scene.dora))
    link_page = browser.client.get(f"/r/{token}")
    assert link_page.status_code == 200
    confirmed = browser.client.post(f"/r/{token}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert "confirmed" in confirmed.text
    page = browser.get(f"/portal/appointments/{appointment}")
    assert "Confirmed by you" in page.text


def test_changes_need_the_csrf_token(scene, portal_user, portal_session):
    appointment = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    refused = browser.post(f"/portal/appointments/{appointment}/cancel", csrf=False)
    assert refused.status_code == 403
    [row] = [a for a in staff_appointments(scene) if a["id"] == appointment]
    assert row["status"] == "booked"


def test_the_waitlist(scene, portal_user, portal_session, runtime):
    browser = portal_session(portal_user(scene.dora))
    form = browser.get(f"/portal/book/waitlist?service={scene.follow_up.id}")
    assert form.status_code == 200
    bad = browser.post(
        "/portal/book/waitlist",
        {
            "service": str(scene.follow_up.id),
            "earliest_date": "2026-06-20",
            "latest_date": "2026-06-10",
        },
    )
    assert bad.status_code == 422
    assert "The last date must not be before the first one." in bad.text
    assert 'aria-invalid="true"' in bad.text
    done = browser.post(
        "/portal/book/waitlist",
        {
            "service": str(scene.follow_up.id),
            "earliest_date": "2026-06-03",
            "time_of_day": "morning",
        },
    )
    assert location_of(done) == "/portal/appointments?done=waitlisted"
    again = browser.post("/portal/book/waitlist", {"service": str(scene.follow_up.id)})
    assert location_of(again) == "/portal/appointments?done=already-waiting"
    with runtime.db.session() as session:
        entries = list(
            session.scalars(select(WaitlistEntry).execution_options(liaison_tenant_scope="system"))
        )
    assert len(entries) == 1
    assert entries[0].patient_id == scene.dora.id
    assert entries[0].times_of_day == [{"start": "06:00", "end": "12:00"}]
    assert entries[0].created_by_user_id is None  # the patient, not staff
    page = browser.get("/portal/appointments")
    assert "Follow-up: waiting since" in page.text
    leave = re.search(r'action="(/portal/appointments/waitlist/[0-9a-f-]+/leave)"', page.text)
    assert location_of(browser.post(leave.group(1))) == "/portal/appointments?done=left-waitlist"


# --- Service level: throttle, audit ---------------------------------------------------


def test_the_throttle(scene, runtime, portal_user, monkeypatch):
    monkeypatch.setattr(portal, "ACTIONS_PER_DAY", 2)
    user = portal_user(scene.dora)
    for hour in (9, 10):
        with acting(runtime, user) as ctx:
            dora = access.require_patient(ctx, scene.dora.id)
            portal.book(ctx, dora, scene.video.id, scene.roles[0].id, local(TUESDAY, hour))
    with pytest.raises(TooManyRequests), acting(runtime, user) as ctx:
        dora = access.require_patient(ctx, scene.dora.id)
        portal.book(ctx, dora, scene.video.id, scene.roles[0].id, local(TUESDAY, 11))
    clock.advance(timedelta(days=1, minutes=1))
    with acting(runtime, user) as ctx:
        dora = access.require_patient(ctx, scene.dora.id)
        portal.book(ctx, dora, scene.video.id, scene.roles[0].id, local(date(2026, 6, 4), 11))


def test_service_level_refusals(scene, make, runtime, portal_user):
    child = make.patient(scene.org, given_name="Nico", family_name="Cruz")
    reader = portal_user(None, proxy_for=[(child, "guardian", "read")])
    with acting(runtime, reader) as ctx:
        nico = access.require_patient(ctx, child.id)
        with pytest.raises(PermissionDenied):
            portal.book(ctx, nico, scene.video.id, scene.roles[0].id, local(TUESDAY, 9))
    with acting(runtime, reader) as ctx, pytest.raises(NotFound):
        access.require_patient(ctx, scene.dora.id)
    staff_book(scene, scene.dora, scene.video, local(TUESDAY, 9))
    user = portal_user(scene.carla)
    with acting(runtime, user) as ctx:
        carla = access.require_patient(ctx, scene.carla.id)
        with pytest.raises(SlotTaken) as taken:
            portal.book(ctx, carla, scene.video.id, scene.roles[0].id, local(TUESDAY, 9))
        assert taken.value.extensions["alternatives"]


def test_every_portal_action_is_audited(scene, portal_user, portal_session, runtime):
    user = portal_user(scene.dora)
    browser = portal_session(user)
    start = local(TUESDAY, 10)
    target = location_of(
        browser.post(
            "/portal/book",
            {"service": str(scene.follow_up.id), "slot": scene.slot(scene.roles[0], start)},
        )
    )
    appointment = re.search(r"/portal/appointments/([0-9a-f-]{36})", target).group(1)
    browser.get(target)
    browser.get(f"/portal/appointments/{appointment}/calendar.ics")
    location_of(browser.post(f"/portal/appointments/{appointment}/cancel"))
    with runtime.db.session() as session:
        rows = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.user_id == user.id)
                .order_by(AuditEvent.seq)
                .execution_options(liaison_tenant_scope="system")
            )
        )
    portal_rows = [r for r in rows if (r.details or {}).get("via") == "portal"]
    assert {(r.action, r.resource_type) for r in portal_rows} >= {
        ("create", "Appointment"),
        ("read", "Appointment"),
        ("update", "Appointment"),
    }
    created = [r for r in portal_rows if r.action == "create" and r.resource_type == "Appointment"]
    assert len(created) == 1
    assert created[0].resource_id == appointment
    assert created[0].patient_id == scene.dora.id
    cancels = [r for r in portal_rows if r.details.get("change") == "cancel"]
    assert len(cancels) == 1  # one action, one row
    assert all(r.organization_id == scene.org.id for r in portal_rows)
    # A refused attempt is audited too, with its outcome.
    with clock.frozen_at(NOW):
        browser.get(f"/portal/appointments/{uuid.uuid4()}")
    with runtime.db.session() as session:
        denied = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.user_id == user.id, AuditEvent.outcome == "denied")
            .execution_options(liaison_tenant_scope="system")
        ).all()
    assert denied


def test_urls_carry_no_patient_data(scene, portal_user, portal_session):
    browser = portal_session(portal_user(scene.carla))
    pages = [
        browser.get("/portal/appointments"),
        browser.get("/portal/book"),
        browser.get(f"/portal/book/slots?service={scene.new_visit.id}"),
    ]
    for response in pages:
        for href in re.findall(r'(?:href|action)="([^"]+)"', response.text):
            parsed = urlparse(href)
            for secret in ("Carla", "Cruz", str(scene.carla.id), "1980"):
                assert secret not in href, href
            assert parsed.scheme in ("", "https")


def test_patients_racing_for_one_time_one_wins_and_the_others_are_told(
    scene, app, runtime, portal_user
):
    """Six patients press "Book" for the same time at the same moment (their own
    requests, connections and transactions): one visit is booked, every other patient
    gets the "just taken" page, never an error."""
    import threading

    from fastapi.testclient import TestClient

    from liaison.auth.dependencies import SESSION_COOKIE
    from tests.fixtures.factories import Factory

    make = Factory(runtime, None)
    patients = [
        make.patient(scene.org, given_name=f"Racer{n}", family_name="Ruiz") for n in range(6)
    ]
    start = local(TUESDAY, 11)
    slot = scene.slot(scene.roles[0], start)
    clients = []
    for patient in patients:
        user = portal_user(patient)
        with runtime.db.session() as session:
            token, _ = auth_service.start_session(
                session,
                runtime.settings,
                session.get(User, user.id),
                client_ip="127.0.0.1",
                user_agent="pytest",
                organization_id=None,
            )
        client = TestClient(app, raise_server_exceptions=False)
        client.cookies.set(SESSION_COOKIE, token)
        clients.append((client, runtime.csrf_for(token)))
    barrier = threading.Barrier(len(clients))
    answers: list[Any] = []
    lock = threading.Lock()

    def press(client: TestClient, csrf: str) -> None:
        barrier.wait()
        response = client.post(
            "/portal/book",
            data={"service": str(scene.video.id), "slot": slot, "csrf_token": csrf},
            headers={"Accept": "text/html"},
            follow_redirects=False,
        )
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=press, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [303] + [409] * 5, [(r.status_code, r.text[:300]) for r in answers]
    for response in answers:
        if response.status_code == 409:
            assert "That time was just taken" in response.text or "Ese horario" in response.text
    at_eleven = [
        a
        for a in staff_appointments(scene, status="booked")
        if a["start"].startswith("2026-06-02T15:00")
    ]
    assert len(at_eleven) == 1


def test_a_visit_the_clinic_books_is_moved_by_asking(scene, portal_user, portal_session):
    """A visit type that needs approval: the portal does not offer new times even far
    ahead; asking opens a routine task, and cancelling is still the patient's own."""
    appointment = staff_book(scene, scene.dora, scene.procedure, local(TUESDAY, 9))
    browser = portal_session(portal_user(scene.dora))
    detail = browser.get(f"/portal/appointments/{appointment}")
    assert "The clinic books this kind of visit" in detail.text
    assert f'href="/portal/appointments/{appointment}/reschedule"' not in detail.text
    assert browser.get(f"/portal/appointments/{appointment}/reschedule").status_code == 200
    done = browser.post(f"/portal/appointments/{appointment}/reschedule")
    assert location_of(done).endswith("?done=reschedule-requested")
    [task] = [t for t in open_tasks(scene) if t["focus_id"] == appointment]
    assert task["title"] == "Portal: patient asks to reschedule a visit the clinic books"
    assert task["priority"] == "routine"
    cancelled = browser.post(f"/portal/appointments/{appointment}/cancel")
    assert location_of(cancelled).endswith("?done=cancelled")


def test_a_reminder_link_cancels_early_but_asks_the_clinic_within_the_window(
    scene, portal_user, portal_session, runtime
):
    """The link in a reminder follows the organization's window like the portal: a visit
    far ahead is cancelled at once; one closer than the window stays booked and a
    coordinator gets the request."""
    from liaison.messaging import links

    def link(appointment_id: str) -> str:
        return links.make(
            runtime.secret,
            "appointment",
            uuid.UUID(appointment_id),
            clock.now() + timedelta(days=30),
        )

    soon = staff_book(scene, scene.dora, scene.follow_up, clock.now() + timedelta(hours=3))
    client = portal_session(portal_user(scene.dora)).client
    answer = client.post(f"/r/{link(soon)}/cancel")
    assert answer.status_code == 200 and "will call" in answer.text
    [row] = [a for a in staff_appointments(scene) if a["id"] == soon]
    assert row["status"] == "booked"
    tasks = scene.coordinator.get("/api/v1/tasks", params={"view": "all"}).json()["items"]
    assert [t["focus_id"] for t in tasks if t["type"] == "reschedule"] == [soon]

    later = staff_book(scene, scene.dora, scene.follow_up, local(TUESDAY, 9))
    page = client.get(f"/r/{link(later)}")
    assert "UTC" not in page.text
    assert client.post(f"/r/{link(later)}/cancel").status_code == 200
    [row] = [a for a in staff_appointments(scene) if a["id"] == later]
    assert row["status"] == "cancelled"


def test_portal_errors_are_the_portals_own_page_in_the_patients_language(
    scene, portal_user, portal_session
):
    browser = portal_session(portal_user(scene.dora))
    missing = browser.get(f"/portal/appointments/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert "Back to the portal" in missing.text and "Back to the start page" not in missing.text
    browser.client.cookies.set("liaison_portal_lang", "es")
    spanish = browser.get(f"/portal/appointments/{uuid.uuid4()}")
    assert "No encontrado" in spanish.text
