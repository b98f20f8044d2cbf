"""The availability editor: a schedule's weekly hours, date overrides and blocked time,
and a preview of the slots they make for a visit type. Administrators (SCHEDULE_MANAGE)
change them; everyone else who reads the directory sees them read-only."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth.dependencies import ApiContext
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import Conflict, InvalidInput
from liaison.kit import clock
from liaison.scheduling import availability
from liaison.scheduling.rules import local_time_exists
from liaison.scheduling.schemas import AvailabilityRuleCreate, BlockCreate, OverrideCreate
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text, values_of
from liaison.web.pages import redirect, render, working_organization
from liaison.web.scheduling.common import (
    asks_for,
    directory_names,
    given,
    parse_date,
    parse_local_datetime,
    parse_uuid,
    prefixed,
)

router = APIRouter(prefix="/schedule/availability", include_in_schema=False)
MANAGE = Permission.SCHEDULE_MANAGE

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]
BLOCK_KINDS = [
    ("time-off", "Time off"),
    ("meeting", "Meeting"),
    ("block", "Blocked"),
    ("other", "Other"),
]
RULE_FIELDS = (
    "weekdays",
    "start_time",
    "end_time",
    "valid_from",
    "valid_until",
    "every_weeks",
    "reserved_for_service_ids",
    "release_hours_before",
    "label",
)
OVERRIDE_FIELDS = ("date", "start_time", "end_time", "reason")
BLOCK_FIELDS = ("start_at", "end_at", "kind", "reason")
PREVIEW_FIELDS = ("healthcare_service_id", "start_date", "end_date", "schedule_id")
# Two weeks show a rule's rhythm (every other week) without a long page.
PREVIEW_DAYS = 14
OVERRIDES_AHEAD_DAYS = 366


def _page(
    request: Request,
    ctx: Context,
    schedule_id: uuid.UUID | None,
    *,
    preview: dict[str, str] | None = None,
    block: str | None = None,
    status_code: int = 200,
    **form_state: Any,
) -> Response:
    org = working_organization(ctx)
    selected = availability.get_schedule(ctx, schedule_id) if schedule_id else None
    org_id = selected.schedule.organization_id if selected else org.id
    names = directory_names(ctx, org_id)
    schedules = availability.list_schedules(ctx, org_id)
    owners = {i.schedule.practitioner_role_id or i.schedule.device_id for i in schedules}
    data: dict[str, Any] = {
        "nav": "schedule",
        "section": "availability",
        "org": org,
        "names": names,
        "schedules": schedules,
        "selected": selected,
        "can_manage": ctx.caller.can(MANAGE, org_id),
        "unscheduled_roles": sorted(
            (r for r in names.roles.values() if r.active and r.id not in owners),
            key=lambda r: names.practitioner_of(r.id),
        ),
        "unscheduled_devices": sorted(
            (d for d in names.devices.values() if d.active and d.id not in owners),
            key=lambda d: d.name,
        ),
        "weekdays": WEEKDAYS,
        "weekday_names": dict(WEEKDAYS),
        "block_kinds": BLOCK_KINDS,
        "services": sorted((s for s in names.services.values() if s.active), key=lambda s: s.name),
    }
    if selected is not None:
        tz = ZoneInfo(selected.time_zone)
        today = clock.now().astimezone(tz).date()
        schedule = selected.schedule
        offered: list[uuid.UUID] = []
        if schedule.practitioner_role_id is not None:
            role = names.roles.get(schedule.practitioner_role_id)
            offered = directory_service.role_services(ctx, [role]).get(role.id, []) if role else []
        preview = preview or {}
        data.update(
            tz=selected.time_zone,
            today=today,
            rules=availability.list_rules(ctx, schedule.id),
            rrule=availability.rrule_text,
            overrides=availability.list_overrides(
                ctx, schedule.id, today, today + timedelta(days=OVERRIDES_AHEAD_DAYS)
            ),
            blocks=[
                b for b in availability.list_blocks(ctx, schedule.id) if b.end_at > clock.now()
            ],
            preview_services=[(str(s), names.service(s)) for s in offered],
            preview_values={
                "preview_service_id": preview.get("preview_service_id")
                or (str(offered[0]) if len(offered) == 1 else ""),
                "preview_from": preview.get("preview_from") or today.isoformat(),
                "preview_to": preview.get("preview_to")
                or (today + timedelta(days=PREVIEW_DAYS - 1)).isoformat(),
            },
        )
        data.update(
            _preview(
                ctx, selected, data["preview_values"], run=bool(preview.get("preview_service_id"))
            )
        )
        data.setdefault(
            "rule_values", {"rule-valid_from": today.isoformat(), "rule-every_weeks": "1"}
        )
    data.update(form_state)
    for name in ("rule", "override", "block"):
        data.setdefault(f"{name}_values", {})
        data.setdefault(f"{name}_errors", {})
    return render(
        request, ctx, "scheduling/availability.html", block=block, status_code=status_code, **data
    )


def _preview(
    ctx: Context, info: availability.ScheduleInfo, values: dict[str, str], run: bool
) -> dict[str, Any]:
    """The slots the rules make, by local day; problems with the preview's own fields."""
    if not run:
        return {"preview_days": None, "preview_errors": {}}
    errors: dict[str, str] = {}
    service_id = parse_uuid(values["preview_service_id"], "preview_service_id", errors)
    first = parse_date(values["preview_from"], "preview_from", errors)
    last = parse_date(values["preview_to"], "preview_to", errors)
    if errors or service_id is None or first is None or last is None:
        return {"preview_days": None, "preview_errors": errors}
    try:
        slots = availability.preview(ctx, info.schedule.id, service_id, first, last)
    except InvalidInput as exc:
        renamed = {
            "healthcare_service_id": "preview_service_id",
            "start_date": "preview_from",
            "end_date": "preview_to",
        }
        return {
            "preview_days": None,
            "preview_errors": prefixed(errors_of(exc), "", renamed.values(), renamed),
        }
    tz = ZoneInfo(info.time_zone)
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for slot in slots:
        by_day[slot.start.astimezone(tz).date()].append(slot.start)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return {
        "preview_days": [(d, by_day.get(d, [])) for d in days],
        "preview_errors": {},
        "preview_count": len(slots),
    }


