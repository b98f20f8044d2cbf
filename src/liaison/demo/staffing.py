"""The demo's staffing: 60 coordinators of the staffing partner, their training, the
three clients' openings and placements, and weeks of reviews and surveys.

The demo's own coordinator logins (Keisha Robinson, Tomás Delgado, Aisha Patel, Linh
Tran, Jordan Reyes) are among the 60 and hold the active placements that explain their
memberships; 55 more are generated (with sign-in accounts, the demo password) around a
few fixed archetypes, so every open opening has candidates. Coordinators placed at a
client are credited with booking that client's appointments (``created_by_user_id``,
one UPDATE per coordinator by practitioner role) and with putting those appointments'
patients on the waitlist, so scorecards have real bookings, no-shows, waitlist slots
filled and trends. Dated from the day of loading, like the calendars; everything
else is fixed by the seed.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from liaison.authz.scope import unscoped_system
from liaison.demo import people
from liaison.demo.accounts import ACCOUNTS, AccountIds
from liaison.demo.bulk import insert_rows
from liaison.demo.directory import OrgDirectory
from liaison.demo.ids import DemoIds
from liaison.kit.text import search_key
from liaison.models import Appointment, Base, WaitlistEntry
from liaison.staffing.matching.rules import (
    CodeNeed,
    CoordinatorFacts,
    LanguageNeed,
    OpeningNeeds,
    build_board,
)
from liaison.staffing.oversight.rules import rubric_percent
from liaison.staffing.training.rules import add_months
from liaison.staffing.vocabulary import RUBRIC

Row = dict[str, Any]
COORDINATORS = 60
DOMAIN = "staff.liaison.example"
# Parents before children: the foreign keys are checked row by row.
TABLES = (
    "coordinator",
    "course",
    "course_module",
    "assessment",
    "coordinator_certification",
    "enrollment",
    "assessment_attempt",
    "client_course_requirement",
    "opening",
    "placement",
    "quality_review",
    "satisfaction_score",
    "coaching_task",
)
FLOAT_TABLES = {"placement", "coaching_task"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
SYSTEMS = {"harbor": "epic", "lakeshore": "athenaone", "pacific": "modmed"}
SPECIALTIES = {
    "harbor": "family-medicine",
    "lakeshore": "behavioral-health",
    "pacific": "orthopedics",
}


def _week(
    start: str, end: str, days: tuple[str, ...] = WEEKDAYS
) -> dict[str, list[dict[str, str]]]:
    return {
        d: ([{"start": start, "end": end}] if d in days else []) for d in (*WEEKDAYS, "sat", "sun")
    }


def _manila_night() -> dict[str, list[dict[str, str]]]:
    # 21:00-05:00 in Manila is 09:00-17:00 in New York (EDT): split at midnight.
    hours: dict[str, list[dict[str, str]]] = {d: [] for d in (*WEEKDAYS, "sat", "sun")}
    for day in WEEKDAYS:
        hours[day].append({"start": "21:00", "end": "24:00"})
    for day in ("tue", "wed", "thu", "fri", "sat"):
        hours[day].insert(0, {"start": "00:00", "end": "05:00"})
    return hours


@dataclass(frozen=True)
class Archetype:
    origin: str  # name tradition (demo.people)
    languages: tuple[tuple[str, str], ...]
    zone: str
    hours: dict[str, list[dict[str, str]]]
    systems: tuple[str, ...]
    specialties: tuple[str, ...]
    skills: tuple[str, ...]


ARCHETYPES = (
    Archetype(
        "ht",
        (("en", "professional"), ("ht", "native"), ("fr", "conversational")),
        "America/New_York",
        _week("08:00", "16:30"),
        ("epic",),
        ("family-medicine",),
        ("scheduling", "referrals", "intake"),
    ),
    Archetype(
        "pt",
        (("en", "professional"), ("pt", "native")),
        "America/New_York",
        _week("09:00", "17:30"),
        ("epic", "eclinicalworks"),
        ("family-medicine", "pediatrics"),
        ("scheduling", "insurance-verification"),
    ),
    Archetype(
        "es",
        (("en", "native"), ("es", "native")),
        "America/Chicago",
        _week("12:00", "21:00", ("mon", "tue", "wed", "thu")),
        ("athenaone",),
        ("behavioral-health", "psychiatry"),
        ("intake", "scheduling", "care-navigation"),
    ),
    Archetype(
        "vi",
        (("en", "professional"), ("vi", "native")),
        "America/Los_Angeles",
        _week("07:30", "16:00"),
        ("modmed", "epic"),
        ("orthopedics",),
        ("scheduling", "prior-authorization", "referrals"),
    ),
    Archetype(
        "es",
        (("en", "professional"), ("es", "native"), ("tl", "native")),
        "Asia/Manila",
        _manila_night(),
        ("epic", "athenaone"),
        ("family-medicine", "internal-medicine"),
        ("scheduling", "billing-questions", "patient-outreach"),
    ),
)
RANDOM_ORIGINS = (
    ("es", 30),
    ("en", 28),
    ("vi", 9),
    ("zh", 7),
    ("ht", 7),
    ("pt", 7),
    ("in", 5),
    ("tl", 7),
)
SYSTEM_WEIGHTS = (
    ("epic", 40),
    ("athenaone", 20),
    ("eclinicalworks", 14),
    ("nextgen", 10),
    ("oracle-health", 10),
    ("modmed", 8),
    ("meditech", 4),
)
ZONES = (
    ("America/New_York", 40),
    ("America/Chicago", 20),
    ("America/Denver", 8),
    ("America/Los_Angeles", 20),
    ("America/Puerto_Rico", 6),
)
SHIFTS = (
    ("08:00", "16:30"),
    ("09:00", "17:30"),
    ("07:00", "15:30"),
    ("10:00", "18:30"),
    ("11:00", "19:30"),
)
ALL_SKILLS = (
    "scheduling",
    "referrals",
    "insurance-verification",
    "prior-authorization",
    "intake",
    "billing-questions",
    "care-navigation",
    "patient-outreach",
    "medical-records",
    "waitlist",
)
ALL_SPECIALTIES = (
    "family-medicine",
    "internal-medicine",
    "pediatrics",
    "behavioral-health",
    "psychiatry",
    "orthopedics",
    "cardiology",
)


@dataclass
class Person:
    key: str  # account key for the demo logins, else "gen:<n>"
    user_id: uuid.UUID
    name: str
    email: str | None  # None: an existing demo account
    row: Row
    certifications: dict[str, date | None] = field(default_factory=dict)
    passed: set[str] = field(default_factory=set)
    placed: int = 0


@dataclass
class Out:
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, row: Row) -> Row:
        self.rows[table].append(row)
        return row


# --- Courses ----------------------------------------------------------------------------

QUIZ_FOUNDATIONS = [
    {
        "prompt": "A caller asks for their test results. What do you confirm first?",
        "choices": [
            "Their phone number",
            "Two identifiers: full name and date of birth",
            "Their insurance",
        ],
        "correct": [1],
        "points": 1,
    },
    {
        "prompt": "Which requests go to the referral queue rather than the schedule?",
        "choices": [
            "A specialist visit the practice does not offer",
            "A follow-up with their own doctor",
            "An imaging order from an outside provider",
        ],
        "correct": [0, 2],
        "points": 2,
    },
    {
        "prompt": "A patient prefers Spanish and you do not speak it. You…",
        "choices": [
            "Continue in English",
            "Use the interpreter line and note the preference",
            "Ask a family member to translate",
        ],
        "correct": [1],
        "points": 1,
    },
    {
        "prompt": "When do you mark a booking 'entered in error'?",
        "choices": [
            "When the patient cancels",
            "When it was booked by mistake and never should have existed",
            "When the patient does not show",
        ],
        "correct": [1],
        "points": 1,
    },
]
QUIZ_HIPAA = [
    {
        "prompt": "The minimum necessary standard means…",
        "choices": [
            "Share only what the task needs",
            "Share everything in the chart",
            "Share nothing ever",
        ],
        "correct": [0],
        "points": 1,
    },
    {
        "prompt": "Which may you leave on a voicemail?",
        "choices": ["The appointment time and a callback number", "The diagnosis", "Lab values"],
        "correct": [0],
        "points": 1,
    },
    {
        "prompt": "A relative calls about an adult patient without their consent on file. You…",
        "choices": [
            "Confirm the appointment",
            "Take a message without confirming anything",
            "Read them the visit note",
        ],
        "correct": [1],
        "points": 2,
    },
]


def _playbook_quiz(client: str, system: str) -> list[Row]:
    return [
        {
            "prompt": f"Which system does {client} schedule in?",
            "choices": ["Epic", "athenaOne", "ModMed", "Paper"],
            "correct": [{"epic": 0, "athenaone": 1, "modmed": 2}[system]],
            "points": 1,
        },
        {
            "prompt": "A same-day request you cannot place goes to…",
            "choices": [
                "The waitlist with a priority",
                "Tomorrow's first slot, silently",
                "The patient's voicemail",
            ],
            "correct": [0],
            "points": 1,
        },
        {
            "prompt": "Who approves an overbooked slot?",
            "choices": [
                "Nobody, just book it",
                "The clinic's charge nurse or the practitioner",
                "The patient",
            ],
            "correct": [1],
            "points": 1,
        },
    ]


COURSES = (
    (
        "coordinator-foundations",
        "Coordinator foundations",
        "role",
        None,
        ("primary", "backup"),
        None,
        None,
        None,
        [
            (
                "Your first call",
                "Greet, **identify with two identifiers**, then listen.\n\n- Name and date of birth\n- Confirm the callback number",
            ),
            (
                "Scheduling well",
                "Book the *right* visit type, at the right site, with the right person.\n\n1. Check the reason\n2. Check the visit type's length\n3. Offer two times",
            ),
            (
                "When something goes wrong",
                "Booked in error? Mark it *entered in error* so the record stays honest, then rebook.",
            ),
        ],
        QUIZ_FOUNDATIONS,
    ),
    (
        "hipaa-privacy",
        "HIPAA privacy for coordinators",
        "compliance",
        None,
        ("primary", "backup"),
        "HIPAA-PRIV",
        "HIPAA privacy training",
        12,
        [
            (
                "Minimum necessary",
                "Share only what the task needs. A scheduler rarely needs the diagnosis.",
            ),
            (
                "Voicemail and relatives",
                "Leave the time and a callback number, nothing clinical. Check the consent on file before speaking with relatives.",
            ),
        ],
        QUIZ_HIPAA,
    ),
    (
        "epic-cadence",
        "Epic Cadence scheduling",
        "system",
        None,
        (),
        None,
        None,
        None,
        [
            ("Finding a slot", "Use the *Appointment Desk*; filter by department and visit type."),
            ("Referrals in Epic", "Attach the referral before booking a specialist visit."),
        ],
        None,
    ),
    (
        "athenaone-scheduling",
        "athenaOne scheduling",
        "system",
        None,
        (),
        None,
        None,
        None,
        [
            (
                "The schedule view",
                "Use *Appointments > Schedule*; telehealth visits carry the video link automatically.",
            )
        ],
        None,
    ),
)
PLAYBOOKS = {
    "harbor": (
        "Harbor Family Health playbook",
        "Primary care across greater Boston: same-day sick visits, well-child checks, Haitian Creole and Portuguese speaking families.",
    ),
    "lakeshore": (
        "Lakeshore Behavioral Health playbook",
        "Telehealth therapy and psychiatry intake: crisis lines, consent for minors, evening hours.",
    ),
    "pacific": (
        "Pacific Crest Orthopedics playbook",
        "Orthopedic surgery scheduling, MRI prior authorization, workers' compensation intake.",
    ),
}


def _courses(
    out: Out, ids: DemoIds, orgs: dict[str, OrgDirectory], created: datetime
) -> dict[str, Row]:
    found: dict[str, Row] = {}

    def course(
        code: str,
        title: str,
        kind: str,
        client: uuid.UUID | None,
        roles: tuple[str, ...],
        cert: str | None,
        cert_name: str | None,
        months: int | None,
        modules: list[tuple[str, str]],
        quiz: list[Row] | None,
        summary: str = "",
    ) -> None:
        row = out.add(
            "course",
            {
                "id": ids.at(created),
                "code": code,
                "title": title,
                "summary": summary or title,
                "kind": kind,
                "client_organization_id": client,
                "required_for_roles": list(roles),
                "awards_certification_code": cert,
                "awards_certification_name": cert_name,
                "certification_valid_months": months,
                "active": True,
                "created_at": created,
                "updated_at": created,
            },
        )
        row["_modules"] = []
        for position, (module_title, body) in enumerate(modules, start=1):
            module = out.add(
                "course_module",
                {
                    "id": ids.at(created),
                    "course_id": row["id"],
                    "position": position,
                    "title": module_title,
                    "body_markdown": body,
                },
            )
            row["_modules"].append(module["id"])
        row["_quiz"] = None
        if quiz:
            row["_quiz"] = out.add(
                "assessment",
                {
                    "id": ids.at(created),
                    "course_id": row["id"],
                    "position": 1,
                    "title": f"{title}: check",
                    "pass_mark_percent": 75,
                    "max_attempts": 3,
                    "questions": quiz,
                },
            )
        found[code] = row

    for code, title, kind, client, roles, cert, cert_name, months, modules, quiz in COURSES:
        course(code, title, kind, client, roles, cert, cert_name, months, modules, quiz)
    for key, org in orgs.items():
        title, summary = PLAYBOOKS[key]
        course(
            f"{key}-playbook",
            title,
            "playbook",
            org.id,
            (),
            None,
            None,
            None,
            [
                ("Who we are", summary),
                (
                    "How we schedule",
                    f"Everything is booked in **{SYSTEMS[key]}**. Never double-book a practitioner; ask the charge nurse before overbooking.",
                ),
                (
                    "Escalations",
                    "Clinical questions go to the nurse line; billing questions to the billing team; complaints to the practice manager.",
                ),
            ],
            _playbook_quiz(org.spec.name, SYSTEMS[key]),
            summary,
        )
    return found


# --- People -----------------------------------------------------------------------------


def _profile_row(
    rng: random.Random,
    user_id: uuid.UUID,
    coordinator_id: uuid.UUID,
    a: Archetype | None,
    created: datetime,
    assessed: date,
) -> Row:
    if a is None:
        origin = rng.choices([o for o, _ in RANDOM_ORIGINS], [w for _, w in RANDOM_ORIGINS])[0]
        languages = [
            ("en", "native" if origin in ("en", "in") or rng.random() < 0.5 else "professional")
        ]
        if origin in ("es", "vi", "zh", "ht", "pt"):
            languages.append((origin, "native"))
        if origin == "tl":
            languages = [("en", "professional"), ("tl", "native")]
        if origin == "en" and rng.random() < 0.3:
            languages.append(("es", rng.choice(["basic", "conversational", "professional"])))
        zone = (
            "Asia/Manila"
            if origin == "tl"
            else rng.choices([z for z, _ in ZONES], [w for _, w in ZONES])[0]
        )
        start, end = rng.choice(SHIFTS)
        hours = _manila_night() if zone == "Asia/Manila" else _week(start, end)
        systems = sorted(
            set(
                rng.choices(
                    [s for s, _ in SYSTEM_WEIGHTS],
                    [w for _, w in SYSTEM_WEIGHTS],
                    k=rng.randint(1, 3),
                )
            )
        )
        specialties = sorted(rng.sample(ALL_SPECIALTIES, rng.randint(1, 3)))
        skills = sorted(rng.sample(ALL_SKILLS, rng.randint(2, 5)))
    else:
        languages, zone, hours = list(a.languages), a.zone, a.hours
        systems, specialties, skills = list(a.systems), list(a.specialties), list(a.skills)
    system_text = ", ".join(systems)
    headline = rng.choice(
        [
            "Patient coordinator",
            "Scheduling coordinator",
            "Patient access specialist",
            "Intake coordinator",
        ]
    )
    spoken = [tag for tag, _ in languages if tag != "en"]
    if spoken:
        headline = f"Bilingual {headline.lower()}"
    bio = (
        f"{rng.randint(2, 12)} years in {', '.join(s.replace('-', ' ') for s in specialties)}; "
        f"{', '.join(s.replace('-', ' ') for s in skills)} in {system_text}."
    )
    return {
        "id": coordinator_id,
        "user_id": user_id,
        "headline": headline,
        "bio": bio,
        "home_time_zone": zone,
        "working_hours": hours,
        "capacity_percent": rng.choices([100, 75, 50], [7, 2, 1])[0],
        "languages": [{"tag": t, "proficiency": p} for t, p in languages],
        "skills": skills,
        "systems": [{"code": s, "years": rng.randint(0, 8)} for s in systems],
        "specialties": specialties,
        "score_communication": rng.randint(68, 97),
        "score_accuracy": rng.randint(66, 98),
        "score_empathy": rng.randint(65, 98),
        "assessed_on": assessed,
        "status": "inactive" if rng.random() < 0.05 else "active",
        "created_at": created,
        "updated_at": created,
    }


DEMO_PEOPLE = {
    # account key -> (archetype index or None, overrides)
    "coordinator:harbor:0": 0,
    "coordinator:harbor:1": 1,
    "coordinator:lakeshore:0": 2,
    "coordinator:pacific:0": 3,
    "float": 4,
}


def _people(
    rng: random.Random,
    ids: DemoIds,
    accounts: AccountIds,
    password_hash: str,
    created: datetime,
    today: date,
) -> tuple[list[Person], list[Row]]:
    found, users = [], []
    names = {a.key: a.display_name for a in ACCOUNTS}
    assessed = today - timedelta(days=120)
    for key, archetype in DEMO_PEOPLE.items():
        user_id = accounts.by_key[key]
        row = _profile_row(rng, user_id, ids.at(created), ARCHETYPES[archetype], created, assessed)
        row["status"], row["capacity_percent"] = "active", 100
        found.append(Person(key, user_id, names[key] or key, None, row))
    taken = {p.name for p in found}
    for n in range(COORDINATORS - len(found)):
        archetype = ARCHETYPES[n % len(ARCHETYPES)] if n < 2 * len(ARCHETYPES) else None
        user_id = ids.at(created)
        row = _profile_row(rng, user_id, ids.at(created), archetype, created, assessed)
        origin = (
            archetype.origin
            if archetype
            else (
                "es"
                if row["languages"][-1]["tag"] == "tl"
                else next((lang["tag"] for lang in row["languages"] if lang["tag"] != "en"), "en")
            )
        )
        if origin not in ("en", "es", "pt", "vi", "zh", "ht", "in"):
            origin = "en"
        while True:
            name = people.person_name(rng, origin, rng.random() < 0.7)
            display = f"{name.given} {name.family}"
            if display not in taken:
                taken.add(display)
                break
        email = f"{search_key(name.given).replace(' ', '')}.{search_key(name.family).replace(' ', '-')}@{DOMAIN}"
        users.append(
            {
                "id": user_id,
                "email": email,
                "display_name": display,
                "password_hash": password_hash,
                "platform_role": None,
                "active": True,
                "password_changed_at": None,
                "last_login_at": None,
                "created_at": created,
                "updated_at": created,
            }
        )
        found.append(Person(f"gen:{n}", user_id, display, email, row))
    return found, users


def _certifications(
    out: Out, rng: random.Random, ids: DemoIds, person: Person, today: date
) -> None:
    spoken = {item["tag"] for item in person.row["languages"]} - {"en"}
    wanted = []
    if rng.random() < 0.55 or person.key in DEMO_PEOPLE:
        wanted.append(("CHAA", "Certified Healthcare Access Associate", 24))
    if rng.random() < 0.2:
        wanted.append(("CRCR", "Certified Revenue Cycle Representative", 24))
    if spoken and rng.random() < 0.45:
        wanted.append(("CHI", "Certified Healthcare Interpreter", 48))
    for code, name, months in wanted:
        # Spread issue dates so that some have expired and some are due for renewal.
        issued = today - timedelta(days=rng.randint(60, months * 30 + 90))
        expires = add_months(issued, months)
        if person.key in DEMO_PEOPLE and expires < today:
            issued, expires = (
                today - timedelta(days=200),
                add_months(today - timedelta(days=200), months),
            )
        at = datetime.combine(issued, time(15), tzinfo=UTC)
        out.add(
            "coordinator_certification",
            {
                "id": ids.at(at),
                "coordinator_id": person.row["id"],
                "code": code,
                "name": name,
                "issued_on": issued,
                "expires_on": expires,
                "source": "external",
                "course_id": None,
                "reminded_at": None,
                "created_at": at,
            },
        )
        person.certifications[code] = expires


def _enroll(
    out: Out,
    rng: random.Random,
    ids: DemoIds,
    person: Person,
    course: Row,
    at: datetime,
    *,
    passed: bool,
    progress: float = 0.0,
) -> None:
    modules = course["_modules"]
    done = modules if passed else modules[: int(len(modules) * progress)]
    quiz = course["_quiz"]
    status = "passed" if passed else ("in-progress" if done else "enrolled")
    enrollment = out.add(
        "enrollment",
        {
            "id": ids.at(at),
            "coordinator_id": person.row["id"],
            "course_id": course["id"],
            "status": status,
            "enrolled_at": at,
            "enrolled_by_user_id": None,
            "due_on": None,
            "completed_module_ids": [str(m) for m in done],
            "passed_at": at + timedelta(days=6) if passed else None,
        },
    )
    if quiz is not None and (passed or progress >= 0.5):
        # A first try that missed, now and then, before the pass.
        tries = [False, True] if passed and rng.random() < 0.3 else ([True] if passed else [False])
        for number, ok in enumerate(tries, start=1):
            when = at + timedelta(days=3 + number)
            questions = quiz["questions"]
            answers = [
                list(q["correct"]) if ok or i else [(q["correct"][0] + 1) % len(q["choices"])]
                for i, q in enumerate(questions)
            ]
            score = (
                100
                if ok
                else round(
                    100
                    * sum(q["points"] for q in questions[1:])
                    / sum(q["points"] for q in questions)
                )
            )
            out.add(
                "assessment_attempt",
                {
                    "id": ids.at(when),
                    "enrollment_id": enrollment["id"],
                    "assessment_id": quiz["id"],
                    "number": number,
                    "answers": answers,
                    "score_percent": score,
                    "passed": ok and score >= 75,
                    "submitted_at": when,
                },
            )
    if passed:
        person.passed.add(str(course["id"]))
        if course["awards_certification_code"]:
            issued = (at + timedelta(days=6)).date()
            expires = add_months(issued, course["certification_valid_months"])
            out.add(
                "coordinator_certification",
                {
                    "id": ids.at(at + timedelta(days=6)),
                    "coordinator_id": person.row["id"],
                    "code": course["awards_certification_code"],
                    "name": course["awards_certification_name"],
                    "issued_on": issued,
                    "expires_on": expires,
                    "source": "course",
                    "course_id": course["id"],
                    "reminded_at": None,
                    "created_at": at + timedelta(days=6),
                },
            )
            person.certifications[course["awards_certification_code"]] = expires


# --- Openings and placements ------------------------------------------------------------


@dataclass(frozen=True)
class OpeningSpec:
    org: str
    title: str
    description: str
    languages: tuple[tuple[str, float, bool], ...]
    hours: dict[str, list[dict[str, str]]]
    fte: int
    headcount: int
    skills: tuple[tuple[str, bool], ...]
    # (demo account key or generated index, fte) of people placed, active; then onboarding, proposed, ended.
    active: tuple[tuple[str, int], ...] = ()
    onboarding: tuple[str, ...] = ()
    proposed: tuple[str, ...] = ()
    ended: tuple[str, ...] = ()
    required_certifications: tuple[str, ...] = ()
    starts_in_days: int | None = None


OPENINGS = (
    OpeningSpec(
        "harbor",
        "Front-desk scheduling, Dorchester and Quincy",
        "Scheduling, same-day sick visits and referrals for busy family medicine sites; Spanish, Haitian Creole and Portuguese speaking families; Epic.",
        (
            ("en", 0.64, False),
            ("es", 0.15, False),
            ("ht", 0.07, False),
            ("pt", 0.06, False),
            ("vi", 0.04, False),
            ("zh", 0.04, False),
        ),
        _week("08:00", "17:00"),
        100,
        4,
        (("scheduling", True), ("referrals", False)),
        active=(
            ("coordinator:harbor:0", 100),
            ("coordinator:harbor:1", 100),
            ("float", 50),
            ("gen:5", 100),
        ),
        ended=("gen:10", "gen:15"),
    ),
    OpeningSpec(
        "harbor",
        "Haitian Creole and Portuguese patient line",
        "Outbound reminders and scheduling for Haitian Creole and Portuguese speaking patients, care navigation after hospital discharge, Epic.",
        (("en", 0.5, False), ("ht", 0.3, True), ("pt", 0.2, False)),
        _week("09:00", "17:00"),
        100,
        1,
        (("scheduling", True), ("care-navigation", False)),
        onboarding=("gen:0",),
        proposed=("gen:20",),
        starts_in_days=14,
    ),
    OpeningSpec(
        "harbor",
        "Referral coordinator (part-time)",
        "Specialist referrals and insurance verification for primary care, Epic referral work queues.",
        (("en", 0.8, False), ("es", 0.2, False)),
        _week("09:00", "13:00"),
        50,
        1,
        (("referrals", True), ("insurance-verification", False)),
    ),
    OpeningSpec(
        "lakeshore",
        "Telehealth intake coordinator",
        "Intake for telehealth therapy and psychiatry: consent, insurance verification, first-visit scheduling in athenaOne.",
        (("en", 0.84, False), ("es", 0.12, False), ("zh", 0.02, False), ("vi", 0.02, False)),
        _week("08:00", "17:00"),
        100,
        3,
        (("intake", True), ("insurance-verification", False)),
        active=(("coordinator:lakeshore:0", 100), ("float", 50), ("gen:2", 100)),
        ended=("gen:12",),
    ),
    OpeningSpec(
        "lakeshore",
        "Evening intake, Spanish",
        "Evening intake calls for Spanish speaking families, crisis line hand-offs, behavioral health, athenaOne.",
        (("en", 0.6, False), ("es", 0.4, True)),
        _week("16:00", "21:00", ("mon", "tue", "wed", "thu")),
        50,
        1,
        (("intake", True), ("care-navigation", False)),
        onboarding=("gen:7",),
        starts_in_days=7,
    ),
    OpeningSpec(
        "pacific",
        "Orthopedic scheduling and MRI authorization",
        "Orthopedic surgery scheduling, MRI prior authorization and workers' compensation intake in ModMed.",
        (("en", 0.66, False), ("es", 0.2, False), ("vi", 0.09, False), ("zh", 0.05, False)),
        _week("07:00", "16:00"),
        100,
        2,
        (("scheduling", True), ("prior-authorization", True)),
        active=(("coordinator:pacific:0", 100), ("gen:8", 100)),
        ended=("gen:3",),
    ),
    OpeningSpec(
        "pacific",
        "Vietnamese-speaking surgery scheduler",
        "Surgery and post-op scheduling for Vietnamese speaking patients; prior authorization; ModMed.",
        (("en", 0.6, False), ("vi", 0.4, True)),
        _week("08:00", "16:30"),
        100,
        1,
        (("scheduling", True), ("prior-authorization", False)),
        proposed=("gen:13",),
        starts_in_days=21,
    ),
)


def _facts(person: Person) -> CoordinatorFacts:
    row = person.row
    return CoordinatorFacts(
        key=person.key,
        name=person.name,
        active=row["status"] == "active",
        languages={item["tag"]: item["proficiency"] for item in row["languages"]},
        systems={item["code"]: item["years"] for item in row["systems"]},
        skills=frozenset(row["skills"]),
        specialties=frozenset(row["specialties"]),
        time_zone=row["home_time_zone"],
        working_hours=row["working_hours"],
        capacity=row["capacity_percent"],
        placed=person.placed,
        scores=(row["score_communication"], row["score_accuracy"], row["score_empathy"]),
        certifications=person.certifications,
        passed_courses=frozenset(person.passed),
        text=f"{row['headline']} {row['bio']}",
    )


def _opening_row(
    spec: OpeningSpec,
    org: OrgDirectory,
    ids: DemoIds,
    created: datetime,
    today: date,
    required_courses: list[str],
) -> Row:
    return {
        "organization_id": org.id,
        "id": ids.at(created),
        "title": spec.title,
        "description": spec.description,
        "status": "open",
        "time_zone": org.spec.time_zone,
        "hours": spec.hours,
        "fte_percent": spec.fte,
        "headcount": spec.headcount,
        "expected_volume_per_week": spec.headcount * 180,
        "languages": [
            {"tag": t, "share": s, "required": r, "min_proficiency": "professional"}
            for t, s, r in spec.languages
        ],
        "systems": [{"code": SYSTEMS[spec.org], "required": True}],
        "skills": [{"code": c, "required": r} for c, r in spec.skills],
        "specialties": [{"code": SPECIALTIES[spec.org], "required": False}],
        "required_certifications": list(spec.required_certifications),
        "required_course_ids": required_courses,
        "min_hours_overlap_percent": 60,
        "min_assessment": None,
        "starts_on": today + timedelta(days=spec.starts_in_days)
        if spec.starts_in_days is not None
        else None,
        "backup_coordinator_id": None,
        "created_by_user_id": None,
        "created_at": created,
        "updated_at": created,
    }


def _needs(row: Row, courses: list[str]) -> OpeningNeeds:
    return OpeningNeeds(
        key=row["id"],
        organization=row["organization_id"],
        title=row["title"],
        time_zone=row["time_zone"],
        hours=row["hours"],
        fte=row["fte_percent"],
        headcount=row["headcount"],
        languages=tuple(
            LanguageNeed(n["tag"], n["share"], n["required"], n["min_proficiency"])
            for n in row["languages"]
        ),
        systems=tuple(CodeNeed(n["code"], n["required"]) for n in row["systems"]),
        skills=tuple(CodeNeed(n["code"], n["required"]) for n in row["skills"]),
        specialties=tuple(CodeNeed(n["code"], n["required"]) for n in row["specialties"]),
        required_courses=tuple(courses),
        min_hours_overlap=row["min_hours_overlap_percent"],
        text=f"{row['title']}\n{row['description']}",
    )


def _fit(person: Person, spec: OpeningSpec) -> None:
    """Make a generated coordinator placed at an opening plausible for it: the client's
    system and the required languages and skills (their history says they have them)."""
    row = person.row
    if all(s["code"] != SYSTEMS[spec.org] for s in row["systems"]):
        row["systems"] = [*row["systems"], {"code": SYSTEMS[spec.org], "years": 2}]
    for tag, _, required in spec.languages:
        if required and all(item["tag"] != tag for item in row["languages"]):
            row["languages"] = [*row["languages"], {"tag": tag, "proficiency": "native"}]
    for code, required in spec.skills:
        if required and code not in row["skills"]:
            row["skills"] = sorted([*row["skills"], code])
    row["status"], row["capacity_percent"] = "active", 100


# --- The whole ----------------------------------------------------------------------------


def seed(
    session: Session,
    orgs: list[OrgDirectory],
    accounts: AccountIds,
    password_hash: str,
    seed_value: int,
    size: str,
    today: date,
) -> None:
    """Build and insert the staffing demo, then credit placed coordinators with their
    clients' appointments. ``size`` changes nothing here: 60 coordinators either way."""
    del size
    rng = random.Random(f"{seed_value}:staffing")
    ids = DemoIds(seed_value, "staffing")
    out = Out()
    created = datetime.combine(today - timedelta(days=720), time(13), tzinfo=UTC)
    by_key = {org.spec.key: org for org in orgs}

    courses = _courses(out, ids, by_key, created)
    team, users = _people(rng, ids, accounts, password_hash, created, today)
    person = {p.key: p for p in team}
    for spec in OPENINGS:
        for key in (
            [k for k, _ in spec.active]
            + list(spec.onboarding)
            + list(spec.proposed)
            + list(spec.ended)
        ):
            if key.startswith("gen:"):
                _fit(person[key], spec)

    # Training: foundations and privacy for almost everyone, client playbooks for those
    # placed there (passed before going live, in progress while onboarding).
    for p in team:
        _certifications(out, rng, ids, p, today)
        start = datetime.combine(
            today - timedelta(days=rng.randint(200, 600)), time(14), tzinfo=UTC
        )
        _enroll(
            out,
            rng,
            ids,
            p,
            courses["coordinator-foundations"],
            start,
            passed=p.key in DEMO_PEOPLE or rng.random() < 0.85,
        )
        privacy_at = datetime.combine(
            today - timedelta(days=rng.randint(40, 420)), time(14), tzinfo=UTC
        )
        if p.key in DEMO_PEOPLE or rng.random() < 0.8:
            _enroll(out, rng, ids, p, courses["hipaa-privacy"], privacy_at, passed=True)
        elif rng.random() < 0.5:
            _enroll(
                out, rng, ids, p, courses["hipaa-privacy"], privacy_at, passed=False, progress=0.5
            )

    placement_rows: list[tuple[Row, Person, str]] = []
    opening_rows: list[tuple[OpeningSpec, Row]] = []
    playbook_done: set[tuple[str, str]] = set()
    for spec in OPENINGS:
        org = by_key[spec.org]
        playbook = courses[f"{spec.org}-playbook"]
        required = [
            str(playbook["id"]),
            str(courses["coordinator-foundations"]["id"]),
            str(courses["hipaa-privacy"]["id"]),
        ]
        opening = out.add(
            "opening", _opening_row(spec, org, ids, created + timedelta(days=30), today, [])
        )
        opening["_required"] = required
        opening_rows.append((spec, opening))
        live = [(k, fte, "active") for k, fte in spec.active] + [
            (k, spec.fte, "onboarding") for k in spec.onboarding
        ]
        live += [(k, spec.fte, "proposed") for k in spec.proposed] + [
            (k, spec.fte, "ended") for k in spec.ended
        ]
        for key, fte, status in live:
            p = person[key]
            if status in ("active", "ended") and (key, spec.org) not in playbook_done:
                began = datetime.combine(
                    today - timedelta(days=rng.randint(120, 400)), time(14), tzinfo=UTC
                )
                _enroll(out, rng, ids, p, playbook, began, passed=True)
                playbook_done.add((key, spec.org))
            elif status == "onboarding" and (key, spec.org) not in playbook_done:
                _enroll(
                    out,
                    rng,
                    ids,
                    p,
                    playbook,
                    datetime.combine(today - timedelta(days=5), time(14), tzinfo=UTC),
                    passed=False,
                    progress=0.67,
                )
                playbook_done.add((key, spec.org))
            placement_rows.append(({"fte": fte, "status": status, "opening": opening}, p, spec.org))

    # Scores as the matching would have given them when each was proposed.
    # Required: the client's playbook (client requirement) and the role's courses.
    needs = [_needs(o, o.pop("_required")) for _, o in opening_rows]
    board = build_board([_facts(p) for p in team], needs, today)
    index = {p.key: i for i, p in enumerate(team)}
    opening_index = {o["id"]: j for j, (_, o) in enumerate(opening_rows)}
    membership_ids = DemoIds(seed_value, "staffing:memberships")
    memberships: dict[tuple[uuid.UUID, uuid.UUID], Row] = {}
    active_pairs: list[tuple[Person, OrgDirectory, Row, datetime]] = []
    for info, p, org_key in placement_rows:
        org, opening, status = by_key[org_key], info["opening"], info["status"]
        candidate = board.explain(opening_index[opening["id"]], index[p.key])
        days_ago = {
            "active": rng.randint(90, 420),
            "ended": rng.randint(300, 700),
            "onboarding": 12,
            "proposed": 2,
        }[status]
        proposed_at = datetime.combine(today - timedelta(days=days_ago), time(15), tzinfo=UTC)
        confirmed = proposed_at + timedelta(days=2) if status != "proposed" else None
        activated = proposed_at + timedelta(days=20) if status in ("active", "ended") else None
        ended = (
            activated + timedelta(days=rng.randint(60, 200))
            if status == "ended" and activated
            else None
        )
        row = out.add(
            "placement",
            {
                "organization_id": org.id,
                "id": ids.at(proposed_at),
                "opening_id": opening["id"],
                "coordinator_id": p.row["id"],
                "status": status,
                "fte_percent": info["fte"],
                "score": candidate.score,
                "score_components": [
                    {
                        "key": c.key,
                        "label": c.label,
                        "value": c.value,
                        "weight": c.weight,
                        "points": c.points,
                        "detail": c.detail,
                    }
                    for c in candidate.components
                ],
                "proposed_at": proposed_at,
                "proposed_by_user_id": accounts.by_key["staffing"],
                "confirmed_at": confirmed,
                "confirmed_by_user_id": accounts.by_key["staffing"] if confirmed else None,
                "activated_at": activated,
                "ended_at": ended,
                "end_reason": "the client reorganised the desk" if ended else None,
                "created_at": proposed_at,
                "updated_at": ended or activated or proposed_at,
            },
        )
        if status != "ended":
            p.placed += info["fte"]
        # Access follows the placement: active ones hold a membership, ended ones an
        # inactive one. The demo logins already have theirs (accounts.py).
        if p.email is not None and status in ("active", "ended"):
            pair = (org.id, p.user_id)
            if pair not in memberships or status == "active":
                memberships[pair] = {
                    "organization_id": org.id,
                    "id": membership_ids.at(activated or proposed_at),
                    "user_id": p.user_id,
                    "role": "coordinator",
                    "practitioner_id": None,
                    "patient_id": None,
                    "active": status == "active",
                    "created_at": activated or proposed_at,
                    "updated_at": ended or activated or proposed_at,
                }
        if status == "active":
            active_pairs.append((p, org, row, activated or proposed_at))
    for spec, opening in opening_rows:
        filled = sum(
            1
            for info, _, _ in placement_rows
            if info["opening"] is opening and info["status"] == "active"
        )
        opening["status"] = "filled" if filled >= spec.headcount else "open"
    # The Haitian Creole line names a trained backup: Keisha covers when needed.
    opening_rows[1][1]["backup_coordinator_id"] = person["coordinator:harbor:0"].row["id"]

    for org in orgs:
        out.add(
            "client_course_requirement",
            {
                "organization_id": org.id,
                "id": ids.at(created),
                "course_id": courses[f"{org.spec.key}-playbook"]["id"],
            },
        )
    _history(out, rng, ids, active_pairs, accounts, today)

    for p in team:
        out.add("coordinator", p.row)
    for table in ("course",):
        for row in out.rows[table]:
            row.pop("_modules", None)
            row.pop("_quiz", None)
    insert_rows(session, "app_user", users)
    insert_rows(session, "membership", sorted(memberships.values(), key=lambda r: r["id"]))
    for table in TABLES:
        rows = out.rows.get(table, [])
        if table in FLOAT_TABLES:
            # A handful of rows with float columns, which the COPY formatter of
            # demo.bulk does not write: a plain executemany is as fast at this size.
            if rows:
                session.execute(insert(Base.metadata.tables[table]), rows)
        else:
            insert_rows(session, table, rows)
    _credit_bookings(session, orgs, active_pairs)


