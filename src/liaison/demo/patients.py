"""Rows for one organization's patients: records, phones, identifiers and consents.

Patients are generated in registration order and handed out in batches, so 100,000 of
them never sit in memory at once and the loader can report progress per batch.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from liaison.demo import people
from liaison.demo.catalog import AS_OF, AS_OF_INSTANT, FIRST_REGISTRATION
from liaison.demo.directory import Clinician, OrgDirectory
from liaison.demo.ids import DemoIds
from liaison.kit.text import search_key
from liaison.patients import rules

Row = dict[str, Any]
MEDICARE_SYSTEM = "http://hl7.org/fhir/sid/us-mbi"
OTHER_IDENTITIES = people.Weighted.of(
    {
        "non-binary": 35,
        "transgender woman": 20,
        "transgender man": 20,
        "genderqueer": 10,
        "chooses not to disclose": 15,
    }
)


@dataclass
class Batch:
    patients: list[Row] = field(default_factory=list)
    telecoms: list[Row] = field(default_factory=list)
    identifiers: list[Row] = field(default_factory=list)
    consents: list[Row] = field(default_factory=list)


@dataclass
class PatientStats:
    count: int = 0
    # (MRN of the original record, MRN of the one entered again with a typo)
    near_duplicates: list[tuple[str, str]] = field(default_factory=list)
    # The patient who signs in to the portal: (id, display name).
    portal_patient: tuple[uuid.UUID, str] | None = None


@dataclass(frozen=True)
class _Person:
    """What a near-duplicate copies from the original record."""

    mrn: str
    given: str
    family: str
    middle: str | None
    born: date
    sex: str
    language: str
    address: tuple[Any, ...]
    mobile: str | None


def _typo(rng: random.Random, name: str) -> str:
    chars = list(name)
    # Never the first letter: people rarely get that wrong, and the phonetic match
    # relies on it.
    spots = [i for i in range(1, len(chars)) if chars[i].isalpha()]
    if len(spots) < 3:
        return name
    i = rng.choice(spots[:-1])
    op = rng.choice(("swap", "drop", "double", "vowel"))
    if op == "swap" and chars[i + 1].isalpha():
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif op == "drop":
        del chars[i]
    elif op == "double":
        chars.insert(i, chars[i])
    else:
        vowels = [j for j in spots if chars[j].lower() in "aeiou"]
        if not vowels:
            return name
        j = rng.choice(vowels)
        chars[j] = rng.choice([v for v in "aeiou" if v != chars[j].lower()])
    return "".join(chars)


class PatientGenerator:
    def __init__(
        self,
        org: OrgDirectory,
        seed: int,
        count: int,
        near_duplicates: int,
        coordinator_ids: list[uuid.UUID],
        portal_email: str | None,
    ) -> None:
        spec = org.spec
        self.org, self.spec, self.count = org, spec, count
        self.rng = random.Random(f"{seed}:patients:{spec.key}")
        self.ids = DemoIds(seed, f"patients:{spec.key}")
        self.row_ids = DemoIds(seed, f"patient-rows:{spec.key}")
        self.streets = people.street_pool(seed, spec.state)
        self.coordinators = coordinator_ids
        self.portal_email = portal_email
        self.stats = PatientStats()
        self.cities = {c.name: c for c in spec.cities}
        self.city_draw = people.Weighted.of({c.name: c.weight for c in spec.cities})
        self.language_draw = people.Weighted.of(dict(spec.patient_languages))
        # English speakers carry names of every tradition found in the community.
        heritage = {"en": 0.78, "in": 0.03}
        heritage.update(
            {lang: share * 0.6 for lang, share in spec.patient_languages if lang != "en"}
        )
        self.heritage_draw = people.Weighted.of(heritage)
        self.band_draw = people.Weighted.of({str(i): b.weight for i, b in enumerate(spec.ages)})
        span = 10 ** (spec.mrn_digits - 1)
        # MRNs are handed out in registration order, with gaps (records merged or
        # voided over the years).
        self.mrns = sorted(self.rng.sample(range(span, span * 10), count))
        self.duplicate_at = set(self.rng.sample(range(count // 2, count), near_duplicates))
        self.originals: list[_Person] = []
        self.used_identifiers: set[tuple[str, str]] = set()
        self.primary = {minor: org.primary_clinicians(minor) for minor in (False, True)}

    # --- one patient ------------------------------------------------------------------

    def _registered(self, i: int, born: date) -> datetime:
        span = AS_OF_INSTANT - FIRST_REGISTRATION
        at = FIRST_REGISTRATION + span * ((i + self.rng.random()) / self.count)
        # A newborn is registered after birth, not in the slot its MRN would suggest.
        earliest = datetime(born.year, born.month, born.day, 15, tzinfo=UTC) + timedelta(days=2)
        at = max(at, earliest)
        return min(at, AS_OF_INSTANT - timedelta(hours=1))

    def _sex_identity(self, age: int) -> tuple[str, str | None, bool]:
        """(administrative sex, gender identity, whether the legal name is a woman's)."""
        rng = self.rng
        roll = rng.random()
        sex = "female" if roll < self.spec.patient_female_share else "male"
        if roll > 0.997:
            sex = "unknown" if roll > 0.999 else "other"
        female_name = sex == "female" if sex in ("female", "male") else rng.random() < 0.5
        if age < 13 or rng.random() >= self.spec.gender_identity_recorded:
            return sex, None, female_name
        if rng.random() < 0.04:
            identity = OTHER_IDENTITIES.draw(rng)
            # Some have updated their legal sex and name, some not yet.
            if identity == "transgender woman" and rng.random() < 0.5:
                sex, female_name = "female", True
            elif identity == "transgender man" and rng.random() < 0.5:
                sex, female_name = "male", False
            return sex, identity, female_name
        return sex, {"female": "woman", "male": "man"}.get(sex), female_name

    def _preferred_clinician(self, minor: bool, language: str) -> Clinician | None:
        if self.rng.random() >= self.spec.preferred_practitioner_share:
            return None
        pool = self.primary[minor]
        if not pool:
            return None
        speakers = [c for c in pool if language in c.languages]
        if language != "en" and speakers and self.rng.random() < 0.7:
            pool = speakers
        return self.rng.choice(pool)

    def _phones(
        self, patient_id: uuid.UUID, at: datetime, age: int, area_codes: Any, mobile: str | None
    ) -> list[Row]:
        rng = self.rng
        numbers: list[tuple[str, str]] = []
        # A child's mobile number is a parent's.
        if mobile is not None:
            numbers.append(("mobile", mobile))
        elif rng.random() < (0.93 if age >= 13 else 0.88):
            numbers.append(("mobile", people.phone(rng, area_codes)))
        if rng.random() < (0.22 if age < 65 else 0.55):
            numbers.append(("home", people.phone(rng, area_codes)))
        if 22 <= age < 67 and rng.random() < 0.06:
            numbers.append(("work", people.phone(rng, area_codes)))
        return [
            {
                "organization_id": self.org.id,
                "id": self.row_ids.at(at),
                "patient_id": patient_id,
                "use": use,
                "value": value,
                "rank": rank,
            }
            for rank, (use, value) in enumerate(numbers, start=1)
        ]

    def _identifiers(self, patient_id: uuid.UUID, at: datetime, age: int) -> list[Row]:
        rng, spec = self.rng, self.spec
        found: list[tuple[str, str]] = []
        if age >= 65 and rng.random() < 0.85:
            found.append((MEDICARE_SYSTEM, people.medicare_id(rng)))
        if (
            spec.legacy_system
            and spec.legacy_before
            and at.date() < spec.legacy_before
            and rng.random() < 0.9
        ):
            found.append((spec.legacy_system, f"E{rng.randint(100000, 999999)}"))
        rows = []
        for system, value in found:
            if (system, value) in self.used_identifiers:
                continue  # (organization, system, value) is unique; a clash is just skipped
            self.used_identifiers.add((system, value))
            rows.append(
                {
                    "organization_id": self.org.id,
                    "id": self.row_ids.at(at),
                    "patient_id": patient_id,
                    "system": system,
                    "value": value,
                }
            )
        return rows

    def _consents(
        self,
        patient_id: uuid.UUID,
        at: datetime,
        age: int,
        has_mobile: bool,
        has_email: bool,
        portal: bool,
    ) -> list[Row]:
        rng, spec = self.rng, self.spec
        if age < 18:
            given_by = "parent" if rng.random() < 0.9 else "guardian"
        elif age >= 80 and rng.random() < 0.1:
            given_by = "healthcare proxy"
        else:
            given_by = "patient"
        imported = bool(spec.legacy_before and at.date() < spec.legacy_before)
        decisions: list[tuple[str, str, str]] = []  # (channel, status, method)

        def intake_method(*choices: str) -> str:
            return "import" if imported else rng.choice(choices)

        if rng.random() < 0.93:
            decisions.append(
                (
                    "voice",
                    "granted" if rng.random() < 0.95 else "revoked",
                    intake_method("verbal", "written"),
                )
            )
        if has_mobile and rng.random() < 0.85:
            decisions.append(
                (
                    "sms",
                    "granted" if rng.random() < 0.86 else "revoked",
                    intake_method("verbal", "written", "sms-keyword"),
                )
            )
        if has_email and rng.random() < 0.7:
            decisions.append(
                (
                    "email",
                    "granted" if rng.random() < 0.9 else "revoked",
                    intake_method("written", "email"),
                )
            )
        if portal or (age >= 18 and rng.random() < 0.38):
            decisions.append(("portal", "granted", "portal"))
        rows = []
        for channel, status, method in decisions:
            recorded = at + timedelta(minutes=rng.randint(1, 40))
            rows.append(self._consent(patient_id, channel, status, given_by, method, recorded))
            # Some later reply STOP to a text message: the newest row counts.
            if channel == "sms" and status == "granted" and rng.random() < 0.06:
                later = recorded + (AS_OF_INSTANT - recorded) * rng.random()
                rows.append(
                    self._consent(patient_id, "sms", "revoked", given_by, "sms-keyword", later)
                )
        return rows

    def _consent(
        self,
        patient_id: uuid.UUID,
        channel: str,
        status: str,
        given_by: str,
        method: str,
        at: datetime,
    ) -> Row:
        # Only what a person at the desk or on the phone takes down has a recorder.
        by_staff = method in ("verbal", "written")
        return {
            "organization_id": self.org.id,
            "id": self.row_ids.at(at),
            "patient_id": patient_id,
            "channel": channel,
            "status": status,
            "given_by": given_by,
            "method": method,
            "recorded_at": at,
            "recorded_by_user_id": self.rng.choice(self.coordinators) if by_staff else None,
        }

    def _patient_row(
        self, patient_id: uuid.UUID, at: datetime, mrn: str, name: people.Name, **fields: Any
    ) -> Row:
        rng = self.rng
        updated = at + (AS_OF_INSTANT - at) * rng.random() if rng.random() < 0.35 else at
        return {
            "organization_id": self.org.id,
            "id": patient_id,
            "created_at": at,
            "updated_at": updated,
            "mrn": mrn,
            "given_name": name.given,
            "middle_name": name.middle,
            "family_name": name.family,
            "preferred_name": name.preferred,
            "given_key": people.cached_key(name.given),
            "family_key": people.cached_key(name.family),
            "country": "US",
            "time_zone": None,
            "version": 1,
            **fields,
        }

    def _one(self, i: int, batch: Batch) -> None:
        rng, spec = self.rng, self.spec
        band = spec.ages[int(self.band_draw.draw(rng))]
        born = people.birth_date(rng, AS_OF, band.low, band.high)
        age = people.age_on(born, AS_OF)
        at = self._registered(i, born)
        language = self.language_draw.draw(rng)
        origin = language if language != "en" else self.heritage_draw.draw(rng)
        sex, identity, female_name = self._sex_identity(age)
        name = people.person_name(rng, origin, female_name)
        if identity in ("transgender woman", "transgender man") and female_name != (
            identity == "transgender woman"
        ):
            # The legal name is not yet changed; they go by a name of their gender.
            name = people.Name(
                name.given,
                name.middle,
                name.family,
                people.person_name(rng, origin, not female_name).given,
            )
        city = self.cities[self.city_draw.draw(rng)]
        line1, line2 = people.street_address(rng, self.streets)
        address = (line1, line2, city.name, city.state, rng.choice(city.postal_codes))
        email = None
        if age >= 18 and rng.random() < (0.8 if age < 80 else 0.4):
            email = people.email(rng, name.given, name.family)
        portal = False
        if (
            self.portal_email
            and self.stats.portal_patient is None
            and age >= 30
            and language == "en"
        ):
            email, portal = self.portal_email, True
        clinician = self._preferred_clinician(age < 18, language)
        patient_id = self.ids.at(at)
        mrn = f"{spec.mrn_prefix}{self.mrns[i]}"
        batch.patients.append(
            self._patient_row(
                patient_id,
                at,
                mrn,
                name,
                birth_date=born,
                administrative_sex=sex,
                gender_identity=identity,
                email=email,
                line1=line1,
                line2=line2,
                city=city.name,
                state=city.state,
                postal_code=address[4],
                preferred_language=language,
                preferred_practitioner_id=clinician.id if clinician else None,
                active=portal or rng.random() < 0.98,
            )
        )
        phones = self._phones(patient_id, at, age, city.area_codes, None)
        batch.telecoms.extend(phones)
        batch.identifiers.extend(self._identifiers(patient_id, at, age))
        has_mobile = any(p["use"] == "mobile" for p in phones)
        batch.consents.extend(
            self._consents(patient_id, at, age, has_mobile, email is not None, portal)
        )
        if portal:
            self.stats.portal_patient = (patient_id, f"{name.given} {name.family}")
        # A small random reservoir of records that may later be entered again.
        if rng.random() < 0.02 and len(self.originals) < 2000:
            mobile = next((p["value"] for p in phones if p["use"] == "mobile"), None)
            self.originals.append(
                _Person(
                    mrn, name.given, name.family, name.middle, born, sex, language, address, mobile
                )
            )

    def _near_duplicate(self, i: int, batch: Batch) -> bool:
        """Register an earlier patient again with a typo in the name (same birth date)."""
        rng = self.rng
        while self.originals:
            original = self.originals.pop(rng.randrange(len(self.originals)))
            for _ in range(20):
                given, family = original.given, original.family
                if rng.random() < 0.5:
                    given = _typo(rng, given)
                else:
                    family = _typo(rng, family)
                same = (given, family) == (original.given, original.family)
                if same or not search_key(given) or not search_key(family):
                    continue
                _, reasons = rules.duplicate_reasons(
                    rules.Person(given, family, original.born),
                    rules.Person(original.given, original.family, original.born),
                )
                if "similar name and the same birth date" in reasons:
                    break
            else:
                continue
            at = self._registered(i, original.born)
            patient_id = self.ids.at(at)
            mrn = f"{self.spec.mrn_prefix}{self.mrns[i]}"
            line1, line2, city_name, state, postal_code = original.address
            age = people.age_on(original.born, AS_OF)
            batch.patients.append(
                self._patient_row(
                    patient_id,
                    at,
                    mrn,
                    people.Name(given, original.middle, family),
                    birth_date=original.born,
                    administrative_sex=original.sex,
                    gender_identity=None,
                    email=None,
                    line1=line1,
                    line2=line2,
                    city=city_name,
                    state=state,
                    postal_code=postal_code,
                    preferred_language=original.language,
                    preferred_practitioner_id=None,
                    active=True,
                )
            )
            # Half of them also give the same mobile number, a second clue.
            mobile = original.mobile if rng.random() < 0.5 else None
            city = self.cities[city_name]
            phones = self._phones(patient_id, at, age, city.area_codes, mobile)
            batch.telecoms.extend(phones)
            given_by = "parent" if age < 18 else "patient"
            batch.consents.append(
                self._consent(patient_id, "voice", "granted", given_by, "verbal", at)
            )
            self.stats.near_duplicates.append((original.mrn, mrn))
            return True
        return False

    # --- the stream -------------------------------------------------------------------

    def batches(self, size: int) -> Iterator[Batch]:
        batch = Batch()
        for i in range(self.count):
            if not (i in self.duplicate_at and self._near_duplicate(i, batch)):
                self._one(i, batch)
            self.stats.count += 1
            if len(batch.patients) >= size:
                yield batch
                batch = Batch()
        if batch.patients:
            yield batch
