"""Rows for the directory: organizations, holidays, sites, visit types, devices, staff."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from liaison.demo import people
from liaison.demo.calendar import federal_holidays
from liaison.demo.catalog import DIRECTORY_CREATED, OrgSpec, Site, StaffKind
from liaison.demo.ids import DemoIds
from liaison.demo.regions import City

Row = dict[str, Any]
HOLIDAY_YEARS = (2026, 2027)
# Name traditions of clinicians who speak no language besides English: mostly US names,
# and the many US physicians trained in India.
ENGLISH_ONLY_ORIGINS = {"en": 0.80, "in": 0.12, "es": 0.04, "zh": 0.02, "vi": 0.02}


@dataclass
class Clinician:
    id: uuid.UUID
    kind: StaffKind
    languages: list[str]
    display_name: str


@dataclass
class OrgDirectory:
    """One organization's directory rows, and what patient generation needs from them."""

    spec: OrgSpec
    id: uuid.UUID
    sites: list[tuple[Site, City]]
    clinicians: list[Clinician] = field(default_factory=list)
    rows: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, table: str, row: Row) -> None:
        self.rows.setdefault(table, []).append(row)

    def primary_clinicians(self, minor: bool) -> list[Clinician]:
        wanted = {"all", "children"} if minor else {"all", "adults"}
        return [c for c in self.clinicians if c.kind.primary_for in wanted]


def _stamps(at: datetime) -> Row:
    return {"created_at": at, "updated_at": at}


def _city(spec: OrgSpec, name: str) -> City:
    return next(c for c in spec.cities if c.name == name)


def build_organization(spec: OrgSpec, seed: int, size: str) -> OrgDirectory:
    rng = random.Random(f"{seed}:directory:{spec.key}")
    ids = DemoIds(seed, f"directory:{spec.key}")
    streets = people.street_pool(seed, spec.state, size=120)
    at = DIRECTORY_CREATED
    sites = [(s, _city(spec, s.city)) for s in spec.sites[: spec.site_count(size)]]
    main_city = sites[0][1]
    org = OrgDirectory(spec, ids.at(at), sites)
    org.add(
        "organization",
        {
            "id": org.id,
            "name": spec.name,
            "slug": spec.slug,
            "time_zone": spec.time_zone,
            "country": "US",
            "phone": people.phone(rng, main_city.area_codes),
            "business_hours": spec.business_hours,
            "active": True,
            **_stamps(at),
        },
    )
    for year in HOLIDAY_YEARS:
        for day, name in federal_holidays(year):
            org.add(
                "organization_holiday",
                {"organization_id": org.id, "id": ids.at(at), "date": day, "name": name},
            )

    location_ids: list[uuid.UUID] = []
    for site, city in sites:
        line1, _ = people.street_address(rng, streets)
        location_id = ids.at(at)
        location_ids.append(location_id)
        org.add(
            "location",
            {
                "organization_id": org.id,
                "id": location_id,
                "name": site.name,
                # A telehealth-only site has no door to walk in; its address is the
                # administrative office's.
                "line1": line1,
                "line2": f"Suite {rng.randint(1, 9)}00" if site.telehealth_only else None,
                "city": city.name,
                "state": city.state,
                "postal_code": rng.choice(city.postal_codes),
                "country": "US",
                "time_zone": spec.time_zone,
                "phone": people.phone(rng, city.area_codes),
                "telehealth_only": site.telehealth_only,
                "active": True,
                **_stamps(at),
            },
        )
        for device in site.devices:
            org.add(
                "device",
                {
                    "organization_id": org.id,
                    "id": ids.at(at),
                    "location_id": location_id,
                    "name": device.name,
                    "category": device.category,
                    "kind": device.kind,
                    "active": True,
                    **_stamps(at),
                },
            )

    service_ids: dict[str, uuid.UUID] = {}
    for vt in spec.visit_types:
        service_ids[vt.code] = ids.at(at)
        org.add(
            "healthcare_service",
            {
                "organization_id": org.id,
                "id": service_ids[vt.code],
                "code": vt.code,
                "name": vt.name,
                "specialty": vt.specialty,
                "duration_minutes": vt.minutes,
                "modality": vt.modality,
                "new_patients": vt.new_patients,
                "established_patients": vt.established_patients,
                "patient_bookable": vt.patient_bookable,
                "required_device_kinds": list(vt.devices),
                "active": True,
                **_stamps(at),
            },
        )

    _build_staff(org, rng, ids, size, location_ids, service_ids)
    return org


