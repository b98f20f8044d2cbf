"""What the work queue pages share: the words for statuses and priorities, SLA badges,
names of the people and patients a page shows, snooze times, reply snippets."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode, urlparse
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy import select

from liaison.audit.trail import PendingAudit
from liaison.auth.dependencies import ApiContext
from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import InvalidInput
from liaison.kit import clock
from liaison.models import Organization, Patient, Task
from liaison.users import service as users_service
from liaison.web.messaging import common as _message_words  # noqa: F401 (registers filters)
from liaison.web.templating import templates
from liaison.workqueue import repository, rules, sla

READ, WRITE = Permission.TASK_READ, Permission.TASK_WRITE
MANAGE = Permission.QUEUE_MANAGE


def task_data(action: str) -> object:
    """A context whose request leaves one audit row about the task, even when it fails
    before the service runs (another organization's id, a bad form)."""

    def dependency(request: Request, ctx: ApiContext) -> Context:
        raw = request.path_params.get("task_id")
        ctx.audit_default = PendingAudit(
            action=action, resource_type="Task", resource_id=str(raw) if raw else None
        )
        return ctx

    return Annotated[Context, Depends(dependency)]


Reading = task_data("read")
Writing = task_data("update")

# --- Words --------------------------------------------------------------------------

VIEWS = [("mine", "Mine"), ("team", "My team"), ("unassigned", "Unassigned"), ("all", "All")]
VIEW_NAMES = dict(VIEWS)
PRIORITIES = [("stat", "STAT"), ("asap", "ASAP"), ("urgent", "Urgent"), ("routine", "Routine")]
PRIORITY_LABELS = dict(PRIORITIES)
PRIORITY_TONES = {"stat": "danger", "asap": "danger", "urgent": "warn", "routine": ""}
SLA_FILTERS = [("at-risk", "At risk"), ("breached", "Breached"), ("on-track", "On track")]
SLA_LABELS = {
    "on-track": "On track",
    "at-risk": "At risk",
    "breached": "Breached",
    "met": "Met",
    "missed": "Missed",
}
SLA_TONES = {"on-track": "ok", "at-risk": "warn", "breached": "danger", "met": "ok", "missed": ""}
STATUS_LABELS = {
    "requested": "New",
    "accepted": "Accepted",
    "in-progress": "In progress",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "failed": "Failed",
}
STATUS_TONES = {
    "requested": "warn",
    "accepted": "",
    "in-progress": "ok",
    "on-hold": "warn",
    "completed": "ok",
    "cancelled": "",
    "failed": "danger",
}
# What the button that moves a task to each status says.
TRANSITION_LABELS = {
    "accepted": "Accept",
    "in-progress": "Start work",
    "on-hold": "Put on hold",
    "completed": "Complete",
    "cancelled": "Cancel task",
    "failed": "Mark as failed",
    "requested": "Return to the queue",
}
TRANSITION_ORDER = ("in-progress", "completed", "on-hold", "accepted", "requested", "cancelled")
CATEGORY_LABELS = {
    "scheduling": "Scheduling",
    "refill": "Prescription refill",
    "billing": "Billing",
    "clinical": "Clinical question",
    "records": "Records",
    "other": "Other",
}
URGENCY_LABELS = {"emergency": "Emergency", "urgent": "Urgent", "routine": "Routine"}
URGENCY_TONES = {"emergency": "danger", "urgent": "warn", "routine": ""}
CHANNEL_LABELS = {"sms": "Text message", "email": "E-mail", "portal": "Portal", "voice": "Phone"}
REPLY_CHANNELS = [
    ("", "Automatic (the patient's consented channel)"),
    ("sms", "Text message"),
    ("email", "E-mail"),
    ("portal", "Patient portal"),
]
SNOOZE_PRESETS = [("hour", "For 1 hour"), ("morning", "Until the next business morning")]
BULK_ACTIONS = [
    ("claim", "Assign to me"),
    ("complete", "Complete"),
    ("snooze", "Snooze"),
    ("priority", "Set priority"),
]

# Messages shown after a redirect-after-post: the redirect names a key, never the text.
FLASHES = {
    "claimed": "The task is yours.",
    "released": "The task is back in the queue.",
    "assigned": "The task was assigned.",
    "status": "The task's status was changed.",
    "completed": "The task is completed.",
    "snoozed": "The task is snoozed; it comes back to the queue at the time shown.",
    "woken": "The task is back in the queue.",
    "priority": "The priority was changed.",
    "checklist": "The checklist was updated.",
    "note": "The note was added to the history.",
    "reply": "The reply is queued; it goes out on the patient's channel in a moment.",
    "triage": "The triage was recorded.",
    "identified": "The patient is identified: the conversation and its messages are theirs now.",
    "view-saved": "The view was saved.",
    "view-deleted": "The view was deleted.",
    "bulk": "Done for every selected task.",
    "playbook": "The playbook was published as a new version.",
}


def flashes(request: Request) -> list[str]:
    key = request.query_params.get("done")
    return [FLASHES[key]] if key in FLASHES else []


def sentence(label: str, message: str) -> str:
    """A problem as a sentence: "is required" needs the field's name before it."""
    return f"{label} {message}" if message[:1].islower() else message


def safe_next(target: str | None, default: str = "/queue") -> str:
    """Only our own paths: a form's "back to" field must not become an open redirect."""
    if not target:
        return default
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


# --- Durations and SLA badges -------------------------------------------------------


def span_text(delta: timedelta) -> str:
    """A duration as people say it: "45 min", "2 h 5 min", "3 d 4 h". app.js says the
    same when it updates a badge."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@dataclass(frozen=True)
class SlaBadge:
    state: str
    label: str
    tone: str
    text: str
    due_at: datetime | None
    at_risk_at: datetime | None
    which: str  # "reply" while the first response is due, else "resolution"
    open: bool


def sla_badge(task: Task, now: datetime) -> SlaBadge:
    """Where the deadline that matters now stands, with the time left or overdue."""
    which = "reply" if task.first_response_at is None and task.first_response_due_at else "due"
    if not task.is_open:
        done = task.completed_at or now
        state = sla.sla_state(due_at=task.due_at, at_risk_at=None, now=done, done_at=done) or "met"
        return SlaBadge(state, SLA_LABELS[state], SLA_TONES[state], "", None, None, which, False)
    state = (
        sla.sla_state(due_at=task.next_due_at, at_risk_at=task.next_at_risk_at, now=now)
        or "on-track"
    )
    left = task.next_due_at - now
    noun = "reply" if which == "reply" else "due"
    if left.total_seconds() > 0:
        text = f"{noun} in {span_text(left)}"
    else:
        text = f"{'reply ' if which == 'reply' else ''}overdue by {span_text(left)}"
    return SlaBadge(
        state,
        SLA_LABELS[state],
        SLA_TONES[state],
        text,
        task.next_due_at,
        task.next_at_risk_at,
        which,
        True,
    )


# --- Names ----------------------------------------------------------------------------


@dataclass
class Names:
    """Who and what the rows of a page name: organizations, staff, patients."""

    organizations: dict[uuid.UUID, Organization] = field(default_factory=dict)
    people: dict[uuid.UUID, str] = field(default_factory=dict)
    patients: dict[uuid.UUID, Patient] = field(default_factory=dict)

    def org(self, organization_id: uuid.UUID) -> str:
        found = self.organizations.get(organization_id)
        return found.name if found else "Another organization"

    def zone(self, organization_id: uuid.UUID) -> str:
        found = self.organizations.get(organization_id)
        return found.time_zone if found else "UTC"

    def person(self, user_id: uuid.UUID | str | None, me: uuid.UUID | None = None) -> str:
        if user_id is None or user_id == "":
            return "Nobody"
        key = user_id if isinstance(user_id, uuid.UUID) else _uuid(user_id)
        if key is None:
            return str(user_id)
        if me is not None and key == me:
            return "You"
        return self.people.get(key, "A colleague")

    def patient(self, patient_id: uuid.UUID | None) -> str:
        found = self.patients.get(patient_id) if patient_id else None
        return f"{found.family_name}, {found.given_name}" if found else ""


def _uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def parse_uuid(value: str | None) -> uuid.UUID | None:
    return _uuid(value)


def staff_names(ctx: Context, organization_id: uuid.UUID | None = None) -> dict[uuid.UUID, str]:
    """Names of the staff the caller may see (owners, authors of history entries)."""
    if not ctx.caller.can(Permission.USER_READ, organization_id):
        return {ctx.caller.user_id: ctx.caller.display_name}
    found = {u.id: u.display_name for u, _ in users_service.list_users(ctx, organization_id)}
    found.setdefault(ctx.caller.user_id, ctx.caller.display_name)
    return found


def assignable(ctx: Context, organization_id: uuid.UUID) -> list[tuple[str, str]]:
    """Coordinators and admins of the organization, to give a task to."""
    if not ctx.caller.can(Permission.USER_READ, organization_id):
        return []
    out = []
    for user, memberships in users_service.list_users(ctx, organization_id):
        if any(
            m.organization_id == organization_id and m.active and m.role in ("coordinator", "admin")
            for m in memberships
        ):
            out.append((str(user.id), user.display_name))
    return out


def patients_named(ctx: Context, tasks: Iterable[Task]) -> dict[uuid.UUID, Patient]:
    """The patients a list of tasks names, one query per organization, each audited as
    one read naming them (the queue's own read is of tasks, not of patients)."""
    by_org: dict[uuid.UUID, set[uuid.UUID]] = {}
    for task in tasks:
        if task.patient_id is not None:
            by_org.setdefault(task.organization_id, set()).add(task.patient_id)
    found: dict[uuid.UUID, Patient] = {}
    for org_id, ids in by_org.items():
        if not ctx.caller.can(Permission.PATIENT_READ, org_id):
            continue
        ordered = sorted(ids, key=str)
        ctx.audit(
            "read",
            "Patient",
            organization_id=org_id,
            purpose="work queue",
            patients=[str(i) for i in ordered],
        )
        stmt = select(Patient).where(Patient.organization_id == org_id, Patient.id.in_(ordered))
        for patient in ctx.session.scalars(
            scoped(stmt, ctx.caller, Patient, Permission.PATIENT_READ)
        ):
            found[patient.id] = patient
    return found


def names_for(ctx: Context, tasks: list[Task]) -> Names:
    organizations = {o.id: o for o in directory_service.list_organizations(ctx)}
    return Names(organizations, staff_names(ctx), patients_named(ctx, tasks))


# --- Snoozing -------------------------------------------------------------------------


def next_business_morning(ctx: Context, org: Organization, now: datetime) -> datetime:
    """When the organization next opens after today (its hours and holidays)."""
    zone = ZoneInfo(org.time_zone)
    tomorrow = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(), zone)
    try:
        return repository.calendar(ctx.session, org, now).next_open(tomorrow)
    except ValueError:  # an organization without business hours
        return datetime.combine(tomorrow.date(), time(8), zone)


def snooze_until(
    ctx: Context, org: Organization, preset: str | None, custom: str | None
) -> datetime:
    """The instant a snooze form asks for: a preset, or a local date and time."""
    now = clock.now()
    if preset == "hour":
        return now + timedelta(hours=1)
    if preset == "morning":
        return next_business_morning(ctx, org, now)
    if custom:
        try:
            local = datetime.fromisoformat(custom)
        except ValueError:
            raise InvalidInput("until", "must be a date and time") from None
        if local.tzinfo is not None:
            raise InvalidInput("until", "must be a local date and time")
        return local.replace(tzinfo=ZoneInfo(org.time_zone))
    raise InvalidInput("until", "is required: choose when the task comes back")


# --- Reply snippets -------------------------------------------------------------------

# Canned replies a coordinator starts from (and edits). No clinical content: a text can
# be read on a locked screen.
SNIPPETS: dict[str, list[tuple[str, str, str]]] = {
    "en": [
        (
            "received",
            "We got your message",
            "Hi {first_name}, thank you for your message. "
            "We have it and will get back to you today.",
        ),
        (
            "called",
            "We tried to call",
            "Hi {first_name}, we tried to reach you by phone. Please call us back when you can.",
        ),
        (
            "reschedule",
            "Find a new time",
            "Hi {first_name}, we can help you find a new time. "
            "Which days and times work best for you?",
        ),
        (
            "refill",
            "Refill passed on",
            "Hi {first_name}, we passed your refill request to your care team. "
            "We will let you know when it is ready.",
        ),
        ("emergency", "If this is an emergency", "If this is an emergency, call 911 now."),
    ],
    "es": [
        (
            "received",
            "Recibimos su mensaje",
            "Hola {first_name}, gracias por su mensaje. Lo recibimos y le responderemos hoy.",
        ),
        (
            "called",
            "Intentamos llamarle",
            "Hola {first_name}, intentamos comunicarnos por teléfono. "
            "Por favor, devuélvanos la llamada cuando pueda.",
        ),
        (
            "reschedule",
            "Buscar otra cita",
            "Hola {first_name}, con gusto le ayudamos a buscar otra cita. "
            "¿Qué días y horarios le convienen?",
        ),
        (
            "refill",
            "Resurtido enviado",
            "Hola {first_name}, enviamos su solicitud de resurtido a su equipo de atención. "
            "Le avisaremos cuando esté lista.",
        ),
        ("emergency", "Si es una emergencia", "Si es una emergencia, llame al 911 ahora."),
    ],
}
SNIPPET_LANGUAGES = {"en": "English", "es": "Español"}


def snippets_for(language: str | None, first_name: str) -> list[dict[str, Any]]:
    """Snippet groups, the patient's language first, with their first name filled in."""
    first = (language or "en").split("-")[0]
    order = sorted(SNIPPETS, key=lambda lang: (lang != first, lang))
    return [
        {
            "language": lang,
            "label": SNIPPET_LANGUAGES[lang],
            "items": [
                {"key": f"{lang}-{key}", "label": label, "text": text.format(first_name=first_name)}
                for key, label, text in SNIPPETS[lang]
            ],
        }
        for lang in order
    ]


# --- Template helpers -----------------------------------------------------------------


def workqueue_nav(principal: Principal | None) -> bool:
    """Whether the main navigation shows the queue and the inbox."""
    return principal is not None and not principal.system and principal.can(READ)


def short_when(value: datetime | None, tz: str | None = None) -> str:
    """ "Tue 2 Jun, 12:30 EDT": a deadline in a table cell, with its zone."""
    if value is None:
        return ""
    if tz:
        value = value.astimezone(ZoneInfo(tz))
    return f"{value:%a} {value.day} {value:%b}, {value:%H:%M} {value:%Z}".strip()


def query_string(params: dict[str, Any]) -> str:
    clean = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return ("?" + urlencode(clean)) if clean else ""


def register_template_helpers() -> None:
    env = templates.env
    env.globals["workqueue_nav"] = workqueue_nav
    env.globals["WQ_MANAGE"] = MANAGE
    env.globals["WQ_STATUS"] = STATUS_LABELS
    env.globals["WQ_STATUS_TONES"] = STATUS_TONES
    env.globals["WQ_PRIORITY"] = PRIORITY_LABELS
    env.globals["WQ_PRIORITY_TONES"] = PRIORITY_TONES
    env.globals["WQ_TYPES"] = rules.TYPE_LABELS
    env.globals["WQ_CATEGORIES"] = CATEGORY_LABELS
    env.globals["WQ_URGENCIES"] = URGENCY_LABELS
    env.globals["WQ_URGENCY_TONES"] = URGENCY_TONES
    env.globals["WQ_CHANNELS"] = CHANNEL_LABELS
    env.filters["span"] = span_text
    env.filters["short_when"] = short_when
    env.filters["qs"] = query_string
