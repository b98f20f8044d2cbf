"""Self-scheduling and appointments in the patient portal.

Every function starts from the caller's access (``portal.access``): a patient the caller
may see (404 otherwise), and for changes one they may manage (403 for a read-only
proxy). Inside ``_acting`` the caller borrows the staff permissions the scheduling,
waitlist and queue services check, in that one organization, so a portal booking goes
through exactly the same engine, checks and events as a coordinator's. Those permissions
reach the whole organization, so every query here also names the patient.

Rules of the organization:

* **What may be booked.** Active visit types marked ``patient_bookable``, for new
  patients or established ones (``established``: a visit that took place, or was booked
  for a time now past, in the organization).
* **Direct or on approval.** A visit type with ``portal_requires_approval`` is not
  booked: the portal opens an ``appointment-request`` task naming the wanted time, and a
  coordinator books it (no hold is placed).
* **Changes in time.** Cancelling or moving a visit is the patient's own until
  ``portal_cancel_window_hours`` before it; closer than that the portal opens a
  ``reschedule`` task for a coordinator and changes nothing.
* **Throttle.** At most ``ACTIONS_PER_DAY`` bookings and requests per signed-in user
  in 24 hours (429 after), so a script with a session cannot empty a calendar.

Every action leaves audit rows marked ``via: portal`` (and the proxy relationship when
the caller acts for someone else).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from liaison.authz.access import access_one
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped, unscoped_system
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from liaison.kit import clock
from liaison.messaging.schemas import EntryCreate
from liaison.models import (
    Appointment,
    AppointmentHistory,
    HealthcareService,
    Location,
    Organization,
    Patient,
    Practitioner,
    PractitionerRole,
    Task,
    WaitlistEntry,
)
from liaison.portal import access
from liaison.portal.access import PortalPatient
from liaison.scheduling import booking, ical, search
from liaison.scheduling.booking import SlotTaken
from liaison.waitlist import service as waitlist
from liaison.workqueue import service as queue

READ, WRITE = Permission.APPOINTMENT_READ, Permission.APPOINTMENT_WRITE
DIRECTORY = Permission.DIRECTORY_READ
ESTABLISHING = ("fulfilled", "arrived", "checked-in", "booked")
UPCOMING = ("booked", "arrived", "checked-in")
HIDDEN = ("proposed", "entered-in-error")
CHANGEABLE = ("booked",)
SLOT_COUNT = 10
ACTIONS_PER_DAY = 10
REQUEST_TYPE = "appointment-request"
LATE_CHANGE_TYPE = "reschedule"
SOURCE = "portal"
CONFIRMED = "confirmed-by-patient"
PAST_LIMIT = 30
SYSTEM_TASKS = "the portal shows a patient the open requests they made themselves"


# --- Acting for a patient -------------------------------------------------------------


@contextmanager
def _acting(ctx: Context, patient: PortalPatient) -> Iterator[None]:
    """Borrow the staff permissions for ``patient``'s organization, and mark every audit
    record written meanwhile (by this module or the services it calls) as a portal
    action, naming the proxy relationship when the caller is not the patient."""
    before = {id(record) for record in ctx.audit_records}
    try:
        with access.acting_for(ctx, patient):
            yield
    finally:
        for record in ctx.audit_records:
            if id(record) in before and record.details.get("via") != SOURCE:
                continue
            record.details.setdefault("via", SOURCE)
            if not patient.is_self:
                record.details.setdefault("proxy", patient.relationship)
            if record.organization_id is None:
                record.organization_id = patient.organization_id
            if record.patient_id is None and record.resource_type in (
                "Appointment",
                "Patient",
                "Task",
                "WaitlistEntry",
                "VisitType",
            ):
                record.patient_id = patient.patient_id


def _audit(ctx: Context, action: str, resource: str, resource_id: object = None, **details: Any):  # type: ignore[no-untyped-def]
    return ctx.audit(action, resource, resource_id, via=SOURCE, **details)


def _hand_over(ctx: Context, record: Any) -> None:
    """The service called next records this action itself: drop the portal's own record
    (kept until now so that a refusal before it is audited) so that one action leaves
    one row."""
    ctx.audit_records[:] = [r for r in ctx.audit_records if r is not record]


# --- Visit types ----------------------------------------------------------------------


def established(ctx: Context, patient: PortalPatient) -> bool:
    """Whether the patient has been seen (or was booked for a time now past) in the
    organization. Call while acting for the patient."""
    stmt = (
        select(Appointment.id)
        .where(
            Appointment.organization_id == patient.organization_id,
            Appointment.patient_id == patient.patient_id,
            Appointment.status.in_(ESTABLISHING),
            Appointment.start_at < clock.now(),
        )
        .limit(1)
    )
    return ctx.session.scalar(scoped(stmt, ctx.caller, Appointment, READ)) is not None


def _services(ctx: Context, organization_id: uuid.UUID) -> list[HealthcareService]:
    stmt = select(HealthcareService).where(
        HealthcareService.organization_id == organization_id,
        HealthcareService.active.is_(True),
        HealthcareService.patient_bookable.is_(True),
    )
    stmt = scoped(stmt.order_by(HealthcareService.name), ctx.caller, HealthcareService, DIRECTORY)
    return list(ctx.session.scalars(stmt))


def _fits(service: HealthcareService, is_established: bool) -> bool:
    return service.established_patients if is_established else service.new_patients


@dataclass(frozen=True)
class VisitTypes:
    services: list[HealthcareService]
    established: bool

    def by_code(self, code: str) -> HealthcareService | None:
        return next((s for s in self.services if s.code == code), None)

    def by_id(self, service_id: uuid.UUID) -> HealthcareService | None:
        return next((s for s in self.services if s.id == service_id), None)


def visit_types(ctx: Context, patient: PortalPatient) -> VisitTypes:
    """The visit types this patient may book in the portal."""
    audit = _audit(ctx, "read", "VisitType", patient_id=patient.patient_id)
    audit.about(organization_id=patient.organization_id)
    with _acting(ctx, patient):
        known = established(ctx, patient)
        found = [s for s in _services(ctx, patient.organization_id) if _fits(s, known)]
    audit.details["established"] = known
    return VisitTypes(found, known)


def _bookable(ctx: Context, patient: PortalPatient, service_id: uuid.UUID) -> HealthcareService:
    """A visit type this patient may book (call while acting); 404 for any other."""
    known = established(ctx, patient)
    for service in _services(ctx, patient.organization_id):
        if service.id == service_id and _fits(service, known):
            return service
    raise NotFound("Visit type", "This visit type cannot be booked online")


def bookable_service(
    ctx: Context, patient: PortalPatient, service_id: uuid.UUID
) -> HealthcareService:
    with _acting(ctx, patient):
        return _bookable(ctx, patient, service_id)


# --- The question flow ----------------------------------------------------------------


def question_flow(ctx: Context, patient: PortalPatient) -> dict[str, Any] | None:
    """The organization's newest question flow (its tree), or None."""
    from liaison.portal import flows

    with _acting(ctx, patient):
        flow = flows.current(ctx, patient.organization_id)
    return flow.tree if flow is not None else None


