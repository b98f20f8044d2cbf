"""Demo patient portal: the demo patient's sign-in by code, and the people they act for.

The demo's patient login (``patient@<harbor domain>``) gets a portal account for their
mobile number (or, without one, their e-mail address), so "Sign in" on /portal with
that number sends a code from Harbor's texting number. They are proxy for:

* a child — one sharing their mobile number if there is one (the demo gives children
  a parent's number), else a child of the organization — as ``parent`` with ``manage``
  scope, ending the day before the child turns 18;
* an older patient of the organization as ``caregiver`` with ``read`` scope.

Destinations are stored as digests keyed by the installation's secret key: load the
demo with the secret the server will run with (``liaison demo`` does).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liaison.authz.scope import unscoped_system
from liaison.demo.bulk import insert_rows
from liaison.demo.ids import DemoIds
from liaison.models import Patient, PatientTelecom
from liaison.portal import signin

TABLES = ("portal_account", "patient_proxy", "visit_question_flow")

# Harbor's question flow: from "what do you need?" to one of its patient-bookable visit
# types (catalog: new-patient, annual-physical, well-child, follow-up).
HARBOR_FLOW: dict[str, Any] = {
    "question": {"en": "What do you need?", "es": "¿Qué necesita?"},
    "answers": [
        {
            "label": {"en": "A yearly check-up", "es": "Un chequeo anual"},
            "next": {
                "question": {"en": "Who is the visit for?", "es": "¿Para quién es la cita?"},
                "answers": [
                    {
                        "label": {"en": "An adult", "es": "Un adulto"},
                        "service_code": "annual-physical",
                    },
                    {
                        "label": {"en": "A child", "es": "Un niño o una niña"},
                        "service_code": "well-child",
                    },
                ],
            },
        },
        {
            "label": {
                "en": "A follow-up on a recent visit",
                "es": "Un seguimiento de una visita reciente",
            },
            "service_code": "follow-up",
        },
        {
            "label": {"en": "I am new to the clinic", "es": "Soy nuevo en la clínica"},
            "service_code": "new-patient",
        },
    ],
}
SYSTEM = "the demo loader gives its patient login a portal account and proxies"
ADULT_AGE = 18
ELDER_AGE = 75


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _eighteenth_birthday_eve(born: date) -> date:
    try:
        birthday = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # 29 February
        birthday = date(born.year + ADULT_AGE, 3, 1)
    return date.fromordinal(birthday.toordinal() - 1)


def seed(
    session: Session,
    secret: str,
    *,
    seed_value: int,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    patient_id: uuid.UUID,
    today: date,
) -> dict[str, int]:
    """Write the demo patient's portal account and proxy grants; rows per table.

    ``user_id``/``patient_id``: the demo patient login and its record in
    ``organization_id`` (Harbor). Call after ``app_user`` and ``patient`` are loaded."""
    ids = DemoIds(seed_value, "portal")
    rng = random.Random(f"{seed_value}:portal")
    at = datetime.combine(today, time(8), tzinfo=UTC)

    def rows(stmt: Any) -> list[Any]:
        return list(session.scalars(unscoped_system(stmt, SYSTEM)))

    patient = rows(
        select(Patient).where(Patient.organization_id == organization_id, Patient.id == patient_id)
    )[0]
    mobile = next(
        iter(
            rows(
                select(PatientTelecom.value)
                .where(
                    PatientTelecom.organization_id == organization_id,
                    PatientTelecom.patient_id == patient_id,
                    PatientTelecom.use == "mobile",
                )
                .order_by(PatientTelecom.rank)
            )
        ),
        None,
    )
    if mobile:
        destination = signin.Destination("sms", mobile)
    elif patient.email:
        destination = signin.Destination("email", patient.email.lower())
    else:
        return {table: 0 for table in TABLES}
    accounts = [
        {
            "id": ids.at(at),
            "user_id": user_id,
            "channel": destination.channel,
            "destination_digest": signin.destination_digest(secret, destination),
            "hint": destination.hint,
            "language": (patient.preferred_language or "en").split("-")[0],
            "created_at": at,
            "updated_at": at,
        }
    ]

    # A child at the same number first (a family phone), else any child of the clinic.
    family: list[uuid.UUID] = []
    if mobile:
        family = rows(
            select(PatientTelecom.patient_id).where(
                PatientTelecom.organization_id == organization_id,
                PatientTelecom.value == mobile,
                PatientTelecom.patient_id != patient_id,
            )
        )
    young_cut = date(today.year - ADULT_AGE, today.month, min(today.day, 28))
    elder_cut = date(today.year - ELDER_AGE, today.month, min(today.day, 28))
    base = select(Patient).where(Patient.organization_id == organization_id, Patient.active)
    child = next(
        (
            p
            for p in rows(base.where(Patient.id.in_(family)).order_by(Patient.id))
            if _age(p.birth_date, today) < ADULT_AGE
        ),
        None,
    )
    if child is None:
        children = rows(base.where(Patient.birth_date > young_cut).order_by(Patient.id).limit(50))
        child = rng.choice(children) if children else None
    elders = rows(base.where(Patient.birth_date < elder_cut).order_by(Patient.id).limit(50))
    elder = rng.choice(elders) if elders else None

    proxies = []
    for other, relationship, scope in ((child, "parent", "manage"), (elder, "caregiver", "read")):
        if other is None or other.id == patient_id:
            continue
        proxies.append(
            {
                "organization_id": organization_id,
                "id": ids.at(at),
                "patient_id": other.id,
                "proxy_user_id": user_id,
                "relationship": relationship,
                "scope": scope,
                "starts_on": date.fromordinal(today.toordinal() - 30),
                "ends_on": _eighteenth_birthday_eve(other.birth_date)
                if relationship == "parent"
                else None,
                "revoked_at": None,
                "created_by_user_id": None,
                "created_at": at,
                "updated_at": at,
            }
        )
    insert_rows(session, "portal_account", accounts)
    insert_rows(session, "patient_proxy", proxies)
    flows = [
        {
            "organization_id": organization_id,
            "id": ids.at(at),
            "version": 1,
            "tree": HARBOR_FLOW,
            "created_at": at,
            "created_by_user_id": None,
        }
    ]
    insert_rows(session, "visit_question_flow", flows)
    return {
        "portal_account": len(accounts),
        "patient_proxy": len(proxies),
        "visit_question_flow": 1,
    }
