"""The supervisor's view (queue depth, breaches, at risk and the oldest open item, per
organization and per coordinator) and each organization's playbook: versioned
operating notes a backup coordinator reads beside the tasks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import InvalidInput, NotFound
from liaison.kit import clock
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, values_of
from liaison.web.pages import current_organization_id, redirect, render
from liaison.web.workqueue import common
from liaison.workqueue import admin
from liaison.workqueue.schemas import PlaybookWrite

router = APIRouter(prefix="/queue", include_in_schema=False)
PLAYBOOK_FIELDS = (
    ("scripts", "Scripts", "What to say: greetings, common answers, how to close a call."),
    (
        "escalation_contacts",
        "Escalation contacts",
        "Who to call when something goes beyond the desk, and how to reach them.",
    ),
    (
        "do_not_handle",
        "What coordinators must not handle",
        "Matters that go straight to clinical staff or the practice manager.",
    ),
    ("notes", "Other notes", "Anything else a backup coordinator should know."),
)


@router.get("/supervision", response_class=HTMLResponse)
def supervision(request: Request, ctx: ApiContext) -> Response:
    organizations, people = admin.supervision(ctx, None)
    now = clock.now()
    return render(
        request,
        ctx,
        "workqueue/supervision.html",
        nav="queue",
        subnav="supervision",
        organizations=organizations,
        people=people,
        now=now,
        me=ctx.caller.user_id,
    )


# --- Playbooks ------------------------------------------------------------------------


@router.get("/playbooks", response_class=HTMLResponse)
def playbooks(ctx: ApiContext) -> Response:
    org_id = current_organization_id(ctx)
    if org_id is None:
        raise NotFound("Organization")
    return redirect(f"/queue/playbooks/{org_id}")


def _playbook_page(
    request: Request,
    ctx: Context,
    organization_id: uuid.UUID,
    version: int | None = None,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    org = directory_service.get_organization(ctx, organization_id)
    versions = admin.playbook_versions(ctx, org.id)
    book = admin.playbook(ctx, org.id, version)
    if version is not None and book is None:
        raise NotFound("Playbook", "This organization has no playbook of that version")
    current = versions[0] if versions else None
    can_manage = ctx.caller.can(common.MANAGE, org.id)
    if values is None and current is not None:
        values = {name: getattr(current, name) for name, _, _ in PLAYBOOK_FIELDS}
    return render(
        request,
        ctx,
        "workqueue/playbook.html",
        status_code=status_code,
        nav="queue",
        subnav="playbook",
        flashes=common.flashes(request),
        org=org,
        book=book,
        current=current,
        versions=versions,
        fields=PLAYBOOK_FIELDS,
        can_manage=can_manage,
        people=common.staff_names(ctx, org.id),
        values=values or {},
        errors=errors or {},
    )


@router.get("/playbooks/{organization_id}", response_class=HTMLResponse)
def playbook(
    request: Request,
    organization_id: uuid.UUID,
    ctx: ApiContext,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    return _playbook_page(request, ctx, organization_id, version)


@router.post("/playbooks/{organization_id}")
def publish(request: Request, organization_id: uuid.UUID, ctx: ApiContext, form: Form) -> Response:
    values = {name: str(form.get(name) or "").strip() for name, _, _ in PLAYBOOK_FIELDS}
    try:
        data = PlaybookWrite.model_validate({"organization_id": organization_id, **values})
        if not any(values.values()):
            raise InvalidInput("scripts", "Write at least one section")
        admin.publish_playbook(ctx, data)
    except (ValidationError, InvalidInput) as exc:
        forms.discard(ctx)
        errors = errors_of(exc)
        page = _playbook_page(
            request,
            ctx,
            organization_id,
            values={k: v for k, v in values_of(form).items() if isinstance(v, str)},
            errors={k: v for k, v in errors.items() if k in values} or {"scripts": "is invalid"},
            status_code=422,
        )
        reject(page)
    return redirect(f"/queue/playbooks/{organization_id}", "playbook")
