"""HTTP edge of scheduling: availability, slot search, appointments."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from liaison import idempotency
from liaison.audit.trail import PendingAudit
from liaison.auth.dependencies import ApiContext, get_runtime
from liaison.context import Context, unit_of_work
from liaison.scheduling import availability, booking, ical, search, series
from liaison.scheduling.schemas import (
    AppointmentCreate,
    AppointmentPage,
    AppointmentRead,
    AvailabilityRuleCreate,
    AvailabilityRuleRead,
    BlockCreate,
    BlockRead,
    BookHold,
    CancelRequest,
    FeedCreate,
    FeedIssued,
    FeedRead,
    HistoryRead,
    OverrideCreate,
    OverrideRead,
    RescheduleRequest,
    ScheduleRead,
    SeriesChange,
    SeriesConflict,
    SeriesCreate,
    SeriesRead,
    SlotRead,
    SlotReason,
    SlotSearch,
    SlotSearchResult,
    StatusChange,
)

router = APIRouter(prefix="/api/v1", tags=["scheduling"])


def slot_read(slot: search.Slot) -> SlotRead:
    return SlotRead(
        start=slot.start,
        end=slot.end,
        local_start=slot.local_start.isoformat(),
        practitioner_role_id=slot.role_id,
        practitioner_id=slot.practitioner_id,
        practitioner_name=slot.practitioner_name,
        location_id=slot.location_id,
        device_ids=list(slot.device_ids),
        score=slot.score,
        reasons=[SlotReason(code=r.code, points=r.points, text=r.text) for r in slot.reasons],
    )


def appointment_read(item: booking.AppointmentView) -> AppointmentRead:
    a = item.appointment
    return AppointmentRead(
        id=a.id,
        organization_id=a.organization_id,
        status=a.status,
        patient_id=a.patient_id,
        healthcare_service_id=a.healthcare_service_id,
        practitioner_role_id=a.practitioner_role_id,
        location_id=a.location_id,
        start=a.start_at,
        end=a.end_at,
        modality=a.modality,
        hold_expires_at=a.hold_expires_at,
        cancelled_at=a.cancelled_at,
        cancellation_reason=a.cancellation_reason,
        cancelled_by=a.cancelled_by,
        rescheduled_from_id=a.rescheduled_from_id,
        series_id=a.series_id,
        overbooked=a.overbooked,
        comment=a.comment,
        device_ids=item.device_ids,
        version=a.version,
        history=[HistoryRead.model_validate(h) for h in item.history],
    )


def schedule_read(info: availability.ScheduleInfo) -> ScheduleRead:
    s = info.schedule
    return ScheduleRead(
        id=s.id,
        organization_id=s.organization_id,
        practitioner_role_id=s.practitioner_role_id,
        device_id=s.device_id,
        location_id=s.location_id,
        time_zone=info.time_zone,
        label=info.label,
        active=s.active,
    )


def rule_read(rule: Any) -> AvailabilityRuleRead:
    return AvailabilityRuleRead.model_validate(
        {
            **{k: getattr(rule, k) for k in AvailabilityRuleRead.model_fields if k != "rrule"},
            "rrule": availability.rrule_text(rule),
        }
    )


def appointment_context(action: str) -> Any:
    """Appointments name a patient: every request leaves one audit row."""
    from fastapi import Depends

    def dependency(request: Request, ctx: ApiContext) -> Context:
        raw = request.path_params.get("appointment_id")
        ctx.audit_default = PendingAudit(
            action=action, resource_type="Appointment", resource_id=str(raw) if raw else None
        )
        return ctx

    return Annotated[Context, Depends(dependency)]


Reading = appointment_context("read")
Creating = appointment_context("create")
Updating = appointment_context("update")


# --- Schedules and availability --------------------------------------------------------


@router.get("/schedules", response_model=list[ScheduleRead])
def list_schedules(
    ctx: ApiContext, organization_id: uuid.UUID, location_id: uuid.UUID | None = None
) -> list[ScheduleRead]:
    return [
        schedule_read(i) for i in availability.list_schedules(ctx, organization_id, location_id)
    ]


@router.post("/schedules", response_model=ScheduleRead, status_code=200)
def ensure_schedule(
    ctx: ApiContext,
    practitioner_role_id: Annotated[uuid.UUID | None, Query()] = None,
    device_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ScheduleRead:
    """The schedule of a practitioner role or a device (created when first asked for)."""
    return schedule_read(
        availability.schedule_for(
            ctx, practitioner_role_id=practitioner_role_id, device_id=device_id
        )
    )


@router.get("/schedules/{schedule_id}", response_model=ScheduleRead)
def get_schedule(schedule_id: uuid.UUID, ctx: ApiContext) -> ScheduleRead:
    return schedule_read(availability.get_schedule(ctx, schedule_id))


@router.get("/schedules/{schedule_id}/rules", response_model=list[AvailabilityRuleRead])
def list_rules(schedule_id: uuid.UUID, ctx: ApiContext) -> list[AvailabilityRuleRead]:
    return [rule_read(r) for r in availability.list_rules(ctx, schedule_id)]


@router.post("/schedules/{schedule_id}/rules", response_model=AvailabilityRuleRead, status_code=201)
def add_rule(
    schedule_id: uuid.UUID, body: AvailabilityRuleCreate, ctx: ApiContext
) -> AvailabilityRuleRead:
    return rule_read(availability.add_rule(ctx, schedule_id, body))


@router.delete("/schedules/{schedule_id}/rules/{rule_id}", status_code=204)
def remove_rule(schedule_id: uuid.UUID, rule_id: uuid.UUID, ctx: ApiContext) -> Response:
    availability.remove_rule(ctx, schedule_id, rule_id)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/overrides", response_model=list[OverrideRead])
def list_overrides(
    schedule_id: uuid.UUID, ctx: ApiContext, start_date: date, end_date: date
) -> list[OverrideRead]:
    return [
        OverrideRead.model_validate(o)
        for o in availability.list_overrides(ctx, schedule_id, start_date, end_date)
    ]


@router.post("/schedules/{schedule_id}/overrides", response_model=OverrideRead, status_code=201)
def add_override(schedule_id: uuid.UUID, body: OverrideCreate, ctx: ApiContext) -> OverrideRead:
    return OverrideRead.model_validate(availability.add_override(ctx, schedule_id, body))


@router.delete("/schedules/{schedule_id}/overrides/{override_id}", status_code=204)
def remove_override(schedule_id: uuid.UUID, override_id: uuid.UUID, ctx: ApiContext) -> Response:
    availability.remove_override(ctx, schedule_id, override_id)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/blocks", response_model=list[BlockRead])
def list_blocks(schedule_id: uuid.UUID, ctx: ApiContext) -> list[BlockRead]:
    return [BlockRead.model_validate(b) for b in availability.list_blocks(ctx, schedule_id)]


@router.post("/schedules/{schedule_id}/blocks", response_model=BlockRead, status_code=201)
def add_block(schedule_id: uuid.UUID, body: BlockCreate, ctx: ApiContext) -> BlockRead:
    return BlockRead.model_validate(availability.add_block(ctx, schedule_id, body))


@router.delete("/schedules/{schedule_id}/blocks/{block_id}", status_code=204)
def remove_block(schedule_id: uuid.UUID, block_id: uuid.UUID, ctx: ApiContext) -> Response:
    availability.remove_block(ctx, schedule_id, block_id)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/preview", response_model=list[SlotRead])
def preview(
    schedule_id: uuid.UUID,
    ctx: ApiContext,
    healthcare_service_id: uuid.UUID,
    start_date: date,
    end_date: date,
) -> list[SlotRead]:
    return [
        slot_read(s)
        for s in availability.preview(ctx, schedule_id, healthcare_service_id, start_date, end_date)
    ]


# --- Slot search ----------------------------------------------------------------------


@router.post("/slots/search", response_model=SlotSearchResult)
def search_slots(body: SlotSearch, ctx: ApiContext) -> Response:
    slots, until = search.search_slots(ctx, body)
    return Response(slots_json(slots, until), media_type="application/json")


def _instant(value: datetime) -> str:
    """As pydantic writes an aware UTC instant (``2026-06-01T13:00:00Z``)."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def slots_json(slots: Sequence[search.Slot], until: date) -> bytes:
    """The ``SlotSearchResult`` document, written straight from the engine's slots.

    A month of one practitioner is a few hundred slots with their reasons: building a
    pydantic model for each, which FastAPI then validates again against the response
    model before serialising, was most of the request's time. The shape is the
    documented ``SlotSearchResult``; a test holds the two equal."""
    document = {
        "slots": [
            {
                "start": _instant(s.start),
                "end": _instant(s.end),
                "local_start": s.local_start.isoformat(),
                "practitioner_role_id": str(s.role_id),
                "practitioner_id": str(s.practitioner_id),
                "practitioner_name": s.practitioner_name,
                "location_id": str(s.location_id),
                "device_ids": [str(d) for d in s.device_ids],
                "score": s.score,
                "reasons": [
                    {"code": r.code, "points": r.points, "text": r.text} for r in s.reasons
                ],
            }
            for s in slots
        ],
        "searched_until": until.isoformat(),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# --- Appointments ---------------------------------------------------------------------


@router.post(
    "/appointments",
    response_model=AppointmentRead,
    status_code=201,
    responses={409: {"description": "The time was taken (with alternatives)"}},
)
def create_appointment(
    body: AppointmentCreate,
    ctx: Creating,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """Hold (status proposed) or book a slot. Send an Idempotency-Key to retry safely."""
    if idempotency_key is not None:
        replay = idempotency.claim(
            ctx,
            idempotency_key,
            idempotency.fingerprint("POST", "/appointments", body.model_dump(mode="json")),
        )
        if replay is not None:
            ctx.audit(
                "read",
                "Appointment",
                replay.body.get("id"),
                organization_id=body.organization_id,
                patient_id=body.patient_id,
                replay=True,
            )
            return JSONResponse(replay.body, status_code=replay.status_code)
    view = booking.book_appointment(
        ctx,
        organization_id=body.organization_id,
        patient_id=body.patient_id,
        service_id=body.healthcare_service_id,
        role_id=body.practitioner_role_id,
        start=body.start,
        status=body.status,
        device_ids=body.device_ids,
        overbook=body.overbook,
        comment=body.comment,
    )
    result = appointment_read(view)
    if idempotency_key is not None:
        idempotency.complete(ctx, idempotency_key, 201, result.model_dump(mode="json"))
    return result


@router.get("/appointments", response_model=AppointmentPage)
def list_appointments(
    ctx: Reading,
    start: AwareDatetime,
    end: AwareDatetime,
    organization_id: uuid.UUID | None = None,
    practitioner_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> AppointmentPage:
    views = booking.list_appointments(
        ctx,
        organization_id=organization_id,
        start=start,
        end=end,
        practitioner_id=practitioner_id,
        location_id=location_id,
        patient_id=patient_id,
        statuses=status,
        limit=limit,
    )
    return AppointmentPage(items=[appointment_read(v) for v in views])


@router.get("/appointments/{appointment_id}", response_model=AppointmentRead)
def get_appointment(appointment_id: uuid.UUID, ctx: Reading) -> AppointmentRead:
    return appointment_read(booking.get_appointment(ctx, appointment_id))


@router.post("/appointments/{appointment_id}/book", response_model=AppointmentRead)
def confirm_hold(appointment_id: uuid.UUID, body: BookHold, ctx: Updating) -> AppointmentRead:
    return appointment_read(booking.confirm_hold(ctx, appointment_id, body.comment))


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentRead)
def cancel(appointment_id: uuid.UUID, body: CancelRequest, ctx: Updating) -> AppointmentRead:
    return appointment_read(
        booking.cancel_appointment(ctx, appointment_id, body.reason, body.cancelled_by)
    )


@router.post(
    "/appointments/{appointment_id}/reschedule", response_model=AppointmentRead, status_code=201
)
def reschedule(
    appointment_id: uuid.UUID, body: RescheduleRequest, ctx: Updating
) -> AppointmentRead:
    return appointment_read(
        booking.reschedule_appointment(
            ctx,
            appointment_id,
            body.start,
            role_id=body.practitioner_role_id,
            reason=body.reason,
            requested_by=body.requested_by,
        )
    )


@router.post("/appointments/{appointment_id}/status", response_model=AppointmentRead)
def change_status(appointment_id: uuid.UUID, body: StatusChange, ctx: Updating) -> AppointmentRead:
    return appointment_read(booking.change_status(ctx, appointment_id, body.status, body.reason))


# --- Recurring series -----------------------------------------------------------------


def series_read(view: series.SeriesView) -> SeriesRead:
    s = view.series
    return SeriesRead(
        id=s.id,
        organization_id=s.organization_id,
        patient_id=s.patient_id,
        every_weeks=s.every_weeks,
        count=s.count,
        until=s.until,
        status=s.status,
        appointments=[appointment_read(v) for v in view.appointments],
        skipped=[
            SeriesConflict(
                occurrence=p.occurrence,
                start=p.start,
                problem=p.problem,
                alternatives=[slot_read(a) for a in p.alternatives],
            )
            for p in view.skipped
        ],
    )


SeriesContext = appointment_context("update")


@router.post(
    "/appointment-series",
    response_model=SeriesRead,
    status_code=201,
    responses={409: {"description": "Occurrences that cannot be booked, with alternatives"}},
)
def create_series(body: SeriesCreate, ctx: Creating) -> SeriesRead:
    """Book a recurring visit. With on_conflict=fail nothing is booked if any occurrence
    does not fit; with skip, the others are booked and the misfits reported."""
    return series_read(series.create_series(ctx, body))


@router.get("/appointment-series/{series_id}", response_model=SeriesRead)
def get_series(series_id: uuid.UUID, ctx: Reading) -> SeriesRead:
    return series_read(series.get_series(ctx, series_id))


@router.post("/appointment-series/{series_id}/changes", response_model=SeriesRead)
def change_series(series_id: uuid.UUID, body: SeriesChange, ctx: SeriesContext) -> SeriesRead:
    """Cancel or move one occurrence, this and the following ones, or all to come."""
    return series_read(series.change_series(ctx, series_id, body))


# --- iCalendar ------------------------------------------------------------------------

ICS = "text/calendar; charset=utf-8"


@router.post(
    "/practitioners/{practitioner_id}/calendar-feeds", response_model=FeedIssued, status_code=201
)
def create_feed(
    practitioner_id: uuid.UUID, body: FeedCreate, request: Request, ctx: ApiContext
) -> FeedIssued:
    """A secret subscription link to the practitioner's appointments (shown once)."""
    issued = ical.create_feed(ctx, practitioner_id, body.label)
    base = get_runtime(request).settings.base_url.rstrip("/")
    return FeedIssued(
        **FeedRead.model_validate(issued.feed).model_dump(), url=f"{base}/ical/{issued.token}.ics"
    )


@router.get("/practitioners/{practitioner_id}/calendar-feeds", response_model=list[FeedRead])
def list_feeds(practitioner_id: uuid.UUID, ctx: ApiContext) -> list[FeedRead]:
    return [FeedRead.model_validate(f) for f in ical.list_feeds(ctx, practitioner_id)]


@router.delete("/practitioners/{practitioner_id}/calendar-feeds/{feed_id}", status_code=204)
def revoke_feed(practitioner_id: uuid.UUID, feed_id: uuid.UUID, ctx: ApiContext) -> Response:
    ical.revoke_feed(ctx, practitioner_id, feed_id)
    return Response(status_code=204)


@router.get(
    "/appointments/{appointment_id}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def appointment_ics(appointment_id: uuid.UUID, ctx: Reading) -> Response:
    body = ical.appointment_ics(ctx, appointment_id)
    return Response(
        body,
        media_type=ICS,
        headers={"Content-Disposition": f'attachment; filename="appointment-{appointment_id}.ics"'},
    )


public_router = APIRouter(tags=["scheduling"])


@public_router.get(
    "/ical/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def feed(token: Annotated[str, Path(min_length=20, max_length=100)], request: Request) -> Response:
    """A practitioner's calendar feed. The link itself is the credential."""
    runtime = get_runtime(request)
    with unit_of_work(
        runtime.db,
        principal=None,
        audit_key=runtime.audit_key,
        request_id=getattr(request.state, "request_id", None),
        client_ip=request.client.host if request.client else None,
    ) as ctx:
        body = ical.feed_calendar(ctx, token)
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})
