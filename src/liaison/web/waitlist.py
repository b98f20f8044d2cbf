"""The waitlist board: who waits for an earlier time and what they would take, the
offers made when a time freed up and how each ended, and what the waitlist achieved.
Coordinators add patients (from the board's patient search or the patient record) and
take them off; offers go out by themselves (waitlist.service.backfill)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from liaison.auth.dependencies import ApiContext
from liaison.authz.access import access_one
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.messaging.schemas import EntryCreate
from liaison.models import Organization, Patient, WaitlistEntry, WaitlistOffer
from liaison.patients import service as patients_service
from liaison.waitlist import service
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, renumber, text, values_of
from liaison.web.pages import redirect, render, working_organization
from liaison.web.scheduling.common import Names, asks_for, directory_names, upcoming_for
from liaison.web.templating import templates

router = APIRouter(prefix="/waitlist", include_in_schema=False)
READ, WRITE = Permission.APPOINTMENT_READ, Permission.APPOINTMENT_WRITE

PRIORITIES = [("routine", "Routine"), ("urgent", "Urgent")]
# Offer statuses (FHIR-like codes) as the desk says them, and the badge tone of each.
OUTCOMES = {
    "sent": ("offered", "warn"),
    "accepted": ("accepted", "ok"),
    "declined": ("declined", ""),
    "expired": ("expired", ""),
    "taken": ("taken by another", "danger"),
}
TIME_WINDOWS = 2
RECENT_OFFERS = 50
SEARCH_LIMIT = 10
ENTRY_FIELDS = (
    "healthcare_service_id",
    "priority",
    "current_appointment_id",
    "earliest_date",
    "latest_date",
    "practitioner_ids",
    "location_ids",
    "reason",
    "expires_on",
    "times_of_day",
)


def _waited(entry: WaitlistEntry, tz: ZoneInfo) -> int:
    return (clock.now().astimezone(tz).date() - entry.created_at.astimezone(tz).date()).days


# --- The board ------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def board(request: Request, ctx: ApiContext) -> Response:
    org = working_organization(ctx)
    tz = ZoneInfo(org.time_zone)
    entries = service.list_entries(ctx, org.id, "active")
    offers = service.offers_of(ctx, org.id)[:RECENT_OFFERS]
    patients = service.patients_named(
        ctx, org.id, {e.patient_id for e in entries} | {o.patient_id for o in offers}
    )
    return render(
        request,
        ctx,
        "waitlist/board.html",
        nav="waitlist",
        org=org,
        entries=entries,
        offers=offers,
        patients=patients,
        names=directory_names(ctx, org.id),
        metrics=service.metrics(ctx, org.id),
        waited={e.id: _waited(e, tz) for e in entries},
        outcomes=OUTCOMES,
        can_write=ctx.caller.can(WRITE, org.id),
        q="",
        found=None,
    )


@router.get("/patients", response_class=HTMLResponse)
def find_patient(
    request: Request, ctx: ApiContext, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The board's patient search: whom to add. htmx asks for the results alone."""
    org = working_organization(ctx)
    found: list[Patient] | None = None
    error = None
    if q.strip():
        try:
            found, _, _ = patients_service.search_patients(
                ctx, q=q, organization_id=org.id, limit=SEARCH_LIMIT
            )
        except InvalidInput as exc:
            error = exc.problems[0].message
    block = "found" if asks_for(request, "found-patients") else None
    return render(
        request,
        ctx,
        "waitlist/find.html",
        block=block,
        nav="waitlist",
        org=org,
        q=q,
        found=found,
        error=error,
    )


# --- One entry ------------------------------------------------------------------------


