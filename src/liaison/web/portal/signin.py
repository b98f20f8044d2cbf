# Portal wording reads better unwrapped, like messaging/templates.py.
# ruff: noqa: E501
"""The portal's way in and out: a one-time code (or the link that carries it) sent to a
phone or e-mail address, an optional password, choosing whose records are yours on a
shared phone, registering when nothing is on file, switching patients, the language,
and signing out.

Before sign-in the forms carry a double-submit token (``PRE_CSRF_COOKIE``, like the
staff sign-in). The sign-in in progress is a short-lived, signed, HttpOnly cookie
(``PENDING_COOKIE``): the code's id and the destination the person typed, so that the
records on file can be matched once the code is right. The destination never goes
into a URL, a log line or the database (only its keyed digest does).
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from liaison.auth import service as auth_service
from liaison.auth.dependencies import SESSION_COOKIE, client_ip, get_runtime, request_id
from liaison.context import Context, unit_of_work
from liaison.errors import Conflict, InvalidInput
from liaison.kit import clock
from liaison.portal import access
from liaison.portal import signin as service
from liaison.web.portal import common, i18n
from liaison.web.portal.common import PortalContext, page
from liaison.web.templating import _phone

router = APIRouter(prefix="/portal", include_in_schema=False)

PRE_CSRF_COOKIE = "liaison_portal_csrf"
PENDING_COOKIE = "liaison_portal_pending"

i18n.register(
    {
        "sign_in": {"en": "Sign in", "es": "Entrar"},
        "sign_in_lead": {
            "en": "We will send a 6-digit code to your mobile phone or e-mail address.",
            "es": "Le enviaremos un código de 6 dígitos a su celular o correo electrónico.",
        },
        "destination": {
            "en": "Mobile phone number or e-mail address",
            "es": "Número de celular o correo electrónico",
        },
        "destination_help": {
            "en": "Use the one your clinic has on file, for example (617) 555-0123.",
            "es": "Use el que tiene su clínica, por ejemplo (617) 555-0123.",
        },
        "send_code": {"en": "Send me a code", "es": "Enviarme un código"},
        "with_password": {
            "en": "Sign in with a password instead",
            "es": "Entrar con contraseña",
        },
        "password": {"en": "Password", "es": "Contraseña"},
        "password_destination": {
            "en": "Phone number or e-mail address",
            "es": "Número de teléfono o correo electrónico",
        },
        "sign_in_password": {"en": "Sign in with password", "es": "Entrar con contraseña"},
        "password_lead": {
            "en": "Only if you set a password in the portal before.",
            "es": "Solo si ya creó una contraseña en el portal.",
        },
        "verify_title": {"en": "Enter your code", "es": "Escriba su código"},
        "verify_lead": {
            "en": "If {hint} is on file with a clinic, a 6-digit code is on its way. It expires in 10 minutes.",
            "es": "Si {hint} está registrado en una clínica, le llegará un código de 6 dígitos. Vence en 10 minutos.",
        },
        "code": {"en": "6-digit code", "es": "Código de 6 dígitos"},
        "code_help": {
            "en": "The text or e-mail also has a link you can open instead.",
            "es": "El mensaje también trae un enlace que puede abrir en su lugar.",
        },
        "continue": {"en": "Continue", "es": "Continuar"},
        "new_code": {
            "en": "Send a new code or use another number",
            "es": "Enviar otro código o usar otro número",
        },
        "link_title": {"en": "Finish signing in", "es": "Terminar de entrar"},
        "link_lead": {
            "en": "Press Continue to sign in to the patient portal.",
            "es": "Oprima Continuar para entrar al portal del paciente.",
        },
        "link_confirm": {
            "en": "This link was opened on another device or browser: enter the phone number or e-mail address the code was sent to.",
            "es": "Abrió este enlace en otro dispositivo o navegador: escriba el número o correo al que se envió el código.",
        },
        "link_bad": {
            "en": "This sign-in link is not valid. Ask for a new code.",
            "es": "Este enlace para entrar no es válido. Pida un código nuevo.",
        },
        "problem_wrong": {
            "en": "That code is not right. You can try {tries} more times.",
            "es": "Ese código no es correcto. Puede intentar {tries} veces más.",
        },
        "problem_wrong_plain": {
            "en": "That code is not right.",
            "es": "Ese código no es correcto.",
        },
        "problem_dead": {
            "en": "This code can no longer be used after too many tries. Ask for a new code.",
            "es": "Este código ya no sirve después de tantos intentos. Pida un código nuevo.",
        },
        "problem_expired": {
            "en": "This code has expired (codes last 10 minutes). Ask for a new code.",
            "es": "Este código venció (duran 10 minutos). Pida un código nuevo.",
        },
        "problem_used": {
            "en": "This code was already used. Ask for a new code.",
            "es": "Este código ya se usó. Pida un código nuevo.",
        },
        "problem_mismatch": {
            "en": "That is not where this code was sent.",
            "es": "El código no se envió a ese número o correo.",
        },
        "problem_throttled": {
            "en": "Too many tries. To keep your account safe, please wait {wait} and try again.",
            "es": "Demasiados intentos. Para proteger su cuenta, espere {wait} e intente de nuevo.",
        },
        "problem_password": {
            "en": "That phone number or e-mail address and password do not match.",
            "es": "El número o correo y la contraseña no coinciden.",
        },
        "problem_no-match": {
            "en": "No record at this phone number or e-mail address has that birth date. Check the date, or call your clinic.",
            "es": "Ningún registro con este número o correo tiene esa fecha de nacimiento. Revise la fecha o llame a su clínica.",
        },
        "problem_ambiguous": {
            "en": "We cannot tell these records apart online. Please call your clinic to connect your account.",
            "es": "No podemos distinguir estos registros en línea. Llame a su clínica para conectar su cuenta.",
        },
        "problem_inactive": {
            "en": "This sign-in is turned off. Please call your clinic.",
            "es": "Este acceso está desactivado. Llame a su clínica.",
        },
        "problem_form": {
            "en": "The form expired. Please try again.",
            "es": "El formulario venció. Intente de nuevo.",
        },
        "problem_bad_destination": {
            "en": "Enter a mobile phone number (like 617 555 0123) or an e-mail address.",
            "es": "Escriba un número de celular (como 617 555 0123) o un correo electrónico.",
        },
        "problem_code_format": {
            "en": "Enter the 6 digits of the code.",
            "es": "Escriba los 6 dígitos del código.",
        },
        "problem_pending": {
            "en": "Your sign-in expired. Please ask for a new code.",
            "es": "Su ingreso venció. Pida un código nuevo.",
        },
        "seconds": {"en": "{n} seconds", "es": "{n} segundos"},
        "minutes": {"en": "{n} minutes", "es": "{n} minutos"},
        "done_signed-out": {"en": "You are signed out.", "es": "Cerró su sesión."},
        "which_title": {"en": "Which record is yours?", "es": "¿Cuál registro es el suyo?"},
        "which_lead": {
            "en": "More than one person's record uses this phone number or e-mail address. To find yours, enter your birth date.",
            "es": "Más de una persona usa este número o correo en sus registros. Para encontrar el suyo, escriba su fecha de nacimiento.",
        },
        "birth_date": {"en": "Birth date", "es": "Fecha de nacimiento"},
        "birth_date_help": {
            "en": "Month, day and year, as on your clinic record.",
            "es": "Mes, día y año, como en su registro de la clínica.",
        },
        "which_proxy_note": {
            "en": "To use the portal for a child or someone you care for, ask the clinic to give you access.",
            "es": "Para usar el portal por un niño o alguien que usted cuida, pida acceso a la clínica.",
        },
        "not_me_register": {
            "en": "None of these is me: register as a new patient",
            "es": "Ninguno soy yo: registrarme como paciente nuevo",
        },
        "register_title": {
            "en": "Register as a new patient",
            "es": "Registrarse como paciente nuevo",
        },
        "register_lead": {
            "en": "We did not find a record for you. Tell us who you are and the clinic will see your details.",
            "es": "No encontramos un registro suyo. Díganos quién es y la clínica verá sus datos.",
        },
        "organization": {"en": "Clinic", "es": "Clínica"},
        "given_name": {"en": "First name", "es": "Nombre"},
        "family_name": {"en": "Last name", "es": "Apellido"},
        "sex": {"en": "Sex on your insurance or ID", "es": "Sexo en su seguro o identificación"},
        "sex_female": {"en": "Female", "es": "Femenino"},
        "sex_male": {"en": "Male", "es": "Masculino"},
        "sex_other": {"en": "Other", "es": "Otro"},
        "sex_unknown": {"en": "Prefer not to say", "es": "Prefiero no decir"},
        "email_optional": {
            "en": "E-mail address (optional)",
            "es": "Correo electrónico (opcional)",
        },
        "phone_optional": {
            "en": "Mobile phone number (optional)",
            "es": "Número de celular (opcional)",
        },
        "register": {"en": "Register", "es": "Registrarme"},
        "register_consent": {
            "en": "By registering you agree to get appointment texts or e-mails at the number or address you signed in with. Reply STOP to a text at any time.",
            "es": "Al registrarse acepta recibir mensajes de sus citas en el número o correo con el que entró. Responda STOP a un mensaje en cualquier momento.",
        },
        "register_again": {
            "en": "To register, please sign in again with a code.",
            "es": "Para registrarse, entre de nuevo con un código.",
        },
        "likely_existing": {
            "en": "You may already have a record at {org}. Please call {phone} so they can connect your portal account.",
            "es": "Es posible que ya tenga un registro en {org}. Llame al {phone} para que conecten su cuenta del portal.",
        },
        "the_clinic": {"en": "the clinic", "es": "la clínica"},
        "fix_fields": {
            "en": "Please check the fields marked below.",
            "es": "Revise los campos marcados abajo.",
        },
        "field_required": {"en": "This is required.", "es": "Este dato es obligatorio."},
        "field_invalid": {"en": "Check this entry.", "es": "Revise este dato."},
        "password_title": {"en": "Your password", "es": "Su contraseña"},
        "password_lead_set": {
            "en": "You can sign in with a code every time. A password is optional: with one, you can sign in without waiting for a code.",
            "es": "Puede entrar siempre con un código. La contraseña es opcional: con ella puede entrar sin esperar un código.",
        },
        "current_password": {"en": "Current password", "es": "Contraseña actual"},
        "new_password": {"en": "New password", "es": "Contraseña nueva"},
        "new_password_help": {
            "en": "At least 12 characters. A few unrelated words work well.",
            "es": "Al menos 12 caracteres. Unas palabras sin relación funcionan bien.",
        },
        "confirm_password": {"en": "New password again", "es": "Repita la contraseña nueva"},
        "save_password": {"en": "Save password", "es": "Guardar contraseña"},
        "password_mismatch": {
            "en": "The two new passwords are not the same.",
            "es": "Las dos contraseñas nuevas no son iguales.",
        },
        "password_current_wrong": {
            "en": "The current password is not right.",
            "es": "La contraseña actual no es correcta.",
        },
        "password_weak": {
            "en": "Use at least 12 characters, not just one repeated.",
            "es": "Use al menos 12 caracteres, no solo uno repetido.",
        },
        "password_same": {
            "en": "The new password must differ from the current one.",
            "es": "La contraseña nueva debe ser distinta de la actual.",
        },
    }
)

# Field errors from the services, as words for the reader (the services speak English
# to the API).
FIELD_MESSAGES = {
    "given_name": "field_required",
    "family_name": "field_required",
    "birth_date": "field_invalid",
    "administrative_sex": "field_required",
    "organization_id": "field_required",
    "email": "field_invalid",
    "phone": "field_invalid",
}


# --- cookies and small helpers --------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Same-site portal paths only; anything else goes home."""
    if not target:
        return "/portal"
    parsed = urlparse(target)
    if (
        parsed.scheme
        or parsed.netloc
        or not target.startswith("/portal")
        or target.startswith("//")
        or "\\" in target
    ):
        return "/portal"
    return target


