"""Demo messaging: texting numbers, reminder history, reminders still to go, replies,
follow-up surveys, a customized wording, a dead letter and a waitlist.

Built after the calendars, from what the load has written so far (read back with Core
queries inside the load's transaction), so every message points at a real appointment
of a patient who agreed to that channel. Reminders already due by the load time are
history (sent and delivered); later ones are pending outbox rows, which the embedded
worker of ``make demo`` sends to the sandbox SMS provider when their time comes.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liaison.authz.scope import unscoped_system
from liaison.demo.bulk import insert_rows
from liaison.demo.directory import OrgDirectory
from liaison.demo.ids import DemoIds
from liaison.messaging import rules, templates
from liaison.scheduling.calendars import zone

Row = dict[str, Any]
TABLES = (
    "communication",
    "message_template",
    "survey_response",
    "outbox_message",
    "waitlist_entry",
)
HISTORY_DAYS = 14
AHEAD_DAYS = 8
WAITLIST_PER_ORG = {"small": 12, "large": 40}
# Entries that already filled a freed slot in the past two weeks (staffing scorecards
# credit them to the coordinator who added the patient; see demo.staffing).
WAITLIST_FILLED_PER_ORG = {"small": 6, "large": 16}
QUIET = ("21:00", "08:00")
# Visit types that ask a satisfaction question a day after the visit.
FOLLOW_UP_HOURS = 24
SYSTEM = "the demo loader reads back what it wrote for every organization"


def configure(org: OrgDirectory, index: int) -> None:
    """Settings on the directory rows, before they are written: the number the clinic
    texts from (the main line's area code, 555-01xx) and follow-ups after visits."""
    row = org.rows["organization"][0]
    area = (row.get("phone") or "+16175550000")[2:5]
    row["sms_number"] = f"+1{area}55501{index:02d}"
    row["quiet_hours_start"], row["quiet_hours_end"] = QUIET
    row["waitlist_batch_size"], row["waitlist_round_minutes"] = 3, 30
    for service in org.rows.get("healthcare_service", []):
        service.setdefault("reminder_offsets_minutes", [10080, 2880, 120])
        service["follow_up_hours"] = (
            FOLLOW_UP_HOURS if service.get("modality") != "telehealth" else None
        )


@dataclass
class _Rows:
    tables: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, row: Row) -> None:
        self.tables[table].append(row)


@dataclass(frozen=True)
class _Visit:
    id: uuid.UUID
    status: str
    start_at: datetime
    end_at: datetime
    patient_id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    role_id: uuid.UUID
    modality: str
    booked_at: datetime | None


@dataclass(frozen=True)
class _Person:
    given_name: str
    language: str
    time_zone: str | None
    mobile: str | None
    email: str | None
    sms: bool
    email_ok: bool


def seed(
    session: Session, orgs: list[OrgDirectory], seed_value: int, size: str, now: datetime
) -> dict[str, int]:
    """Write the messaging rows of every organization; returns rows written per table."""
    out = _Rows()
    for org in orgs:
        ids = DemoIds(seed_value, f"messaging:{org.spec.key}")
        _organization(
            session,
            out,
            org,
            random.Random(f"{seed_value}:messaging:{org.spec.key}"),
            ids,
            size,
            now,
        )
    for table in TABLES:
        insert_rows(session, table, out.tables.get(table, []))
    return {table: len(out.tables.get(table, [])) for table in TABLES}