@router.get("", response_class=HTMLResponse)
def editor(
    request: Request,
    ctx: ApiContext,
    schedule_id: uuid.UUID | None = None,
    preview_service_id: Annotated[str | None, Query(max_length=40)] = None,
    preview_from: Annotated[str | None, Query(max_length=20)] = None,
    preview_to: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    preview = {
        "preview_service_id": preview_service_id or "",
        "preview_from": preview_from or "",
        "preview_to": preview_to or "",
    }
    block = "preview" if asks_for(request, "preview-results") else None
    return _page(request, ctx, schedule_id, preview=preview, block=block)


def _managed(ctx: Context, schedule_id: uuid.UUID) -> availability.ScheduleInfo:
    # Checked before the form is read: someone who may not change availability is told
    # so (403), not shown field errors for a form they cannot use.
    info = availability.get_schedule(ctx, schedule_id)
    ctx.require(MANAGE, info.schedule.organization_id)
    return info


def _back(schedule_id: uuid.UUID) -> str:
    return f"/schedule/availability?schedule_id={schedule_id}"


@router.post("/setup")
def set_up(ctx: ApiContext, form: Form) -> Response:
    """A practitioner role or device gets its (empty) schedule."""
    kind, _, raw = (text(form, "owner") or "").partition(":")
    owner = parse_uuid(raw, "owner", {})
    if kind not in ("role", "device") or owner is None:
        raise InvalidInput("owner", "is not one of the choices offered")
    info = availability.schedule_for(
        ctx,
        practitioner_role_id=owner if kind == "role" else None,
        device_id=owner if kind == "device" else None,
    )
    return redirect(_back(info.schedule.id), "schedule-created")


@router.post("/{schedule_id}/rules")
def add_rule(request: Request, schedule_id: uuid.UUID, ctx: ApiContext, form: Form) -> Response:
    _managed(ctx, schedule_id)
    payload = {
        "weekdays": [v for v in form.getlist("rule-weekdays") if isinstance(v, str)],
        "start_time": text(form, "rule-start_time"),
        "end_time": text(form, "rule-end_time"),
        "valid_from": text(form, "rule-valid_from"),
        "valid_until": text(form, "rule-valid_until"),
        "every_weeks": text(form, "rule-every_weeks") or 1,
        "reserved_for_service_ids": [
            v for v in form.getlist("rule-reserved_for_service_ids") if isinstance(v, str) and v
        ],
        "release_hours_before": text(form, "rule-release_hours_before"),
        "label": text(form, "rule-label"),
    }
    try:
        availability.add_rule(
            ctx, schedule_id, AvailabilityRuleCreate.model_validate(given(payload))
        )
    except (ValidationError, InvalidInput) as exc:
        errors = prefixed(errors_of(exc), "rule", RULE_FIELDS)
        if not payload["weekdays"]:
            errors["rule-weekdays"] = "Tick at least one weekday"
        _refuse(request, ctx, schedule_id, "rule", form, errors)
    return redirect(_back(schedule_id), "rule-added")


@router.post("/{schedule_id}/rules/{rule_id}/remove")
def remove_rule(schedule_id: uuid.UUID, rule_id: uuid.UUID, ctx: ApiContext) -> Response:
    availability.remove_rule(ctx, schedule_id, rule_id)
    return redirect(_back(schedule_id), "rule-removed")


@router.post("/{schedule_id}/overrides")
def add_override(request: Request, schedule_id: uuid.UUID, ctx: ApiContext, form: Form) -> Response:
    _managed(ctx, schedule_id)
    payload = {name: text(form, f"override-{name}") for name in OVERRIDE_FIELDS}
    try:
        availability.add_override(ctx, schedule_id, OverrideCreate.model_validate(given(payload)))
    except (ValidationError, InvalidInput) as exc:
        _refuse(
            request,
            ctx,
            schedule_id,
            "override",
            form,
            prefixed(errors_of(exc), "override", OVERRIDE_FIELDS),
        )
    return redirect(_back(schedule_id), "override-added")


@router.post("/{schedule_id}/overrides/{override_id}/remove")
def remove_override(schedule_id: uuid.UUID, override_id: uuid.UUID, ctx: ApiContext) -> Response:
    availability.remove_override(ctx, schedule_id, override_id)
    return redirect(_back(schedule_id), "override-removed")


def _zoned(
    value: datetime | None, field: str, tz: ZoneInfo, errors: dict[str, str]
) -> datetime | None:
    """A wall-clock time typed for the schedule's zone, as an instant. A time the clocks
    skip (02:30 on a spring-forward day) is refused rather than silently moved; a time
    that happens twice (autumn) means its first occurrence."""
    if value is None:
        return None
    if not local_time_exists(value.date(), value.time(), tz):
        errors[field] = (
            f"{value:%H:%M} does not exist on {value.date().isoformat()} in {tz.key} "
            "(the clocks skip it for daylight saving time)"
        )
        return None
    return value.replace(tzinfo=tz)


@router.post("/{schedule_id}/blocks")
def add_block(request: Request, schedule_id: uuid.UUID, ctx: ApiContext, form: Form) -> Response:
    info = _managed(ctx, schedule_id)
    tz = ZoneInfo(info.time_zone)
    errors = {
        f"block-{name}": "is required"
        for name in ("start_at", "end_at")
        if not text(form, f"block-{name}")
    }
    start = _zoned(
        parse_local_datetime(text(form, "block-start_at"), "block-start_at", errors),
        "block-start_at",
        tz,
        errors,
    )
    end = _zoned(
        parse_local_datetime(text(form, "block-end_at"), "block-end_at", errors),
        "block-end_at",
        tz,
        errors,
    )
    payload = {
        "start_at": start,
        "end_at": end,
        "kind": text(form, "block-kind") or "block",
        "reason": text(form, "block-reason"),
    }
    try:
        data = BlockCreate.model_validate(given(payload))
        if not errors:
            availability.add_block(ctx, schedule_id, data)
    except (ValidationError, InvalidInput, Conflict) as exc:
        errors = prefixed(errors_of(exc), "block", BLOCK_FIELDS) | errors
    if errors:
        _refuse(request, ctx, schedule_id, "block", form, errors)
    return redirect(_back(schedule_id), "block-added")


@router.post("/{schedule_id}/blocks/{block_id}/remove")
def remove_block(schedule_id: uuid.UUID, block_id: uuid.UUID, ctx: ApiContext) -> Response:
    availability.remove_block(ctx, schedule_id, block_id)
    return redirect(_back(schedule_id), "block-removed")


def _refuse(
    request: Request,
    ctx: Context,
    schedule_id: uuid.UUID,
    name: str,
    form: Any,
    errors: dict[str, str],
) -> None:
    forms.discard(ctx)
    state = {f"{name}_values": values_of(form), f"{name}_errors": errors}
    reject(_page(request, ctx, schedule_id, status_code=422, **state))