def _cookie(response: Response, request: Request, name: str, value: str, **kw: Any) -> None:
    settings = get_runtime(request).settings
    kw.setdefault("samesite", "lax")
    kw.setdefault("path", "/portal")
    response.set_cookie(name, value, httponly=True, secure=settings.cookie_secure, **kw)


def _pre_csrf(request: Request) -> str:
    token = request.cookies.get(PRE_CSRF_COOKIE)
    if token and 20 <= len(token) <= 100:
        return token
    cached = getattr(request.state, "portal_pre_csrf", None)
    if cached is None:
        cached = secrets.token_urlsafe(24)
        request.state.portal_pre_csrf = cached
    return cached


def _with_pre_csrf(request: Request, response: Response) -> Response:
    _cookie(response, request, PRE_CSRF_COOKIE, _pre_csrf(request), samesite="strict", max_age=3600)
    return response


def _pre_csrf_ok(request: Request, submitted: str) -> bool:
    expected = request.cookies.get(PRE_CSRF_COOKIE, "")
    return bool(expected) and secrets.compare_digest(expected, submitted or "")


@dataclass(frozen=True)
class Pending:
    code_id: uuid.UUID
    destination: service.Destination
    issued: int


def _pending_value(secret: str, code_id: uuid.UUID, destination: service.Destination) -> str:
    encoded = base64.urlsafe_b64encode(destination.value.encode()).decode().rstrip("=")
    body = f"{code_id.hex}.{destination.channel}.{encoded}.{int(clock.now().timestamp())}"
    return f"{body}.{service.sign(secret, body)}"