def _load(
    session: Session, org: OrgDirectory, now: datetime
) -> tuple[list[_Visit], dict[uuid.UUID, _Person]]:
    from liaison.kit.db import among
    from liaison.models import Appointment, CommunicationConsent, Patient, PatientTelecom

    def rows(stmt: Any) -> Any:
        return session.execute(unscoped_system(stmt, SYSTEM))

    a = Appointment
    visits = [
        _Visit(*r)
        for r in rows(
            select(
                a.id,
                a.status,
                a.start_at,
                a.end_at,
                a.patient_id,
                a.healthcare_service_id,
                a.location_id,
                a.practitioner_role_id,
                a.modality,
                a.booked_at,
            )
            .where(
                a.organization_id == org.id,
                a.start_at >= now - timedelta(days=HISTORY_DAYS),
                a.start_at < now + timedelta(days=60),
            )
            .order_by(a.start_at, a.id)
        )
    ]
    ids = {v.patient_id for v in visits}
    people: dict[uuid.UUID, _Person] = {}
    if not ids:
        return visits, people
    phones: dict[uuid.UUID, str] = {}
    for patient_id, value in rows(
        select(PatientTelecom.patient_id, PatientTelecom.value)
        .where(
            PatientTelecom.organization_id == org.id,
            PatientTelecom.use == "mobile",
            among(session, PatientTelecom.patient_id, ids),
        )
        .order_by(PatientTelecom.rank)
    ):
        phones.setdefault(patient_id, value)
    consent: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    for patient_id, channel, status in rows(
        select(
            CommunicationConsent.patient_id,
            CommunicationConsent.channel,
            CommunicationConsent.status,
        )
        .where(
            CommunicationConsent.organization_id == org.id,
            among(session, CommunicationConsent.patient_id, ids),
        )
        .order_by(CommunicationConsent.recorded_at)
    ):
        consent[patient_id][channel] = status
    for pid, given, preferred, language, tz, email in rows(
        select(
            Patient.id,
            Patient.given_name,
            Patient.preferred_name,
            Patient.preferred_language,
            Patient.time_zone,
            Patient.email,
        ).where(Patient.organization_id == org.id, among(session, Patient.id, ids))
    ):
        people[pid] = _Person(
            preferred or given,
            templates.language_of(language),
            tz,
            phones.get(pid),
            email,
            consent[pid].get("sms") == "granted" and pid in phones,
            consent[pid].get("email") == "granted" and email is not None,
        )
    return visits, people


