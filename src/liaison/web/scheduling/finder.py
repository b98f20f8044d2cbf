"""The slot finder, launched from a patient: filters, ranked times with the reasons for
their rank, and hold → confirm in two clicks. Opened with ``reschedule=<id>`` it moves
that appointment instead: choosing a time reschedules in one step."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from liaison.auth.dependencies import patient_data
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.models import Patient
from liaison.patients import service as patients_service
from liaison.scheduling import booking, calendars, search
from liaison.scheduling.booking import SlotTaken
from liaison.scheduling.ranking import Reason
from liaison.scheduling.schemas import RescheduleRequest, SlotSearch
from liaison.web import forms
from liaison.web.forms import FORM_LEVEL, Form, errors_of, reject, text
from liaison.web.pages import render
from liaison.web.scheduling.common import (
    PARTIES,
    Names,
    asks_for,
    directory_names,
    given,
    go,
    parse_date,
    parse_time,
    parse_uuid,
    upcoming_for,
)

router = APIRouter(include_in_schema=False)

Reading = patient_data("read")
Booking = patient_data("create")

TIMES_OF_DAY = [
    ("any", "Any time"),
    ("morning", "Morning (until 12:00)"),
    ("afternoon", "Afternoon (12:00\N{EN DASH}17:00)"),
    ("evening", "Evening (from 17:00)"),
    ("custom", "Between two times"),
]
PRESETS = {
    "morning": (time(0), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(23, 59)),
}
MODES = [("first", "The first times, best fit first"), ("per-day", "A few times on each day")]
DEFAULT_COUNT = {"first": "10", "per-day": "3"}
# "A few times on each day" covers two weeks unless an end date is given.
PER_DAY_SPAN = 14
MAX_COUNT = 50
WEEKDAY_CHOICES = [
    ("1", "Mon"),
    ("2", "Tue"),
    ("3", "Wed"),
    ("4", "Thu"),
    ("5", "Fri"),
    ("6", "Sat"),
    ("7", "Sun"),
]
SEARCH_KEYS = (
    "service_id",
    "location_id",
    "practitioner_id",
    "start_date",
    "end_date",
    "time_of_day",
    "time_from",
    "time_to",
    "weekdays",
    "mode",
    "count",
    "reschedule",
)
FIELD_LABELS = {
    "service_id": "Visit type",
    "location_id": "Location",
    "practitioner_id": "Practitioner",
    "start_date": "From date",
    "end_date": "Until date",
    "time_from": "From time",
    "time_to": "Until time",
    "weekdays": "Weekdays",
    "mode": "Show",
    "count": "Number of times",
}
# SlotSearch's field names, as this form calls them.
RENAMED = {
    "healthcare_service_id": "service_id",
    "location_ids": "location_id",
    "practitioner_ids": "practitioner_id",
}


@dataclass(frozen=True)
class Choice:
    """A time that can be chosen: a search result or an alternative to a taken time."""

    value: str  # "role_id|start|device,ids", what the chosen button sends back
    start: datetime
    zone: str
    practitioner_name: str
    location_name: str
    score: int | None = None
    reasons: tuple[Reason, ...] = ()


def _values(params: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in SEARCH_KEYS:
        if key == "weekdays":
            values[key] = [v for v in params.getlist(key) if isinstance(v, str) and v]
        else:
            raw = params.get(key)
            values[key] = raw.strip() if isinstance(raw, str) else ""
    return values


def _query(values: Mapping[str, Any]) -> str:
    pairs: list[tuple[str, str]] = []
    for key in SEARCH_KEYS:
        value = values.get(key)
        if isinstance(value, list):
            pairs.extend((key, v) for v in value)
        elif value:
            pairs.append((key, str(value)))
    return urlencode(pairs)


def finder_url(patient_id: uuid.UUID, query: str = "") -> str:
    """The finder again with a search's filters (only its own keys: a redirect target)."""
    kept = _query(_values(QueryParams(query)))
    return f"/patients/{patient_id}/book" + (f"?{kept}" if kept else "")