@router.get("/entries/{entry_id}", response_class=HTMLResponse)
def entry_page(request: Request, entry_id: uuid.UUID, ctx: ApiContext) -> Response:
    entry = service.get_entry(ctx, entry_id)
    org_id = entry.organization_id
    org = _org(ctx, org_id)
    offers = service.offers_of(ctx, org_id, entry.id)
    names = directory_names(ctx, org_id)
    # An entry keeps its wishes as id strings; "any" when it has none.
    practitioners = {str(k): v.display_name for k, v in names.practitioners.items()}
    locations = {str(k): v.name for k, v in names.locations.items()}
    wished_practitioners = [
        practitioners.get(p, "Unknown practitioner") for p in entry.practitioner_ids
    ]
    wished_locations = [locations.get(x, "Unknown location") for x in entry.location_ids]
    return render(
        request,
        ctx,
        "waitlist/entry.html",
        nav="waitlist",
        org=org,
        entry=entry,
        patient=patients_service.get_patient(ctx, entry.patient_id).patient,
        offers=offers,
        names=names,
        wished_practitioners=wished_practitioners,
        wished_locations=wished_locations,
        waited=_waited(entry, ZoneInfo(org.time_zone)),
        outcomes=OUTCOMES,
        can_write=ctx.caller.can(WRITE, org_id),
    )


def _org(ctx: Context, organization_id: uuid.UUID) -> Organization:
    return directory_service.get_organization(ctx, organization_id)


@router.post("/entries/{entry_id}/cancel")
def cancel_entry(request: Request, entry_id: uuid.UUID, ctx: ApiContext) -> Response:
    try:
        service.cancel_entry(ctx, entry_id)
    except Conflict as exc:
        forms.discard(ctx)
        reject(
            render(
                request,
                ctx,
                "error.html",
                status_code=exc.status,
                status=exc.status,
                message=f"{exc.detail}: it is no longer on the waitlist.",
            )
        )
    return redirect("/waitlist", "waitlist-cancelled")


@router.post("/offers/{offer_id}/{answer}")
def answer_offer(request: Request, offer_id: uuid.UUID, answer: str, ctx: ApiContext) -> Response:
    """A coordinator answers an offer for the patient who called in."""
    if answer not in ("accept", "decline"):
        raise NotFound("Page")
    try:
        if answer == "accept":
            service.accept_offer(ctx, offer_id)
        else:
            service.decline_offer(ctx, offer_id)
    except Conflict as exc:
        forms.discard(ctx)
        reject(
            render(
                request,
                ctx,
                "error.html",
                status_code=exc.status,
                status=exc.status,
                message=f"{exc.detail}. Nothing was changed; the patient stays on the waitlist.",
            )
        )
    # The answer above was audited; finding the entry to go back to is not another read.
    offer = access_one(
        ctx.session, ctx.caller, WaitlistOffer, offer_id, service.READ, "WaitlistOffer"
    )
    flash = "offer-accepted" if answer == "accept" else "offer-declined"
    return redirect(f"/waitlist/entries/{offer.entry_id}", flash)


# --- Adding a patient -----------------------------------------------------------------


