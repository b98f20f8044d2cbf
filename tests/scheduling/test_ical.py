"""iCalendar: a practitioner's feed behind a secret revocable link, and one .ics per
appointment, with the right time zone."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar

from tests.scheduling.conftest import local


def _book(clinic, start):
    response = clinic.coordinator.post("/api/v1/appointments", json=clinic.booking(start))
    assert response.status_code == 201, response.text
    return response.json()


def test_feed_lists_appointments_in_local_time_with_vtimezone(api, clinic):
    _book(clinic, local(date(2026, 6, 2), 9))
    issued = clinic.admin.post(
        f"/api/v1/practitioners/{clinic.practitioners[0].id}/calendar-feeds",
        json={"label": "Phone"},
    )
    assert issued.status_code == 201, issued.text
    url = issued.json()["url"]
    path = url[url.index("/ical/") :]
    response = api.client.get(path)  # no credentials: the link is the credential
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.decoded("DTSTART").strftime("%Y-%m-%d %H:%M") == "2026-06-02 09:00"
    assert str(event["SUMMARY"]) == "Follow-up — C.C."  # initials only: the feed leaves Liaison
    assert "Cruz" not in response.text and "Carla" not in response.text
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]


def test_revoked_feed_is_gone(api, clinic):
    issued = clinic.admin.post(
        f"/api/v1/practitioners/{clinic.practitioners[0].id}/calendar-feeds", json={}
    ).json()
    path = issued["url"][issued["url"].index("/ical/") :]
    assert api.client.get(path).status_code == 200
    revoked = clinic.admin.delete(
        f"/api/v1/practitioners/{clinic.practitioners[0].id}/calendar-feeds/{issued['id']}"
    )
    assert revoked.status_code == 204
    assert api.client.get(path).status_code == 404
    assert api.client.get("/ical/" + "x" * 43 + ".ics").status_code == 404


def test_coordinator_cannot_issue_feeds_but_the_practitioner_can(api, runtime, clinic):
    url = f"/api/v1/practitioners/{clinic.practitioners[0].id}/calendar-feeds"
    assert clinic.coordinator.post(url, json={}).status_code == 403
    from liaison.models import Membership

    user = api.user(clinic.org, "practitioner")
    with runtime.db.session() as s:
        from sqlalchemy import update

        from liaison.authz.scope import unscoped_system

        s.execute(
            unscoped_system(
                update(Membership)
                .where(Membership.user_id == user.id)
                .values(practitioner_id=clinic.practitioners[0].id),
                "test",
            )
        )
    assert api.caller(user).post(url, json={}).status_code == 201


def test_one_appointment_ics(api, clinic):
    from liaison.kit import clock

    with clock.frozen_at(local(date(2026, 10, 26), 8)):
        clinic.coordinator = api.login(clinic.org, "coordinator")
        booked = _book(clinic, local(date(2026, 11, 2), 9))  # the day after the autumn change
        response = clinic.coordinator.get(f"/api/v1/appointments/{booked['id']}/calendar.ics")
    assert response.status_code == 200
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("DTSTART").utcoffset().total_seconds() == -5 * 3600
    assert event["UID"] == f"{booked['id']}@liaison"
