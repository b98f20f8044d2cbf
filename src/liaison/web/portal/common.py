"""What every portal page shares: who is signed in, which patient they are using the
portal for, the language, and rendering in the portal's own layout.

Contract for portal page modules: ``router = APIRouter(prefix="/portal", ...)``; take the
context with ``PortalContext`` (a signed-in user; 401 sends the browser to
``/portal/sign-in``); call ``chosen(request, ctx)`` for the patient the page is about (a
``PortalPatient``, already access-checked) and ``page(request, ctx, template, **data)`` to
render a template that extends ``portal/base.html`` and uses ``t("key")`` for words.
Patient ids never appear in URLs: the patient is the one chosen in the switcher (a
cookie holding an opaque id, checked on every request).
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.errors import NotFound
from liaison.portal import access
from liaison.portal.access import PortalPatient
from liaison.web.pages import csrf_token
from liaison.web.portal import i18n
from liaison.web.templating import templates

PortalContext = ApiContext
CHOSEN_COOKIE = "liaison_portal_for"
LANGUAGE_COOKIE = "liaison_portal_lang"


def patients(request: Request, ctx: Context) -> list[PortalPatient]:
    cached = getattr(request.state, "portal_patients", None)
    if cached is None:
        cached = access.patients_for(ctx)
        request.state.portal_patients = cached
    return cached


def chosen(request: Request, ctx: Context, *, manage: bool = False) -> PortalPatient:
    """The patient the pages are about: the switcher's choice if still allowed, else the
    caller's own record, else the first they may act for. 404 when there is none."""
    found = patients(request, ctx)
    if not found:
        raise NotFound("Patient", "There is no patient record for this sign-in")
    raw = request.cookies.get(CHOSEN_COOKIE)
    pick = None
    if raw:
        try:
            wanted = uuid.UUID(raw)
        except ValueError:
            wanted = None
        pick = next((p for p in found if p.patient_id == wanted), None)
    pick = pick or found[0]
    if manage:
        return access.require_patient(ctx, pick.patient_id, manage=True)
    return pick


def language(request: Request, ctx: Context | None = None) -> str:
    """The reader's language: their explicit choice, else their record's preference."""
    picked = request.cookies.get(LANGUAGE_COOKIE)
    if picked in i18n.LANGUAGES:
        return picked
    if ctx is not None and ctx.principal is not None:
        try:
            return chosen(request, ctx).language if patients(request, ctx) else "en"
        except NotFound:
            return "en"
    header = request.headers.get("accept-language", "")
    return "es" if header.lower().startswith("es") else "en"


def page(
    request: Request,
    ctx: Context | None,
    template: str,
    *,
    status_code: int = 200,
    **data: Any,
) -> HTMLResponse:
    lang = data.pop("lang", None) or language(request, ctx)
    shell: dict[str, Any] = {
        "lang": lang,
        "t": partial(i18n.translate, lang),
        "languages": i18n.LANGUAGE_NAMES,
        "csrf_token": csrf_token(request),
        "signed_in": ctx is not None and ctx.principal is not None,
        "portal_patients": [],
        "current": None,
    }
    if shell["signed_in"]:
        assert ctx is not None
        shell["portal_patients"] = patients(request, ctx)
        try:
            shell["current"] = chosen(request, ctx)
        except NotFound:
            shell["current"] = None
    response = templates.TemplateResponse(
        request, template, {**shell, **data}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def back(url: str, done: str | None = None) -> RedirectResponse:
    """Redirect-after-post; ``done`` names a message key, never text."""
    if done:
        url = f"{url}{'&' if '?' in url else '?'}done={done}"
    return RedirectResponse(url, status_code=303)
