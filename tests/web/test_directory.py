"""Directory admin pages: admins create and edit, everyone else reads."""

from __future__ import annotations

import re

import pytest


def test_the_overview_links_every_directory_page(signed_in, make):
    org = make.organization()
    browser = signed_in(org, "admin")

    page = browser.get("/directory")

    assert page.status_code == 200
    for slug in ("organization", "locations", "practitioners", "visit-types", "roles", "devices"):
        assert f'href="/directory/{slug}"' in page.text


def test_an_admin_creates_and_edits_a_location(signed_in, make):
    org = make.organization()
    browser = signed_in(org, "admin")

    created = browser.post(
        "/directory/locations/new",
        {
            "name": "Downtown",
            "city": "Chicago",
            "state": "IL",
            "country": "us",
            "time_zone": "America/Chicago",
            "phone": "312-555-0100",
        },
    )
    assert created.status_code == 303
    listing = browser.get(created.headers["location"])
    assert (
        "Created." in listing.text and "Downtown" in listing.text and "Chicago, IL" in listing.text
    )
    row_id = re.search(
        r'href="/directory/locations/([0-9a-f-]{36})">Downtown<', listing.text
    ).group(1)  # type: ignore[union-attr]

    edit = browser.get(f"/directory/locations/{row_id}")
    assert 'value="Downtown"' in edit.text and 'value="America/Chicago" selected' in edit.text
    saved = browser.post(
        f"/directory/locations/{row_id}",
        {"name": "Downtown Loop", "country": "US", "time_zone": "America/Chicago", "active": "on"},
    )
    assert saved.status_code == 303
    listing = browser.get("/directory/locations").text
    assert "Downtown Loop" in listing and "Chicago, IL" not in listing, "a cleared field is cleared"


def test_a_duplicate_name_is_shown_on_the_field(signed_in, make):
    org = make.organization()
    make.location(org, name="Main")
    browser = signed_in(org, "admin")

    page = browser.post(
        "/directory/locations/new", {"name": "Main", "country": "US", "time_zone": "UTC"}
    )

    assert page.status_code == 409
    assert 'id="f-name-error"' in page.text and "A location with this name exists" in page.text
    assert browser.get("/directory/locations").text.count(">Main<") == 1


def test_visit_type_problems_are_shown_per_field(signed_in, make):
    org = make.organization()
    browser = signed_in(org, "admin")

    page = browser.post(
        "/directory/visit-types/new",
        {
            "code": "new visit",
            "name": "",
            "duration_minutes": "3",
            "modality": "in-person",
            "new_patients": "on",
        },
    )

    assert page.status_code == 422
    assert "Code contains characters that are not allowed here" in page.text
    assert "Name is required" in page.text
    assert 'id="f-duration_minutes-error"' in page.text
    assert 'value="new visit"' in page.text
    assert "No visit types yet." in browser.get("/directory/visit-types").text