def _organization(
    session: Session,
    out: _Rows,
    org: OrgDirectory,
    rng: random.Random,
    ids: DemoIds,
    size: str,
    now: datetime,
) -> None:
    org_row = org.rows["organization"][0]
    org_id, sms_number = org.id, org_row["sms_number"]
    org_tz = zone(org_row["time_zone"])
    sites = {row["id"]: row for row in org.rows.get("location", [])}
    services = {row["id"]: row for row in org.rows.get("healthcare_service", [])}
    visits, people = _load(session, org, now)

    def text_of(
        kind: str, channel: str, person: _Person, visit: _Visit | None, **extra: str
    ) -> templates.Rendered:
        variables: dict[str, Any] = {
            "first_name": person.given_name,
            "last_name": "",
            "org_name": org_row["name"],
            "org_phone": org_row.get("phone") or "",
            "link": "http://127.0.0.1:8000/",
            "note": "",
            "when": "",
            "place": "",
            "address": "",
            "visit_type": "visit",
            "practitioner": "",
            "expires": "",
            **extra,
        }
        if visit is not None:
            site = sites.get(visit.location_id, {})
            tz = zone(person.time_zone or site.get("time_zone") or org_row["time_zone"])
            variables.update(
                when=templates.when(visit.start_at.astimezone(tz), person.language),
                place="video visit" if visit.modality == "telehealth" else site.get("name", ""),
                visit_type=services.get(visit.service_id, {}).get("name", "visit"),
            )
        return templates.render(kind, channel, person.language, variables, None)

    def message(
        visit: _Visit | None,
        person_id: uuid.UUID,
        kind: str,
        at: datetime,
        *,
        direction: str = "outbound",
        body: str | None = None,
        status: str = "delivered",
        key: str | None = None,
        **extra: str,
    ) -> None:
        person = people[person_id]
        rendered = (
            text_of(kind, "sms", person, visit, **extra)
            if body is None
            else templates.Rendered(None, body)
        )
        outbound = direction == "outbound"
        out.add(
            "communication",
            {
                "organization_id": org_id,
                "id": ids.at(at),
                "patient_id": person_id,
                "appointment_id": visit.id if visit else None,
                "channel": "sms",
                "direction": direction,
                "kind": kind,
                "status": status if outbound else "received",
                "to_address": person.mobile if outbound else sms_number,
                "from_address": sms_number if outbound else person.mobile,
                "subject": None,
                "body": rendered.body,
                "language": person.language,
                "idempotency_key": key,
                "provider_message_id": f"SM{uuid.UUID(int=rng.getrandbits(128)).hex}",
                "error": None,
                "created_at": at,
                "sent_at": at if outbound else None,
                "delivered_at": at + timedelta(seconds=rng.randint(2, 40))
                if outbound and status == "delivered"
                else None,
            },
        )

    for visit in visits:
        person = people.get(visit.patient_id)
        if person is None or not person.sms:
            continue
        service = services.get(visit.service_id, {})
        site_tz = zone(
            person.time_zone
            or sites.get(visit.location_id, {}).get("time_zone")
            or org_row["time_zone"]
        )
        if visit.status in ("booked", "fulfilled", "noshow"):
            for minutes in sorted(service.get("reminder_offsets_minutes") or [], reverse=True):
                due = rules.reminder_due(
                    visit.start_at, timedelta(minutes=minutes), site_tz, *QUIET
                )
                key = f"reminder:{visit.id}:{minutes}"
                if visit.start_at - due < timedelta(minutes=30):
                    continue
                if due > now and visit.status == "booked":
                    out.add(
                        "outbox_message",
                        {
                            "id": ids.at(now),
                            "organization_id": org_id,
                            "topic": "message.send",
                            "appointment_id": visit.id,
                            "payload": {
                                "kind": "reminder",
                                "appointment_id": str(visit.id),
                                "patient_id": str(visit.patient_id),
                                "offset_minutes": minutes,
                            },
                            "idempotency_key": key,
                            "status": "pending",
                            "attempts": 0,
                            "available_at": due,
                            "locked_until": None,
                            "last_error": None,
                            "created_at": now,
                            "done_at": None,
                        },
                    )
                elif due <= now and due >= now - timedelta(days=HISTORY_DAYS):
                    message(visit, visit.patient_id, "reminder", due, key=f"{key}:sms")
                    if minutes == 2880 and rng.random() < 0.35:
                        answer = rng.choice(["C", "Y", "c", "yes", "C"])
                        message(
                            visit,
                            visit.patient_id,
                            "reply",
                            due + timedelta(minutes=rng.randint(3, 300)),
                            direction="inbound",
                            body=answer,
                        )
                        message(
                            visit,
                            visit.patient_id,
                            "reply-confirmed",
                            due + timedelta(minutes=rng.randint(301, 302)),
                        )
        if (
            visit.status == "fulfilled"
            and service.get("follow_up_hours")
            and visit.end_at + timedelta(hours=24) < now
            and rng.random() < 0.5
        ):
            asked = visit.end_at + timedelta(hours=service["follow_up_hours"])
            message(visit, visit.patient_id, "follow-up", asked, key=f"follow-up:{visit.id}:sms")
            if rng.random() < 0.45:
                score = rng.choices([5, 4, 3, 2, 1], [55, 25, 10, 6, 4])[0]
                answered = asked + timedelta(minutes=rng.randint(5, 600))
                message(
                    visit, visit.patient_id, "reply", answered, direction="inbound", body=str(score)
                )
                out.add(
                    "survey_response",
                    {
                        "organization_id": org_id,
                        "id": ids.at(answered),
                        "appointment_id": visit.id,
                        "patient_id": visit.patient_id,
                        "score": score,
                        "comment": None,
                        "received_at": answered,
                    },
                )
                message(visit, visit.patient_id, "survey-thanks", answered + timedelta(seconds=3))
        if visit.status == "noshow" and visit.start_at + timedelta(hours=2) < now:
            message(
                visit,
                visit.patient_id,
                "no-show",
                visit.start_at + timedelta(hours=2),
                key=f"no-show:{visit.id}:sms",
            )

    # A text the provider kept refusing, waiting in the dead letters for an admin.
    texting = [pid for pid, person in people.items() if person.sms]
    if texting:
        pid = rng.choice(texting)
        out.add(
            "outbox_message",
            {
                "id": ids.at(now - timedelta(hours=3)),
                "organization_id": org_id,
                "topic": "message.send",
                "appointment_id": None,
                "payload": {
                    "kind": "message",
                    "patient_id": str(pid),
                    "body": "Your lab results are ready in the portal.",
                    "channels": ["sms"],
                },
                "idempotency_key": f"demo-dead:{org_id}",
                "status": "dead",
                "attempts": 8,
                "available_at": now - timedelta(hours=3),
                "locked_until": None,
                "last_error": "TemporaryFailure: SMS provider HTTP 503",
                "created_at": now - timedelta(hours=9),
                "done_at": None,
            },
        )

    # The organization's own wording for its English reminder text.
    out.add(
        "message_template",
        {
            "organization_id": org_id,
            "id": ids.at(now - timedelta(days=30)),
            "kind": "reminder",
            "channel": "sms",
            "language": "en",
            "subject": None,
            "body": "{{ org_name }}: Hi {{ first_name }}, see you {{ when }} at {{ place }}. Reply C to confirm, R to reschedule. {{ link }}",
            "updated_at": now - timedelta(days=30),
            "updated_by_user_id": None,
        },
    )
    _waitlist(out, org, visits, people, rng, ids, size, now, org_tz)


