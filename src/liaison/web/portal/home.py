# Portal wording reads better unwrapped, like messaging/templates.py.
# ruff: noqa: E501
"""The portal's home: the next visits of the patient in use, quick links, and the people
the reader may use the portal for. Also what someone signed in without a record sees:
the birth-date step, registration, or a clear word to call the clinic; and what a
staff member who opens /portal sees (not a crash, not patient pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.kit import clock
from liaison.messaging import templates as wording
from liaison.models import Appointment, HealthcareService, Location, Practitioner, PractitionerRole
from liaison.portal import access
from liaison.portal import signin as service
from liaison.portal.access import PortalPatient
from liaison.scheduling.calendars import zone
from liaison.web.portal import common, i18n
from liaison.web.portal.common import PortalContext, page
from liaison.web.portal.signin import _can_register, _verified_destination

router = APIRouter(prefix="/portal", include_in_schema=False)
UPCOMING = 3
SHOWN_STATUSES = ("booked", "arrived", "checked-in")

i18n.register(
    {
        "hello": {"en": "Hello, {name}", "es": "Hola, {name}"},
        "hello_plain": {"en": "Hello", "es": "Hola"},
        "for_someone": {
            "en": "You are using the portal for {name}.",
            "es": "Está usando el portal para {name}.",
        },
        "read_only_note": {
            "en": "Your access for {name} is read-only: you can see visits and messages. To change anything, call {org}.",
            "es": "Su acceso para {name} es solo de lectura: puede ver citas y mensajes. Para cambiar algo, llame a {org}.",
        },
        "next_visits": {"en": "Your next visits", "es": "Sus próximas citas"},
        "next_visits_for": {"en": "Next visits", "es": "Próximas citas"},
        "no_visits": {"en": "No upcoming visits.", "es": "No tiene citas próximas."},
        "all_appointments": {"en": "All appointments", "es": "Todas las citas"},
        "video_visit": {"en": "Video visit", "es": "Cita por video"},
        "with": {"en": "with {name}", "es": "con {name}"},
        "quick_links": {"en": "What would you like to do?", "es": "¿Qué desea hacer?"},
        "link_book": {"en": "Book a visit", "es": "Pedir una cita"},
        "link_appointments": {
            "en": "See, change or cancel visits",
            "es": "Ver, cambiar o cancelar citas",
        },
        "link_messages": {"en": "Message the clinic", "es": "Escribir a la clínica"},
        "link_password": {"en": "Password settings", "es": "Contraseña"},
        "people": {"en": "People you can use the portal for", "es": "Personas que puede atender"},
        "use_for": {"en": "Use for {name}", "es": "Usar para {name}"},
        "in_use": {"en": "In use", "es": "En uso"},
        "read_only": {"en": "read-only", "es": "solo lectura"},
        "rel_self": {"en": "you", "es": "usted"},
        "rel_parent": {"en": "parent", "es": "padre o madre"},
        "rel_guardian": {"en": "guardian", "es": "tutor"},
        "rel_caregiver": {"en": "caregiver", "es": "cuidador"},
        "rel_spouse": {"en": "spouse", "es": "cónyuge"},
        "rel_other": {"en": "other", "es": "otro"},
        "done_linked": {
            "en": "We found your record. Welcome!",
            "es": "Encontramos su registro. ¡Bienvenido!",
        },
        "done_registered": {
            "en": "You are registered. The clinic will see your details.",
            "es": "Ya está registrado. La clínica verá sus datos.",
        },
        "done_password": {
            "en": "Your password was saved. Other sessions were signed out.",
            "es": "Su contraseña se guardó. Se cerraron sus otras sesiones.",
        },
        "empty_title": {"en": "We could not find your record", "es": "No encontramos su registro"},
        "empty_lead": {
            "en": "No patient record uses this phone number or e-mail address yet.",
            "es": "Ningún registro de paciente usa todavía este número o correo.",
        },
        "empty_call": {
            "en": "Please call your clinic: they can add this number to your record or give you access to someone you care for.",
            "es": "Llame a su clínica: pueden agregar este número a su registro o darle acceso a alguien que usted cuida.",
        },
        "staff_title": {
            "en": "This is the patient portal",
            "es": "Este es el portal del paciente",
        },
        "staff_lead": {
            "en": "You are signed in with a staff account. Patients and their families use this portal; your work is in Liaison.",
            "es": "Entró con una cuenta del personal. Los pacientes y sus familias usan este portal; su trabajo está en Liaison.",
        },
        "staff_go": {"en": "Go to Liaison", "es": "Ir a Liaison"},
    }
)


@dataclass(frozen=True)
class Visit:
    when: str
    start_at: datetime
    visit_type: str
    practitioner: str
    place: str
    telehealth: bool
    status: str


def upcoming(ctx: Context, patient: PortalPatient, lang: str, limit: int = UPCOMING) -> list[Visit]:
    """The patient's next visits, read with the permissions the portal lends for them."""
    now = clock.now()
    with access.acting_for(ctx, patient):
        stmt = (
            select(Appointment, HealthcareService, Location, Practitioner)
            .join(
                HealthcareService,
                (HealthcareService.organization_id == Appointment.organization_id)
                & (HealthcareService.id == Appointment.healthcare_service_id),
            )
            .join(
                Location,
                (Location.organization_id == Appointment.organization_id)
                & (Location.id == Appointment.location_id),
            )
            .join(
                PractitionerRole,
                (PractitionerRole.organization_id == Appointment.organization_id)
                & (PractitionerRole.id == Appointment.practitioner_role_id),
            )
            .join(
                Practitioner,
                (Practitioner.organization_id == PractitionerRole.organization_id)
                & (Practitioner.id == PractitionerRole.practitioner_id),
            )
            .where(
                Appointment.organization_id == patient.organization_id,
                Appointment.patient_id == patient.patient_id,
                Appointment.status.in_(SHOWN_STATUSES),
                Appointment.end_at > now,
            )
            .order_by(Appointment.start_at)
            .limit(limit)
        )
        rows = ctx.session.execute(
            scoped(stmt, ctx.caller, Appointment, Permission.APPOINTMENT_READ)
        ).all()
    visits = []
    for appointment, visit_type, location, practitioner in rows:
        local = appointment.start_at.astimezone(zone(location.time_zone))
        telehealth = appointment.modality == "telehealth"
        visits.append(
            Visit(
                when=wording.when(local, lang),
                start_at=appointment.start_at,
                visit_type=visit_type.name,
                practitioner=practitioner.display_name,
                place=i18n.translate(lang, "video_visit") if telehealth else location.name,
                telehealth=telehealth,
                status=appointment.status,
            )
        )
    return visits