def _slot_search(
    values: dict[str, Any], patient: Patient, today: date
) -> tuple[SlotSearch | None, dict[str, str]]:
    errors: dict[str, str] = {}
    service_id = parse_uuid(values["service_id"], "service_id", errors)
    location_id = parse_uuid(values["location_id"], "location_id", errors)
    practitioner_id = parse_uuid(values["practitioner_id"], "practitioner_id", errors)
    start_date = parse_date(values["start_date"], "start_date", errors)
    end_date = parse_date(values["end_date"], "end_date", errors)
    windows: list[dict[str, time]] = []
    time_of_day = values["time_of_day"] or "any"
    if time_of_day in PRESETS:
        start, end = PRESETS[time_of_day]
        windows.append({"start": start, "end": end})
    elif time_of_day == "custom":
        start_t = parse_time(values["time_from"], "time_from", errors)
        end_t = parse_time(values["time_to"], "time_to", errors)
        for name, value in (("time_from", start_t), ("time_to", end_t)):
            if value is None:
                errors.setdefault(name, "is required for a time of day of your own")
        if start_t and end_t:
            windows.append({"start": start_t, "end": end_t})
    elif time_of_day != "any":
        errors["time_of_day"] = "is not one of the choices offered"
    mode = values["mode"] or "first"
    count = values["count"] or DEFAULT_COUNT.get(mode, "10")
    if mode == "per-day" and end_date is None and "start_date" not in errors:
        # A few times a day over the whole booking horizon is a page nobody reads.
        end_date = (start_date or today) + timedelta(days=PER_DAY_SPAN - 1)
    if count.isdigit() and int(count) > MAX_COUNT:
        errors["count"] = f"must be at most {MAX_COUNT}"
    payload = {
        "organization_id": patient.organization_id,
        "healthcare_service_id": service_id,
        "patient_id": patient.id,
        "location_ids": [location_id] if location_id else [],
        "practitioner_ids": [practitioner_id] if practitioner_id else [],
        "start_date": start_date,
        "end_date": end_date,
        "time_windows": windows,
        "weekdays": values["weekdays"],
        "mode": mode,
        "count": count,
    }
    try:
        data = SlotSearch.model_validate(payload)
    except ValidationError as exc:
        return None, _search_errors(errors_of(exc)) | errors
    return (data if not errors else None), errors


