"""What the demo's three client organizations look like: the fixed, hand-written part.

Everything random (names, phone numbers, birth dates ...) is drawn from a seeded
generator elsewhere; this module holds the facts that make the data believable: real
towns with their ZIP and area codes, visit types with realistic durations, who offers
which visit type, and the languages spoken in each community.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import phonenumbers

from liaison.demo.regions import ILLINOIS, MASSACHUSETTS, SOUTHERN_CALIFORNIA, City

# The demo's "today". Fixed, so the same seed gives the same ages and consent dates
# whatever day it runs; early enough that no generated date is in the future.
AS_OF = date(2026, 3, 2)
AS_OF_INSTANT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
# Directory rows (organizations, sites, staff) were set up before the patients arrived.
DIRECTORY_CREATED = datetime(2014, 9, 2, 13, 0, tzinfo=UTC)
FIRST_REGISTRATION = datetime(2015, 1, 5, 14, 0, tzinfo=UTC)

# Published with the demo (printed by `liaison demo`); never a real installation's.
DEMO_PASSWORD = "liaison-demo-2026"  # noqa: S105
PLATFORM_DOMAIN = "liaison.example"


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    category: str  # room | equipment
    kind: str


@dataclass(frozen=True)
class Site:
    city: str
    name: str
    telehealth_only: bool = False
    devices: tuple[DeviceSpec, ...] = ()

    @property
    def device_kinds(self) -> frozenset[str]:
        return frozenset(d.kind for d in self.devices)


@dataclass(frozen=True)
class VisitType:
    code: str
    name: str
    minutes: int
    specialty: str | None = None
    modality: str = "in-person"
    new_patients: bool = True
    established_patients: bool = True
    patient_bookable: bool = False
    devices: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaffKind:
    """One kind of clinician in an organization, and how many of them there are."""

    key: str
    # Each practitioner gets one of these specialty lists (a subspecialty, say).
    specialties: tuple[tuple[str, ...], ...]
    credentials: tuple[tuple[str, int], ...]  # (suffix, weight)
    doctor: bool  # addressed as "Dr."
    female_share: float
    services: tuple[str, ...]
    small: int
    large: int
    # A device kind the site must have for this kind to work there (radiologists: MRI).
    needs_device: str | None = None
    # Whom a patient may name as their preferred practitioner: "all", "adults",
    # "children", or None (not a primary clinician).
    primary_for: str | None = "all"


@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int  # exclusive
    weight: int


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    slug: str
    domain: str
    time_zone: str
    state: str
    business_hours: dict[str, list[dict[str, str]]]
    cities: tuple[City, ...]
    sites_small: int
    sites: tuple[Site, ...]
    visit_types: tuple[VisitType, ...]
    staff: tuple[StaffKind, ...]
    # BCP 47 tag -> share of patients who prefer it.
    patient_languages: tuple[tuple[str, float], ...]
    # Extra languages of clinicians (everyone speaks English) -> share who speak it.
    practitioner_languages: tuple[tuple[str, float], ...]
    ages: tuple[AgeBand, ...]
    # Share of the demo's patients (of 3,000 small, 100,000 large) in this organization.
    patient_share: float
    preferred_practitioner_share: float
    mrn_prefix: str
    mrn_digits: int
    # An identifier system from a previous record system, for patients registered before
    # the organization moved to Liaison (None: no such history).
    legacy_system: str | None = None
    legacy_before: date | None = None
    coordinator_names: tuple[str, ...] = field(default=())
    patient_female_share: float = 0.52
    # Share of patients whose gender identity is on record (asked at intake).
    gender_identity_recorded: float = 0.3

    def site_count(self, size: str) -> int:
        return self.sites_small if size == "small" else len(self.sites)


def _hours(weekdays: dict[str, list[tuple[str, str]]]) -> dict[str, list[dict[str, str]]]:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {d: [{"start": s, "end": e} for s, e in weekdays.get(d, [])] for d in days}


# --- Harbor Family Health: multi-site primary care, greater Boston ---------------------

HARBOR = OrgSpec(
    key="harbor",
    name="Harbor Family Health",
    slug="harbor-family-health",
    domain="harbor.example",
    time_zone="America/New_York",
    state="MA",
    business_hours=_hours(
        {
            **{d: [("08:00", "19:00")] for d in ("mon", "tue", "wed", "thu")},
            "fri": [("08:00", "17:00")],
            "sat": [("09:00", "13:00")],
        }
    ),
    cities=MASSACHUSETTS,
    sites_small=4,
    sites=tuple(
        Site(city, f"{city} Health Center")
        for city in (
            "Dorchester",
            "Quincy",
            "Everett",
            "Brockton",
            "Mattapan",
            "East Boston",
            "Roxbury",
            "Somerville",
            "Cambridge",
            "Chelsea",
            "Malden",
            "Lynn",
            "Revere",
            "Medford",
            "Randolph",
            "Braintree",
            "Framingham",
            "Lowell",
            "Lawrence",
            "Worcester",
            "Waltham",
            "Hyde Park",
            "Jamaica Plain",
            "Weymouth",
        )
    ),
    visit_types=(
        VisitType(
            "new-patient",
            "New patient visit",
            60,
            established_patients=False,
            patient_bookable=True,
        ),
        VisitType(
            "annual-physical", "Annual physical", 40, new_patients=False, patient_bookable=True
        ),
        VisitType(
            "well-child", "Well-child check", 30, specialty="pediatrics", patient_bookable=True
        ),
        VisitType("follow-up", "Follow-up visit", 20, new_patients=False, patient_bookable=True),
        VisitType("same-day-sick", "Same-day sick visit", 15),
        VisitType(
            "telehealth-follow-up",
            "Telehealth follow-up",
            20,
            modality="telehealth",
            new_patients=False,
            patient_bookable=True,
        ),
        VisitType(
            "medicare-wellness",
            "Medicare annual wellness visit",
            40,
            specialty="internal-medicine",
            new_patients=False,
        ),
    ),
    staff=(
        StaffKind(
            "family-physician",
            (("family-medicine",),),
            (("MD", 3), ("DO", 1)),
            True,
            0.55,
            (
                "new-patient",
                "annual-physical",
                "well-child",
                "follow-up",
                "same-day-sick",
                "telehealth-follow-up",
            ),
            small=7,
            large=100,
        ),
        StaffKind(
            "pediatrician",
            (("pediatrics",), ("pediatrics", "adolescent-medicine")),
            (("MD", 4), ("DO", 1)),
            True,
            0.68,
            ("new-patient", "well-child", "follow-up", "same-day-sick", "telehealth-follow-up"),
            small=4,
            large=55,
            primary_for="children",
        ),
        StaffKind(
            "internist",
            (("internal-medicine",), ("internal-medicine", "geriatric-medicine")),
            (("MD", 4), ("DO", 1)),
            True,
            0.45,
            (
                "new-patient",
                "annual-physical",
                "medicare-wellness",
                "follow-up",
                "same-day-sick",
                "telehealth-follow-up",
            ),
            small=4,
            large=55,
            primary_for="adults",
        ),
        StaffKind(
            "nurse-practitioner",
            (("family-medicine",),),
            (("FNP-BC", 3), ("NP-C", 1)),
            False,
            0.88,
            (
                "annual-physical",
                "well-child",
                "follow-up",
                "same-day-sick",
                "telehealth-follow-up",
                "medicare-wellness",
            ),
            small=3,
            large=55,
        ),
        StaffKind(
            "physician-assistant",
            (("family-medicine",),),
            (("PA-C", 1),),
            False,
            0.7,
            ("follow-up", "same-day-sick", "telehealth-follow-up"),
            small=2,
            large=35,
            primary_for=None,
        ),
    ),
    patient_languages=(
        ("en", 0.64),
        ("es", 0.15),
        ("ht", 0.07),
        ("pt", 0.06),
        ("vi", 0.04),
        ("zh", 0.04),
    ),
    practitioner_languages=(("es", 0.22), ("ht", 0.08), ("pt", 0.07), ("vi", 0.05), ("zh", 0.05)),
    ages=(
        AgeBand(0, 1, 3),
        AgeBand(1, 5, 6),
        AgeBand(5, 12, 7),
        AgeBand(12, 18, 6),
        AgeBand(18, 30, 14),
        AgeBand(30, 45, 18),
        AgeBand(45, 65, 25),
        AgeBand(65, 80, 15),
        AgeBand(80, 99, 6),
    ),
    patient_share=0.50,
    preferred_practitioner_share=0.45,
    mrn_prefix="HF",
    mrn_digits=7,
    legacy_system="https://harborfamilyhealth.example/fhir/sid/legacy-mrn",
    legacy_before=date(2021, 6, 1),
    coordinator_names=("Keisha Robinson", "Tomás Delgado"),
)

# --- Lakeshore Behavioral Health: telehealth-only therapy and psychiatry, Illinois -----

LAKESHORE = OrgSpec(
    key="lakeshore",
    name="Lakeshore Behavioral Health",
    slug="lakeshore-behavioral-health",
    domain="lakeshore.example",
    time_zone="America/Chicago",
    state="IL",
    business_hours=_hours(
        {
            **{d: [("07:00", "21:00")] for d in ("mon", "tue", "wed", "thu")},
            "fri": [("07:00", "17:00")],
            "sat": [("09:00", "14:00")],
        }
    ),
    cities=ILLINOIS,
    sites_small=1,
    sites=(
        Site("Chicago", "Virtual Care — Chicago", telehealth_only=True),
        Site("Evanston", "Virtual Care — North Shore", telehealth_only=True),
        Site("Naperville", "Virtual Care — West Suburbs", telehealth_only=True),
        Site("Springfield", "Virtual Care — Central Illinois", telehealth_only=True),
    ),
    visit_types=(
        VisitType(
            "therapy-intake",
            "Therapy intake",
            60,
            modality="telehealth",
            established_patients=False,
            patient_bookable=True,
        ),
        VisitType(
            "therapy",
            "Individual therapy",
            50,
            modality="telehealth",
            new_patients=False,
            patient_bookable=True,
        ),
        VisitType(
            "couples-therapy", "Couples therapy", 50, modality="telehealth", new_patients=False
        ),
        VisitType(
            "psychiatric-evaluation",
            "Psychiatric evaluation",
            60,
            specialty="psychiatry",
            modality="telehealth",
            established_patients=False,
        ),
        VisitType(
            "medication-management",
            "Medication management",
            30,
            specialty="psychiatry",
            modality="telehealth",
            new_patients=False,
            patient_bookable=True,
        ),
    ),
    staff=(
        StaffKind(
            "psychiatrist",
            (("psychiatry",), ("psychiatry", "child-and-adolescent-psychiatry")),
            (("MD", 3), ("DO", 1)),
            True,
            0.5,
            ("psychiatric-evaluation", "medication-management"),
            small=2,
            large=14,
        ),
        StaffKind(
            "psychiatric-np",
            (("psychiatry",),),
            (("PMHNP-BC", 1),),
            False,
            0.8,
            ("psychiatric-evaluation", "medication-management"),
            small=2,
            large=20,
        ),
        StaffKind(
            "psychologist",
            (("clinical-psychology",),),
            (("PsyD", 3), ("PhD", 2)),
            True,
            0.72,
            ("therapy-intake", "therapy", "couples-therapy"),
            small=2,
            large=22,
        ),
        StaffKind(
            "social-worker",
            (("clinical-social-work",),),
            (("LCSW", 1),),
            False,
            0.82,
            ("therapy-intake", "therapy", "couples-therapy"),
            small=3,
            large=44,
        ),
        StaffKind(
            "counselor",
            (("mental-health-counseling",),),
            (("LCPC", 1),),
            False,
            0.75,
            ("therapy-intake", "therapy"),
            small=1,
            large=20,
        ),
    ),
    patient_languages=(("en", 0.84), ("es", 0.12), ("zh", 0.02), ("vi", 0.02)),
    practitioner_languages=(("es", 0.25), ("zh", 0.04), ("vi", 0.03)),
    ages=(
        AgeBand(13, 18, 8),
        AgeBand(18, 30, 28),
        AgeBand(30, 45, 30),
        AgeBand(45, 65, 26),
        AgeBand(65, 85, 8),
    ),
    patient_share=0.20,
    preferred_practitioner_share=0.35,
    mrn_prefix="LB",
    mrn_digits=6,
    coordinator_names=("Aisha Patel",),
    # Women seek outpatient mental-health care more often than men; behavioral-health
    # intake asks about gender identity routinely.
    patient_female_share=0.6,
    gender_identity_recorded=0.6,
)

# --- Pacific Crest Orthopedics: rooms and imaging, Orange County -----------------------


def _ortho_devices(exam_rooms: int, xrays: int, mri: bool) -> tuple[DeviceSpec, ...]:
    rooms = [DeviceSpec(f"Exam Room {n}", "room", "exam-room") for n in range(1, exam_rooms + 1)]
    rooms.append(DeviceSpec("Procedure Room", "room", "procedure-room"))
    imaging = [DeviceSpec(f"X-ray Room {n}", "equipment", "xray") for n in range(1, xrays + 1)]
    if mri:
        imaging += [
            DeviceSpec("MRI 1.5T", "equipment", "mri"),
            DeviceSpec("Ultrasound", "equipment", "ultrasound"),
        ]
    return (*rooms, *imaging)


PACIFIC = OrgSpec(
    key="pacific",
    name="Pacific Crest Orthopedics",
    slug="pacific-crest-orthopedics",
    domain="pacificcrest.example",
    time_zone="America/Los_Angeles",
    state="CA",
    business_hours=_hours(
        {d: [("07:30", "12:00"), ("13:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}
    ),
    cities=SOUTHERN_CALIFORNIA,
    sites_small=2,
    sites=(
        Site("Irvine", "Irvine Surgery & Imaging Center", devices=_ortho_devices(8, 2, mri=True)),
        Site("Garden Grove", "Garden Grove Clinic", devices=_ortho_devices(5, 1, mri=False)),
        Site("Santa Ana", "Santa Ana Imaging Center", devices=_ortho_devices(6, 2, mri=True)),
        Site(
            "Huntington Beach", "Huntington Beach Clinic", devices=_ortho_devices(5, 1, mri=False)
        ),
        Site("Anaheim", "Anaheim Clinic", devices=_ortho_devices(5, 1, mri=False)),
        Site(
            "Mission Viejo", "Mission Viejo Imaging Center", devices=_ortho_devices(6, 1, mri=True)
        ),
        Site("Fullerton", "Fullerton Clinic", devices=_ortho_devices(4, 1, mri=False)),
        Site("Long Beach", "Long Beach Clinic", devices=_ortho_devices(5, 1, mri=False)),
    ),
    visit_types=(
        VisitType(
            "new-consult",
            "New patient consultation",
            40,
            established_patients=False,
            patient_bookable=True,
            devices=("exam-room",),
        ),
        VisitType(
            "follow-up",
            "Follow-up visit",
            20,
            new_patients=False,
            patient_bookable=True,
            devices=("exam-room",),
        ),
        VisitType(
            "post-op", "Post-operative check", 20, new_patients=False, devices=("exam-room",)
        ),
        VisitType("xray-visit", "X-ray and review", 30, devices=("xray",)),
        VisitType(
            "joint-injection",
            "Joint injection",
            20,
            new_patients=False,
            devices=("procedure-room",),
        ),
        VisitType("mri-scan", "MRI scan", 45, specialty="radiology", devices=("mri",)),
        VisitType(
            "telehealth-follow-up",
            "Telehealth follow-up",
            15,
            modality="telehealth",
            new_patients=False,
            patient_bookable=True,
        ),
    ),
    staff=(
        StaffKind(
            "orthopedic-surgeon",
            (
                ("orthopedic-surgery", "sports-medicine"),
                ("orthopedic-surgery", "joint-replacement"),
                ("orthopedic-surgery", "spine-surgery"),
                ("orthopedic-surgery", "hand-surgery"),
                ("orthopedic-surgery", "foot-and-ankle-surgery"),
            ),
            (("MD", 4), ("DO", 1)),
            True,
            0.18,
            (
                "new-consult",
                "follow-up",
                "post-op",
                "joint-injection",
                "xray-visit",
                "telehealth-follow-up",
            ),
            small=4,
            large=38,
        ),
        StaffKind(
            "sports-physician",
            (("sports-medicine", "family-medicine"),),
            (("MD", 2), ("DO", 1)),
            True,
            0.35,
            ("new-consult", "follow-up", "joint-injection", "xray-visit", "telehealth-follow-up"),
            small=2,
            large=16,
        ),
        StaffKind(
            "radiologist",
            (("radiology", "musculoskeletal-radiology"),),
            (("MD", 1),),
            True,
            0.3,
            ("xray-visit", "mri-scan"),
            small=1,
            large=8,
            needs_device="mri",
            primary_for=None,
        ),
        StaffKind(
            "physician-assistant",
            (("orthopedic-surgery",),),
            (("PA-C", 1),),
            False,
            0.6,
            ("follow-up", "post-op", "joint-injection", "xray-visit", "telehealth-follow-up"),
            small=3,
            large=38,
            primary_for=None,
        ),
    ),
    patient_languages=(("en", 0.66), ("es", 0.20), ("vi", 0.09), ("zh", 0.05)),
    practitioner_languages=(("es", 0.25), ("vi", 0.12), ("zh", 0.06)),
    ages=(
        AgeBand(8, 18, 8),
        AgeBand(18, 35, 14),
        AgeBand(35, 50, 20),
        AgeBand(50, 65, 28),
        AgeBand(65, 80, 23),
        AgeBand(80, 96, 7),
    ),
    patient_share=0.30,
    preferred_practitioner_share=0.25,
    mrn_prefix="PC",
    mrn_digits=7,
    coordinator_names=("Linh Tran",),
    gender_identity_recorded=0.1,
)

ORGANIZATIONS: tuple[OrgSpec, ...] = (HARBOR, LAKESHORE, PACIFIC)
DEMO_SLUGS = tuple(o.slug for o in ORGANIZATIONS)
PATIENTS = {"small": 3_000, "large": 100_000}

# Share of patients who are entered twice with a typo (the duplicate warning's demo).
NEAR_DUPLICATE_RATE = {"small": 2 / 1000, "large": 5 / 10_000}


def _check_area_codes() -> None:
    # phonenumbers knows which US area codes are in service; a typo here would make
    # every generated number for that town invalid, so fail at import instead.
    for spec in ORGANIZATIONS:
        for city in spec.cities:
            for code in city.area_codes:
                number = phonenumbers.parse(f"+1{code}2345678")
                if not phonenumbers.is_valid_number(number):
                    raise ValueError(f"area code {code} of {city.name} is not in service")


_check_area_codes()