def _history(
    out: Out,
    rng: random.Random,
    ids: DemoIds,
    active: list[tuple[Person, OrgDirectory, Row, datetime]],
    accounts: AccountIds,
    today: date,
) -> None:
    """Twelve weeks of quality reviews and satisfaction scores per active placement,
    each coordinator with their own level and drift, and the coaching tasks the
    thresholds open for the last four weeks."""
    now = datetime.combine(today, time(12), tzinfo=UTC)
    for n, (p, org, _, since) in enumerate(active):
        level = rng.uniform(72, 94)
        # One in five drifts down over the weeks (coaching material), one in five improves.
        drift = -2.2 if n % 5 == 2 else (1.0 if n % 5 == 4 else rng.uniform(-0.4, 0.4))
        recent: list[int] = []
        for week in range(12, 0, -1):
            for _ in range(rng.randint(1, 2)):
                at = now - timedelta(days=7 * week - rng.randint(0, 6), hours=rng.randint(0, 8))
                if at < since:
                    continue
                target = (level + drift * (12 - week)) / 100 * 4
                rubric = {key: max(0, min(4, round(rng.gauss(target, 0.6)))) for key in RUBRIC}
                score = rubric_percent(rubric)
                out.add(
                    "quality_review",
                    {
                        "organization_id": org.id,
                        "id": ids.at(at),
                        "coordinator_id": p.row["id"],
                        "reviewer_user_id": accounts.by_key["staffing"],
                        "reviewed_at": at,
                        "interaction_kind": rng.choice(
                            ["call", "call", "message", "booking", "referral"]
                        ),
                        "rubric": rubric,
                        "score_percent": score,
                        "notes": rng.choice(
                            [
                                None,
                                "Verified identity first.",
                                "Offered two times; good.",
                                "Missed the referral check.",
                                "Warm tone, clear next steps.",
                            ]
                        ),
                    },
                )
                if week <= 4:
                    recent.append(score)
            satisfaction = 4.6 + drift / 4
            for _ in range(rng.randint(3, 9)):
                at = now - timedelta(days=7 * week - rng.randint(0, 6), hours=rng.randint(0, 10))
                if at < since:
                    continue
                out.add(
                    "satisfaction_score",
                    {
                        "organization_id": org.id,
                        "id": ids.at(at),
                        "coordinator_id": p.row["id"],
                        "score": max(1, min(5, round(rng.gauss(satisfaction, 0.7)))),
                        "received_at": at,
                        "source": "follow-up-survey",
                    },
                )
        if len(recent) >= 2 and sum(recent) / len(recent) < 70:
            value = sum(recent) / len(recent)
            out.add(
                "coaching_task",
                {
                    "id": ids.at(now),
                    "coordinator_id": p.row["id"],
                    "organization_id": org.id,
                    "kpi": "quality",
                    "value": value,
                    "threshold": 70.0,
                    "detail": f"quality review score below 70: {value:.1f} over {len(recent)}",
                    "status": "open",
                    "open_key": f"{p.row['id']}:{org.id}:quality",
                    "opened_at": now - timedelta(days=1),
                    "closed_at": None,
                    "closed_by_user_id": None,
                    "note": None,
                },
            )