# --- Slots ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalSlot:
    """A time offered to a patient, with what they need to choose it."""

    start: datetime
    end: datetime
    zone: str
    role_id: uuid.UUID
    practitioner_name: str
    location_id: uuid.UUID
    location_name: str
    reasons: tuple[str, ...] = ()  # codes: language, continuity, preferred-practitioner ...

    @property
    def value(self) -> str:
        """The form value that names this slot (role and instant; nothing about anyone)."""
        return f"{self.role_id}|{self.start.astimezone(UTC).isoformat()}"

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.zone))


def parse_slot(raw: str | None) -> tuple[uuid.UUID, datetime]:
    """The (role, start) a slot button sent; 422 naming ``slot`` for anything else."""
    try:
        role, _, start = (raw or "").partition("|")
        when = datetime.fromisoformat(start)
        if when.tzinfo is None:
            raise ValueError("naive")
        return uuid.UUID(role), when.astimezone(UTC)
    except ValueError as exc:
        raise InvalidInput("slot", "choose one of the times offered") from exc


def _location_names(ctx: Context, organization_id: uuid.UUID) -> dict[uuid.UUID, Location]:
    stmt = select(Location).where(Location.organization_id == organization_id)
    return {
        loc.id: loc for loc in ctx.session.scalars(scoped(stmt, ctx.caller, Location, DIRECTORY))
    }


def _portal_slots(
    ctx: Context, organization_id: uuid.UUID, slots: Sequence[search.Slot]
) -> list[PortalSlot]:
    places = _location_names(ctx, organization_id)
    return [
        PortalSlot(
            start=s.start,
            end=s.end,
            zone=s.zone,
            role_id=s.role_id,
            practitioner_name=s.practitioner_name,
            location_id=s.location_id,
            location_name=places[s.location_id].name if s.location_id in places else "",
            reasons=tuple(r.code for r in s.reasons if r.points > 0),
        )
        for s in slots
    ]


def _patient_row(ctx: Context, patient: PortalPatient) -> Patient:
    return access_one(
        ctx.session, ctx.caller, Patient, patient.patient_id, Permission.PATIENT_READ, "Patient"
    )


def _search(
    ctx: Context,
    patient: PortalPatient,
    service: HealthcareService,
    *,
    count: int = SLOT_COUNT,
    start_date: date | None = None,
    end_date: date | None = None,
    role_ids: Sequence[uuid.UUID] = (),
    mode: str = "first",
) -> list[PortalSlot]:
    fit = search.patient_fit(ctx, _patient_row(ctx, patient))
    found, _until = search.find_slots(
        ctx,
        search.SearchRequest(
            organization_id=patient.organization_id,
            service=service,
            count=count,
            mode=mode,
            patient_fit=fit,
            start_date=start_date,
            end_date=end_date,
            role_ids=role_ids,
        ),
    )
    return _portal_slots(ctx, patient.organization_id, found)


