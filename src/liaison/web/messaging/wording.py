"""Message wording: Liaison's default templates and the organization's own, per kind,
channel and language; an editor with a live preview (sample data, as you type) and a
reset to the default. A template that uses a variable its channel does not have is
refused by the service with the problem named on the body field."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth.dependencies import ApiContext
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.errors import InvalidInput, NotFound
from liaison.messaging import rules, service
from liaison.messaging import templates as message_templates
from liaison.messaging.schemas import TemplatePreview, TemplateWrite
from liaison.models import Organization
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text, values_of
from liaison.web.messaging.common import CHANNELS, KINDS, LANGUAGE_NAMES
from liaison.web.pages import redirect, render, working_organization
from liaison.web.scheduling.common import asks_for

router = APIRouter(prefix="/messaging/templates", include_in_schema=False)
WRITE = Permission.DIRECTORY_WRITE
# The preview's region (its id, as htmx names the target) and the template block that fills it.
PREVIEW_REGION, PREVIEW_BLOCK = "template-preview", "preview"
FIELDS = ("subject", "body")


def _url(view: service.TemplateView) -> str:
    return f"/messaging/templates/{view.kind}/{view.channel}/{view.language}"


@router.get("", response_class=HTMLResponse)
def list_templates(
    request: Request,
    ctx: ApiContext,
    kind: Annotated[str, Query(max_length=30)] = "",
    channel: Annotated[str, Query(max_length=10)] = "",
    language: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    org = working_organization(ctx)
    views = service.list_templates(ctx, org.id)
    shown = [
        v
        for v in views
        if (not kind or v.kind == kind)
        and (not channel or v.channel == channel)
        and (not language or v.language == language)
    ]
    return render(
        request,
        ctx,
        "messaging/templates.html",
        nav="messaging",
        section="templates",
        org=org,
        views=shown,
        total=len(views),
        overridden=sum(1 for v in views if v.overridden),
        filters={"kind": kind, "channel": channel, "language": language},
        kind_options=[
            (k, KINDS.get(k, k)) for k in message_templates.KINDS if any(v.kind == k for v in views)
        ],
        channel_options=sorted({(v.channel, CHANNELS.get(v.channel, v.channel)) for v in views}),
        language_options=[
            (code, LANGUAGE_NAMES.get(code, code)) for code in message_templates.LANGUAGES
        ],
        language_names=LANGUAGE_NAMES,
        url=_url,
    )


def _view(
    ctx: Context, org: Organization, kind: str, channel: str, language: str
) -> service.TemplateView:
    for view in service.list_templates(ctx, org.id):
        if (view.kind, view.channel, view.language) == (kind, channel, language):
            return view
    raise NotFound("Message template")


def _preview(
    kind: str, channel: str, language: str, subject: str | None, body: str | None
) -> tuple[message_templates.Rendered | None, dict[str, str]]:
    """The template rendered with sample data, or the problems that stop it."""
    try:
        data = TemplatePreview.model_validate(
            {
                "kind": kind,
                "channel": channel,
                "language": language,
                "subject": subject,
                "body": body,
            }
        )
        return service.preview(data.kind, data.channel, data.language, data.subject, data.body), {}
    except (ValidationError, InvalidInput) as exc:
        return None, _field_errors(exc)


def _field_errors(exc: Exception) -> dict[str, str]:
    return {k if k in FIELDS else forms.FORM_LEVEL: v for k, v in errors_of(exc).items()}


def _editor(
    request: Request,
    ctx: Context,
    kind: str,
    channel: str,
    language: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    block: str | None = None,
    status_code: int | None = None,
) -> Response:
    """The editor; by default its status says whether the wording renders (200 / 422)."""
    org = working_organization(ctx)
    view = _view(ctx, org, kind, channel, language)
    values = values if values is not None else {"subject": view.subject or "", "body": view.body}
    rendered, problems = _preview(
        kind, channel, language, text(values, "subject"), values.get("body") or ""
    )
    default_subject, default_body = message_templates.DEFAULTS[(kind, channel, language)]
    return render(
        request,
        ctx,
        "messaging/template.html",
        block=block,
        status_code=status_code or (422 if problems else 200),
        nav="messaging",
        section="templates",
        org=org,
        view=view,
        url=_url(view),
        kind_label=KINDS.get(kind, kind),
        channel_label=CHANNELS.get(channel, channel),
        language_label=LANGUAGE_NAMES.get(language, language),
        has_subject=channel != "sms",
        variables=sorted(
            message_templates.SMS_VARIABLES
            if channel == "sms"
            else message_templates.EMAIL_VARIABLES
        ),
        default_subject=default_subject,
        default_body=default_body,
        values=values,
        errors=errors if errors is not None else {},
        rendered=rendered,
        preview_errors=problems,
        sms_max=rules.SMS_MAX,
        fits_sms=rendered is not None and rules.fits_sms(rendered.body),
        can_write=ctx.caller.can(WRITE, org.id),
        oob=block is not None,
    )


@router.get("/{kind}/{channel}/{language}", response_class=HTMLResponse)
def edit_template(
    request: Request, kind: str, channel: str, language: str, ctx: ApiContext
) -> Response:
    return _editor(request, ctx, kind, channel, language, status_code=200)


@router.post("/{kind}/{channel}/{language}/preview", response_class=HTMLResponse)
def preview_template(
    request: Request, kind: str, channel: str, language: str, ctx: ApiContext, form: Form
) -> Response:
    """The preview as you type (htmx: the preview region, and the body's problem next to
    the field); without JavaScript, the editor again with the preview filled in."""
    values = values_of(form)
    if asks_for(request, PREVIEW_REGION):
        return _editor(request, ctx, kind, channel, language, values=values, block=PREVIEW_BLOCK)
    _, problems = _preview(kind, channel, language, text(form, "subject"), values.get("body") or "")
    return _editor(request, ctx, kind, channel, language, values=values, errors=problems)


@router.post("/{kind}/{channel}/{language}", response_class=HTMLResponse)
def save_template(
    request: Request, kind: str, channel: str, language: str, ctx: ApiContext, form: Form
) -> Response:
    org = working_organization(ctx)
    _view(ctx, org, kind, channel, language)
    ctx.require(WRITE, org.id)
    subject = text(form, "subject") if channel != "sms" else None
    try:
        data = TemplateWrite.model_validate({"subject": subject, "body": text(form, "body") or ""})
        service.save_template(ctx, org.id, kind, channel, language, data.subject, data.body)
    except (ValidationError, InvalidInput) as exc:
        forms.discard(ctx)
        page = _editor(
            request,
            ctx,
            kind,
            channel,
            language,
            values=values_of(form),
            errors=_field_errors(exc),
            status_code=422,
        )
        reject(page)
    return redirect(f"/messaging/templates/{kind}/{channel}/{language}", "template-saved")


@router.post("/{kind}/{channel}/{language}/reset")
def reset_template(kind: str, channel: str, language: str, ctx: ApiContext) -> Response:
    org = working_organization(ctx)
    _view(ctx, org, kind, channel, language)
    service.reset_template(ctx, org.id, kind, channel, language)
    return redirect(f"/messaging/templates/{kind}/{channel}/{language}", "template-reset")
