"""An appointment: what, when, where and who, the actions its status allows, and its
history. Every action is a form that posts, then redirects back here."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth.dependencies import patient_data
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.kit import clock
from liaison.patients import service as patients_service
from liaison.scheduling import booking, lifecycle
from liaison.scheduling.schemas import BookHold, CancelRequest, StatusChange
from liaison.users import service as users_service
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text, values_of
from liaison.web.pages import redirect, render
from liaison.web.scheduling.common import PARTIES, directory_names, given, prefixed
from liaison.web.scheduling.finder import finder_url

router = APIRouter(prefix="/appointments", include_in_schema=False)

Reading = patient_data("read", "Appointment", "appointment_id")
Updating = patient_data("update", "Appointment", "appointment_id")

# The status changes offered as buttons, in the order a visit goes through them.
STATUS_ACTIONS = [
    ("arrived", "Mark arrived"),
    ("checked-in", "Check in"),
    ("fulfilled", "Mark fulfilled"),
    ("noshow", "Mark no-show"),
    ("entered-in-error", "Entered in error"),
]
HISTORY_ACTIONS = {
    "held": "Held",
    "booked": "Booked",
    "cancelled": "Cancelled",
    "rescheduled": "Moved to another time",
    "rescheduled-to": "Booked as a move",
    "hold-expired": "Hold expired",
    "checked-in": "Checked in",
    "noshow": "No-show",
    "entered-in-error": "Entered in error",
}


def _user_names(ctx: Context, organization_id: uuid.UUID) -> dict[uuid.UUID, str]:
    if not ctx.caller.can(Permission.USER_READ, organization_id):
        return {}
    return {u.id: u.display_name for u, _ in users_service.list_users(ctx, organization_id)}


def _page(
    request: Request,
    ctx: Context,
    appointment_id: uuid.UUID,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = booking.get_appointment(ctx, appointment_id)
    a = view.appointment
    patient = patients_service.get_patient(ctx, a.patient_id).patient
    names = directory_names(ctx, a.organization_id)
    now = clock.now()
    can_write = ctx.caller.can(Permission.APPOINTMENT_WRITE, a.organization_id)
    return render(
        request,
        ctx,
        "scheduling/appointment.html",
        status_code=status_code,
        nav="schedule",
        view=view,
        a=a,
        patient=patient,
        names=names,
        zone=names.zone(a.location_id, "UTC"),
        user_names=_user_names(ctx, a.organization_id),
        can_write=can_write,
        can_cancel=can_write
        and a.status != "proposed"
        and lifecycle.can_move(a.status, "cancelled"),
        can_reschedule=can_write and a.status in ("proposed", "booked"),
        status_actions=[
            (status, label)
            for status, label in STATUS_ACTIONS
            if can_write and lifecycle.why_not(a.status, status, start=a.start_at, now=now) is None
        ],
        history_actions=HISTORY_ACTIONS,
        parties=PARTIES,
        values=values or {"cancel-cancelled_by": "patient"},
        errors=errors or {},
        reschedule_url=f"/patients/{a.patient_id}/book?service_id={a.healthcare_service_id}&reschedule={a.id}",
    )


@router.get("/{appointment_id}", response_class=HTMLResponse)
def detail(request: Request, appointment_id: uuid.UUID, ctx: Reading) -> Response:
    return _page(request, ctx, appointment_id)


def _refused(
    request: Request,
    ctx: Context,
    appointment_id: uuid.UUID,
    exc: Exception,
    form: Any,
    prefix: str,
    fields: tuple[str, ...],
) -> None:
    """Show the appointment again with the problem next to the form that caused it."""
    forms.discard(ctx)
    status = exc.status if isinstance(exc, Conflict | InvalidInput) else 422
    errors = prefixed(errors_of(exc), prefix, fields)
    reject(
        _page(
            request, ctx, appointment_id, values=values_of(form), errors=errors, status_code=status
        )
    )


@router.post("/{appointment_id}/confirm")
def confirm(request: Request, appointment_id: uuid.UUID, ctx: Updating, form: Form) -> Response:
    try:
        data = BookHold.model_validate(given({"comment": text(form, "comment")}))
        booking.confirm_hold(ctx, appointment_id, data.comment)
    except (ValidationError, InvalidInput, Conflict) as exc:
        _refused(request, ctx, appointment_id, exc, form, "", ("comment",))
    return redirect(f"/appointments/{appointment_id}", "booked")


@router.post("/{appointment_id}/release")
def release(request: Request, appointment_id: uuid.UUID, ctx: Updating, form: Form) -> Response:
    """Let a hold go: the time is free again, and the finder shows the same search."""
    view = booking.get_appointment(ctx, appointment_id)
    # "Release" means a hold; a booked visit is cancelled with a reason and who asked.
    if view.appointment.status != "proposed":
        _refused(
            request,
            ctx,
            appointment_id,
            Conflict(f"Only a hold can be released; this appointment is {view.appointment.status}"),
            form,
            "release",
            (),
        )
    booking.cancel_appointment(ctx, appointment_id, "hold released", "organization")
    return redirect(finder_url(view.appointment.patient_id, text(form, "search") or ""), "released")


@router.post("/{appointment_id}/cancel")
def cancel(request: Request, appointment_id: uuid.UUID, ctx: Updating, form: Form) -> Response:
    try:
        data = CancelRequest.model_validate(
            given(
                {
                    "reason": text(form, "cancel-reason"),
                    "cancelled_by": text(form, "cancel-cancelled_by"),
                }
            )
        )
        booking.cancel_appointment(ctx, appointment_id, data.reason, data.cancelled_by)
    except (ValidationError, InvalidInput, Conflict) as exc:
        _refused(request, ctx, appointment_id, exc, form, "cancel", ("reason", "cancelled_by"))
    return redirect(f"/appointments/{appointment_id}", "cancelled")


@router.post("/{appointment_id}/status")
def change_status(
    request: Request, appointment_id: uuid.UUID, ctx: Updating, form: Form
) -> Response:
    try:
        data = StatusChange.model_validate(
            given({"status": text(form, "status"), "reason": text(form, "status-reason")})
        )
        booking.change_status(ctx, appointment_id, data.status, data.reason)
    except (ValidationError, InvalidInput, Conflict) as exc:
        _refused(request, ctx, appointment_id, exc, form, "status", ("reason", "status"))
    return redirect(f"/appointments/{appointment_id}", "status")
