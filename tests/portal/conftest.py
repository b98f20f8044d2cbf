"""Portal users for tests: a patient's own sign-in, proxies, and a signed-in client.

``portal_user(patient)`` makes the User + patient Membership + PortalAccount that a
code sign-in creates; ``portal_session(user)`` starts a session the way sign-in does
and returns a ``Browser`` (tests/web/conftest.py) carrying its cookie and CSRF token.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import date
from typing import Any

import pytest

from liaison.auth import service as auth_service
from liaison.auth.dependencies import SESSION_COOKIE
from liaison.models import Membership, PatientProxy, PortalAccount, User
from tests.web.conftest import Browser

_n = itertools.count(1)


@pytest.fixture
def portal_user(make):  # type: ignore[no-untyped-def]
    def create(patient: Any, *, proxy_for: list[tuple[Any, str, str]] = ()) -> User:  # type: ignore[assignment]
        """A portal user for ``patient`` (or None: a proxy with no record of their own);
        ``proxy_for``: [(patient, relationship, scope)]."""
        n = next(_n)
        user = make._save(
            User(
                email=f"portal-{n}@patients.liaison.invalid",
                display_name=f"{patient.given_name} {patient.family_name}"
                if patient
                else f"Proxy {n}",
                password_hash=None,
            )
        )
        if patient is not None:
            make._save(
                Membership(
                    organization_id=patient.organization_id,
                    user_id=user.id,
                    role="patient",
                    patient_id=patient.id,
                )
            )
        make._save(
            PortalAccount(
                user_id=user.id,
                channel="sms",
                destination_digest=hashlib.sha256(f"test-{n}".encode()).hexdigest(),
                hint=f"•••• {n:04d}",
            )
        )
        for other, relationship, scope in proxy_for:
            make._save(
                PatientProxy(
                    organization_id=other.organization_id,
                    patient_id=other.id,
                    proxy_user_id=user.id,
                    relationship=relationship,
                    scope=scope,
                    starts_on=date(2020, 1, 1),
                )
            )
        return user

    return create


@pytest.fixture
def portal_session(client, runtime):  # type: ignore[no-untyped-def]
    def start(user: User) -> Browser:
        with runtime.db.session() as session:
            token, _ = auth_service.start_session(
                session,
                runtime.settings,
                session.get(User, user.id),
                client_ip="127.0.0.1",
                user_agent="pytest",
                organization_id=None,
            )
        client.cookies.set(SESSION_COOKIE, token)
        return Browser(client, csrf=runtime.csrf_for(token))

    return start
