"""Proxy access through the staff API: grant, list, revoke; what the proxy then sees in
the portal, until the end date; read-only proxies change nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.context import unit_of_work
from liaison.errors import NotFound, PermissionDenied
from liaison.kit import clock
from liaison.models import AuditEvent, PatientProxy, PortalAccount, User
from liaison.portal import access
from liaison.portal import signin as signin_service
from liaison.web.portal import i18n
from tests.portal.test_signin import Portal
from tests.web.conftest import browser, signed_in  # noqa: F401 - fixtures

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
MOM = "+16175557001"


@pytest.fixture(autouse=True)
def _every_word_exists():
    previous, i18n.strict = i18n.strict, True
    yield
    i18n.strict = previous


@pytest.fixture
def frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def scene(api, frozen):
    org = api.organization(name="Harbor Family Health", sms_number="+16175550100")
    child = api.patient(
        org, given_name="Mateo", family_name="Alvarez", birth_date=date(2015, 9, 14)
    )
    admin = api.login(org, "admin")
    return org, child, admin


def _url(patient, suffix: str = "") -> str:
    return f"/api/v1/patients/{patient.id}/proxies{suffix}"


def _rows(runtime, model, *where):
    with runtime.db.session() as session:
        stmt = select(model).where(*where)
        if hasattr(model, "seq"):  # audit rows in the order they were written
            stmt = stmt.order_by(model.seq)
        rows = list(session.scalars(unscoped_system(stmt, "test")))
        session.expunge_all()
    return rows


def _quick_links(page: str) -> str:
    return page.split('class="quick-links"', 1)[1].split("</ul>", 1)[0]


def _user(runtime, user_id: str) -> User:
    [user] = _rows(runtime, User, User.id == uuid.UUID(user_id))
    return user


def test_staff_grant_a_proxy_by_phone_who_then_sees_the_patient(scene, client, runtime, api):
    _, child, admin = scene
    granted = admin.post(
        _url(child),
        json={"relationship": "parent", "phone": "(617) 555-7001", "ends_on": "2026-12-31"},
    )
    assert granted.status_code == 201, granted.text
    body = granted.json()
    assert body["relationship"] == "parent" and body["scope"] == "manage"
    assert body["starts_on"] == str(TODAY) and body["ends_on"] == "2026-12-31"
    assert (body["channel"], body["hint"], body["active"]) == ("sms", "•••• 7001", True)
    assert MOM not in granted.text
    [account] = _rows(runtime, PortalAccount)
    assert account.destination_digest == signin_service.destination_digest(
        runtime.secret, signin_service.Destination("sms", MOM)
    )
    listed = admin.get(_url(child))
    assert [p["id"] for p in listed.json()] == [body["id"]]

    # The parent signs in by code with that number: the child is theirs to manage.
    portal = Portal(client, runtime)
    client.headers.pop("Authorization", None)
    assert portal.sign_in(MOM).headers["location"] == "/portal"
    home = portal.get("/portal")
    assert home.status_code == 200, home.text
    assert "You are using the portal for Mateo Alvarez" in home.text
    assert 'href="/portal/book"' in _quick_links(home.text)
    [user] = _rows(runtime, User, User.id == account.user_id)
    assert user.email.endswith("@patients.liaison.invalid")


def test_a_grant_finds_the_existing_account_of_that_destination(scene, api, runtime):
    org, child, admin = scene
    mom = api.patient(org, phone=MOM, given_name="Ana", family_name="Alvarez")
    digest = signin_service.destination_digest(
        runtime.secret, signin_service.Destination("sms", MOM)
    )
    with runtime.db.session() as session:
        _, user = signin_service.find_or_create_account(session, "sms", digest, "•••• 7001")
        user_id = user.id
    granted = admin.post(_url(child), json={"relationship": "parent", "phone": MOM})
    assert granted.status_code == 201, granted.text
    assert granted.json()["proxy_user_id"] == str(user_id)
    assert len(_rows(runtime, PortalAccount)) == 1
    # The same person again while the first grant stands: refused, not doubled.
    again = admin.post(_url(child), json={"relationship": "parent", "phone": MOM})
    assert again.status_code == 409
    # Nor can a patient be made their own proxy.
    with runtime.db.session() as session:
        from liaison.models import Membership

        session.add(
            Membership(organization_id=org.id, user_id=user_id, role="patient", patient_id=mom.id)
        )
    own = admin.post(_url(mom), json={"relationship": "other", "phone": MOM})
    assert own.status_code == 422
    assert own.json()["errors"][0]["field"] == "phone"


def test_a_grant_by_email(scene, runtime):
    _, child, admin = scene
    granted = admin.post(
        _url(child),
        json={"relationship": "guardian", "email": "Guardian@Example.org", "scope": "read"},
    )
    assert granted.status_code == 201, granted.text
    assert (granted.json()["channel"], granted.json()["hint"]) == ("email", "g•••@example.org")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "relationship": "parent",
                "phone": MOM,
                "starts_on": "2026-05-01",
                "ends_on": "2026-04-01",
            },
            "ends_on",
        ),
        ({"relationship": "parent", "phone": MOM, "ends_on": "2026-01-01"}, "ends_on"),
        ({"relationship": "neighbour", "phone": MOM}, "relationship"),
        ({"relationship": "parent", "phone": MOM, "scope": "everything"}, "scope"),
        ({"relationship": "parent"}, "phone"),
        ({"relationship": "parent", "phone": MOM, "email": "a@example.org"}, "phone"),
        ({"relationship": "parent", "phone": "call me"}, "phone"),
        ({"relationship": "parent", "email": "not-an-address"}, "email"),
    ],
)
def test_bad_grants_name_the_field_and_store_nothing(scene, runtime, body, field):
    _, child, admin = scene
    response = admin.post(_url(child), json=body)
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    assert _rows(runtime, PatientProxy) == []
    assert _rows(runtime, PortalAccount) == []


def test_the_end_date_ends_access(scene, client, runtime, portal_session):
    _, child, admin = scene
    granted = admin.post(
        _url(child),
        json={"relationship": "caregiver", "phone": MOM, "ends_on": str(TODAY + timedelta(days=1))},
    )
    assert granted.status_code == 201
    user = _user(runtime, granted.json()["proxy_user_id"])
    assert "Mateo" in portal_session(user).get("/portal").text
    clock.advance(timedelta(days=1))
    # Through the end date itself (a new session: the old one idled out meanwhile).
    assert "Mateo" in portal_session(user).get("/portal").text
    clock.advance(timedelta(days=1))
    after = portal_session(user).get("/portal")
    assert "Mateo" not in after.text
    assert "We could not find your record" in after.text
    listed = admin.get(_url(child)).json()
    assert listed[0]["active"] is False


def test_a_future_grant_starts_on_its_day(scene, runtime, portal_session):
    _, child, admin = scene
    granted = admin.post(
        _url(child),
        json={"relationship": "spouse", "phone": MOM, "starts_on": str(TODAY + timedelta(days=2))},
    )
    assert granted.status_code == 201 and granted.json()["active"] is False
    user = _user(runtime, granted.json()["proxy_user_id"])
    assert "Mateo" not in portal_session(user).get("/portal").text
    clock.advance(timedelta(days=2))
    assert "Mateo" in portal_session(user).get("/portal").text


def test_revoking_ends_access_at_once(scene, runtime, portal_session):
    _, child, admin = scene
    granted = admin.post(_url(child), json={"relationship": "parent", "phone": MOM}).json()
    user = _user(runtime, granted["proxy_user_id"])
    browser = portal_session(user)
    assert "Mateo" in browser.get("/portal").text
    revoked = admin.post(_url(child, f"/{granted['id']}/revoke"))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None and revoked.json()["active"] is False
    assert "Mateo" not in browser.get("/portal").text
    # The switcher refuses the revoked patient too.
    assert browser.post("/portal/for", {"patient": str(child.id)}).status_code == 404
    again = admin.post(_url(child, f"/{granted['id']}/revoke"))
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    # After a revocation the same person may be granted again (say, read-only now).
    regrant = admin.post(
        _url(child), json={"relationship": "parent", "phone": MOM, "scope": "read"}
    )
    assert regrant.status_code == 201


def test_a_read_only_proxy_can_look_but_not_change(scene, runtime, portal_session, portal_user):
    _, child, _ = scene
    user = portal_user(None, proxy_for=[(child, "caregiver", "read")])
    browser = portal_session(user)
    home = browser.get("/portal")
    assert "read-only" in home.text
    assert 'href="/portal/book"' not in _quick_links(home.text)
    from liaison.auth import service as auth_service

    with unit_of_work(runtime.db, principal=None, audit_key=runtime.audit_key) as ctx:
        ctx.principal = auth_service.principal_for(ctx.session, ctx.session.get(User, user.id))
        assert access.require_patient(ctx, child.id).can_manage is False
        with pytest.raises(PermissionDenied):
            access.require_patient(ctx, child.id, manage=True)


def test_another_organizations_patient_is_404_on_every_route(scene, api, runtime):
    org, child, admin = scene
    granted = admin.post(_url(child), json={"relationship": "parent", "phone": MOM}).json()
    other = api.organization(name="Beta Clinic")
    outsider = api.login(other, "admin")
    for method, url, body in (
        ("POST", _url(child), {"relationship": "parent", "phone": "+16175557002"}),
        ("GET", _url(child), None),
        ("POST", _url(child, f"/{granted['id']}/revoke"), None),
    ):
        response = outsider.client.request(method, url, headers=outsider.headers, json=body)
        assert response.status_code == 404, (method, url, response.text)
        assert "Mateo" not in response.text
    assert len(_rows(runtime, PatientProxy)) == 1
    assert _rows(runtime, PatientProxy)[0].revoked_at is None
    # A proxy id of this patient under another patient of the same organization: 404.
    sibling = api.patient(org, given_name="Lucia")
    assert admin.post(_url(sibling, f"/{granted['id']}/revoke")).status_code == 404


def test_only_staff_who_may_write_grant(scene, api):
    org, child, _ = scene
    practitioner = api.login(org, "practitioner")
    assert practitioner.get(_url(child)).status_code == 200
    refused = practitioner.post(_url(child), json={"relationship": "parent", "phone": MOM})
    assert refused.status_code == 403


def test_every_request_leaves_one_audit_row_about_the_patient(scene, runtime):
    org, child, admin = scene
    granted = admin.post(_url(child), json={"relationship": "parent", "phone": MOM}).json()
    admin.get(_url(child))
    admin.post(_url(child, f"/{granted['id']}/revoke"))
    admin.post(_url(child), json={"relationship": "nobody", "phone": MOM})
    rows = [
        e for e in _rows(runtime, AuditEvent) if e.resource_type == "PatientProxy" or e.patient_id
    ]
    got = [(e.action, e.outcome, e.patient_id, e.organization_id) for e in rows]
    assert got == [
        ("create", "success", child.id, org.id),
        ("read", "success", child.id, org.id),
        ("update", "success", child.id, org.id),
        ("create", "failed", child.id, org.id),
    ]
    assert rows[0].resource_id == granted["id"]
    assert rows[0].details["relationship"] == "parent"
    assert MOM not in str([e.details for e in rows])


def test_require_patient_is_404_for_someone_elses_patient(scene, runtime, portal_user, api):
    org, child, _ = scene
    stranger = portal_user(api.patient(org, given_name="Zed"))
    from liaison.auth import service as auth_service

    with unit_of_work(runtime.db, principal=None, audit_key=runtime.audit_key) as ctx:
        ctx.principal = auth_service.principal_for(ctx.session, ctx.session.get(User, stranger.id))
        with pytest.raises(NotFound):
            access.require_patient(ctx, child.id)


def test_the_demo_patient_signs_in_by_code_and_acts_for_two_people(client, runtime):
    """liaison.demo.portal, as the loader runs it on a small demo: the demo patient's
    number signs in by code and the switcher offers a child (manage) and an older
    patient (read-only)."""
    from liaison.demo import loader
    from liaison.demo.catalog import HARBOR
    from liaison.models import Membership, PatientTelecom

    loader.load(runtime, seed=7, size="small", reset=False, patients=600, appointments=False)
    with runtime.db.session() as session:
        user = session.scalar(select(User).where(User.email == f"patient@{HARBOR.domain}"))
        membership = session.scalar(
            unscoped_system(select(Membership).where(Membership.user_id == user.id), "test")
        )
        mobile = session.scalar(
            unscoped_system(
                select(PatientTelecom.value).where(
                    PatientTelecom.patient_id == membership.patient_id,
                    PatientTelecom.use == "mobile",
                ),
                "test",
            )
        )
    # The loader seeds the patient login's portal account and two proxy grants.
    assert len(_rows(runtime, PatientProxy)) == 2
    assert mobile, "the demo's portal patient has a mobile number"
    portal = Portal(client, runtime)
    assert portal.sign_in(mobile).headers["location"] == "/portal"
    home = portal.get("/portal").text
    assert home.count('action="/portal/for"') >= 2
    assert "parent" in home and "caregiver" in home and "read-only" in home
    [account] = _rows(runtime, PortalAccount)
    assert account.user_id == user.id


def test_staff_give_and_revoke_access_on_the_patient_page(scene, signed_in, runtime):
    org, child, _ = scene
    staff = signed_in(org, "coordinator")
    record = staff.get(f"/patients/{child.id}")
    assert f'href="/patients/{child.id}/portal-access"' in record.text
    page = staff.get(f"/patients/{child.id}/portal-access")
    assert page.status_code == 200
    assert "Nobody else has portal access" in page.text
    bad = staff.post(
        f"/patients/{child.id}/portal-access",
        {"destination": "call me", "relationship": "parent", "scope": "manage"},
    )
    assert bad.status_code == 422
    assert 'id="f-destination-error"' in bad.text
    assert _rows(runtime, PatientProxy) == []
    late = staff.post(
        f"/patients/{child.id}/portal-access",
        {
            "destination": MOM,
            "relationship": "parent",
            "scope": "manage",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )
    assert late.status_code == 422 and 'id="f-ends_on-error"' in late.text
    done = staff.post(
        f"/patients/{child.id}/portal-access",
        {"destination": "(617) 555-7001", "relationship": "parent", "scope": "read"},
    )
    assert done.status_code == 303, done.text
    listed = staff.get(done.headers["location"])
    assert "Access granted" in listed.text
    assert "•••• 7001" in listed.text and "Read only" in listed.text
    assert MOM not in listed.text
    again = staff.post(
        f"/patients/{child.id}/portal-access",
        {"destination": MOM, "relationship": "parent", "scope": "manage"},
    )
    assert again.status_code == 409 and "already has proxy access" in again.text
    [proxy] = _rows(runtime, PatientProxy)
    revoked = staff.post(f"/patients/{child.id}/portal-access/{proxy.id}/revoke")
    assert revoked.status_code == 303
    assert "revoked" in staff.get(revoked.headers["location"]).text
    assert _rows(runtime, PatientProxy)[0].revoked_at is not None


def test_the_staff_page_is_404_for_another_organization(scene, signed_in, api):
    _, child, _ = scene
    outsider = signed_in(api.organization(name="Beta Clinic"), "admin")
    assert outsider.get(f"/patients/{child.id}/portal-access").status_code == 404
    refused = outsider.post(
        f"/patients/{child.id}/portal-access",
        {"destination": MOM, "relationship": "parent", "scope": "manage"},
    )
    assert refused.status_code == 404
    assert "Mateo" not in refused.text
