"""The waitlist: entries, and filling freed slots with offers that race safely.

When a slot frees up, the best-ranked eligible entries of the visit type are offered
it in a round: the slot is held by one proposed appointment (so nobody else books it
meanwhile), each offered patient gets a message with a signed link, and the first to
accept takes the hold. Accepting locks the hold appointment, so two patients accepting
at once are served one after the other: the first books, the second is told the slot
was taken. When a round's hold runs out with no taker, the next round goes to the next
entries.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission, Role
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped, unscoped_system
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.kit.ids import new_token
from liaison.messaging import links, reminders
from liaison.messaging.dispatch import queue
from liaison.models import (
    Appointment,
    AppointmentParticipant,
    HealthcareService,
    Location,
    Organization,
    Patient,
    PractitionerRole,
    WaitlistEntry,
    WaitlistOffer,
)
from liaison.scheduling import booking, calendars, ranking
from liaison.scheduling.search import patient_fit
from liaison.waitlist import rules

WRITE, READ = Permission.APPOINTMENT_WRITE, Permission.APPOINTMENT_READ
SYSTEM = "the waitlist serves every organization from the worker"


# --- Entries --------------------------------------------------------------------------


def add_entry(ctx: Context, data: object) -> WaitlistEntry:
    d = data  # schemas.EntryCreate
    audit = ctx.audit(
        "create", "WaitlistEntry", patient_id=d.patient_id, organization_id=d.organization_id
    )  # type: ignore[attr-defined]
    principal = ctx.require(WRITE, d.organization_id)  # type: ignore[attr-defined]
    org = d.organization_id  # type: ignore[attr-defined]
    referenced(
        ctx.session, principal, Patient, org, d.patient_id, Permission.PATIENT_READ, "patient_id"
    )  # type: ignore[attr-defined]
    referenced(
        ctx.session,
        principal,
        HealthcareService,
        org,
        d.healthcare_service_id,
        Permission.DIRECTORY_READ,
        "healthcare_service_id",
    )  # type: ignore[attr-defined]
    if d.current_appointment_id is not None:  # type: ignore[attr-defined]
        current = referenced(
            ctx.session,
            principal,
            Appointment,
            org,
            d.current_appointment_id,
            READ,
            "current_appointment_id",
        )  # type: ignore[attr-defined]
        if current.patient_id != d.patient_id:  # type: ignore[attr-defined]
            raise InvalidInput("current_appointment_id", "is another patient's appointment")
    entry = WaitlistEntry(
        organization_id=org,
        patient_id=d.patient_id,  # type: ignore[attr-defined]
        healthcare_service_id=d.healthcare_service_id,  # type: ignore[attr-defined]
        practitioner_ids=[str(x) for x in d.practitioner_ids],  # type: ignore[attr-defined]
        location_ids=[str(x) for x in d.location_ids],  # type: ignore[attr-defined]
        earliest_date=d.earliest_date,  # type: ignore[attr-defined]
        latest_date=d.latest_date,  # type: ignore[attr-defined]
        times_of_day=[
            {"start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")}
            for w in d.times_of_day
        ],  # type: ignore[attr-defined]
        priority=d.priority,  # type: ignore[attr-defined]
        reason=d.reason,  # type: ignore[attr-defined]
        expires_at=d.expires_at,  # type: ignore[attr-defined]
        current_appointment_id=d.current_appointment_id,  # type: ignore[attr-defined]
        created_by_user_id=_staff_author(principal, org),
    )
    ctx.session.add(entry)
    ctx.session.flush()
    audit.about(resource_id=entry.id)
    return entry


def _staff_author(principal: Principal, organization_id: uuid.UUID) -> uuid.UUID | None:
    """Who to credit with the entry (as booking.py credits ``created_by_user_id``): the
    caller, unless Liaison itself or the patient put themselves on the waitlist."""
    if (
        principal.system
        or principal.role_in(organization_id) == Role.PATIENT
        or organization_id in principal.patient_ids
    ):
        return None
    return principal.user_id


def list_entries(
    ctx: Context, organization_id: uuid.UUID, status: str | None = "active"
) -> list[WaitlistEntry]:
    ctx.audit("read", "WaitlistEntry", organization_id=organization_id)
    ctx.require(READ, organization_id)
    stmt = select(WaitlistEntry).where(WaitlistEntry.organization_id == organization_id)
    if status:
        stmt = stmt.where(WaitlistEntry.status == status)
    stmt = scoped(
        stmt.order_by(WaitlistEntry.priority.desc(), WaitlistEntry.created_at),
        ctx.caller,
        WaitlistEntry,
        READ,
    )
    return list(ctx.session.scalars(stmt.limit(500)))


def get_entry(ctx: Context, entry_id: uuid.UUID) -> WaitlistEntry:
    audit = ctx.audit("read", "WaitlistEntry", entry_id)
    entry = access_one(ctx.session, ctx.caller, WaitlistEntry, entry_id, READ, "WaitlistEntry")
    audit.about(patient_id=entry.patient_id, organization_id=entry.organization_id)
    return entry


def cancel_entry(ctx: Context, entry_id: uuid.UUID) -> WaitlistEntry:
    audit = ctx.audit("update", "WaitlistEntry", entry_id, change="cancel")
    entry = access_one(ctx.session, ctx.caller, WaitlistEntry, entry_id, READ, "WaitlistEntry")
    audit.about(patient_id=entry.patient_id, organization_id=entry.organization_id)
    ctx.require(WRITE, entry.organization_id)
    if entry.status != "active":
        raise Conflict(f"The entry is {entry.status}")
    entry.status = "cancelled"
    ctx.session.flush()
    return entry


def offers_of(
    ctx: Context, organization_id: uuid.UUID, entry_id: uuid.UUID | None = None
) -> list[WaitlistOffer]:
    ctx.require(READ, organization_id)
    stmt = select(WaitlistOffer).where(WaitlistOffer.organization_id == organization_id)
    if entry_id is not None:
        stmt = stmt.where(WaitlistOffer.entry_id == entry_id)
    stmt = scoped(stmt.order_by(WaitlistOffer.sent_at.desc()), ctx.caller, WaitlistOffer, READ)
    return list(ctx.session.scalars(stmt.limit(500)))


def patients_named(
    ctx: Context, organization_id: uuid.UUID, patient_ids: set[uuid.UUID]
) -> dict[uuid.UUID, Patient]:
    """The patients a waitlist board names, in one query; the audit record lists them."""
    if not patient_ids:
        return {}
    ids = sorted(patient_ids, key=str)
    ctx.audit(
        "read",
        "Patient",
        organization_id=organization_id,
        purpose="waitlist",
        patients=[str(i) for i in ids],
    )
    ctx.require(Permission.PATIENT_READ, organization_id)
    stmt = select(Patient).where(Patient.organization_id == organization_id, Patient.id.in_(ids))
    rows = ctx.session.scalars(scoped(stmt, ctx.caller, Patient, Permission.PATIENT_READ))
    return {p.id: p for p in rows}


@dataclass(frozen=True)
class Metrics:
    entries_active: int
    offers_sent: int
    offers_accepted: int
    slots_filled: int
    days_gained: int


def metrics(ctx: Context, organization_id: uuid.UUID) -> Metrics:
    ctx.require(READ, organization_id)

    def count(stmt: object, model: object) -> int:
        return ctx.session.scalar(scoped(stmt, ctx.caller, model, READ)) or 0  # type: ignore[arg-type]

    where = WaitlistOffer.organization_id == organization_id
    entries = WaitlistEntry.organization_id == organization_id
    return Metrics(
        entries_active=count(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(entries, WaitlistEntry.status == "active"),
            WaitlistEntry,
        ),
        offers_sent=count(
            select(func.count()).select_from(WaitlistOffer).where(where), WaitlistOffer
        ),
        offers_accepted=count(
            select(func.count())
            .select_from(WaitlistOffer)
            .where(where, WaitlistOffer.status == "accepted"),
            WaitlistOffer,
        ),
        slots_filled=count(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(entries, WaitlistEntry.status == "booked"),
            WaitlistEntry,
        ),
        days_gained=count(
            select(func.coalesce(func.sum(WaitlistEntry.days_gained), 0)).where(entries),
            WaitlistEntry,
        ),
    )


# --- Filling a freed slot -------------------------------------------------------------


def _hhmm(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


def _wishes(entry: WaitlistEntry, current_start: datetime | None) -> rules.EntryWishes:
    return rules.EntryWishes(
        practitioner_ids=frozenset(uuid.UUID(x) for x in entry.practitioner_ids),
        location_ids=frozenset(uuid.UUID(x) for x in entry.location_ids),
        earliest=entry.earliest_date,
        latest=entry.latest_date,
        times_of_day=tuple((_hhmm(w["start"]), _hhmm(w["end"])) for w in entry.times_of_day),
        expires_at=entry.expires_at,
        current_start=current_start,
    )


def backfill(
    ctx: Context,
    *,
    organization_id: uuid.UUID,
    service_id: uuid.UUID,
    role_id: uuid.UUID,
    start: datetime,
) -> list[WaitlistOffer]:
    """Offer a freed slot (visit type, practitioner role, start) to the best entries."""
    session, principal = ctx.session, ctx.caller
    now = clock.now()
    service = session.scalar(
        scoped(
            select(HealthcareService).where(HealthcareService.id == service_id),
            principal,
            HealthcareService,
            Permission.DIRECTORY_READ,
        )
    )
    role = session.scalar(
        scoped(
            select(PractitionerRole).where(PractitionerRole.id == role_id),
            principal,
            PractitionerRole,
            Permission.DIRECTORY_READ,
        )
    )
    org = session.get(Organization, organization_id)
    if service is None or role is None or org is None:
        return []
    location = session.scalar(
        scoped(
            select(Location).where(Location.id == role.location_id),
            principal,
            Location,
            Permission.DIRECTORY_READ,
        )
    )
    tz = calendars.zone(location.time_zone if location else org.time_zone)
    local = start.astimezone(tz)
    slot = rules.FreedSlot(
        start,
        start + timedelta(minutes=service.duration_minutes),
        local.date(),
        local.time(),
        role.practitioner_id,
        role.location_id,
    )
    today = now.astimezone(tz).date()

    already = set(
        session.scalars(
            scoped(
                select(WaitlistOffer.entry_id).where(
                    WaitlistOffer.organization_id == organization_id,
                    WaitlistOffer.practitioner_role_id == role_id,
                    WaitlistOffer.start_at == start,
                ),
                principal,
                WaitlistOffer,
                READ,
            )
        )
    )
    entries = list(
        session.scalars(
            scoped(
                select(WaitlistEntry).where(
                    WaitlistEntry.organization_id == organization_id,
                    WaitlistEntry.healthcare_service_id == service_id,
                    WaitlistEntry.status == "active",
                ),
                principal,
                WaitlistEntry,
                READ,
            )
        )
    )
    current = (
        {
            a.id: a.start_at
            for a in session.scalars(
                scoped(
                    select(Appointment).where(
                        Appointment.id.in_(
                            [e.current_appointment_id for e in entries if e.current_appointment_id]
                        )
                    ),
                    principal,
                    Appointment,
                    READ,
                )
            )
        }
        if entries
        else {}
    )
    patients = (
        {
            p.id: p
            for p in session.scalars(
                scoped(
                    select(Patient).where(Patient.id.in_([e.patient_id for e in entries])),
                    principal,
                    Patient,
                    Permission.PATIENT_READ,
                )
            )
        }
        if entries
        else {}
    )

    offer_target = ranking.Offer(role.practitioner_id, "", "unknown", (), role.location_id)
    candidates = []
    for entry in entries:
        if entry.id in already:
            continue
        if not rules.wants(
            _wishes(
                entry,
                current.get(entry.current_appointment_id) if entry.current_appointment_id else None,
            ),
            slot,
            now,
        ):
            continue
        if not rules.backfill_allowed(
            slot,
            now,
            today,
            min_hours=service.backfill_min_hours,
            urgent=entry.priority == "urgent",
            same_day_urgent_only=service.same_day_backfill_urgent_only,
        ):
            continue
        patient = patients.get(entry.patient_id)
        fit = ranking.fit_points(offer_target, patient_fit(ctx, patient)) if patient else 0
        candidates.append(
            rules.Candidate(
                entry.id,
                entry.patient_id,
                entry.priority,
                entry.created_at,
                entry.offers_count,
                entry.last_offered_at,
                fit,
            )
        )
    ranked = rules.rank(candidates, now)[: max(1, org.waitlist_batch_size)]
    if not ranked:
        return []

    first = ranked[0][0]
    try:
        with session.begin_nested():
            hold = booking.book_appointment(
                ctx,
                organization_id=organization_id,
                patient_id=first.patient_id,
                service_id=service_id,
                role_id=role_id,
                start=start,
                status="proposed",
                audited=False,
                hold_minutes=org.waitlist_round_minutes,
                comment="held for the waitlist",
            ).appointment
    except (Conflict, InvalidInput):
        return []  # taken again already, or no longer bookable: nothing to offer
    by_id = {e.id: e for e in entries}
    offers = []
    for candidate, points, reasons in ranked:
        entry = by_id[candidate.entry_id]
        token = new_token(24)
        offer = WaitlistOffer(
            organization_id=organization_id,
            entry_id=entry.id,
            patient_id=entry.patient_id,
            hold_appointment_id=hold.id,
            start_at=start,
            end_at=hold.end_at,
            practitioner_role_id=role_id,
            status="sent",
            token_digest=hashlib.sha256(token.encode()).hexdigest(),
            sent_at=now,
            expires_at=hold.hold_expires_at or now,
        )
        session.add(offer)
        session.flush()
        entry.offers_count += 1
        entry.last_offered_at = now
        link = links.make(
            ctx.runtime.secret if ctx.runtime else "", "offer", offer.id, offer.expires_at
        )
        expires_local = offer.expires_at.astimezone(tz).strftime("%H:%M")
        queue(
            ctx,
            kind="waitlist-offer",
            organization_id=organization_id,
            patient_id=entry.patient_id,
            appointment_id=hold.id,
            key=f"waitlist-offer:{offer.id}",
            link=ctx.runtime.public_url(f"/w/{link}") if ctx.runtime else None,
            expires=expires_local,
            offer_id=str(offer.id),
        )
        ctx.audit(
            "execute",
            "WaitlistOffer",
            offer.id,
            patient_id=entry.patient_id,
            organization_id=organization_id,
            score=points,
            reasons=reasons,
        )
        offers.append(offer)
    return offers


def accept_offer(ctx: Context, offer_id: uuid.UUID) -> Appointment:
    """The patient takes the slot. Exactly one acceptance per slot succeeds."""
    session = ctx.session
    audit = ctx.audit("update", "WaitlistOffer", offer_id, change="accept")
    offer = session.scalar(
        scoped(
            select(WaitlistOffer).where(WaitlistOffer.id == offer_id),
            ctx.caller,
            WaitlistOffer,
            READ,
        )
    )
    if offer is None:
        raise NotFound("WaitlistOffer")
    audit.about(patient_id=offer.patient_id, organization_id=offer.organization_id)
    ctx.require(WRITE, offer.organization_id)  # the patient's link acts as the system
    now = clock.now()
    # The hold row is the lock every acceptance of this slot queues on.
    stmt = select(Appointment).where(Appointment.id == offer.hold_appointment_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    hold = session.scalar(unscoped_system(stmt, "the offer names its own hold"))
    session.refresh(offer)
    if offer.status != "sent":
        raise SlotTaken(f"This offer is {offer.status}")
    if (
        hold is None
        or hold.status != "proposed"
        or (hold.hold_expires_at is not None and hold.hold_expires_at <= now)
    ):
        offer.status = "taken"
        offer.responded_at = now
        raise SlotTaken("This slot was taken")
    entry = session.scalar(
        unscoped_system(
            select(WaitlistEntry).where(WaitlistEntry.id == offer.entry_id), "the offer's own entry"
        )
    )
    hold.patient_id = offer.patient_id
    hold.status = "booked"
    hold.booked_at = now
    hold.hold_expires_at = None
    hold.comment = "booked from the waitlist"
    for participant in session.scalars(
        unscoped_system(
            select(AppointmentParticipant).where(AppointmentParticipant.appointment_id == hold.id),
            "the hold's own participants",
        )
    ):
        participant.hold_expires_at = None
    session.flush()
    offer.status = "accepted"
    offer.responded_at = now
    service = session.scalar(
        unscoped_system(
            select(HealthcareService).where(HealthcareService.id == hold.healthcare_service_id),
            "the hold's visit type",
        )
    )
    reminders.schedule(ctx, hold, service)
    booking._history(ctx, hold, "booked-from-waitlist", "proposed")
    booking.emit(ctx, "appointment.booked", hold, source="waitlist")
    if entry is not None:
        entry.status = "booked"
        entry.booked_appointment_id = hold.id
        if entry.current_appointment_id:
            previous = session.scalar(
                unscoped_system(
                    select(Appointment).where(Appointment.id == entry.current_appointment_id),
                    "the entry's own appointment",
                )
            )
            if previous is not None and previous.status in ("booked", "proposed"):
                entry.days_gained = max(0, (previous.start_at - hold.start_at).days)
                booking._cancel(
                    ctx,
                    previous,
                    "moved earlier from the waitlist",
                    "patient",
                    action="rescheduled",
                )
                hold.rescheduled_from_id = previous.id
    others = session.scalars(
        unscoped_system(
            select(WaitlistOffer).where(
                WaitlistOffer.hold_appointment_id == hold.id,
                WaitlistOffer.id != offer.id,
                WaitlistOffer.status == "sent",
            ),
            "the same hold's offers",
        )
    )
    for other in others:
        other.status = "taken"
        other.responded_at = now
        queue(
            ctx,
            kind="waitlist-taken",
            organization_id=other.organization_id,
            patient_id=other.patient_id,
            key=f"waitlist-taken:{other.id}",
        )
    session.flush()
    return hold


class SlotTaken(Conflict):
    slug = "slot-taken"
    title = "This slot was taken"


def decline_offer(ctx: Context, offer_id: uuid.UUID) -> WaitlistOffer:
    audit = ctx.audit("update", "WaitlistOffer", offer_id, change="decline")
    offer = ctx.session.scalar(
        scoped(
            select(WaitlistOffer).where(WaitlistOffer.id == offer_id),
            ctx.caller,
            WaitlistOffer,
            READ,
        )
    )
    if offer is None:
        raise NotFound("WaitlistOffer")
    audit.about(patient_id=offer.patient_id, organization_id=offer.organization_id)
    ctx.require(WRITE, offer.organization_id)
    if offer.status == "sent":
        offer.status = "declined"
        offer.responded_at = clock.now()
    ctx.session.flush()
    return offer


def offer_by_token(ctx: Context, token: str) -> WaitlistOffer | None:
    """The offer behind a link (the signed link names the offer; the digest is the key)."""
    target = links.read(ctx.runtime.secret, token, clock.now()) if ctx.runtime else None
    if target is None or target.purpose != "offer":
        return None
    return ctx.session.scalar(
        unscoped_system(
            select(WaitlistOffer).where(WaitlistOffer.id == target.record_id),
            "a signed link names its offer",
        )
    )


def next_rounds(ctx: Context) -> int:
    """Expire offers whose hold ran out, release the hold, and offer the slot to the
    next entries. Returns how many slots went to a new round."""
    session = ctx.session
    now = clock.now()
    stale = list(
        session.scalars(
            unscoped_system(
                select(WaitlistOffer).where(
                    WaitlistOffer.status == "sent", WaitlistOffer.expires_at <= now
                ),
                SYSTEM,
            )
        )
    )
    holds: dict[uuid.UUID, WaitlistOffer] = {}
    for offer in stale:
        offer.status = "expired"
        holds.setdefault(offer.hold_appointment_id, offer)
    session.flush()
    rounds = 0
    for hold_id in holds:
        hold = session.scalar(
            unscoped_system(select(Appointment).where(Appointment.id == hold_id), SYSTEM)
        )
        if hold is None or hold.status == "booked":
            continue  # somebody took it
        if hold.status == "proposed":
            booking._cancel(ctx, hold, "waitlist round ended", "organization", event=False)
            session.flush()
        # (A hold the expiry sweep already released is passed on all the same.)
        if backfill(
            ctx,
            organization_id=hold.organization_id,
            service_id=hold.healthcare_service_id,
            role_id=hold.practitioner_role_id,
            start=hold.start_at,
        ):
            rounds += 1
    return rounds
