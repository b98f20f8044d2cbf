"""Demo work queue: teams, targets, routing, playbooks, and a realistic queue per client.

Each organization gets a patient-access team led by its admin, response-time targets,
a routing rule, two versions of its playbook, and tasks of every type opened over the
last ten days: most still open (some at risk, some breached), the rest completed by
the coordinators placed there (so staffing's scorecards have tasks to count). Inquiry
tasks carry a real inbound message — taken from the held-out half of the triage set,
so the demo never shows the classifier its own training data — triaged on load, and
one Spanish message describes an emergency (stat, escalated, safety reply sent). One
text comes from a number nobody recognises.

``task_rows`` is also what ``bench/queue.py`` uses to fill a queue of 100,000 tasks.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liaison.authz.scope import unscoped_system
from liaison.demo.bulk import insert_rows
from liaison.demo.directory import OrgDirectory
from liaison.demo.ids import DemoIds
from liaison.models import CommunicationConsent, Membership, Patient, PatientTelecom
from liaison.workqueue import rules, sla

Row = dict[str, Any]
TABLES = (
    "work_team",
    "work_team_member",
    "sla_policy",
    "routing_rule",
    "playbook",
    "task",
    "task_event",
    "staff_notification",
)
TASKS_PER_ORG = {"small": 60, "large": 400}
SYSTEM = "the demo loader reads back the staff and patients it wrote"
PRIORITIES = ("routine", "urgent", "asap", "stat")
REPLIES = {
    "en": "Thanks for your message. I've looked into this and will follow up shortly.",
    "es": "Gracias por su mensaje. Ya lo estoy revisando y le respondo en breve.",
}

POLICIES = (
    ("inquiry", 60, 2 * rules.DAY),
    ("call-back", None, 4 * 60),
    ("reschedule", None, rules.DAY),
    ("no-show-outreach", None, rules.DAY),
    ("intake-review", None, 2 * rules.DAY),
    ("insurance-exception", None, 2 * rules.DAY),
)
# Type, share of the queue, titles.
MIX: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("inquiry", 30, ()),
    (
        "call-back",
        14,
        ("Call back about test results timing", "Return voicemail", "Call back about directions"),
    ),
    (
        "reschedule",
        12,
        (
            "Move visit: patient travelling",
            "Provider out sick: rebook",
            "Reschedule after snow closure",
        ),
    ),
    ("no-show-outreach", 8, ("Missed visit: reach the patient and rebook",)),
    ("waitlist-follow-up", 6, ("Offer expired: check the patient still wants an earlier time",)),
    (
        "intake-review",
        10,
        ("Review intake forms before the first visit", "New patient packet incomplete"),
    ),
    (
        "insurance-exception",
        8,
        ("Coverage inactive: contact patient", "Prior authorization needed"),
    ),
    (
        "referral",
        6,
        ("Referral received: schedule specialist visit", "Close the loop: referral report missing"),
    ),
    ("document-review", 4, ("Outside records arrived: file and flag", "Signed consent returned")),
    ("general", 2, ("Update emergency contact",)),
)


@dataclass
class Queue:
    """What ``task_rows`` needs to know about one organization."""

    organization_id: uuid.UUID
    calendar: sla.BusinessCalendar
    owners: Sequence[uuid.UUID]
    patients: Sequence[uuid.UUID]
    team_id: uuid.UUID | None = None
    policies: dict[str, rules.Targets] = field(default_factory=dict)


def task_rows(
    queue: Queue,
    count: int,
    now: datetime,
    rng: random.Random,
    ids: DemoIds,
    *,
    open_share: float = 0.7,
    days: int = 10,
    events: bool = True,
) -> tuple[list[Row], list[Row]]:
    """``count`` tasks opened over the last ``days`` days, with deadlines counted in the
    organization's business hours, and (optionally) their history."""
    tasks: list[Row] = []
    history: list[Row] = []
    weights = [w for _, w, _ in MIX]
    for _ in range(count):
        kind, _, titles = rng.choices(MIX, weights)[0]
        opened = now - timedelta(minutes=rng.randint(5, days * 24 * 60))
        priority = rng.choices(PRIORITIES, (70, 20, 8, 2))[0]
        targets = rules.targets_for(kind, priority, queue.policies.get(kind))
        ratio = targets.at_risk_percent / 100
        resolution = sla.deadline(queue.calendar, opened, targets.resolution_minutes, ratio)
        first = (
            sla.deadline(queue.calendar, opened, targets.first_response_minutes, ratio)
            if targets.first_response_minutes
            else None
        )
        owner = rng.choice(queue.owners) if queue.owners and rng.random() < 0.85 else None
        is_open = rng.random() < open_share
        responded = None
        if first is not None and (not is_open or rng.random() < 0.6):
            responded = min(now, opened + timedelta(minutes=rng.randint(4, 180)))
        done = None
        if not is_open:
            owner = owner or (rng.choice(queue.owners) if queue.owners else None)
            done = min(now, (responded or opened) + timedelta(minutes=rng.randint(10, 3 * 24 * 60)))
        status = (
            rng.choice(("accepted", "in-progress", "on-hold", "in-progress"))
            if is_open and owner
            else ("requested" if is_open else rng.choices(("completed", "cancelled"), (9, 1))[0])
        )
        if status == "in-progress" and first is not None and responded is None:
            responded = min(now, opened + timedelta(minutes=rng.randint(4, 90)))
        next_due, next_risk = (
            (first.due_at, first.at_risk_at)
            if first and responded is None
            else (resolution.due_at, resolution.at_risk_at)
        )
        task_id = ids.at(opened)
        tasks.append(
            {
                "organization_id": queue.organization_id,
                "id": task_id,
                "type": kind,
                "status": status,
                "is_open": is_open,
                "priority": priority,
                "priority_rank": rules.PRIORITY_RANK[priority],
                "title": rng.choice(titles) if titles else "Patient message",
                "description": "",
                "patient_id": rng.choice(queue.patients) if queue.patients else None,
                "focus_type": None,
                "focus_id": None,
                "contact": None,
                "owner_user_id": owner,
                "team_id": queue.team_id,
                "language": None,
                "skill": None,
                "checklist": [],
                "category": None,
                "urgency": None,
                "triage_reason": None,
                "triage_confirmed": False,
                "source": "manual",
                "created_by_user_id": None,
                "first_response_due_at": first.due_at if first else None,
                "first_response_at_risk_at": first.at_risk_at if first else None,
                "due_at": resolution.due_at,
                "at_risk_at": resolution.at_risk_at,
                "next_due_at": next_due,
                "next_at_risk_at": next_risk,
                "first_response_at": responded,
                "first_response_by_user_id": owner if responded else None,
                "completed_at": done,
                "completed_by_user_id": owner if status == "completed" else None,
                "snoozed_until": None,
                "assigned_at": opened if owner else None,
                "escalated_at": None,
                "version": 1,
                "created_at": opened,
                "updated_at": done or responded or opened,
            }
        )
        if events:
            history.append(_event(ids, queue.organization_id, task_id, opened, "created", to=kind))
            if owner:
                history.append(
                    _event(
                        ids,
                        queue.organization_id,
                        task_id,
                        opened,
                        "routed",
                        to=str(owner),
                        note="lightest workload",
                    )
                )
            if done:
                history.append(
                    _event(
                        ids,
                        queue.organization_id,
                        task_id,
                        done,
                        "status",
                        owner,
                        frm="in-progress",
                        to=status,
                    )
                )
    return tasks, history


