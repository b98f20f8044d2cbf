"""Slot search: ranked free times for a visit type across eligible practitioners."""

from __future__ import annotations

import bisect
import heapq
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
from liaison.scheduling.rules import (
    ResourceCalendar,
    candidate_starts,
    find_starts,
    within_time_of_day,
)

# Slot search looks ahead in growing steps and stops as soon as it has enough: most
# searches are answered from the first few days, and each step is the same fixed set of
# queries.
CHUNK_DAYS = (1, 2, 4, 7, 14, 30, 60, 365)
# Candidates whose busy time is read together.
PREFETCH = 40


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


def first_grid_start(windows: Sequence[Any], policy: Any, not_before: datetime) -> datetime | None:
    """The earliest start on a window's grid at or after ``not_before``: a lower bound
    on a schedule's first free slot (bookings can only push it later)."""
    for window in windows:
        for start in candidate_starts(window, policy, not_before):
            return start
    return None


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
    # Nothing can start before the visit type's minimum notice: do not search days
    # that end before it.
    first = max(request.start_date or today, (now + policy.min_notice).astimezone(org_zone).date())
    last = min(request.end_date or horizon_last, horizon_last)
    if first > last or not service.active:
        return [], last

    eligible = repository.eligible_practitioner_schedules(
        session,
        principal,
        request.organization_id,
        service.id,
        location_ids=request.location_ids,
        practitioner_ids=request.practitioner_ids,
        role_ids=request.role_ids,
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
    rules = calendars.organization_rules(session, principal, request.organization_id)
    weekdays = set(request.weekdays)

    names = [_name(row) for row in eligible]
    zones = [calendars.zone(row.time_zone) for row in eligible]
    device_ids = {d.schedule_id: d.device_id for d in devices}
    time_windows = request.time_windows
    offers: dict[int, ranking.Offer] = {}
    scores: dict[tuple[int, date], tuple[int, tuple[ranking.Reason, ...]]] = {}

    def offer(index: int) -> ranking.Offer:
        if index not in offers:
            row = eligible[index]
            offers[index] = ranking.Offer(
                row.practitioner_id,
                names[index],
                row.gender,
                tuple(row.languages or ()),
                row.location_id,
            )
        return offers[index]

    fits: dict[int, int] = {}

    def bound(index: int, day: date) -> int:
        """The best score any slot of this schedule on or after ``day`` can have."""
        if index not in fits:
            fits[index] = ranking.fit_points(offer(index), request.patient_fit)
        return fits[index] - ranking.POINTS_PER_DAY_OUT * max(0, (day - today).days)

    def score(index: int, day: date) -> tuple[int, tuple[ranking.Reason, ...]]:
        # A slot's score depends only on who offers it and on which day.
        key = (index, day)
        if key not in scores:
            points, reasons = ranking.score(offer(index), day, today, request.patient_fit)
            scores[key] = (points, tuple(reasons))
        return scores[key]

    def starts_of(
        cals: calendars.CalendarSet, index: int, limit: int | None
    ) -> list[tuple[datetime, list[ResourceCalendar]]]:
        row = eligible[index]
        companions = [
            [cals[d.schedule_id] for d in devices_by_place.get((row.location_id, kind), [])]
            for kind in kinds
        ]
        accept = None
        if weekdays or time_windows:
            tz = zones[index]

            def accept(start: datetime) -> bool:
                if weekdays and start.astimezone(tz).isoweekday() not in weekdays:
                    return False
                return within_time_of_day(start, tz, time_windows)

        window_start, window_end = cals.window(row.time_zone)
        return find_starts(
            cals[row.schedule_id],
            policy,
            now,
            window_start=window_start,
            window_end=window_end,
            companions=companions,
            limit=limit,
            accept=accept,
        )

    # Ranked candidates: (-score, start, role id, local day, row index, chosen devices).
    ranked: list[tuple[Any, ...]] = []
    chunk_first = first
    searched_until = first
    # "First N" stops as soon as it has enough, so it looks ahead in growing steps;
    # per-day mode needs every day of the range anyway: one step, one set of queries.
    steps = CHUNK_DAYS if request.mode == "first" else ((last - first).days + 1,)
    for size in steps:
        if chunk_first > last:
            break
        chunk_last = min(last, chunk_first + timedelta(days=size - 1))
        cals = calendars.load(
            session,
            principal,
            request.organization_id,
            refs,
            chunk_first,
            chunk_last,
            now,
            rules=rules,
            service_id=service.id,
            count_per_day=policy.max_per_day is not None,
            prefetch=False,
        )
        candidates = []
        for index, row in enumerate(eligible):
            windows = cals.windows.get(row.schedule_id)
            if not windows:
                continue
            if any(not devices_by_place.get((row.location_id, kind)) for kind in kinds):
                continue  # this location lacks a device the visit needs
            earliest = first_grid_start(windows, policy, now + policy.min_notice)
            if earliest is None:
                continue  # the notice period swallows this schedule's hours in the chunk
            candidates.append(
                (-bound(index, earliest.astimezone(zones[index]).date()), earliest, index)
            )
        # Best possible first: a schedule's slots can only score at most its bound (its
        # fit on its first open day), so once N slots beat the next bound, stop. Most
        # searches then look at a few schedules of the hundreds that could serve.
        candidates.sort(key=lambda c: (c[0], c[1]))
        for position, (neg_bound, earliest, index) in enumerate(candidates):
            batch_size = PREFETCH if request.mode == "first" else len(candidates)
            if position % batch_size == 0:
                # Busy time for the next batch of candidates (and the devices they may
                # need), in two queries.
                batch = [
                    eligible[i].schedule_id
                    for _, _, i in candidates[position : position + batch_size]
                ]
                cals.prefetch(batch + [d.schedule_id for d in devices])
            # (A candidate that could at best tie the N-th slot is not looked at: among
            # equal slots the order is arbitrary anyway.)
            if (
                request.mode == "first"
                and len(ranked) >= request.count
                and (neg_bound, earliest) >= ranked[-1][:2]
            ):
                break
            for start, chosen in starts_of(
                cals, index, request.count if request.mode == "first" else None
            ):
                day = start.astimezone(zones[index]).date()
                item = (
                    -score(index, day)[0],
                    start,
                    str(eligible[index].role_id),
                    day,
                    index,
                    chosen,
                )
                if request.mode == "first":
                    if len(ranked) < request.count or item[:3] < ranked[-1][:3]:
                        bisect.insort(ranked, item, key=lambda k: k[:3])
                        del ranked[request.count :]
                else:
                    ranked.append(item)
        searched_until = chunk_last
        chunk_first = chunk_last + timedelta(days=1)
        if request.mode == "first" and len(ranked) >= request.count:
            break

    def slot(item: tuple[Any, ...]) -> Slot:
        neg_score, start, _, day, index, chosen = item
        row = eligible[index]
        return Slot(
            start=start,
            end=start + policy.duration,
            zone=row.time_zone,
            role_id=row.role_id,
            practitioner_id=row.practitioner_id,
            practitioner_name=names[index],
            location_id=row.location_id,
            device_ids=tuple(device_ids[c.schedule_id] for c in chosen),
            schedule_id=row.schedule_id,
            device_schedule_ids=tuple(c.schedule_id for c in chosen),
            score=-neg_score,
            reasons=scores[(index, day)][1],
        )

    if request.mode == "first":
        return [slot(item) for item in ranked], searched_until
    by_day: dict[date, list[tuple[Any, ...]]] = defaultdict(list)
    for item in ranked:
        by_day[item[3]].append(item)
    result: list[Slot] = []
    for day in sorted(by_day):
        result.extend(
            slot(item) for item in heapq.nsmallest(request.count, by_day[day], key=lambda k: k[:3])
        )
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
        ctx.session,
        principal,
        HealthcareService,
        data.organization_id,
        data.healthcare_service_id,
        Permission.DIRECTORY_READ,
        "healthcare_service_id",
    )
    fit = None
    if data.patient_id is not None:
        audit = ctx.audit(
            "read",
            "Patient",
            data.patient_id,
            patient_id=data.patient_id,
            organization_id=data.organization_id,
            purpose="slot-ranking",
        )
        patient = referenced(
            ctx.session,
            principal,
            Patient,
            data.organization_id,
            data.patient_id,
            Permission.PATIENT_READ,
            "patient_id",
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
