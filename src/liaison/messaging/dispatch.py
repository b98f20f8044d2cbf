"""Sending: the worker's handler for ``message.send`` outbox rows, in batches.

Everything a batch needs (patients, their phones and consents, appointments and what
they refer to, organizations, template overrides) is read in a fixed number of
queries; then each message picks its channels (consent, reachability, preference),
respects quiet hours, renders its template in the patient's language, and goes to the
provider with an idempotency key derived from the outbox row. A provider failure that
may pass is retried later by the worker; one that will not (an invalid number) falls
back to the next consented channel.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from liaison.authz.scope import unscoped_system
from liaison.context import Context
from liaison.gateways.email import OutgoingEmail
from liaison.gateways.errors import PermanentFailure, TemporaryFailure
from liaison.gateways.sms import OutgoingSms
from liaison.interop.ical import CalendarEvent, to_ical
from liaison.jobs import registry
from liaison.jobs.worker import fail
from liaison.kit import clock
from liaison.kit.db import among
from liaison.messaging import links, rules, templates
from liaison.models import (
    Appointment,
    Communication,
    CommunicationConsent,
    HealthcareService,
    Location,
    MessageTemplate,
    Organization,
    OutboxMessage,
    Patient,
    PatientTelecom,
    Practitioner,
    PractitionerRole,
)
from liaison.scheduling.calendars import zone

SYSTEM = "the worker sends messages for every organization"
# Kinds that answer something the patient just did: sent at once, whatever the hour,
# and only on the channel the patient used.
REPLIES = {
    "help",
    "stopped",
    "started",
    "reply-confirmed",
    "reply-cancelled",
    "reply-reschedule",
    "survey-thanks",
    "waitlist-taken",
    "safety",
    # The portal's sign-in code: the person is waiting for it on the sign-in page.
    "portal-code",
}
# Kinds about an appointment that must still be booked when they go out.
NEEDS_BOOKED = {"reminder", "confirmation", "rescheduled", "broadcast"}
ICS_KINDS = {"confirmation", "reminder", "rescheduled"}
LINK_DAYS = 30


@dataclass
class Batch:
    patients: dict[uuid.UUID, Patient] = field(default_factory=dict)
    phones: dict[uuid.UUID, list[PatientTelecom]] = field(default_factory=lambda: defaultdict(list))
    consent: dict[uuid.UUID, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    appointments: dict[uuid.UUID, Appointment] = field(default_factory=dict)
    services: dict[uuid.UUID, HealthcareService] = field(default_factory=dict)
    locations: dict[uuid.UUID, Location] = field(default_factory=dict)
    practitioners: dict[uuid.UUID, Practitioner] = field(default_factory=dict)
    organizations: dict[uuid.UUID, Organization] = field(default_factory=dict)
    overrides: dict[tuple[uuid.UUID, str, str, str], tuple[str | None, str]] = field(
        default_factory=dict
    )
    # Communications already recorded for a send (a retry after a crash), by key.
    recorded: dict[str, Communication] = field(default_factory=dict)


def _ids(messages: list[OutboxMessage], key: str) -> set[uuid.UUID]:
    return {uuid.UUID(m.payload[key]) for m in messages if m.payload.get(key)}


def load_batch(ctx: Context, messages: list[OutboxMessage]) -> Batch:
    session = ctx.session
    batch = Batch()
    patient_ids = _ids(messages, "patient_id")
    appointment_ids = _ids(messages, "appointment_id")
    org_ids = {m.organization_id for m in messages if m.organization_id}

    def rows(stmt: Any) -> list[Any]:
        return list(session.scalars(unscoped_system(stmt, SYSTEM)))

    if appointment_ids:
        stmt = select(Appointment).where(among(session, Appointment.id, appointment_ids))
        if session.get_bind().dialect.name == "postgresql":
            # Locked until the batch commits: a cancellation of one of these waits for
            # the send to finish, or has committed first and is seen here.
            stmt = stmt.with_for_update()
        batch.appointments = {a.id: a for a in rows(stmt)}
    if patient_ids:
        batch.patients = {
            p.id: p for p in rows(select(Patient).where(among(session, Patient.id, patient_ids)))
        }
        for phone in rows(
            select(PatientTelecom)
            .where(among(session, PatientTelecom.patient_id, patient_ids))
            .order_by(PatientTelecom.rank)
        ):
            batch.phones[phone.patient_id].append(phone)
        for decision in rows(
            select(CommunicationConsent)
            .where(among(session, CommunicationConsent.patient_id, patient_ids))
            .order_by(CommunicationConsent.recorded_at)
        ):
            batch.consent[decision.patient_id][decision.channel] = decision.status
    appointments = list(batch.appointments.values())
    if appointments:
        batch.services = {
            s.id: s
            for s in rows(
                select(HealthcareService).where(
                    among(
                        session,
                        HealthcareService.id,
                        {a.healthcare_service_id for a in appointments},
                    )
                )
            )
        }
        batch.locations = {
            x.id: x
            for x in rows(
                select(Location).where(
                    among(session, Location.id, {a.location_id for a in appointments})
                )
            )
        }
        pairs = session.execute(
            unscoped_system(
                select(PractitionerRole.id, Practitioner)
                .join(
                    Practitioner,
                    (Practitioner.organization_id == PractitionerRole.organization_id)
                    & (Practitioner.id == PractitionerRole.practitioner_id),
                )
                .where(
                    among(
                        session, PractitionerRole.id, {a.practitioner_role_id for a in appointments}
                    )
                ),
                SYSTEM,
            )
        )
        batch.practitioners = {role_id: practitioner for role_id, practitioner in pairs}
    keys = [f"{m.idempotency_key}:{c}" for m in messages for c in ("sms", "email", "portal")]
    batch.recorded = {
        c.idempotency_key: c
        for c in rows(
            select(Communication).where(among(session, Communication.idempotency_key, keys))
        )
    }
    if org_ids:
        batch.organizations = {
            o.id: o
            for o in session.scalars(
                select(Organization).where(among(session, Organization.id, org_ids))
            )
        }
        for t in rows(
            select(MessageTemplate).where(among(session, MessageTemplate.organization_id, org_ids))
        ):
            batch.overrides[(t.organization_id, t.kind, t.channel, t.language)] = (
                t.subject,
                t.body,
            )
    return batch


def _reachable(batch: Batch, patient: Patient) -> dict[str, str]:
    found: dict[str, str] = {"portal": "portal"}
    mobile = next((p.value for p in batch.phones.get(patient.id, []) if p.use == "mobile"), None)
    if mobile:
        found["sms"] = mobile
    if patient.email:
        found["email"] = patient.email
    return found


def _variables(
    ctx: Context,
    batch: Batch,
    message: OutboxMessage,
    patient: Patient,
    org: Organization,
    language: str,
) -> dict[str, Any]:
    payload = message.payload
    variables: dict[str, Any] = {
        "first_name": patient.preferred_name or patient.given_name,
        "last_name": patient.family_name,
        "org_name": org.name,
        "org_phone": org.phone or "",
        "note": payload.get("note", ""),
        "link": ctx.runtime.public_url("/"),
        "when": "",
        "place": "",
        "address": "",
        "visit_type": "visit",
        "practitioner": "",
        "expires": payload.get("expires", ""),
    }
    appointment = (
        batch.appointments.get(uuid.UUID(payload["appointment_id"]))
        if payload.get("appointment_id")
        else None
    )
    if appointment is not None:
        location = batch.locations.get(appointment.location_id)
        tz = zone(patient.time_zone or (location.time_zone if location else org.time_zone))
        service = batch.services.get(appointment.healthcare_service_id)
        practitioner = batch.practitioners.get(appointment.practitioner_role_id)
        variables.update(
            when=templates.when(appointment.start_at.astimezone(tz), language),
            place=(
                "video visit"
                if appointment.modality == "telehealth"
                else (location.name if location else "")
            ),
            address=", ".join(p for p in (location.line1, location.city) if p) if location else "",
            visit_type=service.name if service else "visit",
            practitioner=practitioner.display_name if practitioner else "",
        )
        token = links.make(
            ctx.runtime.secret,
            "appointment",
            appointment.id,
            clock.now() + timedelta(days=LINK_DAYS),
        )
        variables["link"] = ctx.runtime.public_url(f"/r/{token}")
    if payload.get("link"):
        variables["link"] = payload["link"]
    return variables


def _ics(batch: Batch, appointment: Appointment) -> bytes:
    service = batch.services.get(appointment.healthcare_service_id)
    location = batch.locations.get(appointment.location_id)
    event = CalendarEvent(
        uid=appointment.id,
        start=appointment.start_at,
        end=appointment.end_at,
        time_zone=location.time_zone if location else "UTC",
        summary=service.name if service else "Visit",
        status=appointment.status,
        location="Telehealth"
        if appointment.modality == "telehealth"
        else (location.name if location else None),
        sequence=appointment.version,
    )
    return to_ical([event], name=event.summary, now=clock.now())


@dataclass(frozen=True)
class Attempt:
    """One way of delivering a message: a channel, an address and the rendered words."""

    channel: str
    to: str
    rendered: templates.Rendered
    key: str
    attachments: tuple[tuple[str, str, bytes], ...] = ()


@dataclass
class Plan:
    message: OutboxMessage
    patient: Patient | None
    appointment: Appointment | None
    org: Organization
    kind: str
    language: str
    channels: list[tuple[str, str]]  # (channel, address) still to try, best first
    variables: dict[str, Any]
    attempt: Attempt | None = None

    def next_attempt(self, batch: Batch) -> Attempt | None:
        """Render the next channel that has wording for this kind (in the worker's
        thread, before sending); None when no channel is left."""
        self.attempt = None
        while self.channels and self.attempt is None:
            channel, to = self.channels.pop(0)
            override = batch.overrides.get((self.org.id, self.kind, channel, self.language))
            try:
                rendered = templates.render(
                    self.kind, channel, self.language, self.variables, override
                )
            except KeyError:
                continue  # no wording for this kind on this channel
            attachments: tuple[tuple[str, str, bytes], ...] = ()
            if channel == "email" and self.appointment is not None and self.kind in ICS_KINDS:
                attachments = (("appointment.ics", "text/calendar", _ics(batch, self.appointment)),)
            self.attempt = Attempt(
                channel, to, rendered, f"{self.message.idempotency_key}:{channel}", attachments
            )
        return self.attempt


def plan(ctx: Context, batch: Batch, message: OutboxMessage) -> Plan | None:
    """Decide how ``message`` goes out: the channels to try, in order, each rendered.

    None when nothing is to be sent now; the message is then left cancelled (its visit
    is no longer booked), pending again (quiet hours) or recorded as skipped (no channel
    the patient agreed to).
    """
    payload = message.payload
    kind = payload["kind"]
    now = clock.now()
    patient = (
        batch.patients.get(uuid.UUID(payload["patient_id"])) if payload.get("patient_id") else None
    )
    org = batch.organizations.get(message.organization_id) if message.organization_id else None
    appointment = (
        batch.appointments.get(uuid.UUID(payload["appointment_id"]))
        if payload.get("appointment_id")
        else None
    )
    if org is None or (patient is None and not payload.get("to")):
        message.status = "cancelled"
        return None
    if kind in NEEDS_BOOKED and (appointment is None or appointment.status != "booked"):
        message.status = "cancelled"  # the visit was cancelled or moved after queueing
        return None

    if payload.get("channel") in ("sms", "email") and payload.get("to"):
        # Straight to an address (a reply to a text; a portal sign-in code).
        order, addresses = [payload["channel"]], {payload["channel"]: payload["to"]}
    else:
        assert patient is not None
        addresses = _reachable(batch, patient)
        decisions = batch.consent.get(patient.id, {})
        order = rules.channel_order(
            payload.get("channels") or ["sms", "email"],
            {channel for channel, status in decisions.items() if status == "granted"},
            set(addresses),
            {channel for channel, status in decisions.items() if status == "revoked"},
        )

    tz = zone((patient.time_zone if patient else None) or org.time_zone)
    # A message waiting in the portal wakes nobody: quiet hours are for phones and inboxes.
    if (
        kind not in REPLIES
        and order[:1] != ["portal"]
        and rules.in_quiet_hours(now, tz, org.quiet_hours_start, org.quiet_hours_end)
    ):
        message.status = "pending"
        message.available_at = rules.quiet_end_after(
            now, tz, org.quiet_hours_start, org.quiet_hours_end
        )
        message.locked_until = None
        return None

    language = templates.language_of(
        payload.get("language") or (patient.preferred_language if patient else "en")
    )

    def skipped(reason: str) -> None:
        _record(
            ctx,
            message,
            patient,
            appointment,
            "portal",
            kind,
            "skipped",
            None,
            "",
            language,
            error=reason,
        )

    if not order:
        skipped("no consented channel")
        return None

    variables = (
        _variables(ctx, batch, message, patient, org, language)
        if patient
        else {
            "org_name": org.name,
            "org_phone": org.phone or "",
            "first_name": "",
            "link": payload.get("link") or ctx.runtime.public_url("/"),
            "code": payload.get("code", ""),
        }
    )
    channels = [
        (c, addresses[c]) for c in order if not (c == "email" and ctx.runtime.email is None)
    ]
    found = Plan(message, patient, appointment, org, kind, language, channels, variables)
    if found.next_attempt(batch) is None:
        skipped("no wording for a consented channel")
        return None
    return found


def _send(ctx: Context, org: Organization, attempt: Attempt) -> str | None:
    """Hand one attempt to its provider. Runs on a sender thread: touches no session."""
    if attempt.channel == "sms":
        if not org.sms_number:
            raise PermanentFailure("organization has no SMS number")
        return ctx.runtime.sms.send(
            OutgoingSms(
                to=attempt.to,
                from_=org.sms_number,
                body=attempt.rendered.body,
                idempotency_key=attempt.key,
                status_callback=ctx.runtime.public_url("/webhooks/sms/status"),
            )
        )
    if attempt.channel == "email":
        return ctx.runtime.email.send(
            OutgoingEmail(
                to=attempt.to,
                subject=attempt.rendered.subject or org.name,
                text=attempt.rendered.body,
                idempotency_key=attempt.key,
                attachments=attempt.attachments,
            )
        )
    return None  # portal: the message itself is the delivery


Outcome = str | None | TemporaryFailure | PermanentFailure


def _send_all(ctx: Context, work: list[tuple[Organization, Attempt]]) -> list[Outcome]:
    """Send many attempts at once; a provider's answer or its failure for each, in order.

    Any other exception (a bug) is raised after every send has finished, so the batch is
    retried as a whole and the providers' idempotency keys absorb the repeats.
    """

    def one(org: Organization, attempt: Attempt) -> Outcome:
        try:
            return _send(ctx, org, attempt)
        except (TemporaryFailure, PermanentFailure) as exc:
            return exc

    if len(work) == 1 or ctx.runtime.settings.send_concurrency == 1:
        return [one(org, attempt) for org, attempt in work]
    futures = [ctx.runtime.senders.submit(one, org, attempt) for org, attempt in work]
    return [f.result() for f in futures]


def deliver(ctx: Context, batch: Batch, plans: list[Plan]) -> None:
    """Send every plan's first attempt together; a permanent failure falls back to the
    plan's next channel in another round; a temporary one retries the message later."""
    while plans:
        outcomes = _send_all(ctx, [(p.org, p.attempt) for p in plans if p.attempt is not None])
        fallbacks: list[Plan] = []
        for p, outcome in zip(plans, outcomes, strict=True):
            attempt = p.attempt
            assert attempt is not None
            if isinstance(outcome, TemporaryFailure):
                fail(ctx.session, p.message, f"TemporaryFailure: {outcome.safe_detail}")
            elif isinstance(outcome, PermanentFailure):
                _record(
                    ctx,
                    p.message,
                    p.patient,
                    p.appointment,
                    attempt.channel,
                    p.kind,
                    "failed",
                    attempt.to,
                    attempt.rendered.body,
                    p.language,
                    key=attempt.key,
                    error=outcome.safe_detail,
                    subject=attempt.rendered.subject,
                    batch=batch,
                )
                if p.next_attempt(batch) is not None:
                    fallbacks.append(p)
            else:
                _record(
                    ctx,
                    p.message,
                    p.patient,
                    p.appointment,
                    attempt.channel,
                    p.kind,
                    "delivered" if attempt.channel == "portal" else "sent",
                    attempt.to,
                    attempt.rendered.body,
                    p.language,
                    key=attempt.key,
                    provider_id=outcome,
                    subject=attempt.rendered.subject,
                    from_address=p.org.sms_number if attempt.channel == "sms" else None,
                    batch=batch,
                )
        plans = fallbacks


