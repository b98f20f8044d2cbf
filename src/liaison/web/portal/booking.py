"""Booking in the portal (``/portal/book``): the organization's short question flow (or
the list of visit types the patient may book), then the best times from the scheduling
engine, a review, and the booking itself, or a request a coordinator approves. When no
time fits, the waitlist.

Steps are plain pages and forms that work without JavaScript, on a phone first. The
question flow's answers travel as positions (``?answers=0-2``) and the visit type as an
opaque id: no words of the patient's, nothing about who they are. Choosing, reviewing
and booking a time are POSTs with the session's CSRF token.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from liaison.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyRequests
from liaison.portal import flows, scheduling
from liaison.scheduling.booking import SlotTaken
from liaison.web import forms
from liaison.web.forms import Form, reject, text
from liaison.web.portal import i18n
from liaison.web.portal.appointments import (
    Dates,
    _alternatives,
    _start_date,
    problem_page,
    refused,
    slots_page,
)
from liaison.web.portal.common import PortalContext, back, chosen, language, page

router = APIRouter(prefix="/portal", include_in_schema=False)
URL = "/portal/book"
CSS = "/static/portal-booking.css"

i18n.register(
    {
        "book_title": {"en": "Book a visit", "es": "Pedir una cita"},
        "book_for": {"en": "For {name}", "es": "Para {name}"},
        "book_step_question": {
            "en": "Question {n}",
            "es": "Pregunta {n}",
        },
        "book_flow_intro": {
            "en": "A few questions help us find the right kind of visit.",
            "es": "Unas preguntas nos ayudan a encontrar el tipo de visita adecuado.",
        },
        "book_next": {"en": "Next", "es": "Siguiente"},
        "book_start_over": {"en": "Start over", "es": "Empezar de nuevo"},
        "book_your_answers": {"en": "Your answers so far", "es": "Sus respuestas hasta ahora"},
        "book_choose_answer": {
            "en": "Choose an answer to continue.",
            "es": "Elija una respuesta para continuar.",
        },
        "book_know_type": {
            "en": "I know what kind of visit I need",
            "es": "Sé qué tipo de visita necesito",
        },
        "book_types": {"en": "Visit types you can book", "es": "Tipos de visita que puede pedir"},
        "book_types_none": {
            "en": "There are no visits you can book online right now. Please call the clinic.",
            "es": "Ahora no hay visitas que pueda pedir en línea. Llame a la clínica, por favor.",
        },
        "book_suggested": {"en": "We suggest this visit", "es": "Le sugerimos esta visita"},
        "book_not_online": {
            "en": "This kind of visit cannot be booked online for you. Please call the clinic, "
            "or choose another visit type.",
            "es": "Este tipo de visita no se puede pedir en línea para usted. Llame a la "
            "clínica o elija otro tipo de visita.",
        },
        "book_see_times": {"en": "See available times", "es": "Ver horarios disponibles"},
        "book_minutes": {"en": "{n} minutes", "es": "{n} minutos"},
        "book_video": {"en": "by video", "es": "por video"},
        "book_in_person": {"en": "in person", "es": "en persona"},
        "book_needs_approval": {
            "en": "A coordinator confirms this kind of visit: you choose a time, and we call "
            "you to confirm it.",
            "es": "Un coordinador confirma este tipo de visita: usted elige un horario y le "
            "llamamos para confirmarlo.",
        },
        "book_new_patient": {
            "en": "Showing visits for new patients.",
            "es": "Se muestran las visitas para pacientes nuevos.",
        },
        "book_times_title": {"en": "Choose a time", "es": "Elija un horario"},
        "book_times_intro": {
            "en": "The best matches for you come first: soon, and with someone who fits you.",
            "es": "Primero las mejores opciones para usted: pronto y con alguien adecuado.",
        },
        "book_times_list": {"en": "Available times", "es": "Horarios disponibles"},
        "book_best": {"en": "Best match", "es": "Mejor opción"},
        "book_reason_language": {"en": "Speaks your language", "es": "Habla su idioma"},
        "book_reason_continuity": {
            "en": "You have seen them before",
            "es": "Ya le ha atendido",
        },
        "book_reason_preferred-practitioner": {
            "en": "Your preferred practitioner",
            "es": "Su profesional preferido",
        },
        "book_reason_gender": {"en": "As you prefer", "es": "Según su preferencia"},
        "book_reason_location": {"en": "Your preferred location", "es": "Su lugar preferido"},
        "book_slot_at": {"en": "at {place}", "es": "en {place}"},
        "book_no_times": {
            "en": "There are no free times for this visit in the coming weeks.",
            "es": "No hay horarios libres para esta visita en las próximas semanas.",
        },
        "book_later": {"en": "Show times from", "es": "Mostrar horarios desde"},
        "book_show": {"en": "Show", "es": "Mostrar"},
        "book_taken_title": {
            "en": "That time was just taken",
            "es": "Ese horario se acaba de ocupar",
        },
        "book_taken": {
            "en": "Someone booked it a moment ago. Nothing was booked for you. Here are the "
            "nearest free times:",
            "es": "Alguien lo reservó hace un momento. No se reservó nada para usted. Estos "
            "son los horarios libres más cercanos:",
        },
        "book_taken_none": {
            "en": "Someone booked it a moment ago. Nothing was booked for you.",
            "es": "Alguien lo reservó hace un momento. No se reservó nada para usted.",
        },
        "book_all_times": {"en": "See all available times", "es": "Ver todos los horarios"},
        "book_problem_slot": {
            "en": "Choose one of the times offered.",
            "es": "Elija uno de los horarios ofrecidos.",
        },
        "book_problem_start": {
            "en": "That time cannot be booked any more. Choose another one.",
            "es": "Ese horario ya no se puede reservar. Elija otro.",
        },
        "book_problem_title": {
            "en": "One thing needs your attention",
            "es": "Hay algo que revisar",
        },
        "book_review_title": {"en": "Check and confirm", "es": "Revise y confirme"},
        "book_review_move": {
            "en": "Move your visit to this time?",
            "es": "¿Cambiar su cita a este horario?",
        },
        "book_confirm": {"en": "Book this visit", "es": "Reservar esta cita"},
        "book_confirm_request": {"en": "Send the request", "es": "Enviar la solicitud"},
        "book_confirm_move": {"en": "Move my visit", "es": "Cambiar mi cita"},
        "book_choose_other": {"en": "Choose another time", "es": "Elegir otro horario"},
        "book_waitlist_title": {"en": "Join the waitlist", "es": "Entrar en la lista de espera"},
        "book_waitlist_intro": {
            "en": "None of these times work? Join the waitlist: when an earlier time opens, "
            "we send you an offer.",
            "es": "¿Ninguno de estos horarios le sirve? Entre en la lista de espera: cuando se "
            "libere un horario, le enviaremos una oferta.",
        },
        "book_waitlist_link": {"en": "Join the waitlist", "es": "Entrar en la lista de espera"},
        "book_earliest": {"en": "Not before (optional)", "es": "No antes del (opcional)"},
        "book_latest": {"en": "Not after (optional)", "es": "No después del (opcional)"},
        "book_time_of_day": {"en": "Time of day", "es": "Momento del día"},
        "book_any_time": {"en": "Any time", "es": "Cualquier hora"},
        "book_mornings": {"en": "Mornings (before noon)", "es": "Mañanas (antes del mediodía)"},
        "book_afternoons": {"en": "Afternoons (after noon)", "es": "Tardes (después del mediodía)"},
        "book_waitlist_join": {"en": "Join the waitlist", "es": "Entrar en la lista de espera"},
        "book_err_earliest_date": {
            "en": "The first date cannot be in the past.",
            "es": "La primera fecha no puede estar en el pasado.",
        },
        "book_err_latest_date": {
            "en": "The last date must not be before the first one.",
            "es": "La última fecha no puede ser anterior a la primera.",
        },
        "book_err_date": {"en": "Enter a date.", "es": "Escriba una fecha."},
        "book_read_only": {
            "en": "Your access for this patient is read-only: you can see their visits but "
            "not book. Please call the clinic.",
            "es": "Su acceso para este paciente es de solo lectura: puede ver sus citas pero "
            "no reservar. Llame a la clínica, por favor.",
        },
    }
)

TIMES_OF_DAY = {"morning": ("06:00", "12:00"), "afternoon": ("12:00", "20:00")}


def _view(request: Request, ctx: Any) -> dict[str, Any]:
    return {"dates": Dates(language(request, ctx)), "css": CSS, "nav": "book"}


def _service_id(raw: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(raw or "")
    except ValueError as exc:
        raise NotFound("Visit type") from exc


@router.get("/book")
def book_page(
    request: Request,
    ctx: PortalContext,
    answers: str | None = None,
    types: str | None = None,
) -> Response:
    """The question flow one question at a time (``answers``: the positions chosen so
    far), the visit type it leads to, or the list of visit types (``types=all``, or when
    the organization has no flow)."""
    current = chosen(request, ctx)
    offered = scheduling.visit_types(ctx, current)
    tree = scheduling.question_flow(ctx, current)
    view = _view(request, ctx)
    data: dict[str, Any] = {
        "patient": current,
        "offered": offered,
        "step": None,
        "suggested": None,
        "unavailable": False,
        "answers_so_far": "",
        **view,
    }
    if tree is not None and types != "all":
        given = flows.parse_answers(answers)
        step = flows.walk(tree, given) if given is not None else None
        if step is None:
            step = flows.walk(tree, ())
        assert step is not None
        data["step"] = step
        data["answers_so_far"] = flows.format_answers(step.answers)
        if step.done:
            data["suggested"] = offered.by_code(step.service_code or "")
            data["unavailable"] = data["suggested"] is None
    return page(request, ctx, "portal/book.html", **data)


@router.get("/book/slots")
def slots(
    request: Request,
    ctx: PortalContext,
    service: str | None = None,
    start: str | None = None,
) -> Response:
    current = chosen(request, ctx)
    choice = scheduling.slots(ctx, current, _service_id(service), start_date=_start_date(start))
    return slots_page(
        request,
        ctx,
        choice.service,
        choice.slots,
        established=choice.established,
        start=start or "",
        **_view(request, ctx),
    )


@router.post("/book/review")
def review(
    request: Request,
    ctx: PortalContext,
    form: Form,  # type: ignore[valid-type]
) -> Response:
    """The chosen time, to check before it is booked (or moved to, or requested)."""
    view = _view(request, ctx)
    change = text(form, "change")
    try:
        role_id, start = scheduling.parse_slot(text(form, "slot"))
    except InvalidInput:
        return back(URL)
    if change:
        try:
            moving = scheduling.movable(ctx, uuid.UUID(change))
        except ValueError as exc:
            raise NotFound("Appointment") from exc
        except (PermissionDenied, Conflict) as exc:
            refused(request, ctx, exc)
        service, patient = moving.service, moving.patient
    else:
        moving = None
        patient = chosen(request, ctx)
        if not patient.can_manage:
            reject(problem_page(request, ctx, 403, "book_read_only", back_url=URL))
        service = scheduling.bookable_service(ctx, patient, _service_id(text(form, "service")))
    try:
        slot = scheduling.offered_slot(ctx, patient, service, role_id, start)
    except SlotTaken as exc:
        reject(
            slots_page(
                request,
                ctx,
                service,
                _alternatives(ctx, patient, exc),
                moving=moving,
                taken=True,
                status_code=409,
                **view,
            )
        )
    return page(
        request,
        ctx,
        "portal/book_review.html",
        service=service,
        slot=slot,
        moving=moving,
        patient=patient,
        **view,
    )


@router.post("/book")
def book(
    request: Request,
    ctx: PortalContext,
    form: Form,  # type: ignore[valid-type]
) -> Response:
    """Book the time (or send the request for a visit a coordinator approves)."""
    current = chosen(request, ctx)
    service_id = _service_id(text(form, "service"))
    view = _view(request, ctx)
    try:
        role_id, start = scheduling.parse_slot(text(form, "slot"))
        outcome = scheduling.book(ctx, current, service_id, role_id, start)
    except SlotTaken as exc:
        forms.discard(ctx)
        service = scheduling.bookable_service(ctx, current, service_id)
        reject(
            slots_page(
                request,
                ctx,
                service,
                _alternatives(ctx, current, exc),
                taken=True,
                status_code=409,
                **view,
            )
        )
    except InvalidInput as exc:
        forms.discard(ctx)
        choice = scheduling.slots(ctx, current, service_id)
        reject(
            slots_page(
                request,
                ctx,
                choice.service,
                choice.slots,
                problem=exc.problems[0].field,
                status_code=422,
                **view,
            )
        )
    except PermissionDenied:
        reject(problem_page(request, ctx, 403, "book_read_only", back_url=URL))
    except (Conflict, TooManyRequests) as exc:
        refused(request, ctx, exc, URL)
    if outcome.kind == "booked" and outcome.appointment is not None:
        return back(f"/portal/appointments/{outcome.appointment.id}", "booked")
    return back("/portal/appointments", outcome.kind)


@router.get("/book/waitlist")
def waitlist_page(request: Request, ctx: PortalContext, service: str | None = None) -> Response:
    current = chosen(request, ctx)
    found = scheduling.bookable_service(ctx, current, _service_id(service))
    return _waitlist(request, ctx, found, {})


def _waitlist(
    request: Request,
    ctx: Any,
    service: Any,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    current = chosen(request, ctx)
    return page(
        request,
        ctx,
        "portal/book_waitlist.html",
        status_code=status_code,
        service=service,
        patient=current,
        values=values,
        errors=errors or {},
        **_view(request, ctx),
    )


def _date(form: Any, name: str, errors: dict[str, str]) -> date | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "book_err_date"
        return None


@router.post("/book/waitlist")
def join_waitlist(
    request: Request,
    ctx: PortalContext,
    form: Form,  # type: ignore[valid-type]
) -> Response:
    current = chosen(request, ctx)
    service_id = _service_id(text(form, "service"))
    values = {k: text(form, k) or "" for k in ("earliest_date", "latest_date", "time_of_day")}
    errors: dict[str, str] = {}
    earliest = _date(form, "earliest_date", errors)
    latest = _date(form, "latest_date", errors)
    window = TIMES_OF_DAY.get(values["time_of_day"])
    try:
        if errors:
            raise InvalidInput(next(iter(errors)), "is not a date")
        outcome = scheduling.join_waitlist(
            ctx,
            current,
            service_id,
            earliest=earliest,
            latest=latest,
            times_of_day=[window] if window else [],
        )
    except InvalidInput as exc:
        forms.discard(ctx)
        for problem in exc.problems:
            errors.setdefault(problem.field, f"book_err_{problem.field}")
        service = scheduling.bookable_service(ctx, current, service_id)
        reject(_waitlist(request, ctx, service, values, errors, status_code=422))
    except PermissionDenied:
        reject(problem_page(request, ctx, 403, "book_read_only", back_url=URL))
    return back("/portal/appointments", outcome.kind)
