"""Message wording: Liaison's defaults per kind, channel and language, rendered with
Jinja in strict mode (an unknown variable is an error, never an empty gap).

What an SMS may say is deliberately less than an email: a text can be read on a locked
screen, so it names no visit type, practitioner, reason or diagnosis — first name,
organization, time, place and links only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from liaison.errors import InvalidInput

LANGUAGES = ("en", "es")
KINDS = (
    "reminder",
    "confirmation",
    "cancellation",
    "rescheduled",
    "no-show",
    "follow-up",
    "waitlist-offer",
    "waitlist-taken",
    "recall",
    "broadcast",
    "help",
    "stopped",
    "started",
    "reply-confirmed",
    "reply-cancelled",
    "reply-reschedule",
    "survey-thanks",
    "message",
    "safety",
    "portal-code",
)

# Variables each channel may use. SMS gets the minimum.
SMS_VARIABLES = {
    "first_name",
    "org_name",
    "org_phone",
    "when",
    "place",
    "link",
    "expires",
    "note",
    # The portal's one-time sign-in code (kind portal-code).
    "code",
}
EMAIL_VARIABLES = SMS_VARIABLES | {"visit_type", "practitioner", "address", "last_name"}

_env = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
)

# (kind, channel, language) -> (subject or None, body)
DEFAULTS: dict[tuple[str, str, str], tuple[str | None, str]] = {
    ("reminder", "sms", "en"): (
        None,
        "{{ org_name }}: Hi {{ first_name }}, reminder of your visit {{ when }} at {{ place }}. Reply C to confirm, N to cancel, R to reschedule. {{ link }}",
    ),
    ("reminder", "sms", "es"): (
        None,
        "{{ org_name }}: Hola {{ first_name }}, le recordamos su cita el {{ when }} en {{ place }}. Responda C para confirmar, N para cancelar, R para cambiarla. {{ link }}",
    ),
    ("reminder", "email", "en"): (
        "Reminder: your visit {{ when }}",
        "Hello {{ first_name }},\n\nThis is a reminder of your {{ visit_type }} with {{ practitioner }} on {{ when }} at {{ place }}{% if address %} ({{ address }}){% endif %}.\n\nConfirm, cancel or reschedule: {{ link }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("reminder", "email", "es"): (
        "Recordatorio: su cita el {{ when }}",
        "Hola {{ first_name }}:\n\nLe recordamos su {{ visit_type }} con {{ practitioner }} el {{ when }} en {{ place }}{% if address %} ({{ address }}){% endif %}.\n\nConfirmar, cancelar o cambiar: {{ link }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("confirmation", "sms", "en"): (
        None,
        "{{ org_name }}: {{ first_name }}, you're booked {{ when }} at {{ place }}. {{ link }}",
    ),
    ("confirmation", "sms", "es"): (
        None,
        "{{ org_name }}: {{ first_name }}, su cita quedó el {{ when }} en {{ place }}. {{ link }}",
    ),
    ("confirmation", "email", "en"): (
        "Your visit {{ when }} is booked",
        "Hello {{ first_name }},\n\nYour {{ visit_type }} with {{ practitioner }} is booked for {{ when }} at {{ place }}. The calendar file is attached.\n\nManage it: {{ link }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("confirmation", "email", "es"): (
        "Su cita del {{ when }} está confirmada",
        "Hola {{ first_name }}:\n\nSu {{ visit_type }} con {{ practitioner }} quedó para el {{ when }} en {{ place }}. Adjuntamos el archivo de calendario.\n\nGestionarla: {{ link }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("rescheduled", "sms", "en"): (
        None,
        "{{ org_name }}: {{ first_name }}, your visit is now {{ when }} at {{ place }}. {{ link }}",
    ),
    ("rescheduled", "sms", "es"): (
        None,
        "{{ org_name }}: {{ first_name }}, su cita ahora es el {{ when }} en {{ place }}. {{ link }}",
    ),
    ("rescheduled", "email", "en"): (
        "Your visit moved to {{ when }}",
        "Hello {{ first_name }},\n\nYour {{ visit_type }} is now on {{ when }} at {{ place }}.\n\n{{ link }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("rescheduled", "email", "es"): (
        "Su cita cambió al {{ when }}",
        "Hola {{ first_name }}:\n\nSu {{ visit_type }} ahora es el {{ when }} en {{ place }}.\n\n{{ link }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("cancellation", "sms", "en"): (
        None,
        "{{ org_name }}: {{ first_name }}, your visit {{ when }} is cancelled. To book again: {{ link }} or call {{ org_phone }}.",
    ),
    ("cancellation", "sms", "es"): (
        None,
        "{{ org_name }}: {{ first_name }}, su cita del {{ when }} fue cancelada. Para reservar: {{ link }} o llame al {{ org_phone }}.",
    ),
    ("cancellation", "email", "en"): (
        "Your visit {{ when }} is cancelled",
        "Hello {{ first_name }},\n\nYour {{ visit_type }} on {{ when }} is cancelled.{% if note %} {{ note }}{% endif %}\n\nTo book again: {{ link }} or call {{ org_phone }}.\n\n{{ org_name }}",
    ),
    ("cancellation", "email", "es"): (
        "Su cita del {{ when }} fue cancelada",
        "Hola {{ first_name }}:\n\nSu {{ visit_type }} del {{ when }} fue cancelada.{% if note %} {{ note }}{% endif %}\n\nPara reservar: {{ link }} o llame al {{ org_phone }}.\n\n{{ org_name }}",
    ),
    ("no-show", "sms", "en"): (
        None,
        "{{ org_name }}: {{ first_name }}, we missed you today. Book a new time: {{ link }} or call {{ org_phone }}.",
    ),
    ("no-show", "sms", "es"): (
        None,
        "{{ org_name }}: {{ first_name }}, lo extrañamos hoy. Reserve otra cita: {{ link }} o llame al {{ org_phone }}.",
    ),
    ("no-show", "email", "en"): (
        "We missed you today",
        "Hello {{ first_name }},\n\nWe missed you at your {{ visit_type }} on {{ when }}. Book a new time: {{ link }} or call {{ org_phone }}.\n\n{{ org_name }}",
    ),
    ("no-show", "email", "es"): (
        "Lo extrañamos hoy",
        "Hola {{ first_name }}:\n\nNo pudimos verle en su {{ visit_type }} del {{ when }}. Reserve otra cita: {{ link }} o llame al {{ org_phone }}.\n\n{{ org_name }}",
    ),
    ("follow-up", "sms", "en"): (
        None,
        "{{ org_name }}: {{ first_name }}, how was your visit {{ when }}? Reply 1 (poor) to 5 (excellent).",
    ),
    ("follow-up", "sms", "es"): (
        None,
        "{{ org_name }}: {{ first_name }}, ¿cómo fue su cita del {{ when }}? Responda del 1 (mala) al 5 (excelente).",
    ),
    ("follow-up", "email", "en"): (
        "How was your visit?",
        "Hello {{ first_name }},\n\nHow was your visit on {{ when }}? Reply with a number from 1 (poor) to 5 (excellent).\n\n{{ org_name }}",
    ),
    ("follow-up", "email", "es"): (
        "¿Cómo fue su cita?",
        "Hola {{ first_name }}:\n\n¿Cómo fue su cita del {{ when }}? Responda con un número del 1 (mala) al 5 (excelente).\n\n{{ org_name }}",
    ),
    ("waitlist-offer", "sms", "en"): (
        None,
        "{{ org_name }}: {{ first_name }}, an earlier time opened: {{ when }} at {{ place }}. Take it before {{ expires }}: {{ link }}",
    ),
    ("waitlist-offer", "sms", "es"): (
        None,
        "{{ org_name }}: {{ first_name }}, se abrió un horario antes: {{ when }} en {{ place }}. Tómelo antes de las {{ expires }}: {{ link }}",
    ),
    ("waitlist-offer", "email", "en"): (
        "An earlier time opened: {{ when }}",
        "Hello {{ first_name }},\n\nAn earlier {{ visit_type }} opened on {{ when }} at {{ place }}. It is held for you until {{ expires }}: {{ link }}\n\n{{ org_name }}",
    ),
    ("waitlist-offer", "email", "es"): (
        "Se abrió un horario: {{ when }}",
        "Hola {{ first_name }}:\n\nSe abrió una {{ visit_type }} el {{ when }} en {{ place }}. Se la reservamos hasta las {{ expires }}: {{ link }}\n\n{{ org_name }}",
    ),
    ("waitlist-taken", "sms", "en"): (
        None,
        "{{ org_name }}: sorry {{ first_name }}, that time was taken by someone else. You stay on the waitlist.",
    ),
    ("waitlist-taken", "sms", "es"): (
        None,
        "{{ org_name }}: lo sentimos {{ first_name }}, ese horario ya fue tomado. Usted sigue en la lista de espera.",
    ),
    ("waitlist-taken", "email", "en"): (
        "That time was taken",
        "Hello {{ first_name }},\n\nSorry, the time we offered was taken by someone else. You stay on the waitlist.\n\n{{ org_name }}",
    ),
    ("waitlist-taken", "email", "es"): (
        "Ese horario ya fue tomado",
        "Hola {{ first_name }}:\n\nLo sentimos, el horario ofrecido ya fue tomado. Usted sigue en la lista de espera.\n\n{{ org_name }}",
    ),
    ("recall", "sms", "en"): (
        None,
        "{{ org_name }}: Hi {{ first_name }}, it's time to book your next visit. {{ link }} or call {{ org_phone }}.",
    ),
    ("recall", "sms", "es"): (
        None,
        "{{ org_name }}: Hola {{ first_name }}, es hora de reservar su próxima cita. {{ link }} o llame al {{ org_phone }}.",
    ),
    ("recall", "email", "en"): (
        "Time for your {{ visit_type }}",
        "Hello {{ first_name }},\n\nIt is time to book your next {{ visit_type }}: {{ link }} or call {{ org_phone }}.\n\n{{ org_name }}",
    ),
    ("recall", "email", "es"): (
        "Es hora de su {{ visit_type }}",
        "Hola {{ first_name }}:\n\nEs hora de reservar su próxima {{ visit_type }}: {{ link }} o llame al {{ org_phone }}.\n\n{{ org_name }}",
    ),
    ("broadcast", "sms", "en"): (
        None,
        "{{ org_name }}: {{ note }} Your visit {{ when }}: {{ link }}",
    ),
    ("broadcast", "sms", "es"): (
        None,
        "{{ org_name }}: {{ note }} Su cita del {{ when }}: {{ link }}",
    ),
    ("broadcast", "email", "en"): (
        "Important: your visit {{ when }}",
        "Hello {{ first_name }},\n\n{{ note }}\n\nYour visit on {{ when }}: {{ link }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("broadcast", "email", "es"): (
        "Importante: su cita del {{ when }}",
        "Hola {{ first_name }}:\n\n{{ note }}\n\nSu cita del {{ when }}: {{ link }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    # The answer to a message that describes an emergency: sent at once, any hour.
    ("safety", "sms", "en"): (
        None,
        "{{ org_name }}: If this is an emergency, call 911 now. If you are thinking about suicide, call or text 988. Our team has your message and will contact you.",
    ),
    ("safety", "sms", "es"): (
        None,
        "{{ org_name }}: Si es una emergencia, llame al 911 ahora. Si tiene pensamientos suicidas, llame o envíe un texto al 988 (Español: oprima 2). Nuestro equipo recibió su mensaje y le contactará.",
    ),
    ("safety", "email", "en"): (
        "If this is an emergency, call 911",
        "If this is an emergency, call 911 now. If you are thinking about suicide, call or text 988.\n\nOur team has your message and will contact you.\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("safety", "email", "es"): (
        "Si es una emergencia, llame al 911",
        "Si es una emergencia, llame al 911 ahora. Si tiene pensamientos suicidas, llame o envíe un texto al 988 (Español: oprima 2).\n\nNuestro equipo recibió su mensaje y le contactará.\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("message", "sms", "en"): (None, "{{ org_name }}: {{ note }}"),
    ("message", "sms", "es"): (None, "{{ org_name }}: {{ note }}"),
    ("message", "email", "en"): (
        "A message from {{ org_name }}",
        "Hello {{ first_name }},\n\n{{ note }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("message", "email", "es"): (
        "Un mensaje de {{ org_name }}",
        "Hola {{ first_name }}:\n\n{{ note }}\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("help", "sms", "en"): (
        None,
        "{{ org_name }}: appointment messages. Call {{ org_phone }} for help. Reply STOP to stop texts, START to resume.",
    ),
    ("help", "sms", "es"): (
        None,
        "{{ org_name }}: mensajes de citas. Llame al {{ org_phone }} para ayuda. Responda STOP para no recibir textos, START para volver.",
    ),
    ("stopped", "sms", "en"): (
        None,
        "{{ org_name }}: you will get no more texts. Reply START to resume.",
    ),
    ("stopped", "sms", "es"): (
        None,
        "{{ org_name }}: no recibirá más textos. Responda START para volver.",
    ),
    ("started", "sms", "en"): (None, "{{ org_name }}: texts are back on. Reply STOP to stop."),
    ("started", "sms", "es"): (
        None,
        "{{ org_name }}: los textos están activados. Responda STOP para detenerlos.",
    ),
    ("reply-confirmed", "sms", "en"): (
        None,
        "{{ org_name }}: thank you, your visit {{ when }} is confirmed.",
    ),
    ("reply-confirmed", "sms", "es"): (
        None,
        "{{ org_name }}: gracias, su cita del {{ when }} está confirmada.",
    ),
    ("reply-cancelled", "sms", "en"): (
        None,
        "{{ org_name }}: your visit {{ when }} is cancelled. To book again: {{ link }}",
    ),
    ("reply-cancelled", "sms", "es"): (
        None,
        "{{ org_name }}: su cita del {{ when }} fue cancelada. Para reservar: {{ link }}",
    ),
    ("reply-reschedule", "sms", "en"): (
        None,
        "{{ org_name }}: pick a new time here: {{ link }} or we will call you.",
    ),
    ("reply-reschedule", "sms", "es"): (
        None,
        "{{ org_name }}: elija otro horario aquí: {{ link }} o le llamaremos.",
    ),
    ("survey-thanks", "sms", "en"): (None, "{{ org_name }}: thank you for your answer."),
    ("survey-thanks", "sms", "es"): (None, "{{ org_name }}: gracias por su respuesta."),
    # The patient portal's sign-in: a code and a link (code id + code), nothing else.
    ("portal-code", "sms", "en"): (
        None,
        "{{ org_name }}: your patient portal code is {{ code }}. It expires in 10 minutes. Or sign in here: {{ link }} Never share this code.",
    ),
    ("portal-code", "sms", "es"): (
        None,
        "{{ org_name }}: su código del portal del paciente es {{ code }}. Vence en 10 minutos. O entre aquí: {{ link }} No comparta este código.",
    ),
    ("portal-code", "email", "en"): (
        "Your patient portal sign-in code",
        "Hello,\n\nYour code to sign in to the patient portal is {{ code }}. It expires in 10 minutes.\n\nOr open this link to sign in: {{ link }}\n\nIf you did not ask for a code, you can ignore this message. Never share this code: we will never ask you for it.\n\n{{ org_name }} {{ org_phone }}",
    ),
    ("portal-code", "email", "es"): (
        "Su código para entrar al portal del paciente",
        "Hola:\n\nSu código para entrar al portal del paciente es {{ code }}. Vence en 10 minutos.\n\nO abra este enlace para entrar: {{ link }}\n\nSi no pidió un código, puede ignorar este mensaje. No comparta este código: nunca se lo pediremos.\n\n{{ org_name }} {{ org_phone }}",
    ),
}

_DAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}


def language_of(tag: str | None) -> str:
    primary = (tag or "en").split("-")[0].lower()
    return primary if primary in LANGUAGES else "en"


def when(local: datetime, language: str) -> str:
    """'Tue, Jun 2 at 9:00 AM' / 'mar 2 jun, 9:00' (local time, zone abbreviation)."""
    lang = language_of(language)
    day = _DAYS[lang][local.weekday()]
    month = _MONTHS[lang][local.month - 1]
    zone = local.strftime("%Z")
    if lang == "es":
        return f"{day} {local.day} {month}, {local.strftime('%H:%M')} {zone}".strip()
    clock = local.strftime("%I:%M %p").lstrip("0")
    return f"{day}, {month} {local.day} at {clock} {zone}".strip()


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


def template_for(
    kind: str, channel: str, language: str, override: tuple[str | None, str] | None = None
) -> tuple[str | None, str]:
    if override is not None:
        return override
    lang = language_of(language)
    found = DEFAULTS.get((kind, channel, lang)) or DEFAULTS.get((kind, channel, "en"))
    if found is None and channel == "portal":
        found = DEFAULTS.get((kind, "email", lang)) or DEFAULTS.get((kind, "email", "en"))
    if found is None:
        raise KeyError(f"no template for {kind}/{channel}")
    return found


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Any:
    # Compiling a template costs milliseconds; the worker renders thousands a second
    # from a few dozen sources.
    return _env.from_string(source)


def render(
    kind: str,
    channel: str,
    language: str,
    variables: dict[str, Any],
    override: tuple[str | None, str] | None = None,
) -> Rendered:
    subject, body = template_for(kind, channel, language, override)
    allowed = SMS_VARIABLES if channel == "sms" else EMAIL_VARIABLES
    context = {k: v for k, v in variables.items() if k in allowed}
    return Rendered(
        _compiled(subject).render(context).strip() if subject else None,
        _compiled(body).render(context).strip(),
    )


SAMPLE = {
    "first_name": "Maria",
    "last_name": "Garcia",
    "org_name": "Harbor Family Health",
    "org_phone": "(617) 555-0123",
    "when": "Tue, Jun 2 at 9:00 AM EDT",
    "place": "Harbor Main",
    "address": "125 Harbor St, Boston",
    "link": "https://liaison.example/r/abc",
    "expires": "10:30 AM",
    "visit_type": "Follow-up visit",
    "practitioner": "Dr. Ann Adams",
    "note": "The clinic is closed because of a storm.",
    "code": "123456",
}


def check(channel: str, subject: str | None, body: str) -> Rendered:
    """Validate an organization's template: it must render with the variables its
    channel may use. An unknown variable (or one an SMS may not carry) names itself."""
    allowed = SMS_VARIABLES if channel == "sms" else EMAIL_VARIABLES
    context = {k: v for k, v in SAMPLE.items() if k in allowed}
    try:
        return Rendered(
            _env.from_string(subject).render(context).strip() if subject else None,
            _env.from_string(body).render(context).strip(),
        )
    except UndefinedError as exc:
        raise InvalidInput(
            "body",
            f"uses a variable this channel does not have ({exc.message}); available: {', '.join(sorted(allowed))}",
        ) from exc
    except TemplateSyntaxError as exc:
        raise InvalidInput(
            "body", f"is not a valid template: {exc.message} (line {exc.lineno})"
        ) from exc