def _record(
    ctx: Context,
    message: OutboxMessage,
    patient: Patient | None,
    appointment: Appointment | None,
    channel: str,
    kind: str,
    status: str,
    to: str | None,
    body: str,
    language: str,
    *,
    key: str | None = None,
    provider_id: str | None = None,
    error: str | None = None,
    subject: str | None = None,
    from_address: str | None = None,
    batch: Batch | None = None,
) -> Communication:
    now = clock.now()
    existing = batch.recorded.get(key) if batch is not None and key is not None else None
    if existing is not None:
        # A retry after a crash: the provider answered with the first send; keep one row.
        existing.status, existing.provider_message_id = (
            status,
            provider_id or existing.provider_message_id,
        )
        return existing
    communication = Communication(
        organization_id=message.organization_id,
        patient_id=patient.id if patient else None,
        appointment_id=appointment.id if appointment else None,
        channel=channel,
        direction="outbound",
        kind=kind,
        status=status,
        to_address=to,
        from_address=from_address,
        subject=subject,
        body=body,
        language=language,
        idempotency_key=key,
        provider_message_id=provider_id,
        error=error,
        created_at=now,
        sent_at=now if status in ("sent", "delivered") else None,
        delivered_at=now if status == "delivered" else None,
    )
    ctx.session.add(communication)
    return communication