def _form_page(
    request: Request,
    ctx: Context,
    patient: Patient,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    org_id = patient.organization_id
    org = _org(ctx, org_id)
    names = directory_names(ctx, org_id)
    upcoming = upcoming_for(ctx, org_id, patient.id) if ctx.caller.can(READ, org_id) else []
    return render(
        request,
        ctx,
        "waitlist/form.html",
        status_code=status_code,
        nav="waitlist",
        org=org,
        patient=patient,
        values=values,
        errors=errors or {},
        visit_options=[(str(s.id), s.name) for s in _active(names.services.values())],
        practitioners=sorted(
            ((str(p.id), p.display_name) for p in names.practitioners.values() if p.active),
            key=lambda pair: pair[1],
        ),
        locations=[(str(loc.id), loc.name) for loc in _active(names.locations.values())],
        current=[
            (str(v.appointment.id), _appointment_label(v.appointment, names, org.time_zone))
            for v in upcoming
            if v.appointment.status == "booked"
        ],
        priorities=PRIORITIES,
        windows=range(TIME_WINDOWS),
    )


def _active(rows: Any) -> list[Any]:
    return sorted((r for r in rows if r.active), key=lambda r: r.name)


def _appointment_label(appointment: Any, names: Names, default_zone: str) -> str:
    when = templates.env.filters["when"](
        appointment.start_at, names.zone(appointment.location_id, default_zone)
    )
    return (
        f"{when}: {names.service(appointment.healthcare_service_id)} "
        f"with {names.practitioner_of(appointment.practitioner_role_id)}"
    )


@router.get("/new", response_class=HTMLResponse)
def new_entry(
    request: Request,
    ctx: ApiContext,
    patient_id: uuid.UUID | None = None,
) -> Response:
    if patient_id is None:
        return redirect("/waitlist/patients")
    patient = patients_service.get_patient(ctx, patient_id).patient
    ctx.require(WRITE, patient.organization_id)
    return _form_page(request, ctx, patient, values={"priority": "routine"})


def _payload(
    form: FormData, patient: Patient, tz: ZoneInfo
) -> tuple[dict[str, Any], dict[str, str], list[int]]:
    errors: dict[str, str] = {}
    windows, origin = forms.rows(
        form, "times_of_day", TIME_WINDOWS, ("start", "end"), keep_if=("start", "end")
    )
    for window, row in zip(windows, origin, strict=True):
        for part, other in (("start", "end"), ("end", "start")):
            if not window[part]:
                errors[f"times_of_day-{row}-{part}"] = (
                    f"Give the {part} time too, or clear the {other} time"
                )
    payload: dict[str, Any] = {
        "organization_id": patient.organization_id,
        "patient_id": patient.id,
        "healthcare_service_id": text(form, "healthcare_service_id"),
        "priority": text(form, "priority") or "routine",
        "current_appointment_id": text(form, "current_appointment_id"),
        "earliest_date": text(form, "earliest_date"),
        "latest_date": text(form, "latest_date"),
        "practitioner_ids": [
            v for v in form.getlist("practitioner_ids") if isinstance(v, str) and v
        ],
        "location_ids": [v for v in form.getlist("location_ids") if isinstance(v, str) and v],
        "reason": text(form, "reason"),
        "times_of_day": [w for w in windows if w["start"] and w["end"]],
    }
    if payload["healthcare_service_id"] is None:
        errors["healthcare_service_id"] = "is required"
    expires_on = text(form, "expires_on")
    if expires_on:
        try:
            last_day = date.fromisoformat(expires_on)
        except ValueError:
            errors["expires_on"] = "must be a date (YYYY-MM-DD)"
        else:
            # Offers may go out until the end of that day where the clinic is.
            payload["expires_at"] = datetime.combine(last_day + timedelta(days=1), time(), tz)
    return payload, errors, origin


def _entry_errors(exc: Exception, origin: list[int]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, message in renumber(errors_of(exc), "times_of_day", origin).items():
        head = key.split("-")[0]
        if key.startswith("times_of_day-"):
            name = key if key.count("-") == 2 else f"times_of_day-{key.split('-')[1]}-end"
        elif head == "expires_at":
            name = "expires_on"
        elif head in ENTRY_FIELDS:
            name = head
        else:
            name = forms.FORM_LEVEL
        found.setdefault(name, message)
    return found


@router.post("/new", response_class=HTMLResponse)
def add_entry(request: Request, ctx: ApiContext, form: Form) -> Response:
    patient_id = text(form, "patient_id")
    try:
        patient_uuid = uuid.UUID(patient_id or "")
    except ValueError:
        raise InvalidInput("patient_id", "is not a patient") from None
    # Another organization's patient is 404 here, before anything is read from the form.
    patient = patients_service.get_patient(ctx, patient_uuid).patient
    ctx.require(WRITE, patient.organization_id)
    org = _org(ctx, patient.organization_id)
    payload, errors, origin = _payload(form, patient, ZoneInfo(org.time_zone))
    data = None
    try:
        data = EntryCreate.model_validate(payload)
    except ValidationError as exc:
        errors = _entry_errors(exc, origin) | errors
    if not errors and data is not None:
        try:
            service.add_entry(ctx, data)
        except InvalidInput as exc:
            errors = _entry_errors(exc, origin)
    if errors:
        forms.discard(ctx)
        values = values_of(form)
        for name in ("practitioner_ids", "location_ids"):
            values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
        page = _form_page(request, ctx, patient, values=values, errors=errors, status_code=422)
        reject(page)
    return redirect("/waitlist", "waitlist-added")
