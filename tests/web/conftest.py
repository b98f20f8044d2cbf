"""Signing in as a browser does: the login form's double-submit cookie, then the
session cookie, and the session's CSRF token read from the page (``hx-headers``)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.factories import PASSWORD

HTML = {"Accept": "text/html"}
_HIDDEN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HX_HEADERS = re.compile(r"hx-headers='([^']+)'")


@dataclass
class Browser:
    client: TestClient
    csrf: str = ""

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers={**HTML, **kw.pop("headers", {})}, **kw)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any
    ) -> Any:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.client.post(
            url, data=form, headers={**HTML, **kw.pop("headers", {})}, follow_redirects=False, **kw
        )

    def login(self, email: str, password: str = PASSWORD) -> Any:
        page = self.get("/login")
        assert page.status_code == 200
        login_csrf = _HIDDEN_CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        response = self.post(
            "/login", {"email": email, "password": password, "csrf_token": login_csrf}, csrf=False
        )
        if response.status_code == 303:
            self.csrf = session_csrf(self.get("/").text)
        return response


def session_csrf(page: str) -> str:
    found = _HX_HEADERS.search(page)
    assert found, "the page carries no hx-headers with the session's CSRF token"
    return json.loads(html.unescape(found.group(1)))["X-CSRF-Token"]


@pytest.fixture
def browser(client: TestClient) -> Browser:
    return Browser(client)


@pytest.fixture
def signed_in(browser: Browser, make):  # type: ignore[no-untyped-def]
    """``signed_in(org, "admin")``: a new user of that role, signed in through the form."""

    def sign_in(org: Any, role: str = "coordinator", **kw: Any) -> Browser:
        user = make.user(org, role, **kw)
        response = browser.login(user.email)
        assert response.status_code == 303, response.text
        browser.user = user  # type: ignore[attr-defined]
        return browser

    return sign_in


@pytest.fixture
def clinic(make):  # type: ignore[no-untyped-def]
    """The scheduling pages' clinic (tests/web/scheduling_scene.py), clock frozen."""
    from liaison.kit import clock
    from tests.scheduling.conftest import NOW
    from tests.web.scheduling_scene import build

    with clock.frozen_at(NOW):
        yield build(make)