@dataclass(frozen=True)
class SlotChoice:
    service: HealthcareService
    slots: list[PortalSlot]
    established: bool


def slots(
    ctx: Context,
    patient: PortalPatient,
    service_id: uuid.UUID,
    *,
    start_date: date | None = None,
) -> SlotChoice:
    """The best ``SLOT_COUNT`` times for the visit type, ranked by the engine with the
    patient's fit (language, continuity, preferences) and how soon."""
    audit = _audit(ctx, "read", "Slot", patient_id=patient.patient_id, purpose="portal-booking")
    audit.about(organization_id=patient.organization_id)
    with _acting(ctx, patient):
        service = _bookable(ctx, patient, service_id)
        known = established(ctx, patient)
        found = _search(ctx, patient, service, start_date=start_date)
    audit.details["results"] = len(found)
    return SlotChoice(service, found, known)


def reschedule_slots(
    ctx: Context, appointment_id: uuid.UUID, *, start_date: date | None = None
) -> tuple[PortalAppointment, SlotChoice]:
    """New times for one of the caller's patients' visits (its own visit type). 409 when
    the portal cannot move it (past, cancelled, or a visit type only the clinic books)."""
    audit = _audit(
        ctx, "read", "Slot", purpose="portal-reschedule", appointment=str(appointment_id)
    )
    patient = _owner(ctx, appointment_id, manage=True)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with _acting(ctx, patient):
        item = _load(ctx, patient, appointment_id)
        service = _movable_service(ctx, item)
        found = _search(ctx, patient, service, start_date=start_date)
    audit.details["results"] = len(found)
    return item, SlotChoice(service, found, True)


