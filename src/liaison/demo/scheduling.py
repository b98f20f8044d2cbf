"""The demo's calendars: booking policies, weekly availability, and appointments.

Every practitioner role and every room or machine gets a schedule with realistic weekly
hours (full-time, four long days, part-time, early shift; Saturday clinics; evening
telehealth), a new-patient block and a same-day hold where primary care keeps them. Then
appointments fill part of that time: three weeks of history (mostly fulfilled, some
no-shows and cancellations) and the booking horizon ahead. They are laid out with the
scheduling engine's own window expansion and never overlap on a practitioner or device,
so the database's no-double-booking constraint holds for the demo as it does for real
bookings.

Appointments are dated relative to the day the demo is loaded (a calendar from March
would be useless in November); everything else is fixed by the seed.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from liaison.demo.directory import OrgDirectory
from liaison.demo.ids import DemoIds
from liaison.scheduling.rules import Span, WeeklyRule, open_windows

Row = dict[str, Any]
WEEKDAYS = [1, 2, 3, 4, 5]

# Booking policy per visit type code: buffers, notice, horizon, daily maximum,
# overbooking. Codes not listed keep the defaults (no buffers, 60 min notice, 90 days).
POLICIES: dict[str, dict[str, int | None]] = {
    "new-patient": {"buffer_after_minutes": 10, "min_notice_minutes": 24 * 60, "max_per_day": 4},
    "annual-physical": {"buffer_after_minutes": 5, "min_notice_minutes": 24 * 60},
    "follow-up": {"overbook_limit": 1, "slot_interval_minutes": 20},
    "same-day-sick": {
        "min_notice_minutes": 0,
        "booking_horizon_days": 2,
        "slot_interval_minutes": 15,
    },
    "joint-injection": {"buffer_before_minutes": 5, "buffer_after_minutes": 10},
    "mri-scan": {"buffer_after_minutes": 15, "min_notice_minutes": 48 * 60},
    "xray-visit": {"slot_interval_minutes": 15},
    "therapy-intake": {"min_notice_minutes": 24 * 60, "max_per_day": 3},
}

# Weekly patterns: (weekdays, start, end) blocks in local time.
PATTERNS: dict[str, list[tuple[list[int], time, time]]] = {
    "full-time": [(WEEKDAYS, time(8), time(12)), (WEEKDAYS, time(13), time(17))],
    "four-long-days": [
        ([1, 2, 3, 4], time(7, 30), time(12)),
        ([1, 2, 3, 4], time(12, 30), time(17, 30)),
    ],
    "part-time": [([2, 4], time(9), time(12)), ([2, 4], time(13), time(17))],
    "early-shift": [(WEEKDAYS, time(7), time(11)), (WEEKDAYS, time(11, 30), time(15))],
    "evenings": [(WEEKDAYS, time(12), time(16)), ([1, 3], time(16, 30), time(20))],
}
DEVICE_HOURS = [(WEEKDAYS, time(7), time(19)), ([6], time(8), time(12))]

PAST_DAYS = 21
FILL = {"small": 0.45, "large": 0.33}


@dataclass
class Calendars:
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, row: Row) -> None:
        self.rows[table].append(row)


POLICY_DEFAULTS: dict[str, int | None] = {
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 0,
    "slot_interval_minutes": None,
    "min_notice_minutes": 60,
    "booking_horizon_days": 90,
    "max_per_day": None,
    "overbook_limit": 0,
    "hold_minutes": 10,
}


def apply_policies(org: OrgDirectory) -> None:
    """Set each visit type's booking policy (before the directory rows are inserted).

    Every row gets every policy column, so the rows of one bulk insert share one shape.
    """
    for service in org.rows.get("healthcare_service", []):
        service.update({**POLICY_DEFAULTS, **POLICIES.get(service["code"], {})})


def _pattern(rng: random.Random, telehealth: bool) -> str:
    if telehealth:
        return rng.choices(["full-time", "evenings", "part-time"], [5, 3, 2])[0]
    return rng.choices(["full-time", "four-long-days", "part-time", "early-shift"], [6, 2, 1, 1])[0]


def _rule(
    org_id: uuid.UUID,
    rule_id: uuid.UUID,
    schedule_id: uuid.UUID,
    weekdays: list[int],
    start: time,
    end: time,
    valid_from: date,
    reserved: list[str] | None = None,
    release: int | None = None,
    label: str | None = None,
) -> Row:
    at = datetime.combine(valid_from, time(12), tzinfo=UTC)
    return {
        "organization_id": org_id,
        "id": rule_id,
        "schedule_id": schedule_id,
        "weekdays": weekdays,
        "start_time": start,
        "end_time": end,
        "valid_from": valid_from,
        "valid_until": None,
        "every_weeks": 1,
        "reserved_for_service_ids": reserved or [],
        "release_hours_before": release,
        "label": label,
        "created_at": at,
        "updated_at": at,
    }


def _split(
    blocks: list[tuple[list[int], time, time]], day: int, cut: time
) -> list[tuple[list[int], time, time]]:
    """Take weekday ``day`` out of any block that starts before ``cut``, so a reserved
    block can own [block start, cut) on that day alone."""
    result = []
    for days, start, end in blocks:
        if day in days and start < cut < end:
            result.append(([d for d in days if d != day], start, end))
            result.append(([day], cut, end))
        else:
            result.append((days, start, end))
    return [b for b in result if b[0]]


@dataclass(frozen=True)
class SeatInfo:
    schedule_id: uuid.UUID
    role_id: uuid.UUID
    practitioner_id: uuid.UUID
    location_id: uuid.UUID
    zone: ZoneInfo
    services: list[Row]
    rules: list[WeeklyRule]


def build(
    org: OrgDirectory, patient_ids: list[uuid.UUID], seed: int, size: str, today: date
) -> Calendars:
    rng = random.Random(f"{seed}:scheduling:{org.spec.key}")
    ids = DemoIds(seed, f"scheduling:{org.spec.key}")
    out = Calendars()
    org_id = org.id
    created = datetime.combine(today - timedelta(days=400), time(12), tzinfo=UTC)
    valid_from = today - timedelta(days=365)
    locations = {row["id"]: row for row in org.rows.get("location", [])}
    services = {row["id"]: row for row in org.rows.get("healthcare_service", [])}
    by_code = {row["code"]: row for row in services.values()}
    offered: dict[uuid.UUID, list[Row]] = defaultdict(list)
    for link in org.rows.get("practitioner_role_service", []):
        offered[link["practitioner_role_id"]].append(services[link["healthcare_service_id"]])
    holidays = {row["date"] for row in org.rows.get("organization_holiday", [])}

    # Devices: one schedule each, open long days.
    devices: dict[tuple[uuid.UUID, str], list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
    device_rules: dict[uuid.UUID, list[WeeklyRule]] = {}
    for device in org.rows.get("device", []):
        schedule_id = ids.at(created)
        out.add(
            "schedule",
            {
                "organization_id": org_id,
                "id": schedule_id,
                "practitioner_role_id": None,
                "device_id": device["id"],
                "location_id": device["location_id"],
                "active": True,
                "created_at": created,
                "updated_at": created,
            },
        )
        device_rules[schedule_id] = []
        for days, start, end in DEVICE_HOURS:
            out.add(
                "availability_rule",
                _rule(org_id, ids.at(created), schedule_id, days, start, end, valid_from),
            )
            device_rules[schedule_id].append(WeeklyRule(frozenset(days), start, end, valid_from))
        devices[(device["location_id"], device["kind"])].append((device["id"], schedule_id))

    # A practitioner who works at several sites works there on different days: each
    # role gets its share of the weekdays, so their hours never overlap.
    roles_of: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for role in org.rows.get("practitioner_role", []):
        roles_of[role["practitioner_id"]].append(role["id"])

    seats: list[SeatInfo] = []
    for role in org.rows.get("practitioner_role", []):
        location = locations[role["location_id"]]
        schedule_id = ids.at(created)
        out.add(
            "schedule",
            {
                "organization_id": org_id,
                "id": schedule_id,
                "practitioner_role_id": role["id"],
                "device_id": None,
                "location_id": role["location_id"],
                "active": True,
                "created_at": created,
                "updated_at": created,
            },
        )
        blocks = list(PATTERNS[_pattern(rng, bool(location.get("telehealth_only")))])
        siblings = roles_of[role["practitioner_id"]]
        if len(siblings) > 1:
            share = siblings.index(role["id"])
            blocks = [
                ([d for d in days if (d - 1) % len(siblings) == share], start, end)
                for days, start, end in blocks
            ]
            blocks = [b for b in blocks if b[0]]
        reserved_rules: list[Row] = []
        role_codes = {s["code"] for s in offered[role["id"]]}
        tuesday_start = min((start for days, start, _ in blocks if 2 in days), default=None)
        if (
            "new-patient" in role_codes
            and tuesday_start is not None
            and tuesday_start < time(10)
            and rng.random() < 0.7
        ):
            # Tuesday mornings until 10:00 are kept for new patients.
            blocks = _split(blocks, 2, time(10))
            blocks = [(d, s, e) for d, s, e in blocks if not (d == [2] and s == tuesday_start)]
            reserved_rules.append(
                _rule(
                    org_id,
                    ids.at(created),
                    schedule_id,
                    [2],
                    tuesday_start,
                    time(10),
                    valid_from,
                    [str(by_code["new-patient"]["id"])],
                    None,
                    "New-patient block",
                )
            )
        if "same-day-sick" in role_codes:
            # The last hour of each working day's afternoon is held for same-day sick
            # visits until two hours before, then opens to every visit type.
            trimmed = []
            for days, start, end in blocks:
                hold_start = (datetime.combine(today, end) - timedelta(hours=1)).time()
                if start < hold_start and end >= time(15):
                    trimmed.append((days, start, hold_start))
                    reserved_rules.append(
                        _rule(
                            org_id,
                            ids.at(created),
                            schedule_id,
                            days,
                            hold_start,
                            end,
                            valid_from,
                            [str(by_code["same-day-sick"]["id"])],
                            2,
                            "Same-day hold",
                        )
                    )
                else:
                    trimmed.append((days, start, end))
            blocks = trimmed
        rows = [
            _rule(org_id, ids.at(created), schedule_id, days, start, end, valid_from)
            for days, start, end in blocks
        ]
        rows += reserved_rules
        for row in rows:
            out.add("availability_rule", row)
        rules = [
            WeeklyRule(
                frozenset(r["weekdays"]),
                r["start_time"],
                r["end_time"],
                valid_from,
                reserved_for=frozenset(uuid.UUID(s) for s in r["reserved_for_service_ids"]),
                release_hours_before=r["release_hours_before"],
            )
            for r in rows
        ]
        seats.append(
            SeatInfo(
                schedule_id,
                role["id"],
                role["practitioner_id"],
                role["location_id"],
                ZoneInfo(location["time_zone"]),
                offered[role["id"]],
                rules,
            )
        )

    _appointments(
        out, org_id, seats, devices, device_rules, holidays, patient_ids, rng, ids, size, today
    )
    return out


def _appointments(
    out: Calendars,
    org_id: uuid.UUID,
    seats: list[SeatInfo],
    devices: dict[tuple[uuid.UUID, str], list[tuple[uuid.UUID, uuid.UUID]]],
    device_rules: dict[uuid.UUID, list[WeeklyRule]],
    holidays: set[date],
    patient_ids: list[uuid.UUID],
    rng: random.Random,
    ids: DemoIds,
    size: str,
    today: date,
) -> None:
    if not patient_ids:
        return
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=90)
    now = datetime.combine(today, time(12), tzinfo=UTC)
    device_busy: dict[uuid.UUID, list[Span]] = defaultdict(list)
    fill = FILL[size]
    for seat in seats:
        if not seat.services:
            continue
        windows = open_windows(seat.rules, [], holidays, seat.zone, first, last)
        for window in windows:
            # Reserved time is booked with the visit types it is kept for.
            admitted = [
                s
                for s in seat.services
                if not window.reserved_for or s["id"] in window.reserved_for
            ]
            if not admitted:
                continue
            at = window.span.start
            # Where the previous visit's time (clean-up included) ends on this window.
            free_from = window.span.start
            while at < window.span.end:
                service = rng.choice(admitted)
                duration = timedelta(minutes=service["duration_minutes"])
                before = timedelta(minutes=service.get("buffer_before_minutes") or 0)
                after = timedelta(minutes=service.get("buffer_after_minutes") or 0)
                at = max(at, free_from + before)
                if at + duration + after > window.span.end:
                    break
                if rng.random() >= fill:
                    at += timedelta(
                        minutes=service.get("slot_interval_minutes") or service["duration_minutes"]
                    )
                    continue
                block = Span(at - before, at + duration + after)
                chosen = []
                for kind in service.get("required_device_kinds") or []:
                    free = next(
                        (
                            d
                            for d in devices.get((seat.location_id, kind), [])
                            if all(not block.overlaps(b) for b in device_busy[d[1]])
                        ),
                        None,
                    )
                    if free is None:
                        break
                    chosen.append(free)
                if len(chosen) != len(service.get("required_device_kinds") or []):
                    at += timedelta(minutes=15)
                    continue
                _book(
                    out,
                    org_id,
                    seat,
                    service,
                    at,
                    duration,
                    block,
                    chosen,
                    device_busy,
                    patient_ids,
                    rng,
                    ids,
                    now,
                )
                free_from = at = block.end


def _book(
    out: Calendars,
    org_id: uuid.UUID,
    seat: SeatInfo,
    service: Row,
    start: datetime,
    duration: timedelta,
    block: Span,
    chosen: list[tuple[uuid.UUID, uuid.UUID]],
    device_busy: dict[uuid.UUID, list[Span]],
    patient_ids: list[uuid.UUID],
    rng: random.Random,
    ids: DemoIds,
    now: datetime,
) -> None:
    past = start < now
    if past:
        status = rng.choices(["fulfilled", "noshow", "cancelled"], [85, 7, 8])[0]
    else:
        status = rng.choices(["booked", "cancelled"], [92, 8])[0]
    booked_at = start - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 8))
    appointment_id = ids.at(booked_at)
    blocking = status not in ("cancelled", "noshow")
    cancelled_by = (
        rng.choice(["patient", "patient", "practitioner", "organization"])
        if status == "cancelled"
        else None
    )
    out.add(
        "appointment",
        {
            "organization_id": org_id,
            "id": appointment_id,
            "status": status,
            "patient_id": rng.choice(patient_ids),
            "healthcare_service_id": service["id"],
            "practitioner_role_id": seat.role_id,
            "location_id": seat.location_id,
            "start_at": start,
            "end_at": start + duration,
            "modality": service.get("modality") or "in-person",
            "hold_expires_at": None,
            "booked_at": booked_at,
            "cancelled_at": (start - timedelta(days=1)) if status == "cancelled" else None,
            "cancellation_reason": "patient asked to cancel"
            if cancelled_by == "patient"
            else ("schedule change" if cancelled_by else None),
            "cancelled_by": cancelled_by,
            "rescheduled_from_id": None,
            "series_id": None,
            "overbooked": False,
            "comment": None,
            "created_by_user_id": None,
            "version": 1 if status in ("booked",) else 2,
            "created_at": booked_at,
            "updated_at": booked_at,
        },
    )
    common = {
        "organization_id": org_id,
        "appointment_id": appointment_id,
        "block_start": block.start,
        "block_end": block.end,
        "lane": 0,
        "blocking": blocking,
        "healthcare_service_id": service["id"],
        "hold_expires_at": None,
    }
    out.add(
        "appointment_participant",
        {
            **common,
            "id": ids.at(booked_at),
            "schedule_id": seat.schedule_id,
            "device_id": None,
            "practitioner_id": seat.practitioner_id,
        },
    )
    for device_id, schedule_id in chosen:
        out.add(
            "appointment_participant",
            {
                **common,
                "id": ids.at(booked_at),
                "schedule_id": schedule_id,
                "device_id": device_id,
                "practitioner_id": None,
            },
        )
        if blocking:
            device_busy[schedule_id].append(block)
    out.add(
        "appointment_history",
        {
            "organization_id": org_id,
            "id": ids.at(booked_at),
            "appointment_id": appointment_id,
            "at": booked_at,
            "action": "booked",
            "from_status": None,
            "to_status": "booked",
            "by_user_id": None,
            "reason": None,
            "details": {},
        },
    )
    if status != "booked":
        when = min(start + duration, now) if status != "cancelled" else start - timedelta(days=1)
        out.add(
            "appointment_history",
            {
                "organization_id": org_id,
                "id": ids.at(max(when, booked_at)),
                "appointment_id": appointment_id,
                "at": max(when, booked_at),
                "action": status,
                "from_status": "booked",
                "to_status": status,
                "by_user_id": None,
                "reason": None,
                "details": {},
            },
        )