@registry.handles_batch("message.send")
def send_batch(ctx: Context, messages: list[OutboxMessage]) -> None:
    batch = load_batch(ctx, messages)
    deliver(ctx, batch, [p for message in messages if (p := plan(ctx, batch, message)) is not None])
    ctx.session.flush()
    for message in messages:
        if message.payload.get("patient_id"):
            ctx.audit(
                "execute",
                "Communication",
                message.id,
                patient_id=uuid.UUID(message.payload["patient_id"]),
                organization_id=message.organization_id,
                kind=message.payload["kind"],
            )


def queue(
    ctx: Context,
    *,
    kind: str,
    organization_id: uuid.UUID,
    patient_id: uuid.UUID | None,
    key: str,
    appointment_id: uuid.UUID | None = None,
    available_at: datetime | None = None,
    **payload: Any,
) -> OutboxMessage:
    """Ask for a message to go out (after this transaction commits)."""
    from liaison.jobs.outbox import enqueue

    body = {
        "kind": kind,
        "patient_id": str(patient_id) if patient_id else None,
        **{k: v for k, v in payload.items() if v is not None},
    }
    if appointment_id is not None:
        body["appointment_id"] = str(appointment_id)
    message = enqueue(
        ctx.session,
        "message.send",
        body,
        idempotency_key=key,
        organization_id=organization_id,
        available_at=available_at,
    )
    message.appointment_id = appointment_id if kind in NEEDS_BOOKED else None
    return message
