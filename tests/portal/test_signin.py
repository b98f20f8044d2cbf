"""Signing in to the portal by a one-time code (or its link), the optional password,
choosing one's records on a family phone, registering, switching and signing out."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from liaison.auth.dependencies import SESSION_COOKIE
from liaison.authz.scope import unscoped_system
from liaison.kit import clock
from liaison.models import (
    AuditEvent,
    CommunicationConsent,
    LoginThrottle,
    Membership,
    OutboxMessage,
    Patient,
    PatientTelecom,
    PortalAccount,
    PortalCode,
    User,
    UserSession,
)
from liaison.portal import signin as service
from liaison.web.portal import common, i18n
from tests.web.conftest import HTML, browser, signed_in  # noqa: F401 - fixtures

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
PHONE = "+16175551234"
_HIDDEN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Portal:
    """A browser on the portal: its forms carry the pre-sign-in token it was given."""

    def __init__(self, client: Any, runtime: Any) -> None:
        self.client = client
        self.runtime = runtime
        self.csrf = ""

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=HTML, follow_redirects=False, **kw)

    def form_token(self, url: str = "/portal/sign-in") -> str:
        page = self.get(url)
        found = _HIDDEN_CSRF.search(page.text)
        assert found, page.text
        return found.group(1)

    def post(self, url: str, data: dict[str, Any], *, token: str | None = None) -> Any:
        form = {"csrf_token": token if token is not None else self.form_token(), **data}
        return self.client.post(url, data=form, headers=HTML, follow_redirects=False)

    def ask(self, destination: str) -> Any:
        return self.post("/portal/sign-in", {"destination": destination})

    def code(self, destination: str | None = None) -> tuple[str, str]:
        """The newest code message's code and link (read from the outbox)."""
        with self.runtime.db.session() as session:
            stmt = select(OutboxMessage).order_by(
                OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
            )
            for message in session.scalars(stmt):
                payload = message.payload
                if payload.get("kind") == "portal-code" and (
                    destination is None or payload["to"] == destination
                ):
                    return payload["code"], payload["link"]
        raise AssertionError("no code was sent")

    def verify(self, code: str) -> Any:
        return self.post("/portal/verify", {"code": code}, token=self.form_token("/portal/verify"))

    def sign_in(self, destination: str = PHONE) -> Any:
        asked = self.ask(destination)
        assert asked.status_code == 303, asked.text
        code, _ = self.code(destination)
        return self.verify(code)

    def session_csrf(self) -> str:
        return self.runtime.csrf_for(self.client.cookies.get(SESSION_COOKIE))

    def post_signed_in(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        form = {"csrf_token": self.session_csrf(), **(data or {})}
        return self.client.post(
            url, data=form, headers={**HTML, **kw.pop("headers", {})}, follow_redirects=False, **kw
        )


@pytest.fixture(autouse=True)
def _every_word_exists():
    """A missing portal string fails the test instead of showing its key."""
    previous, i18n.strict = i18n.strict, True
    yield
    i18n.strict = previous


@pytest.fixture
def portal(client, runtime) -> Portal:
    return Portal(client, runtime)


@pytest.fixture
def org(make):
    return make.organization(
        name="Harbor Family Health",
        sms_number="+16175550100",
        phone="+16175550123",
        portal_new_patients=False,
    )


@pytest.fixture
def ana(make, org):
    return make.patient(
        org, phone=PHONE, given_name="Ana", family_name="Alvarez", birth_date=date(1984, 3, 2)
    )


def _rows(runtime, model, *where) -> list[Any]:
    with runtime.db.session() as session:
        stmt = select(model).where(*where)
        if hasattr(model, "seq"):  # audit rows in the order they were written
            stmt = stmt.order_by(model.seq)
        rows = list(session.scalars(unscoped_system(stmt, "test")))
        session.expunge_all()
    return rows


def _audit(runtime) -> list[AuditEvent]:
    return _rows(runtime, AuditEvent)


# --- the code ------------------------------------------------------------------------


def test_a_code_signs_in_the_patient_on_file_and_lands_home(portal, runtime, org, ana):
    asked = portal.ask("(617) 555-1234")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/portal/verify"
    pending = portal.client.cookies.get("liaison_portal_pending")
    assert pending and PHONE not in pending  # base64, signed: not the number in clear
    page = portal.get("/portal/verify")
    assert "•••• 1234" in page.text

    code, link = portal.code(PHONE)
    assert re.fullmatch(r"\d{6}", code)
    with runtime.db.session() as session:
        message = session.scalars(select(OutboxMessage)).one()
        stored = session.scalars(select(PortalCode)).one()
        assert message.organization_id == org.id
        assert message.payload["patient_id"] is None
        assert message.payload["channel"] == "sms"
        assert code not in stored.code_digest and PHONE not in stored.destination_digest
        assert stored.expires_at - stored.created_at == timedelta(minutes=10)
    # The link carries the code's id and the code: nothing about the patient.
    assert link.endswith(f"/portal/link/{stored.id.hex}{code}")

    done = portal.verify(code)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/portal"
    assert portal.client.cookies.get(SESSION_COOKIE)
    assert portal.client.cookies.get("liaison_portal_pending") is None
    home = portal.get("/portal")
    assert home.status_code == 200, home.text
    assert "Hello, Ana" in home.text

    [account] = _rows(runtime, PortalAccount)
    [user] = _rows(runtime, User)
    assert account.user_id == user.id and account.channel == "sms"
    assert account.destination_digest == service.destination_digest(
        runtime.secret, service.Destination("sms", PHONE)
    )
    assert user.email.endswith("@patients.liaison.invalid") and user.password_hash is None
    [membership] = _rows(runtime, Membership)
    assert (membership.role, membership.patient_id) == ("patient", ana.id)

    events = _audit(runtime)
    kinds = [(e.action, e.resource_type) for e in events]
    assert ("execute", "PortalCode") in kinds
    assert ("execute", "PortalSignIn") in kinds
    assert ("create", "Membership") in kinds
    signed_in = next(e for e in events if e.resource_type == "PortalSignIn")
    assert signed_in.user_id == user.id and signed_in.details["result"] == "signed-in"
    linked = next(e for e in events if e.resource_type == "Membership")
    assert linked.patient_id == ana.id and linked.organization_id == org.id
    home_read = next(e for e in events if e.details.get("page") == "portal-home")
    assert home_read.patient_id == ana.id
    for event in events:  # no contact data in the trail
        assert PHONE not in str(event.details) and "1234" not in str(event.details)


def test_the_answer_is_the_same_whether_or_not_anything_is_on_file(
    portal, runtime, org, ana, client
):
    known = portal.ask(PHONE)
    known_page = portal.get("/portal/verify").text
    portal.client.cookies.clear()
    unknown = portal.ask("+16175559876")
    unknown_page = portal.get("/portal/verify").text
    assert (known.status_code, known.headers["location"]) == (
        unknown.status_code,
        unknown.headers["location"],
    )

    def without_noise(text: str) -> str:
        return re.sub(r'value="[^"]+"|•••• \d{4}', "", text)

    assert without_noise(known_page) == without_noise(unknown_page)
    # A code row either way (the same work); a message only where someone can get it.
    assert len(_rows(runtime, PortalCode)) == 2
    assert [m.payload["to"] for m in _rows(runtime, OutboxMessage)] == [PHONE]
    # And a wrong code reads the same for both.
    first = portal.verify("000000")
    assert first.status_code == 400
    assert "That code is not right" in first.text


def test_an_email_address_gets_the_code_by_email(portal, runtime, make, org):
    make.patient(org, given_name="Eve", family_name="Ng", email="Eve.Ng@Example.org")
    asked = portal.ask("  EVE.NG@example.ORG ")
    assert asked.status_code == 303
    [message] = _rows(runtime, OutboxMessage)
    assert message.payload["channel"] == "email"
    assert message.payload["to"] == "eve.ng@example.org"
    code, _ = portal.code()
    assert portal.verify(code).headers["location"] == "/portal"
    assert "Hello, Eve" in portal.get("/portal").text


def test_a_destination_that_is_neither_phone_nor_email_is_named(portal, org):
    response = portal.ask("call me maybe")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "Enter a mobile phone number" in response.text


def test_a_form_without_its_token_is_refused(portal, org, ana, runtime):
    portal.get("/portal/sign-in")
    response = portal.post("/portal/sign-in", {"destination": PHONE}, token="forged")
    assert response.status_code == 400
    assert _rows(runtime, PortalCode) == []


def test_a_wrong_code_counts_and_five_kill_the_code(portal, runtime, org, ana):
    with clock.frozen_at(NOW):
        portal.ask(PHONE)
        code, _ = portal.code()
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for left in (4, 3, 2, 1):
            response = portal.verify(wrong)
            assert response.status_code == 400
            assert f"You can try {left} more times" in response.text
        fifth = portal.verify(wrong)
        assert "can no longer be used" in fifth.text
        # The right code, now: the code is dead.
        late = portal.verify(code)
        assert late.status_code == 400
        assert "can no longer be used" in late.text
        assert portal.client.cookies.get(SESSION_COOKIE) is None
    [stored] = _rows(runtime, PortalCode)
    assert stored.attempts == 5 and stored.used_at is None


def test_an_expired_code_is_refused_clearly(portal, org, ana):
    with clock.frozen_at(NOW):
        portal.ask(PHONE)
        code, _ = portal.code()
        clock.advance(timedelta(minutes=10, seconds=1))
        response = portal.verify(code)
    assert response.status_code == 400
    assert "This code has expired" in response.text


def test_a_used_code_cannot_sign_in_again(portal, client, runtime, org, ana):
    portal.ask(PHONE)
    code, link = portal.code()
    assert portal.verify(code).status_code == 303
    token = link.rsplit("/", 1)[1]
    # Someone else holding the message tries its link afterwards.
    client.cookies.clear()
    other = Portal(client, runtime)
    response = other.post(
        "/portal/link",
        {"token": token, "destination": PHONE},
        token=other.form_token(f"/portal/link/{token}"),
    )
    assert response.status_code == 400
    assert "This code was already used" in response.text
    assert client.cookies.get(SESSION_COOKIE) is None


def test_failures_at_one_destination_are_throttled_with_the_wait(portal, runtime, org, ana):
    with clock.frozen_at(NOW):
        portal.ask(PHONE)
        code, _ = portal.code()
        for _ in range(5):
            portal.verify("999999" if code != "999999" else "111111")
        portal.ask(PHONE)  # a fresh code does not reset the count
        fresh, _ = portal.code()
        sixth = portal.verify("999999" if fresh != "999999" else "111111")
        assert sixth.status_code == 400
        blocked = portal.verify(fresh)
        assert blocked.status_code == 429
        assert blocked.headers["Retry-After"] == "3"
        assert "please wait 3 seconds" in blocked.text
        clock.advance(timedelta(seconds=3))
        assert portal.verify(fresh).status_code == 303
    # A success clears the destination's count (not the address's).
    keys = {t.key for t in _rows(runtime, LoginThrottle)}
    assert not any(k.startswith("portal:dest:") for k in keys)
    assert "portal:ip:testclient" in keys


def test_failures_from_one_address_are_throttled_across_destinations(portal, runtime, org):
    with clock.frozen_at(NOW):
        for n in range(6):
            portal.client.cookies.clear()
            portal.ask(f"+1617555{n + 10:04d}")
            tries = 4 if n < 5 else 1
            for _ in range(tries):
                response = portal.verify("123456")
            assert response.status_code == 400, (n, response.text)
        # 21 failures from this address: it now waits, whatever the destination.
        portal.client.cookies.clear()
        portal.ask("+16175550077")
        blocked = portal.verify("123456")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many tries" in blocked.text


def test_sending_is_capped_per_destination(portal, runtime, org, ana):
    with clock.frozen_at(NOW):
        for _ in range(5):
            assert portal.ask(PHONE).status_code == 303
            clock.advance(timedelta(minutes=1))
        sixth = portal.ask(PHONE)
    assert sixth.status_code == 429
    assert "Too many tries" in sixth.text
    # The oldest of the hour's five codes was five minutes ago.
    assert int(sixth.headers["Retry-After"]) == 55 * 60 + 1
    assert len(_rows(runtime, PortalCode)) == 5


# --- the link --------------------------------------------------------------------------


def test_the_link_signs_in_after_one_more_press(portal, runtime, org, ana):
    portal.ask(PHONE)
    _, link = portal.code()
    path = "/portal" + link.split("/portal", 1)[1]
    page = portal.get(path)
    assert page.status_code == 200
    assert "Continue" in page.text and 'name="destination"' not in page.text
    # Opening the page signed nobody in (mail scanners open links).
    assert portal.client.cookies.get(SESSION_COOKIE) is None
    [stored] = _rows(runtime, PortalCode)
    assert stored.used_at is None
    done = portal.post(
        "/portal/link", {"token": path.rsplit("/", 1)[1]}, token=portal.form_token(path)
    )
    assert done.status_code == 303, done.text
    assert "Hello, Ana" in portal.get("/portal").text


def test_the_link_on_another_device_asks_where_it_was_sent(portal, client, runtime, org, ana):
    portal.ask(PHONE)
    _, link = portal.code()
    token = link.rsplit("/", 1)[1]
    client.cookies.clear()
    other = Portal(client, runtime)
    page = other.get(f"/portal/link/{token}")
    assert 'name="destination"' in page.text
    form = other.form_token(f"/portal/link/{token}")
    wrong = other.post("/portal/link", {"token": token, "destination": "+16175550000"}, token=form)
    assert wrong.status_code == 400
    assert "not where this code was sent" in wrong.text
    right = other.post("/portal/link", {"token": token, "destination": "617-555-1234"}, token=form)
    assert right.status_code == 303, right.text
    assert "Hello, Ana" in other.get("/portal").text


def test_a_mangled_link_is_refused(portal, org):
    response = portal.get("/portal/link/not-a-token")
    assert response.status_code == 400
    assert "not valid" in response.text


# --- records on file ------------------------------------------------------------------


def test_a_family_phone_asks_the_birth_date(portal, runtime, make, org, ana):
    child = make.patient(
        org, phone=PHONE, given_name="Mateo", family_name="Alvarez", birth_date=date(2015, 9, 14)
    )
    done = portal.sign_in()
    assert done.headers["location"] == "/portal/which"
    assert portal.get("/portal").headers["location"] == "/portal/which"
    page = portal.get("/portal/which")
    assert "Which record is yours?" in page.text
    assert "Mateo" not in page.text and "Ana" not in page.text  # no names before the pick
    wrong = portal.post_signed_in("/portal/which", {"birth_date": "1990-01-01"})
    assert wrong.status_code == 400
    assert "No record at this phone number" in wrong.text
    assert _rows(runtime, Membership) == []
    picked = portal.post_signed_in("/portal/which", {"birth_date": "1984-03-02"})
    assert picked.status_code == 303
    assert picked.headers["location"] == "/portal?done=linked"
    home = portal.get("/portal?done=linked")
    assert "Hello, Ana" in home.text and "We found your record" in home.text
    assert [m.patient_id for m in _rows(runtime, Membership)] == [ana.id]
    assert child.id not in {m.patient_id for m in _rows(runtime, Membership)}


def test_the_next_sign_in_does_not_ask_again(portal, client, runtime, make, org, ana):
    make.patient(org, phone=PHONE, given_name="Mateo", birth_date=date(2015, 9, 14))
    portal.sign_in()
    portal.post_signed_in("/portal/which", {"birth_date": "1984-03-02"})
    portal.post_signed_in("/portal/sign-out")
    again = portal.sign_in()
    assert again.headers["location"] == "/portal"
    assert len(_rows(runtime, Membership)) == 1


def test_the_same_person_at_two_clinics_gets_both_records(portal, runtime, make, org, ana):
    other = make.organization(name="Lakeshore Health", sms_number="+13125550100")
    there = make.patient(
        other, phone=PHONE, given_name="Ana", family_name="Alvarez", birth_date=date(1984, 3, 2)
    )
    done = portal.sign_in()
    assert done.headers["location"] == "/portal"
    assert {m.patient_id for m in _rows(runtime, Membership)} == {ana.id, there.id}
    home = portal.get("/portal")
    assert "Lakeshore Health" in home.text and "Harbor Family Health" in home.text


def test_records_of_closed_portals_and_inactive_patients_are_not_matched(portal, runtime, make):
    open_org = make.organization(name="Open Clinic", sms_number="+16175550111")
    closed = make.organization(name="Closed Clinic", portal_enabled=False)
    make.patient(closed, phone=PHONE, given_name="Ana")
    make.patient(open_org, phone=PHONE, given_name="Old", active=False)
    portal.sign_in()
    assert _rows(runtime, Membership) == []
    home = portal.get("/portal")
    assert "We could not find your record" in home.text
    assert "Register as a new patient" in home.text


def test_nothing_on_file_and_no_clinic_taking_new_patients(portal, runtime, org):
    asked = portal.ask(PHONE)
    assert asked.status_code == 303  # the same answer as ever
    assert len(_rows(runtime, PortalCode)) == 1
    assert _rows(runtime, OutboxMessage) == []


# --- registration -------------------------------------------------------------------


@pytest.fixture
def open_org(make):
    return make.organization(
        name="Riverside Clinic", sms_number="+13125550100", phone="+13125550123"
    )


def test_a_new_patient_registers(portal, runtime, open_org):
    done = portal.sign_in("+13125550143")
    assert done.headers["location"] == "/portal"
    home = portal.get("/portal")
    assert "Register as a new patient" in home.text
    form = portal.get("/portal/register")
    assert form.status_code == 200 and "Riverside Clinic" in form.text
    missing = portal.post_signed_in(
        "/portal/register",
        {"organization_id": str(open_org.id), "given_name": "", "birth_date": "1990-05-06"},
    )
    assert missing.status_code == 422
    assert 'id="given_name-error"' in missing.text
    created = portal.post_signed_in(
        "/portal/register",
        {
            "organization_id": str(open_org.id),
            "given_name": "Rosa",
            "family_name": "Diaz",
            "birth_date": "1990-05-06",
            "administrative_sex": "female",
            "email": "rosa@example.org",
        },
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/portal?done=registered"
    [patient] = _rows(runtime, Patient)
    assert (patient.given_name, patient.family_name, patient.email) == (
        "Rosa",
        "Diaz",
        "rosa@example.org",
    )
    assert patient.mrn.startswith("L")
    [phone] = _rows(runtime, PatientTelecom)
    assert (phone.use, phone.value) == ("mobile", "+13125550143")
    [consent] = _rows(runtime, CommunicationConsent)
    assert (consent.channel, consent.status, consent.given_by, consent.method) == (
        "sms",
        "granted",
        "patient",
        "portal",
    )
    [membership] = _rows(runtime, Membership)
    assert membership.patient_id == patient.id
    assert "Hello, Rosa" in portal.get("/portal").text
    attempts = [e for e in _audit(runtime) if (e.action, e.resource_type) == ("create", "Patient")]
    assert [e.details.get("result") for e in attempts] == ["invalid", None]
    created_row = attempts[-1]
    assert created_row.resource_id == str(patient.id)
    assert created_row.patient_id == patient.id and created_row.organization_id == open_org.id
    # Registered: no second record.
    assert portal.get("/portal/register").headers["location"] == "/portal"


def test_a_likely_existing_record_is_not_duplicated(portal, runtime, make, open_org):
    make.patient(
        open_org,
        phone="+13125559999",
        given_name="Rosa",
        family_name="Díaz",
        birth_date=date(1990, 5, 6),
    )
    portal.sign_in("+13125550143")
    refused = portal.post_signed_in(
        "/portal/register",
        {
            "organization_id": str(open_org.id),
            "given_name": "Rosa",
            "family_name": "Diaz",
            "birth_date": "1990-05-06",
            "administrative_sex": "female",
        },
    )
    assert refused.status_code == 409
    assert "You may already have a record at Riverside Clinic" in refused.text
    assert "(312) 555-0123" in refused.text
    assert len(_rows(runtime, Patient)) == 1
    assert _rows(runtime, Membership) == []


def test_registration_needs_the_verified_destination(portal, client, runtime, open_org):
    portal.sign_in("+13125550143")
    client.cookies.delete("liaison_portal_pending", path="/portal")
    client.cookies.delete("liaison_portal_pending")
    response = portal.post_signed_in(
        "/portal/register",
        {
            "organization_id": str(open_org.id),
            "given_name": "Rosa",
            "family_name": "Diaz",
            "birth_date": "1990-05-06",
            "administrative_sex": "female",
        },
    )
    assert response.status_code == 400
    assert "sign in again with a code" in response.text
    assert _rows(runtime, Patient) == []


# --- password, sign-out, switching, language ------------------------------------------


def test_an_optional_password_signs_in_without_a_code(portal, client, runtime, org, ana):
    portal.sign_in()
    page = portal.get("/portal/password")
    assert page.status_code == 200 and "Current password" not in page.text
    short = portal.post_signed_in(
        "/portal/password", {"new_password": "short", "confirm_password": "short"}
    )
    assert short.status_code == 422
    assert "at least 12 characters" in short.text
    saved = portal.post_signed_in(
        "/portal/password",
        {"new_password": "blue harbor lantern", "confirm_password": "blue harbor lantern"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/portal?done=password"
    assert "Current password" in portal.get("/portal/password").text
    portal.post_signed_in("/portal/sign-out")

    wrong = portal.post(
        "/portal/sign-in/password", {"destination": PHONE, "password": "not the one at all"}
    )
    assert wrong.status_code == 401
    assert "do not match" in wrong.text
    nobody = portal.post(
        "/portal/sign-in/password",
        {"destination": "+16175550000", "password": "blue harbor lantern"},
    )
    assert nobody.status_code == 401 and "do not match" in nobody.text
    right = portal.post(
        "/portal/sign-in/password",
        {"destination": "617 555 1234", "password": "blue harbor lantern"},
    )
    assert right.status_code == 303, right.text
    assert "Hello, Ana" in portal.get("/portal").text
    # Changing it asks for the current one.
    refused = portal.post_signed_in(
        "/portal/password",
        {
            "current_password": "guess guess guess",
            "new_password": "green river compass",
            "confirm_password": "green river compass",
        },
    )
    assert refused.status_code == 422 and "current password is not right" in refused.text
    events = [e for e in _audit(runtime) if e.details.get("change") == "portal-password"]
    assert events


def test_password_failures_share_the_code_throttle(portal, runtime, org, ana):
    with clock.frozen_at(NOW):
        for _ in range(6):
            response = portal.post(
                "/portal/sign-in/password", {"destination": PHONE, "password": "wrong password!"}
            )
        assert response.status_code == 401
        blocked = portal.post(
            "/portal/sign-in/password", {"destination": PHONE, "password": "wrong password!"}
        )
        assert blocked.status_code == 429
        assert blocked.headers["Retry-After"] == "3"
        # The code path waits too: same destination.
        portal.ask(PHONE)
        code, _ = portal.code()
        assert portal.verify(code).status_code == 429


def test_sign_out_ends_the_session(portal, runtime, org, ana):
    portal.sign_in()
    token = portal.client.cookies.get(SESSION_COOKIE)
    out = portal.post_signed_in("/portal/sign-out")
    assert out.status_code == 303
    assert out.headers["location"] == "/portal/sign-in?done=signed-out"
    assert "You are signed out" in portal.get("/portal/sign-in?done=signed-out").text
    [record] = _rows(runtime, UserSession)
    assert record.revoked_at is not None
    portal.client.cookies.set(SESSION_COOKIE, token)
    again = portal.get("/portal")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/portal/sign-in")


def test_switching_patient_checks_access(
    portal_user, portal_session, make, org, ana, runtime, client
):
    child = make.patient(org, given_name="Mateo", family_name="Alvarez")
    stranger = make.patient(org, given_name="Zed", family_name="Other")
    user = portal_user(ana, proxy_for=[(child, "parent", "manage")])
    browser = portal_session(user)
    home = browser.get("/portal")
    assert "Hello, Ana" in home.text and "Use for Mateo" in home.text
    refused = browser.post("/portal/for", {"patient": str(stranger.id)})
    assert refused.status_code == 404
    assert "Zed" not in refused.text
    switched = browser.post(
        "/portal/for", {"patient": str(child.id)}, headers={"referer": "http://testserver/portal"}
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/portal"
    assert client.cookies.get(common.CHOSEN_COOKIE) == str(child.id)
    page = browser.get("/portal")
    assert "You are using the portal for Mateo Alvarez" in page.text
    audited = [e for e in _audit(runtime) if e.details.get("page") == "portal-switch"]
    assert [e.outcome for e in audited] == ["denied", "success"]
    assert audited[1].patient_id == child.id


def test_language_is_remembered_and_redirects_only_within_the_portal(
    portal, portal_user, portal_session, runtime, org, ana, client
):
    anonymous = portal.client.get(
        "/portal/language?language=es",
        headers={"referer": "http://testserver/portal/sign-in?next=/portal"},
        follow_redirects=False,
    )
    assert anonymous.headers["location"] == "/portal/sign-in?next=/portal"
    assert "Entrar" in portal.get("/portal/sign-in").text
    elsewhere = portal.client.get(
        "/portal/language?language=en",
        headers={"referer": "https://evil.example/portal/x"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/portal/sign-in"
    sneaky = portal.client.get(
        "/portal/language?language=en",
        headers={"referer": "http://testserver//evil.example"},
        follow_redirects=False,
    )
    assert sneaky.headers["location"] == "/portal"
    user = portal_user(ana)
    portal_session(user)
    client.get("/portal/language?language=es", follow_redirects=False)
    [account] = _rows(runtime, PortalAccount, PortalAccount.user_id == user.id)
    assert account.language == "es"
    assert "Hola, Ana" in client.get("/portal", headers=HTML).text


def test_the_code_message_is_in_the_readers_language(portal, runtime, org, ana):
    portal.client.get("/portal/language?language=es", follow_redirects=False)
    portal.ask(PHONE)
    [message] = _rows(runtime, OutboxMessage)
    assert message.payload["language"] == "es"


def test_a_staff_member_on_the_portal_gets_a_clear_page(signed_in, org):
    staff = signed_in(org, "coordinator")
    page = staff.get("/portal")
    assert page.status_code == 200
    assert "This is the patient portal" in page.text
    assert 'href="/"' in page.text
    # Nor do the portal's own account pages apply to a staff sign-in.
    assert staff.get("/portal/password", follow_redirects=False).headers["location"] == "/portal"
    assert staff.get("/portal/register", follow_redirects=False).headers["location"] == "/portal"


def test_a_patient_on_the_staff_start_page_is_sent_to_the_portal(
    portal_user, portal_session, org, ana
):
    browser = portal_session(portal_user(ana))
    response = browser.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/portal"


def test_a_signed_in_patient_skips_the_sign_in_page(portal_user, portal_session, org, ana):
    browser = portal_session(portal_user(ana))
    response = browser.get("/portal/sign-in", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/portal"


def test_next_after_sign_in_stays_in_the_portal(portal, org, ana):
    portal.get("/portal/sign-in?next=/portal/appointments")
    token = portal.form_token("/portal/sign-in?next=/portal/appointments")
    asked = portal.post(
        "/portal/sign-in", {"destination": PHONE, "next": "/portal/appointments"}, token=token
    )
    assert asked.headers["location"] == "/portal/verify?next=/portal/appointments"
    code, _ = portal.code()
    done = portal.post(
        "/portal/verify",
        {"code": code, "next": "/portal/appointments"},
        token=portal.form_token("/portal/verify"),
    )
    assert done.headers["location"] == "/portal/appointments"
    portal.post_signed_in("/portal/sign-out")
    portal.ask(PHONE)
    code, _ = portal.code()
    evil = portal.post(
        "/portal/verify",
        {"code": code, "next": "https://evil.example/"},
        token=portal.form_token("/portal/verify"),
    )
    assert evil.headers["location"] == "/portal"


def test_codes_are_single_use_under_a_race(runtime, org, ana):
    """Two checks of the same right code: exactly one signs in."""
    from liaison.context import unit_of_work

    destination = service.Destination("sms", PHONE)
    with unit_of_work(
        runtime.db, principal=None, audit_key=runtime.audit_key, runtime=runtime
    ) as ctx:
        asked = service.request_code(ctx, destination, language="en", client_ip="1.2.3.4")
    with runtime.db.session() as session:
        payload = session.scalars(select(OutboxMessage)).one().payload
    results = []
    for _ in range(2):
        with unit_of_work(
            runtime.db, principal=None, audit_key=runtime.audit_key, runtime=runtime
        ) as ctx:
            results.append(
                service.verify_code(
                    ctx,
                    asked.code_id,
                    payload["code"],
                    destination=destination,
                    client_ip="1.2.3.4",
                ).problem
            )
    assert results == [None, "used"]


def test_link_tokens_round_trip():
    code_id = uuid.uuid4()
    assert service.parse_link_token(service.link_token(code_id, "012345")) == (code_id, "012345")
    assert service.parse_link_token("x" * 38) is None
    assert service.parse_link_token(code_id.hex + "12345a") is None


def test_a_tampered_pending_sign_in_is_refused(portal, client, org, ana):
    portal.ask(PHONE)
    code, _ = portal.code()
    value = client.cookies.get("liaison_portal_pending")
    forged = value.replace(".sms.", ".email.")
    client.cookies.delete("liaison_portal_pending")
    client.cookies.set("liaison_portal_pending", forged, path="/portal")
    assert portal.get("/portal/verify").headers["location"] == "/portal/sign-in"
    response = portal.post("/portal/verify", {"code": code})
    assert response.status_code == 400
    assert "Your sign-in expired" in response.text
    assert client.cookies.get(SESSION_COOKIE) is None


def test_every_step_reads_in_spanish(portal, client, runtime, make, org, ana):
    """The pages of the way in, in Spanish, with every word registered."""
    make.patient(org, phone=PHONE, given_name="Mateo", birth_date=date(2015, 9, 14))
    client.cookies.set(common.LANGUAGE_COOKIE, "es")
    page = portal.get("/portal/sign-in")
    assert 'lang="es"' in page.text and "Enviarme un código" in page.text
    portal.ask(PHONE)
    assert "Escriba su código" in portal.get("/portal/verify").text
    code, _ = portal.code()
    wrong = portal.verify("000000" if code != "000000" else "111111")
    assert "Ese código no es correcto" in wrong.text
    portal.verify(code)
    assert "¿Cuál registro es el suyo?" in portal.get("/portal/which").text
    portal.post_signed_in("/portal/which", {"birth_date": "1984-03-02"})
    home = portal.get("/portal?done=linked")
    assert "Hola, Ana" in home.text and "Sus próximas citas" in home.text
    assert "Su contraseña" in portal.get("/portal/password").text


def test_a_turned_off_account_cannot_sign_in(portal, runtime, org, ana):
    portal.sign_in()
    portal.post_signed_in("/portal/sign-out")
    with runtime.db.session() as session:
        for user in session.scalars(select(User)):
            user.active = False
    portal.ask(PHONE)
    code, _ = portal.code()
    response = portal.verify(code)
    assert response.status_code == 400
    assert "This sign-in is turned off" in response.text
    assert portal.client.cookies.get(SESSION_COOKIE) is None


def test_expired_codes_and_stale_throttles_are_purged(runtime):
    from datetime import UTC, datetime, timedelta

    from liaison.authz.principal import system_principal
    from liaison.context import unit_of_work
    from liaison.kit import clock
    from liaison.models import LoginThrottle, PortalCode
    from liaison.portal.tasks import purge_sign_in_leftovers

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    with runtime.db.session() as s:
        for age in (timedelta(days=3), timedelta(minutes=5)):
            s.add(
                PortalCode(
                    channel="sms",
                    destination_digest="d" * 64,
                    code_digest="c" * 64,
                    created_at=now - age,
                    expires_at=now - age + timedelta(minutes=10),
                )
            )
        s.add(LoginThrottle(key="old", failures=3, last_failure_at=now - timedelta(days=2)))
        s.add(
            LoginThrottle(
                key="blocked",
                failures=9,
                last_failure_at=now - timedelta(days=2),
                blocked_until=now + timedelta(hours=1),
            )
        )
    with (
        clock.frozen_at(now),
        unit_of_work(runtime.db, principal=system_principal(), audit_key=runtime.audit_key) as ctx,
    ):
        assert purge_sign_in_leftovers(ctx) == 2
    with runtime.db.session() as s:
        assert len(list(s.scalars(select(PortalCode)))) == 1
        assert [t.key for t in s.scalars(select(LoginThrottle))] == ["blocked"]
