"""Day and week calendars, server-rendered as a CSS grid.

The day calendar has one column per practitioner role and per device at a location; the
week calendar one column per day for one practitioner. Rows are 15 minutes of wall-clock
time in the location's zone, so 09:00 sits on the same row every day, DST or not (on the
morning the clocks change, the skipped hour is an empty stretch, not a shifted day).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import ApiContext
from liaison.authz.permissions import Permission
from liaison.errors import InvalidInput, NotFound
from liaison.kit import clock
from liaison.scheduling import availability, booking
from liaison.scheduling.rules import local_instant
from liaison.web.pages import redirect, render, working_organization
from liaison.web.scheduling.common import (
    Names,
    directory_names,
    expired_hold,
    parse_date,
    parse_uuid,
)

router = APIRouter(prefix="/schedule", include_in_schema=False)
T = TypeVar("T")

ROW_MINUTES = 15
# Office hours are always shown; earlier or later rows appear when something is there.
DEFAULT_HOURS = (7, 19)
# A calendar shows visits that take or took time; cancelled and mistaken ones are gone.
SHOWN = ["proposed", "booked", "arrived", "checked-in", "fulfilled", "noshow"]
BLOCK_KINDS = {
    "time-off": "Time off",
    "meeting": "Meeting",
    "block": "Blocked",
    "other": "Unavailable",
}


@dataclass
class Item:
    """Something drawn in a column, in rows from the top of the grid."""

    kind: str  # "appointment" | "block" | "closed"
    first: int  # minutes since the day's local midnight
    last: int
    label: str = ""
    view: booking.AppointmentView | None = None
    top: float = 0
    rows: float = 0
    lane: int = 0
    lanes: int = 1


@dataclass
class Column:
    key: str
    title: str
    day: date
    subtitle: str = ""
    href: str | None = None
    items: list[Item] = field(default_factory=list)
    open_minutes: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Sheet:
    columns: list[Column]
    first_hour: int
    last_hour: int

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // ROW_MINUTES

    @property
    def hour_marks(self) -> list[tuple[int, str]]:
        return [
            ((h - self.first_hour) * 60 // ROW_MINUTES, f"{h:02d}:00")
            for h in range(self.first_hour, self.last_hour)
        ]


def _minutes(start: datetime, end: datetime, day: date, tz: ZoneInfo) -> tuple[int, int] | None:
    """[start, end) as minutes of ``day``'s wall clock, clipped to the day; None if apart."""

    def of(instant: datetime) -> int:
        local = instant.astimezone(tz)
        return (local.date() - day).days * 1440 + local.hour * 60 + local.minute

    first, last = max(of(start), 0), min(of(end), 1440)
    return (first, last) if first < last else None


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _lanes(items: list[Item]) -> None:
    """Side by side where visits overlap (an overbooked time), full width elsewhere."""
    cluster: list[Item] = []
    cluster_end = -1
    lane_ends: list[int] = []

    def close() -> None:
        for item in cluster:
            item.lanes = len(lane_ends) or 1

    for item in sorted(items, key=lambda i: (i.first, i.last)):
        if item.first >= cluster_end and cluster:
            close()
            cluster, lane_ends = [], []
        lane = next((n for n, end in enumerate(lane_ends) if end <= item.first), None)
        if lane is None:
            lane_ends.append(item.last)
            lane = len(lane_ends) - 1
        else:
            lane_ends[lane] = item.last
        item.lane = lane
        cluster.append(item)
        cluster_end = max(cluster_end, item.last)
    close()