def _languages(rng: random.Random, spec: OrgSpec) -> list[str]:
    extra = [lang for lang, share in spec.practitioner_languages if rng.random() < share]
    return ["en", *extra[:2]]


def _origin(rng: random.Random, languages: list[str]) -> str:
    # Most clinicians who speak a community's language grew up in it; some learned it.
    if len(languages) > 1 and rng.random() < 0.7:
        return languages[1]
    origins = list(ENGLISH_ONLY_ORIGINS)
    return rng.choices(origins, weights=list(ENGLISH_ONLY_ORIGINS.values()))[0]


def _build_staff(
    org: OrgDirectory,
    rng: random.Random,
    ids: DemoIds,
    size: str,
    location_ids: list[uuid.UUID],
    service_ids: dict[str, uuid.UUID],
) -> None:
    spec = org.spec
    used_npis: set[str] = set()
    used_emails: set[str] = set()
    visit_types = {vt.code: vt for vt in spec.visit_types}
    for kind in spec.staff:
        eligible = [
            i
            for i, (site, _) in enumerate(org.sites)
            if kind.needs_device is None or kind.needs_device in site.device_kinds
        ]
        count = kind.small if size == "small" else kind.large
        for n in range(count):
            at = DIRECTORY_CREATED + timedelta(days=rng.randint(0, 3000))
            practitioner_id = ids.at(DIRECTORY_CREATED)
            languages = _languages(rng, spec)
            roll = rng.random()
            gender = "female" if roll < kind.female_share else "male" if roll < 0.995 else "other"
            name = people.person_name(rng, _origin(rng, languages), gender == "female")
            npi = people.npi(rng)
            while npi in used_npis:
                npi = people.npi(rng)
            used_npis.add(npi)
            local = f"{people.cached_key(name.given)}.{people.cached_key(name.family)}".replace(
                " ", ""
            )
            email = f"{local}@{spec.domain}"
            if email in used_emails:
                email = f"{local}{n}@{spec.domain}"
            used_emails.add(email)
            suffix = rng.choices(
                [c for c, _ in kind.credentials], weights=[w for _, w in kind.credentials]
            )[0]
            prefix = "Dr." if kind.doctor else None
            org.add(
                "practitioner",
                {
                    "organization_id": org.id,
                    "id": practitioner_id,
                    "prefix": prefix,
                    "given_name": name.given,
                    "family_name": name.family,
                    "suffix": suffix,
                    "npi": npi,
                    "gender": gender,
                    "specialties": list(rng.choice(kind.specialties)),
                    "languages": languages,
                    "email": email,
                    "phone": None,
                    "active": True,
                    "created_at": at,
                    "updated_at": at,
                },
            )
            display = f"{name.given} {name.family}, {suffix}"
            org.clinicians.append(Clinician(practitioner_id, kind, languages, display))

            # Spread each kind over the sites so every site is staffed, and let some
            # clinicians work at a second site.
            homes = [eligible[n % len(eligible)]]
            if len(eligible) > 1 and rng.random() < 0.25:
                homes.append(rng.choice([i for i in eligible if i != homes[0]]))
            for i in homes:
                site, _ = org.sites[i]
                role_id = ids.at(DIRECTORY_CREATED)
                org.add(
                    "practitioner_role",
                    {
                        "organization_id": org.id,
                        "id": role_id,
                        "practitioner_id": practitioner_id,
                        "location_id": location_ids[i],
                        "active": True,
                        "created_at": at,
                        "updated_at": at,
                    },
                )
                for code in kind.services:
                    if not set(visit_types[code].devices) <= site.device_kinds:
                        continue  # e.g. no MRI at this site
                    org.add(
                        "practitioner_role_service",
                        {
                            "organization_id": org.id,
                            "id": ids.at(DIRECTORY_CREATED),
                            "practitioner_role_id": role_id,
                            "healthcare_service_id": service_ids[code],
                        },
                    )
