"""Signing in, sessions, API tokens, throttling and password changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from liaison.kit import clock
from tests.fixtures.factories import PASSWORD


def _token(client, email, password=PASSWORD, **extra):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password, **extra})


def test_token_issue_use_list_and_revoke(api):
    org = api.organization()
    user = api.user(org, "coordinator")
    issued = _token(api.client, user.email, name="laptop")
    assert issued.status_code == 201
    token = issued.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/auth/me", headers=headers).json()["email"] == user.email
    listed = api.client.get("/api/v1/auth/tokens", headers=headers).json()
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0] and token.startswith(listed[0]["prefix"])
    assert (
        api.client.delete(f"/api/v1/auth/tokens/{issued.json()['id']}", headers=headers).status_code
        == 204
    )
    revoked = api.client.get("/api/v1/auth/me", headers=headers)
    assert revoked.status_code == 401
    assert revoked.headers["content-type"].startswith("application/problem+json")


def test_token_expires(api):
    user = api.user(api.organization(), "coordinator")
    token = _token(api.client, user.email, expires_in_days=1).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    clock.advance(timedelta(days=1, seconds=1))
    assert api.client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_one_user_cannot_revoke_anothers_token(api):
    org = api.organization()
    alice, bob = api.login(org, "admin"), api.login(org, "admin")
    bobs = bob.get("/api/v1/auth/tokens").json()[0]["id"]
    assert alice.delete(f"/api/v1/auth/tokens/{bobs}").status_code == 404
    assert bob.get("/api/v1/auth/me").status_code == 200


def test_wrong_password_and_unknown_user_look_the_same(api):
    user = api.user(api.organization(), "coordinator")
    wrong = _token(api.client, user.email, "not the password")
    nobody = _token(api.client, "nobody@example.org", "not the password")
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["detail"] == nobody.json()["detail"]


def test_failed_sign_ins_back_off_per_account(api, settings):
    user = api.user(api.organization(), "coordinator")
    for _ in range(settings.login_free_failures):
        assert _token(api.client, user.email, "wrong password!").status_code == 401
    assert _token(api.client, user.email, "wrong password!").status_code == 401
    blocked = _token(api.client, user.email)  # even the right password waits
    assert blocked.status_code == 429
    wait = int(blocked.headers["retry-after"])
    assert wait >= settings.login_backoff_base_seconds
    clock.advance(timedelta(seconds=wait + 1))
    assert _token(api.client, user.email).status_code == 201


def test_back_off_doubles_and_is_capped(settings):
    from liaison.auth.rules import backoff_seconds

    free, base, cap = 5, 2, 900
    waits = [backoff_seconds(n, free=free, base=base, maximum=cap) for n in range(1, 20)]
    assert waits[:5] == [0] * 5
    assert waits[5:9] == [2, 4, 8, 16]
    assert max(waits) == cap


def test_many_accounts_from_one_address_are_throttled(api, settings):
    org = api.organization()
    emails = [
        api.user(org, "coordinator").email for _ in range(settings.login_free_failures * 4 + 2)
    ]
    statuses = [_token(api.client, e, "wrong password!").status_code for e in emails]
    assert statuses[-1] == 429  # the address, not any one account, is now waiting


def test_password_change_revokes_tokens_and_other_sessions(api):
    user = api.user(api.organization(), "coordinator")
    first = _token(api.client, user.email).json()["token"]
    second = _token(api.client, user.email).json()["token"]
    response = api.client.post(
        "/api/v1/auth/password",
        headers={"Authorization": f"Bearer {first}"},
        json={"current_password": PASSWORD, "new_password": "an entirely new passphrase"},
    )
    assert response.status_code == 204
    for token in (first, second):
        assert (
            api.client.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 401
        )
    assert _token(api.client, user.email).status_code == 401
    assert _token(api.client, user.email, "an entirely new passphrase").status_code == 201


def test_password_change_needs_the_current_password(api):
    caller = api.login(api.organization(), "coordinator")
    response = caller.post(
        "/api/v1/auth/password",
        json={
            "current_password": "guess guess guess",
            "new_password": "an entirely new passphrase",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "current_password"


def test_deactivated_user_loses_access(api):
    org = api.organization()
    admin = api.login(org, "admin")
    target = api.user(org, "coordinator")
    victim = api.caller(target)
    assert admin.patch(f"/api/v1/users/{target.id}", json={"active": False}).status_code == 200
    assert victim.get("/api/v1/auth/me").status_code == 401
    assert _token(api.client, target.email).status_code == 401


def test_malformed_authorization_header(api):
    response = api.client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def _browser_login(client, email, password=PASSWORD):
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf, "next": "/"},
        follow_redirects=False,
    )


def test_cookie_session_needs_csrf_on_unsafe_api_calls(api):
    org = api.organization()
    user = api.user(org, "admin")
    assert _browser_login(api.client, user.email).status_code == 303
    assert api.client.get("/api/v1/auth/me").status_code == 200
    body = {"organization_id": str(org.id), "name": "West", "time_zone": "America/New_York"}
    refused = api.client.post("/api/v1/locations", json=body)
    assert refused.status_code == 403
    home = api.client.get("/")
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', home.text).group(1)
    accepted = api.client.post("/api/v1/locations", json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201


def test_session_idle_timeout_and_logout(api, settings):
    user = api.user(api.organization(), "coordinator")
    _browser_login(api.client, user.email)
    assert api.client.get("/api/v1/auth/me").status_code == 200
    clock.advance(timedelta(minutes=settings.session_idle_minutes - 1))
    assert api.client.get("/api/v1/auth/me").status_code == 200  # activity renews the idle window
    clock.advance(timedelta(minutes=settings.session_idle_minutes - 1))
    assert api.client.get("/api/v1/auth/me").status_code == 200
    clock.advance(timedelta(minutes=settings.session_idle_minutes + 1))
    assert api.client.get("/api/v1/auth/me").status_code == 401


def test_session_has_an_absolute_lifetime(api, settings):
    user = api.user(api.organization(), "coordinator")
    _browser_login(api.client, user.email)
    for _ in range(settings.session_max_age_hours * 4):
        clock.advance(timedelta(minutes=15))
        response = api.client.get("/api/v1/auth/me")
    assert response.status_code == 401


def test_logout_revokes_the_session_cookie_server_side(api):
    user = api.user(api.organization(), "coordinator")
    _browser_login(api.client, user.email)
    cookie = api.client.cookies.get("liaison_session")
    home = api.client.get("/")
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', home.text).group(1)
    assert (
        api.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )
    api.client.cookies.set("liaison_session", cookie)  # a stolen copy of the cookie
    assert api.client.get("/api/v1/auth/me").status_code == 401


def test_login_form_refuses_open_redirects(api):
    user = api.user(api.organization(), "coordinator")
    page = api.client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = api.client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    "header", ["x-content-type-options", "content-security-policy", "x-frame-options"]
)
def test_security_headers(client, header):
    assert header in client.get("/login").headers