SYSTEM = "the demo loader credits placed coordinators with their clients' bookings"


def _credit_bookings(
    session: Session,
    orgs: list[OrgDirectory],
    active: list[tuple[Person, OrgDirectory, Row, datetime]],
) -> None:
    """Each client's practitioner roles, dealt round-robin to the coordinators active
    there: their appointments count as booked by that coordinator."""
    by_org: dict[uuid.UUID, list[Person]] = defaultdict(list)
    for p, org, _, _ in active:
        if p not in by_org[org.id]:
            by_org[org.id].append(p)
    for org in orgs:
        placed = by_org.get(org.id, [])
        if not placed:
            continue
        roles = sorted(row["id"] for row in org.rows.get("practitioner_role", []))
        for n, p in enumerate(placed):
            mine = roles[n :: len(placed)]
            if not mine:
                continue
            stmt = (
                update(Appointment)
                .where(
                    Appointment.organization_id == org.id,
                    Appointment.practitioner_role_id.in_(mine),
                )
                .values(created_by_user_id=p.user_id)
            )
            session.execute(unscoped_system(stmt, SYSTEM))
    # Who put a patient on the waitlist: the coordinator credited with the appointment
    # the entry is about (the one filled from the waitlist, else the one to move earlier).
    booked_by = (
        select(Appointment.created_by_user_id)
        .where(
            Appointment.organization_id == WaitlistEntry.organization_id,
            Appointment.id
            == func.coalesce(
                WaitlistEntry.booked_appointment_id, WaitlistEntry.current_appointment_id
            ),
        )
        .scalar_subquery()
    )
    stmt = (
        update(WaitlistEntry)
        .where(WaitlistEntry.organization_id.in_([org.id for org in orgs]))
        .values(created_by_user_id=booked_by, updated_at=WaitlistEntry.updated_at)
    )
    session.execute(unscoped_system(stmt, SYSTEM))