@router.get("")
def home(request: Request, ctx: PortalContext) -> Response:
    lang = common.language(request, ctx)
    flashes = _flashes(request, lang)
    found = common.patients(request, ctx)
    if not found:
        user = service.load_user(ctx.session, ctx.caller.user_id)
        if service.is_staff(ctx.session, user):
            ctx.audit("read", "User", user.id, page="portal-home-staff")
            return page(request, ctx, "portal/home_staff.html", nav="home")
        destination = _verified_destination(request, ctx)
        if destination is not None and service.pending_candidates(ctx, user, destination):
            return RedirectResponse("/portal/which", status_code=303)
        ctx.audit("read", "User", user.id, page="portal-home-empty")
        return page(
            request,
            ctx,
            "portal/home_empty.html",
            nav="home",
            can_register=_can_register(ctx),
            verified=destination is not None,
            flashes=flashes,
        )
    current = common.chosen(request, ctx)
    ctx.audit(
        "read",
        "Appointment",
        patient_id=current.patient_id,
        organization_id=current.organization_id,
        page="portal-home",
    )
    return page(
        request,
        ctx,
        "portal/home.html",
        nav="home",
        patient=current,
        visits=upcoming(ctx, current, lang),
        flashes=flashes,
    )


def _flashes(request: Request, lang: str) -> list[str]:
    key = request.query_params.get("done")
    if key and f"done_{key}" in i18n.STRINGS:
        return [i18n.translate(lang, f"done_{key}")]
    return []
