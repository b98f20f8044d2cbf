"""The demo data set: built, realistic, deterministic, idempotent, and usable through the API."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.demo import loader
from liaison.demo.catalog import AS_OF, HARBOR, LAKESHORE, ORGANIZATIONS, PACIFIC
from liaison.kit import migrate
from liaison.kit.text import search_key
from liaison.kit.validation import normalize_phone, npi_is_valid
from liaison.models import (
    CommunicationConsent,
    Device,
    HealthcareService,
    Location,
    Membership,
    Organization,
    OrganizationHoliday,
    Patient,
    PatientTelecom,
    Practitioner,
    PractitionerRole,
    PractitionerRoleService,
    User,
)
from liaison.runtime import Runtime

# Enough patients for every generated feature (children, near-duplicates, the portal
# patient) while keeping a load well under a second.
FEW = 600
ROLES = {"operator", "staffing_manager", "admin", "coordinator", "practitioner", "patient"}


def load(
    runtime: Runtime, seed: int = 7, reset: bool = False, patients: int | None = FEW
) -> loader.Summary:
    # Without appointments unless the whole small demo is built: these tests are about
    # the directory, patients and accounts (tests/demo/test_calendars.py covers them).
    return loader.load(
        runtime,
        seed=seed,
        size="small",
        reset=reset,
        progress=None,
        patients=patients,
        appointments=patients is None,
    )


def rows(runtime: Runtime, *columns: Any, where: Any = None, order_by: Any = None) -> list[Any]:
    stmt = select(*columns)
    if where is not None:
        stmt = stmt.where(where)
    if order_by is not None:
        stmt = stmt.order_by(*order_by)
    with runtime.db.session() as session:
        return list(session.execute(unscoped_system(stmt, "tests inspect the demo data")).all())


def org_ids(runtime: Runtime) -> dict[str, Any]:
    return {slug: id_ for id_, slug in rows(runtime, Organization.id, Organization.slug)}


def snapshot(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """What must be identical between two loads with the same seed."""
    return {
        "organizations": rows(
            runtime,
            Organization.id,
            Organization.slug,
            Organization.phone,
            order_by=[Organization.slug],
        ),
        "patients": rows(
            runtime,
            Patient.id,
            Patient.mrn,
            Patient.given_name,
            Patient.family_name,
            Patient.birth_date,
            Patient.email,
            Patient.line1,
            Patient.preferred_practitioner_id,
            order_by=[Patient.mrn],
        ),
        "phones": rows(
            runtime, PatientTelecom.id, PatientTelecom.value, order_by=[PatientTelecom.id]
        ),
        "practitioners": rows(
            runtime,
            Practitioner.id,
            Practitioner.npi,
            Practitioner.given_name,
            Practitioner.family_name,
            order_by=[Practitioner.npi],
        ),
        "consents": rows(
            runtime,
            CommunicationConsent.id,
            CommunicationConsent.channel,
            CommunicationConsent.status,
            CommunicationConsent.recorded_at,
            order_by=[CommunicationConsent.id],
        ),
    }


@pytest.fixture
def second_database(settings, tmp_path: Path):
    """Another, empty database (SQLite) to load the same seed into."""
    runtimes: list[Runtime] = []

    def make(name: str) -> Runtime:
        other = Runtime.from_settings(
            settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / name}"})
        )
        migrate.upgrade(other.db.engine)
        runtimes.append(other)
        return other

    yield make
    for other in runtimes:
        other.db.dispose()


# --- shape of the data set ------------------------------------------------------------


def test_the_small_demo_has_three_organizations_forty_practitioners_and_3000_patients(runtime):
    summary = load(runtime, patients=None)

    assert summary.already_loaded is False
    appointments = summary.counts.pop("appointments")
    assert summary.counts == {
        "organizations": 3,
        "locations": 7,
        "practitioners": 40,
        "patients": 3000,
        "users": 14,
    }
    assert appointments > 5_000  # weeks of history and the booking horizon
    per_org = Counter(org for (org,) in rows(runtime, Patient.organization_id))
    ids = org_ids(runtime)
    assert [per_org[ids[s.slug]] for s in ORGANIZATIONS] == [1500, 600, 900]
    zones = dict(rows(runtime, Organization.slug, Organization.time_zone))
    assert zones == {
        HARBOR.slug: "America/New_York",
        LAKESHORE.slug: "America/Chicago",
        PACIFIC.slug: "America/Los_Angeles",
    }
    # The printed summary names the password and every login.
    text = "\n".join(summary.lines())
    assert "liaison-demo-2026" in text
    assert all(login.email in text for login in summary.logins)


def test_every_phone_number_is_valid_e164(runtime):
    load(runtime)
    numbers = [v for (v,) in rows(runtime, PatientTelecom.value)]
    numbers += [v for (v,) in rows(runtime, Location.phone)] + [
        v for (v,) in rows(runtime, Organization.phone)
    ]
    assert len(numbers) > FEW
    for number in numbers:
        assert normalize_phone(number) == number


def test_every_npi_passes_the_check_digit_and_is_unique(runtime):
    load(runtime)
    npis = [n for (n,) in rows(runtime, Practitioner.npi)]
    assert len(npis) == 40 and len(set(npis)) == 40
    assert all(npi_is_valid(n) for n in npis)


def test_every_name_has_its_search_key(runtime):
    load(runtime)
    for given, family, given_key, family_key in rows(
        runtime, Patient.given_name, Patient.family_name, Patient.given_key, Patient.family_key
    ):
        assert given_key and family_key
        assert (given_key, family_key) == (search_key(given), search_key(family))


def test_patients_reflect_their_communities(runtime):
    load(runtime)
    ids = org_ids(runtime)
    by_org: dict[Any, list[Any]] = defaultdict(list)
    for row in rows(
        runtime,
        Patient.organization_id,
        Patient.preferred_language,
        Patient.birth_date,
        Patient.state,
    ):
        by_org[row.organization_id].append(row)

    harbor = by_org[ids[HARBOR.slug]]
    assert {"en", "es", "ht", "pt", "vi", "zh"} <= {r.preferred_language for r in harbor}
    assert Counter(r.preferred_language for r in harbor).most_common(1)[0][0] == "en"
    ages = [(AS_OF - r.birth_date).days // 365 for r in harbor]
    assert sum(a < 18 for a in ages) > len(harbor) * 0.1, "primary care sees children"
    assert all((AS_OF - r.birth_date).days // 365 >= 13 for r in by_org[ids[LAKESHORE.slug]])
    for spec in ORGANIZATIONS:
        assert {r.state for r in by_org[ids[spec.slug]]} == {spec.state}

    languages = Counter(
        lang for (langs,) in rows(runtime, Practitioner.languages) for lang in langs
    )
    assert languages["en"] == 40 and languages["es"] >= 3


def test_minors_consent_is_given_by_a_parent_or_guardian(runtime):
    load(runtime)
    given_by = rows(
        runtime,
        CommunicationConsent.given_by,
        Patient.birth_date,
        where=(CommunicationConsent.patient_id == Patient.id)
        & (CommunicationConsent.organization_id == Patient.organization_id),
    )
    minors = {g for g, born in given_by if (AS_OF - born).days < 17 * 365}
    adults = {g for g, born in given_by if (AS_OF - born).days > 19 * 365}
    assert minors and minors <= {"parent", "guardian"}
    assert "patient" in adults and "parent" not in adults
    methods = {m for (m,) in rows(runtime, CommunicationConsent.method)}
    assert {"verbal", "written", "portal"} <= methods


def test_visit_types_needing_a_device_are_offered_only_where_it_exists(runtime):
    load(runtime)
    pacific = org_ids(runtime)[PACIFIC.slug]
    needs = {
        code: set(kinds)
        for code, kinds in rows(
            runtime,
            HealthcareService.code,
            HealthcareService.required_device_kinds,
            where=HealthcareService.organization_id == pacific,
        )
    }
    assert needs["xray-visit"] == {"xray"} and needs["joint-injection"] == {"procedure-room"}
    kinds_at: dict[Any, set[str]] = defaultdict(set)
    for location_id, kind in rows(
        runtime, Device.location_id, Device.kind, where=Device.organization_id == pacific
    ):
        kinds_at[location_id].add(kind)
    assert {"exam-room", "procedure-room", "xray", "mri"} <= set().union(*kinds_at.values())

    offered = rows(
        runtime,
        PractitionerRole.location_id,
        HealthcareService.code,
        where=(PractitionerRoleService.practitioner_role_id == PractitionerRole.id)
        & (PractitionerRoleService.organization_id == PractitionerRole.organization_id)
        & (PractitionerRoleService.healthcare_service_id == HealthcareService.id)
        & (PractitionerRoleService.organization_id == HealthcareService.organization_id)
        & (PractitionerRole.organization_id == pacific),
    )
    assert {code for _, code in offered} == set(needs), "every visit type has someone offering it"
    for location_id, code in offered:
        assert needs[code] <= kinds_at[location_id]


def test_each_organization_closes_on_the_2026_and_2027_federal_holidays(runtime):
    load(runtime)
    per_org = Counter(org for (org,) in rows(runtime, OrganizationHoliday.organization_id))
    assert sorted(per_org.values()) == [23, 23, 23]
    names = {name for (name,) in rows(runtime, OrganizationHoliday.name)}
    assert {"Thanksgiving Day", "Juneteenth National Independence Day"} <= names


def test_accounts_are_linked_to_what_they_stand_for(runtime):
    load(runtime)
    memberships = rows(
        runtime,
        User.email,
        Membership.role,
        Membership.practitioner_id,
        Membership.patient_id,
        where=Membership.user_id == User.id,
    )
    by_email: dict[str, list[Any]] = defaultdict(list)
    for m in memberships:
        by_email[m.email].append(m)
    assert [m.role for m in by_email["float@liaison.example"]] == ["coordinator", "coordinator"]
    practitioners = {p for (p,) in rows(runtime, Practitioner.id)}
    for spec in ORGANIZATIONS:
        (m,) = by_email[f"practitioner@{spec.domain}"]
        assert m.practitioner_id in practitioners
    (m,) = by_email["patient@harbor.example"]
    (email,) = rows(runtime, Patient.email, where=Patient.id == m.patient_id)[0]
    assert email == "patient@harbor.example"
    platform = dict(
        rows(runtime, User.email, User.platform_role, where=User.platform_role.is_not(None))
    )
    assert platform == {
        "operator@liaison.example": "operator",
        "staffing@liaison.example": "staffing_manager",
    }


# --- determinism and idempotence ------------------------------------------------------


def test_the_same_seed_gives_identical_rows_in_two_databases(runtime, second_database):
    load(runtime, seed=11)
    other = second_database("same-seed.db")
    load(other, seed=11)
    assert snapshot(runtime) == snapshot(other)

    different = second_database("other-seed.db")
    load(different, seed=12)
    theirs, ours = snapshot(different), snapshot(runtime)
    assert {p[1:4] for p in theirs["patients"]}.isdisjoint({p[1:4] for p in ours["patients"]})
    assert {p[1] for p in theirs["phones"]} != {p[1] for p in ours["phones"]}


def test_a_second_load_returns_quickly_with_the_same_logins_and_changes_nothing(runtime):
    first = load(runtime)
    before = snapshot(runtime)
    started = time.perf_counter()
    again = load(runtime, seed=99)
    assert time.perf_counter() - started < 1.0
    assert again.already_loaded is True
    assert again.logins == first.logins and again.counts == first.counts
    assert "already loaded" in again.lines()[0]
    assert snapshot(runtime) == before


def test_reset_deletes_every_row_first(runtime, make):
    unrelated = make.organization(name="Someone else's clinic")
    load(runtime, seed=1)
    summary = load(runtime, seed=2, reset=True)
    assert summary.already_loaded is False
    assert unrelated.id not in org_ids(runtime).values()
    assert summary.counts["organizations"] == 3 and summary.counts["patients"] == FEW
    assert len(rows(runtime, Organization.id)) == 3


# --- through the API ------------------------------------------------------------------


def _token(client, email: str) -> str:
    response = client.post(
        "/api/v1/auth/token", json={"email": email, "password": "liaison-demo-2026"}
    )
    assert response.status_code == 201, (email, response.text)
    return response.json()["token"]


def test_every_role_signs_in_and_a_coordinator_finds_a_demo_surname(runtime, client):
    summary = load(runtime)
    assert {login.role for login in summary.logins} == ROLES
    tokens = {login.email: _token(client, login.email) for login in summary.logins}

    harbor = org_ids(runtime)[HARBOR.slug]
    surnames = Counter(
        f
        for (f,) in rows(
            runtime,
            Patient.family_name,
            where=(Patient.organization_id == harbor) & Patient.active.is_(True),
        )
        if " " not in f  # "García López" is searched for as two words
    )
    surname, expected = surnames.most_common(1)[0]
    assert expected > 1
    headers = {"Authorization": f"Bearer {tokens['coordinator@harbor.example']}"}
    response = client.get("/api/v1/patients", params={"q": surname, "limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    found = [p for p in response.json()["items"] if p["family_name"] == surname]
    assert len(found) == expected
    assert all(p["organization_id"] == str(harbor) for p in response.json()["items"])


def test_the_demo_near_duplicate_is_flagged(runtime, client):
    summary = load(runtime)
    assert summary.near_duplicates
    original_mrn, duplicate_mrn = summary.near_duplicates[0]
    by_mrn = {
        r.mrn: r
        for r in rows(
            runtime,
            Patient.id,
            Patient.organization_id,
            Patient.mrn,
            Patient.given_name,
            Patient.family_name,
            Patient.birth_date,
            where=Patient.mrn.in_([original_mrn, duplicate_mrn]),
        )
    }
    original, duplicate = by_mrn[original_mrn], by_mrn[duplicate_mrn]
    assert original.birth_date == duplicate.birth_date
    assert (original.given_name, original.family_name) != (
        duplicate.given_name,
        duplicate.family_name,
    )

    slug = next(s for s, i in org_ids(runtime).items() if i == original.organization_id)
    domain = next(spec.domain for spec in ORGANIZATIONS if spec.slug == slug)
    token = _token(client, f"admin@{domain}")
    response = client.post(
        "/api/v1/patients/duplicates",
        json={
            "organization_id": str(duplicate.organization_id),
            "given_name": duplicate.given_name,
            "family_name": duplicate.family_name,
            "birth_date": duplicate.birth_date.isoformat(),
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    flagged = {c["id"]: c for c in response.json()}
    assert str(original.id) in flagged
    assert "similar name and the same birth date" in flagged[str(original.id)]["reasons"]


def _all_pages(client, headers: dict[str, str], q: str) -> list[str]:
    ids, cursor = [], None
    for _ in range(100):
        params = {"q": q, "limit": 7, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/patients", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize(
    ("q", "at_least"),
    [
        ("ma", 8),
        ("jo", 8),
        ("ng", 1),
        ("smi", 1),
        ("{given} {family}", 1),
        ("{family}, {given}", 1),
        ("{g2} {f3}", 1),
    ],
)
def test_name_search_pages_through_exactly_the_matching_demo_patients(runtime, client, q, at_least):
    """Every page, in order, holds exactly the patients a brute-force filter finds."""
    load(runtime)
    harbor = org_ids(runtime)[HARBOR.slug]
    active = rows(
        runtime,
        Patient.id,
        Patient.given_key,
        Patient.family_key,
        where=(Patient.organization_id == harbor) & Patient.active.is_(True),
        order_by=[Patient.mrn],
    )
    someone = next(r for r in active if " " not in r.given_key + r.family_key)
    q = q.format(
        given=someone.given_key,
        family=someone.family_key,
        g2=someone.given_key[:2],
        f3=someone.family_key[:3],
    )
    tokens = search_key(q).split()
    splits = [(" ".join(tokens[:i]), " ".join(tokens[i:])) for i in range(1, len(tokens))]
    readings = (
        splits + [(f, g) for g, f in splits] if splits else [(tokens[0], None), (None, tokens[0])]
    )
    expected = sorted(
        (r.family_key, r.given_key, str(r.id))
        for r in active
        if any(
            (g is None or r.given_key.startswith(g)) and (f is None or r.family_key.startswith(f))
            for g, f in readings
        )
    )
    assert len(expected) >= at_least
    headers = {"Authorization": f"Bearer {_token(client, 'coordinator@harbor.example')}"}
    assert _all_pages(client, headers, q) == [i for *_, i in expected]