# --- Booking --------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a portal action did: ``booked``, ``requested`` (a task for a coordinator),
    ``rescheduled``, ``cancelled``, ``confirmed`` or ``already-requested``."""

    kind: str
    appointment: Appointment | None = None
    task: Task | None = None
    entry: WaitlistEntry | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _throttle(ctx: Context, patient: PortalPatient) -> None:
    """At most ACTIONS_PER_DAY bookings and requests by this user in 24 hours."""
    now = clock.now()
    since = now - timedelta(days=1)
    user = ctx.caller.user_id
    booked = list(
        ctx.session.scalars(
            scoped(
                select(Appointment.created_at).where(
                    Appointment.organization_id == patient.organization_id,
                    Appointment.created_by_user_id == user,
                    Appointment.created_at > since,
                ),
                ctx.caller,
                Appointment,
                READ,
            )
        )
    )
    asked = list(
        ctx.session.scalars(
            unscoped_system(
                select(Task.created_at).where(
                    Task.created_by_user_id == user,
                    Task.source == SOURCE,
                    Task.created_at > since,
                ),
                "the portal counts the caller's own requests for its throttle",
            )
        )
    )
    moments = sorted(booked + asked)
    if len(moments) >= ACTIONS_PER_DAY:
        retry = max(60, int((moments[-ACTIONS_PER_DAY] + timedelta(days=1) - now).total_seconds()))
        raise TooManyRequests(
            "You have made many bookings and requests today; please call the clinic", retry
        )


def _when_text(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {local:%Z}"


def _open_task(
    ctx: Context,
    patient: PortalPatient,
    *,
    task_type: str,
    title: str,
    description: str,
    priority: str = "routine",
    focus: Appointment | None = None,
    checklist: Sequence[str] = (),
    audited: bool = True,
) -> Task:
    task = queue.create(
        ctx,
        queue.NewTask(
            organization_id=patient.organization_id,
            type=task_type,
            title=title,
            description=description,
            priority=priority,
            patient_id=patient.patient_id,
            focus_type="Appointment" if focus is not None else None,
            focus_id=focus.id if focus is not None else None,
            language=patient.language,
            checklist=[{"text": text, "done": False} for text in checklist],
            category="scheduling",
            source=SOURCE,
        ),
        author=ctx.caller,
    )
    if not audited:
        return task
    _audit(
        ctx,
        "create",
        "Task",
        task.id,
        patient_id=patient.patient_id,
        organization_id=patient.organization_id,
        type=task_type,
    )
    return task


def _who(patient: PortalPatient) -> str:
    return "the patient" if patient.is_self else f"the patient's {patient.relationship} (proxy)"


def _check_free(
    ctx: Context,
    patient: PortalPatient,
    service: HealthcareService,
    role_id: uuid.UUID,
    start: datetime,
) -> PortalSlot:
    """The requested time, if it is still offered; SlotTaken with the nearest others of
    that practitioner otherwise (what booking itself answers)."""
    org = ctx.session.get(Organization, patient.organization_id)
    assert org is not None
    day = start.astimezone(ZoneInfo(org.time_zone)).date()
    nearby = _search(
        ctx,
        patient,
        service,
        count=50,
        mode="day",
        start_date=day - timedelta(days=1),
        end_date=day + timedelta(days=3),
        role_ids=[role_id],
    )
    for slot in nearby:
        if slot.start == start:
            return slot
    closest = sorted(sorted(nearby, key=lambda s: abs(s.start - start))[:3], key=lambda s: s.start)
    raise SlotTaken(
        "This time is no longer available",
        alternatives=[
            {
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "practitioner_role_id": str(s.role_id),
                "practitioner_name": s.practitioner_name,
                "location_id": str(s.location_id),
            }
            for s in closest
        ],
    )


def offered_slot(
    ctx: Context,
    patient: PortalPatient,
    service: HealthcareService,
    role_id: uuid.UUID,
    start: datetime,
) -> PortalSlot:
    """The chosen time as the engine offers it now (for the review page); SlotTaken, with
    the nearest free times of that practitioner, when it is gone."""
    audit = _audit(ctx, "read", "Slot", patient_id=patient.patient_id, purpose="portal-review")
    audit.about(organization_id=patient.organization_id)
    with _acting(ctx, patient):
        return _check_free(ctx, patient, service, role_id, start)


def book(
    ctx: Context,
    patient: PortalPatient,
    service_id: uuid.UUID,
    role_id: uuid.UUID,
    start: datetime,
) -> Outcome:
    """Book the chosen time for the patient (created by the signed-in user), or, for a
    visit type that needs approval, open an ``appointment-request`` task naming it.
    SlotTaken (409, with alternatives) when someone else was faster."""
    audit = _audit(
        ctx, "create", "Appointment", patient_id=patient.patient_id, purpose="portal-booking"
    )
    audit.about(organization_id=patient.organization_id)
    patient = access.require_patient(ctx, patient.patient_id, manage=True)
    with _acting(ctx, patient):
        _throttle(ctx, patient)
        service = _bookable(ctx, patient, service_id)
        if service.portal_requires_approval:
            slot = _check_free(ctx, patient, service, role_id, start)
            task = _open_task(
                ctx,
                patient,
                task_type=REQUEST_TYPE,
                title=f"Portal request: {service.name}",
                description=(
                    f"Requested in the patient portal by {_who(patient)}: {service.name} "
                    f"on {_when_text(slot.start, slot.zone)} with {slot.practitioner_name} "
                    f"at {slot.location_name}. The time is not held: book it (or another "
                    "one) and let the patient know."
                ),
                checklist=("Book the visit or agree another time", "Tell the patient"),
                audited=False,
            )
            audit.action, audit.resource_type = "create", "Task"
            audit.about(resource_id=task.id)
            audit.details.update(request=True, healthcare_service_id=str(service.id))
            return Outcome("requested", task=task, details={"slot": slot, "service": service})
        made = booking.book_appointment(
            ctx,
            organization_id=patient.organization_id,
            patient_id=patient.patient_id,
            service_id=service.id,
            role_id=role_id,
            start=start,
            comment="Booked in the patient portal",
            audited=False,
        )
    audit.about(resource_id=made.appointment.id)
    return Outcome("booked", appointment=made.appointment)


def join_waitlist(
    ctx: Context,
    patient: PortalPatient,
    service_id: uuid.UUID,
    *,
    earliest: date | None = None,
    latest: date | None = None,
    times_of_day: Sequence[tuple[str, str]] = (),
) -> Outcome:
    """Put the patient on the waitlist for a visit type (once: a second request for the
    same visit type answers with the entry already there)."""
    audit = _audit(ctx, "create", "WaitlistEntry", patient_id=patient.patient_id)
    audit.about(organization_id=patient.organization_id)
    patient = access.require_patient(ctx, patient.patient_id, manage=True)
    today = clock.now().date()
    if earliest is not None and earliest < today:
        raise InvalidInput("earliest_date", "is in the past")
    if earliest is not None and latest is not None and latest < earliest:
        raise InvalidInput("latest_date", "must not be before the earliest date")
    with _acting(ctx, patient):
        service = _bookable(ctx, patient, service_id)
        existing = ctx.session.scalar(
            scoped(
                select(WaitlistEntry).where(
                    WaitlistEntry.organization_id == patient.organization_id,
                    WaitlistEntry.patient_id == patient.patient_id,
                    WaitlistEntry.healthcare_service_id == service.id,
                    WaitlistEntry.status == "active",
                ),
                ctx.caller,
                WaitlistEntry,
                READ,
            ).limit(1)
        )
        if existing is not None:
            audit.action = "read"
            audit.about(resource_id=existing.id)
            return Outcome("already-waiting", entry=existing)
        data = EntryCreate.model_validate(
            {
                "organization_id": patient.organization_id,
                "patient_id": patient.patient_id,
                "healthcare_service_id": service.id,
                "earliest_date": earliest,
                "latest_date": latest,
                "times_of_day": [{"start": a, "end": b} for a, b in times_of_day],
                "reason": "Joined in the patient portal",
            }
        )
        _hand_over(ctx, audit)
        entry = waitlist.add_entry(ctx, data)
    return Outcome("waitlisted", entry=entry)


def leave_waitlist(ctx: Context, entry_id: uuid.UUID) -> Outcome:
    audit = _audit(ctx, "update", "WaitlistEntry", entry_id, change="cancel")
    allowed = {p.patient_id: p for p in access.patients_for(ctx)}
    entry = ctx.session.scalar(
        unscoped_system(
            select(WaitlistEntry).where(
                WaitlistEntry.id == entry_id, WaitlistEntry.patient_id.in_(list(allowed) or [None])
            ),
            "the portal loads a waitlist entry of a patient the caller may act for",
        )
    )
    patient = allowed.get(entry.patient_id) if entry is not None else None
    if entry is None or patient is None or patient.organization_id != entry.organization_id:
        raise NotFound("WaitlistEntry")
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    patient = access.require_patient(ctx, patient.patient_id, manage=True)
    with _acting(ctx, patient):
        if entry.status != "active":
            raise Conflict("You are no longer on this waitlist")
        entry.status = "cancelled"
        ctx.session.flush()
    return Outcome("left-waitlist", entry=entry)


def waitlist_entries(ctx: Context, patient: PortalPatient) -> list[tuple[WaitlistEntry, str]]:
    """The patient's active waitlist entries, with the visit type's name."""
    _audit(
        ctx,
        "read",
        "WaitlistEntry",
        patient_id=patient.patient_id,
        organization_id=patient.organization_id,
    )
    with _acting(ctx, patient):
        stmt = (
            select(WaitlistEntry, HealthcareService.name)
            .join(
                HealthcareService,
                and_(
                    HealthcareService.organization_id == WaitlistEntry.organization_id,
                    HealthcareService.id == WaitlistEntry.healthcare_service_id,
                ),
            )
            .where(
                WaitlistEntry.organization_id == patient.organization_id,
                WaitlistEntry.patient_id == patient.patient_id,
                WaitlistEntry.status == "active",
            )
            .order_by(WaitlistEntry.created_at)
        )
        rows = ctx.session.execute(scoped(stmt, ctx.caller, WaitlistEntry, READ)).all()
    return [(entry, name) for entry, name in rows]


# --- Appointments ---------------------------------------------------------------------


@dataclass
class PortalAppointment:
    appointment: Appointment
    patient: PortalPatient
    service: HealthcareService
    location: Location
    practitioner_name: str
    organization: Organization
    confirmed: bool = False
    open_request: bool = False
    telehealth_url: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.appointment.id

    @property
    def zone(self) -> str:
        return self.location.time_zone

    @property
    def local_start(self) -> datetime:
        return self.appointment.start_at.astimezone(ZoneInfo(self.zone))

    @property
    def upcoming(self) -> bool:
        return self.appointment.status in UPCOMING and self.appointment.end_at > clock.now()

    @property
    def changeable(self) -> bool:
        """Booked, still ahead, and the caller may manage the patient."""
        a = self.appointment
        return a.status in CHANGEABLE and a.start_at > clock.now() and self.patient.can_manage

    @property
    def window_hours(self) -> int:
        return self.organization.portal_cancel_window_hours

    @property
    def in_window(self) -> bool:
        """Early enough to cancel or move without a coordinator."""
        return in_window(self.organization, self.appointment, clock.now())

    @property
    def movable(self) -> bool:
        """The portal offers new times for it (its visit type is one patients book
        themselves, without approval)."""
        return (
            self.service.patient_bookable
            and self.service.active
            and not self.service.portal_requires_approval
        )

    @property
    def telehealth(self) -> bool:
        return self.appointment.modality == "telehealth"

    def instructions(self, language: str) -> str | None:
        if language == "es" and self.service.instructions_es:
            return self.service.instructions_es
        return self.service.instructions

    @property
    def directions_url(self) -> str | None:
        return directions_url(self.location)


def in_window(org: Organization, appointment: Appointment, now: datetime) -> bool:
    return appointment.start_at - now >= timedelta(hours=org.portal_cancel_window_hours)


def directions_url(location: Location) -> str | None:
    """An OpenStreetMap search for the clinic's address: the place, nothing about who
    is going there."""
    parts = [location.line1, location.city, location.state, location.postal_code]
    address = ", ".join(p for p in parts if p)
    if not address:
        return None
    return f"https://www.openstreetmap.org/search?query={quote_plus(address)}"


def telehealth_room(secret: str, appointment_id: uuid.UUID) -> str:
    """A room id per visit, derived with the installation's secret: unguessable, stable,
    and meaningless to anyone who reads it."""
    mac = hmac.new(
        secret.encode(), b"liaison-telehealth\x00" + appointment_id.bytes, hashlib.sha256
    )
    return mac.hexdigest()[:24]


def telehealth_url(ctx: Context, org: Organization, appointment: Appointment) -> str | None:
    template = org.telehealth_url_template
    if appointment.modality != "telehealth" or not template or "{room}" not in template:
        return None
    secret = ctx.runtime.secret if ctx.runtime is not None else None
    if not secret:
        return None
    return template.replace("{room}", telehealth_room(secret, appointment.id))


def _rows(ctx: Context, organization_id: uuid.UUID, where: Sequence[Any], order: Any, limit: int):  # type: ignore[no-untyped-def]
    stmt = (
        select(Appointment, HealthcareService, Location, Practitioner)
        .join(
            HealthcareService,
            and_(
                HealthcareService.organization_id == Appointment.organization_id,
                HealthcareService.id == Appointment.healthcare_service_id,
            ),
        )
        .join(
            Location,
            and_(
                Location.organization_id == Appointment.organization_id,
                Location.id == Appointment.location_id,
            ),
        )
        .join(
            PractitionerRole,
            and_(
                PractitionerRole.organization_id == Appointment.organization_id,
                PractitionerRole.id == Appointment.practitioner_role_id,
            ),
        )
        .join(
            Practitioner,
            and_(
                Practitioner.organization_id == Appointment.organization_id,
                Practitioner.id == PractitionerRole.practitioner_id,
            ),
        )
        .where(Appointment.organization_id == organization_id, *where)
        .order_by(*order)
        .limit(limit)
    )
    return ctx.session.execute(scoped(stmt, ctx.caller, Appointment, READ)).all()


def _decorate(ctx: Context, patient: PortalPatient, rows: Sequence[Any]) -> list[PortalAppointment]:
    if not rows:
        return []
    org = ctx.session.get(Organization, patient.organization_id)
    assert org is not None
    ids = [row[0].id for row in rows]
    confirmed = set(
        ctx.session.scalars(
            scoped(
                select(AppointmentHistory.appointment_id).where(
                    AppointmentHistory.organization_id == patient.organization_id,
                    AppointmentHistory.appointment_id.in_(ids),
                    AppointmentHistory.action == CONFIRMED,
                ),
                ctx.caller,
                AppointmentHistory,
                READ,
            )
        )
    )
    asked = set(
        ctx.session.scalars(
            unscoped_system(
                select(Task.focus_id).where(
                    Task.organization_id == patient.organization_id,
                    Task.patient_id == patient.patient_id,
                    Task.focus_type == "Appointment",
                    Task.focus_id.in_(ids),
                    Task.source == SOURCE,
                    Task.is_open.is_(True),
                ),
                SYSTEM_TASKS,
            )
        )
    )
    return [
        PortalAppointment(
            appointment=a,
            patient=patient,
            service=service,
            location=location,
            practitioner_name=practitioner.display_name,
            organization=org,
            confirmed=a.id in confirmed,
            open_request=a.id in asked,
            telehealth_url=telehealth_url(ctx, org, a),
        )
        for a, service, location, practitioner in rows
    ]


@dataclass(frozen=True)
class AppointmentLists:
    upcoming: list[PortalAppointment]
    past: list[PortalAppointment]


def appointments(ctx: Context, patient: PortalPatient) -> AppointmentLists:
    """The patient's upcoming visits (soonest first) and past or cancelled ones (newest
    first, the last ``PAST_LIMIT``)."""
    _audit(
        ctx,
        "read",
        "Appointment",
        patient_id=patient.patient_id,
        organization_id=patient.organization_id,
    )
    now = clock.now()
    mine = [Appointment.patient_id == patient.patient_id, Appointment.status.not_in(HIDDEN)]
    with _acting(ctx, patient):
        ahead = _rows(
            ctx,
            patient.organization_id,
            [*mine, Appointment.status.in_(UPCOMING), Appointment.end_at > now],
            (Appointment.start_at, Appointment.id),
            100,
        )
        ahead_ids = {row[0].id for row in ahead}
        behind = [
            row
            for row in _rows(
                ctx,
                patient.organization_id,
                mine,
                (Appointment.start_at.desc(), Appointment.id),
                PAST_LIMIT + len(ahead_ids),
            )
            if row[0].id not in ahead_ids
        ][:PAST_LIMIT]
        return AppointmentLists(_decorate(ctx, patient, ahead), _decorate(ctx, patient, behind))


def _load(ctx: Context, patient: PortalPatient, appointment_id: uuid.UUID) -> PortalAppointment:
    """One of ``patient``'s appointments (call while acting); 404 for anyone else's."""
    rows = _rows(
        ctx,
        patient.organization_id,
        [
            Appointment.id == appointment_id,
            Appointment.patient_id == patient.patient_id,
            Appointment.status.not_in(HIDDEN),
        ],
        (Appointment.id,),
        1,
    )
    if not rows:
        raise NotFound("Appointment")
    return _decorate(ctx, patient, rows)[0]


def _owner(ctx: Context, appointment_id: uuid.UUID, *, manage: bool = False) -> PortalPatient:
    """The patient an appointment belongs to, if the caller may see them; 404 for any
    appointment of anyone else (another patient, another organization), 403 when
    ``manage`` is asked of a read-only proxy."""
    allowed = access.patients_for(ctx)
    ids = [p.patient_id for p in allowed]
    row = ctx.session.execute(
        unscoped_system(
            select(Appointment.organization_id, Appointment.patient_id).where(
                Appointment.id == appointment_id,
                Appointment.patient_id.in_(ids or [uuid.UUID(int=0)]),
            ),
            "the portal finds whose appointment it is among the patients the caller may see",
        )
    ).first()
    patient = next(
        (p for p in allowed if row is not None and (p.organization_id, p.patient_id) == tuple(row)),
        None,
    )
    if patient is None:
        raise NotFound("Appointment")
    if manage:
        return access.require_patient(ctx, patient.patient_id, manage=True)
    return patient


def appointment(ctx: Context, appointment_id: uuid.UUID) -> PortalAppointment:
    """One appointment of a patient the caller may see, with what the detail page
    shows (place, video link, instructions, whether it can still be changed)."""
    audit = _audit(ctx, "read", "Appointment", appointment_id)
    patient = _owner(ctx, appointment_id)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with _acting(ctx, patient):
        return _load(ctx, patient, appointment_id)


def calendar_file(ctx: Context, appointment_id: uuid.UUID) -> bytes:
    """The visit as a one-event .ics (scheduling.ical's, the same as staff download)."""
    audit = _audit(ctx, "read", "Appointment", appointment_id, format="ics")
    patient = _owner(ctx, appointment_id)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with _acting(ctx, patient):
        _load(ctx, patient, appointment_id)
        _hand_over(ctx, audit)
        ics = ical.appointment_ics(ctx, appointment_id)
        for record in ctx.audit_records:
            if record.resource_type == "Appointment" and record.resource_id == str(appointment_id):
                record.details.setdefault("format", "ics")
        return ics


def _refuse_unless_changeable(item: PortalAppointment) -> None:
    if not item.changeable:
        raise Conflict("This appointment can no longer be changed in the portal")


def _late_request(
    ctx: Context, patient: PortalPatient, item: PortalAppointment, what: str
) -> Outcome:
    """A change the portal does not make itself (closer than the window, or a visit
    type only the clinic books): a task for a coordinator; the visit stays booked."""
    if item.open_request:
        return Outcome("already-requested", appointment=item.appointment)
    a = item.appointment
    if item.in_window:
        title = f"Portal: patient asks to {what} a visit the clinic books"
        why = f"{item.service.name} is booked by the clinic, so the portal did not change it"
    else:
        title = f"Portal: patient asks to {what} a visit within {item.window_hours} h"
        why = f"It is less than {item.window_hours} hours away, so the portal did not change it"
    task = _open_task(
        ctx,
        patient,
        task_type=LATE_CHANGE_TYPE,
        title=title,
        description=(
            f"{_who(patient).capitalize()} asked in the patient portal to {what} "
            f"{item.service.name} on {_when_text(a.start_at, item.zone)} with "
            f"{item.practitioner_name} at {item.location.name}. {why}: the visit is still "
            "booked. Call the patient."
        ),
        priority="routine" if item.in_window else "urgent",
        focus=a,
        checklist=("Call the patient", f"{what.capitalize()} the visit if agreed"),
    )
    return Outcome(f"{what}-requested", appointment=a, task=task)


def cancel(ctx: Context, appointment_id: uuid.UUID, reason: str | None = None) -> Outcome:
    """Cancel inside the window; outside it, open a task and cancel nothing."""
    audit = _audit(ctx, "update", "Appointment", appointment_id, change="cancel")
    patient = _owner(ctx, appointment_id, manage=True)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with _acting(ctx, patient):
        item = _load(ctx, patient, appointment_id)
        _refuse_unless_changeable(item)
        if not item.in_window:
            audit.details["outcome"] = "late-request"
            return _late_request(ctx, patient, item, "cancel")
        why = "Cancelled in the patient portal" + (f": {reason}" if reason else "")
        _hand_over(ctx, audit)
        done = booking.cancel_appointment(ctx, appointment_id, why[:200], "patient")
        # The cancellation lands in the coordinator's queue too: the patient may want a
        # new time, and the freed one may go to someone waiting.
        a = done.appointment
        task = _open_task(
            ctx,
            patient,
            task_type="cancellation-follow-up",
            title="Portal: patient cancelled a visit",
            description=(
                f"{_who(patient).capitalize()} cancelled {item.service.name} on "
                f"{_when_text(a.start_at, item.zone)} with {item.practitioner_name} at "
                f"{item.location.name} in the patient portal" + (f" ({reason})." if reason else ".")
            ),
            focus=a,
            checklist=("Ask whether the patient wants a new time",),
            audited=False,
        )
    return Outcome("cancelled", appointment=done.appointment, task=task)


def reschedule(
    ctx: Context,
    appointment_id: uuid.UUID,
    role_id: uuid.UUID | None = None,
    start: datetime | None = None,
) -> Outcome:
    """Move the visit to the chosen time inside the window (one transaction: the new
    time is booked and the old one released); outside it, a task for a coordinator.
    SlotTaken (409, with alternatives) when the new time was just taken."""
    audit = _audit(ctx, "update", "Appointment", appointment_id, change="reschedule")
    patient = _owner(ctx, appointment_id, manage=True)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with _acting(ctx, patient):
        item = _load(ctx, patient, appointment_id)
        _refuse_unless_changeable(item)
        if not item.in_window or not item.movable:
            audit.details["outcome"] = "late-request" if not item.in_window else "request"
            return _late_request(ctx, patient, item, "reschedule")
        if role_id is None or start is None:
            raise InvalidInput("slot", "choose one of the times offered")
        _throttle(ctx, patient)
        _hand_over(ctx, audit)
        moved = booking.reschedule_appointment(
            ctx,
            appointment_id,
            start,
            role_id=role_id,
            reason="Moved in the patient portal",
            requested_by="patient",
        )
    return Outcome("rescheduled", appointment=moved.appointment)


def movable(ctx: Context, appointment_id: uuid.UUID) -> PortalAppointment:
    """One of the caller's patients' visits that the portal may move now (403 for a
    read-only proxy, 404 for anyone else's, 409 when it cannot be moved here)."""
    audit = _audit(ctx, "read", "Appointment", appointment_id, purpose="portal-reschedule")
    patient = _owner(ctx, appointment_id, manage=True)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with _acting(ctx, patient):
        item = _load(ctx, patient, appointment_id)
        _movable_service(ctx, item)
        return item


def _movable_service(ctx: Context, item: PortalAppointment) -> HealthcareService:
    _refuse_unless_changeable(item)
    if not item.movable:
        raise Conflict("This visit can only be moved by the clinic")
    return item.service


def confirm(ctx: Context, appointment_id: uuid.UUID) -> Outcome:
    """The patient confirms they will come (as a reminder's link or a "C" reply does)."""
    audit = _audit(ctx, "update", "Appointment", appointment_id, change="confirm")
    patient = _owner(ctx, appointment_id, manage=True)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with _acting(ctx, patient):
        item = _load(ctx, patient, appointment_id)
        a = item.appointment
        if a.status != "booked" or a.start_at <= clock.now():
            raise Conflict("Only an upcoming booked visit can be confirmed")
        if not item.confirmed:
            ctx.session.add(
                AppointmentHistory(
                    organization_id=a.organization_id,
                    appointment_id=a.id,
                    at=clock.now(),
                    action=CONFIRMED,
                    from_status="booked",
                    to_status="booked",
                    by_user_id=ctx.caller.user_id,
                    reason="portal",
                )
            )
            ctx.session.flush()
    return Outcome("confirmed", appointment=a)


def slot_from_alternative(
    ctx: Context, patient: PortalPatient, alternative: dict[str, Any]
) -> PortalSlot | None:
    """A SlotTaken alternative (booking.place's plain dict) as a slot to offer."""
    try:
        start = datetime.fromisoformat(str(alternative["start"]))
        end = datetime.fromisoformat(str(alternative["end"]))
        role = uuid.UUID(str(alternative["practitioner_role_id"]))
        location = uuid.UUID(str(alternative["location_id"]))
    except (KeyError, ValueError):
        return None
    with _acting(ctx, patient):
        places = _location_names(ctx, patient.organization_id)
    place = places.get(location)
    return PortalSlot(
        start=start,
        end=end,
        zone=place.time_zone if place else "UTC",
        role_id=role,
        practitioner_name=str(alternative.get("practitioner_name") or ""),
        location_id=location,
        location_name=place.name if place else "",
    )


def count_requests(ctx: Context, patient: PortalPatient) -> int:
    """Open portal requests (bookings on approval, late changes) of the patient."""
    return int(
        ctx.session.scalar(
            unscoped_system(
                select(func.count(Task.id)).where(
                    Task.organization_id == patient.organization_id,
                    Task.patient_id == patient.patient_id,
                    Task.source == SOURCE,
                    Task.is_open.is_(True),
                ),
                SYSTEM_TASKS,
            )
        )
        or 0
    )


def organization_zone(ctx: Context, patient: PortalPatient) -> str:
    org = ctx.session.get(Organization, patient.organization_id)
    return org.time_zone if org is not None else "UTC"
