"""Users admin, audit search and the account page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.kit import clock
from liaison.models import ApiToken, Membership
from tests.fixtures.factories import PASSWORD
from tests.web.conftest import Browser

# --- Users ----------------------------------------------------------------------------


def test_an_admin_adds_a_user_who_can_then_sign_in(signed_in, make, client):
    org = make.organization(name="Lakeside")
    admin = signed_in(org, "admin")

    created = admin.post(
        "/users",
        {
            "display_name": "Nora Nurse",
            "email": "Nora@Example.org",
            "password": "a long enough passphrase",
            "role": "coordinator",
        },
    )

    assert created.status_code == 303
    listing = admin.get(created.headers["location"]).text
    assert "The user was created." in listing
    row = re.search(r"<td data-label=\"Name\">Nora Nurse.*?</tr>", listing, re.S)
    assert row is not None and "nora@example.org" in row.group(0) and "Coordinator" in row.group(0)
    client.cookies.clear()
    assert Browser(client).login("nora@example.org", "a long enough passphrase").status_code == 303


def test_a_taken_email_keeps_the_form_but_not_the_password(signed_in, make):
    org = make.organization()
    existing = make.user(org)
    admin = signed_in(org, "admin")

    page = admin.post(
        "/users",
        {
            "display_name": "Dup",
            "email": existing.email,
            "password": "secret passphrase!",
            "role": "admin",
        },
    )

    assert page.status_code == 422
    assert 'id="f-email-error"' in page.text and 'value="Dup"' in page.text
    assert "secret passphrase!" not in page.text


def test_an_admin_changes_a_role_and_deactivates_a_membership(signed_in, make, runtime):
    org = make.organization()
    colleague = make.user(org, "coordinator")
    admin = signed_in(org, "admin")

    assert (
        admin.post(
            f"/users/{colleague.id}/membership", {"change": "role", "role": "practitioner"}
        ).status_code
        == 303
    )
    assert (
        admin.post(f"/users/{colleague.id}/membership", {"change": "deactivate"}).status_code == 303
    )

    with runtime.db.session() as session:
        membership = session.scalar(
            unscoped_system(select(Membership).where(Membership.user_id == colleague.id), "test")
        )
        assert membership is not None
        assert (membership.role, membership.active) == ("practitioner", False)
    colleague_browser = Browser(admin.client)
    assert colleague_browser.login(colleague.email).status_code == 303
    # Without an active membership the colleague reaches no organization's patients.
    assert colleague_browser.get("/patients").status_code == 404


def test_a_coordinator_sees_users_but_cannot_manage_them(signed_in, make):
    org = make.organization()
    colleague = make.user(org, "admin")
    browser = signed_in(org, "coordinator")

    listing = browser.get("/users")
    assert listing.status_code == 200 and colleague.email in listing.text
    assert 'action="/users"' not in listing.text and "/membership" not in listing.text

    create = browser.post(
        "/users",
        {"display_name": "X", "email": "x@example.org", "password": PASSWORD, "role": "admin"},
    )
    change = browser.post(f"/users/{colleague.id}/membership", {"change": "deactivate"})
    assert (create.status_code, change.status_code) == (403, 403)


# --- Audit ----------------------------------------------------------------------------


def test_the_audit_page_shows_who_read_which_patient(signed_in, make):
    org = make.organization(time_zone="America/Los_Angeles")
    patient = make.patient(org)
    with clock.frozen_at(datetime(2026, 7, 1, 19, 30, tzinfo=UTC)):
        admin = signed_in(org, "admin")
        admin.get(f"/patients/{patient.id}")

        page = admin.get("/audit")

    assert page.status_code == 200
    row = re.search(rf"<tr>(?:(?!</tr>).)*{patient.id}(?:(?!</tr>).)*</tr>", page.text, re.S)
    assert row is not None, "the read of the record is listed"
    assert "2026-07-01 12:30:00" in row.group(0), "shown in the organization's zone (PDT)"
    assert admin.user.display_name in row.group(0) and ">admin<" in row.group(0)
    assert ">read<" in row.group(0) and "Patient" in row.group(0) and "success" in row.group(0)
    assert "testclient" in row.group(0)


def test_audit_filters_read_times_in_the_organizations_zone(signed_in, make):
    org = make.organization(time_zone="America/New_York")
    first, second = make.patient(org), make.patient(org)
    with clock.frozen_at(datetime(2026, 1, 10, 13, 0, tzinfo=UTC)):  # 08:00 in New York
        admin = signed_in(org, "admin")
        admin.get(f"/patients/{first.id}")
    with clock.frozen_at(datetime(2026, 1, 10, 13, 25, tzinfo=UTC)):  # 08:25 in New York
        admin.get(f"/patients/{second.id}")

        early = admin.get("/audit?since=2026-01-10T07:30&until=2026-01-10T08:10&action=read").text
        by_patient = admin.get(f"/audit?patient_id={second.id}").text

    assert str(first.id) in early and str(second.id) not in early
    assert str(second.id) in by_patient and str(first.id) not in by_patient


def test_audit_pages_older_and_newer(signed_in, make):
    org = make.organization()
    patients = [make.patient(org) for _ in range(55)]
    admin = signed_in(org, "admin")
    for patient in patients:
        admin.get(f"/patients/{patient.id}")

    seqs = lambda text: [int(s) for s in re.findall(r'<td data-label="#">(\d+)</td>', text)]  # noqa: E731
    newest = admin.get("/audit?action=read")
    assert len(seqs(newest.text)) == 50 and seqs(newest.text) == sorted(
        seqs(newest.text), reverse=True
    )
    assert "Newer events" not in newest.text
    older_url = (
        re.search(r'href="(/audit\?[^"]+)" rel="next"', newest.text).group(1).replace("&amp;", "&")
    )  # type: ignore[union-attr]
    older = admin.get(older_url)
    assert len(seqs(older.text)) == 5 and max(seqs(older.text)) < min(seqs(newest.text))
    assert "Older events" not in older.text
    newer_url = (
        re.search(r'href="(/audit\?[^"]+)" rel="prev"', older.text).group(1).replace("&amp;", "&")
    )  # type: ignore[union-attr]
    assert seqs(admin.get(newer_url).text) == seqs(newest.text)

    oldest_first = admin.get("/audit?action=read&order=asc")
    assert seqs(oldest_first.text) == sorted(seqs(oldest_first.text))
    assert min(seqs(oldest_first.text)) == min(seqs(older.text))


def test_audit_filter_mistakes_are_shown(signed_in, make):
    org = make.organization()
    admin = signed_in(org, "admin")

    page = admin.get("/audit?user_id=bob&since=yesterday")

    assert page.status_code == 422
    assert 'id="f-user_id-error"' in page.text and 'id="f-since-error"' in page.text
    backwards = admin.get("/audit?since=2026-02-01T00:00&until=2026-01-01T00:00")
    assert (
        backwards.status_code == 422
        and "Until (not including) must be after since" in backwards.text
    )


def test_a_coordinator_may_not_search_the_audit_trail(signed_in, make):
    org = make.organization()
    browser = signed_in(org, "coordinator")

    assert 'href="/audit"' not in browser.get("/").text
    assert browser.get("/audit").status_code == 403


# --- Account --------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(signed_in, make, app):
    from fastapi.testclient import TestClient

    org = make.organization()
    browser = signed_in(org)
    with TestClient(app, raise_server_exceptions=False) as other_client:
        other = Browser(other_client)
        assert other.login(browser.user.email).status_code == 303

        changed = browser.post(
            "/account/password",
            {
                "current_password": PASSWORD,
                "new_password": "a brand new passphrase",
                "confirm_password": "a brand new passphrase",
            },
        )

        assert changed.status_code == 303
        assert "Your password was changed" in browser.get(changed.headers["location"]).text
        assert other.get("/", follow_redirects=False).status_code == 303
    assert browser.get("/patients").status_code == 200


def test_password_change_problems_are_shown(signed_in, make):
    org = make.organization()
    browser = signed_in(org)

    wrong_current = browser.post(
        "/account/password",
        {
            "current_password": "not it",
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    weak = browser.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    mismatch = browser.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "another",
        },
    )

    assert "Current password is incorrect" in wrong_current.text
    assert "New password must be at least 12 characters" in weak.text
    assert "New password again does not match the new password" in mismatch.text
    assert Browser(browser.client).login(browser.user.email).status_code == 303, "unchanged"


def test_an_api_token_is_shown_once_and_can_be_revoked(signed_in, make, runtime, client):
    org = make.organization()
    browser = signed_in(org)

    created = browser.post("/account/tokens", {"name": "reporting script", "days": "7"})

    assert created.status_code == 200
    secret = re.search(
        r'id="new-token" type="text" readonly value="(lia_[^"]+)"', created.text
    ).group(1)  # type: ignore[union-attr]
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    listing = browser.get("/account").text
    assert "reporting script" in listing and secret not in listing

    token_id = re.search(r"/account/tokens/([0-9a-f-]{36})/revoke", listing).group(1)  # type: ignore[union-attr]
    assert browser.post(f"/account/tokens/{token_id}/revoke").status_code == 303
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    with runtime.db.session() as session:
        token = session.get(ApiToken, uuid.UUID(token_id))
        assert token is not None and token.revoked_at is not None
        assert token.expires_at - token.created_at == timedelta(days=7)


def test_a_token_needs_a_name(signed_in, make):
    org = make.organization()
    browser = signed_in(org)

    page = browser.post("/account/tokens", {"name": " ", "days": "30"})

    assert page.status_code == 422 and "Name is required" in page.text
    assert "lia_" not in page.text
