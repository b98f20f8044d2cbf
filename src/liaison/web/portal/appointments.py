"""The portal's appointments (``/portal/appointments``): upcoming and past visits, one
visit's details (where, or the video link; what to bring; a calendar file), and the
patient's own changes: confirm, cancel or move a visit while it is far enough away,
or ask a coordinator when it is not.

URLs carry an appointment's opaque id and nothing else about anyone. Every change is a
POST with the session's CSRF token; a refused one comes back as a page that says why
and keeps the visit exactly as it was.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from liaison.errors import Conflict, InvalidInput, PermissionDenied, TooManyRequests
from liaison.portal import scheduling
from liaison.portal.scheduling import PortalAppointment, PortalSlot
from liaison.scheduling.booking import SlotTaken
from liaison.web import forms
from liaison.web.forms import Form, reject, text
from liaison.web.portal import i18n
from liaison.web.portal.common import PortalContext, back, chosen, language, page

router = APIRouter(prefix="/portal", include_in_schema=False)
URL = "/portal/appointments"
CSS = "/static/portal-booking.css"

i18n.register(
    {
        "appt_title": {"en": "Appointments", "es": "Citas"},
        "appt_for": {"en": "Visits of {name}", "es": "Citas de {name}"},
        "appt_upcoming": {"en": "Upcoming visits", "es": "Próximas citas"},
        "appt_none_upcoming": {
            "en": "You have no upcoming visits.",
            "es": "No tiene citas próximas.",
        },
        "appt_past": {"en": "Past and cancelled visits", "es": "Citas pasadas y canceladas"},
        "appt_none_past": {"en": "No past visits yet.", "es": "Todavía no hay citas pasadas."},
        "appt_book_cta": {"en": "Book a visit", "es": "Pedir una cita"},
        "appt_details": {"en": "Details", "es": "Detalles"},
        "appt_with": {"en": "with {name}", "es": "con {name}"},
        "appt_video": {"en": "Video visit", "es": "Visita por video"},
        "appt_where": {"en": "Where", "es": "Dónde"},
        "appt_when": {"en": "When", "es": "Cuándo"},
        "appt_who": {"en": "With", "es": "Con"},
        "appt_what": {"en": "Visit type", "es": "Tipo de visita"},
        "appt_status": {"en": "Status", "es": "Estado"},
        "appt_minutes": {"en": "{n} minutes", "es": "{n} minutos"},
        "appt_status_booked": {"en": "Booked", "es": "Reservada"},
        "appt_status_arrived": {"en": "Arrived", "es": "Llegó"},
        "appt_status_checked-in": {"en": "Checked in", "es": "Registrada"},
        "appt_status_fulfilled": {"en": "Completed", "es": "Realizada"},
        "appt_status_cancelled": {"en": "Cancelled", "es": "Cancelada"},
        "appt_status_noshow": {"en": "Missed", "es": "No asistió"},
        "appt_status_proposed": {"en": "Held", "es": "Reservada provisionalmente"},
        "appt_confirmed": {"en": "Confirmed by you", "es": "Confirmada por usted"},
        "appt_request_open": {
            "en": "Change requested: the clinic will call you",
            "es": "Cambio solicitado: la clínica le llamará",
        },
        "appt_requests_waiting": {
            "en": "You have {n} request(s) waiting for the clinic. A coordinator will call you.",
            "es": "Tiene {n} solicitud(es) esperando a la clínica. Un coordinador le llamará.",
        },
        "appt_waitlist": {"en": "Your waitlists", "es": "Sus listas de espera"},
        "appt_waitlist_since": {
            "en": "{service}: waiting since {day}. We will send you an offer when a time opens.",
            "es": "{service}: en espera desde el {day}. Le enviaremos una oferta cuando haya un "
            "horario libre.",
        },
        "appt_leave_waitlist": {
            "en": "Leave the waitlist for {service}",
            "es": "Salir de la lista de espera de {service}",
        },
        "appt_back": {"en": "All appointments", "es": "Todas las citas"},
        "appt_directions": {
            "en": "Directions (OpenStreetMap, opens a map)",
            "es": "Cómo llegar (OpenStreetMap, abre un mapa)",
        },
        "appt_join_video": {"en": "Join the video visit", "es": "Entrar a la visita por video"},
        "appt_video_later": {
            "en": "The clinic will send you the link to the video visit.",
            "es": "La clínica le enviará el enlace a la visita por video.",
        },
        "appt_video_hint": {
            "en": "Join a few minutes early from a quiet place, with your camera on.",
            "es": "Entre unos minutos antes desde un lugar tranquilo, con la cámara encendida.",
        },
        "appt_phone": {"en": "Phone: {phone}", "es": "Teléfono: {phone}"},
        "appt_instructions": {"en": "Before your visit", "es": "Antes de su visita"},
        "appt_calendar": {
            "en": "Add to my calendar (.ics file)",
            "es": "Añadir a mi calendario (archivo .ics)",
        },
        "appt_confirm": {"en": "Confirm I will come", "es": "Confirmar que asistiré"},
        "appt_change": {"en": "Change this visit", "es": "Cambiar esta cita"},
        "appt_reschedule": {"en": "Choose another time", "es": "Elegir otro horario"},
        "appt_cancel": {"en": "Cancel this visit", "es": "Cancelar esta cita"},
        "appt_cancel_reason": {
            "en": "Why are you cancelling? (optional)",
            "es": "¿Por qué cancela? (opcional)",
        },
        "appt_reason_blank": {"en": "Prefer not to say", "es": "Prefiero no decirlo"},
        "appt_reason_better": {"en": "I feel better", "es": "Me siento mejor"},
        "appt_reason_conflict": {"en": "I have a conflict", "es": "Tengo otro compromiso"},
        "appt_reason_transport": {"en": "No transportation", "es": "No tengo transporte"},
        "appt_reason_elsewhere": {"en": "Seen elsewhere", "es": "Me atendieron en otro lugar"},
        "appt_reason_other": {"en": "Another reason", "es": "Otro motivo"},
        "appt_cancel_confirm": {"en": "Yes, cancel the visit", "es": "Sí, cancelar la cita"},
        "appt_window": {
            "en": "You can cancel or move this visit yourself until {hours} hours before it.",
            "es": "Puede cancelar o cambiar esta cita usted mismo hasta {hours} horas antes.",
        },
        "appt_late": {
            "en": "Your visit is less than {hours} hours away, so a coordinator makes changes. "
            "Ask below and we will call you; until then the visit stays booked.",
            "es": "Faltan menos de {hours} horas para su cita, así que los cambios los hace un "
            "coordinador. Pídalo abajo y le llamaremos; mientras tanto la cita sigue reservada.",
        },
        "appt_clinic_moves": {
            "en": "The clinic books this kind of visit. Ask below and a coordinator will call "
            "you to agree a new time.",
            "es": "La clínica reserva este tipo de visita. Pídalo abajo y un coordinador le "
            "llamará para acordar otro horario.",
        },
        "appt_ask_cancel": {
            "en": "Ask the clinic to cancel",
            "es": "Pedir a la clínica que cancele",
        },
        "appt_ask_move": {
            "en": "Ask the clinic for another time",
            "es": "Pedir a la clínica otro horario",
        },
        "appt_read_only": {
            "en": "Your access for this patient is read-only. To change a visit, call the clinic.",
            "es": "Su acceso para este paciente es de solo lectura. Para cambiar una cita, "
            "llame a la clínica.",
        },
        "appt_move_title": {"en": "Move your visit", "es": "Cambiar su cita"},
        "appt_move_current": {
            "en": "Now booked: {when}. Choose a new time; the old one is released only when "
            "the new one is booked.",
            "es": "Reservada ahora: {when}. Elija un nuevo horario; el anterior se libera solo "
            "cuando el nuevo queda reservado.",
        },
        "appt_problem_title": {"en": "This could not be done", "es": "No se pudo hacer"},
        "appt_problem_kept": {
            "en": "Nothing was changed.",
            "es": "No se cambió nada.",
        },
        "appt_problem_conflict": {
            "en": "This visit can no longer be changed in the portal. Please call the clinic.",
            "es": "Esta cita ya no se puede cambiar en el portal. Llame a la clínica, por favor.",
        },
        "appt_problem_throttle": {
            "en": "You have made many bookings and requests today. Please call the clinic.",
            "es": "Hoy ha hecho muchas reservas y solicitudes. Llame a la clínica, por favor.",
        },
        "appt_call": {"en": "Call the clinic: {phone}", "es": "Llame a la clínica: {phone}"},
        # Messages after a change (the redirect names the key, never the words).
        "appt_done_booked": {
            "en": "Your visit is booked. We will send you a confirmation and reminders.",
            "es": "Su cita está reservada. Le enviaremos una confirmación y recordatorios.",
        },
        "appt_done_requested": {
            "en": "Your request was sent. A coordinator will call you to confirm the time; "
            "nothing is booked until then.",
            "es": "Su solicitud fue enviada. Un coordinador le llamará para confirmar el "
            "horario; no hay nada reservado hasta entonces.",
        },
        "appt_done_waitlisted": {
            "en": "You are on the waitlist. We will send you an offer when a time opens.",
            "es": "Está en la lista de espera. Le enviaremos una oferta cuando haya un horario.",
        },
        "appt_done_already-waiting": {
            "en": "You were already on this waitlist.",
            "es": "Ya estaba en esta lista de espera.",
        },
        "appt_done_left-waitlist": {
            "en": "You left the waitlist.",
            "es": "Salió de la lista de espera.",
        },
        "appt_done_cancelled": {
            "en": "Your visit is cancelled.",
            "es": "Su cita está cancelada.",
        },
        "appt_done_cancel-requested": {
            "en": "We asked a coordinator to cancel your visit; they will call you. Until then "
            "the visit stays booked.",
            "es": "Pedimos a un coordinador que cancele su cita; le llamará. Mientras tanto la "
            "cita sigue reservada.",
        },
        "appt_done_rescheduled": {
            "en": "Your visit was moved to the new time.",
            "es": "Su cita se cambió al nuevo horario.",
        },
        "appt_done_reschedule-requested": {
            "en": "We asked a coordinator to find you another time; they will call you. Until "
            "then the visit stays booked.",
            "es": "Pedimos a un coordinador que le busque otro horario; le llamará. Mientras "
            "tanto la cita sigue reservada.",
        },
        "appt_done_already-requested": {
            "en": "You have already asked; a coordinator will call you.",
            "es": "Ya lo pidió; un coordinador le llamará.",
        },
        "appt_done_confirmed": {
            "en": "Thank you: your visit is confirmed.",
            "es": "Gracias: su cita está confirmada.",
        },
    }
)

DONE = (
    "booked",
    "requested",
    "waitlisted",
    "already-waiting",
    "left-waitlist",
    "cancelled",
    "cancel-requested",
    "rescheduled",
    "reschedule-requested",
    "already-requested",
    "confirmed",
)
CANCEL_REASONS = ("better", "conflict", "transport", "elsewhere", "other")


# --- Dates in the reader's language ---------------------------------------------------

_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


@dataclass(frozen=True)
class Dates:
    """Dates and times as a patient reads them, in the visit's own time zone (its
    abbreviation is shown, so a time is never read in the wrong zone)."""

    lang: str

    def _local(self, moment: datetime, zone: str) -> datetime:
        return moment.astimezone(ZoneInfo(zone))

    def day(self, moment: datetime | date, zone: str | None = None, year: bool = True) -> str:
        local = self._local(moment, zone) if isinstance(moment, datetime) and zone else moment
        weekday = _DAYS[self.lang][local.weekday()]
        month = _MONTHS[self.lang][local.month - 1]
        if self.lang == "es":
            text = f"{weekday} {local.day} de {month}"
            return f"{text} de {local.year}" if year else text
        text = f"{weekday}, {month} {local.day}"
        return f"{text}, {local.year}" if year else text

    def time(self, moment: datetime, zone: str) -> str:
        local = self._local(moment, zone)
        if self.lang == "es":
            return f"{local:%H:%M} {local:%Z}".strip()
        return f"{local.strftime('%I:%M %p').lstrip('0')} {local:%Z}".strip()

    def when(self, moment: datetime, zone: str, year: bool = True) -> str:
        joiner = " a las " if self.lang == "es" else " at "
        return f"{self.day(moment, zone, year)}{joiner}{self.time(moment, zone)}"

    def iso(self, moment: datetime) -> str:
        return moment.isoformat()


# --- Pages ----------------------------------------------------------------------------


def _view(request: Request, ctx: Any) -> dict[str, Any]:
    lang = language(request, ctx)
    return {"dates": Dates(lang), "css": CSS, "nav": "appointments"}


def problem_page(
    request: Request,
    ctx: Any,
    status: int,
    key: str,
    item: PortalAppointment | None = None,
    back_url: str = URL,
) -> Response:
    """A refused change, as a page: why, that nothing changed, and the way back."""
    forms.discard(ctx)
    return page(
        request,
        ctx,
        "portal/appointment_problem.html",
        status_code=status,
        problem=key,
        item=item,
        back_url=back_url,
        **_view(request, ctx),
    )


def refused(request: Request, ctx: Any, exc: Exception, back_url: str = URL) -> Response:
    """The page for a domain refusal of a portal change (raised, so the unit of work
    rolls back and audits the attempt with this status)."""
    if isinstance(exc, PermissionDenied):
        reject(problem_page(request, ctx, 403, "appt_read_only", back_url=back_url))
    if isinstance(exc, TooManyRequests):
        response = problem_page(request, ctx, 429, "appt_problem_throttle", back_url=back_url)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        reject(response)
    if isinstance(exc, Conflict):
        reject(problem_page(request, ctx, 409, "appt_problem_conflict", back_url=back_url))
    raise exc


@router.get("/appointments")
def appointments_page(request: Request, ctx: PortalContext, done: str | None = None) -> Response:
    current = chosen(request, ctx)
    lists = scheduling.appointments(ctx, current)
    return page(
        request,
        ctx,
        "portal/appointments.html",
        patient=current,
        upcoming=lists.upcoming,
        past=lists.past,
        waiting=scheduling.waitlist_entries(ctx, current),
        requests=scheduling.count_requests(ctx, current),
        zone=scheduling.organization_zone(ctx, current),
        done=done if done in DONE else None,
        **_view(request, ctx),
    )


@router.get("/appointments/{appointment_id}")
def appointment_page(
    appointment_id: uuid.UUID, request: Request, ctx: PortalContext, done: str | None = None
) -> Response:
    item = scheduling.appointment(ctx, appointment_id)
    return page(
        request,
        ctx,
        "portal/appointment.html",
        item=item,
        done=done if done in DONE else None,
        reasons=CANCEL_REASONS,
        **_view(request, ctx),
    )


@router.get("/appointments/{appointment_id}/calendar.ics")
def calendar(appointment_id: uuid.UUID, ctx: PortalContext) -> Response:
    return Response(
        scheduling.calendar_file(ctx, appointment_id),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="appointment.ics"',
            "Cache-Control": "no-store",
        },
    )


def _detail(appointment_id: uuid.UUID) -> str:
    return f"{URL}/{appointment_id}"


@router.post("/appointments/{appointment_id}/confirm")
def confirm(appointment_id: uuid.UUID, request: Request, ctx: PortalContext) -> Response:
    try:
        scheduling.confirm(ctx, appointment_id)
    except (PermissionDenied, Conflict) as exc:
        refused(request, ctx, exc, _detail(appointment_id))
    return back(_detail(appointment_id), "confirmed")


@router.post("/appointments/{appointment_id}/cancel")
def cancel(
    appointment_id: uuid.UUID,
    request: Request,
    ctx: PortalContext,
    form: Form,  # type: ignore[valid-type]
) -> Response:
    """Cancel (inside the window) or ask a coordinator to (closer than that)."""
    code = text(form, "reason")
    reason = code if code in CANCEL_REASONS else None
    try:
        outcome = scheduling.cancel(ctx, appointment_id, reason)
    except (PermissionDenied, Conflict, TooManyRequests) as exc:
        refused(request, ctx, exc, _detail(appointment_id))
    return back(_detail(appointment_id), outcome.kind)


@router.get("/appointments/{appointment_id}/reschedule")
def reschedule_page(
    appointment_id: uuid.UUID,
    request: Request,
    ctx: PortalContext,
    start: str | None = None,
) -> Response:
    """New times for the visit (its own visit type), or, closer than the window, the
    way to ask a coordinator."""
    item = scheduling.appointment(ctx, appointment_id)
    view = _view(request, ctx)
    if not item.changeable:
        return problem_page(request, ctx, 409, "appt_problem_conflict", item, _detail(item.id))
    if not item.in_window or not item.movable:
        return page(request, ctx, "portal/appointment_late.html", item=item, **view)
    try:
        _item, choice = scheduling.reschedule_slots(
            ctx, appointment_id, start_date=_start_date(start)
        )
    except (PermissionDenied, Conflict) as exc:
        refused(request, ctx, exc, _detail(appointment_id))
    return slots_page(request, ctx, choice.service, choice.slots, moving=item, **view)


def _start_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@router.post("/appointments/{appointment_id}/reschedule")
def reschedule(
    appointment_id: uuid.UUID,
    request: Request,
    ctx: PortalContext,
    form: Form,  # type: ignore[valid-type]
) -> Response:
    """Move to the chosen time (inside the window), or ask a coordinator (no ``slot``,
    or closer than the window: nothing is changed)."""
    raw = text(form, "slot")
    role_id, start = scheduling.parse_slot(raw) if raw else (None, None)
    try:
        outcome = scheduling.reschedule(ctx, appointment_id, role_id, start)
    except SlotTaken as exc:
        forms.discard(ctx)
        item = scheduling.appointment(ctx, appointment_id)
        reject(
            slots_page(
                request,
                ctx,
                item.service,
                _alternatives(ctx, item.patient, exc),
                moving=item,
                taken=True,
                status_code=409,
                **_view(request, ctx),
            )
        )
    except InvalidInput as exc:
        forms.discard(ctx)
        item = scheduling.appointment(ctx, appointment_id)
        _item, choice = scheduling.reschedule_slots(ctx, appointment_id)
        reject(
            slots_page(
                request,
                ctx,
                choice.service,
                choice.slots,
                moving=item,
                problem=exc.problems[0].field,
                status_code=422,
                **_view(request, ctx),
            )
        )
    except (PermissionDenied, Conflict, TooManyRequests) as exc:
        refused(request, ctx, exc, _detail(appointment_id))
    target = outcome.appointment.id if outcome.appointment is not None else appointment_id
    return back(_detail(target), outcome.kind)


@router.post("/appointments/waitlist/{entry_id}/leave")
def leave_waitlist(entry_id: uuid.UUID, request: Request, ctx: PortalContext) -> Response:
    try:
        outcome = scheduling.leave_waitlist(ctx, entry_id)
    except (PermissionDenied, Conflict) as exc:
        refused(request, ctx, exc)
    return back(URL, outcome.kind)


# --- Slot lists (shared with booking) -------------------------------------------------


def _alternatives(ctx: Any, patient: Any, exc: SlotTaken) -> list[PortalSlot]:
    found = []
    for alternative in exc.extensions.get("alternatives") or []:
        slot = scheduling.slot_from_alternative(ctx, patient, alternative)
        if slot is not None:
            found.append(slot)
    return found


def slots_page(
    request: Request,
    ctx: Any,
    service: Any,
    slots: list[PortalSlot],
    *,
    moving: PortalAppointment | None = None,
    taken: bool = False,
    problem: str | None = None,
    status_code: int = 200,
    **view: Any,
) -> Response:
    """The times offered (best match first), each one button; after "just taken", the
    nearest free times instead, and the way back to all of them."""
    return page(
        request,
        ctx,
        "portal/slots.html",
        status_code=status_code,
        service=service,
        slots=slots,
        moving=moving,
        taken=taken,
        problem=problem,
        **{**view, "nav": "appointments" if moving else "book"},
    )
