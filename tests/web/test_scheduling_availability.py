"""The availability editor: weekly hours, date overrides and blocked time, the slots
they make, and who may change them."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from liaison.authz.scope import unscoped_system
from liaison.models import AvailabilityRule, Schedule, ScheduleBlock, ScheduleOverride


def _count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        return int(
            session.scalar(unscoped_system(select(func.count()).select_from(model), "test")) or 0
        )


def _rule(**changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "rule-weekdays": ["6"],
        "rule-start_time": "10:00",
        "rule-end_time": "12:00",
        "rule-valid_from": "2026-06-01",
        "rule-every_weeks": "1",
    }
    form.update(changes)
    return form


def test_an_admin_adds_weekly_hours_and_the_preview_shows_their_slots(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")
    schedule = clinic.schedules[0]
    url = f"/schedule/availability?schedule_id={schedule.id}"
    page = browser.get(url)
    assert page.status_code == 200
    assert (
        "Ann Adams at Harbor Main" in page.text
        and "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR" in page.text
    )

    added = browser.post(
        f"/schedule/availability/{schedule.id}/rules", _rule(**{"rule-label": "Saturday clinic"})
    )

    assert added.status_code == 303
    assert added.headers["location"] == f"{url}&done=rule-added"
    page = browser.get(added.headers["location"])
    assert "The weekly hours were added." in page.text
    assert "FREQ=WEEKLY;INTERVAL=1;BYDAY=SA" in page.text and "Saturday clinic" in page.text
    preview = browser.get(
        f"{url}&preview_service_id={clinic.service.id}&preview_from=2026-06-05&preview_to=2026-06-07",
        headers={"HX-Request": "true", "HX-Target": "preview-results"},
    )
    assert preview.status_code == 200 and "<html" not in preview.text
    days = dict(re.findall(r"<strong>\w{3} (2026-06-0\d)</strong>: (.*?)</li>", preview.text, re.S))
    assert re.findall(r">(\d\d:\d\d)</time>", days["2026-06-06"]) == [
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert "none" in days["2026-06-07"]
    assert days["2026-06-05"].startswith("16 ")  # Friday 09:00-17:00 by the weekday rule
    assert "<strong>20</strong> slots" in preview.text


def test_a_rule_with_problems_is_shown_next_to_its_fields_and_not_stored(
    signed_in, clinic, runtime
):
    browser = signed_in(clinic.org, "admin")
    before = _count(runtime, AvailabilityRule)

    refused = browser.post(
        f"/schedule/availability/{clinic.schedules[0].id}/rules",
        _rule(**{"rule-weekdays": [], "rule-end_time": "09:00", "rule-release_hours_before": "4"}),
    )

    assert refused.status_code == 422
    assert "Tick at least one weekday" in refused.text
    assert (
        'id="f-rule-end_time-error"' in refused.text
        and "Closes must be after start_time" in refused.text
    )
    assert "applies only to time reserved for visit types" in refused.text
    assert 'value="09:00"' in refused.text  # what was typed is kept
    assert _count(runtime, AvailabilityRule) == before


def test_removing_hours_takes_their_slots_away(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")
    schedule = clinic.schedules[0]
    page = browser.get(f"/schedule/availability?schedule_id={schedule.id}")
    [rule_id] = re.findall(
        rf"/schedule/availability/{schedule.id}/rules/([0-9a-f-]{{36}})/remove", page.text
    )

    removed = browser.post(f"/schedule/availability/{schedule.id}/rules/{rule_id}/remove", {})

    assert removed.status_code == 303 and removed.headers["location"].endswith("done=rule-removed")
    preview = browser.get(
        f"/schedule/availability?schedule_id={schedule.id}&preview_service_id={clinic.service.id}"
        "&preview_from=2026-06-02&preview_to=2026-06-03"
    )
    assert "<strong>0</strong> slots" in preview.text


def test_date_overrides_are_added_and_removed(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")
    schedule = clinic.schedules[0]

    added = browser.post(
        f"/schedule/availability/{schedule.id}/overrides",
        {
            "override-date": "2026-06-06",
            "override-start_time": "08:00",
            "override-end_time": "09:00",
            "override-reason": "extra clinic",
        },
    )

    assert added.status_code == 303
    page = browser.get(f"/schedule/availability?schedule_id={schedule.id}")
    assert "Saturday 6 June 2026" in page.text and "extra clinic" in page.text
    [override_id] = re.findall(r"/overrides/([0-9a-f-]{36})/remove", page.text)
    assert (
        browser.post(
            f"/schedule/availability/{schedule.id}/overrides/{override_id}/remove", {}
        ).status_code
        == 303
    )
    assert _count(runtime, ScheduleOverride) == 0


def test_blocked_time_is_read_in_the_schedules_zone(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")
    schedule = clinic.schedules[0]

    added = browser.post(
        f"/schedule/availability/{schedule.id}/blocks",
        {
            "block-start_at": "2026-06-02T12:00",
            "block-end_at": "2026-06-02T13:30",
            "block-kind": "time-off",
            "block-reason": "dentist",
        },
    )

    assert added.status_code == 303
    with runtime.db.session() as session:
        block = session.scalars(unscoped_system(select(ScheduleBlock), "test")).one()
        assert (block.start_at.isoformat(), block.end_at.isoformat()) == (
            "2026-06-02T16:00:00+00:00",
            "2026-06-02T17:30:00+00:00",
        )
    page = browser.get(f"/schedule/availability?schedule_id={schedule.id}")
    assert "Tue 2 Jun 2026, 12:00 EDT" in page.text and "dentist" in page.text
    day = browser.get(f"/schedule/day?date=2026-06-02&location_id={clinic.location.id}")
    assert "Time off 12:00\u201313:30: dentist" in day.text
    preview = browser.get(
        f"/schedule/availability?schedule_id={schedule.id}&preview_service_id={clinic.service.id}"
        "&preview_from=2026-06-02&preview_to=2026-06-02"
    )
    assert (
        ">11:30</time>" in preview.text
        and ">12:00</time>" not in preview.text
        and ">13:30</time>" in preview.text
    )


def test_a_time_the_clocks_skip_is_a_field_error(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")

    refused = browser.post(
        f"/schedule/availability/{clinic.schedules[0].id}/blocks",
        {
            "block-start_at": "2026-03-08T02:30",
            "block-end_at": "2026-03-08T04:00",
            "block-kind": "block",
        },
    )

    assert refused.status_code == 422
    assert 'id="f-block-start_at-error"' in refused.text
    assert "02:30 does not exist on 2026-03-08 in America/New_York" in refused.text
    assert 'value="2026-03-08T02:30"' in refused.text
    assert _count(runtime, ScheduleBlock) == 0


def test_an_override_at_a_time_the_clocks_skip_is_a_field_error(signed_in, clinic, runtime):
    browser = signed_in(clinic.org, "admin")

    refused = browser.post(
        f"/schedule/availability/{clinic.schedules[0].id}/overrides",
        {
            "override-date": "2026-03-08",
            "override-start_time": "02:30",
            "override-end_time": "05:00",
        },
    )

    assert refused.status_code == 422
    assert (
        'id="f-override-start_time-error"' in refused.text
        and "does not exist on 2026-03-08" in refused.text
    )
    assert _count(runtime, ScheduleOverride) == 0


def test_a_role_without_a_schedule_is_set_up_with_one_button(signed_in, clinic, make, runtime):
    browser = signed_in(clinic.org, "admin")
    cyd = make.practitioner(clinic.org, given_name="Cyd", family_name="Cole")
    role = make.role(cyd, clinic.location, [clinic.service])
    page = browser.get("/schedule/availability")
    assert f'value="role:{role.id}"' in page.text

    created = browser.post("/schedule/availability/setup", {"owner": f"role:{role.id}"})

    assert created.status_code == 303
    with runtime.db.session() as session:
        schedule = session.scalars(
            unscoped_system(
                select(Schedule).where(Schedule.practitioner_role_id == role.id), "test"
            )
        ).one()
    assert (
        created.headers["location"]
        == f"/schedule/availability?schedule_id={schedule.id}&done=schedule-created"
    )
    page = browser.get(created.headers["location"])
    assert "Cyd Cole at Harbor Main" in page.text and "No weekly hours" in page.text
    assert f'value="role:{role.id}"' not in page.text


def test_a_coordinator_sees_availability_read_only(signed_in, clinic, make, runtime):
    browser = signed_in(clinic.org)
    schedule = clinic.schedules[0]
    role = make.role(make.practitioner(clinic.org), clinic.location, [clinic.service])

    page = browser.get(f"/schedule/availability?schedule_id={schedule.id}")

    assert page.status_code == 200
    assert "only administrators change it" in page.text
    assert (
        "FREQ=WEEKLY" in page.text and "Add hours" not in page.text and ">Remove<" not in page.text
    )
    assert "Set up availability" not in page.text
    before = _count(runtime, AvailabilityRule)
    assert browser.post(f"/schedule/availability/{schedule.id}/rules", _rule()).status_code == 403
    assert (
        browser.post(
            f"/schedule/availability/{schedule.id}/blocks",
            {"block-start_at": "2026-06-02T12:00", "block-end_at": "2026-06-02T13:00"},
        ).status_code
        == 403
    )
    assert (
        browser.post("/schedule/availability/setup", {"owner": f"role:{role.id}"}).status_code
        == 403
    )
    assert _count(runtime, AvailabilityRule) == before and _count(runtime, ScheduleBlock) == 0


def test_another_organizations_schedule_is_not_found(signed_in, clinic, make):
    browser = signed_in(make.organization(), "admin")
    schedule = clinic.schedules[0]

    assert browser.get(f"/schedule/availability?schedule_id={schedule.id}").status_code == 404
    assert browser.post(f"/schedule/availability/{schedule.id}/rules", _rule()).status_code == 404
