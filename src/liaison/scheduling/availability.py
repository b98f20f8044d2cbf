"""Availability administration: schedules, weekly rules, date overrides, blocks, and a
preview of the slots they make."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import InvalidInput, NotFound
from liaison.kit.db import flush_or_conflict
from liaison.models import (
    AvailabilityRule,
    Device,
    HealthcareService,
    Location,
    Practitioner,
    PractitionerRole,
    Schedule,
    ScheduleBlock,
    ScheduleOverride,
)
from liaison.scheduling import calendars, repository
from liaison.scheduling.rules import (
    ISO_TO_RRULE,
    DayHours,
    OpenWindow,
    local_time_exists,
    open_windows,
)
from liaison.scheduling.schemas import AvailabilityRuleCreate, BlockCreate, OverrideCreate
from liaison.scheduling.search import SearchRequest, Slot, find_slots

MANAGE, READ = Permission.SCHEDULE_MANAGE, Permission.DIRECTORY_READ
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class ScheduleInfo:
    schedule: Schedule
    time_zone: str
    label: str


def rrule_text(rule: AvailabilityRule) -> str:
    days = ",".join(RRULE_DAYS[ISO_TO_RRULE[d]] for d in sorted(rule.weekdays))
    text = f"FREQ=WEEKLY;INTERVAL={rule.every_weeks};BYDAY={days}"
    if rule.valid_until:
        text += f";UNTIL={rule.valid_until.strftime('%Y%m%d')}"
    return text


def _info(ctx: Context, schedule: Schedule) -> ScheduleInfo:
    location = referenced(
        ctx.session,
        ctx.caller,
        Location,
        schedule.organization_id,
        schedule.location_id,
        READ,
        "location_id",
    )
    if schedule.practitioner_role_id is not None:
        role = referenced(
            ctx.session,
            ctx.caller,
            PractitionerRole,
            schedule.organization_id,
            schedule.practitioner_role_id,
            READ,
            "practitioner_role_id",
        )
        practitioner = referenced(
            ctx.session,
            ctx.caller,
            Practitioner,
            schedule.organization_id,
            role.practitioner_id,
            READ,
            "practitioner_id",
        )
        label = f"{practitioner.display_name} at {location.name}"
    else:
        device = referenced(
            ctx.session,
            ctx.caller,
            Device,
            schedule.organization_id,
            schedule.device_id,
            READ,
            "device_id",
        )  # type: ignore[arg-type]
        label = f"{device.name} ({device.kind}) at {location.name}"
    return ScheduleInfo(schedule, location.time_zone, label)


def schedule_for(
    ctx: Context,
    *,
    practitioner_role_id: uuid.UUID | None = None,
    device_id: uuid.UUID | None = None,
) -> ScheduleInfo:
    """The schedule of a role or device, created the first time it is asked for."""
    if (practitioner_role_id is None) == (device_id is None):
        raise InvalidInput("practitioner_role_id", "give a practitioner role or a device")
    if practitioner_role_id is not None:
        owner: PractitionerRole | Device = access_one(
            ctx.session,
            ctx.caller,
            PractitionerRole,
            practitioner_role_id,
            READ,
            "PractitionerRole",
        )
        condition = Schedule.practitioner_role_id == practitioner_role_id
    else:
        owner = access_one(ctx.session, ctx.caller, Device, device_id, READ, "Device")  # type: ignore[arg-type]
        condition = Schedule.device_id == device_id
    existing = ctx.session.scalar(
        scoped(select(Schedule).where(condition), ctx.caller, Schedule, READ)
    )
    if existing is not None:
        return _info(ctx, existing)
    ctx.require(MANAGE, owner.organization_id)
    schedule = Schedule(
        organization_id=owner.organization_id,
        practitioner_role_id=practitioner_role_id,
        device_id=device_id,
        location_id=owner.location_id,
    )
    ctx.session.add(schedule)
    flush_or_conflict(ctx.session, "The schedule was created by someone else a moment ago; retry")
    ctx.audit("create", "Schedule", schedule.id, organization_id=schedule.organization_id)
    return _info(ctx, schedule)


def get_schedule(ctx: Context, schedule_id: uuid.UUID) -> ScheduleInfo:
    return _info(ctx, access_one(ctx.session, ctx.caller, Schedule, schedule_id, READ, "Schedule"))


def list_schedules(
    ctx: Context, organization_id: uuid.UUID, location_id: uuid.UUID | None = None
) -> list[ScheduleInfo]:
    ctx.require(READ, organization_id)
    stmt = select(Schedule).where(Schedule.organization_id == organization_id)
    if location_id is not None:
        stmt = stmt.where(Schedule.location_id == location_id)
    rows = ctx.session.scalars(scoped(stmt, ctx.caller, Schedule, READ))
    return sorted((_info(ctx, s) for s in rows), key=lambda i: i.label)


def _managed(ctx: Context, schedule_id: uuid.UUID) -> ScheduleInfo:
    info = get_schedule(ctx, schedule_id)
    ctx.require(MANAGE, info.schedule.organization_id)
    return info


def list_rules(ctx: Context, schedule_id: uuid.UUID) -> list[AvailabilityRule]:
    get_schedule(ctx, schedule_id)
    stmt = (
        select(AvailabilityRule)
        .where(AvailabilityRule.schedule_id == schedule_id)
        .order_by(AvailabilityRule.valid_from, AvailabilityRule.start_time)
    )
    return list(ctx.session.scalars(scoped(stmt, ctx.caller, AvailabilityRule, READ)))


def add_rule(
    ctx: Context, schedule_id: uuid.UUID, data: AvailabilityRuleCreate
) -> AvailabilityRule:
    info = _managed(ctx, schedule_id)
    org = info.schedule.organization_id
    for i, service_id in enumerate(data.reserved_for_service_ids):
        referenced(
            ctx.session,
            ctx.caller,
            HealthcareService,
            org,
            service_id,
            READ,
            f"reserved_for_service_ids[{i}]",
        )
    rule = AvailabilityRule(
        organization_id=org,
        schedule_id=schedule_id,
        weekdays=sorted(set(data.weekdays)),
        start_time=data.start_time,
        end_time=data.end_time,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        every_weeks=data.every_weeks,
        reserved_for_service_ids=[str(s) for s in data.reserved_for_service_ids],
        release_hours_before=data.release_hours_before,
        label=data.label,
    )
    ctx.session.add(rule)
    ctx.session.flush()
    ctx.audit("create", "AvailabilityRule", rule.id, organization_id=org)
    return rule


def remove_rule(ctx: Context, schedule_id: uuid.UUID, rule_id: uuid.UUID) -> None:
    info = _managed(ctx, schedule_id)
    rule = access_one(ctx.session, ctx.caller, AvailabilityRule, rule_id, READ, "AvailabilityRule")
    if rule.schedule_id != schedule_id:
        raise NotFound("AvailabilityRule")
    ctx.session.delete(rule)
    ctx.session.flush()
    ctx.audit("delete", "AvailabilityRule", rule_id, organization_id=info.schedule.organization_id)


def add_override(ctx: Context, schedule_id: uuid.UUID, data: OverrideCreate) -> ScheduleOverride:
    info = _managed(ctx, schedule_id)
    tz = calendars.zone(info.time_zone)
    for field, value in (("start_time", data.start_time), ("end_time", data.end_time)):
        if not local_time_exists(data.date, value, tz):
            raise InvalidInput(
                field,
                f"{value.strftime('%H:%M')} does not exist on {data.date.isoformat()} "
                f"in {info.time_zone} "
                "(the clocks skip it for daylight saving time)",
            )
    override = ScheduleOverride(
        organization_id=info.schedule.organization_id,
        schedule_id=schedule_id,
        date=data.date,
        start_time=data.start_time,
        end_time=data.end_time,
        reason=data.reason,
    )
    ctx.session.add(override)
    ctx.session.flush()
    ctx.audit("create", "ScheduleOverride", override.id, organization_id=override.organization_id)
    return override


def list_overrides(
    ctx: Context, schedule_id: uuid.UUID, first: date, last: date
) -> list[ScheduleOverride]:
    get_schedule(ctx, schedule_id)
    stmt = (
        select(ScheduleOverride)
        .where(
            ScheduleOverride.schedule_id == schedule_id,
            ScheduleOverride.date >= first,
            ScheduleOverride.date <= last,
        )
        .order_by(ScheduleOverride.date, ScheduleOverride.start_time)
    )
    return list(ctx.session.scalars(scoped(stmt, ctx.caller, ScheduleOverride, READ)))


def remove_override(ctx: Context, schedule_id: uuid.UUID, override_id: uuid.UUID) -> None:
    info = _managed(ctx, schedule_id)
    row = access_one(
        ctx.session, ctx.caller, ScheduleOverride, override_id, READ, "ScheduleOverride"
    )
    if row.schedule_id != schedule_id:
        raise NotFound("ScheduleOverride")
    ctx.session.delete(row)
    ctx.session.flush()
    ctx.audit(
        "delete", "ScheduleOverride", override_id, organization_id=info.schedule.organization_id
    )


def add_block(ctx: Context, schedule_id: uuid.UUID, data: BlockCreate) -> ScheduleBlock:
    info = _managed(ctx, schedule_id)
    if data.end_at - data.start_at > timedelta(days=366):
        raise InvalidInput("end_at", "a block lasts at most a year")
    block = ScheduleBlock(
        organization_id=info.schedule.organization_id,
        schedule_id=schedule_id,
        start_at=data.start_at,
        end_at=data.end_at,
        kind=data.kind,
        reason=data.reason,
    )
    ctx.session.add(block)
    ctx.session.flush()
    ctx.audit("create", "ScheduleBlock", block.id, organization_id=block.organization_id)
    return block


def list_blocks(ctx: Context, schedule_id: uuid.UUID) -> list[ScheduleBlock]:
    get_schedule(ctx, schedule_id)
    stmt = (
        select(ScheduleBlock)
        .where(ScheduleBlock.schedule_id == schedule_id)
        .order_by(ScheduleBlock.start_at)
    )
    return list(ctx.session.scalars(scoped(stmt, ctx.caller, ScheduleBlock, READ)))


def remove_block(ctx: Context, schedule_id: uuid.UUID, block_id: uuid.UUID) -> None:
    info = _managed(ctx, schedule_id)
    row = access_one(ctx.session, ctx.caller, ScheduleBlock, block_id, READ, "ScheduleBlock")
    if row.schedule_id != schedule_id:
        raise NotFound("ScheduleBlock")
    ctx.session.delete(row)
    ctx.session.flush()
    ctx.audit("delete", "ScheduleBlock", block_id, organization_id=info.schedule.organization_id)


def preview(
    ctx: Context, schedule_id: uuid.UUID, service_id: uuid.UUID, first: date, last: date
) -> list[Slot]:
    """The slots a practitioner schedule offers for a visit type between two dates."""
    info = get_schedule(ctx, schedule_id)
    schedule = info.schedule
    if schedule.practitioner_role_id is None:
        raise InvalidInput(
            "schedule_id", "preview a practitioner's schedule (devices follow their visits)"
        )
    if last < first:
        raise InvalidInput("end_date", "must not be before start_date")
    if (last - first).days > 62:
        raise InvalidInput("end_date", "a preview covers at most 62 days")
    service = referenced(
        ctx.session,
        ctx.caller,
        HealthcareService,
        schedule.organization_id,
        service_id,
        READ,
        "healthcare_service_id",
    )
    slots, _ = find_slots(
        ctx,
        SearchRequest(
            schedule.organization_id,
            service,
            count=10_000,
            mode="per-day",
            role_ids=[schedule.practitioner_role_id],
            start_date=first,
            end_date=last,
        ),
    )
    return sorted(slots, key=lambda s: s.start)


@dataclass(frozen=True)
class OpenTime:
    """What a calendar shades for one schedule: its open hours and its blocks."""

    windows: list[OpenWindow]
    blocks: list[ScheduleBlock]


def open_time(
    ctx: Context,
    organization_id: uuid.UUID,
    schedules: Sequence[ScheduleInfo],
    first: date,
    last: date,
) -> dict[uuid.UUID, OpenTime]:
    """Open hours (rules, overrides, holidays) and blocks of schedules over local dates
    [first, last], for the day and week calendars: four queries for any number."""
    principal = ctx.require(READ, organization_id)
    if last < first:
        raise InvalidInput("end_date", "must not be before start_date")
    if (last - first).days > 62:
        raise InvalidInput("end_date", "a calendar covers at most 62 days")
    ids = [i.schedule.id for i in schedules]
    rules = calendars.rules_by_schedule(ctx.session, principal, ids)
    closed = repository.holidays(ctx.session, principal, organization_id, first, last)
    overrides: dict[uuid.UUID, list[DayHours]] = defaultdict(list)
    for o in repository.overrides_for(ctx.session, principal, ids, first, last):
        overrides[o.schedule_id].append(DayHours(o.date, o.start_time, o.end_time))
    blocks: dict[uuid.UUID, list[ScheduleBlock]] = defaultdict(list)
    if ids:
        # A local day can start the previous UTC day and end the next: read a day either side.
        lo = datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC)
        hi = datetime.combine(last + timedelta(days=2), time(), tzinfo=UTC)
        stmt = (
            select(ScheduleBlock)
            .where(
                ScheduleBlock.schedule_id.in_(ids),
                ScheduleBlock.start_at < hi,
                ScheduleBlock.end_at > lo,
            )
            .order_by(ScheduleBlock.start_at)
        )
        for block in ctx.session.scalars(scoped(stmt, principal, ScheduleBlock, READ)):
            blocks[block.schedule_id].append(block)
    return {
        info.schedule.id: OpenTime(
            open_windows(
                rules.get(info.schedule.id, []),
                overrides.get(info.schedule.id, []),
                closed,
                calendars.zone(info.time_zone),
                first,
                last,
            ),
            blocks.get(info.schedule.id, []),
        )
        for info in schedules
    }