def _pending(request: Request) -> Pending | None:
    raw = request.cookies.get(PENDING_COOKIE, "")
    body, _, signature = raw.rpartition(".")
    secret = get_runtime(request).secret
    if not body or not secrets.compare_digest(signature, service.sign(secret, body)):
        return None
    try:
        code_hex, channel, encoded, issued = body.split(".")
        value = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        pending = Pending(uuid.UUID(hex=code_hex), service.Destination(channel, value), int(issued))
    except ValueError:
        return None
    if clock.now().timestamp() - pending.issued > service.PENDING_TTL.total_seconds():
        return None
    return pending


def _forget_pending(response: Response) -> None:
    response.delete_cookie(PENDING_COOKIE, path="/portal")


def _uow(request: Request):  # type: ignore[no-untyped-def]
    runtime = get_runtime(request)
    return unit_of_work(
        runtime.db,
        principal=None,
        audit_key=runtime.audit_key,
        request_id=request_id(request),
        client_ip=client_ip(request),
        runtime=runtime,
    )


def _wait(lang: str, seconds: int) -> str:
    if seconds < 120:
        return i18n.translate(lang, "seconds", n=seconds)
    return i18n.translate(lang, "minutes", n=(seconds + 59) // 60)


def problem_text(lang: str, problem: str, *, tries_left: int | None = None, wait: int = 0) -> str:
    if problem == "throttled":
        return i18n.translate(lang, "problem_throttled", wait=_wait(lang, wait))
    if problem == "wrong":
        if tries_left:
            return i18n.translate(lang, "problem_wrong", tries=tries_left)
        return i18n.translate(lang, "problem_wrong_plain")
    return i18n.translate(lang, f"problem_{problem}")


def _throttled(response: Response, seconds: int) -> Response:
    response.headers["Retry-After"] = str(seconds)
    return response


def _signed_in_user(request: Request) -> bool:
    """Whether the browser holds a live session (the sign-in page then sends it on)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return False
    runtime = get_runtime(request)
    with runtime.db.session() as session:
        return auth_service.resolve_session(session, runtime.settings, token) is not None


def _start(ctx: Context, request: Request, response: Response, user: Any) -> None:
    """A session for ``user``, its cookie on ``response``; the audit names them."""
    runtime = get_runtime(request)
    ctx.principal = auth_service.principal_for(ctx.session, user)
    token, _ = auth_service.start_session(
        ctx.session,
        runtime.settings,
        user,
        client_ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        organization_id=None,
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.cookie_secure,
        max_age=runtime.settings.session_max_age_hours * 3600,
    )
    response.delete_cookie(PRE_CSRF_COOKIE, path="/portal")
    response.delete_cookie(common.CHOSEN_COOKIE, path="/portal")


def _after_sign_in(sign_in: service.SignIn, next_url: str) -> str:
    if sign_in.pick:
        return "/portal/which"
    return _safe_next(next_url)


def _flash(request: Request, lang: str) -> list[str]:
    key = request.query_params.get("done")
    if key and f"done_{key}" in i18n.STRINGS:
        return [i18n.translate(lang, f"done_{key}")]
    return []


# --- sign-in by code ----------------------------------------------------------------


def _sign_in_page(
    request: Request, *, status_code: int = 200, retry_after: int = 0, **data: Any
) -> Response:
    lang = common.language(request)
    data.setdefault("next", _safe_next(request.query_params.get("next")))
    response = page(
        request,
        None,
        "portal/signin.html",
        status_code=status_code,
        lang=lang,
        login_csrf=_pre_csrf(request),
        flashes=_flash(request, lang),
        **data,
    )
    if retry_after:
        _throttled(response, retry_after)
    return _with_pre_csrf(request, response)


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    if _signed_in_user(request):
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _sign_in_page(request)


@router.post("/sign-in")
def ask_for_code(
    request: Request,
    destination: Annotated[str, Form(max_length=254)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/portal",
) -> Response:
    lang = common.language(request)
    if not _pre_csrf_ok(request, csrf_token):
        return _sign_in_page(
            request, status_code=400, error=i18n.translate(lang, "problem_form"), next=next
        )
    try:
        parsed = service.parse_destination(destination)
    except InvalidInput:
        return _sign_in_page(
            request,
            status_code=422,
            error=i18n.translate(lang, "problem_bad_destination"),
            error_field="destination",
            destination=destination,
            next=next,
        )
    with _uow(request) as ctx:
        asked = service.request_code(ctx, parsed, language=lang, client_ip=client_ip(request))
    if asked.code_id is None:
        return _sign_in_page(
            request,
            status_code=429,
            retry_after=asked.retry_after_s,
            error=problem_text(lang, "throttled", wait=asked.retry_after_s),
            destination=destination,
            next=next,
        )
    target = "/portal/verify"
    if _safe_next(next) != "/portal":
        target += f"?next={quote(_safe_next(next))}"
    response = RedirectResponse(target, status_code=303)
    value = _pending_value(get_runtime(request).secret, asked.code_id, parsed)
    _cookie(
        response, request, PENDING_COOKIE, value, max_age=int(service.PENDING_TTL.total_seconds())
    )
    return response


def _verify_page(
    request: Request, pending: Pending, *, status_code: int = 200, retry_after: int = 0, **data: Any
) -> Response:
    data.setdefault("next", _safe_next(request.query_params.get("next")))
    response = page(
        request,
        None,
        "portal/verify.html",
        status_code=status_code,
        login_csrf=_pre_csrf(request),
        hint=pending.destination.hint,
        **data,
    )
    if retry_after:
        _throttled(response, retry_after)
    return _with_pre_csrf(request, response)


@router.get("/verify")
def verify_page(request: Request) -> Response:
    pending = _pending(request)
    if pending is None:
        return RedirectResponse("/portal/sign-in", status_code=303)
    return _verify_page(request, pending)


@router.post("/verify")
def verify(
    request: Request,
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/portal",
) -> Response:
    lang = common.language(request)
    pending = _pending(request)
    if pending is None:
        return _sign_in_page(
            request, status_code=400, error=i18n.translate(lang, "problem_pending"), next=next
        )
    if not _pre_csrf_ok(request, csrf_token):
        return _verify_page(
            request, pending, status_code=400, error=i18n.translate(lang, "problem_form"), next=next
        )
    digits = code.strip().replace(" ", "").replace("-", "")
    if len(digits) != service.CODE_DIGITS or not digits.isdigit():
        return _verify_page(
            request,
            pending,
            status_code=422,
            error=i18n.translate(lang, "problem_code_format"),
            next=next,
        )
    response = RedirectResponse("/portal", status_code=303)
    with _uow(request) as ctx:
        result = service.verify_code(
            ctx,
            pending.code_id,
            digits,
            destination=pending.destination,
            client_ip=client_ip(request),
            language=lang,
        )
        if result.ok:
            _start(ctx, request, response, result.user)
    if not result.ok:
        return _verify_page(
            request,
            pending,
            status_code=429 if result.problem == "throttled" else 400,
            retry_after=result.retry_after_s,
            error=problem_text(
                lang,
                result.problem or "wrong",
                tries_left=result.tries_left,
                wait=result.retry_after_s,
            ),
            next=next,
        )
    response.headers["location"] = _after_sign_in(result, next)
    if not result.needs_destination:
        _forget_pending(response)
    return response


# --- the link in the message ----------------------------------------------------------


def _link_page(
    request: Request, token: str, *, status_code: int = 200, retry_after: int = 0, **data: Any
) -> Response:
    parsed = service.parse_link_token(token)
    pending = _pending(request)
    same_browser = parsed is not None and pending is not None and pending.code_id == parsed[0]
    response = page(
        request,
        None,
        "portal/verify_link.html",
        status_code=status_code,
        login_csrf=_pre_csrf(request),
        token=token if parsed else "",
        valid=parsed is not None,
        ask_destination=not same_browser,
        **data,
    )
    if retry_after:
        _throttled(response, retry_after)
    return _with_pre_csrf(request, response)


@router.get("/link/{token}")
def link_page(request: Request, token: str) -> Response:
    """Opening the link does not sign in by itself (mail scanners open links): the
    page asks to continue, and the POST checks the code."""
    valid = service.parse_link_token(token) is not None
    return _link_page(request, token, status_code=200 if valid else 400)


@router.post("/link")
def follow_link(
    request: Request,
    token: Annotated[str, Form(max_length=80)] = "",
    destination: Annotated[str, Form(max_length=254)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    lang = common.language(request)
    parsed = service.parse_link_token(token)
    if parsed is None:
        return _link_page(request, token, status_code=400)
    if not _pre_csrf_ok(request, csrf_token):
        return _link_page(
            request, token, status_code=400, error=i18n.translate(lang, "problem_form")
        )
    code_id, code = parsed
    pending = _pending(request)
    if pending is not None and pending.code_id == code_id:
        where: service.Destination | None = pending.destination
    else:
        try:
            where = service.parse_destination(destination)
        except InvalidInput:
            return _link_page(
                request,
                token,
                status_code=422,
                error=i18n.translate(lang, "problem_bad_destination"),
                error_field="destination",
                destination=destination,
            )
    response = RedirectResponse("/portal", status_code=303)
    with _uow(request) as ctx:
        result = service.verify_code(
            ctx, code_id, code, destination=where, client_ip=client_ip(request), language=lang
        )
        if result.ok:
            _start(ctx, request, response, result.user)
    if not result.ok:
        return _link_page(
            request,
            token,
            status_code=429 if result.problem == "throttled" else 400,
            retry_after=result.retry_after_s,
            error=problem_text(lang, result.problem or "wrong", wait=result.retry_after_s),
            destination=destination,
        )
    response.headers["location"] = _after_sign_in(result, "/portal")
    if result.needs_destination:
        assert where is not None
        value = _pending_value(get_runtime(request).secret, code_id, where)
        _cookie(
            response,
            request,
            PENDING_COOKIE,
            value,
            max_age=int(service.PENDING_TTL.total_seconds()),
        )
    else:
        _forget_pending(response)
    return response


# --- the optional password ------------------------------------------------------------


@router.post("/sign-in/password")
def sign_in_with_password(
    request: Request,
    destination: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/portal",
) -> Response:
    lang = common.language(request)
    if not _pre_csrf_ok(request, csrf_token):
        return _sign_in_page(
            request,
            status_code=400,
            password_error=i18n.translate(lang, "problem_form"),
            next=next,
            open_password=True,
        )
    try:
        parsed = service.parse_destination(destination)
    except InvalidInput:
        return _sign_in_page(
            request,
            status_code=422,
            password_error=i18n.translate(lang, "problem_bad_destination"),
            password_destination=destination,
            next=next,
            open_password=True,
        )
    runtime = get_runtime(request)
    response = RedirectResponse("/portal", status_code=303)
    with _uow(request) as ctx:
        result = service.check_password(
            ctx, runtime.passwords, parsed, password, client_ip(request)
        )
        if result.ok:
            _start(ctx, request, response, result.user)
    if not result.ok:
        throttled = result.problem == "throttled"
        return _sign_in_page(
            request,
            status_code=429 if throttled else 401,
            retry_after=result.retry_after_s,
            password_error=problem_text(
                lang, result.problem or "password", wait=result.retry_after_s
            ),
            password_destination=destination,
            next=next,
            open_password=True,
        )
    response.headers["location"] = _after_sign_in(result, next)
    if result.needs_destination:
        # No code was sent: a synthetic pending sign-in carries the destination the
        # password just proved, for the birth-date step or registration.
        value = _pending_value(runtime.secret, uuid.UUID(int=0), parsed)
        _cookie(
            response,
            request,
            PENDING_COOKIE,
            value,
            max_age=int(service.PENDING_TTL.total_seconds()),
        )
    return response


def _password_page(
    request: Request, ctx: Context, user: Any, *, status_code: int = 200, **data: Any
) -> Response:
    return page(
        request,
        ctx,
        "portal/password.html",
        status_code=status_code,
        has_password=user.password_hash is not None,
        nav="password",
        **data,
    )


@router.get("/password")
def password_page(request: Request, ctx: PortalContext) -> Response:
    if service.user_account(ctx.session, ctx.caller.user_id) is None:
        return RedirectResponse("/portal", status_code=303)  # staff: not a portal sign-in
    user = service.load_user(ctx.session, ctx.caller.user_id)
    ctx.audit("read", "User", user.id, page="portal-password")
    return _password_page(request, ctx, user)


PASSWORD_PROBLEMS = {
    "current_password": "password_current_wrong",
    "new_password": "password_weak",
}


@router.post("/password")
def change_password(
    request: Request,
    ctx: PortalContext,
    new_password: Annotated[str, Form(max_length=256)] = "",
    confirm_password: Annotated[str, Form(max_length=256)] = "",
    current_password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    lang = common.language(request, ctx)
    if service.user_account(ctx.session, ctx.caller.user_id) is None:
        return RedirectResponse("/portal", status_code=303)
    user = service.load_user(ctx.session, ctx.caller.user_id)
    if new_password != confirm_password:
        ctx.audit("update", "User", user.id, change="portal-password", result="mismatch")
        return _password_page(
            request,
            ctx,
            user,
            status_code=422,
            errors={"confirm_password": i18n.translate(lang, "password_mismatch")},
        )
    try:
        with ctx.session.begin_nested():
            service.set_password(
                ctx, get_runtime(request).passwords, user, current_password, new_password
            )
    except InvalidInput as exc:
        errors = {}
        for p in exc.problems:
            key = PASSWORD_PROBLEMS.get(p.field, "field_invalid")
            if p.field == "new_password" and "differ" in p.message:
                key = "password_same"
            errors[p.field] = i18n.translate(lang, key)
        ctx.audit_records[-1].details["result"] = "refused"
        return _password_page(request, ctx, user, status_code=422, errors=errors)
    return common.back("/portal", "password")


# --- whose records, registration ------------------------------------------------------


def _verified_destination(request: Request, ctx: Context) -> service.Destination | None:
    """The destination of the pending sign-in, if it is the signed-in account's own."""
    pending = _pending(request)
    if pending is None:
        return None
    account = service.user_account(ctx.session, ctx.caller.user_id)
    if account is None:
        return None
    digest = service.destination_digest(get_runtime(request).secret, pending.destination)
    if not secrets.compare_digest(digest, account.destination_digest):
        return None
    return pending.destination


def _can_register(ctx: Context) -> bool:
    return bool(service.registration_orgs(ctx.session)) and not service.has_own_record(
        ctx.session, ctx.caller.user_id
    )


def _which_page(request: Request, ctx: Context, *, status_code: int = 200, **data: Any) -> Response:
    return page(
        request,
        ctx,
        "portal/register_which.html",
        status_code=status_code,
        can_register=_can_register(ctx),
        **data,
    )


@router.get("/which")
def which_page(request: Request, ctx: PortalContext) -> Response:
    destination = _verified_destination(request, ctx)
    user = service.load_user(ctx.session, ctx.caller.user_id)
    if destination is None or not service.pending_candidates(ctx, user, destination):
        return RedirectResponse("/portal", status_code=303)
    ctx.audit("read", "PortalSignIn", user.id, page="pick-by-birth-date")
    return _which_page(request, ctx)


@router.post("/which")
def pick_records(
    request: Request,
    ctx: PortalContext,
    birth_date: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    lang = common.language(request, ctx)
    destination = _verified_destination(request, ctx)
    if destination is None:
        ctx.audit("execute", "PortalSignIn", ctx.caller.user_id, result="no-pending")
        return RedirectResponse("/portal", status_code=303)
    try:
        born = date.fromisoformat(birth_date.strip())
    except ValueError:
        ctx.audit("execute", "PortalSignIn", ctx.caller.user_id, result="bad-date")
        return _which_page(
            request,
            ctx,
            status_code=422,
            errors={"birth_date": i18n.translate(lang, "field_invalid")},
            birth_date=birth_date,
        )
    user = service.load_user(ctx.session, ctx.caller.user_id)
    picked = service.pick_by_birth_date(ctx, user, destination, born, client_ip(request))
    if picked.problem:
        status = {"throttled": 429, "ambiguous": 409}.get(picked.problem, 400)
        response = _which_page(
            request,
            ctx,
            status_code=status,
            error=problem_text(lang, picked.problem, wait=picked.retry_after_s),
            birth_date=birth_date,
        )
        return _throttled(response, picked.retry_after_s) if picked.retry_after_s else response
    response = common.back("/portal", "linked")
    _forget_pending(response)
    return response


def _register_page(
    request: Request,
    ctx: Context,
    destination: service.Destination,
    *,
    status_code: int = 200,
    **data: Any,
) -> Response:
    data.setdefault("values", {})
    return page(
        request,
        ctx,
        "portal/register.html",
        status_code=status_code,
        organizations=service.registration_orgs(ctx.session),
        channel=destination.channel,
        sexes=service.SEXES,
        **data,
    )


@router.get("/register")
def register_page(request: Request, ctx: PortalContext) -> Response:
    destination = _verified_destination(request, ctx)
    account = service.user_account(ctx.session, ctx.caller.user_id)
    if account is None or not _can_register(ctx):
        return RedirectResponse("/portal", status_code=303)
    if destination is None:
        return page(request, ctx, "portal/register.html", again=True, values={})
    ctx.audit("read", "Organization", page="portal-register")
    return _register_page(request, ctx, destination)


@router.post("/register")
def register(
    request: Request,
    ctx: PortalContext,
    organization_id: Annotated[str, Form(max_length=40)] = "",
    given_name: Annotated[str, Form(max_length=200)] = "",
    family_name: Annotated[str, Form(max_length=200)] = "",
    birth_date: Annotated[str, Form(max_length=20)] = "",
    administrative_sex: Annotated[str, Form(max_length=20)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    lang = common.language(request, ctx)
    values = {
        "organization_id": organization_id,
        "given_name": given_name,
        "family_name": family_name,
        "birth_date": birth_date,
        "administrative_sex": administrative_sex,
        "email": email,
        "phone": phone,
    }
    destination = _verified_destination(request, ctx)
    if destination is None:
        ctx.audit("create", "Patient", source="portal", result="no-pending")
        return page(request, ctx, "portal/register.html", status_code=400, again=True, values={})
    errors: dict[str, str] = {}
    try:
        org_id = uuid.UUID(organization_id)
    except ValueError:
        errors["organization_id"] = i18n.translate(lang, "field_required")
    try:
        born = date.fromisoformat(birth_date.strip())
    except ValueError:
        errors["birth_date"] = i18n.translate(lang, "field_invalid")
    if errors:
        ctx.audit("create", "Patient", source="portal", result="invalid")
        return _register_page(
            request, ctx, destination, status_code=422, errors=errors, values=values
        )
    user = service.load_user(ctx.session, ctx.caller.user_id)
    data = service.Registration(
        organization_id=org_id,
        given_name=given_name,
        family_name=family_name,
        birth_date=born,
        administrative_sex=administrative_sex,
        email=email or None,
        phone=phone or None,
        language=lang,
    )
    try:
        with ctx.session.begin_nested():
            patient = service.register(ctx, user, destination, data)
    except InvalidInput as exc:
        errors = {
            p.field: i18n.translate(lang, FIELD_MESSAGES.get(p.field, "field_invalid"))
            for p in exc.problems
        }
        ctx.audit_records[-1].details["result"] = "invalid"
        return _register_page(
            request, ctx, destination, status_code=422, errors=errors, values=values
        )
    except service.LikelyExisting as exc:
        org = next(o for o in service.registration_orgs(ctx.session) if o.id == org_id)
        text = i18n.translate(
            lang,
            "likely_existing",
            org=org.name,
            phone=_phone(exc.extensions.get("organization_phone"))
            or i18n.translate(lang, "the_clinic"),
        )
        return _register_page(request, ctx, destination, status_code=409, error=text, values=values)
    except Conflict:
        return RedirectResponse("/portal", status_code=303)
    response = common.back("/portal", "registered")
    _cookie(response, request, common.CHOSEN_COOKIE, str(patient.id), max_age=30 * 86400)
    _forget_pending(response)
    return response


# --- switching patient, language, signing out ------------------------------------------


def _back_to(request: Request, default: str = "/portal") -> str:
    """Where the reader was (their Referer), if it is a page of this portal."""
    referer = request.headers.get("referer")
    if not referer:
        return default
    parsed = urlparse(referer)
    if parsed.netloc and parsed.netloc != request.url.netloc:
        return default
    target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return _safe_next(target)


@router.post("/for")
def choose_patient(
    request: Request,
    ctx: PortalContext,
    patient: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        patient_id = uuid.UUID(patient)
    except ValueError as exc:
        raise InvalidInput("patient", "is not a patient of yours") from exc
    audit = ctx.audit("read", "Patient", patient_id, patient_id=patient_id, page="portal-switch")
    found = access.require_patient(ctx, patient_id)
    audit.about(organization_id=found.organization_id)
    response = RedirectResponse(_back_to(request), status_code=303)
    _cookie(response, request, common.CHOSEN_COOKIE, str(found.patient_id), max_age=30 * 86400)
    return response


@router.get("/language")
def choose_language(request: Request, language: str = "en") -> Response:
    lang = i18n.language_of(language)
    response = RedirectResponse(_back_to(request, "/portal/sign-in"), status_code=303)
    _cookie(response, request, common.LANGUAGE_COOKIE, lang, max_age=365 * 86400)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        # Signed in: remembered on the account too, for the next code's message.
        runtime = get_runtime(request)
        with _uow(request) as ctx:
            resolved = auth_service.resolve_session(ctx.session, runtime.settings, token)
            if resolved is not None:
                ctx.principal = auth_service.principal_for(ctx.session, resolved[1])
                service.remember_language(ctx, lang)
    return response


@router.post("/sign-out")
def sign_out(request: Request, ctx: PortalContext) -> Response:
    ctx.audit("execute", "UserSession", ctx.caller.session_id, what="portal-sign-out")
    user_session = getattr(request.state, "user_session", None)
    if user_session is not None:
        auth_service.end_session(ctx.session, user_session)
    response = RedirectResponse("/portal/sign-in?done=signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(common.CHOSEN_COOKIE, path="/portal")
    _forget_pending(response)
    return response