def _event(
    ids: DemoIds,
    org_id: uuid.UUID,
    task_id: uuid.UUID,
    at: datetime,
    action: str,
    user_id: uuid.UUID | None = None,
    *,
    frm: str | None = None,
    to: str | None = None,
    note: str | None = None,
) -> Row:
    return {
        "organization_id": org_id,
        "id": ids.at(at),
        "task_id": task_id,
        "at": at,
        "user_id": user_id,
        "action": action,
        "from_value": frm,
        "to_value": to,
        "note": note,
    }


PLAYBOOK = {
    "scripts": (
        'Greeting: "Thank you for contacting {name}, this is <first name>. How can I help?"\n'
        "Before any detail: confirm full name and date of birth.\n"
        "Rescheduling: offer the first three ranked times; waitlist if none suits.\n"
        "Spanish-speaking callers: continue in Spanish or transfer to a bilingual colleague."
    ),
    "escalation_contacts": (
        "Clinical questions: triage nurse line, ext. 4410 (8:00-17:00)\n"
        "After hours: on-call provider through the answering service\n"
        "Billing disputes over $500: practice manager\n"
        "Privacy concerns: compliance officer, ext. 4002"
    ),
    "do_not_handle": (
        "Never give clinical advice or interpret results.\n"
        "Never change a controlled-substance refill: route to the nurse line.\n"
        "Emergencies: tell the patient to call 911 (or 988 for a mental-health crisis), then alert the nurse."
    ),
}


