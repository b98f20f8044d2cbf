"""Patient pages: search, the record, create with the duplicate warning, edit, consent."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from liaison.authz.scope import unscoped_system
from liaison.models import AuditEvent, CommunicationConsent, Patient

HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "results"}


def count(runtime, model=Patient) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        stmt = unscoped_system(select(func.count()).select_from(model), "the test counts every row")
        return int(session.scalar(stmt) or 0)


def new_patient_form(**changes: str) -> dict[str, str]:
    form = {
        "given_name": "Maria",
        "family_name": "Garcia",
        "birth_date": "1984-03-02",
        "administrative_sex": "female",
        "preferred_language": "es",
        "phones-0-use": "mobile",
        "phones-0-value": "(202) 555-0143",
        "consent-sms": "granted",
        "consent_given_by": "patient",
        "consent_method": "verbal",
    }
    form.update(changes)
    return form


# --- Search and the record ------------------------------------------------------------


def test_a_coordinator_searches_by_name_and_opens_the_record(signed_in, make):
    org = make.organization()
    maria = make.patient(
        org, given_name="Maria", family_name="Garcia", mrn="MRN-1002", phone="+12025550143"
    )
    make.patient(org, given_name="John", family_name="Smith")
    browser = signed_in(org)

    page = browser.get("/patients?q=garcia")

    assert page.status_code == 200
    assert f'href="/patients/{maria.id}"' in page.text
    assert (
        "Garcia, Maria" in page.text and "MRN-1002" in page.text and "(202) 555-0143" in page.text
    )
    assert "Smith" not in page.text
    assert 'aria-live="polite"' in page.text and "data-search" in page.text
    record = browser.get(f"/patients/{maria.id}")
    assert record.status_code == 200
    assert "MRN-1002" in record.text and "Demographics" in record.text
    assert record.headers["cache-control"] == "no-store"


def test_htmx_gets_only_the_results_region(signed_in, make):
    org = make.organization()
    make.patient(org, given_name="Maria", family_name="Garcia")
    browser = signed_in(org)

    fragment = browser.get("/patients?q=garcia", headers=HTMX_RESULTS)

    assert fragment.status_code == 200
    assert "Garcia, Maria" in fragment.text
    assert "<html" not in fragment.text and 'id="q"' not in fragment.text


def test_search_pages_with_a_cursor(signed_in, make):
    org = make.organization()
    for i in range(30):
        make.patient(org, given_name=f"Ann{i:02d}", family_name="Lee")
    browser = signed_in(org)

    first = browser.get("/patients?q=lee")
    next_link = re.search(r'href="(/patients\?q=lee&amp;cursor=[^"]+)"', first.text)
    assert next_link, "a full page of results offers the next page"
    second = browser.get(next_link.group(1).replace("&amp;", "&"))

    names = lambda text: set(re.findall(r"Lee, (Ann\d\d)", text))  # noqa: E731
    assert len(names(first.text)) == 25 and len(names(second.text)) == 5
    assert not names(first.text) & names(second.text)
    assert "Next page" not in second.text


def test_search_explains_an_unusable_query_and_an_empty_result(signed_in, make):
    org = make.organization()
    browser = signed_in(org)

    bad = browser.get("/patients?q=555-0134", headers=HTMX_RESULTS)
    assert bad.status_code == 422
    assert "not a valid phone number" in bad.text

    empty = browser.get("/patients?q=nobody")
    assert empty.status_code == 200
    assert "No patient in" in empty.text and 'href="/patients/new"' in empty.text


def test_search_stays_in_the_current_organization_until_switched(signed_in, make):
    first, second = make.organization(name="Alpha Clinic"), make.organization(name="Beta Clinic")
    make.patient(first, given_name="Ada", family_name="Alpha")
    make.patient(second, given_name="Bea", family_name="Beta")
    browser = signed_in(None, orgs=[(first, "coordinator"), (second, "coordinator")])
    home = browser.get("/")
    current = re.search(r'<option value="([^"]+)" selected>([^<]+)</option>', home.text)
    assert current is not None
    other = second if current.group(1) == str(first.id) else first
    surname = "Beta" if other is second else "Alpha"
    assert f"{surname}, " not in browser.get(f"/patients?q={surname}").text

    switched = browser.post("/session/organization", {"organization_id": str(other.id)})
    assert switched.status_code == 303

    assert f"{surname}, " in browser.get(f"/patients?q={surname}").text


def test_another_organizations_patient_is_not_found(signed_in, make):
    mine, theirs = make.organization(), make.organization()
    stranger = make.patient(theirs, mrn="THEIRS-1")
    browser = signed_in(mine)

    for url in (f"/patients/{stranger.id}", f"/patients/{stranger.id}/edit"):
        page = browser.get(url)
        assert page.status_code == 404
        assert "THEIRS-1" not in page.text
    consent = browser.post(
        f"/patients/{stranger.id}/consents", {"channel": "sms", "status": "granted"}
    )
    assert consent.status_code == 404


def test_reading_a_record_leaves_one_audit_row(signed_in, make, runtime):
    org = make.organization()
    patient = make.patient(org)
    browser = signed_in(org)

    browser.get(f"/patients/{patient.id}")

    with runtime.db.session() as session:
        stmt = unscoped_system(
            select(AuditEvent).where(AuditEvent.patient_id == patient.id), "test"
        )
        rows = list(session.scalars(stmt))
    assert [(r.action, r.outcome) for r in rows] == [("read", "success")]


# --- Create ---------------------------------------------------------------------------


def test_a_coordinator_creates_a_patient(signed_in, make, runtime):
    org = make.organization()
    practitioner = make.practitioner(org, given_name="Gregory", family_name="House")
    browser = signed_in(org)
    form_page = browser.get("/patients/new")
    assert form_page.status_code == 200 and "Gregory House" in form_page.text

    response = browser.post(
        "/patients/new", new_patient_form(preferred_practitioner_id=str(practitioner.id))
    )

    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/patients/[0-9a-f-]{36}\?done=patient-created", location)
    record = browser.get(location)
    assert "The patient record was created." in record.text
    assert (
        "Garcia, Maria" in record.text
        and "Spanish" in record.text
        and "Gregory House" in record.text
    )
    assert "(202) 555-0143" in record.text
    assert 'class="badge ok">granted' in record.text
    assert count(runtime) == 1 and count(runtime, CommunicationConsent) == 1


def test_a_likely_duplicate_is_shown_and_nothing_is_stored_until_confirmed(
    signed_in, make, runtime
):
    org = make.organization()
    existing = make.patient(
        org, given_name="Maria", family_name="Garcia", birth_date=date(1984, 3, 2), mrn="MRN-1002"
    )
    browser = signed_in(org)

    warned = browser.post("/patients/new", new_patient_form(given_name="María"))

    assert warned.status_code == 409
    assert "This patient may already exist" in warned.text
    assert f'href="/patients/{existing.id}"' in warned.text and "MRN-1002" in warned.text
    assert "similar name and the same birth date" in warned.text
    assert (
        'name="confirm_not_duplicate"' in warned.text
        and "this is a different person" in warned.text
    )
    assert 'value="María"' in warned.text, "the form keeps what was typed"
    assert count(runtime) == 1

    confirmed = browser.post(
        "/patients/new", new_patient_form(given_name="María", confirm_not_duplicate="on")
    )

    assert confirmed.status_code == 303
    assert count(runtime) == 2


def test_invalid_input_is_shown_next_to_the_field_and_nothing_is_stored(signed_in, make, runtime):
    org = make.organization()
    browser = signed_in(org)

    page = browser.post(
        "/patients/new",
        new_patient_form(
            given_name="",
            birth_date="2999-01-01",
            email="not-an-email",
            **{"phones-0-value": "", "phones-1-value": "12345"},
        ),
    )

    assert page.status_code == 422
    assert count(runtime) == 0
    for field, message in (
        ("given_name", "Given name is required"),
        ("birth_date", "Birth date is in the future"),
        ("phones-1-value", "Phone 2 number is not a valid phone number"),
    ):
        control = re.search(rf'<input id="f-{field}"[^>]*>', page.text)
        assert control, field
        assert 'aria-invalid="true"' in control.group(0)
        assert f'aria-describedby="f-{field}-error' in control.group(0)
        assert f'id="f-{field}-error" class="field-error">{message}' in page.text
    assert 'id="f-email-error"' in page.text
    assert 'value="not-an-email"' in page.text and 'value="Garcia"' in page.text
    assert "nothing was saved" in page.text


def test_a_practitioner_may_read_but_not_create(signed_in, make, runtime):
    org = make.organization()
    browser = signed_in(org, "practitioner")

    assert browser.get("/patients").status_code == 200
    assert 'href="/patients/new"' not in browser.get("/patients").text
    assert browser.get("/patients/new").status_code == 403
    assert browser.post("/patients/new", new_patient_form()).status_code == 403
    assert count(runtime) == 0


# --- Edit and consent -----------------------------------------------------------------


def edit_form(page: str) -> dict[str, str]:
    """The values the edit page carries, as a browser would submit them unchanged."""
    form = dict(
        re.findall(
            r'<input id="f-([^"]+)" name="[^"]+" type="(?:text|date|tel|email)" value="([^"]*)"',
            page,
        )
    )
    for name, options in re.findall(r'<select id="f-([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        form[name] = chosen.group(1) if chosen else ""
    form["version"] = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    form["active"] = "on"
    return form


def test_an_edit_is_saved_and_a_stale_version_is_refused(signed_in, make):
    org = make.organization()
    patient = make.patient(org, given_name="Maria", family_name="Garcia", phone="+12025550143")
    browser = signed_in(org)
    opened = edit_form(browser.get(f"/patients/{patient.id}/edit").text)
    assert opened["given_name"] == "Maria" and opened["phones-0-value"] == "+12025550143"

    saved = browser.post(f"/patients/{patient.id}/edit", {**opened, "preferred_name": "Mari"})
    assert saved.status_code == 303
    assert "Mari" in browser.get(f"/patients/{patient.id}").text

    stale = browser.post(f"/patients/{patient.id}/edit", {**opened, "given_name": "Marie"})

    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.text
    assert f'href="/patients/{patient.id}/edit">Reload' in stale.text
    assert "Garcia, Maria" in browser.get(f"/patients/{patient.id}").text


def test_an_edit_keeps_typed_values_when_the_mrn_is_taken(signed_in, make):
    org = make.organization()
    make.patient(org, mrn="TAKEN-1")
    patient = make.patient(org, mrn="MINE-1")
    browser = signed_in(org)
    opened = edit_form(browser.get(f"/patients/{patient.id}/edit").text)

    page = browser.post(
        f"/patients/{patient.id}/edit", {**opened, "mrn": "TAKEN-1", "city": "Boston"}
    )

    assert page.status_code == 409
    assert 'id="f-mrn-error"' in page.text and 'value="Boston"' in page.text
    assert "MINE-1" in browser.get(f"/patients/{patient.id}").text


def test_a_consent_decision_is_recorded_with_who_when_and_how(signed_in, make, runtime):
    org = make.organization(time_zone="America/Chicago")
    patient = make.patient(org)
    browser = signed_in(org)

    response = browser.post(
        f"/patients/{patient.id}/consents",
        {"channel": "email", "status": "revoked", "given_by": "guardian", "method": "written"},
    )

    assert response.status_code == 303
    record = browser.get(response.headers["location"]).text
    assert "The consent decision was recorded." in record
    row = re.search(r"<th scope=\"row\" data-label=\"Channel\">E-mail</th>(.*?)</tr>", record, re.S)
    assert row is not None
    assert "revoked" in row.group(1) and "guardian" in row.group(1) and "Written" in row.group(1)
    assert browser.user.display_name in row.group(1)
    assert count(runtime, CommunicationConsent) == 1


def test_an_invalid_consent_decision_is_refused(signed_in, make, runtime):
    org = make.organization()
    patient = make.patient(org)
    browser = signed_in(org)

    page = browser.post(f"/patients/{patient.id}/consents", {"channel": "fax", "status": "granted"})

    assert page.status_code == 422
    assert 'id="f-channel-error"' in page.text
    assert count(runtime, CommunicationConsent) == 0


def test_editing_keeps_every_phone_number_even_beyond_the_usual_rows(signed_in, make, runtime):
    from liaison.models import PatientTelecom

    org = make.organization()
    numbers = ["+12025550101", "+12025550102", "+12025550103", "+12025550104", "+12025550105"]
    created = make.login(org, "coordinator").post(
        "/api/v1/patients",
        json={
            "organization_id": str(org.id),
            "given_name": "Pat",
            "family_name": "Many",
            "birth_date": "1970-05-05",
            "administrative_sex": "unknown",
            "phones": [{"use": "home", "value": n} for n in numbers],
        },
    )
    assert created.status_code == 201, created.text
    patient_id = created.json()["id"]
    browser = signed_in(org)
    opened = edit_form(browser.get(f"/patients/{patient_id}/edit").text)
    assert [opened[f"phones-{i}-value"] for i in range(5)] == numbers

    saved = browser.post(f"/patients/{patient_id}/edit", {**opened, "city": "Albany"})

    assert saved.status_code == 303
    record = browser.get(f"/patients/{patient_id}").text
    assert all(f"tel:{n}" in record for n in numbers)
    assert count(runtime, PatientTelecom) == 5
