"""Slot search: ranked free times for a visit type across eligible practitioners."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from liaison.authz.access import referenced
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.kit import clock
from liaison.models import HealthcareService, Organization, Patient
from liaison.scheduling import calendars, ranking, repository
from liaison.scheduling.rules import ResourceCalendar, find_starts, within_time_of_day

# Slot search looks ahead in growing steps and stops as soon as it has enough: most
# searches are answered from the first few days, and each step is the same fixed set of
# queries.
CHUNK_DAYS = (3, 7, 21, 60, 365)


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    zone: str
    role_id: uuid.UUID
    practitioner_id: uuid.UUID
    practitioner_name: str
    location_id: uuid.UUID
    device_ids: tuple[uuid.UUID, ...]
    schedule_id: uuid.UUID
    device_schedule_ids: tuple[uuid.UUID, ...]
    score: int = 0
    reasons: tuple[ranking.Reason, ...] = ()

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(calendars.zone(self.zone))


@dataclass(frozen=True)
class SearchRequest:
    organization_id: uuid.UUID
    service: HealthcareService
    count: int
    mode: str = "first"
    patient_fit: ranking.PatientFit | None = None
    location_ids: Sequence[uuid.UUID] = ()
    practitioner_ids: Sequence[uuid.UUID] = ()
    role_ids: Sequence[uuid.UUID] = ()
    start_date: date | None = None
    end_date: date | None = None
    time_windows: Sequence[tuple[time, time]] = ()
    weekdays: Sequence[int] = ()


def _name(row: Any) -> str:
    parts = [row.prefix, row.given_name, row.family_name]
    return " ".join(p for p in parts if p)


def find_slots(ctx: Context, request: SearchRequest) -> tuple[list[Slot], date]:
    """Ranked free slots; the second value is the last local date looked at."""
    principal = ctx.caller
    session = ctx.session
    service = request.service
    policy = calendars.policy_of(service)
    now = clock.now()
    org = session.get(Organization, request.organization_id)
    assert org is not None
    org_zone = calendars.zone(org.time_zone)
    today = now.astimezone(org_zone).date()
    horizon_last = (now + policy.horizon).astimezone(org_zone).date()
    first = max(request.start_date or today, today)
    last = min(request.end_date or horizon_last, horizon_last)
    if first > last or not service.active:
        return [], last

    eligible = repository.eligible_practitioner_schedules(
        session, principal, request.organization_id, service.id,
        location_ids=request.location_ids, practitioner_ids=request.practitioner_ids, role_ids=request.role_ids,
    )
    if not eligible:
        return [], last
    kinds = list(dict.fromkeys(service.required_device_kinds))
    devices = repository.device_schedules(
        session, principal, request.organization_id, list({r.location_id for r in eligible}), kinds
    )
    devices_by_place: dict[tuple[uuid.UUID, str], list[Any]] = defaultdict(list)
    for d in devices:
        devices_by_place[(d.location_id, d.kind)].append(d)
    refs = [calendars.ScheduleRef(r.schedule_id, r.time_zone) for r in eligible]
    refs += [calendars.ScheduleRef(d.schedule_id, d.time_zone) for d in devices]
    rules = calendars.rules_by_schedule(session, principal, [r.schedule_id for r in refs])
    weekdays = set(request.weekdays)

    found: list[Slot] = []
    chunk_first = first
    searched_until = first
    for size in CHUNK_DAYS:
        if chunk_first > last:
            break
        chunk_last = min(last, chunk_first + timedelta(days=size - 1))
        cals = calendars.load(
            session, principal, request.organization_id, refs, chunk_first, chunk_last, now,
            rules=rules, service_id=service.id,
        )
        for row in eligible:
            calendar = cals.calendars[row.schedule_id]
            companions: list[list[ResourceCalendar]] = [
                [cals.calendars[d.schedule_id] for d in devices_by_place.get((row.location_id, kind), [])]
                for kind in kinds
            ]
            if any(not options for options in companions):
                continue  # this location lacks a device the visit needs
            window_start, window_end = cals.window(row.time_zone)
            tz = calendar.zone

            def accept(start: datetime, tz: Any = tz) -> bool:
                if weekdays and start.astimezone(tz).isoweekday() not in weekdays:
                    return False
                return within_time_of_day(start, tz, request.time_windows)

            starts = find_starts(
                calendar, policy, now,
                window_start=window_start, window_end=window_end, companions=companions,
                limit=request.count if request.mode == "first" else None, accept=accept,
            )
            device_ids = {d.schedule_id: d.device_id for d in devices}
            for start, chosen in starts:
                found.append(
                    Slot(
                        start=start,
                        end=start + policy.duration,
                        zone=row.time_zone,
                        role_id=row.role_id,
                        practitioner_id=row.practitioner_id,
                        practitioner_name=_name(row),
                        location_id=row.location_id,
                        device_ids=tuple(device_ids[c.schedule_id] for c in chosen),
                        schedule_id=row.schedule_id,
                        device_schedule_ids=tuple(c.schedule_id for c in chosen),
                    )
                )
        searched_until = chunk_last
        chunk_first = chunk_last + timedelta(days=1)
        if request.mode == "first" and len(found) >= request.count:
            break

    offers = {
        row.schedule_id: ranking.Offer(
            row.practitioner_id, _name(row), row.gender, tuple(row.languages or ()), row.location_id
        )
        for row in eligible
    }
    ranked = []
    for slot in found:
        points, reasons = ranking.score(offers[slot.schedule_id], slot.local_start.date(), today, request.patient_fit)
        ranked.append(Slot(**{**slot.__dict__, "score": points, "reasons": tuple(reasons)}))
    if request.mode == "first":
        ranked.sort(key=lambda s: (-s.score, s.start, str(s.role_id)))
        return ranked[: request.count], searched_until
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in ranked:
        by_day[slot.local_start.date()].append(slot)
    result: list[Slot] = []
    for day in sorted(by_day):
        result.extend(sorted(by_day[day], key=lambda s: (-s.score, s.start, str(s.role_id)))[: request.count])
    return result, searched_until


def patient_fit(ctx: Context, patient: Patient) -> ranking.PatientFit:
    seen = repository.practitioners_seen(ctx.session, ctx.caller, patient.id, clock.now())
    return ranking.PatientFit(
        language=patient.preferred_language,
        preferred_gender=patient.preferred_practitioner_gender,
        preferred_location_id=patient.preferred_location_id,
        preferred_practitioner_id=patient.preferred_practitioner_id,
        seen=seen,
    )


def search_slots(ctx: Context, data: Any) -> tuple[list[Slot], date]:
    """The API's slot search (``SlotSearch``): checks access, then ``find_slots``."""
    principal = ctx.require(Permission.APPOINTMENT_READ, data.organization_id)
    service = referenced(
        ctx.session, principal, HealthcareService, data.organization_id, data.healthcare_service_id,
        Permission.DIRECTORY_READ, "healthcare_service_id",
    )
    fit = None
    if data.patient_id is not None:
        audit = ctx.audit("read", "Patient", data.patient_id, patient_id=data.patient_id,
                          organization_id=data.organization_id, purpose="slot-ranking")
        patient = referenced(
            ctx.session, principal, Patient, data.organization_id, data.patient_id,
            Permission.PATIENT_READ, "patient_id",
        )
        audit.about(organization_id=patient.organization_id)
        fit = patient_fit(ctx, patient)
    if data.modality is not None and data.modality != service.modality:
        return [], data.end_date or clock.now().date()
    request = SearchRequest(
        organization_id=data.organization_id,
        service=service,
        count=data.count,
        mode=data.mode,
        patient_fit=fit,
        location_ids=data.location_ids,
        practitioner_ids=data.practitioner_ids,
        start_date=data.start_date,
        end_date=data.end_date,
        time_windows=[(w.start, w.end) for w in data.time_windows],
        weekdays=data.weekdays,
    )
    return find_slots(ctx, request)