def seed(
    session: Session, orgs: list[OrgDirectory], seed_value: int, size: str, now: datetime
) -> dict[str, int]:
    """Write the work-queue rows of every organization (after users and staffing)."""
    from liaison import triage

    out: dict[str, list[Row]] = {t: [] for t in TABLES}
    held_out = [e for e in triage.load_examples("test") if e.urgency != "emergency"]
    for index, org in enumerate(orgs):
        rng = random.Random(f"{seed_value}:workqueue:{org.spec.key}")
        ids = DemoIds(seed_value, f"workqueue:{org.spec.key}")
        org_row = org.rows["organization"][0]
        holidays = [r["date"] for r in org.rows.get("organization_holiday", [])]
        calendar = sla.BusinessCalendar.from_hours(
            org_row["time_zone"], org_row["business_hours"], holidays
        )
        staff = session.execute(
            unscoped_system(
                select(Membership.user_id, Membership.role).where(
                    Membership.organization_id == org.id,
                    Membership.role.in_(("coordinator", "admin")),
                ),
                SYSTEM,
            )
        ).all()
        coordinators = sorted(u for u, r in staff if r == "coordinator")
        admins = sorted(u for u, r in staff if r == "admin")
        patients = list(
            session.scalars(
                unscoped_system(
                    select(Patient.id).where(Patient.organization_id == org.id).limit(400), SYSTEM
                )
            )
        )
        created = now - timedelta(days=30)
        team_id = ids.at(created)
        out["work_team"].append(
            {
                "organization_id": org.id,
                "id": team_id,
                "name": "Patient access",
                "lead_user_id": admins[0] if admins else None,
                "created_at": created,
                "updated_at": created,
            }
        )
        for user_id in coordinators:
            out["work_team_member"].append(
                {
                    "organization_id": org.id,
                    "id": ids.at(created),
                    "team_id": team_id,
                    "user_id": user_id,
                }
            )
        policies = {}
        for kind, first, resolution in POLICIES:
            policies[kind] = rules.Targets(first, resolution)
            out["sla_policy"].append(
                {
                    "organization_id": org.id,
                    "id": ids.at(created),
                    "task_type": kind,
                    "first_response_minutes": first,
                    "resolution_minutes": resolution,
                    "at_risk_percent": 80,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        out["routing_rule"].append(
            {
                "organization_id": org.id,
                "id": ids.at(created),
                "position": 100,
                "task_type": None,
                "category": None,
                "language": None,
                "team_id": team_id,
                "skill": None,
                "active": True,
                "created_at": created,
                "updated_at": created,
            }
        )
        for version, days_ago in ((1, 30), (2, 6)):
            at = now - timedelta(days=days_ago)
            text = {k: v.format(name=org_row["name"]) for k, v in PLAYBOOK.items()}
            if version == 1:
                text["escalation_contacts"] = text["escalation_contacts"].split("\n")[0]
            out["playbook"].append(
                {
                    "organization_id": org.id,
                    "id": ids.at(at),
                    "version": version,
                    **text,
                    "notes": "Version 2 adds after-hours, billing and privacy contacts."
                    if version == 2
                    else "",
                    "created_at": at,
                    "created_by_user_id": admins[0] if admins else None,
                }
            )
        texters = _texters(session, org.id)
        queue = Queue(org.id, calendar, coordinators, patients, team_id, policies)
        tasks, history = task_rows(queue, TASKS_PER_ORG[size], now, rng, ids)
        _inquiries(out, tasks, org, index, rng, ids, held_out, now, admins, queue, texters)
        out["task"] += tasks
        out["task_event"] += history
    insert_rows(session, "work_team", out["work_team"])
    insert_rows(session, "work_team_member", out["work_team_member"])
    insert_rows(session, "sla_policy", out["sla_policy"])
    insert_rows(session, "routing_rule", out["routing_rule"])
    insert_rows(session, "playbook", out["playbook"])
    insert_rows(session, "communication", out.pop("communication", []))
    for table in ("task", "task_event", "staff_notification"):
        insert_rows(session, table, out[table])
    return {t: len(out[t]) for t in TABLES}


def _inquiries(
    out: dict[str, list[Row]],
    tasks: list[Row],
    org: OrgDirectory,
    index: int,
    rng: random.Random,
    ids: DemoIds,
    examples: list[Any],
    now: datetime,
    admins: list[uuid.UUID],
    queue: Queue,
    texters: list[tuple[uuid.UUID, str]],
) -> None:
    """Give every inquiry its inbound message (triaged), one from an unknown number,
    and, at the first organization, a Spanish message describing an emergency."""
    from liaison import triage

    comms = out.setdefault("communication", [])
    inquiries = [t for t in tasks if t["type"] == "inquiry"]
    sms_number = org.rows["organization"][0].get("sms_number")
    for n, task in enumerate(inquiries):
        example = rng.choice(examples)
        text = example.text
        if index == 0 and n == 0:
            text = "Mi papá tiene dolor de pecho muy fuerte y le cuesta respirar, qué hago?"
        unknown = n == 1
        # Patients who text in are those with a mobile who agreed to texts.
        patient_id, mobile = rng.choice(texters) if texters else (task["patient_id"], None)
        task["patient_id"] = patient_id
        suggestion = triage.suggest(text)
        comm_id = ids.at(task["created_at"])
        comms.append(
            {
                "organization_id": org.id,
                "id": comm_id,
                "patient_id": None if unknown else task["patient_id"],
                "appointment_id": None,
                "channel": "sms" if n % 3 else "portal",
                "direction": "inbound",
                "kind": "message",
                "status": "received",
                "to_address": sms_number,
                "from_address": f"+1617555{7000 + index * 100 + n:04d}" if unknown else mobile,
                "subject": None,
                "body": text,
                "language": suggestion.language,
                "idempotency_key": f"demo-inbound:{comm_id}",
                "provider_message_id": None,
                "error": None,
                "created_at": task["created_at"],
                "sent_at": task["created_at"],
                "delivered_at": None,
            }
        )
        priority = rules.priority_for_urgency(suggestion.urgency)
        if rules.PRIORITY_RANK[priority] < task["priority_rank"]:
            task["priority"], task["priority_rank"] = priority, rules.PRIORITY_RANK[priority]
        task.update(
            title=("Patient message" if not unknown else "Patient message (unknown sender)"),
            focus_type="Communication",
            focus_id=comm_id,
            category=suggestion.category,
            urgency=suggestion.urgency,
            triage_reason="; ".join(suggestion.reasons)[:500],
            language=suggestion.language,
            source="sms" if n % 3 else "portal",
        )
        if unknown:
            task.update(patient_id=None, contact=f"+1617555{7000 + index * 100 + n:04d}")
        if suggestion.emergency:
            opened = now - timedelta(minutes=12)
            targets = rules.targets_for("inquiry", "stat", queue.policies.get("inquiry"))
            first = sla.deadline(queue.calendar, opened, targets.first_response_minutes or 5)
            resolution = sla.deadline(queue.calendar, opened, targets.resolution_minutes)
            task.update(
                status="requested" if task["owner_user_id"] is None else "accepted",
                is_open=True,
                priority="stat",
                priority_rank=0,
                completed_at=None,
                completed_by_user_id=None,
                first_response_at=None,
                first_response_by_user_id=None,
                first_response_due_at=first.due_at,
                first_response_at_risk_at=first.at_risk_at,
                due_at=resolution.due_at,
                at_risk_at=resolution.at_risk_at,
                next_due_at=first.due_at,
                next_at_risk_at=first.at_risk_at,
                escalated_at=opened,
                created_at=opened,
                updated_at=opened,
            )
            comms[-1].update(created_at=opened, sent_at=opened)
            comms.append(
                _outbound(
                    org,
                    ids,
                    task,
                    opened,
                    "safety",
                    suggestion.language,
                    sms_number,
                    "Si es una emergencia, llame al 911 ahora.",
                    mobile,
                )
            )
            for admin in admins:
                out["staff_notification"].append(
                    {
                        "organization_id": org.id,
                        "id": ids.at(now),
                        "user_id": admin,
                        "task_id": task["id"],
                        "kind": "emergency",
                        "text": "Urgent: a patient message describes an emergency",
                        "created_at": now - timedelta(minutes=12),
                        "read_at": None,
                    }
                )
        elif task["first_response_at"] is not None and not unknown:
            language = suggestion.language if suggestion.language in REPLIES else "en"
            comms.append(
                _outbound(
                    org,
                    ids,
                    task,
                    task["first_response_at"],
                    "message",
                    language,
                    sms_number,
                    REPLIES[language],
                    mobile,
                )
            )


def _texters(session: Session, organization_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """(patient, mobile) of patients whose newest SMS decision is yes."""
    latest: dict[uuid.UUID, str] = {}
    for patient_id, status in session.execute(
        unscoped_system(
            select(CommunicationConsent.patient_id, CommunicationConsent.status)
            .where(
                CommunicationConsent.organization_id == organization_id,
                CommunicationConsent.channel == "sms",
            )
            .order_by(CommunicationConsent.recorded_at),
            SYSTEM,
        )
    ):
        latest[patient_id] = status
    mobiles = session.execute(
        unscoped_system(
            select(PatientTelecom.patient_id, PatientTelecom.value)
            .where(
                PatientTelecom.organization_id == organization_id, PatientTelecom.use == "mobile"
            )
            .order_by(PatientTelecom.patient_id)
            .limit(5000),
            SYSTEM,
        )
    ).all()
    return [(p, v) for p, v in mobiles if latest.get(p) == "granted"][:500]


def _outbound(
    org: OrgDirectory,
    ids: DemoIds,
    task: Row,
    at: datetime,
    kind: str,
    language: str,
    sms_number: str | None,
    body: str,
    to: str | None,
) -> Row:
    comm_id = ids.at(at)
    return {
        "organization_id": org.id,
        "id": comm_id,
        "patient_id": task["patient_id"],
        "appointment_id": None,
        "channel": "sms",
        "direction": "outbound",
        "kind": kind,
        "status": "delivered",
        "to_address": to,
        "from_address": sms_number,
        "subject": None,
        "body": body,
        "language": language,
        "idempotency_key": f"demo-outbound:{comm_id}",
        "provider_message_id": None,
        "error": None,
        "created_at": at,
        "sent_at": at,
        "delivered_at": at,
    }
