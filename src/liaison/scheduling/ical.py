"""Calendar feeds per practitioner (secret, revocable links) and one-appointment .ics.

A feed leaves Liaison for whatever calendar service the practitioner subscribes with,
so it carries the least patient data that still makes a calendar useful: the visit
type and the patient's initials, never a full name, birth date or reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, select

from liaison.authz.access import access_one
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped, unscoped_system
from liaison.context import Context
from liaison.errors import NotFound, PermissionDenied
from liaison.interop.ical import CalendarEvent, to_ical
from liaison.kit import clock
from liaison.kit.ids import new_token, token_digest
from liaison.models import (
    Appointment,
    CalendarFeed,
    HealthcareService,
    Location,
    Patient,
    Practitioner,
    PractitionerRole,
)
from liaison.scheduling import booking

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=180)
LIVE = ("proposed", "booked", "arrived", "checked-in", "fulfilled")


@dataclass(frozen=True)
class IssuedFeed:
    feed: CalendarFeed
    token: str


def _initials(patient: Patient) -> str:
    return f"{patient.given_name[:1]}.{patient.family_name[:1]}.".upper()


def _practitioner_for_feeds(ctx: Context, practitioner_id: uuid.UUID) -> Practitioner:
    practitioner = access_one(
        ctx.session,
        ctx.caller,
        Practitioner,
        practitioner_id,
        Permission.DIRECTORY_READ,
        "Practitioner",
    )
    principal = ctx.caller
    own = principal.practitioner_ids.get(practitioner.organization_id) == practitioner.id
    if not own and not principal.can(Permission.SCHEDULE_MANAGE, practitioner.organization_id):
        raise PermissionDenied(
            "Only the practitioner or a schedule manager may manage calendar feeds"
        )
    return practitioner


def create_feed(ctx: Context, practitioner_id: uuid.UUID, label: str) -> IssuedFeed:
    practitioner = _practitioner_for_feeds(ctx, practitioner_id)
    token = new_token(32)
    feed = CalendarFeed(
        organization_id=practitioner.organization_id,
        practitioner_id=practitioner.id,
        token_digest=token_digest(token),
        label=label,
        created_at=clock.now(),
        created_by_user_id=ctx.caller.user_id,
    )
    ctx.session.add(feed)
    ctx.session.flush()
    ctx.audit("create", "CalendarFeed", feed.id, organization_id=feed.organization_id)
    return IssuedFeed(feed, token)


def list_feeds(ctx: Context, practitioner_id: uuid.UUID) -> list[CalendarFeed]:
    practitioner = _practitioner_for_feeds(ctx, practitioner_id)
    stmt = select(CalendarFeed).where(
        CalendarFeed.organization_id == practitioner.organization_id,
        CalendarFeed.practitioner_id == practitioner.id,
    )
    return list(
        ctx.session.scalars(
            scoped(
                stmt.order_by(CalendarFeed.created_at),
                ctx.caller,
                CalendarFeed,
                Permission.DIRECTORY_READ,
            )
        )
    )


def revoke_feed(ctx: Context, practitioner_id: uuid.UUID, feed_id: uuid.UUID) -> CalendarFeed:
    practitioner = _practitioner_for_feeds(ctx, practitioner_id)
    feed = access_one(
        ctx.session, ctx.caller, CalendarFeed, feed_id, Permission.DIRECTORY_READ, "CalendarFeed"
    )
    if feed.practitioner_id != practitioner.id:
        raise NotFound("CalendarFeed")
    if feed.revoked_at is None:
        feed.revoked_at = clock.now()
    ctx.session.flush()
    ctx.audit(
        "update", "CalendarFeed", feed.id, organization_id=feed.organization_id, change="revoke"
    )
    return feed


def _events(ctx_session, rows) -> list[CalendarEvent]:  # type: ignore[no-untyped-def]
    return [
        CalendarEvent(
            uid=appointment.id,
            start=appointment.start_at,
            end=appointment.end_at,
            time_zone=location.time_zone,
            summary=f"{service.name} — {_initials(patient)}",
            status=appointment.status,
            location="Telehealth" if appointment.modality == "telehealth" else location.name,
            sequence=appointment.version,
            stamp=appointment.updated_at,
        )
        for appointment, service, location, patient in rows
    ]


def feed_calendar(ctx: Context, token: str) -> bytes:
    """The .ics behind a feed link. The link is the credential: no session needed."""
    session = ctx.session
    feed = session.scalar(
        unscoped_system(
            select(CalendarFeed).where(CalendarFeed.token_digest == token_digest(token)),
            "the secret link identifies its own feed",
        )
    )
    if feed is None or feed.revoked_at is not None:
        raise NotFound("Calendar feed")
    now = clock.now()
    feed.last_used_at = now
    practitioner = session.scalar(
        unscoped_system(
            select(Practitioner).where(
                Practitioner.organization_id == feed.organization_id,
                Practitioner.id == feed.practitioner_id,
            ),
            "the feed's own practitioner",
        )
    )
    stmt = (
        select(Appointment, HealthcareService, Location, Patient)
        .join(
            PractitionerRole,
            and_(
                PractitionerRole.organization_id == Appointment.organization_id,
                PractitionerRole.id == Appointment.practitioner_role_id,
            ),
        )
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
            Patient,
            and_(
                Patient.organization_id == Appointment.organization_id,
                Patient.id == Appointment.patient_id,
            ),
        )
        .where(
            Appointment.organization_id == feed.organization_id,
            PractitionerRole.practitioner_id == feed.practitioner_id,
            Appointment.status.in_(LIVE),
            Appointment.start_at >= now - FEED_PAST,
            Appointment.start_at < now + FEED_FUTURE,
        )
        .order_by(Appointment.start_at)
    )
    rows = list(
        session.execute(unscoped_system(stmt, "a feed shows its practitioner's own appointments"))
    )
    ctx.audit(
        "read",
        "CalendarFeed",
        feed.id,
        organization_id=feed.organization_id,
        appointments=len(rows),
    )
    name = practitioner.display_name if practitioner else "Liaison"
    return to_ical(_events(session, rows), name=f"{name} (Liaison)", now=now)


def appointment_ics(ctx: Context, appointment_id: uuid.UUID) -> bytes:
    view = booking.get_appointment(ctx, appointment_id)
    a = view.appointment
    session, principal = ctx.session, ctx.caller
    service = access_one(
        session,
        principal,
        HealthcareService,
        a.healthcare_service_id,
        Permission.DIRECTORY_READ,
        "HealthcareService",
    )
    location = access_one(
        session, principal, Location, a.location_id, Permission.DIRECTORY_READ, "Location"
    )
    patient = access_one(
        session, principal, Patient, a.patient_id, Permission.PATIENT_READ, "Patient"
    )
    return to_ical(
        _events(session, [(a, service, location, patient)]), name=service.name, now=clock.now()
    )
