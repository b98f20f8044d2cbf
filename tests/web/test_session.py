"""Signing in and out of the web UI, the CSRF check, and the idle timeout."""

from __future__ import annotations

from datetime import timedelta

from liaison.auth.dependencies import SESSION_COOKIE
from liaison.kit import clock
from tests.web.test_patients import count, new_patient_form


def test_signing_in_shows_the_shell_with_the_session_csrf_token(browser, make):
    org = make.organization(name="Riverside Clinic")
    user = make.user(org, "coordinator")

    response = browser.login(user.email)

    assert response.status_code == 303
    home = browser.get("/")
    assert home.status_code == 200
    assert "Riverside Clinic" in home.text and 'href="/patients"' in home.text
    assert browser.csrf and browser.csrf in home.text


def test_a_wrong_password_is_refused_without_a_session(browser, make):
    org = make.organization()
    user = make.user(org)

    response = browser.login(user.email, "not the password")

    assert response.status_code == 401
    assert "incorrect" in response.text
    assert SESSION_COOKIE not in browser.client.cookies


def test_pages_need_a_session(browser):
    response = browser.get("/patients", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/patients"


def test_an_unsafe_post_without_the_csrf_token_is_refused(signed_in, make, runtime):
    org = make.organization()
    browser = signed_in(org, "admin")

    missing = browser.post("/patients/new", new_patient_form(), csrf=False)
    forged = browser.post("/patients/new", {**new_patient_form(), "csrf_token": "0" * 64})
    location = browser.post(
        "/directory/locations/new",
        {"name": "Annex", "time_zone": "UTC", "country": "US"},
        csrf=False,
    )

    assert (missing.status_code, forged.status_code, location.status_code) == (403, 403, 403)
    assert "CSRF" in missing.text
    assert count(runtime) == 0
    assert "Annex" not in browser.get("/directory/locations").text


def test_the_csrf_header_htmx_sends_is_accepted(signed_in, make):
    org = make.organization()
    browser = signed_in(org)

    response = browser.client.post(
        "/patients/new",
        data={k: v for k, v in new_patient_form().items()},
        headers={"X-CSRF-Token": browser.csrf, "Accept": "text/html"},
        follow_redirects=False,
    )

    assert response.status_code == 303


def test_an_idle_session_expires_and_redirects_to_sign_in(signed_in, make):
    org = make.organization()
    browser = signed_in(org)
    assert browser.get("/patients").status_code == 200

    clock.advance(timedelta(minutes=31))
    page = browser.get("/patients", follow_redirects=False)
    fragment = browser.get("/patients?q=x", headers={"HX-Request": "true"}, follow_redirects=False)

    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/patients"
    assert fragment.headers.get("hx-redirect", "").startswith("/login?next=")


def test_activity_keeps_the_session_alive(signed_in, make):
    org = make.organization()
    browser = signed_in(org)

    for _ in range(3):
        clock.advance(timedelta(minutes=20))
        assert browser.get("/patients", follow_redirects=False).status_code == 200


def test_logout_revokes_the_session_on_the_server(signed_in, make):
    org = make.organization()
    browser = signed_in(org)
    token = browser.client.cookies[SESSION_COOKIE]

    response = browser.post("/logout")

    assert response.status_code == 303 and response.headers["location"] == "/login"
    # A copy of the cookie (another tab, a stolen value) no longer works.
    browser.client.cookies.set(SESSION_COOKIE, token)
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_an_organization_the_user_does_not_belong_to_cannot_be_chosen(signed_in, make):
    mine, theirs = make.organization(), make.organization(name="Not Mine")
    browser = signed_in(mine)

    response = browser.post("/session/organization", {"organization_id": str(theirs.id)})

    assert response.status_code == 404
    assert "Not Mine" not in browser.get("/patients").text