def _waitlist(
    out: _Rows,
    org: OrgDirectory,
    visits: list[_Visit],
    people: dict[uuid.UUID, _Person],
    rng: random.Random,
    ids: DemoIds,
    size: str,
    now: datetime,
    org_tz: Any,
) -> None:
    """Patients booked three weeks or more out who would come sooner, and a few whose
    wish came true already: they took a freed slot, and the visit has taken place."""
    later = [
        v
        for v in visits
        if v.status == "booked" and v.start_at > now + timedelta(days=21) and v.patient_id in people
    ]
    rng.shuffle(later)
    chosen: list[_Visit] = []
    seen: set[uuid.UUID] = set()
    for visit in later:
        if visit.patient_id not in seen:
            chosen.append(visit)
            seen.add(visit.patient_id)
        if len(chosen) >= WAITLIST_PER_ORG[size]:
            break
    reasons = [
        "Wants an earlier visit",
        "Pain getting worse",
        "Back from travel sooner",
        "Flexible, any morning",
        "Needs visit before surgery clearance",
        "Prefers late afternoons",
    ]
    today = now.astimezone(org_tz).date()
    for n, visit in enumerate(chosen):
        created = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
        priority = "urgent" if n % 5 == 0 else "routine"
        times = (
            []
            if rng.random() < 0.5
            else [
                rng.choice([{"start": "08:00", "end": "12:00"}, {"start": "12:00", "end": "17:00"}])
            ]
        )
        out.add(
            "waitlist_entry",
            {
                "organization_id": org.id,
                "id": ids.at(created),
                "patient_id": visit.patient_id,
                "healthcare_service_id": visit.service_id,
                "practitioner_ids": [],
                "location_ids": [str(visit.location_id)] if rng.random() < 0.4 else [],
                "earliest_date": today,
                "latest_date": visit.start_at.astimezone(org_tz).date() - timedelta(days=1),
                "times_of_day": times,
                "priority": priority,
                "reason": rng.choice(reasons),
                "expires_at": visit.start_at - timedelta(days=1),
                "status": "active",
                "current_appointment_id": visit.id,
                "booked_appointment_id": None,
                "offers_count": 0,
                "last_offered_at": None,
                "days_gained": None,
                "created_by_user_id": None,
                "created_at": created,
                "updated_at": created,
            },
        )
    filled = [
        v
        for v in visits
        if v.status in ("fulfilled", "noshow")
        and v.booked_at is not None
        and v.patient_id not in seen
    ]
    rng.shuffle(filled)
    for visit in filled[: WAITLIST_FILLED_PER_ORG[size]]:
        seen.add(visit.patient_id)
        assert visit.booked_at is not None
        taken = visit.booked_at
        created = taken - timedelta(days=rng.randint(2, 12), minutes=rng.randint(0, 600))
        out.add(
            "waitlist_entry",
            {
                "organization_id": org.id,
                "id": ids.at(created),
                "patient_id": visit.patient_id,
                "healthcare_service_id": visit.service_id,
                "practitioner_ids": [],
                "location_ids": [],
                "earliest_date": created.astimezone(org_tz).date(),
                "latest_date": None,
                "times_of_day": [],
                "priority": "routine",
                "reason": rng.choice(reasons),
                "expires_at": None,
                "status": "booked",
                "current_appointment_id": None,
                "booked_appointment_id": visit.id,
                "offers_count": 1,
                "last_offered_at": taken,
                "days_gained": rng.randint(3, 21),
                "created_by_user_id": None,
                "created_at": created,
                "updated_at": taken,
            },
        )
