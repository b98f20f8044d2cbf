"""The portal's messages page (``/portal/messages``): the conversation with the care team
and a composer that can attach photos and PDFs.

The patient is the one chosen in the switcher; nothing about them is in a URL (the
thread's "earlier messages" cursor names a message's time and id, and a file is named
by its own id, checked against the chosen patient). A refused message is shown again
with what was typed and every reason at once, naming the files; nothing of it is kept.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from liaison.errors import InvalidInput, PermissionDenied
from liaison.messaging import templates as wording
from liaison.portal import messages
from liaison.portal.attachment_api import file_response
from liaison.web import forms
from liaison.web.forms import Form, reject, text
from liaison.web.portal import i18n
from liaison.web.portal.common import PortalContext, back, chosen, language, page

router = APIRouter(prefix="/portal", include_in_schema=False)
URL = "/portal/messages"
# A request larger than every file at its limit plus the words is refused before it is
# read into the form (a person cannot send one; a script can try).
MAX_REQUEST = messages.MAX_FILES * messages.MAX_FILE_BYTES + 256 * 1024
MB = messages.MAX_FILE_BYTES // (1024 * 1024)

i18n.register(
    {
        "msg_title": {"en": "Messages", "es": "Mensajes"},
        "msg_intro": {
            "en": "Write to your care team at {org}. We answer during office hours.",
            "es": "Escriba a su equipo de atención en {org}. Respondemos en horario de oficina.",
        },
        "msg_emergency_hint": {
            "en": "For an emergency, call 911. Do not use messages.",
            "es": "En una emergencia, llame al 911. No use los mensajes.",
        },
        "msg_conversation": {"en": "Conversation", "es": "Conversación"},
        "msg_empty": {
            "en": "No messages yet. Write the first one below.",
            "es": "Todavía no hay mensajes. Escriba el primero abajo.",
        },
        "msg_earlier": {"en": "Earlier messages", "es": "Mensajes anteriores"},
        "msg_newest": {
            "en": "Back to the newest messages",
            "es": "Volver a los mensajes recientes",
        },
        "msg_you": {"en": "You", "es": "Usted"},
        "msg_care_team": {"en": "Your care team", "es": "Su equipo de atención"},
        "msg_carer": {"en": "Someone caring for {name}", "es": "Alguien que cuida a {name}"},
        "msg_via_portal": {"en": "in the portal", "es": "en el portal"},
        "msg_via_sms": {"en": "by text message", "es": "por mensaje de texto"},
        "msg_via_email": {"en": "by e-mail", "es": "por correo electrónico"},
        "msg_via_voice": {"en": "by phone", "es": "por teléfono"},
        "msg_subject": {"en": "Subject", "es": "Asunto"},
        "msg_attachments": {"en": "Attached files", "es": "Archivos adjuntos"},
        "msg_image": {"en": "image", "es": "imagen"},
        "msg_pdf": {"en": "PDF", "es": "PDF"},
        "msg_open_file": {"en": "Open {name}", "es": "Abrir {name}"},
        "msg_new": {"en": "New message", "es": "Nuevo mensaje"},
        "msg_subject_label": {"en": "Subject (optional)", "es": "Asunto (opcional)"},
        "msg_body_label": {"en": "Your message", "es": "Su mensaje"},
        "msg_body_hint": {
            "en": "Up to 1600 characters. Your care team reads it in their inbox.",
            "es": "Hasta 1600 caracteres. Su equipo de atención lo lee en su bandeja.",
        },
        "msg_files_label": {"en": "Attach files (optional)", "es": "Adjuntar archivos (opcional)"},
        "msg_files_hint": {
            "en": "Up to 3 photos (PNG, JPEG, GIF, WebP) or PDF files, {mb} MB each.",
            "es": "Hasta 3 fotos (PNG, JPEG, GIF, WebP) o archivos PDF, de {mb} MB cada uno.",
        },
        "msg_send": {"en": "Send message", "es": "Enviar mensaje"},
        "msg_sent": {
            "en": "Your message was sent. Your care team will answer here.",
            "es": "Su mensaje fue enviado. Su equipo de atención le responderá aquí.",
        },
        "msg_safety_title": {
            "en": "If this is an emergency, call 911 now.",
            "es": "Si es una emergencia, llame al 911 ahora.",
        },
        "msg_safety": {
            "en": "If you are thinking about suicide, call or text 988. "
            "Your message was sent and our team will contact you as soon as possible.",
            "es": "Si tiene pensamientos suicidas, llame o envíe un texto al 988 "
            "(Español: oprima 2). Su mensaje fue enviado y nuestro equipo le contactará lo "
            "antes posible.",
        },
        "msg_safety_call": {"en": "Call the clinic: {phone}", "es": "Llame a la clínica: {phone}"},
        "msg_read_only": {
            "en": "You can read these messages but not send them: your access is read-only. "
            "Please call the clinic.",
            "es": "Puede leer estos mensajes pero no enviarlos: su acceso es de solo lectura. "
            "Llame a la clínica, por favor.",
        },
        "msg_errors_title": {
            "en": "The message was not sent",
            "es": "El mensaje no se envió",
        },
        "msg_errors_kept": {
            "en": "Nothing was sent or kept. Your words are still below; choose the files again.",
            "es": "No se envió ni se guardó nada. Su texto sigue abajo; vuelva a elegir los "
            "archivos.",
        },
        "msg_err_body_empty": {"en": "Write your message.", "es": "Escriba su mensaje."},
        "msg_err_body_too_long": {
            "en": "Your message is longer than 1600 characters.",
            "es": "Su mensaje tiene más de 1600 caracteres.",
        },
        "msg_err_subject_too_long": {
            "en": "The subject is longer than 200 characters.",
            "es": "El asunto tiene más de 200 caracteres.",
        },
        "msg_err_too_many_files": {
            "en": "Attach at most 3 files.",
            "es": "Adjunte como máximo 3 archivos.",
        },
        "msg_err_file_empty": {
            "en": "“{name}” is empty.",
            "es": "“{name}” está vacío.",
        },
        "msg_err_file_too_large": {
            "en": "“{name}” is larger than {mb} MB.",
            "es": "“{name}” ocupa más de {mb} MB.",
        },
        "msg_err_file_type": {
            "en": "“{name}” is not a photo (PNG, JPEG, GIF, WebP) or a PDF.",
            "es": "“{name}” no es una foto (PNG, JPEG, GIF, WebP) ni un PDF.",
        },
        "msg_err_request_too_large": {
            "en": "The files together are too large: up to 3 files of {mb} MB each.",
            "es": "Los archivos juntos son demasiado grandes: hasta 3 archivos de {mb} MB "
            "cada uno.",
        },
        "msg_back": {"en": "Back to your messages", "es": "Volver a sus mensajes"},
        "msg_kb": {"en": "{n} KB", "es": "{n} KB"},
        "msg_mb": {"en": "{n} MB", "es": "{n} MB"},
    }
)


def _size(lang: str, size: int) -> str:
    if size < 1024 * 1024:
        return i18n.translate(lang, "msg_kb", n=max(1, round(size / 1024)))
    n = f"{size / (1024 * 1024):.1f}"
    return i18n.translate(lang, "msg_mb", n=n.replace(".", ",") if lang == "es" else n)


def _stamp(lang: str, zone: str, at: datetime) -> str:
    return wording.when(at.astimezone(ZoneInfo(zone)), lang)


def _author(lang: str, thread: messages.Thread, item: messages.ThreadItem) -> str:
    """Who wrote a message, as the reader sees it."""
    patient = thread.patient
    if not item.from_patient:
        return i18n.translate(lang, "msg_care_team")
    sender = item.communication.from_address or ""
    written_by = sender.removeprefix("portal:") if sender.startswith("portal:") else "self"
    if written_by == patient.relationship:
        return i18n.translate(lang, "msg_you")
    if written_by == "self":
        return patient.given_name
    return i18n.translate(lang, "msg_carer", name=patient.given_name)


def _refusal_text(lang: str, refusal: messages.Refusal) -> str:
    return i18n.translate(lang, f"msg_err_{refusal.code}", name=refusal.filename or "", mb=MB)


def _page(
    request: Request,
    ctx: Any,
    *,
    before: str | None = None,
    done: str | None = None,
    values: dict[str, Any] | None = None,
    refusals: list[messages.Refusal] | None = None,
    problem: str | None = None,
    emergency: bool = False,
    status_code: int = 200,
) -> Response:
    current = chosen(request, ctx)
    try:
        thread = messages.thread(ctx, current.patient_id, before=before)
    except InvalidInput:  # a cursor that is not one: show the newest messages
        thread = messages.thread(ctx, current.patient_id)
    lang = language(request, ctx)
    errors: dict[str, list[str]] = {}
    summary: list[tuple[str, str]] = []
    for refusal in refusals or []:
        field = "body" if refusal.field == "body" else refusal.field.split("[")[0]
        message = _refusal_text(lang, refusal)
        errors.setdefault(field, []).append(message)
        summary.append((field, message))
    return page(
        request,
        ctx,
        "portal/messages.html",
        status_code=status_code,
        nav="messages",
        thread=thread,
        author=lambda item: _author(lang, thread, item),
        stamp=lambda at: _stamp(lang, thread.time_zone, at),
        size=lambda n: _size(lang, n),
        done=done if done in ("sent",) else None,
        emergency=emergency,
        values=values or {},
        errors=errors,
        summary=summary,
        problem=problem,
        can_send=current.can_manage,
        key=secrets.token_urlsafe(18),
        mb=MB,
        max_files=messages.MAX_FILES,
        max_bytes=messages.MAX_FILE_BYTES,
        max_body=messages.MAX_BODY,
    )


@router.get("/messages")
def messages_page(
    request: Request, ctx: PortalContext, before: str | None = None, done: str | None = None
) -> Response:
    return _page(request, ctx, before=before, done=done)


def _bounded(request: Request) -> None:
    """Refuse, before reading it, a request larger than any message may be."""
    raw = request.headers.get("content-length", "")
    if raw.isdigit() and int(raw) > MAX_REQUEST:
        lang = language(request)
        reject(
            page(
                request,
                None,
                "portal/messages_refused.html",
                status_code=413,
                lang=lang,
                nav="messages",
                message=i18n.translate(lang, "msg_err_request_too_large", mb=MB),
            )
        )


def _uploads(form: Any) -> list[messages.Upload]:
    found = []
    for item in form.getlist("attachments"):
        if not isinstance(item, UploadFile):
            continue
        if not item.filename and not item.size:
            continue  # the file input left empty
        item.file.seek(0)
        data = item.file.read(messages.MAX_FILE_BYTES + 1)
        found.append(messages.Upload(item.filename, item.content_type, data, item.size))
    return found


@router.post("/messages")
def send(
    request: Request,
    _size: Annotated[None, Depends(_bounded)],
    ctx: PortalContext,
    form: Form,  # type: ignore[valid-type]
) -> Response:
    """Send a message (and its files) to the care team; it lands in their inbox."""
    current = chosen(request, ctx)
    values = {"subject": text(form, "subject") or "", "body": text(form, "body") or ""}
    try:
        sent = messages.send(
            ctx,
            current.patient_id,
            body=values["body"],
            subject=values["subject"],
            uploads=_uploads(form),
            key=text(form, "key"),
        )
    except messages.MessageRefused as exc:
        forms.discard(ctx)
        reject(_page(request, ctx, values=values, refusals=exc.refusals, status_code=422))
    except PermissionDenied:
        forms.discard(ctx)
        reject(_page(request, ctx, problem="msg_read_only", status_code=403))
    if sent.emergency:
        # Shown at once, on this response: the safety words must not wait for a redirect
        # or a text message. A reload re-posts the same key and sends nothing again.
        return _page(request, ctx, emergency=True)
    return back(URL, "sent")


@router.get("/messages/attachments/{attachment_id}")
def attachment(attachment_id: uuid.UUID, request: Request, ctx: PortalContext) -> Response:
    """A file of the chosen patient's conversation (404 for any other)."""
    current = chosen(request, ctx)
    return file_response(messages.attachment_for_patient(ctx, current.patient_id, attachment_id))