def _sheet(columns: list[Column]) -> Sheet:
    spans = [(i.first, i.last) for c in columns for i in c.items]
    spans += [s for c in columns for s in c.open_minutes]
    first_hour = min([DEFAULT_HOURS[0]] + [a // 60 for a, _ in spans])
    last_hour = max([DEFAULT_HOURS[1]] + [math.ceil(b / 60) for _, b in spans])
    top, bottom = first_hour * 60, last_hour * 60
    for column in columns:
        # Shade what is not open: the complement of the open hours within the grid.
        cursor = top
        closed = []
        for a, b in _merge(column.open_minutes):
            if a > cursor:
                closed.append(Item("closed", cursor, min(a, bottom)))
            cursor = max(cursor, b)
        if cursor < bottom:
            closed.append(Item("closed", cursor, bottom))
        _lanes([i for i in column.items if i.kind == "appointment"])
        column.items = closed + column.items
        for item in column.items:
            item.top = (item.first - top) / ROW_MINUTES
            item.rows = max(item.last - item.first, 1) / ROW_MINUTES
    return Sheet(columns, first_hour, last_hour)


def _clock(minute: int) -> str:
    minute = min(minute, 1440)
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _appointment(
    view: booking.AppointmentView, day: date, tz: ZoneInfo, names: Names
) -> Item | None:
    a = view.appointment
    span = _minutes(a.start_at, a.end_at, day, tz)
    if span is None:
        return None
    patient = view.patient
    who = f"{patient.family_name}, {patient.given_name}" if patient else "Patient"
    hours = f"{_clock(span[0])}\N{EN DASH}{_clock(span[1])}"
    label = f"{hours} {who}, {names.service(a.healthcare_service_id)}"
    return Item("appointment", span[0], span[1], label=label, view=view)


def _blocks(
    opening: availability.OpenTime | None, day: date, tz: ZoneInfo
) -> tuple[list[Item], list[tuple[int, int]]]:
    if opening is None:
        return [], []
    items = []
    for block in opening.blocks:
        span = _minutes(block.start_at, block.end_at, day, tz)
        if span:
            what = BLOCK_KINDS.get(block.kind, "Blocked")
            label = f"{what} {_clock(span[0])}\N{EN DASH}{_clock(span[1])}" + (
                f": {block.reason}" if block.reason else ""
            )
            items.append(Item("block", span[0], span[1], label=label))
    open_minutes = [
        s for w in opening.windows if (s := _minutes(w.span.start, w.span.end, day, tz))
    ]
    return items, open_minutes


def _live(views: list[booking.AppointmentView]) -> list[booking.AppointmentView]:
    now = clock.now()
    return [v for v in views if not expired_hold(v, now)]


def _pick(rows: dict[uuid.UUID, T], raw: str) -> T | None:
    key = parse_uuid(raw, "id", {})
    return rows.get(key) if key else None


def _day_bounds(day: date, tz: ZoneInfo, days: int = 1) -> tuple[datetime, datetime]:
    return local_instant(day, time(0), tz), local_instant(day + timedelta(days=days), time(0), tz)


def _chosen_date(raw: str | None, tz: ZoneInfo) -> date:
    errors: dict[str, str] = {}
    chosen = parse_date(raw, "date", errors)
    if errors:
        raise InvalidInput("date", errors["date"])
    return chosen or clock.now().astimezone(tz).date()


@router.get("", response_class=HTMLResponse)
def schedule_home() -> Response:
    return redirect("/schedule/day")


@router.get("/day", response_class=HTMLResponse)
def day_calendar(
    request: Request,
    ctx: ApiContext,
    on: Annotated[str | None, Query(alias="date", max_length=20)] = None,
    location_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    org = working_organization(ctx)
    ctx.require(Permission.APPOINTMENT_READ, org.id)
    names = directory_names(ctx, org.id)
    locations = sorted(
        (loc for loc in names.locations.values() if loc.active), key=lambda x: x.name
    )
    # No choice: the first location. A choice that is not one of the organization's: 404.
    if location_id:
        location = _pick(names.locations, location_id)
        if location is None:
            raise NotFound("Location")
    else:
        location = locations[0] if locations else None
    data: dict[str, Any] = {"nav": "schedule", "section": "day", "org": org, "locations": locations}
    if location is None:
        return render(request, ctx, "scheduling/day.html", location=None, **data)
    tz = ZoneInfo(location.time_zone)
    day = _chosen_date(on, tz)
    start, end = _day_bounds(day, tz)
    views = _live(
        booking.list_appointments(
            ctx,
            organization_id=org.id,
            start=start,
            end=end,
            location_id=location.id,
            statuses=SHOWN,
            with_patients=True,
        )
    )
    infos = availability.list_schedules(ctx, org.id, location.id)
    opening = availability.open_time(ctx, org.id, infos, day, day)
    by_owner = {
        i.schedule.practitioner_role_id or i.schedule.device_id: i.schedule.id for i in infos
    }
    booked_roles = {v.appointment.practitioner_role_id for v in views}
    roles = [
        r
        for r in names.roles.values()
        if r.location_id == location.id and (r.active or r.id in booked_roles)
    ]
    roles.sort(key=lambda r: names.practitioner_of(r.id))
    columns = []
    for role in roles:
        schedule_id = by_owner.get(role.id)
        column = Column(
            key=f"role-{role.id}",
            title=names.practitioner_of(role.id),
            day=day,
            subtitle="" if schedule_id else "no availability set up",
            href=f"/schedule/week?date={day.isoformat()}&practitioner_id={role.practitioner_id}",
        )
        column.items, column.open_minutes = _blocks(
            opening.get(schedule_id) if schedule_id else None, day, tz
        )
        column.items += [
            i
            for v in views
            if v.appointment.practitioner_role_id == role.id
            if (i := _appointment(v, day, tz, names))
        ]
        columns.append(column)
    devices = sorted(
        (d for d in names.devices.values() if d.location_id == location.id and d.active),
        key=lambda d: d.name,
    )
    for device in devices:
        schedule_id = by_owner.get(device.id)
        column = Column(key=f"device-{device.id}", title=device.name, day=day, subtitle=device.kind)
        column.items, column.open_minutes = _blocks(
            opening.get(schedule_id) if schedule_id else None, day, tz
        )
        column.items += [
            i for v in views if device.id in v.device_ids if (i := _appointment(v, day, tz, names))
        ]
        columns.append(column)
    today = clock.now().astimezone(tz).date()
    return render(
        request,
        ctx,
        "scheduling/day.html",
        location=location,
        day=day,
        tz=location.time_zone,
        zone_abbr=datetime.combine(day, time(12), tzinfo=tz).strftime("%Z"),
        sheet=_sheet(columns),
        count=len(views),
        previous=day - timedelta(days=1),
        next=day + timedelta(days=1),
        today=today,
        **data,
    )


@router.get("/week", response_class=HTMLResponse)
def week_calendar(
    request: Request,
    ctx: ApiContext,
    on: Annotated[str | None, Query(alias="date", max_length=20)] = None,
    practitioner_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    org = working_organization(ctx)
    ctx.require(Permission.APPOINTMENT_READ, org.id)
    names = directory_names(ctx, org.id)
    practitioners = sorted(
        (p for p in names.practitioners.values() if p.active),
        key=lambda p: (p.family_name, p.given_name),
    )
    if practitioner_id:
        practitioner = _pick(names.practitioners, practitioner_id)
        if practitioner is None:
            raise NotFound("Practitioner")
    else:
        practitioner = practitioners[0] if practitioners else None
    data: dict[str, Any] = {
        "nav": "schedule",
        "section": "week",
        "org": org,
        "practitioners": practitioners,
    }
    if practitioner is None:
        return render(request, ctx, "scheduling/week.html", practitioner=None, **data)
    roles = [r for r in names.roles.values() if r.practitioner_id == practitioner.id]
    active_roles = [r for r in roles if r.active] or roles
    # One zone for the grid: where the practitioner works (their first location).
    zone_name = (
        names.zone(active_roles[0].location_id, org.time_zone) if active_roles else org.time_zone
    )
    tz = ZoneInfo(zone_name)
    chosen = _chosen_date(on, tz)
    monday = chosen - timedelta(days=chosen.weekday())
    days = [monday + timedelta(days=n) for n in range(7)]
    start, end = _day_bounds(monday, tz, days=7)
    views = _live(
        booking.list_appointments(
            ctx,
            organization_id=org.id,
            start=start,
            end=end,
            practitioner_id=practitioner.id,
            statuses=SHOWN,
            with_patients=True,
        )
    )
    infos = [
        info
        for location_id in dict.fromkeys(r.location_id for r in roles)
        for info in availability.list_schedules(ctx, org.id, location_id)
        if info.schedule.practitioner_role_id in {r.id for r in roles}
    ]
    opening = availability.open_time(ctx, org.id, infos, days[0], days[-1])
    columns = []
    for day in days:
        column = Column(
            key=f"day-{day.isoformat()}",
            title=f"{day:%a} {day.day} {day:%b}",
            day=day,
            href=f"/schedule/day?date={day.isoformat()}"
            + (f"&location_id={active_roles[0].location_id}" if active_roles else ""),
        )
        for info in infos:
            items, open_minutes = _blocks(opening.get(info.schedule.id), day, tz)
            column.items += items
            column.open_minutes += open_minutes
        column.items += [i for v in views if (i := _appointment(v, day, tz, names))]
        columns.append(column)
    today = clock.now().astimezone(tz).date()
    return render(
        request,
        ctx,
        "scheduling/week.html",
        practitioner=practitioner,
        day=chosen,
        monday=monday,
        tz=zone_name,
        zone_abbr=datetime.combine(monday, time(12), tzinfo=tz).strftime("%Z"),
        sheet=_sheet(columns),
        count=len(views),
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        today=today,
        locations=[
            names.location(loc) for loc in dict.fromkeys(r.location_id for r in active_roles)
        ],
        **data,
    )