def _search_errors(found: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for key, message in found.items():
        if key.startswith("time_windows"):
            name = "time_from" if key.endswith("-start") else "time_to"
        else:
            base = key.split("-", 1)[0]
            name = RENAMED.get(base, base)
            if name not in FIELD_LABELS:
                name = FORM_LEVEL
        errors.setdefault(name, message)
    return errors


def _choices_from_slots(slots: list[search.Slot], names: Names) -> list[Choice]:
    return [
        Choice(
            value=f"{s.role_id}|{s.start.isoformat()}|{','.join(str(d) for d in s.device_ids)}",
            start=s.start,
            zone=s.zone,
            practitioner_name=s.practitioner_name,
            location_name=names.location(s.location_id),
            score=s.score,
            reasons=s.reasons,
        )
        for s in slots
    ]


def _choices_from_alternatives(
    alternatives: list[dict[str, Any]], names: Names, default_zone: str
) -> list[Choice]:
    found = []
    for a in alternatives:
        location_id = uuid.UUID(str(a["location_id"]))
        start = datetime.fromisoformat(str(a["start"]))
        found.append(
            Choice(
                value=f"{a['practitioner_role_id']}|{start.isoformat()}|",
                start=start,
                zone=names.zone(location_id, default_zone),
                practitioner_name=str(a["practitioner_name"]),
                location_name=names.location(location_id),
            )
        )
    return found


def _groups(choices: list[Choice], mode: str) -> list[tuple[Any, list[Choice]]]:
    """Ranked order as one list; in "per day" mode, one list per local date."""
    if mode != "per-day":
        return [(None, choices)]
    groups: dict[Any, list[Choice]] = {}
    for c in choices:
        groups.setdefault(c.start.astimezone(calendars.zone(c.zone)).date(), []).append(c)
    return sorted(groups.items(), key=lambda item: item[0])


def _parse_choice(raw: str | None) -> tuple[uuid.UUID, datetime, list[uuid.UUID]] | None:
    parts = (raw or "").split("|")
    if len(parts) != 3:
        return None
    try:
        role_id = uuid.UUID(parts[0])
        start = datetime.fromisoformat(parts[1])
        devices = [uuid.UUID(d) for d in parts[2].split(",") if d]
    except ValueError:
        return None
    return (role_id, start, devices) if start.tzinfo is not None else None


def _rescheduling(
    ctx: Context, values: dict[str, Any], patient: Patient
) -> booking.AppointmentView | None:
    raw = values.get("reschedule")
    if not raw:
        return None
    errors: dict[str, str] = {}
    appointment_id = parse_uuid(raw, "reschedule", errors)
    if appointment_id is None:
        raise NotFound("Appointment")
    view = booking.get_appointment(ctx, appointment_id)
    # The finder is the patient's: an appointment of someone else is not found here.
    if view.appointment.patient_id != patient.id:
        raise NotFound("Appointment")
    values["service_id"] = str(view.appointment.healthcare_service_id)
    return view


# What the results region shows, when a handler does not say otherwise.
RESULT_STATE = {
    "searched": False,
    "searched_until": None,
    "held": None,
    "taken": None,
    "problem": None,
    "rescheduling": None,
}


def _page(
    request: Request,
    ctx: Context,
    patient: Patient,
    values: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
    names: Names | None = None,
    choices: list[Choice] | None = None,
    errors: dict[str, str] | None = None,
    **state: Any,
) -> Response:
    org_id = patient.organization_id
    names = names or directory_names(ctx, org_id)
    can_book = ctx.caller.can(Permission.APPOINTMENT_WRITE, org_id)
    # Coordinators book any visit type; anyone else sees what patients may book themselves.
    services = sorted(
        (s for s in names.services.values() if s.active and (can_book or s.patient_bookable)),
        key=lambda s: s.name,
    )
    choices = choices or []
    return render(
        request,
        ctx,
        "scheduling/finder.html",
        block=block,
        status_code=status_code,
        nav="patients",
        patient=patient,
        values=values,
        errors=errors or {},
        query=_query(values),
        names=names,
        can_book=can_book,
        services=[
            (str(s.id), s.name + ("" if s.patient_bookable else " (staff only)")) for s in services
        ],
        locations=[
            (str(loc.id), loc.name)
            for loc in sorted(names.locations.values(), key=lambda x: x.name)
            if loc.active
        ],
        practitioners=[
            (str(p.id), p.display_name)
            for p in sorted(
                names.practitioners.values(), key=lambda p: (p.family_name, p.given_name)
            )
            if p.active
        ],
        times_of_day=TIMES_OF_DAY,
        modes=MODES,
        weekday_choices=WEEKDAY_CHOICES,
        parties=PARTIES,
        field_labels=FIELD_LABELS,
        groups=_groups(choices, values.get("mode") or "first"),
        count=len(choices),
        **(RESULT_STATE | state),
    )


@router.get("/patients/{patient_id}/book", response_class=HTMLResponse)
def finder(request: Request, patient_id: uuid.UUID, ctx: Reading) -> Response:
    patient = patients_service.get_patient(ctx, patient_id).patient
    values = _values(request.query_params)
    rescheduling = _rescheduling(ctx, values, patient)
    block = "results" if asks_for(request, "slot-results") else None
    if not values["service_id"]:
        return _page(request, ctx, patient, values, block=block, rescheduling=rescheduling)
    org = directory_service.get_organization(ctx, patient.organization_id)
    today = clock.now().astimezone(calendars.zone(org.time_zone)).date()
    data, errors = _slot_search(values, patient, today)
    if data is None:
        reject(
            _page(
                request,
                ctx,
                patient,
                values,
                block=block,
                errors=errors,
                rescheduling=rescheduling,
                status_code=422,
            )
        )
    try:
        slots, searched_until = search.search_slots(ctx, data)
    except InvalidInput as exc:
        reject(
            _page(
                request,
                ctx,
                patient,
                values,
                block=block,
                errors=_search_errors(errors_of(exc)),
                rescheduling=rescheduling,
                status_code=422,
            )
        )
    names = directory_names(ctx, patient.organization_id)
    return _page(
        request,
        ctx,
        patient,
        values,
        block=block,
        names=names,
        rescheduling=rescheduling,
        searched=True,
        choices=_choices_from_slots(slots, names),
        searched_until=searched_until,
    )


@router.post("/patients/{patient_id}/book", response_class=HTMLResponse)
def choose(request: Request, patient_id: uuid.UUID, ctx: Booking, form: Form) -> Response:
    """A time was chosen: hold it (or, when rescheduling, move the appointment there)."""
    patient = patients_service.get_patient(ctx, patient_id).patient
    values = _values(QueryParams(text(form, "search") or ""))
    # The visit type and the appointment being moved travel with the chosen time.
    values["service_id"] = text(form, "service_id") or values["service_id"]
    values["reschedule"] = text(form, "reschedule") or ""
    rescheduling = _rescheduling(ctx, values, patient)
    block = "results" if asks_for(request, "slot-results") else None
    page = {"block": block, "rescheduling": rescheduling}
    errors: dict[str, str] = {}
    service_id = parse_uuid(values["service_id"], "service_id", errors)
    chosen = _parse_choice(text(form, "slot"))
    if chosen is None or service_id is None:
        reject(
            _page(
                request,
                ctx,
                patient,
                values,
                problem="Choose one of the times offered.",
                status_code=422,
                **page,
            )
        )
    role_id, start, device_ids = chosen
    try:
        if rescheduling is not None:
            move = RescheduleRequest.model_validate(
                given(
                    {
                        "start": start,
                        "practitioner_role_id": role_id,
                        "reason": text(form, "reason"),
                        "requested_by": text(form, "requested_by"),
                    }
                )
            )
            moved = booking.reschedule_appointment(
                ctx,
                rescheduling.appointment.id,
                move.start,
                role_id=move.practitioner_role_id,
                reason=move.reason,
                requested_by=move.requested_by,
            )
            return go(request, f"/appointments/{moved.appointment.id}", "rescheduled")
        held = booking.book_appointment(
            ctx,
            organization_id=patient.organization_id,
            patient_id=patient.id,
            service_id=service_id,
            role_id=role_id,
            start=start,
            status="proposed",
            device_ids=device_ids or None,
        )
    except SlotTaken as exc:
        forms.discard(ctx)
        names = directory_names(ctx, patient.organization_id)
        alternatives = _choices_from_alternatives(
            exc.extensions.get("alternatives", []), names, "UTC"
        )
        reject(
            _page(
                request,
                ctx,
                patient,
                values,
                names=names,
                taken=exc.detail,
                choices=alternatives,
                status_code=409,
                **page,
            )
        )
    except (ValidationError, InvalidInput, Conflict) as exc:
        forms.discard(ctx)
        message = next(iter(errors_of(exc).items()), (FORM_LEVEL, str(exc)))
        reject(
            _page(
                request,
                ctx,
                patient,
                values,
                problem=_sentence(*message),
                status_code=exc.status if isinstance(exc, InvalidInput | Conflict) else 422,
                **page,
            )
        )
    return _page(request, ctx, patient, values, held=held, **page)


def _sentence(field: str, message: str) -> str:
    """A service's problem as a sentence for the person at the desk."""
    subject = {
        "start": "This time",
        "reason": "The reason",
        "requested_by": "Who asked",
        "patient_id": "The patient",
        "practitioner_role_id": "The practitioner",
        "healthcare_service_id": "The visit type",
        "device_ids": "The room or equipment",
    }.get(field)
    if subject is None:
        return message if message[:1].isupper() else f"This choice {message}."
    if message[:1].isupper():  # a schema's own wording ("Input should be ...")
        return f"{subject}: {message[:1].lower()}{message[1:]}"
    return f"{subject} {message}."


@router.get("/patients/{patient_id}/appointments", response_class=HTMLResponse)
def upcoming(request: Request, patient_id: uuid.UUID, ctx: Reading) -> Response:
    """The patient's coming visits: a region of the record (htmx), or a page of its own."""
    patient = patients_service.get_patient(ctx, patient_id).patient
    org_id = patient.organization_id
    views = upcoming_for(ctx, org_id, patient.id)
    return render(
        request,
        ctx,
        "scheduling/upcoming.html",
        block="upcoming" if asks_for(request, "upcoming") else None,
        nav="patients",
        patient=patient,
        upcoming=views,
        names=directory_names(ctx, org_id),
        can_book=ctx.caller.can(Permission.APPOINTMENT_WRITE, org_id),
    )