def test_a_practitioner_and_a_role_with_visit_types(signed_in, make):
    org = make.organization()
    site = make.location(org, name="North Site")
    checkup, vaccine, _other = (make.service(org, name=n) for n in ("Checkup", "Vaccine", "Other"))
    browser = signed_in(org, "admin")

    created = browser.post(
        "/directory/practitioners/new",
        {
            "prefix": "Dr.",
            "given_name": "Ana",
            "family_name": "Ruiz",
            "gender": "female",
            "specialties": "family-medicine, pediatrics",
            "languages": "en, es",
        },
    )
    assert created.status_code == 303
    practitioners = browser.get("/directory/practitioners").text
    assert "Dr. Ana Ruiz" in practitioners and "family-medicine, pediatrics" in practitioners
    ana = re.search(
        r'href="/directory/practitioners/([0-9a-f-]{36})">Dr. Ana Ruiz<', practitioners
    ).group(1)  # type: ignore[union-attr]

    form = browser.get("/directory/roles/new").text
    assert 'type="checkbox" name="service_ids"' in form and "Vaccine" in form
    role = browser.client.post(
        "/directory/roles/new",
        data={
            "csrf_token": browser.csrf,
            "practitioner_id": ana,
            "location_id": str(site.id),
            "service_ids": [str(checkup.id), str(vaccine.id)],
        },
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert role.status_code == 303
    roles = browser.get("/directory/roles").text
    assert "Dr. Ana Ruiz at North Site" in roles and "Checkup, Vaccine" in roles

    role_id = re.search(r'href="/directory/roles/([0-9a-f-]{36})"', roles).group(1)  # type: ignore[union-attr]
    edit = browser.get(f"/directory/roles/{role_id}").text
    assert f'value="{checkup.id}" checked' in edit and f'value="{_other.id}">' in edit
    browser.post(f"/directory/roles/{role_id}", {"service_ids": str(vaccine.id), "active": "on"})
    assert "Checkup" not in browser.get("/directory/roles").text.split("<tbody>")[1]


def test_a_device_belongs_to_a_location(signed_in, make):
    org = make.organization()
    site = make.location(org, name="East")
    browser = signed_in(org, "admin")

    created = browser.post(
        "/directory/devices/new",
        {"location_id": str(site.id), "name": "Room 4", "category": "room", "kind": "exam-room"},
    )

    assert created.status_code == 303
    devices = browser.get("/directory/devices").text
    assert "Room 4" in devices and "exam-room" in devices and ">East<" in devices


def test_organization_settings_business_hours_and_holidays(signed_in, make):
    org = make.organization(name="Old Name")
    browser = signed_in(org, "admin")
    hours = {
        "business_hours-mon-0-start": "08:00",
        "business_hours-mon-0-end": "12:00",
        "business_hours-mon-1-start": "13:00",
        "business_hours-mon-1-end": "17:00",
        "business_hours-sat-1-start": "09:00",
        "business_hours-sat-1-end": "12:00",
    }

    saved = browser.post(
        "/directory/organization", {"name": "New Name", "time_zone": "America/Denver", **hours}
    )

    assert saved.status_code == 303
    page = browser.get("/directory/organization").text
    assert 'value="New Name"' in page and 'value="America/Denver" selected' in page
    assert 'name="business_hours-mon-1-start" type="time" value="13:00"' in page
    # Saturday's only period was typed in the second row; it is stored as the first.
    assert 'name="business_hours-sat-0-start" type="time" value="09:00"' in page
    assert 'name="business_hours-tue-0-start" type="time" value=""' in page, "unlisted days close"

    added = browser.post(
        "/directory/organization/holidays",
        {"holiday-date": "2026-12-25", "holiday-name": "Christmas Day"},
    )
    assert added.status_code == 303
    page = browser.get("/directory/organization").text
    assert "Christmas Day" in page
    holiday_id = re.search(r"/directory/organization/holidays/([0-9a-f-]{36})/remove", page).group(
        1
    )  # type: ignore[union-attr]
    again = browser.post(
        "/directory/organization/holidays", {"holiday-date": "2026-12-25", "holiday-name": "Again"}
    )
    assert again.status_code == 409 and 'id="f-holiday-date-error"' in again.text

    removed = browser.post(f"/directory/organization/holidays/{holiday_id}/remove")
    assert removed.status_code == 303
    assert "Christmas Day" not in browser.get("/directory/organization").text


def test_business_hours_problems_point_at_the_row(signed_in, make):
    org = make.organization(name="Kept")
    browser = signed_in(org, "admin")

    page = browser.post(
        "/directory/organization",
        {
            "name": "Changed",
            "time_zone": "UTC",
            "business_hours-mon-0-start": "12:00",
            "business_hours-mon-0-end": "09:00",
            "business_hours-tue-1-start": "09:00",
        },
    )

    assert page.status_code == 422
    assert 'id="f-business_hours-mon-0-end-error"' in page.text
    assert "must be after start" in page.text
    assert 'id="f-business_hours-tue-1-end-error"' in page.text
    assert "Give the closing time too" in page.text
    assert 'value="Kept"' in browser.get("/directory/organization").text


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/directory/locations/new", {"name": "Annex", "country": "US", "time_zone": "UTC"}),
        ("/directory/organization", {"name": "Taken Over", "time_zone": "UTC"}),
        (
            "/directory/organization/holidays",
            {"holiday-date": "2026-07-04", "holiday-name": "Fourth"},
        ),
    ],
)
def test_a_coordinator_may_not_change_the_directory(signed_in, make, url, form):
    org = make.organization(name="Steady")
    browser = signed_in(org, "coordinator")

    response = browser.post(url, form)

    assert response.status_code == 403
    assert "Annex" not in browser.get("/directory/locations").text
    settings = browser.get("/directory/organization").text
    assert "Steady" in settings and "Fourth" not in settings


def test_a_coordinator_reads_the_directory_without_forms(signed_in, make):
    org = make.organization()
    site = make.location(org, name="West")
    browser = signed_in(org, "coordinator")

    listing = browser.get("/directory/locations")

    assert listing.status_code == 200 and "West" in listing.text
    assert 'href="/directory/locations/new"' not in listing.text
    assert f'href="/directory/locations/{site.id}"' not in listing.text
    assert browser.get("/directory/locations/new").status_code == 403
    assert browser.get(f"/directory/locations/{site.id}").status_code == 403
    settings = browser.get("/directory/organization").text
    assert '<form method="post" action="/directory/organization"' not in settings


def test_another_organizations_record_is_not_found(signed_in, make):
    mine, theirs = make.organization(), make.organization()
    site = make.location(theirs, name="Elsewhere")
    browser = signed_in(mine, "admin")

    assert browser.get(f"/directory/locations/{site.id}").status_code == 404
    response = browser.post(
        f"/directory/locations/{site.id}", {"name": "Mine now", "country": "US", "time_zone": "UTC"}
    )
    assert response.status_code == 404
    assert browser.get("/directory/unknown").status_code == 404
